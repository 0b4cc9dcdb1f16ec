"""The CSV sink: one UTF-8 CSV file per table of :mod:`decextract.schema`, in a folder.

Each file starts with a byte order mark, so Excel (on Chinese Windows too) reads it as UTF-8;
read it back with ``encoding="utf-8-sig"``.  A file saved by another program since (Excel writes
CRLF line ends) is refused on the next run rather than appended to (see :class:`~decextract.sinks.CommitLog`).

Columns are the database's; decimals are written as exact decimal strings,
JSON columns as JSON text, booleans as ``true``/``false``, bytes (``path_bytes``)
as hexadecimal, NULL as an empty field.  A manifest (``_commits.jsonl``) makes each document all-or-nothing
across the files (see :class:`~decextract.sinks.CommitLog`).
"""

from __future__ import annotations

from pathlib import Path

from .. import schema
from . import CommitLog, LoggedSink, check_writable_dir
from .encoders import CsvRows
from .encoders import csv_bytes as _csv_bytes

_TABLES = schema.DATA_TABLES
BOM = "\ufeff".encode()  # Excel's sign that a CSV is UTF-8


class CsvSink(LoggedSink):
    """Appends documents to ``documents.csv``, ``figures.csv`` … in a folder."""

    def __init__(self, folder: str | Path):
        self.folder = check_writable_dir(Path(folder).resolve())
        self.name = str(self.folder)
        self.files = {t.name: self.folder / f"{t.name}.csv" for t in _TABLES}
        headers = {self.files[t.name]: BOM + _csv_bytes([list(t.columns.keys())]) for t in _TABLES}
        self.log = CommitLog(self.folder / "_commits.jsonl", self.files.values(), headers)
        self.outputs = (self.folder,)
        self._compact()

    def encoder(self) -> CsvRows:
        return CsvRows({str(name): f for name, f in self.files.items()}, schema.ROW_COLUMNS)

    def _source_chunks(self, sha256: str, path: str) -> dict[Path, bytes]:
        row = schema.source_row(sha256, path)
        return {self.files["sources"]: _csv_bytes([list(row.values())])}

    def _error_chunks(self, error: dict) -> dict[Path, bytes]:
        return {self.files["errors"]: _csv_bytes([list(schema.complete(schema.errors, error).values())])}
