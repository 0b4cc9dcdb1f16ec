"""Exports for researchers: records or a batch database as XLSX, CSV (with BOM) and Stata files.

Every export has the columns of :mod:`decextract.schema`, one sheet (or file) per table: ``documents``,
``figures``, ``tables``, ``table_rows``, ``table_cells``, ``performance_projects``,
``performance_indicators``, ``checks``, ``indicators`` (and, from a database, ``sources`` and ``errors``).

Exact decimals (money in 元, percentages, check sides) are written

- in CSV as their exact decimal text, in plain notation (``3398400``, ``97.09``; never ``5E+4``);
- in XLSX and Stata as numbers, so they sum and sort, **and** as their exact text in a neighbouring
  column named ``<column>_text`` (a spreadsheet or Stata holds a number as a binary double, which keeps
  15 significant digits).  An XLSX number cell's format shows the digits as printed (``0.00`` for 97.09),
  so Excel never shows an exponent either.

JSON columns (``cells_json``, ``warnings_json`` …) are JSON text with Chinese kept as is.
"""

from __future__ import annotations

import csv
import io
import json
import os
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs
import regex
import sqlalchemy as sa

from . import __version__, schema
from .errors import SinkError
from .model import Table
from .records import Record, TableInfo, decimal_text
from .tabulate import cell_text

#: the tables of an export, in this order (any other table of the schema follows them)
ORDER = ("documents", "figures", "tables", "table_rows", "table_cells", "performance_projects",
         "performance_indicators", "checks", "indicators", "sources", "errors")
#: tables that only a batch fills (sources of each document, files that failed)
BATCH_ONLY = frozenset({"sources", "errors"})
#: suffix of the column holding the exact text of a decimal column (XLSX, Stata)
TEXT_SUFFIX = "_text"
#: rows of one XLSX sheet (Excel's limit, less the header); a longer table continues on "name (2)" …
XLSX_MAX_ROWS = 1_048_575
_XLSX_MAX_TEXT = 32_767  # Excel's limit for the text of one cell
_ILLEGAL = regex.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")  # characters XML 1.0 cannot hold


@attrs.frozen
class Sheet:
    """One table to export: its name, columns in order, which of them are exact decimals, and its rows.

    ``types`` gives each column's kind: ``decimal``, ``int``, ``float``, ``bool``, ``json`` or ``text``
    (from the schema, so a column has the same type in every export, whatever its rows hold).
    ``rows()`` returns a fresh iterator of tuples in column order each time it is called (so several
    formats can be written from one source); values are str, int, float, bool, Decimal, None, or
    dict/list for JSON columns.
    """

    name: str
    columns: tuple[str, ...]
    types: tuple[str, ...]
    rows: Callable[[], Iterator[tuple]]

    @property
    def decimals(self) -> frozenset[str]:
        return frozenset(c for c, t in zip(self.columns, self.types, strict=True) if t == "decimal")


def _tables() -> list[sa.Table]:
    named = {t.name: t for t in schema.metadata.sorted_tables if t.name != schema.schema_version.name}
    return [named[n] for n in ORDER if n in named] + [t for n, t in named.items() if n not in ORDER]


def _kind(column: sa.Column) -> str:
    t = column.type
    if isinstance(t, schema.ExactDecimal):
        return "decimal"
    if isinstance(t, sa.Boolean):
        return "bool"
    if isinstance(t, sa.Integer):
        return "int"
    if isinstance(t, sa.Float):
        return "float"
    if isinstance(t, sa.JSON):
        return "json"
    return "text"


def _sheet(table: sa.Table, columns: Sequence[str], rows: Callable[[], Iterator[tuple]]) -> Sheet:
    return Sheet(table.name, tuple(columns), tuple(_kind(table.columns[c]) for c in columns), rows)


def sheets_of_records(records: Iterable[Record]) -> list[Sheet]:
    """The records of one or more documents (each starting with its ``document`` record) as sheets.

    The batch-only tables (``sources``, ``errors``) are left out.
    """
    rows: dict[str, list[tuple]] = {}
    for document in _documents(records):
        for name, table_rows in schema.rows_of(document[0].sha256, document, version=__version__).items():
            rows.setdefault(name, []).extend(tuple(r.values()) for r in table_rows)
    out = []
    for table in _tables():
        if table.name in BATCH_ONLY:
            continue
        columns = tuple(table.columns.keys())
        held = rows.get(table.name, [])
        out.append(_sheet(table, columns, lambda held=held: iter(held)))
    return out


