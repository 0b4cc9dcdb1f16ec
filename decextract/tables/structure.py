"""Table structure: caption, amount unit and header rows of every table.

Readers give tables as cells on a grid and leave ``title``, ``unit`` and
``header_rows`` unset.  :func:`annotate` fills them in from the table's own
leading rows and from the short lines printed just above it, and joins back a
table a reader split in two (same columns, nothing in between).  The helpers
for cell text and amounts are shared by the table extractors.
"""

from __future__ import annotations

import decimal
import unicodedata
from decimal import Decimal, InvalidOperation
from functools import lru_cache

import attrs
import regex

from .. import data
from ..model import Block, Cell, Document, Paragraph, Table
from ..numerals import parse_number


def _spec() -> dict:
    return data.load("table_structure.json")


@lru_cache(maxsize=1)
def _patterns() -> dict[str, regex.Pattern]:
    spec = _spec()
    units = "|".join(sorted(map(regex.escape, spec["amount_units"]), key=len, reverse=True))
    notes = "|".join(map(regex.escape, spec["note_prefixes"]))
    numbers = "|".join(map(regex.escape, spec["column_number_labels"]))
    return {
        # “单位：万元”, “金额单位：元”, “单位: 亿元” anywhere in a line
        "unit_line": regex.compile(
            rf"""
            (?<![编填报制])           # not 编制单位：… (that names the issuer)
            (?:金额|计量|货币)?单位 \s* [:：] \s*
            (?P<unit>{units})
            (?: (?<=[万千亿]元) (?!整)      # 万元 glued to the next words (单位：万元部门：…), not 万元整
              | (?=\p{{Han}}{{1,6}}[:：])   # 元 glued to the next label (单位：元部门：…)
              | (?![\p{{Han}}]) )          # else not a name starting with 元 (单位：元宝山区…)
            """,
            regex.VERBOSE,
        ),
        # “(万元)”, “（单位：万元）” inside a header cell or a caption
        "unit_paren": regex.compile(
            rf"""
            [（(] \s*
            (?:(?:金额)?单位 \s* [:：]? \s*)?
            (?P<unit>{units})
            \s* [)）]
            """,
            regex.VERBOSE,
        ),
        # a line that only states the year: “(2020年度)”, “2020年”
        "year_line": regex.compile(
            r"""
            ^ [（(]? \s* (?P<year>(?:19|20)\d{2}) \s* 年 度? \s* [)）]? $
            """,
            regex.VERBOSE,
        ),
        # a form number standing alone: “公开01表”, “（财决04表）”, “附表3”
        "form_number": regex.compile(
            r"""
            ^ [（(]? \s* (?:公开|财决|附)? \s* 表? \s* \d+ (?:-\d+)? \s* 表? \s* [)）]? $
            """,
            regex.VERBOSE,
        ),
        # a note naming the issuer: “编制单位：…”
        "note_line": regex.compile(rf"^(?:{notes})\s*[:：]", regex.VERBOSE),
        # a header row numbering the columns: “栏次 | 1 | 2 | 3”
        "column_numbers": regex.compile(rf"^(?:{numbers})$", regex.VERBOSE),
        # a number as printed in a body cell: 1,234.50  -3  95.5%  （thousands separators allowed）
        "number": regex.compile(
            r"""
            ^ [-+−]? (?: \d{1,3} (?:,\d{3})+ | \d+ ) (?: \.\d+ )? %? $
            """,
            regex.VERBOSE,
        ),
        # an amount with an optional unit of its own: 5  134.31万  10万元
        "amount": regex.compile(
            rf"""
            ^ (?P<num> [-+−]? (?: \d{{1,3}} (?:,\d{{3}})+ | \d+ ) (?: \.\d+ )? )
            \s* (?P<unit>{units}|万|亿)? $
            """,
            regex.VERBOSE,
        ),
        # the end of a table's name: 收入支出决算总表, 支出预算表（功能科目）, …明细表 （公开01表）
        "title_end": regex.compile(
            r"""
            表 \s* (?: [（(] [^）)]* [)）] \s* )? $
            """,
            regex.VERBOSE,
        ),
        # a line break inside a cell, with the blanks around it
        "wrap": regex.compile(r"[ \t\u3000]* \r?\n [ \t\u3000\r\n]*", regex.VERBOSE),
    }


