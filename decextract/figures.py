"""Figures: quantity spans of the grammar turned into records with meaning and provenance.

Prose is cut into sentences (the ``context`` of a figure) and sentences into
clauses.  For each quantity the words before it, back to the previous quantity
or clause mark, give its relation (占 → share, 完成预算 → completion_rate,
增加/减少 an amount → change, 增长/下降 x% → change_rate, any other
percentage → rate), its year (the last “20xx年” among those words, 与上年 →
the year before, 由x%… → unknown) and its label.  A label too generic to
stand alone (支出决算, 执行数) is prefixed with its subject: the sentence's,
the scene set just before it (…专项经费：), or the paragraph's topic; a figure
with no words of its own (a share, a comparison base) takes its neighbour's.

Table cells are figures too: the context is the row's cells joined with
`` | ``, the label comes from the row and column headers, the unit from the
row or column header or the table when the cell prints none (in performance
tables only under a header that names money).
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from functools import cache

import attrs
import regex

from . import data, labels
from .grammar import Quantity, find_quantities
from .model import Document, Paragraph, Table, span_box
from .records import CellRef, Figure, Provenance
from .tables.annex import classify, table_kind
from .tables.structure import find_unit, unit_scale
from .textview import TextView, fold

_SENTENCE_END = regex.compile(r"[。！？!?\n]+")
_CLAUSE_MARK = regex.compile(r"[，,；;：:、\n]")
_YEAR_BEFORE = regex.compile(
    r"""
    (?<!\d)(?P<year>(?:19|20)\d{2})\s*年\s*度?   # 2019年 / 2019年度
    (?:\s*\d{1,2}\s*月(?:\s*\d{1,2}\s*日)?)?     # … 12月31日
    (?:全年|年初|年末|年底|底|末|同期)?
    (?:的|相比|比)?
    """,
    regex.VERBOSE,
)
_BASE_YEAR = r"(?:上年度|上一年|上年|去年|(?:19|20)\d{2}\s*年\s*度?)"  # a comparison base: 上年, 2019年度
_PREVIOUS_YEAR = regex.compile(
    r"""
    (?:与|比|较|同) (?:上年度|上一年|上年|去年)   # 与上年 / 比去年
    (?:同期)? (?:的|数)?                        # …同期的 / …数
    """,
    regex.VERBOSE,
)
_COMPARED = regex.compile(r"(?:与|比|较|同) \s* $", regex.VERBOSE)  # a year right after 比 is a base
_FROM = regex.compile(r"(?:由|从) \s* $", regex.VERBOSE)  # 由95%提升到99%: the earlier level
_COMPARISON_BASE = regex.compile(
    rf"""
    ^\s* (?:与|比|较|同) \s* (?:{_BASE_YEAR})     # “与2019年907.98万元相比”: the figure is the base
    """,
    regex.VERBOSE,
)
_BASE_ONLY = regex.compile(
    rf"""
    ^ {_BASE_YEAR} (?:同期)?                      # words that name only the base of a change:
    (?:预算数?|决算数?|执行数?|实际数?)? $        # 比上年预算 (减少20万元)
    """,
    regex.VERBOSE,
)
_SCENE = regex.compile(r"(?:[：:]|的|中)[，,；;、\s]*$")  # clauses that introduce the next figure
_SCENE_CHARS = 30  # a longer run of clauses before a figure is narrative, not its scene
_TITLE_SENTENCE = 80  # a paragraph's first sentence up to this long, without figures, names its topic
_NAMING = regex.compile(r"\p{Han}{2}")  # words that can name a row: two Chinese characters at least
_DIGIT = regex.compile(r"[0-9０-９]")
_NUMERIC_CELL = regex.compile(
    r"""
    ^[\s\d.,，．\-—－%％()（）万亿元千]+$    # a cell holding only a number: digits, signs, brackets, %, a unit
    """,
    regex.VERBOSE,
)


def _relations() -> dict:
    return data.load("relations.json")


@attrs.define
class _Found:
    """A quantity in a sentence, with the meaning worked out so far."""

    q: Quantity
    own: str  # label from its own words
    pre: str  # raw words before it, back to the previous quantity or clause mark
    relation: str = "value"
    direction: str | None = None
    year: int | None = None
    label: str | None = None
    lead: str | None = None  # a clause with no figure just before this one's (“1.一般公共服务支出:”)


# ---------------------------------------------------------------- relations and years


@cache
def _relation_patterns() -> dict:
    rel = _relations()
    words = sorted(rel["increase"] + rel["decrease"], key=len, reverse=True)
    return {
        "direction": regex.compile("|".join(map(regex.escape, words))),
        "completion": regex.compile("|".join(rel["completion_patterns"])),
        "comparison": [(d, regex.compile(p)) for d, ps in rel["comparison_changes"].items() for p in ps],
        "level": tuple(rel["level_after"]),
    }


def _direction(pre: str) -> tuple[str | None, int]:
    """The direction of the last direction word in ``pre`` and where it ends (-1 when there is none)."""
    rel = _relations()
    last = None
    for m in _relation_patterns()["direction"].finditer(pre):
        last = m
    if last is None:
        return None, -1
    return ("increase" if last.group() in rel["increase"] else "decrease"), last.end()


def relation_of(pre: str, q: Quantity, clause: str | None = None) -> tuple[str, str | None]:
    """Relation and direction of ``q`` from the words just before it (``pre``, back to the previous
    figure) and, for a completion rate, its whole clause (``clause``, back to the clause mark:
    “完成全年预算84.82万元的73.2%”)."""
    rel = _relations()
    patterns = _relation_patterns()
    direction, at = _direction(pre)
    if at >= 0 and pre[at:].lstrip("了").startswith(patterns["level"]):
        direction = None  # “提高到19%”: the level reached, not the change
        at = -1
    if q.unit in rel["multiple_units"]:
        return "multiple", direction  # “增长3倍”, “是上年的2倍”
    tail = pre[-12:]
    if q.kind == "percent":
        if any(w in tail for w in rel["completion"]) or patterns["completion"].search(clause or pre):
            return "completion_rate", None
        share = pre.rfind("占")
        if share >= 0 and (at < 0 or at <= share):
            return "share", None
        if direction:
            return "change_rate", direction
        return "rate", None
    for d, pattern in patterns["comparison"]:
        if pattern.search(pre.rstrip("了的为是，, ")):
            return "change", d  # “决算数大于预算数55.93万元”
    if pre.strip() in rel["bare_change"]:
        return "change", rel["bare_change"][pre.strip()]  # “比去年3.01万元少0.07万元”
    if direction and at >= 0 and tail.rstrip("了的为是").endswith(tuple(rel["increase"] + rel["decrease"])):
        return "change", direction
    return "value", None


def year_of(pre: str, fiscal_year: int | None, relation: str = "value") -> int | None:
    """The year the words before a figure give it, else the fiscal year.

    A change is the current year's: the year of its comparison base
    (“比2023年度增加10.23万元”) is not its own.
    """
    years = list(_YEAR_BEFORE.finditer(pre))
    if relation in ("change", "change_rate"):
        years = [m for m in years if not _COMPARED.search(pre, 0, m.start())]
    if years:
        return int(years[-1].group("year"))
    if relation in ("change", "change_rate"):
        return fiscal_year
    if _PREVIOUS_YEAR.search(pre) and fiscal_year:
        return fiscal_year - 1
    if _FROM.search(pre):
        return None  # “由95%提升到99%”: the earlier level of an unstated year
    return fiscal_year


# ---------------------------------------------------------------- prose


def _sentences(text: str) -> Iterator[tuple[int, int]]:
    start = 0
    for m in _SENTENCE_END.finditer(text):
        end = m.start() + 1 if text[m.start()] in "。！？!?" else m.start()
        if text[start:end].strip():
            yield start, end
        start = m.end()
    if text[start:].strip():
        yield start, len(text)


def _clause_start(sentence: str, pos: int, floor: int) -> int:
    """Start of the clause holding ``pos``: after the last clause mark (a 、 inside a term like 收、支总计 is none)."""
    starts = [m.end() for m in _CLAUSE_MARK.finditer(sentence, floor, pos)
              if m.group() != "、" or not labels.is_joined(sentence, m.start())]
    return max([floor] + starts)


def _is_prose_figure(q: Quantity) -> bool:
    """Bare numbers in prose are not reported quantities (list numbers, fragments)."""
    return q.kind != "number"


def _analyse(sentence: str, quantities: list[Quantity], fiscal_year: int | None,
             topic: str | None = None) -> list[_Found]:
    found: list[_Found] = []
    floor = 0
    for q in quantities:
        begin = _clause_start(sentence, q.start, floor)
        pre = sentence[begin:q.start]
        wide = sentence[_clause_start(sentence, q.start, 0):q.start]  # back to the clause mark
        own = labels.drop_leading_verb(labels.clean(pre))
        if q.kind == "count" or pre.rstrip().endswith("的"):
            # “设立四个查缉点”, “纳入预算管理的700万元培训费收入”: the noun after the figure names it
            own = labels.head_noun_phrase(sentence[q.end:]) or own
        relation, direction = relation_of(pre or wide, q, wide)
        if relation in ("change", "change_rate") and _BASE_ONLY.match(own):
            own = ""  # “比上年预算减少20万元”: the words name the base, not what changed
        f = _Found(q, own, pre, relation, direction, year_of(pre, fiscal_year, relation))
        if _SCENE.search(sentence, floor, begin):
            # clauses without figures between the previous figure and this one that introduce it
            # (ending in ：, 的 or …中) set the scene: “矛盾纠纷多元化解专项经费：项目全年预算数5万元”,
            # “；在面向小微企业预留政府采购项目中，由小微企业供应商中标或成交的，采购金额21.07万元”
            scene = labels.scene(sentence[floor:begin])
            f.lead = scene if 2 <= len(scene) <= _SCENE_CHARS else None
        found.append(f)
        floor = q.end
    _resolve_labels(found, topic)
    return found


def _resolve_labels(found: list[_Found], topic: str | None) -> None:
    """Give every figure a label: its own words, else its neighbours', else the paragraph's topic.

    A scene set before a figure (f.lead) names what it and the generic figures after it are about.
    """
    subject = topic
    for i, f in enumerate(found):
        own = f.own
        if f.lead:
            subject = f.lead
        elif labels.is_linked(f.pre) and i:  # “…项目1个，涉及预算金额175.52万元”
            subject = _neighbour_label(found, i, any_kind=True) or subject
        if f.relation == "completion_rate":  # “完成年初预算的95.89%”: what was completed, and of what
            phrase = labels.clean(f.pre) or "完成预算"
            base = _neighbour_label(found, i) or subject
            f.label = f"{base}/{phrase}" if base else phrase
            continue
        if (f.relation == "share" or not own  # 占本年支出合计的80.07%: the words name the whole, not the part
                or f.relation in ("change", "change_rate") and labels.is_generic(own)):
            f.label = _neighbour_label(found, i) or own or subject
            continue
        qualified = labels.is_generic(own) or labels.is_linked(f.pre)
        f.label = f"{subject}/{own}" if qualified and subject and subject != own else own
        if not qualified and not f.lead:
            subject = labels.subject_of(own)  # later generic figures in the sentence are about this one


def _neighbour_label(found: list[_Found], i: int, any_kind: bool = False) -> str | None:
    """Label of the figure a share / rate / comparison base refers to (its subject, before any “/”)."""
    f = found[i]
    if f.relation == "value" and _COMPARISON_BASE.match(f.pre):
        # “与2019年907.98万元相比，收、支总计增加32.17万元”: the change after it names the subject
        for g in found[i + 1:]:
            if g.own and not labels.is_generic(g.own):
                return g.own
    earlier = [g for g in reversed(found[:i]) if g.label]
    preferred = [g for g in earlier if any_kind or g.q.kind == "amount" or f.q.kind != "percent"]
    for g in preferred or earlier:
        return g.label.split("/")[0]
    return None


def prose_figures(doc: Document, block: Paragraph, fiscal_year: int | None) -> Iterator[Figure]:
    """Figures of one paragraph, in order.

    The paragraph is read through its :class:`~decextract.textview.TextView` (line breaks joined,
    spaces next to CJK dropped, traditional and full-width characters folded); each figure's
    context, text and offsets are those of the text as printed, its label in the document's
    own characters.

    The paragraph's topic carries from sentence to sentence: a title sentence
    (short, one clause, no figures: “1、一般公共服务支出（类）…行政运行（项）。”), else the
    subject of the previous sentence's first figure, names what a generic label
    (全年预算, 支出决算) or a bare rate (完成预算100%) is about.
    """
    view = TextView(block.raw or block.text)
    text = view.text
    topic: str | None = None
    for n, (s, e) in enumerate(_sentences(text)):
        sentence = text[s:e]
        quantities = [q for q in find_quantities(sentence) if _is_prose_figure(q)]
        if not quantities:
            title = labels.clean(sentence)
            if n == 0 and len(sentence) <= _TITLE_SENTENCE and not _CLAUSE_MARK.search(title):
                topic = title or None
            continue
        found = _analyse(sentence, quantities, fiscal_year, topic)
        topic = next((f.label.split("/")[0] for f in found if f.label), topic)
        cs, ce = view.raw_bounds(s, e)
        context = view.raw[cs:ce]
        for f in found:
            rs, re_ = view.raw_span(s + f.q.start, s + f.q.end)
            page, bbox = span_box(block.boxes, rs, re_)
            prov = Provenance(
                source=doc.source, sha256=doc.sha256, format=doc.format, page=page or block.page,
                block=block.index, section=block.section, context=context, start=rs - cs, end=re_ - cs,
                cell=None, bbox=bbox,
            )
            yield _figure(f.q, view.unfold(f.label), f.year, f.relation, f.direction, prov)


# ---------------------------------------------------------------- tables


def _cell_words() -> dict:
    return data.load("table_cells.json")


def _names(text: str | None, key: str) -> bool:
    """Whether ``text`` holds one of the header words listed under ``key`` in ``data/table_cells.json``."""
    return bool(text) and any(w in text for w in _cell_words()[key])


def _header_text(table: Table, grid, row: int, col: int, performance: bool) -> str | None:
    """Column header of ``col``: the header rows' texts above it, outermost first; in a performance
    table also the header row inside the table over the cell's block (分值 | 得分 over indicators)."""
    parts = []
    for r in range(min(table.header_rows, row)):
        cell = grid[r][col]
        if cell and cell.text.strip() and (not parts or parts[-1] != cell.text.strip()):
            parts.append(cell.text.strip())
    if performance and (inner := _inner_header(grid, row, col, table.header_rows)):
        parts.append(inner)
    return "/".join(parts) or None