def _documents(records: Iterable[Record]) -> Iterator[list[Record]]:
    document: list[Record] = []
    for record in records:
        if record.TYPE == "document" and document:
            yield document
            document = []
        document.append(record)
    if document:
        yield document


def sheets_of_database(engine: sa.Engine, tables: Sequence[str] | None = None) -> list[Sheet]:
    """The tables of a decextract database as sheets, read lazily (each ``rows()`` runs one query).

    ``tables`` limits the export to those names.  Columns the database lacks (an older schema) are left
    out; a table it lacks is left out.
    """
    inspector = sa.inspect(engine)
    known = _tables()
    if tables:
        unknown = sorted(set(tables) - {t.name for t in known})
        if unknown:
            raise SinkError(f"no table {', '.join(unknown)} in a decextract database "
                            f"(tables: {', '.join(t.name for t in known)})", path=str(engine.url))
        known = [t for t in known if t.name in tables]
    out = []
    for table in known:
        if not inspector.has_table(table.name):
            continue
        present = {c["name"] for c in inspector.get_columns(table.name)}
        columns = tuple(c for c in table.columns.keys() if c in present)
        query = sa.select(*(table.c[c] for c in columns)).order_by(*table.primary_key.columns)

        def rows(query=query) -> Iterator[tuple]:
            with engine.connect() as conn:
                yield from (tuple(r) for r in conn.execution_options(yield_per=5000).execute(query))

        out.append(_sheet(table, columns, rows))
    return out


# ---------------------------------------------------------------- values


def text_value(value: Any) -> str:
    """A value as text for CSV: exact decimals in plain notation, JSON as JSON, ``true``/``false``, NULL as ''."""
    return cell_text(value)


def number_value(value: Decimal) -> int | float:
    """A decimal as the number a spreadsheet or Stata holds: an int when whole (exact), else a float."""
    return int(value) if value == value.to_integral_value() else float(value)


def number_format(value: Decimal) -> str:
    """An Excel number format showing exactly the digits of ``value``: ``0``, ``0.00`` …"""
    places = len(decimal_text(value).partition(".")[2])
    return "0." + "0" * places if places else "0"


def _expanded(sheet: Sheet) -> tuple[list[str], list[int]]:
    """Columns with ``<decimal>_text`` after each decimal column; for each, the index of its source
    column, negative for the text copy (``-i - 1`` is the text of column ``i``)."""
    names: list[str] = []
    sources: list[int] = []
    for i, (column, kind) in enumerate(zip(sheet.columns, sheet.types, strict=True)):
        names.append(column)
        sources.append(i)
        if kind == "decimal":
            names.append(column + TEXT_SUFFIX)
            sources.append(-i - 1)
    return names, sources


def _clean(text: str) -> str:
    return _ILLEGAL.sub("\ufffd", text)  # one for one: offsets into the text stay true


# ---------------------------------------------------------------- writers


def write_csv(sheets: Sequence[Sheet], folder: str | os.PathLike, *, encoding: str = "utf-8-sig") -> list[Path]:
    """Write each sheet as ``folder/<name>.csv`` (UTF-8 with BOM by default, so Excel reads the Chinese)."""
    folder = _folder(folder)
    written = []
    for sheet in sheets:
        path = folder / f"{sheet.name}.csv"

        def write(tmp: Path, sheet: Sheet = sheet) -> None:
            with open(tmp, "w", encoding=encoding, newline="") as f:
                writer = csv.writer(f)  # CRLF line ends, as RFC 4180 and Excel write them
                writer.writerow(sheet.columns)
                writer.writerows([text_value(v) for v in row] for row in sheet.rows())

        _replace(path, write)
        written.append(path)
    return written


