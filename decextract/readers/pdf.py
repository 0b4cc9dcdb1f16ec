"""PDF reader: text and tables read with PDFium, prose rebuilt from lines into paragraphs.

Each page gives its visible characters (with boxes, as displayed) and its ruled
or partly ruled tables (:mod:`.pdftables`); characters inside a table go to its
cells, the others are grouped into lines (:mod:`.pdftext`).  Running headers and
footers (a line repeated in the top or bottom margin of many pages) and page
numbers (“3”, “- 3 -”, “第 3 页”) are dropped.  Lines then join into paragraphs; a paragraph ends at a
larger vertical gap, an indent, a short line, a change of font size or weight,
or before a numbered line that follows a finished sentence.  It runs on across a
page break when the last line is full and the sentence unfinished.  Headings are
numbered paragraphs the :class:`~decextract.sections.Outline` accepts, or short
paragraphs set bold or larger than the body text.  A table whose part ends one
page and whose next part starts the next page, at the same width, is one table.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Sequence
from itertools import pairwise

import attrs
import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
import regex

from ..errors import DamagedFileError, EncryptedFileError
from ..model import Block, Document, Paragraph, Table
from ..sections import Outline, numbering_level
from ..tables.structure import caption_note, is_title
from . import pdffonts, pdfraw
from .pagecheck import PageReview
from .pdfdamage import damage
from .pdftables import TablePart, build_table, continues, fill_parts, find_parts, painted_paths, top_row
from .pdftext import Line, PageFrame, font_is_bold, group_lines, join_lines, join_text, page_chars

_PDFIUM = threading.Lock()  # PDFium is not thread-safe: one document at a time per process (Dask runs threads)
_PDFIUM_PASSWORD_ERRORS = (4, 6)  # FPDF_ERR_PASSWORD, FPDF_ERR_SECURITY
_PAGE_NUMBER = regex.compile(
    r"""^(?:
        [-—–－·•\s]*\d{1,4}[-—–－·•\s]*                      # 3, - 3 -, —3—, ·3·
      | 第\s*\d{1,4}\s*页(?:\s*[,，/]?\s*共\s*\d{1,4}\s*页)?  # 第 3 页, 第3页 共21页
      | \d{1,4}\s*/\s*\d{1,4}                                 # 3/21
      | (?i:page)\s*\d{1,4}(?:\s*(?i:of)\s*\d{1,4})?          # Page 3 of 21
    )$""",
    regex.VERBOSE,
)
_BLANKS = regex.compile(r"\s+")
_DIGITS = regex.compile(r"\d+")
_TOC_ENTRY = regex.compile(r"(?:…{2,}|\.{4,}|·{4,})\s*\d*$")
_MARGIN = 0.12  # share of the page height at top and bottom where running headers and footers sit
_SENTENCE_END = tuple("。！？!?")
_CLAUSE_END = _SENTENCE_END + tuple("；;：:")


@attrs.define
class _Page:
    width: float
    height: float
    lines: list[Line]
    parts: list[TablePart]


def read(data: bytes, source: str, sha256: str) -> Document:
    """Read a PDF disclosure into the document model."""
    review = PageReview(data, source)  # pages without text, garbled or unreadable: pdfminer, OCR, notices
    with _PDFIUM:
        pdf = _open(data, source)
        try:
            pages = [_read_page(pdf, i, source, review) for i in range(len(pdf))]
            title = _title(pdf.get_metadata_dict(), pages)
            damaged = damage(pdf.raw)  # a rebuilt cross-reference table (damaged streams: the reader boundary)
        finally:
            pdf.close()
            review.close()
    _drop_running_lines(pages)
    blocks = _Assembler(pages).blocks()
    return Document(source=source, sha256=sha256, format="pdf", blocks=tuple(blocks), pages=len(pages), title=title,
                    warnings=damaged + review.notices(), ocr=tuple(review.ocr_pages))


def _open(data: bytes, source: str) -> pdfium.PdfDocument:
    try:
        return pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        if getattr(exc, "err_code", None) in _PDFIUM_PASSWORD_ERRORS:
            raise EncryptedFileError("the PDF is password-protected", path=source) from exc
        raise DamagedFileError(f"not a readable PDF ({exc})", path=source) from exc


def _read_page(pdf: pdfium.PdfDocument, i: int, source: str, review: PageReview) -> _Page:
    try:
        page = pdf[i]
        frame = PageFrame(page.get_cropbox(), page.get_rotation())
        textpage = page.get_textpage()
    except pdfium.PdfiumError:  # the page is noted on the document; pdfminer may still read it
        return _Page(595.0, 842.0, group_lines(review.unreadable(i + 1), i + 1), [])
    chars = page_chars(textpage, frame)
    paths = lost = None
    if pdffonts.drops_lone_characters():  # (no Chinese font: readers/pdffonts.py): one walk for both
        texts: list = []
        paths = painted_paths(page, texts)
        lost = pdffonts.has_dropped_text(textpage, pdfium_c.FPDFText_CountChars(textpage), texts)
    checked = (lost and review.lost_text(page, i + 1, chars)) or review.page(page, i + 1, chars)
    chars = checked.chars
    parts = find_parts(page, i + 1, frame, chars, edges=checked.edges, paths=paths) if chars else []
    parts, prose = fill_parts(parts, chars)
    lines = group_lines(prose, i + 1)
    if not checked.replaced:
        tp = pdfraw.handle(textpage)
        for line in lines:
            line.bold = font_is_bold(tp, line.chars[0].index) and font_is_bold(tp, line.chars[-1].index)
    textpage.close()
    page.close()
    return _Page(frame.width, frame.height, lines, parts)


def _title(meta: dict, pages: Sequence[_Page]) -> str | None:
    """The metadata title, if the first pages print it (templates leave stale titles behind)."""
    title = _BLANKS.sub("", meta.get("Title") or "")
    if not title:
        return None
    shown = "".join(line.text for page in pages[:3] for line in page.lines)
    shown += "".join(ln.text for page in pages[:3] for part in page.parts for c in part.cells for ln in c.lines)
    return title if title in shown else None


def _drop_running_lines(pages: Sequence[_Page]) -> None:
    """Remove page numbers and lines repeated in the top or bottom margin of many pages.

    A table's unit line is never a running line, nor a caption repeated just
    above a table on every page it appears on; a line that is also repeated
    away from tables is a running header even where a table starts just below it.
    """
    def in_margin(page: _Page, line: Line) -> bool:
        return line.bottom < page.height * _MARGIN or line.top > page.height * (1 - _MARGIN)

    def key(line: Line) -> str:
        return _DIGITS.sub("#", line.text)

    def captions(page: _Page, line: Line) -> bool:
        return any(0 <= p.bbox[1] - line.bottom < 3 * line.size for p in page.parts)

    margin_lines = [(page, ln) for page in pages for ln in page.lines
                    if in_margin(page, ln) and not _UNIT_LINE.search(ln.text)]
    seen = Counter(k for _, k in {(id(page), key(ln)) for page, ln in margin_lines})  # pages each line is on
    repeated = {k for k, n in seen.items() if n >= 3 and n >= 0.3 * len(pages)}
    free = {key(ln) for page, ln in margin_lines if not captions(page, ln)}  # repeated away from tables too
    for page in pages:
        lowest = max([ln.bottom for ln in page.lines] + [p.bbox[3] for p in page.parts], default=0)
        page.lines = [
            ln for ln in page.lines
            if not (
                (in_margin(page, ln) and not _UNIT_LINE.search(ln.text) and key(ln) in repeated
                 and (key(ln) in free or not captions(page, ln)))
                or (_PAGE_NUMBER.match(ln.text) and (in_margin(page, ln) or ln.bottom >= lowest))
            )
        ]


def _mode(values: Sequence[float], default: float) -> float:
    return Counter(values).most_common(1)[0][0] if values else default


class _Assembler:
    """Turns the pages' lines and table parts into blocks in reading order."""

    def __init__(self, pages: Sequence[_Page]):
        self.pages = pages
        sizes: Counter[float] = Counter()
        bold = 0
        for line in (ln for p in pages for ln in p.lines):
            sizes[round(line.size * 2) / 2] += len(line.chars)
            bold += len(line.chars) if line.bold else 0
        self.body_size = sizes.most_common(1)[0][0] if sizes else 10.5
        if bold * 2 > sum(sizes.values()):  # set mostly in a bold face: boldness marks nothing
            for line in (ln for p in pages for ln in p.lines):
                line.bold = False
        self.left: dict[int, float] = {}
        self.right: dict[int, float] = {}
        pitches: list[int] = []
        indents: list[float] = []
        for width in {round(p.width) for p in pages}:
            lines = [ln for p in pages if round(p.width) == width for ln in p.lines if self._is_body(ln)]
            starts = Counter(round(ln.x0) for ln in lines)  # the leftmost start shared by many lines
            common = [x for x, n in starts.items() if n >= max(3, 0.1 * len(lines))]
            self.left[width] = min(common) if common else _mode([round(ln.x0) for ln in lines], 72.0)
            ends = sorted(ln.x1 for ln in lines)
            self.right[width] = ends[int(0.95 * (len(ends) - 1))] if ends else width - 72.0
            indents += [ln.x0 - self.left[width] for ln in lines]
        for p in pages:
            body_lines = [ln for ln in p.lines if self._is_body(ln)]
            pitches += [round(b.top - a.top) for a, b in pairwise(body_lines) if 0 < b.top - a.top < 3 * a.size]
        # first lines indented by about two characters: the document marks paragraphs by indent
        self.uses_indent = sum(1.2 * self.body_size < d < 3 * self.body_size for d in indents) > 0.05 * len(indents)
        self.pitch_ratio = _mode(pitches, 1.5 * self.body_size) / self.body_size
        self.outline = Outline()
        self.heads: list[tuple[int, float]] = []  # (level, font size) of the headings on the outline path
        self.out: list[Block] = []
        self._last_item: Line | TablePart | None = None

    def _is_body(self, line: Line) -> bool:
        return abs(line.size - self.body_size) < 0.6 and not line.bold

    def _styled(self, line: Line) -> bool:
        """Set as a heading: bold, or larger than the body text."""
        return line.bold or line.size >= self.body_size + 1

    def blocks(self) -> list[Block]:
        para: list[Line] = []
        parts: list[TablePart] = []  # the table being read, one part a page
        captions: set[str] = set()  # the paragraphs just above it
        for page in self.pages:
            items: list[Line | TablePart] = sorted(page.lines + page.parts, key=_top)
            if parts and parts[-1] is self._last_item:
                items = _skip_repeated_captions(items, parts, captions)
            for item in items:
                if isinstance(item, TablePart):
                    self._flush(para)
                    para = []
                    if parts and not (parts[-1] is self._last_item and continues(parts[-1], item)):
                        self._table(parts)
                        parts = []
                    if not parts:
                        captions = {b.text for b in self.out[-4:] if isinstance(b, Paragraph)}
                    parts.append(item)
                    self._last_item = item
                    continue
                if parts:
                    self._table(parts)
                    parts = []
                if para and self._breaks(para[-1], item, page, opening=len(para) == 1):
                    self._flush(para)
                    para = []
                para.append(item)
                self._last_item = item
        self._flush(para)
        if parts:
            self._table(parts)
        return self.out

    def _breaks(self, prev: Line, line: Line, page: _Page, opening: bool) -> bool:
        """Whether ``line`` starts a new paragraph after ``prev`` (``opening``: the first line of its paragraph)."""
        width = round(page.width)
        if abs(prev.size - line.size) > 0.9 or prev.bold != line.bold:
            return True
        if is_title(prev.text.strip()) and caption_note(line.text):
            return True  # a table's title, then the note under it (编制单位：…), however short the page's lines
        room = self.right.get(width, page.width) - prev.x1
        if room > max(_lead_width(line), 2 * prev.size) + 0.5 * prev.size:
            return True  # the previous line stops short: the next line's first word would have fitted
        if prev.page != line.page:
            if numbering_level(line.text) is not None:
                return True
            if self.uses_indent:
                return line.x0 > self.left.get(width, 0) + 0.8 * line.size
            return prev.text.endswith(_SENTENCE_END)
        if line.top - prev.top > self.pitch_ratio * line.size * 1.3:
            return True  # a larger vertical gap
        if _TOC_ENTRY.search(prev.text):
            return True  # a table-of-contents entry ends with its leader dots and page number
        if line.x0 > prev.x0 + 0.8 * line.size:
            hanging = opening and numbering_level(prev.text) is not None and numbering_level(line.text) is None
            if hanging and any(abs(c.x0 - line.x0) < 0.3 * line.size for c in prev.chars[1:8]):
                return False  # a numbered item's hanging indent: the line goes on under the item's text
            return not (self._styled(prev) and self._styled(line))  # an indent, unless a heading wraps onto a centred line
        return prev.text.endswith(_CLAUSE_END) and numbering_level(line.text) is not None

    def _flush(self, lines: list[Line]) -> None:
        if not lines:
            return
        text, boxes = join_lines(lines)
        size = max(ln.size for ln in lines)
        level = self._heading_level(text, lines, size)
        self.out.append(self.outline.paragraph(len(self.out), text, level, page=lines[0].page, boxes=boxes))
        if level is None:
            return
        while self.heads and self.heads[-1][0] >= level:
            self.heads.pop()
        self.heads.append((level, size))

    def _heading_level(self, text: str, lines: list[Line], size: float) -> int | None:
        """Level of a numbered heading from its numbering; of an unnumbered one from the headings set larger above it."""
        if _TOC_ENTRY.search(text):
            return None  # a table-of-contents entry names a section, it does not open one
        styled = all(ln.bold or ln.size >= self.body_size + 1 for ln in lines)
        numbered = numbering_level(text)
        if numbered is not None:
            if styled and len(text) <= 60:
                return numbered
            if self._in_note():
                return None  # “2.…为必填项。” continues the numbered notes under a table
            return self.outline.classify(text)
        if styled and len(text) <= 40 and not text.endswith(_SENTENCE_END):
            larger = [level for level, s in self.heads if s > size + 0.5]
            return larger[-1] + 1 if larger else 1
        return None

    def _in_note(self) -> bool:
        prev = self.out[-1] if self.out else None
        return isinstance(prev, Paragraph) and not prev.is_heading and prev.text.startswith(("注", "说明"))

    def _table(self, parts: list[TablePart]) -> None:
        cells, n_rows, n_cols = build_table(parts)
        pages = tuple(sorted({p.page for p in parts}))
        self.out.append(Table(index=len(self.out), cells=tuple(cells), n_rows=n_rows, n_cols=n_cols,
                              page=pages[0], pages=pages, section=self.outline.path))


