"""Key indicators: one comparable quantity per concept per disclosure, traced to its page.

A disclosure prints 收入总计 in its 收支总表, 本年收入合计 in three tables and in the prose, the 三公
figures in a table and again in a sentence.  :func:`indicators_of` gives, for every concept of
``data/concepts.json`` the document prints (the places :func:`decextract.checks.locations_of` finds),
one :class:`~decextract.records.Indicator`:

- at the document's own basis and year: the 决算数 of a 决算 (else its 执行数), the 预算数 of a 预算, for
  the fiscal year (the 预算数 columns of a 决算's 三公 table and last year's figures are not the indicator);
- in the concept's own scope (三公 out of 财政拨款, 人员经费 out of 一般公共预算, 基本支出 of every source);
- read from a table cell when a table prints it — the cell most other places agree with, the first table
  in the concept's order among equals — else from the prose, else from a statement that there is none
  (本部门无政府性基金预算: 0); a blank cell, a dash or a 0 is 0;
- with ``agrees``: whether every other place that prints it agrees within the rounding of both (False
  lists the others with their values and provenance; None when it is printed once).

A concept the document does not print gives no indicator.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from decimal import Decimal
from functools import cache

import attrs
import regex

from .checks import Located, locations_of
from .checks.agreement import _agree, distinct_places
from .checks.concepts import Concept, concepts
from .checks.quantities import Printed
from .model import Document, Paragraph, span_box
from .records import DocumentInfo, Indicator, IndicatorPlace, Provenance, Record, TableInfo
from .textview import TextView, view_of

#: a place's basis (checks.concepts) -> the indicator's basis as a researcher reads it
BASIS_NAMES = {"决算": "决算数", "预算": "预算数", "执行": "执行数", "预算:": "预算数", "预算:年初": "年初预算数",
               "预算:全年": "全年预算数"}
#: the bases an indicator may have in each kind of document, in order of preference
BASES = {"决算": ("决算", "执行"), "预算": ("预算",), None: ("决算", "执行", "预算")}
_STATEMENT_RANK = 2000  # a statement that there is none comes after every table and prose place
_SENTENCE_END = regex.compile(r"[。；;！!？?\n]")
_YEAR = regex.compile(r"(?<!\d)((?:19|20)\d{2})(?!\d)\s*年")


@attrs.frozen
class IndicatorConcept:
    """An indicator: a concept of ``data/concepts.json`` in one scope (a 功能分类 class is an indicator of every
    source of funds and one of the 一般公共预算)."""

    id: str
    name: str
    scope: str
    definition: str
    concept: Concept

    @property
    def unit(self) -> str:
        return self.concept.unit


@cache
def indicator_concepts() -> tuple[IndicatorConcept, ...]:
    """Every indicator, in the order of the concept list (the columns of a panel)."""
    from . import data

    families = data.load("concepts.json")["function_locations"]["indicators"]
    out, later = [], []
    for c in concepts():
        if not c.id.startswith("expenditure_by_function."):
            out.append(IndicatorConcept(c.id, c.name, c.scope, c.definition, c))
            continue
        code = c.id.rpartition(".")[2]
        for n, family in enumerate(families):
            ind = IndicatorConcept(family["id"].format(code=code), family["name"].format(name=c.name, code=code),
                                   family["scope"], family.get("definition", "").format(code=code, name=c.name)
                                   or c.definition, c)
            (out if n == 0 else later).append(ind)
    return tuple(out + later)


def indicators_of(records: Sequence[Record], doc: Document | None = None,
                  located: Iterable[Located] | None = None) -> list[Indicator]:
    """The indicators of one document's records (the ``document`` record first).

    ``doc``, the annotated document model, adds the statements that a quantity is nil (they print no
    figure) and leaves out the tables declared empty that print amounts; ``located`` are the places of
    the audit when it has found them already (else they are found here)."""
    info = next((r for r in records if isinstance(r, DocumentInfo)), None)
    if info is None:
        return []
    if located is None:
        located = locations_of(records, doc)
    tables = {r.prov.block: r.table or r.table_id or "table" for r in records if isinstance(r, TableInfo)}
    by_concept: dict[str, list[Located]] = defaultdict(list)
    for loc in located:
        by_concept[loc.concept].append(loc)
    if doc is not None:
        for loc in statements(doc, info.fiscal_year, info.kind):
            by_concept[loc.concept].append(loc)
    out = []
    for ind in indicator_concepts():
        places = _places(ind.scope, by_concept.get(ind.concept.id, ()), info)
        if places:
            out.append(_indicator(ind, places, info, tables))
    return out


def _places(scope: str, located: Iterable[Located], info: DocumentInfo) -> list[Located]:
    """The places of a concept at the document's basis and year, in ``scope``, each place once."""
    mine = [loc for loc in located if loc.scope == scope and loc.year == info.fiscal_year]
    for basis in BASES.get(info.kind, BASES[None]):
        places = distinct_places(sorted((loc for loc in mine if loc.basis == basis), key=lambda loc: loc.rank))
        if places:
            return places
    return []


