"""DOCX reader: Word body paragraphs and tables in document order.

The body XML is walked directly (``w:p`` and ``w:tbl`` children, content
controls unwrapped), so tracked insertions, hyperlinks and fields keep their
text; text boxes and headers/footers are left out.  python-docx opens the
package and supplies styles and core properties.

Automatic list numbers (“一、”, “（一）”, “1.” from ``w:numPr``, on the paragraph
or its style) are rendered and put before the paragraph's text, as printed.
Headings come from the paragraph's style (“Heading N”, “标题 N”, or an outline
level on the paragraph or its style chain) and, for unstyled paragraphs, from
the numbering patterns of :mod:`decextract.sections`.  A numbered heading takes
the level of its numbering (一、 is level 2 whatever its style), so TXT, DOCX and
PDF give the same section paths.

Tables: ``w:gridSpan`` gives a cell's colspan, ``w:vMerge`` continue cells grow
the rowspan of the cell above (legacy ``w:hMerge`` grows the colspan of the cell
to the left), ``w:gridBefore`` skips leading grid columns.  A merged cell is
stored once at its top-left slot.  Leading rows made of one cell spanning the
whole width (a caption or “单位：万元” typed into the table) come out as
paragraphs before the table.  A one-cell table is a frame for layout: its
paragraphs and tables are read as if they stood in the body.  A cell's text is its lines (paragraphs and manual
line breaks) joined with "\\n", except that a line wrapped inside a phrase (from
a CJK character, or ，、, to a CJK character: “经济效益” + “指标”) is joined
without a separator, as the TXT reader joins a wrapped cell.
"""

from __future__ import annotations

import io

import attrs
import docx
import regex
from docx.oxml.ns import qn

from ..errors import DamagedFileError
from ..model import Block, Cell, Document, Table
from ..sections import Outline, numbering_level

_P, _TBL, _TR, _TC = qn("w:p"), qn("w:tbl"), qn("w:tr"), qn("w:tc")
_SDT, _SDT_CONTENT, _CUSTOM_XML = qn("w:sdt"), qn("w:sdtContent"), qn("w:customXml")
_T, _TAB, _BR, _CR = qn("w:t"), qn("w:tab"), qn("w:br"), qn("w:cr")
_SKIP = {qn("w:txbxContent"), "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback",
         qn("w:del"), qn("w:moveFrom")}
_VAL = qn("w:val")

_HEADING_STYLE = regex.compile(r"(?i)^\s*(?:heading|标题)\s*(\d)\s*$")
_CJK = regex.compile(r"\p{Han}")
_INT = regex.compile(r"^\s*([+-]?\d{1,18})")

#: Word's largest list number; beyond it (a damaged or hostile w:start of 1e15) a number prints as digits
_MAX_LIST_NUMBER = 32767
#: Word's widest table; a table is clipped to its declared grid or this, at most _MAX_COLS columns
_WORD_COLS = 63
_MAX_COLS = 1000


def _int(value: str | None, default: int) -> int:
    """An attribute as an integer, tolerating what damaged files hold (“1e9”, “12.0”, “”, 20 digits)."""
    m = _INT.match(value or "")
    return int(m.group(1)) if m else default


def read(data: bytes, source: str, sha256: str) -> Document:
    """Read a .docx file's body into the document model."""
    try:
        package = docx.Document(io.BytesIO(data))
    except Exception as exc:  # python-docx raises anything from KeyError to AttributeError on a bad package
        raise DamagedFileError(f"not a readable Word document: {type(exc).__name__}: {exc}", path=source) from exc
    reader = _BodyReader(_Styles(package), _Numbering(package))
    for element in _children(package.element.body):
        if element.tag == _P:
            reader.paragraph(element)
        elif element.tag == _TBL:
            reader.table(element)
    return Document(source=source, sha256=sha256, format="docx", blocks=tuple(reader.blocks),
                    title=_title(package.core_properties.title))


def _title(title: str | None) -> str | None:
    """The core-properties title when it names something (has Chinese text), else None."""
    title = (title or "").strip()
    return title if _CJK.search(title) else None


def _children(element):
    """Block-level children of ``element``, unwrapping content controls and custom XML."""
    for child in element.iterchildren():
        if child.tag in (_SDT, _SDT_CONTENT, _CUSTOM_XML):
            yield from _children(child)
        else:
            yield child


