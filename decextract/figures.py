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

import bisect
from collections.abc import Iterator
from decimal import Decimal
from functools import cache, lru_cache

import attrs
import regex

from . import data, labels, lists
from .charts import chart_labels
from .grammar import Quantity, find_quantities
from .model import Document, Paragraph, Table, span_box
from .records import CellRef, Figure, Provenance
from .tables.annex import classify, table_kind
from .tables.structure import find_unit, unit_scale
from .textview import TextView, fold, view_of

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
_COMPARED = regex.compile(  # a year after 比 (or inside 与…相比) is a base
    r"(?:与|比|较|同|相对于) [^，,；;。]{0,10} $", regex.VERBOSE)
_FROM = regex.compile(r"(?:由|从) \s* $", regex.VERBOSE)  # 由95%提升到99%: the earlier level
_COMPARISON_BASE = regex.compile(
    rf"""
    ^\s* (?:同比|与|比|较|同) \s* (?:{_BASE_YEAR})     # “与2019年907.98万元相比”: the figure is the base
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
_CLAUSE_YEAR = regex.compile(r"(?:^|[，,；;：:])\s*(?:[0-9]{1,2}[.．、]|[（(][一二三四五六七八九十0-9]{1,3}[）)])?\s*"
                           r"(?P<year>(?:19|20)\d{2})\s*年")  # a year opening a clause: “，2026年预算安排…”
_COMPLETION_VERB = regex.compile(r"^(?:完成|为|占|达到?|实现)了?")
_COMPARED_TO = regex.compile(  # words that compare two figures (决算数大于预算数): none of them is named
    r"(?:大于|高于|超过|超出|多于|小于|低于|少于)(?:年初|全年|调整后?)?(?:预算|上年|去年)(?:数|决算数)?\s*$")
_CHANGE_CLAUSE = regex.compile(r"比|较|与|同比|增|减|下降|上升|提高|降低|持平|变化|变动")
_SCENE = regex.compile(r"(?:[：:]|的|中|共计|合计|累计|总计)[，,；;、\s]*$")  # clauses that introduce the next figure
_PARTS = regex.compile(r"^\s*其中")
_MAX_SENTENCE = 1000  # characters: a longer “sentence” is read (and given as context) in windows
_BRACKETED = regex.compile(r"[（(][^（()）]*[)）]")
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
    aside: bool = False  # printed inside brackets: “…312批次(其中外事接待0批次)”
    base: bool = False  # the budget a completion rate after it is measured against (完成全年预算84.82万元的73.2%)
    listed: bool = False  # its label comes from a subject list distributed over a list of figures


# ---------------------------------------------------------------- relations and years


@cache
def _relation_patterns() -> dict:
    rel = _relations()
    words = sorted(rel["increase"] + rel["decrease"], key=len, reverse=True)
    alternation = "|".join(map(regex.escape, words))
    return {
        "change_of": regex.compile(  # subject, direction word, object: 项目支出 | 增加 | 设备购置费
            r"^(?P<subject>\S{2,}?)(?P<word>" + alternation + r")了?(?P<object>\S{2,})$"),
        "direction": regex.compile("|".join(map(regex.escape, words))),
        "completion": regex.compile("|".join(rel["completion_patterns"])),
        "comparison": [(d, regex.compile(p)) for d, ps in rel["comparison_changes"].items() for p in ps],
        "level": tuple(rel["level_after"]),
    }


def _direction(pre: str) -> tuple[str | None, int]:
    """The direction of the last direction word in ``pre`` and where it ends (-1 when there is none)."""
    rel = _relations()
    last = None
    pre = _BRACKETED.sub(lambda m: " " * len(m.group()), pre)  # “增加（减少）”: the aside is not the direction
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
    """Spans of the sentences of ``text``; a sentence longer than _MAX_SENTENCE characters (a table
    flattened into one line, a line of megabytes) is cut into windows at clause marks, so that every
    figure's context stays bounded and reading a paragraph stays linear in its length."""
    start = 0
    for m in _SENTENCE_END.finditer(text):
        end = m.start() + 1 if text[m.start()] in "。！？!?" else m.start()
        if text[start:end].strip():
            yield from _windows(text, start, end)
        start = m.end()
    if text[start:].strip():
        yield from _windows(text, start, len(text))


def _windows(text: str, start: int, end: int) -> Iterator[tuple[int, int]]:
    while end - start > _MAX_SENTENCE:
        cut = max((m.end() for m in _CLAUSE_MARK.finditer(text, start + _MAX_SENTENCE // 2, start + _MAX_SENTENCE)),
                  default=start + _MAX_SENTENCE)
        yield start, cut
        start = cut
    yield start, end


@lru_cache(maxsize=8)
def _marks(sentence: str) -> tuple[list[int], list[int]]:
    """Ends of the clause marks of ``sentence`` (a 、 is none) and, per position, the bracket depth there."""
    ends = [m.end() for m in _CLAUSE_MARK.finditer(sentence) if m.group() != "、"]
    depth, depths = 0, []
    for ch in sentence:
        depths.append(depth)
        if ch in "(（":
            depth += 1
        elif ch in ")）" and depth:
            depth -= 1
    depths.append(depth)
    return ends, depths


def _clause_start(sentence: str, pos: int, floor: int) -> int:
    """Start of the clause holding ``pos``: after the last clause mark.  A 、 is none: it joins the
    items of one subject (收、支总计; 托底保障补助、结算补助…等1,756.37万元)."""
    ends = _marks(sentence)[0]
    k = bisect.bisect_right(ends, pos) - 1
    return max(floor, ends[k]) if k >= 0 else floor


def _in_brackets(sentence: str, pos: int) -> bool:
    """Whether ``pos`` lies inside brackets opened before it in the sentence."""
    return _marks(sentence)[1][pos] > 0


def _is_prose_figure(q: Quantity) -> bool:
    """Bare numbers in prose are not reported quantities (list numbers, fragments)."""
    return q.kind != "number"


def _analyse(sentence: str, quantities: list[Quantity], fiscal_year: int | None,
             topic: str | None = None) -> list[_Found]:
    found: list[_Found] = []
    floor = 0
    completion = _relation_patterns()["completion"]
    for q in quantities:
        default_year = _clause_year(sentence, q.start) or fiscal_year
        begin = _clause_start(sentence, q.start, floor)
        pre = sentence[begin:q.start]
        wide = sentence[_clause_start(sentence, q.start, 0):q.start]  # back to the clause mark
        reason = labels.after_reason(pre)
        if reason is None and labels.after_reason(wide) is not None:
            reason = pre.lstrip("、，, ")  # the next item of the reason: “…人员经费1408.29万元、项目经费支出安排增加…”
        if reason is not None:
            pre = reason  # “主要原因是项目支出增加设备购置费52.10万元”: the reason clause's own words
        own = labels.drop_leading_verb(labels.clean(pre))
        if q.kind == "count" or pre.rstrip().endswith("的") or labels.names_what_follows(pre):
            # “设立四个查缉点”, “纳入预算管理的700万元培训费收入”, “新增了605.99万元政府性基金…”:
            # the noun after the figure names it
            own = labels.head_noun_phrase(sentence[q.end:]) or own
        relation, direction = relation_of(pre or wide, q, wide)
        changed = _relation_patterns()["change_of"].match(pre) \
            if reason is not None and relation == "value" and q.kind == "amount" else None
        if changed:  # the subject changed by the figure, the object is what it went to (设备购置费)
            relation = "change"
            direction = "increase" if changed.group("word") in _relations()["increase"] else "decrease"
            own = labels.clean(changed.group("subject")) or own
        if relation in ("change", "change_rate") and (_BASE_ONLY.match(own) or labels.is_generic(own)
                                                      or _COMPARED_TO.search(pre)):
            own = ""  # “比上年预算减少20万元”, “较2020年度决算数减少”, “决算数大于预算数…”: the words name the base
        elif relation == "value" and _COMPARISON_BASE.match(pre):
            rest = labels.clean(_COMPARISON_BASE.sub("", pre))
            own = "" if not rest or labels.is_generic(rest) else own  # “比上年累计支出433万元减少…”
        if found and found[-1].q.kind == "count" and q.kind == "amount" and pre.strip() == found[-1].own:
            # “年初批复预算8个项目985万元”: the amount is that of the words before the count
            own = labels.clean(found[-1].pre) or own
        f = _Found(q, own, pre, relation, direction, year_of(pre, default_year, relation))
        f.aside = _in_brackets(sentence, q.start)
        base = completion.search(pre)
        f.base = q.kind == "amount" and base is not None and not pre[base.end():].strip(" 的为是")
        if f.base:  # “完成年初预算100万元的86.4%”: the budget (年初预算) of what the sentence is about
            f.own = labels.clean(_COMPLETION_VERB.sub("", labels.clean(pre))) or f.own
        if _SCENE.search(sentence, floor, begin):
            # clauses without figures between the previous figure and this one that introduce it
            # (ending in ：, 的, …中 or 共计) set the scene: “矛盾纠纷多元化解专项经费：项目全年预算数5万元”,
            # “；在面向小微企业预留政府采购项目中，由小微企业供应商中标或成交的，采购金额21.07万元”
            scene = labels.scene(sentence[floor:begin])
            f.lead = scene if 2 <= len(scene) <= _SCENE_CHARS else None
        elif not own and begin > floor and relation in ("change", "change_rate"):
            # “公务接待费支出决算比预算无增减变化，比去年增加0.5万元”: the subject of the clause before
            f.lead = _clause_subject(sentence[floor:begin])
        found.append(f)
        floor = q.end
    _inherit_in_lists(sentence, found)
    _resolve_labels(found, topic)
    _distribute_subjects(sentence, found)
    return found


_CLAUSE_SPLIT = regex.compile(r"[，,；;：:]")


def _clause_subject(text: str) -> str | None:
    """The subject of the last clause in ``text`` that compares or changes something
    (“公务接待费支出决算比预算无增减变化”, “财政收入恢复性增长特征明显”): its leading noun phrase."""
    for clause in reversed([c for c in _CLAUSE_SPLIT.split(text) if c.strip()]):
        if not _CHANGE_CLAUSE.search(clause):
            continue
        subject = labels.head_noun_phrase(clause.strip(), limit=_SCENE_CHARS)
        if len(subject) >= 2 and not labels.is_generic(subject):
            return subject
    return None


def _clause_year(sentence: str, pos: int) -> int | None:
    """The year in effect at ``pos``: the last year that opens a clause before it (“2022年“三公”经费…
    为3.46万元，完成预算100%，较上年增加2.4万元”: all 2022's; “2025年…执行数为1690.69万元，2026年预算
    安排1672.67万元，比2025年预算执行数减少1.07%”: the change is 2026's).  A year inside a clause
    (纳入2018年预算管理的…) or a comparison base (比2025年…) opens none."""
    starts, years = _clause_years(sentence)
    k = bisect.bisect_right(starts, pos) - 1
    return years[k] if k >= 0 else None


@lru_cache(maxsize=8)
def _clause_years(sentence: str) -> tuple[list[int], list[int]]:
    found = [(m.end(), int(m.group("year"))) for m in _CLAUSE_YEAR.finditer(sentence)]
    return [e for e, _ in found], [y for _, y in found]


def _inherit_in_lists(sentence: str, found: list[_Found]) -> None:
    """Figures of a list after its first share the first one's relation, direction and year
    (“分别增长23%、21.3%和46%”, “占…的40.91%、3.03%和56.06%”)."""
    for run in lists.runs(sentence, [(f.q.start, f.q.end) for f in found]):
        first = found[run[0]]
        for i in run[1:]:
            g = found[i]
            if g.q.kind == first.q.kind and g.relation in ("value", "rate"):
                g.relation, g.direction, g.year = first.relation, first.direction, first.year


def _distribute_subjects(sentence: str, found: list[_Found]) -> None:
    """A list of figures after a list of as many subjects “分别/各” goes with them one by one
    (货物、工程、服务政府采购规模分别为0.72亿元、0.02亿元和0.59亿元); a later list of the same length
    in the sentence with no subjects of its own (占…比例为54.54%、1.51%和44.69%) goes with them too."""
    previous: list[str] | None = None
    end = 0
    for run in lists.runs(sentence, [(f.q.start, f.q.end) for f in found]):
        first = found[run[0]]
        before = max([end] + [g.q.end for g in found[: run[0]]])
        words = sentence[_clause_start(sentence, first.q.start, before):first.q.start]
        items = lists.subjects(words, len(run))
        if items:
            names = [labels.clean(x) or x for x in lists.distribute([labels.clean(x) or x for x in items])]
        elif previous and len(previous) == len(run) and (not first.own or first.relation != "value"):
            names = previous
        else:
            continue
        for i, name in zip(run, names, strict=True):
            found[i].label, found[i].listed = name, True
        previous, end = names, found[run[-1]].q.end


def _resolve_labels(found: list[_Found], topic: str | None) -> None:
    """Give every figure a label: its own words, else its neighbours', else the paragraph's topic.

    A scene set before a figure (f.lead) names what it and the generic figures after it are about.
    Figures in brackets (an aside) neither name nor are named by the figures outside.
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
            base = _neighbour_label(found, i, completed=True) or subject
            f.label = f"{base}/{phrase}" if base and base != phrase else phrase
            continue
        if f.relation == "share" and (part := labels.clean(f.pre[: f.pre.rfind("占")])) \
                and len(part) >= 2 and not labels.is_generic(part):
            f.label = part  # “授予中小企业合同总金额占全市政府采购规模的98.43%”: the part is named before 占
            continue
        if not own and f.lead and f.relation != "share":
            f.label = f.lead  # “全年因公出国(境)团组共计，0个”: the scene names it
            continue
        if f.relation == "share" or not own:  # 占本年支出合计的80.07%: the words name the whole, not the part
            f.label = _neighbour_label(found, i) or subject or own or None
            continue
        qualified = labels.is_generic(own) or labels.is_linked(f.pre)
        f.label = f"{subject}/{own}" if qualified and subject and subject != own else own
        if not qualified and not f.lead and not f.aside:
            subject = labels.subject_of(own)  # later generic figures in the sentence are about this one


def _neighbour_label(found: list[_Found], i: int, any_kind: bool = False, completed: bool = False) -> str | None:
    """Label of the figure a share / rate / comparison base refers to (its subject, before any “/”).

    Figures in brackets are passed over by one outside them, and so is the budget a completion rate is
    measured against (完成全年预算84.82万元的73.2%: 62.07万元 was completed, and changed).
    """
    f = found[i]
    if f.relation == "value" and _COMPARISON_BASE.match(f.pre):
        # “与2019年907.98万元相比，收、支总计增加32.17万元”: the change after it names the subject
        for g in found[i + 1:]:
            if g.relation not in ("change", "change_rate"):
                break
            if g.own and not labels.is_generic(g.own):
                return g.own
    kind = "amount" if f.q.kind == "percent" else f.q.kind  # a rate is of an amount; a count of a count
    fallback = None
    for g in reversed(found[:i]):
        if not g.label or (g.aside and not f.aside) or g.base:
            continue
        if any_kind or g.q.kind == kind:
            return g.label.split("/")[0]
        fallback = fallback or g.label.split("/")[0]
    return fallback


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
    view = view_of(block.raw or block.text)
    text = view.text
    topic: str | None = None
    for n, (s, e) in enumerate(_sentences(text)):
        sentence = text[s:e]
        quantities = [q for q in lists.share_units(sentence, find_quantities(sentence)) if _is_prose_figure(q)]
        if not quantities:
            title = labels.clean(sentence)
            if n == 0 and len(sentence) <= _TITLE_SENTENCE and not _CLAUSE_MARK.search(title):
                topic = title or None
            continue
        found = _analyse(sentence, quantities, fiscal_year, topic)
        if not _PARTS.match(sentence):  # “其中，…”: the parts of the topic, not a new one
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


@lru_cache(maxsize=32768)
def _names(text: str | None, key: str) -> bool:
    """Whether ``text`` holds one of the header words listed under ``key`` in ``data/table_cells.json``."""
    return bool(text) and any(w in fold(text) for w in _cell_words()[key])


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


class _Row:
    """One body row's slots, with what its cells take from the cells to their left worked out once per row."""

    __slots__ = ("slots", "_labels", "_unit")

    def __init__(self, slots: list):
        self.slots = slots
        self._labels: list[str | None] | None = None
        self._unit: tuple[int, str | None] | None = None

    def label(self, col: int) -> str | None:
        """Nearest cell to the left of ``col`` that names something (“预算数:” | 5; 道路完好率 | ≥95% | 96%):
        words, not a value, a symbol (≥) or a unit (个)."""
        if self._labels is None:
            found: list[str | None] = []
            nearest = None
            for c in self.slots:
                found.append(nearest)
                if c is not None and _NAMING.search(c.text) and not _DIGIT.search(c.text):
                    nearest = labels.clean(c.text) or c.text.strip()
            self._labels = found
        return self._labels[col]

    def unit(self, col: int) -> str | None:
        """The first money unit a cell to the left of ``col`` declares (a row header's “(万元)”)."""
        if self._unit is None:
            self._unit = next(((k, u) for k, c in enumerate(self.slots)
                               if c is not None and (u := find_unit(c.text)) and unit_scale(u)), (len(self.slots), None))
        k, unit = self._unit
        return unit if k < col else None


def _cell_unit(table: Table, row: _Row, col: int, header: str | None, performance: bool) -> str | None:
    """Money unit of a cell: from its row's header cells or its column header (“预算执行情况(万元)”), else
    the table's.  In a performance table only a column (or row) that names money takes it: 分值 10 is no
    amount; in any table a column headed by a score or rate word (分值, 得分, 权重 …) takes none."""
    unit = row.unit(col) or ((u := find_unit(header or "")) and unit_scale(u) and u) or None
    unit = unit or (table.unit if unit_scale(table.unit) else None)
    if unit and performance:
        what = header or row.label(col)
        if _names(what, "not_money_headers") or not _names(what, "money_headers"):
            return None
    if unit and _names(header, "not_money_headers") and not _names(header, "money_headers"):
        return None  # a 分值 or 得分 column of any table is no amount
    return unit


def table_figures(doc: Document, table: Table, fiscal_year: int | None) -> Iterator[Figure]:
    """Figures of the body cells of a table, row by row."""
    grid = table.grid()
    performance = table_kind(classify(table.title)) == "绩效"
    project: str | None = None  # in a performance table, the project the rows below belong to
    headers: dict[int, str | None] = {}  # col -> its header: the same for every body row but in a performance table
    years: dict[str | None, int | None] = {}  # header -> the year it names
    for r in range(table.header_rows, table.n_rows):
        if performance:
            project = _project_named(grid[r]) or project
        cells = table.row(r)
        if not cells:
            continue
        context = " | ".join(c.text for c in cells)
        row = _Row(grid[r])
        offset = 0
        for c in cells:
            start_in_context = offset
            offset += len(c.text) + 3
            if not performance:  # the column's header first: a column of codes is not read at all
                if (header := headers.get(c.col, _NO_HEADER)) is _NO_HEADER:
                    header = headers[c.col] = _header_text(table, grid, r, c.col, performance)
                if _names(header, "code_headers"):
                    continue
            cell_text = fold(c.text)  # one character for one: offsets are the printed cell's
            quantities = find_quantities(cell_text)
            if not quantities:
                continue
            if performance:
                header = _header_text(table, grid, r, c.col, performance)
                if _names(header, "code_headers"):
                    continue
            numeric = bool(_NUMERIC_CELL.match(c.text))
            if numeric:
                row_label = row.label(c.col)
                label = "/".join(x for x in (project, row_label, header) if x) or None
                if header in years:
                    year = years[header]
                else:
                    year = years[header] = _column_year(header, fiscal_year)
                found = [_Found(q, label or "", "", *_column_relation(header, q), year, label) for q in quantities]
            else:
                found = _analyse(cell_text, [q for q in quantities if _is_prose_figure(q)], fiscal_year)
                view = TextView(c.text)  # once per cell: a cell of thousands of figures stays linear
                for f in found:  # a cell such as “≥50公里” has no words of its own: its row and column name it
                    f.label = view.unfold(f.label)
                    if not (f.label and _NAMING.search(f.label)):
                        f.label = "/".join(x for x in (row.label(c.col), header) if x) or None
            unit = _cell_unit(table, row, c.col, header, performance) if found else None
            for f in found:
                q = _apply_table_unit(f.q, unit)
                page, bbox = span_box(c.boxes, f.q.start, f.q.end)
                cut, start, end = _row_window(context, start_in_context + f.q.start, start_in_context + f.q.end)
                prov = Provenance(
                    source=doc.source, sha256=doc.sha256, format=doc.format,
                    page=page or c.page or table.page, block=table.index, section=table.section,
                    context=cut, start=start, end=end, cell=CellRef(table.index, r, c.col), bbox=bbox or c.bbox,
                )
                yield _figure(q, f.label, f.year, f.relation, f.direction, prov)


_NO_HEADER = object()  # (a column whose header is not worked out yet)


def _row_window(context: str, start: int, end: int) -> tuple[str, int, int]:
    """A row's context and the span in it, cut to _MAX_SENTENCE // 2 characters each side of the span when the
    row is longer than _MAX_SENTENCE (a cell holding a megabyte is not repeated in each of its figures)."""
    if len(context) <= _MAX_SENTENCE:
        return context, start, end
    lo = max(0, start - _MAX_SENTENCE // 2)
    return context[lo:end + _MAX_SENTENCE // 2], start - lo, end - lo


_HEADER_YEAR = regex.compile(
    r"""
      (?<!\d)(?P<year>(?:19|20)\d{2})\s*年        # 2024年预算数
    | ^(?P<previous>上年|上一年|去年)(?=\s*(?:预算|决算|执行|实际|数|完成))   # 上年预算数 (not 上年结转)
    """,
    regex.VERBOSE,
)


def _column_year(header: str | None, fiscal_year: int | None) -> int | None:
    """The year a column header names (“2024年预算数”, “上年执行数”), else the fiscal year."""
    m = _HEADER_YEAR.search(fold(header or ""))
    if m is None:
        return fiscal_year
    if m.group("year"):
        return int(m.group("year"))
    return fiscal_year - 1 if fiscal_year else None


def _column_relation(header: str | None, q: Quantity) -> tuple[str, str | None]:
    relation = _header_relation(header) if header else None
    if relation is not None:
        return relation, None
    return ("rate" if q.kind == "percent" else "value"), None


@lru_cache(maxsize=4096)
def _header_relation(header: str) -> str | None:
    """The relation a column header names (its first listed word found), if any."""
    folded = fold(header)
    for relation, words in _relations()["column_relations"].items():
        if any(w in folded for w in words):
            return relation
    return None


def _apply_table_unit(q: Quantity, unit: str | None) -> Quantity:
    """A bare number in a table whose amounts are in ``unit`` is an amount in 元."""
    if q.kind != "number" or unit is None:
        return q
    return Quantity(q.text, q.start, q.end, q.number * unit_scale(unit), "元", "amount", q.approx, q.number,
                    q.printed_unit)  # (attrs.evolve, at a fifth of its cost)


# ---------------------------------------------------------------- records


def _figure(q: Quantity, label, year, relation, direction, prov: Provenance) -> Figure:
    return Figure(
        text=prov.context[prov.start:prov.end], value=Decimal(q.value), unit=q.unit, kind=q.kind, approx=q.approx,
        label=label or None, year=year, relation=relation, direction=direction, prov=prov,
    )


def figures_of(doc: Document, fiscal_year: int | None) -> Iterator[Figure]:
    """Every figure of the document, in reading order.

    A chart's labels in the text layer (decextract.charts) are figures with ``chart=True``; one
    repeating a figure of the prose before it (same value and unit, label naming the same thing,
    within the same section) points to it with ``duplicate_of`` and takes its relation and year.
    """
    emitted: list[Figure] = []
    i = 0
    while i < len(doc.blocks):
        block = doc.blocks[i]
        labels_, taken = chart_labels(doc.blocks, i)
        if taken:
            for cl in labels_:
                emitted.append(_chart_figure(doc, cl, fiscal_year, emitted))
                yield emitted[-1]
            i += taken
            continue
        found = table_figures(doc, block, fiscal_year) if isinstance(block, Table) \
            else prose_figures(doc, block, fiscal_year)
        for f in found:
            emitted.append(f)
            yield f
        i += 1


_CHART_REACH = 40  # a chart repeats figures printed at most this many figures before it


def _chart_figure(doc: Document, cl, fiscal_year: int | None, before: list[Figure]) -> Figure:
    view, q, block = cl.view, cl.q, cl.block
    rs, re_ = view.raw_span(q.start, q.end)
    page, bbox = span_box(block.boxes, rs, re_)
    prov = Provenance(source=doc.source, sha256=doc.sha256, format=doc.format, page=page or block.page,
                      block=block.index, section=block.section, context=view.raw, start=rs, end=re_,
                      cell=None, bbox=bbox)
    relation, year, duplicate = ("share" if q.kind == "percent" else "value"), fiscal_year, None
    name = fold(cl.label)
    for k in range(len(before) - 1, max(-1, len(before) - 1 - _CHART_REACH), -1):
        g = before[k]
        if g.chart or g.prov.cell is not None or g.prov.section != block.section:
            continue
        if g.value == Decimal(q.value) and g.unit == q.unit and g.label \
                and (name in fold(g.label) or fold(g.label).split("/")[0] in name):
            relation, year, duplicate = g.relation, g.year, k
            break
    figure = _figure(q, cl.label, year, relation, None, prov)
    return attrs.evolve(figure, chart=True, duplicate_of=duplicate)
