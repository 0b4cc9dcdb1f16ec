"""XLSX reader: each visible worksheet becomes paragraphs and tables.

openpyxl opens the workbook with ``data_only=True`` (formulas give their cached
values) and not read-only, so merged ranges are known.  Every cell is rendered as
a person sees it printed: numbers through the cell's number format (1234.5 with
``#,##0.00`` → “1,234.50”, 0.0523 with ``0.00%`` → “5.23%”), computed in
:class:`~decimal.Decimal` from the float's shortest repr, so no digit the file
holds is lost or invented.

A sheet is cut into blocks row by row:

- a fully blank row ends the table being read (a row a vertical merge reaches
  from above is never blank);
- a *title row* ends it too and gives one paragraph per non-empty cell: a row
  whose only non-empty cell spans at least half the used width (a merged
  “收支预算总表”), or, outside a table, a row with a single non-empty cell or
  made only of “label：value” cells (“编制单位：…” | “单位：万元”);
- any other row belongs to the current table (a new table starts after a break).

Each table keeps only its own columns; a merged range is one cell at its
top-left slot with its spans, clipped to the table.  Every block's section is
``(sheet name,)``.  Hidden sheets are skipped.
"""

from __future__ import annotations

import datetime as dt
import decimal
import io
from decimal import ROUND_HALF_UP, Context, Decimal

import attrs
import openpyxl
import openpyxl.reader.excel as openpyxl_excel
import regex
from openpyxl.cell.cell import MergedCell
from openpyxl.worksheet._reader import WorksheetReader
from openpyxl.worksheet.worksheet import Worksheet

from ..errors import DamagedFileError
from ..model import Block, Cell, Document, Paragraph, Table
from ..records import Notice

_LABEL_LINE = regex.compile(
    r"""
    ^\s*
    [^\s：:]{1,8}   # a short label: 单位, 金额单位, 编制单位, 部门名称
    \s*[：:]\s*\S  # its colon, and something after it
    """,
    regex.VERBOSE,
)


#: a run of more empty columns than this inside a table is left out of it (values in A and in XFD)
_MAX_GAP = 50


class _ClippingReader(WorksheetReader):
    """openpyxl's sheet reader, with merged ranges clipped to the cells the sheet holds.

    openpyxl makes one MergedCell object per covered slot: a hostile merge of
    A1:XFD1048576 would be 17 billion of them.  Past the last cell the sheet holds
    a merge covers nothing anyone can read, so clipping it there loses nothing.
    """

    def bind_merged_cells(self):
        merged = self.parser.merged_cells
        if merged:
            cells = self.ws._cells
            last_row = max((r for r, _ in cells), default=1)
            last_col = max((c for _, c in cells), default=1)
            for cr in merged.mergeCell:  # openpyxl's CellRange: min_row, min_col, max_row, max_col
                cr.max_row = max(cr.min_row, min(cr.max_row, last_row))
                cr.max_col = max(cr.min_col, min(cr.max_col, last_col))
        super().bind_merged_cells()


def _load(data: bytes):
    """openpyxl's workbook, read with :class:`_ClippingReader` (swapped in for the call only)."""
    original = openpyxl_excel.WorksheetReader
    openpyxl_excel.WorksheetReader = _ClippingReader
    try:
        return openpyxl.load_workbook(io.BytesIO(data), data_only=True, read_only=False)
    finally:
        openpyxl_excel.WorksheetReader = original


def read(data: bytes, source: str, sha256: str) -> Document:
    """Read every visible sheet of an .xlsx workbook into the document model."""
    try:
        workbook = _load(data)
    except Exception as exc:  # openpyxl raises KeyError, BadZipFile, XML errors … on a bad package
        raise DamagedFileError(f"not a readable Excel workbook: {type(exc).__name__}: {exc}", path=source) from exc
    blocks: list[Block] = []
    for sheet in workbook.worksheets:
        if isinstance(sheet, Worksheet) and sheet.sheet_state == "visible":
            _read_sheet(sheet, blocks)
    title = (workbook.properties.title or "").strip()
    return Document(source=source, sha256=sha256, format="xlsx", blocks=tuple(blocks),
                    title=title if regex.search(r"\p{Han}", title) else None)


