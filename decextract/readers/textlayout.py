"""Plain-text layout: hard-wrapped lines back into paragraphs, flattened rows into tables.

Text copied out of a PDF keeps the PDF's line ends: a paragraph arrives as lines of about the same
width, broken inside words and between a number and its unit (“支\\n出”, “91.91\\n万元”).  A line
continues the paragraph before it when that paragraph does not end a sentence and

- it is a full line of a hard-wrapped text (its width is within a few columns of the text's usual
  line width, in display columns: a CJK character counts two), or
- it ends inside a clause (，、；：), or a number is split from what follows it (“91.91” | “万元”);

and the next line does not start a block of its own (indented, numbered like a heading or list
item, a page number).  A short line that does not end a sentence (a heading, a caption) stays a
paragraph of its own.  The joined paragraph keeps its lines, breaks included, as ``raw``: figures
point into the text as printed.

Tables flattened into text come as rows of cells separated by ``|`` (copied from a web page), or
by runs of two or more spaces (a PDF's text layer laid out in columns): two or more consecutive
such rows are a table.  A row of one cell at the top is its caption (“单位：万元”).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence

import regex

from ..model import Cell, Table
from ..sections import heading_level, numbering_level

_SENTENCE_END = regex.compile(r"[。！？!?…][”’\"』」）)]*\s*$")
_CLAUSE_END = regex.compile(r"[，,、；;：:（(“‘《【—-]\s*$")
_CLAUSE_MARK = regex.compile(r"[，,；;：:]")
_NUMBER_END = regex.compile(r"[0-9０-９.．,，]\s*$")
_UNIT_START = regex.compile(r"^\s*(?:[0-9０-９.．%％‰]|[万亿萬億千百]?(?:元|个百分点|百分点))")
_INDENT = regex.compile(r"^(?:[ \u00a0]{2,}|\u3000|\t)")
_PAGE_NUMBER = regex.compile(
    r"""^\s* (?: [-—–－]\s*\d{1,4}\s*[-—–－]     # —10—, - 2 -
            | 第\s*\d{1,4}\s*页(?:\s*[/／共]\s*\d{1,4}\s*页?)?   # 第 3 页, 第3页/共20页
            | \d{1,4}\s*/\s*\d{1,4} ) \s*$""",
    regex.VERBOSE,
)
_PIPE = regex.compile(r"[|｜]")
_SPACED_GAP = regex.compile(r"(?: {2,}|\t+|\u3000+)")
_MIN_FULL_SHARE = 0.25  # share of the lines that must be full and open for a text to count as hard-wrapped


def display_width(text: str) -> int:
    """Columns ``text`` takes in a monospaced layout: wide (CJK, full-width) characters count two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


