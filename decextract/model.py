"""The document model every reader produces.

A :class:`Document` is a sequence of blocks in reading order: :class:`Paragraph`
(prose or heading) and :class:`Table`.  Nothing format-specific survives past
this point.  Provenance is carried, not reconstructed: a PDF paragraph keeps one
:data:`Box` per character of its text (``None`` for characters the reader
inserted, such as a space), so the bbox of any span is the union of its
characters' boxes (a sequence: the PDF reader rounds each box when it is read).
"""

from __future__ import annotations

import weakref
from collections.abc import Iterator, Sequence

import attrs

from .records import Notice

#: (page, x0, top, x1, bottom) in PDF points, page 1-based, top-left origin (pdfplumber's convention).
Box = tuple[int, float, float, float, float]


def span_box(boxes: Sequence[Box | None] | None, start: int, end: int) -> tuple[int | None, tuple | None]:
    """Page and bbox ``(x0, top, x1, bottom)`` of ``text[start:end]`` given per-character boxes.

    The bbox covers the characters on the page of the span's first boxed character.
    Returns ``(None, None)`` when nothing in the span has a box.
    """
    if not boxes:
        return None, None
    if hasattr(boxes, "span"):  # the PDF reader's boxes compute it without building every box
        return boxes.span(start, end)
    found = [b for b in boxes[start:end] if b is not None]
    if not found:
        return None, None
    page = found[0][0]
    same = [b for b in found if b[0] == page]
    return page, (
        round(min(b[1] for b in same), 2),
        round(min(b[2] for b in same), 2),
        round(max(b[3] for b in same), 2),
        round(max(b[4] for b in same), 2),
    )


@attrs.frozen
class Paragraph:
    """A run of prose or a heading.

    ``section`` is the path of headings above the block (outermost first), not
    including the block itself when it is a heading.
    """

    index: int
    text: str
    kind: str = "paragraph"  # "paragraph" | "heading"
    level: int | None = None  # heading level, 1 = outermost
    page: int | None = None
    section: tuple[str, ...] = ()
    boxes: Sequence[Box | None] | None = attrs.field(default=None, repr=False, eq=False)
    #: the text as printed when it differs from ``text``: the lines of a hard-wrapped paragraph with
    #: their line breaks (``text`` joins them); figures point into it (see decextract.textview)
    raw: str | None = attrs.field(default=None, repr=False, eq=False)
    element: str | None = None  # where a web page holds it: the element's path (/html/body/div[2]/p[3])

    @property
    def is_heading(self) -> bool:
        return self.kind == "heading"


@attrs.frozen
class Cell:
    """One cell of a table, stored once at its top-left grid slot with its spans."""

    row: int
    col: int
    text: str
    rowspan: int = 1
    colspan: int = 1
    page: int | None = None
    bbox: tuple[float, float, float, float] | None = None
    boxes: Sequence[Box | None] | None = attrs.field(default=None, repr=False, eq=False)


@attrs.frozen
class Table:
    """A table: cells with spans on an ``n_rows`` x ``n_cols`` grid.

    ``title`` is the caption or heading printed just above it, ``unit`` the
    amount unit it declares (“单位：万元”); ``header_rows`` counts the leading
    rows that are column headers.  ``pages`` lists every page the table covers.
    """

    index: int
    cells: tuple[Cell, ...]
    n_rows: int
    n_cols: int
    page: int | None = None
    pages: tuple[int, ...] = ()
    section: tuple[str, ...] = ()
    title: str | None = None
    unit: str | None = None
    header_rows: int = 0
    warnings: tuple[Notice, ...] = ()  # what the reader could not read whole (a continuation not joined …)
    element: str | None = None  # where a web page holds it: the table element's path

    def row(self, r: int) -> tuple[Cell, ...]:
        """Cells whose top-left slot is in row ``r``, left to right."""
        derived = _derived(self)
        if "rows" not in derived:
            rows: dict[int, list[Cell]] = {}
            for c in self.cells:
                rows.setdefault(c.row, []).append(c)
            derived["rows"] = {k: tuple(sorted(v, key=lambda c: c.col)) for k, v in rows.items()}
        return derived["rows"].get(r, ())

    def grid(self) -> list[list[Cell | None]]:
        """The full grid: every slot holds the cell covering it (a merged cell fills several slots)."""
        derived = _derived(self)
        if "grid" not in derived:
            g: list[list[Cell | None]] = [[None] * self.n_cols for _ in range(self.n_rows)]
            for c in self.cells:
                for r in range(c.row, min(c.row + c.rowspan, self.n_rows)):
                    for k in range(c.col, min(c.col + c.colspan, self.n_cols)):
                        g[r][k] = c
            derived["grid"] = g
        return [list(row) for row in derived["grid"]]  # the caller's own lists

    def text_rows(self) -> list[list[str]]:
        """The grid as text, a merged cell's text repeated in every slot it covers."""
        return [[c.text if c else "" for c in row] for row in self.grid()]


_DERIVED: dict[int, tuple[weakref.ref, dict]] = {}  # id(table) → (the table, what was computed from it)


def _derived(table: Table) -> dict:
    """What has been computed from ``table`` (its rows, its grid): a table is immutable, so once is enough."""
    key = id(table)
    entry = _DERIVED.get(key)
    if entry is None or entry[0]() is not table:
        entry = (weakref.ref(table, lambda _ref, key=key: _DERIVED.pop(key, None)), {})
        _DERIVED[key] = entry
    return entry[1]


Block = Paragraph | Table


@attrs.frozen
class OcrPage:
    """A page whose text was recognised in its image: the engine, and each character's box and confidence.

    ``chars`` holds ``(x0, top, x1, bottom, confidence)`` in the page's points (the
    boxes the blocks carry), confidence in 0..1 as the engine gives it.
    """

    page: int
    engine: str
    chars: tuple[tuple[float, float, float, float, float], ...] = attrs.field(repr=False, eq=False)

    def confidence(self, bbox: tuple[float, float, float, float] | None) -> float | None:
        """The lowest confidence of the characters whose centre lies in ``bbox`` (all of the page's when None)."""
        found = [c[4] for c in self.chars if bbox is None or (
            bbox[0] - 0.5 <= (c[0] + c[2]) / 2 <= bbox[2] + 0.5 and bbox[1] - 0.5 <= (c[1] + c[3]) / 2 <= bbox[3] + 0.5)]
        return round(min(found), 3) if found else None


@attrs.frozen
class Document:
    """One disclosure: its identity and its blocks in reading order."""

    source: str
    sha256: str
    format: str  # "txt" | "docx" | "pdf" | "xlsx" | "html" | "doc" … (readers.sniff)
    blocks: tuple[Block, ...]
    pages: int | None = None
    title: str | None = None  # from the file's own metadata, when it has one
    size: int | None = None  # bytes of the file
    warnings: tuple[Notice, ...] = ()  # what the reader could not read (pages without text, replaced characters …)
    converted: str | None = None  # the format actually read after converting the file (LibreOffice; pdf for an image), else None
    ocr: tuple[OcrPage, ...] = ()  # the pages whose text came from OCR, with each character's confidence

    def paragraphs(self) -> Iterator[Paragraph]:
        return (b for b in self.blocks if isinstance(b, Paragraph))

    def tables(self) -> Iterator[Table]:
        return (b for b in self.blocks if isinstance(b, Table))
