"""The CSV sink: one UTF-8 CSV file per table of :mod:`decextract.schema`, in a folder.

Columns are the database's; decimals are written as exact decimal strings,
JSON columns as JSON text, booleans as ``true``/``false``, NULL as an empty
field.  A manifest (``_commits.jsonl``) makes each document all-or-nothing
across the files (see :class:`~decextract.sinks.CommitLog`).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

from .. import __version__, schema
from ..records import Record, decimal_text
from . import CommitLog, Sink, check_writable_dir

_TABLES = schema.DATA_TABLES


def _text(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return decimal_text(value)
    if isinstance(value, dict):
        return schema.json_text(value)
    return value


def _csv_bytes(rows: list[list[Any]]) -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerows([_text(v) for v in row] for row in rows)
    return buf.getvalue().encode("utf-8")


class CsvSink(Sink):
    """Appends documents to ``documents.csv``, ``figures.csv`` … in a folder."""

    def __init__(self, folder: str | Path):
        self.folder = check_writable_dir(Path(folder).resolve())
        self.name = str(self.folder)
        self.files = {t.name: self.folder / f"{t.name}.csv" for t in _TABLES}
        headers = {self.files[t.name]: _csv_bytes([list(t.columns.keys())]) for t in _TABLES}
        self.log = CommitLog(self.folder / "_commits.jsonl", self.files.values(), headers)
        self.outputs = (self.folder,)
        self._compact()

    def loaded(self) -> set[str]:
        return set(self.log.keys("document"))

    def write_document(self, sha256: str, paths: Sequence[str], records: Sequence[Record], *, replace: bool) -> None:
        if replace or sha256 not in self.log.keys("document"):
            rows = schema.rows_of(sha256, records, version=__version__)
            chunks = {self.files[name]: _csv_bytes([list(r.values()) for r in table_rows])
                      for name, table_rows in rows.items() if table_rows and name != "sources"}
            self.log.append(sha256, "document", chunks)
        self.add_sources(sha256, paths)

    def add_sources(self, sha256: str, paths: Sequence[str]) -> None:
        known = self.log.keys("source")
        for path in dict.fromkeys(paths):
            key = f"{sha256}\t{path}"
            if key not in known:
                row = schema.complete(schema.sources, {"sha256": sha256, "path": path, "added_at": schema.now_iso()})
                self.log.append(key, "source", {self.files["sources"]: _csv_bytes([list(row.values())])})

    def write_error(self, path: str, sha256: str | None, stage: str, error_class: str, message: str,
                    location: str | None = None) -> None:
        row = schema.complete(schema.errors, {
            "path": path, "sha256": sha256, "stage": stage, "error_class": error_class, "message": message,
            "location": location, "occurred_at": schema.now_iso()})
        self.log.append(path, "error", {self.files["errors"]: _csv_bytes([list(row.values())])})

    def _compact(self) -> None:
        """Keep the latest copy of each replaced document and the latest error of each path."""
        self.log.compact("document")
        self.log.compact("error")

    def close(self) -> None:
        self._compact()
