"""TXT reader: plain-text disclosures, prose one paragraph a line, tables flattened.

Decoding: UTF-8 (with or without BOM), UTF-16 with BOM or recognised without one
(:func:`utf16_without_bom`), else GB18030 (a superset of GBK and GB2312); bytes
that decode in none of them raise :class:`~decextract.errors.EncodingError`.  A
file cut inside its last character loses that character, with a warning.

Prose: a paragraph is a non-empty line, or the lines of a hard-wrapped paragraph joined
(see :mod:`.textlayout`); its ``text`` joins the lines and ``raw`` keeps them with their line
breaks, so offsets into it are offsets into the file's lines.  A single line is kept exactly as
written (only the line break removed).  Numbered lines are headings when
:class:`~decextract.sections.Outline` says so.  Rows flattened with ``|`` or laid out in columns
of spaces are tables (:mod:`.textlayout`).

Flattened tables (as published, e.g. the seed's 项目绩效目标完成情况表): a table
row is a group of TAB-prefixed lines, one cell each; groups are separated by one
blank line; two blank lines or a prose line end the table.  A line without a TAB
right after a cell line continues that cell (wrapped text, joined without a
separator).  A run needs two rows of two or more cells, not mostly ending in
“。”, to be a table; otherwise its lines are TAB-indented prose paragraphs.
Reading rules:

- leading one-cell groups are the caption (“项目绩效目标完成情况表”, “(2020年度)”)
  and come out as paragraphs before the table;
- the table has as many columns as its widest row; a narrower row keeps its
  first cell (the row label) one column wide and spreads its other cells evenly
  over the remaining columns, the extra columns going to the rightmost cells
  (this reproduces the Word original's merged cells, e.g. 项目名称 | name×5 and
  预期目标×2 | 实际完成目标×3);
- a lone TAB in the first column under a non-empty first-column cell of the same
  width is that cell merged downwards (its rowspan grows); any other lone TAB is
  an empty cell.
"""

from __future__ import annotations

import codecs

import attrs
import regex

from ..errors import EncodingError
from ..model import Block, Cell, Document, Table
from ..records import Notice
from ..sections import Outline
from . import textlayout

_TAB = "\t"


def decode(data: bytes, source: str) -> str:
    """The text of ``data``: UTF-8 (BOM optional), UTF-16 (with a BOM, or detected without one), or GB18030.

    A decoding that yields many control, private-use or unassigned characters is
    binary junk, not text, and is rejected like a failed one.
    """
    return decoded(data, source)[0]


def decoded(data: bytes, source: str) -> tuple[str, tuple[Notice, ...]]:
    """The text of ``data`` (as :func:`decode`) and what the reader must know about it.

    A file cut inside its last character (a download stopped mid-way) loses that
    character, not the whole file: the cut bytes are dropped and a
    ``truncated_character`` notice says so.
    """
    if data.startswith(codecs.BOM_UTF8):
        attempts = [("utf-8", data[len(codecs.BOM_UTF8):])]
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        attempts = [("utf-16", data)]
    else:
        guess = utf16_without_bom(data[:4096])
        attempts = [(guess, data)] if guess else []
        attempts += [("utf-8", data), ("gb18030", data)]
    location = None
    for encoding, payload in attempts:
        try:
            text, cut = _decode_cut(payload, encoding)
        except UnicodeDecodeError as exc:
            location = location or f"byte {exc.start}"
            continue
        if _plausible(text):
            notices = ()
            if cut:
                notices = (Notice("truncated_character", f"the file ends inside a character: its last {cut} "
                                  f"byte(s) were dropped (the file is probably cut short)"),)
            return text, notices
    tried = ", ".join(_NAMES.get(enc, enc.upper()) for enc, _ in attempts)
    raise EncodingError(f"not text in any supported encoding (tried {tried})", path=source, location=location)


_NAMES = {"utf-16-le": "UTF-16LE without BOM", "utf-16-be": "UTF-16BE without BOM"}


def _decode_cut(payload: bytes, encoding: str) -> tuple[str, int]:
    """``payload`` decoded, and how many bytes of a character cut at the very end were dropped (0 if none)."""
    try:
        return payload.decode(encoding), 0
    except UnicodeDecodeError as exc:
        if exc.end < len(payload) or len(payload) - exc.start > 3 or exc.start == 0:
            raise
        return payload[:exc.start].decode(encoding), len(payload) - exc.start