_NO_LINE_START = frozenset("，。、；：？！）》」』”’%％,.;:?!)]}")
_NO_LINE_END = frozenset("（《「『“‘([{")


def _lead_width(line: Line) -> float:
    """Width of the first unbreakable run of ``line``: what a line break could not have split."""
    chars = line.chars
    end = 0
    while end + 1 < len(chars) and chars[end].text in _NO_LINE_END:
        end += 1
    if chars[end].text.isascii() and chars[end].text.isalnum():
        while end + 1 < len(chars) and chars[end + 1].text.isascii() and (
            chars[end + 1].text.isalnum() or chars[end + 1].text in ".,%-"
        ):
            end += 1
    while end + 1 < len(chars) and chars[end + 1].text in _NO_LINE_START:
        end += 1
    return chars[end].x1 - chars[0].x0


_UNIT_LINE = regex.compile(r"单位\s*[：:]|^\s*[（(]?\s*(?:亿元|万元|千元|元)\s*[）)]?\s*$|^(?i:unit)\s*:")
_CONTINUED = regex.compile(r"^[（(]?续(?:上)?表\s*\d*[）)]?$|^[（(]续[）)]$")  # 续表, （续表）, 续上表, （续）


def _skip_repeated_captions(items: list[Line | TablePart], parts: list[TablePart], captions: set[str]) -> list[Line | TablePart]:
    """A page's items without the caption lines it repeats above a table continued from the page before.

    Only lines before the page's first table part are dropped, and only when the
    part does continue the table (``parts``, one a page) and each line says so
    (“续表”) or repeats a caption line above the table: its unit line (“单位：万元”),
    or any of its captions, title included, when the part also repeats the
    table's header row.  A repeated title over a new header starts a new table
    (consecutive tables often share their title).
    """
    first = next((k for k, item in enumerate(items) if isinstance(item, TablePart)), None)
    if not first or not continues(parts[-1], items[first]):
        return items
    texts = [join_text([line]) for line in items[:first]]
    same_header = bool(top_row(parts[0])) and top_row(items[first]) == top_row(parts[0])
    if all(_CONTINUED.match(text) or (text in captions and (same_header or _UNIT_LINE.search(text))) for text in texts):
        return items[first:]
    return items


def _top(item: Line | TablePart) -> float:
    return item.bbox[1] if isinstance(item, TablePart) else item.top