def _project_named(slots) -> str | None:
    """The project a row names (项目名称 | 矛盾纠纷多元化解（大调解）专项经费), if it is such a row."""
    cells = list(dict.fromkeys(c for c in slots if c is not None))
    for name, value in zip(cells, cells[1:], strict=False):
        if labels.clean(name.text) in _cell_words()["project_headers"] and value.text.strip():
            return " ".join(value.text.split())
    return None


def _inner_header(grid, row: int, col: int, top: int) -> str | None:
    for r in range(row - 1, top - 1, -1):
        texts = [c.text for c in dict.fromkeys(c for c in grid[r] if c is not None and c.text.strip())]
        if len(texts) >= 3 and not any(_DIGIT.search(t) for t in texts) \
                and any(_names(t, "header_words") for t in texts):
            cell = grid[r][col]
            return cell.text.strip() if cell is not None and cell.text.strip() else None
    return None


def _row_label(slots, col: int) -> str | None:
    """Nearest cell to the left of ``col`` that names something (“预算数:” | 5; 道路完好率 | ≥95% | 96%):
    words, not a value, a symbol (≥) or a unit (个)."""
    for c in reversed(slots[:col]):
        if c is not None and _NAMING.search(c.text) and not _DIGIT.search(c.text):
            return labels.clean(c.text) or c.text.strip()
    return None


