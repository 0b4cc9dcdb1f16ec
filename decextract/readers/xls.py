"""XLS reader: Excel 97-2003 (BIFF) workbooks, and WPS Spreadsheets' .et files written in the same format.

xlrd reads the workbook with its formatting (``formatting_info=True``), so merged
ranges and each cell's number format are known; every cell is rendered as printed
through :func:`decextract.readers.xlsx.display`, and the sheets are cut into
paragraphs and tables by :func:`decextract.readers.xlsx.sheet_blocks` — an .xls and
the same workbook saved as .xlsx give the same blocks.  Hidden sheets are skipped.

A workbook xlrd cannot parse (a BIFF variant it does not know, an .et with
Kingsoft extensions) is converted to XLSX with LibreOffice when that is installed
(:mod:`decextract.readers.office`), and refused with xlrd's reason otherwise.
"""

from __future__ import annotations

from ..errors import DamagedFileError, DecExtractError
from ..model import Block, Document
from .xlsx import Slot, display, sheet_blocks

_MAX_CELLS = 5_000_000  # slots visited per sheet: a BIFF8 sheet holds at most 65536 x 256


def read(data: bytes, source: str, sha256: str) -> Document:
    """Read every visible sheet of an .xls/.et workbook into the document model."""
    import xlrd

    from . import office
    from .sniff import sniff

    fmt = sniff(data, source)
    try:
        book = xlrd.open_workbook(file_contents=data, formatting_info=True, on_demand=True,
                                  logfile=_Quiet(), ignore_workbook_corruption=True)
    except Exception as exc:  # xlrd raises XLRDError, struct.error, IndexError … on what it cannot parse
        if office.soffice() is None:
            raise DamagedFileError(f"not a readable {fmt.upper()} workbook: {type(exc).__name__}: {exc} "
                                   f"(LibreOffice, which could convert it, is not installed: {office.INSTALL})",
                                   path=source) from exc
        try:
            return office.read(data, source, sha256)
        except DecExtractError as err:
            raise DamagedFileError(f"not a readable {fmt.upper()} workbook ({type(exc).__name__}: {exc}), "
                                   f"and {err.message}", path=source) from exc
    blocks: list[Block] = []
    try:
        for index in range(book.nsheets):
            sheet = book.sheet_by_index(index)
            if sheet.visibility == 0:
                slots, reached = _slots(book, sheet)
                sheet_blocks(sheet.name, slots, reached, blocks)
            book.unload_sheet(index)
    finally:
        book.release_resources()
    return Document(source=source, sha256=sha256, format=fmt, blocks=tuple(blocks))


class _Quiet:
    """xlrd's log file: its warnings about odd records are not decextract's output."""

    def write(self, text: str) -> None:
        pass


def _slots(book, sheet) -> tuple[dict[tuple[int, int], Slot], set[int]]:
    """Every non-empty or merged top-left slot (1-based, as the XLSX reader gives them), and the rows
    a vertical merge reaches from above."""
    import xlrd

    merges = {(r0 + 1, c0 + 1): (r1, c1) for r0, r1, c0, c1 in sheet.merged_cells if r1 > r0 and c1 > c0}
    hidden = {(r, c) for (r0, c0), (r1, c1) in merges.items() for r in range(r0, min(r1, sheet.nrows) + 1)
              for c in range(c0, min(c1, sheet.ncols) + 1) if (r, c) != (r0, c0)}  # clipped to the cells held
    slots: dict[tuple[int, int], Slot] = {}
    visited = 0
    for r in range(sheet.nrows):
        types = sheet.row_types(r)
        values = sheet.row_values(r)
        visited += len(types)
        if visited > _MAX_CELLS:
            raise DamagedFileError(f"sheet {sheet.name!r} holds more than {_MAX_CELLS} cells")
        for c, kind in enumerate(types):
            key = (r + 1, c + 1)
            if (kind in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK) and key not in merges) or key in hidden:
                continue  # (a value under a merged range is not shown)
            text = _text(book, sheet, r, c, kind, values[c])
            last_row, last_col = merges.get(key, key)
            slots[key] = Slot(r + 1, c + 1, text, last_row, last_col)
    for key, (last_row, last_col) in merges.items():  # a merged range whose top-left cell holds nothing
        if key not in slots:
            slots[key] = Slot(key[0], key[1], "", last_row, last_col)
    reached = {r for s in slots.values() if s.text for r in range(s.row + 1, s.last_row + 1)}
    return slots, reached


def _text(book, sheet, r: int, c: int, kind: int, value) -> str:
    """The cell as printed: numbers and dates through the cell's number format."""
    import xlrd

    if kind == xlrd.XL_CELL_TEXT:
        return str(value).strip()
    if kind == xlrd.XL_CELL_BOOLEAN:
        return "TRUE" if value else "FALSE"
    if kind == xlrd.XL_CELL_ERROR:
        return xlrd.error_text_from_code.get(value, "#ERROR")
    if kind not in (xlrd.XL_CELL_NUMBER, xlrd.XL_CELL_DATE):
        return ""
    fmt = _number_format(book, sheet, r, c)
    if kind == xlrd.XL_CELL_DATE:
        try:
            return display(xlrd.xldate_as_datetime(value, book.datemode), fmt)
        except (ValueError, OverflowError, xlrd.xldate.XLDateError):
            pass  # a number formatted as a date but out of the date range: print the number
    number = int(value) if float(value).is_integer() and abs(value) < 1e15 else value
    return display(number, fmt).strip()


def _number_format(book, sheet, r: int, c: int) -> str | None:
    try:
        xf = book.xf_list[sheet.cell_xf_index(r, c)]
        return book.format_map[xf.format_key].format_str
    except (IndexError, KeyError, AttributeError):
        return None

