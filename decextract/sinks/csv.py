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

import csv
import io
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import attrs

from .. import __version__, schema
from ..records import Record
from ..tabulate import cell_text
from . import CommitLog, LoggedSink, check_writable_dir

_TABLES = schema.DATA_TABLES
BOM = "\ufeff".encode()  # Excel's sign that a CSV is UTF-8


def _csv_bytes(rows: list[list[Any]]) -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerows([cell_text(v, schema.json_text) for v in row] for row in rows)
    return buf.getvalue().encode("utf-8")


@attrs.frozen
class CsvRows:
    """A document's rows as the bytes each table's CSV file gains (made in a batch's worker)."""

    files: dict[str, Path]  # table name -> its file

    def __call__(self, sha256: str, records: Sequence[Record]) -> dict[Path, bytes]:
        rows = schema.rows_of(sha256, records, version=__version__)
        return {self.files[name]: _csv_bytes([list(r.values()) for r in table_rows])
                for name, table_rows in rows.items() if table_rows and name != "sources"}


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
        return CsvRows(dict(self.files))

    def _source_chunks(self, sha256: str, path: str) -> dict[Path, bytes]:
        row = schema.source_row(sha256, path)
        return {self.files["sources"]: _csv_bytes([list(row.values())])}

    def _error_chunks(self, error: dict) -> dict[Path, bytes]:
        return {self.files["errors"]: _csv_bytes([list(schema.complete(schema.errors, error).values())])}
