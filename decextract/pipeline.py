"""From a file to its records: read, annotate tables, extract, in one pass."""

from __future__ import annotations

import os
from collections.abc import Iterator

from .figures import figures_of
from .metadata import document_info
from .model import Document, Table
from .readers import read_document
from .records import Record, TableInfo
from .tables import annotate, performance_records
from .tables.annex import annex_records


def records_of(doc: Document) -> Iterator[Record]:
    """Every record of a document read into the model, the ``document`` record first.

    Order: document, tables (table, table_row), performance rows, then figures
    in reading order.
    """
    doc = annotate(doc)
    info = document_info(doc)
    yield info
    yield from annex_records(doc)
    yield from performance_records(doc, info.fiscal_year)
    yield from figures_of(doc, info.fiscal_year)


def extract(path: str | os.PathLike) -> list[Record]:
    """Read the disclosure at ``path`` and return all its records.

    Raises a :class:`~decextract.errors.DecExtractError` naming the file when it
    cannot be read; a document with nothing in it gives just its ``document`` record.
    """
    return list(records_of(read_document(path)))


def read_tables(path: str | os.PathLike) -> list[tuple[TableInfo, Table | None]]:
    """The tables of the disclosure at ``path``: what was recognised, with the table itself.

    The table is None for one declared empty under a title with no grid.
    """
    doc = annotate(read_document(path))
    grids = {t.index: t for t in doc.tables()}
    return [(r, grids.get(r.prov.block)) for r in annex_records(doc) if isinstance(r, TableInfo)]