@attrs.frozen
class _Slot:
    """A non-covered grid slot of the sheet: its text and merge extent (1-based, inclusive)."""

    row: int
    col: int
    text: str
    last_row: int
    last_col: int


Slot = _Slot  # public name for the readers that build slots themselves (XLS)


def _read_sheet(sheet: Worksheet, blocks: list[Block]) -> None:
    slots, covered_from_above = _slots(sheet)
    sheet_blocks(sheet.title, slots, covered_from_above, blocks)


def sheet_blocks(name: str, slots: dict[tuple[int, int], Slot], covered_from_above: set[int],
                 blocks: list[Block]) -> None:
    """Cut one sheet's slots into paragraphs and tables (the module docstring's rules), appending to ``blocks``.

    ``slots`` maps (row, column), 1-based, to the slot there; ``covered_from_above``
    holds the rows a vertical merge reaches from above.  The XLS reader cuts its
    sheets here too.
    """
    section = (name.strip(),)
    if not slots:
        return
    by_row: dict[int, list[_Slot]] = {}
    for slot in slots.values():
        by_row.setdefault(slot.row, []).append(slot)
    used_cols = {c for s in slots.values() if s.text for c in range(s.col, s.last_col + 1)}
    width = max(used_cols) - min(used_cols) + 1 if used_cols else 1
    table_rows: list[int] = []

    def flush() -> None:
        if table_rows:
            blocks.append(_table(slots, table_rows, index=len(blocks), section=section))
            table_rows.clear()

    for r in range(1, max(s.last_row for s in slots.values()) + 1):
        filled = sorted((s for s in by_row.get(r, ()) if s.text), key=lambda s: s.col)
        if r in covered_from_above:
            table_rows.append(r)
        elif not filled:
            flush()
        elif _is_title_row(filled, width, bool(table_rows)):
            flush()
            for slot in filled:
                blocks.append(Paragraph(index=len(blocks), text=slot.text, section=section))
        else:
            table_rows.append(r)
    flush()


def _is_title_row(filled: list[_Slot], width: int, in_table: bool) -> bool:
    """A title, unit or issuer line rather than a table row (see the module docstring)."""
    if any(s.last_row > s.row for s in filled):
        return False
    if len(filled) == 1:
        span = filled[0].last_col - filled[0].col + 1
        if span >= 2 and 2 * span >= width:
            return True
    if in_table:
        return False
    return len(filled) == 1 or all(_LABEL_LINE.match(s.text) for s in filled)


def _slots(sheet: Worksheet) -> tuple[dict[tuple[int, int], _Slot], set[int]]:
    """Every non-empty or merged top-left slot, and the rows a vertical merge reaches from above."""
    merges = {(m.min_row, m.min_col): (m.max_row, m.max_col) for m in sheet.merged_cells.ranges}
    slots: dict[tuple[int, int], _Slot] = {}
    # only the cells the sheet holds (openpyxl's own map): walking the grid up to a far corner
    # such as XFD1048576 would visit billions of empty slots
    for key, cell in sorted(sheet._cells.items()):
        if isinstance(cell, MergedCell) or (cell.value is None and key not in merges):
            continue
        last_row, last_col = merges.get(key, key)
        slots[key] = _Slot(cell.row, cell.column, display(cell.value, cell.number_format).strip(),
                           last_row, last_col)
    reached = {r for s in slots.values() if s.text for r in range(s.row + 1, s.last_row + 1)}
    return slots, reached