def _text(p) -> str:
    """The visible text of one ``w:p``: runs, tabs and line breaks, not text boxes or deletions."""
    out: list[str] = []

    def walk(node):
        for child in node.iterchildren():
            tag = child.tag
            if tag in _SKIP:
                continue
            if tag == _T:
                out.append(child.text or "")
            elif tag == _TAB:
                out.append("\t")
            elif tag == _CR or (tag == _BR and child.get(qn("w:type")) in (None, "textWrapping")):
                out.append("\n")
            else:
                walk(child)

    walk(p)
    return "".join(out)


def _join_lines(lines: list[str]) -> str:
    """Join a cell's paragraphs: no separator inside a wrapped phrase, else a line break."""
    text = ""
    for line in lines:
        wrapped = text and line and (_CJK.match(text[-1]) or text[-1] in "，、") and _CJK.match(line[0])
        text = text + line if wrapped or not text else text + "\n" + line
    return text


class _Styles:
    """Heading level and list numbering of each paragraph style, following ``basedOn`` links."""

    def __init__(self, package) -> None:
        self._styles = {s.style_id: s for s in package.styles}
        self._levels: dict[str, int | None] = {}

    def level(self, style_id: str | None) -> int | None:
        if not style_id:
            return None
        if style_id not in self._levels:
            self._levels[style_id] = None  # guards against basedOn cycles
            self._levels[style_id] = self._resolve(style_id)
        return self._levels[style_id]

    def _resolve(self, style_id: str) -> int | None:
        style = self._styles.get(style_id)
        if style is None:
            return None
        m = _HEADING_STYLE.match(style.name or "")
        if m:
            return int(m.group(1))
        outline = _outline_level(style.element.find(qn("w:pPr")))
        if outline is not None:
            return outline
        based = style.element.find(qn("w:basedOn"))
        return self.level(based.get(_VAL)) if based is not None else None

    def num_pr(self, style_id: str | None, depth: int = 0):
        """The ``w:numPr`` a style (or a style it is based on) applies, else None."""
        style = self._styles.get(style_id) if style_id and depth < 10 else None
        if style is None:
            return None
        num_pr = style.element.find(f"{qn('w:pPr')}/{qn('w:numPr')}")
        if num_pr is not None:
            return num_pr
        based = style.element.find(qn("w:basedOn"))
        return self.num_pr(based.get(_VAL), depth + 1) if based is not None else None