def _cell_unit(table: Table, slots, col: int, header: str | None, performance: bool) -> str | None:
    """Money unit of a cell: from its row's header cells or its column header (“预算执行情况(万元)”), else
    the table's.  In a performance table only a column (or row) that names money takes it: 分值 10 is no
    amount."""
    unit = next((u for t in [c.text for c in slots[:col] if c is not None] + [header or ""]
                 if (u := find_unit(t)) and unit_scale(u)), None)
    unit = unit or (table.unit if unit_scale(table.unit) else None)
    if unit and performance:
        what = header or _row_label(slots, col)
        if _names(what, "not_money_headers") or not _names(what, "money_headers"):
            return None
    return unit


def table_figures(doc: Document, table: Table, fiscal_year: int | None) -> Iterator[Figure]:
    """Figures of the body cells of a table, row by row."""
    grid = table.grid()
    performance = table_kind(classify(table.title)) == "绩效"
    project: str | None = None  # in a performance table, the project the rows below belong to
    for r in range(table.header_rows, table.n_rows):
        if performance:
            project = _project_named(grid[r]) or project
        cells = table.row(r)
        if not cells:
            continue
        context = " | ".join(c.text for c in cells)
        offset = 0
        for c in cells:
            start_in_context = offset
            offset += len(c.text) + 3
            quantities = find_quantities(c.text)
            if not quantities:
                continue
            header = _header_text(table, grid, r, c.col, performance)
            if _names(header, "code_headers"):
                continue
            numeric = bool(_NUMERIC_CELL.match(c.text))
            if numeric:
                row_label = _row_label(grid[r], c.col)
                label = "/".join(x for x in (project, row_label, header) if x) or None
                year = _column_year(header, fiscal_year)
                found = [_Found(q, label or "", "", *_column_relation(header, q), year, label) for q in quantities]
            else:
                found = _analyse(c.text, [q for q in quantities if _is_prose_figure(q)], fiscal_year)
                for f in found:  # a cell such as “≥50公里” has no words of its own: its row and column name it
                    if not (f.label and _NAMING.search(f.label)):
                        f.label = "/".join(x for x in (_row_label(grid[r], c.col), header) if x) or None
            for f in found:
                q = _apply_table_unit(f.q, _cell_unit(table, grid[r], c.col, header, performance))
                page, bbox = span_box(c.boxes, f.q.start, f.q.end)
                prov = Provenance(
                    source=doc.source, sha256=doc.sha256, format=doc.format,
                    page=page or c.page or table.page, block=table.index, section=table.section,
                    context=context, start=start_in_context + f.q.start, end=start_in_context + f.q.end,
                    cell=CellRef(table.index, r, c.col), bbox=bbox or c.bbox,
                )
                yield _figure(q, f.label, f.year, f.relation, f.direction, prov)