def _table(slots: dict[tuple[int, int], _Slot], rows: list[int], index: int, section: tuple[str, ...]) -> Table:
    """The table over sheet ``rows``: its own columns, every slot once, merges clipped to it.

    A run of more than :data:`_MAX_GAP` columns empty in every row is left out
    (with a ``columns_dropped`` warning), so values in A and in XFD make a table
    of their columns, not one 16384 columns wide."""
    first, last = rows[0], rows[-1]
    mine = [s for s in slots.values() if first <= s.row <= last]
    cols = [c for s in mine if s.text for c in (s.col, s.last_col)] or [s.col for s in mine]
    c0, c1 = min(cols), max(cols)
    keep, dropped = _kept_columns(mine, c0, c1)
    at = {c: i for i, c in enumerate(keep)}
    cells: list[Cell] = []
    taken: set[tuple[int, int]] = set()
    for s in sorted(mine, key=lambda s: (s.row, s.col)):
        if s.col > c1 or s.last_col < c0:
            continue
        own = [c for c in range(max(s.col, c0), min(s.last_col, c1) + 1) if c in at] \
            if s.last_col - s.col < len(keep) else [c for c in keep if s.col <= c <= s.last_col]
        if not own:
            continue
        last_row = min(s.last_row, last)
        cells.append(Cell(row=s.row - first, col=at[own[0]], text=s.text,
                          rowspan=last_row - s.row + 1, colspan=at[own[-1]] - at[own[0]] + 1))
        taken.update((r, c) for r in range(s.row, last_row + 1) for c in own)
    covered = {(r, c) for (r0, _), s in slots.items() if r0 < first <= s.last_row
               for r in range(first, min(s.last_row, last) + 1) for c in keep if s.col <= c <= s.last_col}
    for r in range(first, last + 1):  # blank slots become empty cells, so the grid has no holes
        for c in keep:
            if (r, c) not in taken and (r, c) not in covered:
                cells.append(Cell(row=r - first, col=at[c], text=""))
    cells.sort(key=lambda c: (c.row, c.col))
    warnings = ()
    if dropped:
        warnings = (Notice("columns_dropped", f"{dropped} empty columns between the table's columns were left "
                           f"out (runs of more than {_MAX_GAP} empty columns)"),)
    return Table(index=index, cells=tuple(cells), n_rows=last - first + 1, n_cols=len(keep), section=section,
                 warnings=warnings)


def _kept_columns(mine: list[_Slot], c0: int, c1: int) -> tuple[list[int], int]:
    """The sheet columns c0..c1 a table keeps, and how many it drops: runs of more than ``_MAX_GAP``
    columns without text in any of its slots are dropped."""
    used = sorted({c for s in mine if s.text for c in range(max(s.col, c0), min(s.last_col, c1) + 1)})
    if not used or used[-1] - used[0] + 1 - len(used) <= _MAX_GAP:
        return list(range(c0, c1 + 1)), 0
    keep: list[int] = []
    for a, b in zip(used, used[1:] + [used[-1] + 1], strict=True):
        keep.append(a)
        if b - a - 1 <= _MAX_GAP:
            keep.extend(range(a + 1, b))
    keep = [c for c in keep if c0 <= c <= c1]
    return keep, c1 - c0 + 1 - len(keep)


# --- values as printed -----------------------------------------------------------------------------------------

_HALF_UP = Context(prec=15, rounding=ROUND_HALF_UP)  # Excel keeps 15 significant digits