# ---------------------------------------------------------------------------
# text and amounts


_BLANKS = regex.compile(r"\s+")
_SENTENCE_MARK = regex.compile(r"[。；;，,]")
_UNIT_LABEL_END = regex.compile(r"单位\s*[:：]\s*$")


@lru_cache(maxsize=32768)
def clean_text(text: str | None) -> str:
    """Cell text with whitespace normalised.

    A line break is dropped where it wraps CJK text or numbers (“项目完成指\\n标”)
    and becomes a space between two Latin words; runs of blanks collapse to one space.
    """
    if not text:
        return ""

    def wrap(m: regex.Match) -> str:
        before = m.string[m.start() - 1] if m.start() > 0 else ""
        after = m.string[m.end()] if m.end() < len(m.string) else ""
        latin = before.isascii() and before.isalpha() and after.isascii() and after.isalpha()
        return " " if latin else ""

    joined = _patterns()["wrap"].sub(wrap, text)
    return _BLANKS.sub(" ", joined).strip()


@lru_cache(maxsize=32768)
def is_number(text: str | None) -> bool:
    """Whether ``text`` is a bare number as printed in a body cell (1,234.50, -3, 95%)."""
    return bool(text) and bool(_patterns()["number"].match(unicodedata.normalize("NFKC", text).strip()))


@lru_cache(maxsize=256)
def unit_scale(unit: str | None) -> Decimal | None:
    """Value in 元 of one ``unit`` (万元 -> 10000); None for an unknown or missing unit."""
    if unit is None:
        return None
    factor = _spec()["amount_units"].get(unit)
    return Decimal(factor) if factor else None


def amount_in_yuan(text: str | None, unit: str | None) -> Decimal | None:
    """The amount printed in ``text`` in 元, scaled by its own unit (“10万元”) or else the table's ``unit``.

    Returns None when the cell holds no amount (empty, “—”, prose).  Without any
    unit the number is taken as printed; “(1,234.00)” and “负5” are negative.
    """
    if not text:
        return None
    context = decimal.getcontext()
    return _amount(text, unit, context.prec, context.rounding)


@lru_cache(maxsize=32768)  # a table repeats its cells' texts (0.00, —), the audit reads them again
def _amount(text: str, unit: str | None, prec: int, rounding: str) -> Decimal | None:
    """:func:`amount_in_yuan` under the decimal context of that precision and rounding (the audit's has 60 digits)."""
    m = _patterns()["amount"].match(unicodedata.normalize("NFKC", text).strip())
    if m is None:  # accounting negatives (1,234.00), 负5, Chinese numerals: the grammar's numeral parser
        number = parse_number(text.strip())
        return None if number is None else (number * (unit_scale(unit) or Decimal(1))).normalize()
    try:
        value = Decimal(m["num"].replace(",", "").replace("−", "-"))
    except InvalidOperation:
        return None
    own = m["unit"]
    if own in ("万", "亿"):
        own += "元"
    scale = unit_scale(own or unit) or Decimal(1)
    return (value * scale).normalize()


@lru_cache(maxsize=32768)
def find_unit(text: str | None) -> str | None:
    """The amount unit a caption, note or header cell declares (“单位：万元”, “(万元)”), as printed."""
    if not text:
        return None
    text = unicodedata.normalize("NFKC", text)
    m = _patterns()["unit_line"].search(text) or _patterns()["unit_paren"].search(text)
    return m["unit"] if m else None


