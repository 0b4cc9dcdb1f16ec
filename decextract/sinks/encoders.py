"""What a batch's worker processes make of each document for each sink, so the one writing process only writes.

Every sink's :meth:`~decextract.sinks.Sink.encoder` returns one of these: a picklable object holding plain
data only (file names, column names, how each column's values are converted), sent once to every worker.
This module and what it imports hold no SQLAlchemy, so a worker does not load it: the SQL sink works out
in the writing process how its driver takes each column (:func:`decextract.sinks.sql.converters`), and the
workers only apply that.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs

from .. import __version__
from ..records import Record, compact_json, decimal_text, to_json
from ..rows import json_text, rows_of
from ..tabulate import cell_text


def utf8(text: str) -> bytes:
    """JSON text as UTF-8 for any str: a lone surrogate becomes its JSON escape (``\\ud800``), read back as is."""
    return text.encode("utf-8", "backslashreplace")


def csv_bytes(rows: list[list[Any]]) -> bytes:
    """CSV lines of ``rows``: decimals as exact text, JSON columns as JSON text, NULL as an empty field."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerows([cell_text(v, json_text) for v in row] for row in rows)
    return buf.getvalue().encode("utf-8")


@attrs.frozen
class JsonLines:
    """A document's records as the JSON Lines file's bytes."""

    path: Path

    def __call__(self, sha256: str, records: Sequence[Record]) -> dict[Path, bytes]:
        return {self.path: utf8("".join(to_json(r) + "\n" for r in records))}


@attrs.frozen
class CsvRows:
    """A document's rows as the bytes each table's CSV file gains."""

    files: dict[str, Path]  # table name -> its file
    columns: dict[str, tuple[str, ...]]  # decextract.schema.ROW_COLUMNS

    def __call__(self, sha256: str, records: Sequence[Record]) -> dict[Path, bytes]:
        rows = rows_of(sha256, records, version=__version__, columns=self.columns)
        return {self.files[name]: csv_bytes([list(r.values()) for r in table_rows])
                for name, table_rows in rows.items() if table_rows and name != "sources"}


#: how a column's values are converted for the driver, by name (see decextract.sinks.sql.converters)
CONVERT = {
    "decimal": lambda v: None if v is None else decimal_text(Decimal(v)),  # an exact decimal stored as text
    "json": compact_json,  # as SQLAlchemy binds a JSON column: ``None`` is JSON ``null``, not SQL NULL
    "float": lambda v: None if v is None else float(v),
    "int": lambda v: None if v is None else int(v),  # a boolean where the database has none
}


def without_nul(value: Any) -> Any:
    """PostgreSQL text cannot hold NUL: U+FFFD stands in, one character for one, so offsets stay true."""
    if isinstance(value, str):
        return value.replace("\x00", "\ufffd")
    if isinstance(value, dict):
        return {without_nul(k): without_nul(v) for k, v in value.items()}
    return value


@attrs.frozen
class DriverRows:
    """A document's rows as the database driver takes them: per table, each value converted as SQLAlchemy
    binds it (:data:`CONVERT`; decimals as text in SQLite, JSON as text) and the row a tuple in the order of
    the sink's INSERT, or a dict where the driver's parameters are named."""

    columns: dict[str, tuple[str, ...]]  # decextract.schema.ROW_COLUMNS
    converters: dict[str, tuple[str | None, ...]]  # table -> per column, a name in CONVERT or None
    order: dict[str, tuple[int, ...] | None]  # table -> the INSERT's parameters as column positions; None: named
    no_nul: bool = False  # replace NUL in text (PostgreSQL)

    def __call__(self, sha256: str, records: Sequence[Record]) -> dict[str, list]:
        rows = rows_of(sha256, records, version=__version__, columns=self.columns)
        return {name: self.convert(name, table_rows) for name, table_rows in rows.items()}

    def convert(self, table: str, rows: list[dict]) -> list[tuple] | list[dict]:
        """``rows`` of ``table`` (complete, columns in order) as the driver takes them."""
        steps = [(i, CONVERT[c]) for i, c in enumerate(self.converters[table]) if c is not None]
        out = []
        for row in rows:
            values = [without_nul(v) for v in row.values()] if self.no_nul else list(row.values())
            for i, convert in steps:
                values[i] = convert(values[i])
            out.append(values)
        order = self.order[table]
        if order is None:
            return [dict(zip(self.columns[table], values, strict=True)) for values in out]
        if order == tuple(range(len(order))):
            return [tuple(values) for values in out]
        return [tuple(values[i] for i in order) for values in out]