def display(value, number_format: str | None) -> str:
    """``value`` as Excel prints it with ``number_format`` (General, fixed decimals, thousands, percent)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return str(value)
    if not isinstance(value, (int, float, Decimal)):
        return str(value)
    number = _HALF_UP.plus(Decimal(str(value)))
    fmt = number_format or "General"
    if fmt.strip().lower() in ("general", "@", ""):
        return _plain(number)
    try:
        return _NumberFormat.parse(fmt, number).render(number)
    except decimal.InvalidOperation:  # beyond what the format can show (1E+30 as 0.00): the number as it is
        return _plain(number)


def _plain(number: Decimal) -> str:
    """Shortest fixed-point form: 1234.5 → “1234.5”, 1E+3 → “1000”, -0 → “0”."""
    text = format(number.normalize(), "f")
    return "0" if text in ("-0", "0") else text


@attrs.frozen
class _NumberFormat:
    """One section of an Excel number format, reduced to what changes the printed digits."""

    prefix: str
    suffix: str
    decimals: int
    thousands: bool
    int_zero: bool  # print a 0 before the decimal point (a “0” placeholder there)
    percent: bool
    scale: int  # trailing commas: each divides by 1000
    signed: bool  # the section prints the minus sign itself (the negative section), so drop ours
    digits: bool  # the section has digit placeholders at all

    @classmethod
    def parse(cls, fmt: str, number: Decimal) -> _NumberFormat:
        sections = _split_sections(fmt)
        signed = False
        if number < 0 and len(sections) >= 2:
            section, signed = sections[1], True
        elif number == 0 and len(sections) >= 3:
            section = sections[2]
        else:
            section = sections[0]
        prefix, suffix, body = [], [], []
        i = 0
        while i < len(section):
            ch = section[i]
            target = suffix if body else prefix
            if ch == '"':
                end = section.find('"', i + 1)
                end = len(section) if end < 0 else end
                target.append(section[i + 1:end])
                i = end + 1
                continue
            if ch == "\\" and i + 1 < len(section):
                target.append(section[i + 1])
                i += 2
                continue
            if ch in "_*":  # padding and fill characters print no text of their own
                i += 2
                continue
            if ch == "[":
                end = section.find("]", i)
                end = len(section) if end < 0 else end
                inner = section[i + 1:end]
                if inner.startswith("$"):  # [$¥-804]: a currency symbol
                    target.append(inner[1:].split("-")[0])
                i = end + 1
                continue
            if ch in "0#?.," and (ch not in ".," or body or (i + 1 < len(section) and section[i + 1] in "0#?")):
                if suffix:  # placeholders after literals: keep them in the number part
                    body.extend(suffix)
                    suffix.clear()
                body.append(ch)
                i += 1
                continue
            if ch != "@":
                target.append(ch)
            i += 1
        pattern = "".join(b for b in body if len(b) == 1 and b in "0#?.,")
        integer, _, fraction = pattern.partition(".")
        trailing = len(integer) - len(integer.rstrip(",")) if not fraction else len(fraction) - len(fraction.rstrip(","))
        return cls(prefix="".join(prefix), suffix="".join(suffix),
                   decimals=sum(ch in "0#?" for ch in fraction), thousands="," in integer.rstrip(","),
                   int_zero="0" in integer, percent="%" in "".join(prefix + suffix), scale=trailing,
                   signed=signed, digits=bool(pattern.strip(".,")))

    def render(self, number: Decimal) -> str:
        if not self.digits:
            return (self.prefix + self.suffix).strip() or _plain(number)
        value = abs(number) if self.signed else number
        if self.percent:
            value *= 100
        if self.scale:
            value /= Decimal(1000) ** self.scale
        value = value.quantize(Decimal(1).scaleb(-self.decimals), rounding=ROUND_HALF_UP)
        sign = "-" if value < 0 else ""
        text = format(abs(value), ",f" if self.thousands else "f")
        if not self.int_zero and text.startswith("0"):  # “#.00” prints .50, “??” prints nothing for 0
            text = text[1:]
        return f"{sign}{self.prefix}{text}{self.suffix}".strip()


def _split_sections(fmt: str) -> list[str]:
    """Split a format at ';' outside quotes."""
    sections, current, quoted = [], [], False
    for ch in fmt:
        if ch == '"':
            quoted = not quoted
        if ch == ";" and not quoted:
            sections.append("".join(current))
            current = []
        else:
            current.append(ch)
    sections.append("".join(current))
    return sections