def utf16_without_bom(head: bytes) -> str | None:
    """``"utf-16-le"`` or ``"utf-16-be"`` when ``head`` looks like UTF-16 without a byte-order mark, else None.

    Chinese text in UTF-16 still carries ASCII (digits, spaces, line breaks), whose
    high byte is NUL: NULs at odd offsets (little-endian) or even offsets
    (big-endian), at least one unit in 64, and at most a quarter as many at the
    other parity (一 is U+4E00: its low byte is NUL too).  Random bytes have one
    NUL in 256 at either parity.
    """
    units = len(head) // 2
    if units < 4:
        return None
    even, odd = head[0::2].count(0), head[1::2].count(0)
    least = max(2, units // 64)
    if odd >= least and even * 4 <= odd:
        return "utf-16-le"
    if even >= least and odd * 4 <= even:
        return "utf-16-be"
    return None


_ODD = regex.compile(r"[[\p{Cc}\p{Co}\p{Cn}]--[\t\n\r\f]]", regex.V1)


def _plausible(text: str) -> bool:
    """At most 1% of the characters are controls (besides TAB, LF, CR, FF), private-use or unassigned.

    Counted by one regex scan, so a 200 MB text is checked in a second, not a minute."""
    most = len(text) // 100
    odd = 0
    for _ in _ODD.finditer(text):
        odd += 1
        if odd > most:
            return False
    return True


@attrs.define
class _Group:
    """One flattened table row: its cells, each a list of source lines."""

    cells: list[list[str]] = attrs.field(factory=list)
    blanks_before: int = 0  # blank lines between the previous group and this one


def read(data: bytes, source: str, sha256: str) -> Document:
    """Read a plain-text disclosure into the document model."""
    text, notices = decoded(data, source)
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    builder = _Builder(textlayout.Wrapping([x for x in lines if _is_prose_line(x)]))
    run: list[_Group] = []  # groups of the table being read
    blanks = 0
    in_group = False
    for line in lines:
        if line.startswith(_TAB):  # a cell line, even a lone TAB (an empty or merged cell)
            builder.end_prose()
            if not in_group:
                if run and blanks > 1:
                    builder.table_run(run)
                    run = []
                run.append(_Group(blanks_before=blanks))
                in_group = True
            run[-1].cells.append([line[1:]])
        elif not line.strip():
            builder.end_prose()
            blanks += 1
            in_group = False
            continue
        elif in_group:
            run[-1].cells[-1].append(line)  # a wrapped cell continues on a line without TAB
        else:
            if run:
                builder.table_run(run)
                run = []
            builder.line(line)
        blanks = 0
    if run:
        builder.table_run(run)
    builder.end_prose()
    return Document(source=source, sha256=sha256, format="txt", blocks=tuple(builder.blocks), warnings=notices)


def _is_prose_line(line: str) -> bool:
    return bool(line.strip()) and not line.startswith(_TAB) and textlayout.pipe_cells(line) is None


class _Builder:
    """Collects blocks in reading order, tracking the section outline.

    Prose lines are held until their paragraph ends (see :mod:`.textlayout`); rows flattened with
    ``|`` or laid out in columns are held until their table ends.
    """

    def __init__(self, wrapping: textlayout.Wrapping | None = None) -> None:
        self.blocks: list[Block] = []
        self.outline = Outline()
        self.wrapping = wrapping or textlayout.Wrapping([])
        self.pending: list[str] = []  # lines of the paragraph being read
        self.pipe_rows: list[tuple[str, list[str]]] = []
        self.spaced_rows: list[tuple[str, list[tuple[int, str]]]] = []

    def paragraph(self, text: str, raw: str | None = None) -> None:
        self.blocks.append(self.outline.paragraph(len(self.blocks), text, self.outline.classify(text), raw=raw))

    # -- prose and flattened rows, line by line

    def line(self, line: str) -> None:
        cells = textlayout.pipe_cells(line)
        if cells is not None:
            self._end_spaced()
            self._end_paragraph()
            self.pipe_rows.append((line, cells))
            return
        self._end_pipe()
        spaced = textlayout.spaced_cells(line)
        if spaced is not None:
            self.spaced_rows.append((line, spaced))
            return
        self._end_spaced()
        self._prose(line)

    def end_prose(self) -> None:
        """End whatever is being read: the paragraph, a run of flattened rows."""
        self._end_pipe()
        self._end_spaced()
        self._end_paragraph()

    def _prose(self, line: str) -> None:
        if textlayout.is_page_number(line):
            self.paragraph(line)  # the paragraph around it goes on across the page break
            return
        if self.pending and self.wrapping.continues(textlayout.join(self.pending), self.pending[-1], line):
            self.pending.append(line)
            return
        self._end_paragraph()
        self.pending = [line]

    def _end_paragraph(self) -> None:
        if self.pending:
            lines, self.pending = self.pending, []
            self.paragraph(textlayout.join(lines), "\n".join(lines) if len(lines) > 1 else None)

    def _end_pipe(self) -> None:
        rows, self.pipe_rows = self.pipe_rows, []
        if not rows:
            return
        start = 0
        while start < len(rows) and len(rows[start][1]) == 1:
            start += 1
        body = rows[start:]
        if sum(1 for _, cells in body if len(cells) >= 2) < 2:
            for line, _ in rows:
                self._prose(line)
            return
        for line, _ in rows[:start]:
            self.paragraph(line)  # a one-cell row above the table is its caption
        self.blocks.append(textlayout.pipe_table([cells for _, cells in body], index=len(self.blocks),
                                                 section=self.outline.path))

    def _end_spaced(self) -> None:
        rows, self.spaced_rows = self.spaced_rows, []
        if len(rows) < 2:
            for line, _ in rows:
                self._prose(line)
            return
        self._end_paragraph()
        self.blocks.append(textlayout.spaced_table([cells for _, cells in rows], index=len(self.blocks),
                                                   section=self.outline.path))

    # -- TAB-flattened tables

    def table_run(self, groups: list[_Group]) -> None:
        """Emit a run of groups: caption lines as paragraphs, the rest as one table."""
        start = 0
        while start < len(groups) - 1 and len(groups[start].cells) == 1:
            start += 1
        if not _is_table(groups[start:]):
            start = len(groups)  # TAB-indented prose, not a flattened table
        for group in groups[:start]:
            for cell in group.cells:
                for line in cell:
                    self.paragraph(line)
        if start < len(groups):
            self.blocks.append(_table([[_cell_text(c) for c in g.cells] for g in groups[start:]],
                                      index=len(self.blocks), section=self.outline.path))


def _is_table(groups: list[_Group]) -> bool:
    """At least two rows of two or more cells, and cells that are not mostly full sentences."""
    if sum(len(g.cells) >= 2 for g in groups) < 2:
        return False
    texts = [t for g in groups for t in map(_cell_text, g.cells) if t]
    return 2 * sum(t.endswith("。") for t in texts) <= len(texts)


def _cell_text(lines: list[str]) -> str:
    return "".join(lines).strip()


def _spans(k: int, n_cols: int) -> list[int]:
    """Column spans of a row of ``k`` cells on ``n_cols`` columns (first cell one column)."""
    if k == 1:
        return [n_cols]
    base, extra = divmod(n_cols - 1, k - 1)
    return [1] + [base + (1 if i >= k - 1 - extra else 0) for i in range(k - 1)]


def _table(rows: list[list[str]], index: int, section: tuple[str, ...]) -> Table:
    """A table from flattened rows of cell texts (see the module docstring for the rules)."""
    n_cols = max(len(r) for r in rows)
    cells: list[Cell] = []
    above: int | None = None  # position in ``cells`` of the cell holding column 0 in the previous row
    for r, texts in enumerate(rows):
        col = 0
        for k, (text, span) in enumerate(zip(texts, _spans(len(texts), n_cols), strict=True)):
            top = cells[above] if above is not None else None
            if k == 0 and not text and top is not None and top.text and top.colspan == span:
                cells[above] = attrs.evolve(top, rowspan=top.rowspan + 1)
            else:
                if k == 0:
                    above = len(cells)
                cells.append(Cell(row=r, col=col, text=text, colspan=span))
            col += span
    return Table(index=index, cells=tuple(cells), n_rows=len(rows), n_cols=n_cols, section=section)