def year_of_line(text: str | None) -> int | None:
    """The year of a line that states only a year (“(2020年度)”), else None."""
    m = _patterns()["year_line"].match(clean_text(unicodedata.normalize("NFKC", text or "")))
    return int(m["year"]) if m else None


def _is_note(text: str) -> bool:
    """A line that annotates a table rather than naming it: unit, year, form number, issuer."""
    text = unicodedata.normalize("NFKC", text).strip()
    p = _patterns()
    return bool(
        p["unit_line"].search(text)
        or p["note_line"].match(text)
        or p["year_line"].match(text)
        or p["form_number"].match(text)
        or (p["unit_paren"].fullmatch(text))
    )


# ---------------------------------------------------------------------------
# rows


def distinct_rows(table: Table) -> list[list[Cell]]:
    """For each row, the distinct cells covering it, left to right (a merged cell from above included)."""
    out: list[list[Cell]] = []
    for slots in table.grid():
        row: list[Cell] = []
        for cell in slots:
            if cell is not None and (not row or row[-1] is not cell):
                row.append(cell)
        out.append(row)
    return out


def row_context(cells: list[Cell]) -> str:
    """A row's cells (as from :func:`distinct_rows`) joined with `` | ``: the provenance context of a table row."""
    return " | ".join(c.text for c in cells)


def row_page(table: Table, r: int) -> int | None:
    """Page of row ``r``: that of a cell starting in it, else the table's."""
    for cell in table.row(r):
        if cell.page is not None:
            return cell.page
    return table.page


def lines_above(blocks: tuple[Block, ...] | list[Block], i: int) -> list[Paragraph]:
    """Non-empty paragraphs just above block ``i``, nearest first, back to the previous table."""
    out: list[Paragraph] = []
    j = i - 1
    while j >= 0 and len(out) < _spec()["title_lookback"]:
        block = blocks[j]
        if not isinstance(block, Paragraph):
            break
        if block.text.strip():
            out.append(block)
        j -= 1
    return out


def _texts(rows: list[list[Cell]], r: int) -> list[tuple[Cell, str]]:
    return [(c, clean_text(c.text)) for c in rows[r] if clean_text(c.text)]


def is_title(text: str) -> bool:
    """A short line naming a table: it ends in 表, maybe followed by a note in brackets (“…总表（公开01表）”)."""
    return len(text) <= _spec()["max_title_chars"] and bool(_patterns()["title_end"].search(text))


def caption_note(text: str) -> bool:
    """A line opening with a note label of a table's caption: 编制单位：…, 部门：…, 单位：万元, 金额单位：元."""
    text = text.strip()
    return bool(_patterns()["note_line"].match(text) or _patterns()["unit_line"].match(text))


def _lead_rows(table: Table, rows: list[list[Cell]]) -> tuple[int, str | None, str | None]:
    """Rows at the top that hold the title or notes (unit, year, 编制单位) rather than column headers.

    Returns (number of such rows, title, unit).
    """
    title = unit = None
    r = start = _heading_rows(table, rows)
    while r < min(table.n_rows, 4):
        texts = _texts(rows, r)
        if not texts:
            r += 1
            continue
        if all(_is_note(t) for _, t in texts):
            unit = unit or next((find_unit(t) for _, t in texts if find_unit(t)), None)
            r = max(r + 1, max(c.row + c.rowspan for c, _ in texts))
            continue
        if title is None and len(texts) == 1 and r == start and table.n_cols >= 2:
            cell, text = texts[0]
            if is_title(text):
                title = text
                unit = unit or find_unit(text)
                r = max(r + 1, cell.row + cell.rowspan)
                continue
        break
    return r, title, unit