_CN_DIGITS = "零一二三四五六七八九"
_CN_LEGAL = "零壹贰叁肆伍陆柒捌玖"
_CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"
_STEMS = "甲乙丙丁戊己庚辛壬癸"
_ROMAN = ((1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"), (50, "L"), (40, "XL"),
          (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I"))


def _chinese(n: int, digits: str = _CN_DIGITS, ten: str = "十") -> str:
    """1-99 in Chinese numerals: 一, 十, 十二, 二十三."""
    if not 0 < n < 100:
        return str(n)
    tens, ones = divmod(n, 10)
    if not tens:
        return digits[ones]
    return (digits[tens] if tens > 1 else "") + ten + (digits[ones] if ones else "")


def _roman(n: int) -> str:
    out = ""
    for value, letters in _ROMAN:
        while n >= value:
            out, n = out + letters, n - value
    return out


def _letters(n: int) -> str:
    """1 → A, 26 → Z, 27 → AA (Word repeats the letter)."""
    return chr(ord("A") + (n - 1) % 26) * ((n - 1) // 26 + 1)


_NUM_FORMATS = {
    "decimal": str,
    "decimalZero": lambda n: f"{n:02d}",
    "decimalFullWidth": lambda n: str(n).translate(str.maketrans("0123456789", "０１２３４５６７８９")),
    "chineseCounting": _chinese,
    "chineseCountingThousand": _chinese,
    "ideographDigital": lambda n: "".join(_CN_DIGITS[int(d)] for d in str(n)),
    "japaneseCounting": _chinese,
    "chineseLegalSimplified": lambda n: _chinese(n, _CN_LEGAL, "拾"),
    "decimalEnclosedCircle": lambda n: _CIRCLED[n - 1] if 0 < n <= len(_CIRCLED) else str(n),
    "decimalEnclosedCircleChinese": lambda n: _CIRCLED[n - 1] if 0 < n <= len(_CIRCLED) else str(n),
    "ideographTraditional": lambda n: _STEMS[(n - 1) % 10],
    "upperLetter": _letters,
    "lowerLetter": lambda n: _letters(n).lower(),
    "upperRoman": _roman,
    "lowerRoman": lambda n: _roman(n).lower(),
}


class _Numbering:
    """Word's automatic list numbers (“一、”, “（1）”, “1.”), counted in document order.

    Bullets and formats outside :data:`_NUM_FORMATS` print nothing here.
    """

    def __init__(self, package) -> None:
        self._defs: dict[str, dict[int, tuple[int, str, str]]] = {}
        self._counts: dict[str, dict[int, int]] = {}
        try:
            root = package.part.numbering_part.element
        except (NotImplementedError, KeyError):  # no numbering part (LibreOffice's DOCX from RTF; python-docx): no lists
            return
        abstract = {a.get(qn("w:abstractNumId")): self._levels(a) for a in root.findall(qn("w:abstractNum"))}
        for num in root.findall(qn("w:num")):
            ref = num.find(qn("w:abstractNumId"))
            levels = dict(abstract.get(ref.get(_VAL) if ref is not None else None, {}))
            for override in num.findall(qn("w:lvlOverride")):
                ilvl = _int(override.get(qn("w:ilvl")), 0)
                lvl = override.find(qn("w:lvl"))
                if lvl is not None:
                    levels.update(self._levels(override))
                start = override.find(qn("w:startOverride"))
                if start is not None and ilvl in levels:
                    levels[ilvl] = (_int(start.get(_VAL), 1),) + levels[ilvl][1:]
            self._defs[num.get(qn("w:numId"))] = levels

    @staticmethod
    def _levels(parent) -> dict[int, tuple[int, str, str]]:
        out = {}
        for lvl in parent.findall(qn("w:lvl")):
            start, fmt, text = lvl.find(qn("w:start")), lvl.find(qn("w:numFmt")), lvl.find(qn("w:lvlText"))
            out[_int(lvl.get(qn("w:ilvl")), 0)] = (
                _int(start.get(_VAL), 1) if start is not None else 1,
                fmt.get(_VAL, "decimal") if fmt is not None else "decimal",
                text.get(_VAL, "") if text is not None else "",
            )
        return out

    def label(self, num_pr) -> str:
        """The printed number of the next item of ``num_pr``'s list, counting it."""
        num_id = num_pr.find(qn("w:numId"))
        ilvl_node = num_pr.find(qn("w:ilvl"))
        num_id = num_id.get(_VAL) if num_id is not None else None
        ilvl = _int(ilvl_node.get(_VAL), 0) if ilvl_node is not None else 0
        levels = self._defs.get(num_id)
        if not levels or ilvl not in levels:
            return ""
        counts = self._counts.setdefault(num_id, {})
        counts[ilvl] = counts.get(ilvl, levels[ilvl][0] - 1) + 1
        for deeper in [k for k in counts if k > ilvl]:
            del counts[deeper]
        if levels[ilvl][1] not in _NUM_FORMATS:
            return ""

        def number(m: regex.Match) -> str:
            k = int(m.group(1)) - 1
            start, fmt, _ = levels.get(k, (1, "decimal", ""))
            n = counts.get(k, start)
            if not 0 < n <= _MAX_LIST_NUMBER:  # Roman numerals or letters of 1e15 would never end
                return str(n)
            return _NUM_FORMATS.get(fmt, str)(n)

        return regex.sub(r"%([1-9])", number, levels[ilvl][2])


def _outline_level(ppr) -> int | None:
    """Heading level from ``w:outlineLvl`` (0-8; 9 means body text), else None."""
    if ppr is None:
        return None
    node = ppr.find(qn("w:outlineLvl"))
    if node is None:
        return None
    value = _int(node.get(_VAL), 9)
    return value + 1 if 0 <= value < 9 else None


@attrs.frozen
class _RawCell:
    col: int
    span: int
    vmerge: str | None  # "restart", "continue" or None
    hmerge: bool
    text: str


class _BodyReader:
    """Turns body elements into blocks, tracking the section outline."""

    def __init__(self, styles: _Styles, numbering: _Numbering) -> None:
        self.styles = styles
        self.numbering = numbering
        self.outline = Outline()
        self.blocks: list[Block] = []

    def paragraph(self, p) -> None:
        ppr = p.find(qn("w:pPr"))
        style = ppr.find(qn("w:pStyle")) if ppr is not None else None
        style_id = style.get(_VAL) if style is not None else None
        num_pr = ppr.find(qn("w:numPr")) if ppr is not None else None
        num_pr = num_pr if num_pr is not None else self.styles.num_pr(style_id)
        label = self.numbering.label(num_pr) if num_pr is not None else ""  # counted even when empty, as Word does
        text = _text(p)
        if not text.strip():
            return
        text = label + text
        styled = _outline_level(ppr)
        if styled is None:
            styled = self.styles.level(style_id)
        self.add_paragraph(text, styled)

    def add_paragraph(self, text: str, styled: int | None = None) -> None:
        if styled is not None:
            level: int | None = numbering_level(text.strip()) or styled
        else:
            level = self.outline.classify(text)
        self.blocks.append(self.outline.paragraph(len(self.blocks), text, level))

    def table(self, tbl) -> None:
        trs = [tr for tr in _children(tbl) if tr.tag == _TR]
        tcs = [tc for tr in trs for tc in _children(tr) if tc.tag == _TC]
        if len(tcs) == 1:  # a one-cell table is a frame around content: read what is inside
            for element in _children(tcs[0]):
                if element.tag == _P:
                    self.paragraph(element)
                elif element.tag == _TBL:
                    self.table(element)
            return
        grid_cols = len(tbl.findall(f"{qn('w:tblGrid')}/{qn('w:gridCol')}"))
        widest = max((sum(1 for tc in _children(tr) if tc.tag == _TC) for tr in trs), default=0)
        width = min(max(grid_cols, widest, _WORD_COLS), _MAX_COLS)
        rows = [_raw_row(tr, grid_cols, width) for tr in trs]
        n_cols = max([grid_cols] + [r[-1].col + r[-1].span for r in rows if r])
        while len(rows) > 1 and len(rows[0]) == 1 and rows[0][0].span == n_cols and n_cols > 1 \
                and rows[0][0].vmerge != "restart":
            if rows[0][0].text.strip():
                self.add_paragraph(rows[0][0].text)
            rows.pop(0)
        if not rows or not any(rows):
            return
        self.blocks.append(_table(rows, n_cols, index=len(self.blocks), section=self.outline.path))


def _raw_row(tr, grid_cols: int, width: int) -> list[_RawCell]:
    """The cells of one ``w:tr`` with their grid columns; a span is clipped to the table's grid
    (a damaged ``w:gridSpan`` of 50 in a 3-column table spans what is left), and ``w:gridBefore`` and
    every span to ``width`` columns (a hostile 1e9 would make a grid of billions of slots)."""
    trpr = tr.find(qn("w:trPr"))
    before = trpr.find(qn("w:gridBefore")) if trpr is not None else None
    col = min(max(0, _int(before.get(_VAL), 0)), width - 1) if before is not None else 0
    out = []
    for tc in _children(tr):
        if tc.tag != _TC:
            continue
        tcpr = tc.find(qn("w:tcPr"))
        span, vmerge, hmerge = 1, None, False
        if tcpr is not None:
            gs = tcpr.find(qn("w:gridSpan"))
            span = max(1, _int(gs.get(_VAL), 1)) if gs is not None else 1
            span = max(1, min(span, (grid_cols or width) - col, width - col))
            vm = tcpr.find(qn("w:vMerge"))
            if vm is not None:
                vmerge = "restart" if vm.get(_VAL) == "restart" else "continue"
            hm = tcpr.find(qn("w:hMerge"))
            hmerge = hm is not None and hm.get(_VAL) != "restart"
        lines = [line for p in tc.iter(_P) if not any(a.tag in _SKIP for a in p.iterancestors())
                 for line in _text(p).split("\n")]
        out.append(_RawCell(col=col, span=span, vmerge=vmerge, hmerge=hmerge, text=_join_lines(lines).strip()))
        col += span
    return out


def _table(rows: list[list[_RawCell]], n_cols: int, index: int, section: tuple[str, ...]) -> Table:
    """Resolve merges into cells stored once at their top-left slot."""
    cells: list[Cell] = []
    open_at: dict[int, int] = {}  # grid column -> position in ``cells`` of the cell starting there, last row
    for r, raw_row in enumerate(rows):
        previous: int | None = None
        next_open: dict[int, int] = {}
        for raw in raw_row:
            above = open_at.get(raw.col)
            if raw.vmerge == "continue" and above is not None and cells[above].colspan == raw.span:
                cells[above] = attrs.evolve(cells[above], rowspan=r - cells[above].row + 1)
                next_open[raw.col] = above
            elif raw.hmerge and previous is not None:
                cells[previous] = attrs.evolve(cells[previous], colspan=cells[previous].colspan + raw.span)
            else:
                cells.append(Cell(row=r, col=raw.col, text=raw.text, colspan=raw.span))
                previous = len(cells) - 1
                next_open[raw.col] = previous
        open_at = next_open
    return Table(index=index, cells=tuple(cells), n_rows=len(rows), n_cols=n_cols, section=section)
