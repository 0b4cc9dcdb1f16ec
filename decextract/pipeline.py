"""From a file to its records: read, annotate, extract, in one pass."""

from __future__ import annotations

import os
from typing import Iterator

from .metadata import document_info
from .model import Document
from .readers import read_document
from .records import Record


def records_of(doc: Document) -> Iterator[Record]:
    """Every record of a document read into the model, the ``document`` record first."""
    info = document_info(doc)
    yield info


def extract(path: str | os.PathLike) -> list[Record]:
    """Read the disclosure at ``path`` and return all its records.

    Raises a :class:`~decextract.errors.DecExtractError` naming the file when it
    cannot be read; a document with nothing in it gives just its ``document`` record.
    """
    return list(records_of(read_document(path)))