def _heading_rows(table: Table, rows: list[list[Cell]]) -> int:
    """Rows above a title row inside the grid that each hold one short line (the document's heading, the issuer):
    a spreadsheet printed with its gridlines rules the lines above the table into it. 0 without such a title row."""
    for r in range(1, min(table.n_rows, 4)):
        texts = _texts(rows, r)
        if len(texts) == 1 and is_title(texts[0][1]) and table.n_cols >= 2:
            above = [_texts(rows, k) for k in range(r)]
            if all(len(t) <= 1 for t in above) and all(not _SENTENCE_MARK.search(x) for t in above for _, x in t):
                return r
            return 0
        if len(texts) != 1 and texts:
            return 0
    return 0


def lead_rows(table: Table) -> int:
    """How many rows at the top of the table hold its title or notes (unit, year, 编制单位), not column headers."""
    return _lead_rows(table, distinct_rows(table))[0]


def _is_key_value(table: Table, row: list[Cell], texts: list[tuple[Cell, str]]) -> bool:
    """A form row “label | value” whose value fills the rest of the row (项目名称 | …)."""
    if len(texts) != 2:
        return False
    key, value = texts[0][0], texts[1][0]
    if key.colspan > 1 or key.rowspan > 1:
        return False
    if any(not c.text.strip() for c in row if key.col < c.col < value.col):
        return False  # an empty cell between: two group labels over their columns (收入 | | 支出 |), not a form row
    return (value.colspan > 1 and value.col + value.colspan >= table.n_cols) or (
        value.col + value.colspan < table.n_cols and all(not c.text.strip() for c in row if c.col > value.col)
    )


def _is_body(texts: list[tuple[Cell, str]], r: int) -> bool:
    if _patterns()["column_numbers"].match(texts[0][1].replace(" ", "")):
        return False
    return any(is_number(t) and c.row == r for c, t in texts)


def _header_rows(table: Table, rows: list[list[Cell]], lead: int) -> int:
    """Leading rows up to the first body row, when few enough to be headers.

    A body row holds a number, or is blank below header text (a row of empty values).
    """
    seen = False
    for r in range(lead, table.n_rows):
        texts = _texts(rows, r)
        if not texts and not seen:
            continue
        seen = True
        if not texts or _is_key_value(table, rows[r], texts) or _is_body(texts, r):
            return r if r - lead <= _spec()["max_header_rows"] else lead
    texts = _texts(rows, lead) if lead < table.n_rows else []
    headerish = len(texts) >= 2 and all(len(t) <= 20 and not _SENTENCE_MARK.search(t) for _, t in texts)
    return lead + 1 if headerish and lead + 1 < table.n_rows else lead


def _caption(blocks: tuple[Block, ...] | list[Block], i: int) -> tuple[str | None, str | None]:
    """Title and unit from the short lines just above block ``i`` (notes skipped, their unit kept).

    The nearest line ending in 表 is the title; failing that, the nearest short line.
    """
    unit = nearest = None
    above = lines_above(blocks, i)
    skip = False
    for k, para in enumerate(above):
        if skip:
            skip = False
            continue
        text = clean_text(para.text)
        if k + 1 < len(above) and (wrapped := _wrapped_unit(clean_text(above[k + 1].text), text)):
            unit, skip = unit or wrapped, True  # “单位：” / “万元”: a unit line wrapped in two
            continue
        if is_title(text) and not _patterns()["form_number"].match(unicodedata.normalize("NFKC", text)):
            return text, unit or find_unit(text)  # a title, even with its unit in brackets (“…总表（单位：元）”)
        if _is_note(text):
            unit = unit or find_unit(text)
            continue
        if len(text) > _spec()["max_title_chars"] or text.endswith(("。", "；", ";", "，", ",", "：", ":")):
            break  # prose: the caption, if any, is below it
        if is_title(text):
            return text, unit or find_unit(text)
        nearest = nearest or text
    return nearest, unit or find_unit(nearest)


def _wrapped_unit(label: str, word: str) -> str | None:
    """The unit of a unit line wrapped after its label: “单位：” above “万元”."""
    if not _UNIT_LABEL_END.search(unicodedata.normalize("NFKC", label)):
        return None
    return find_unit(label + word)