class Wrapping:
    """How the prose lines of one text are laid out: their usual full width, and whether the text is
    hard-wrapped (lines of about that width that end inside a sentence are common)."""

    def __init__(self, lines: Sequence[str]):
        lines = [line.strip() for line in lines if line.strip()]
        widths = sorted((display_width(line) for line in lines), reverse=True)
        self.width = widths[len(widths) // 10] if widths else 0
        self.slack = max(6, self.width // 6)
        open_full = sum(1 for line in lines if self.is_long(line) and not _SENTENCE_END.search(line))
        self.wrapped = self.width >= 16 and open_full >= 2 and open_full >= _MIN_FULL_SHARE * len(lines)

    def is_long(self, line: str) -> bool:
        """Whether ``line`` is about as wide as the text's full lines."""
        return display_width(line.strip()) >= self.width - self.slack

    def continues(self, paragraph: str, last: str, line: str) -> bool:
        """Whether ``line`` continues the paragraph whose text so far is ``paragraph`` (``last`` its last line)."""
        if not line.strip() or _INDENT.match(line) or is_page_number(line):
            return False
        if _SENTENCE_END.search(last):
            return False
        if numbering_level(line.strip()) is not None:
            return False
        if _NUMBER_END.search(last) and _UNIT_START.match(line):
            return True  # “91.91” + “万元”, “下降” + “29.2%”
        if _CLAUSE_END.search(last):
            return True  # “…其中本年收入390.55万元，” + “较上年…”
        if self.wrapped and self.is_long(last):
            return True  # a full line of a hard-wrapped text
        if heading_level(paragraph.strip()) is not None:
            return False
        # a sentence in progress (it has clauses) broken on a line about as long as the text's lines
        return bool(_CLAUSE_MARK.search(paragraph)) and display_width(last.strip()) >= 0.6 * self.width


def is_page_number(line: str) -> bool:
    """A line holding only a page number (“—10—”, “- 2 -”, “第 3 页”)."""
    return bool(_PAGE_NUMBER.match(line))


def join(lines: Sequence[str]) -> str:
    """The text of a paragraph made of ``lines``: each break dropped with the spaces around it (a space
    is kept between two Latin letters); the first line's indentation and the last line's end stay."""
    out = lines[0]
    for line in lines[1:]:
        left, right = out.rstrip(), line.lstrip()
        sep = " " if left[-1:].isascii() and left[-1:].isalpha() and right[:1].isascii() and right[:1].isalpha() else ""
        out = left + sep + right
    return out


# ---------------------------------------------------------------- flattened tables


def pipe_cells(line: str) -> list[str] | None:
    """The cells of a row flattened with ``|`` (at least two separators and two cells with text), else None."""
    if len(_PIPE.findall(line)) < 2:
        return None
    cells = [c.strip() for c in _PIPE.split(line.strip())]
    if line.strip()[:1] in "|｜":
        cells = cells[1:]
    while cells and not cells[-1]:
        cells.pop()
    if sum(1 for c in cells if c) < 2 and not (len(cells) == 1 and cells[0]):
        return None
    return cells


def spaced_cells(line: str) -> list[tuple[int, str]] | None:
    """The cells of a row laid out with runs of spaces (three cells at least), each with its start column."""
    stripped = line.rstrip()
    if not stripped.strip() or _PIPE.search(stripped):
        return None
    cells: list[tuple[int, str]] = []
    pos = 0
    for part in _SPACED_GAP.split(stripped):
        start = stripped.index(part, pos) if part else pos
        if part.strip():
            cells.append((display_width(stripped[:start]), part.strip()))
        pos = start + len(part)
    if len(cells) < 3 or sum(len(t) for _, t in cells) > 0.9 * len(stripped.strip()) + 1:
        return None
    if sum(t.endswith("。") for _, t in cells) * 2 > len(cells):
        return None
    return cells


def _has_digit(texts: Sequence[str]) -> bool:
    return any(ch.isdigit() for t in texts for ch in t)


def pipe_table(rows: list[list[str]], index: int, section: tuple[str, ...]) -> Table:
    """A table from ``|`` rows.  A row with fewer cells than the widest is a header row missing the
    cells merged over it from the left when it holds no number (it is aligned right), else a body
    row missing cells on the right (aligned left)."""
    n_cols = max(len(r) for r in rows)
    cells = []
    for r, texts in enumerate(rows):
        shift = n_cols - len(texts) if len(texts) < n_cols and not _has_digit(texts) else 0
        for k, text in enumerate(texts):
            cells.append(Cell(row=r, col=shift + k, text=text))
    return Table(index=index, cells=tuple(cells), n_rows=len(rows), n_cols=n_cols, section=section)


def spaced_table(rows: list[list[tuple[int, str]]], index: int, section: tuple[str, ...]) -> Table:
    """A table from rows laid out in columns: the columns are the start columns of the widest row;
    every cell goes to the column whose start is nearest its own."""
    widest = max(rows, key=len)
    starts = [s for s, _ in widest]
    cells = []
    for r, row in enumerate(rows):
        used: set[int] = set()
        for start, text in row:
            col = min(range(len(starts)), key=lambda k: (abs(starts[k] - start), k))
            while col in used and col + 1 < len(starts):
                col += 1
            used.add(col)
            cells.append(Cell(row=r, col=col, text=text))
    return Table(index=index, cells=tuple(cells), n_rows=len(rows), n_cols=len(starts), section=section)
