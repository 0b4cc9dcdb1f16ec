"""Where each record is on its page: the boxes a review report or a page picture draws.

A :class:`Mark` ties one record to one box (PDF points, top-left origin, on a 1-based page) or, for
documents without pages, to one span of a block's text or one table cell.  Boxes come from the
records themselves (``prov.bbox``, ``TableInfo.bboxes``) and, for a record that names a table cell
but carries no box (a table row, a performance indicator, a subtotal check), from the cells of the
document model the record was extracted from.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

import attrs

from ..model import Document, Paragraph, Table
from ..records import Record

BBox = tuple[float, float, float, float]

#: kinds of marks, in drawing order (later ones drawn on top)
KINDS = ("table", "table_row", "performance_project", "performance_indicator", "indicator", "figure", "check",
         "warning")  # an indicator's box is its figure's or cell's: drawn under it

#: colours of the marks (RGB hex), shared by the HTML report and the page pictures
COLOURS = {
    "table": "#2e7d32",
    "table_row": "#ef6c00",
    "performance_project": "#6a1b9a",
    "performance_indicator": "#8e24aa",
    "figure": "#1565c0",
    "indicator": "#ad1457",
    "check": "#00838f",
    "warning": "#d50000",  # failed checks and warnings
}

#: records whose box is the whole row of the table cell they name
_ROW_RECORDS = frozenset({"table_row", "performance_project", "performance_indicator", "check"})


@attrs.frozen
class Mark:
    """One place a record points to.

    ``record`` is the index of the record in the document's record list.  For paged documents
    ``page`` and ``bbox`` place it; otherwise ``block`` with ``span`` (offsets into the block's
    text) or ``cell`` (row, col) does.  ``failed`` marks a failed check or a record with warnings.
    """

    record: int
    kind: str
    failed: bool
    page: int | None = None
    bbox: BBox | None = None
    block: int | None = None
    span: tuple[int, int] | None = None
    cell: tuple[int, int] | None = None
    whole_row: bool = False

    @property
    def colour(self) -> str:
        return COLOURS["warning" if self.failed else self.kind]


def is_failed(record: Record) -> bool:
    """A failed check, or a document or table that came with warnings."""
    if record.TYPE == "check":
        return not record.ok
    return bool(getattr(record, "warnings", ()))


def marks_of(records: Sequence[Record], doc: Document) -> list[Mark]:
    """Every mark of ``records``, extracted from ``doc`` (the document as annotated by the pipeline)."""
    marks: list[Mark] = []
    for i, record in enumerate(records):
        failed = is_failed(record)
        if record.TYPE == "document":
            for notice in record.warnings:
                marks.extend(Mark(i, "warning", True, page=p) for p in notice.pages)
            continue
        if record.TYPE == "table" and record.bboxes:
            marks.extend(Mark(i, "table", failed, page=b[0], bbox=tuple(b[1:])) for b in record.bboxes)
            continue
        prov = getattr(record, "prov", None)
        if prov is None:
            continue
        if prov.bbox is not None and prov.page is not None:
            marks.append(Mark(i, record.TYPE, failed, page=prov.page, bbox=tuple(prov.bbox), block=prov.block))
            continue
        block = doc.blocks[prov.block] if 0 <= prov.block < len(doc.blocks) else None
        if isinstance(block, Table):
            marks.append(_table_mark(i, record, failed, block))
        elif isinstance(block, Paragraph):
            marks.append(_span_mark(i, record, failed, block))
    return marks


def _table_mark(i: int, record: Record, failed: bool, table: Table) -> Mark:
    prov = record.prov
    cell = (prov.cell.row, prov.cell.col) if prov.cell is not None else None
    whole_row = record.TYPE in _ROW_RECORDS or cell is None
    if record.TYPE == "table":
        page, bbox = _union(c for c in table.cells)
        return Mark(i, record.TYPE, failed, page=page or prov.page, bbox=bbox, block=table.index)
    if cell is None:
        return Mark(i, record.TYPE, failed, page=prov.page, block=table.index)
    if whole_row:
        starting = [c for c in table.cells if c.row == cell[0]]
        covering = [c for c in table.cells if c.row <= cell[0] < c.row + c.rowspan]
        page, bbox = _union(starting)
        if bbox is None:
            page, bbox = _union(covering)
    else:
        grid = table.grid()
        found = grid[cell[0]][cell[1]] if cell[0] < len(grid) and cell[1] < len(grid[cell[0]]) else None
        page, bbox = _union([found] if found else [])
        if found is not None:  # the grid slot may be covered by a merged cell: name the cell itself
            cell = (found.row, found.col)
            span = _cell_span(record, found.text)
            return Mark(i, record.TYPE, failed, page=page or prov.page, bbox=bbox, block=table.index, cell=cell,
                        span=span)
    return Mark(i, record.TYPE, failed, page=page or prov.page, bbox=bbox, block=table.index, cell=cell,
                whole_row=whole_row)


def _cell_span(record: Record, text: str) -> tuple[int, int] | None:
    """Where the record's text is in its cell's ``text``: its span in the row context (cells joined with
    `` | ``) taken back to the cell that holds it, else the first place the text occurs in the cell."""
    prov = record.prov
    if prov.start is not None and prov.end is not None:
        at = 0
        for segment in prov.context.split(" | "):
            if at <= prov.start and prov.end <= at + len(segment):
                if segment == text:
                    return prov.start - at, prov.end - at
                break
            at += len(segment) + 3
    wanted = getattr(record, "text", None)
    found = text.find(wanted) if wanted else -1
    return (found, found + len(wanted)) if found >= 0 else None


def _union(cells) -> tuple[int | None, BBox | None]:
    """Page and union box of the cells that have a box, on the page most of them are on."""
    boxed = [c for c in cells if c.bbox is not None and c.page is not None]
    if not boxed:
        return None, None
    page = Counter(c.page for c in boxed).most_common(1)[0][0]
    same = [c.bbox for c in boxed if c.page == page]
    return page, (min(b[0] for b in same), min(b[1] for b in same), max(b[2] for b in same),
                  max(b[3] for b in same))


def _span_mark(i: int, record: Record, failed: bool, paragraph: Paragraph) -> Mark:
    """The record's span in the paragraph's text: its context found in the text, offset by start/end."""
    prov = record.prov
    at = paragraph.text.find(prov.context) if prov.context else -1
    span = None
    if at >= 0:
        start = prov.start if prov.start is not None else 0
        end = prov.end if prov.end is not None else len(prov.context)
        span = (at + start, at + end)
    return Mark(i, record.TYPE, failed, page=prov.page, block=paragraph.index, span=span)


def page_marks(marks: Sequence[Mark], page: int) -> list[Mark]:
    """The boxed marks of one page, in drawing order (tables first, failures last)."""
    order = {k: n for n, k in enumerate(KINDS)}
    on_page = [m for m in marks if m.page == page and m.bbox is not None]
    return sorted(on_page, key=lambda m: (m.failed, order.get(m.kind, 0)))