def _source(loc: Located) -> str:
    if loc.table_id:
        return "table"
    return "statement" if loc.rank >= _STATEMENT_RANK else "prose"


def _best(places: list[Located]) -> Located:
    """A table's cell if any table prints it, else a prose figure, else a statement: among those, the one
    most places agree with, the first in the concept's order among equals."""
    for source in ("table", "prose", "statement"):
        candidates = [loc for loc in places if _source(loc) == source]
        if candidates:
            return max(candidates, key=lambda loc: (sum(_agree(loc.printed, o.printed) for o in places), -loc.rank))
    raise ValueError("no places")


def _where(loc: Located, tables: dict[int, str]) -> str:
    label = loc.printed.label or ""
    if loc.table_id:
        title = tables.get(loc.printed.prov.block, loc.table_id)
        if label.startswith(title):  # a table declared empty
            return label
        row, _, column = label.partition("/")
        return f"{title} / {row} [{column}]" if column else f"{title} / {row}"
    return f"{_source(loc)}: {label}"


def _indicator(ind: IndicatorConcept, places: list[Located], info: DocumentInfo, tables: dict[int, str]) -> Indicator:
    concept = ind.concept
    best = _best(places)
    p = best.printed
    others = [loc for loc in places if loc is not best]
    disagreeing = [loc for loc in others if not _agree(loc.printed, p)]
    return Indicator(
        concept=ind.id, name=ind.name, value=_value(p.value, concept), unit=concept.unit,
        year=best.year, basis=BASIS_NAMES.get(best.basis, best.basis), scope=ind.scope, source=_source(best),
        location=_where(best, tables), text=p.text, printed_unit=p.unit if best.table_id else "",
        table_id=best.table_id, prov=p.prov, agrees=None if not others else not disagreeing, places=len(places),
        disagreements=tuple(IndicatorPlace(text=o.printed.text, value=_value(o.printed.value, concept),
                                           source=_source(o), location=_where(o, tables), prov=o.printed.prov)
                            for o in disagreeing),
        disclosure_id=info.disclosure_id,
    )


def _value(value: Decimal, concept: Concept) -> Decimal:
    """The value in the concept's unit: 元 exactly as printed, a count as a whole number."""
    value = Decimal(value)
    return value.to_integral_value() if concept.kind == "count" and value == value.to_integral_value() else value


# ---------------------------------------------------------------- statements that there is none


@cache
def _none_patterns() -> tuple[tuple[Concept, regex.Pattern], ...]:
    from . import data

    spec = {c["id"]: c.get("none", ()) for c in data.load("concepts.json")["concepts"]}
    return tuple((c, regex.compile(p)) for c in concepts() for p in spec.get(c.id, ()))


def statements(doc: Document, year: int | None, kind: str | None) -> Iterator[Located]:
    """The places where the prose says a quantity is nil (本部门无政府性基金预算, 2018年本部门无国有资本经营预算收入):
    each a printed 0 of its concept, for the fiscal year (a sentence naming another year is about that year)."""
    patterns = _none_patterns()
    if not patterns:
        return
    for block in doc.paragraphs():
        view = view_of(block.raw or block.text)
        for concept, pattern in patterns:
            for m in pattern.finditer(view.text):
                start = max((e.end() for e in _SENTENCE_END.finditer(view.text, 0, m.start())), default=0)
                years = {int(y) for y in _YEAR.findall(view.text, start, m.start())}
                if year is not None and years - {year}:
                    continue
                end = next((e.start() + 1 for e in _SENTENCE_END.finditer(view.text, m.end())), len(view.text))
                yield _statement(doc, block, view, concept, m, start, end, year, kind)


def _statement(doc: Document, block: Paragraph, view: TextView, concept: Concept, m: regex.Match, start: int,
               end: int, year: int | None, kind: str | None) -> Located:
    rs, re_ = view.raw_span(m.start(), m.end())
    cs, ce = view.raw_bounds(start, end)
    page, bbox = span_box(block.boxes, rs, re_)
    prov = Provenance(source=doc.source, sha256=doc.sha256, format=doc.format, page=page or block.page,
                      block=block.index, section=block.section, context=view.raw[cs:ce], start=rs - cs,
                      end=re_ - cs, cell=None, bbox=bbox)
    printed = Printed(text=view.raw[rs:re_], value=Decimal(0), label=concept.name, prov=prov, blank=True)
    return Located(concept.id, concept.scope, BASES.get(kind, BASES[None])[0], year, printed, None, _STATEMENT_RANK)