_HEADER_YEAR = regex.compile(
    r"""
      (?<!\d)(?P<year>(?:19|20)\d{2})\s*年        # 2024年预算数
    | ^(?P<previous>上年|上一年|去年)(?=\s*(?:预算|决算|执行|实际|数|完成))   # 上年预算数 (not 上年结转)
    """,
    regex.VERBOSE,
)


def _column_year(header: str | None, fiscal_year: int | None) -> int | None:
    """The year a column header names (“2024年预算数”, “上年执行数”), else the fiscal year."""
    m = _HEADER_YEAR.search(header or "")
    if m is None:
        return fiscal_year
    if m.group("year"):
        return int(m.group("year"))
    return fiscal_year - 1 if fiscal_year else None


def _column_relation(header: str | None, q: Quantity) -> tuple[str, str | None]:
    if header:
        for relation, words in _relations()["column_relations"].items():
            if any(w in header for w in words):
                return relation, None
    return ("rate" if q.kind == "percent" else "value"), None


def _apply_table_unit(q: Quantity, unit: str | None) -> Quantity:
    """A bare number in a table whose amounts are in ``unit`` is an amount in 元."""
    if q.kind != "number" or unit is None:
        return q
    return attrs.evolve(q, value=q.number * unit_scale(unit), unit="元", kind="amount")


# ---------------------------------------------------------------- records


def _figure(q: Quantity, label, year, relation, direction, prov: Provenance) -> Figure:
    return Figure(
        text=prov.context[prov.start:prov.end], value=Decimal(q.value), unit=q.unit, kind=q.kind, approx=q.approx,
        label=label or None, year=year, relation=relation, direction=direction, prov=prov,
    )


def figures_of(doc: Document, fiscal_year: int | None) -> Iterator[Figure]:
    """Every figure of the document, in reading order."""
    for block in doc.blocks:
        if isinstance(block, Table):
            yield from table_figures(doc, block, fiscal_year)
        else:
            yield from prose_figures(doc, block, fiscal_year)