def write_xlsx(sheets: Sequence[Sheet], path: str | os.PathLike) -> Path:
    """Write the sheets into one workbook: a sheet per table, header row frozen, decimals as numbers and text."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    path = Path(path)
    book = Workbook(write_only=True)
    bold = Font(bold=True)
    for sheet in sheets:
        names, sources = _expanded(sheet)
        part, ws, count = 1, None, XLSX_MAX_ROWS
        for row in _chain_first(sheet.rows()):
            if count >= XLSX_MAX_ROWS:
                ws = _new_sheet(book, sheet.name, part, names, bold, WriteOnlyCell)
                part, count = part + 1, 0
            if row is None:
                continue
            ws.append([_xlsx_cell(ws, row, i, WriteOnlyCell) for i in sources])
            count += 1
    _save(book, path)
    return path


def _chain_first(rows: Iterator[tuple]) -> Iterator[tuple | None]:
    """``None`` first (so an empty table still gets its sheet), then the rows."""
    yield None
    yield from rows


def _new_sheet(book, name: str, part: int, names: list[str], bold, cell_class):
    ws = book.create_sheet(name if part == 1 else f"{name} ({part})")
    ws.freeze_panes = "A2"
    for letter, column in zip(_letters(len(names)), names, strict=True):
        ws.column_dimensions[letter].width = 40 if column in ("context", "formula", "cells_json", "values_json") \
            else max(10, min(24, len(column) + 2))
    header = []
    for column in names:
        cell = cell_class(ws, value=column)
        cell.font = bold
        header.append(cell)
    ws.append(header)
    return ws


def _letters(n: int) -> list[str]:
    from openpyxl.utils import get_column_letter

    return [get_column_letter(i + 1) for i in range(n)]


def _xlsx_cell(ws, row: tuple, source: int, cell_class) -> Any:
    value = row[source] if source >= 0 else row[-source - 1]
    if value is None:
        return None
    if isinstance(value, Decimal):
        if source < 0:
            return decimal_text(value)
        cell = cell_class(ws, value=number_value(value))
        cell.number_format = number_format(value)
        return cell
    if isinstance(value, (dict, list)):
        value = schema.json_text(value)
    if isinstance(value, bytes):  # path_bytes: a file name that is not UTF-8, exactly
        value = value.hex()
    if isinstance(value, str):
        return _clean(value)[:_XLSX_MAX_TEXT]
    return value


def _save(book, path: Path) -> None:
    _replace(path, book.save)


def _replace(path: Path, write: Callable[[Path], Any]) -> None:
    """``write(tmp)`` a temporary file beside ``path``, then rename it: a failed export leaves no
    half-written file, and an earlier export stays whole until the new one is complete."""
    _folder(path.parent)
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        write(tmp)
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise SinkError(f"cannot write: {exc.strerror or exc}", path=str(path)) from exc


def _folder(folder: str | os.PathLike) -> Path:
    folder = Path(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise SinkError(f"cannot create output folder: {exc.strerror or exc}", path=str(folder)) from exc
    return folder


# ---------------------------------------------------------------- Stata

_STATA_RESERVED = frozenset(
    "_all _b byte _coef _cons double float if in int long _n _N _pi _pred _rc _skip strL using with".split())
_STATA_NAME = regex.compile(r"[^A-Za-z0-9_]+")
_STATA_STR_MAX = 2045  # bytes of a fixed-width Stata string; longer ones are strL


def stata_names(columns: Sequence[str]) -> dict[str, str]:
    """ASCII-safe, unique Stata variable names (at most 32 characters) for ``columns``.

    A name that is already valid stays as it is; others keep their ASCII letters and digits, or
    become ``v<N>`` — the original name goes into the variable label.
    """
    out: dict[str, str] = {}
    used: set[str] = set()
    for n, column in enumerate(columns, 1):
        name = _STATA_NAME.sub("_", unicodedata.normalize("NFKC", column)).strip("_")[:32]
        if not name or name[0].isdigit() or name in _STATA_RESERVED or not name.isascii():
            name = f"v{n}"
        base, k = name, 2
        while name in used:
            suffix = f"_{k}"
            name, k = base[:32 - len(suffix)] + suffix, k + 1
        used.add(name)
        out[column] = name
    return out


def write_dta(sheets: Sequence[Sheet], folder: str | os.PathLike) -> list[Path]:
    """Write each sheet as ``folder/<name>.dta`` (Stata 118 format, UTF-8 strings; needs pandas).

    Decimals become doubles with their exact text in ``<name>_text``; booleans 0/1; JSON columns text;
    integer columns with gaps doubles with Stata's missing value.  Variable names are ASCII-safe
    (:func:`stata_names`); a renamed variable's label is its column name as in the database, a text copy's
    says which decimal it holds.
    """
    try:
        import pandas as pd
    except ImportError as exc:
        raise SinkError("Stata export needs pandas: pip install 'decextract[stata]'") from exc
    folder = _folder(folder)
    written = []
    for sheet in sheets:
        names, sources = _expanded(sheet)
        data = [[_dta_value(row, i) for i in sources] for row in sheet.rows()]
        frame = pd.DataFrame(data, columns=names, dtype=object)
        for column, source in zip(names, sources, strict=True):
            kind = sheet.types[source] if source >= 0 else "text"
            if kind in ("decimal", "float"):
                frame[column] = frame[column].astype("float64")
            elif kind == "bool":
                frame[column] = frame[column].map(lambda v: None if v is None else int(v)).astype("Int8")
            elif kind == "int":
                frame[column] = frame[column].astype("Int64")
            else:
                frame[column] = frame[column].map(lambda v: "" if v is None else str(v)).astype(object)
        mapping = stata_names(names)
        frame = frame.rename(columns=mapping)
        labels = {mapping[c]: (c if src >= 0 else f"{sheet.columns[-src - 1]}: exact decimal text")[:80]
                  for c, src in zip(names, sources, strict=True) if src < 0 or mapping[c] != c}
        long = [mapping[c] for c in names if frame[mapping[c]].dtype == object
                and max((len(v.encode("utf-8")) for v in frame[mapping[c]]), default=0) > _STATA_STR_MAX]
        path = folder / f"{sheet.name}.dta"
        buf = io.BytesIO()
        try:
            frame.to_stata(buf, version=118, write_index=False, variable_labels=labels, convert_strl=long,
                           data_label=f"decextract {__version__}: {sheet.name}"[:80])
        except (ValueError, TypeError) as exc:
            raise SinkError(f"cannot write Stata file: {exc}", path=str(path)) from exc
        data = buf.getvalue()
        _replace(path, lambda tmp: tmp.write_bytes(data))  # noqa: B023 (called at once)
        written.append(path)
    return written


def _dta_value(row: tuple, source: int) -> Any:
    value = row[source] if source >= 0 else row[-source - 1]
    if isinstance(value, Decimal):
        return decimal_text(value) if source < 0 else float(value)
    if isinstance(value, (dict, list)):
        return schema.json_text(value)
    if isinstance(value, bytes):  # path_bytes: a file name that is not UTF-8, exactly
        return value.hex()
    if isinstance(value, str):
        return _clean(value)
    return value


# ---------------------------------------------------------------- table grids


def write_grids_xlsx(tables: Sequence[tuple[str, TableInfo, Table | None]], path: str | os.PathLike) -> Path:
    """Tables as printed, one sheet each, after an index sheet ``tables`` that lists them.

    ``tables`` holds ``(source file, info, grid)``.  Each grid cell is its text exactly as printed
    (amounts too: the values in 元 are in ``extract``'s exports); merged cells are merged.
    """
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    path = Path(path)
    book = Workbook()
    index = book.active
    index.title = "tables"
    index.append(["sheet", "source", "pages", "rows", "cols", "empty", "unit", "table_id", "title", "warnings"])
    for cell in index[1]:
        cell.font = Font(bold=True)
    index.freeze_panes = "A2"
    for n, (source, info, table) in enumerate(tables, 1):
        name = f"{n:03d}"
        index.append([name if table is not None else None, source, ",".join(map(str, info.pages)), info.n_rows,
                      info.n_cols, info.empty, info.unit, info.table_id, _clean(info.table or ""),
                      json.dumps([attrs.asdict(w) for w in info.warnings], ensure_ascii=False) if info.warnings
                      else None])
        if table is None:
            continue
        ws = book.create_sheet(name)
        ws.append([_clean(info.table or "(untitled)")])
        ws["A1"].font = Font(bold=True)
        top = 2
        starts = {(c.row, c.col) for c in table.cells}
        for cell in table.cells:
            ws.cell(row=top + cell.row, column=cell.col + 1, value=_clean(cell.text)[:_XLSX_MAX_TEXT] or None)
            covered = {(r, c) for r in range(cell.row, min(cell.row + cell.rowspan, table.n_rows))
                       for c in range(cell.col, min(cell.col + cell.colspan, table.n_cols))}
            if len(covered) > 1 and not (covered - {(cell.row, cell.col)}) & starts:  # never hide another cell
                ws.merge_cells(start_row=top + cell.row, start_column=cell.col + 1,
                               end_row=top + min(cell.row + cell.rowspan, table.n_rows) - 1,
                               end_column=min(cell.col + cell.colspan, table.n_cols))
                ws.cell(row=top + cell.row, column=cell.col + 1).alignment = Alignment(vertical="center",
                                                                                       wrap_text=True)
        for r in range(table.header_rows):
            for c in range(table.n_cols):
                ws.cell(row=top + r, column=c + 1).font = Font(bold=True)
    _save(book, path)
    return path