def _unit_in_cells(table: Table) -> str | None:
    for cell in sorted(table.cells, key=lambda c: (c.row, c.col)):
        unit = find_unit(cell.text)
        if unit:
            return unit
    return None


def table_unit(table: Table) -> str | None:
    """The table's amount unit: as annotated, else the first unit declared in a cell (“预算执行情况(万元)”)."""
    return table.unit or _unit_in_cells(table)


# ---------------------------------------------------------------------------
# split tables


def _row_texts(table: Table, rows: range) -> list[list[str]]:
    text_rows = table.text_rows()
    return [[clean_text(t) for t in text_rows[r]] for r in rows]


def _structure(table: Table) -> tuple[int, str | None, str | None, int]:
    """(title/note rows, title, unit, header rows) read from the table itself."""
    rows = distinct_rows(table)
    lead, title, unit = _lead_rows(table, rows)
    return lead, title, unit, _header_rows(table, rows, lead)


def _continues(first: Table, second: Table) -> bool:
    """Whether ``second`` is the rest of ``first``: same columns, no title of its own, on the same or next page."""
    if first.n_cols != second.n_cols or first.n_cols < 2 or second.n_rows == 0:
        return False
    if _lead_rows(second, distinct_rows(second))[1] is not None:
        return False
    last = max(first.pages or ((first.page,) if first.page else ()), default=None)
    if last is not None and second.page is not None and second.page not in (last, last + 1):
        return False
    return True


def _join(first: Table, second: Table) -> Table:
    """``second`` appended below ``first``, its repeated header rows dropped; cells keep their pages."""
    lead, _, _, header_rows = _structure(first)
    heads = header_rows - lead
    drop = 0
    if (
        heads
        and second.n_rows > heads
        and _row_texts(second, range(heads)) == _row_texts(first, range(lead, lead + heads))
    ):
        drop = heads
    shift = first.n_rows - drop
    cells = [c if c.page is not None else attrs.evolve(c, page=first.page) for c in first.cells]
    cells += [
        attrs.evolve(c, row=c.row + shift, page=c.page if c.page is not None else second.page)
        for c in second.cells
        if c.row >= drop
    ]
    pages = tuple(sorted({*first.pages, *second.pages, *(p for p in (first.page, second.page) if p is not None)}))
    return attrs.evolve(first, cells=tuple(cells), n_rows=first.n_rows + second.n_rows - drop, pages=pages)


def _merge_split(blocks: tuple[Block, ...]) -> list[Block]:
    out: list[Block] = []
    for block in blocks:
        prev = out[-1] if out else None
        if isinstance(block, Table) and isinstance(prev, Table) and _continues(prev, block):
            out[-1] = _join(prev, block)
        else:
            out.append(block)
    return out


# ---------------------------------------------------------------------------


def _annotated(table: Table, blocks: list[Block], i: int) -> Table:
    lead, inner_title, inner_unit, header_rows = _structure(table)
    caption, caption_unit = _caption(blocks, i) if inner_title is None else (None, None)
    return attrs.evolve(
        table,
        title=table.title or inner_title or caption,
        unit=table.unit or inner_unit or caption_unit or _unit_in_cells(table),
        header_rows=table.header_rows or header_rows,
    )


def annotate(doc: Document) -> Document:
    """The document with tables split by the reader joined back and every table's title, unit and header rows set.

    Values a reader already set are kept.  When tables are joined, blocks are
    renumbered so that ``index`` stays the position in ``blocks``.
    """
    blocks = _merge_split(doc.blocks)
    if len(blocks) < len(doc.blocks):
        blocks = [b if b.index == i else attrs.evolve(b, index=i) for i, b in enumerate(blocks)]
    out = [_annotated(b, blocks, i) if isinstance(b, Table) else b for i, b in enumerate(blocks)]
    return attrs.evolve(doc, blocks=tuple(out))
