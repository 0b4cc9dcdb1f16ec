"""Readers: one module per format, each turning bytes into a :class:`~decextract.model.Document`.

:func:`read_document` is the single entry point: it reads the file, detects the
format from the bytes (never the file name), dispatches to the reader and wraps
any third-party error into a :class:`~decextract.errors.DecExtractError` that
names the file.
"""

from __future__ import annotations

import hashlib
import os
from importlib import import_module

import attrs

from ..errors import DamagedFileError, DecExtractError
from ..model import Document
from . import archive
from .sniff import sniff

#: format name -> module that reads it (each has ``read(data, source, sha256) -> Document``)
READERS = {
    "txt": "decextract.readers.text",
    "docx": "decextract.readers.docx",
    "pdf": "decextract.readers.pdf",
    "xlsx": "decextract.readers.xlsx",
    "html": "decextract.readers.html",
    "mhtml": "decextract.readers.html",
    "xls": "decextract.readers.xls",
    "et": "decextract.readers.xls",
    "doc": "decextract.readers.office",
    "wps": "decextract.readers.office",
    "rtf": "decextract.readers.office",
    "odt": "decextract.readers.office",
    "ods": "decextract.readers.office",
    "zip": "decextract.readers.archive",
    "rar": "decextract.readers.archive",
    "7z": "decextract.readers.archive",
}


def read_bytes(data: bytes, source: str) -> Document:
    """Read a document from its bytes; ``source`` names it in provenance and errors."""
    sha256 = hashlib.sha256(data).hexdigest()
    fmt = "file"
    try:
        fmt = sniff(data, source)
        return attrs.evolve(import_module(READERS[fmt]).read(data, source, sha256), size=len(data))
    except DecExtractError:
        raise
    except Exception as exc:  # third-party parser errors stop at the reader boundary
        raise DamagedFileError(f"cannot read {fmt.upper()}: {type(exc).__name__}: {exc}", path=source) from exc


def read_document(path: str | os.PathLike) -> Document:
    """Read the file at ``path`` into the document model."""
    source = os.fspath(path)
    if archive.is_member_path(source):  # archive.zip!/member.pdf
        return read_bytes(archive.read_member(source), source)
    try:
        with open(source, "rb") as f:
            data = f.read()
    except OSError as exc:
        raise DamagedFileError(f"cannot open: {exc.strerror or exc}", path=source) from exc
    return read_bytes(data, source)
