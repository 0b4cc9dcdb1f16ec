"""The same quantity printed in several places agrees, and the identities between quantities hold.

``cross_table``
    a concept printed in two tables (本年收入合计 in the 总表 and the 收入决算表; each 类 of spending in
    the 总表, the 支出决算表, the 财政拨款 tables) has one value.
``prose_table``
    a prose figure whose label names a concept a table prints (收入总计, 基本支出, “三公”经费 …) has the
    table's value; a blank cell, or a table declared empty, prints 0.
``prose_repeat``
    a concept stated twice in the prose (and in no table) is stated alike.
``prose_table`` (projects)
    a performance project's 预算数 and 执行数 stated in the prose equal its performance table's.
``identity``
    the identities of ``data/identities.json``: 收入总计 = 本年收入合计 + 使用非财政拨款结余 +
    年初结转和结余, 收入总计 = 支出总计, 人员经费 + 公用经费 = 基本支出, the 三公 parts and their 合计 …

Where a quantity is printed in three places or more, the value most of them print is the reference,
so the one place that differs is the one that fails.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from decimal import Decimal
from functools import cache

import regex

from .. import data
from ..records import Check, Figure, PerformanceProject
from ..tables.annex import table_kind
from .concepts import Located, basis_of, concepts
from .quantities import Printed, check, meets, of_figure, sum_bounds
from .result import NotRun

_TERM = regex.compile(r"^(?P<optional>\?)?(?P<concept>[\w.]+)(?:\[(?P<scope>\w+)\])?$")


@cache
def _identities() -> tuple[dict, ...]:
    return tuple(data.load("identities.json")["identities"])


@cache
def _names() -> dict[str, str]:
    return {c.id: c.name for c in concepts()}


@cache
def _scopes() -> dict[str, str]:
    return {c.id: c.scope for c in concepts()}


def _place(a: Printed) -> tuple:
    """One printed figure (two cells of a row without cell boxes differ by their column: the label says it)."""
    return (a.prov.block, a.prov.cell, a.prov.start, a.text, a.label)


def _same_place(a: Printed, b: Printed) -> bool:
    return _place(a) == _place(b)


def _agree(a: Printed, b: Printed) -> bool:
    return meets(a.value, a.half, b.value - b.half, b.value + b.half)


def distinct_places(located: Iterable[Located]) -> list[Located]:
    """``located`` with each place of each (concept, scope, basis, year) once: the first one kept."""
    seen: set[tuple] = set()
    out = []
    for loc in located:
        place = (loc.key, _place(loc.printed))
        if place not in seen:
            seen.add(place)
            out.append(loc)
    return out


def groups_of(located: list[Located]) -> dict[tuple, list[Located]]:
    """The places of each (concept, scope, basis, year), each place once, in order of preference."""
    groups: dict[tuple, list[Located]] = defaultdict(list)
    for loc in distinct_places(located):
        groups[loc.key].append(loc)
    for group in groups.values():
        group.sort(key=lambda loc: loc.rank)
    return groups


def reference(group: list[Located]) -> Located:
    """The place whose value most others print; the first table among equals."""
    def support(loc: Located) -> tuple[int, int]:
        return (sum(_agree(loc.printed, o.printed) for o in group), -loc.rank)
    return max(group, key=support)


def agreement_checks(located: list[Located], places: dict[int, str]) -> Iterator[Check]:
    for group in groups_of(located).values():
        if len(group) < 2 or all(loc.printed.blank for loc in group):
            continue  # printed once, or blank everywhere: nothing to compare
        ref = reference(group)
        for loc in group:
            if loc is ref:
                continue
            if loc.table_id and ref.table_id:
                rule = "cross_table"
            elif loc.table_id or ref.table_id:
                rule = "prose_table"
            else:
                rule = "prose_repeat"
            b = ref.printed
            yield check(rule, loc.printed, b.value, b.value - b.half, b.value + b.half,
                        f"{_where(b, places)} {b.shown}", [b.with_role("other")], concept=loc.concept,
                        label=_names().get(loc.concept))


_BUDGET_CELL = regex.compile(r"(?:^|/)(?:全年)?预算数?$")
_ACTUAL_CELL = regex.compile(r"(?:^|/)(?:全年)?执行数?$")


def project_prose_checks(projects: list[PerformanceProject], figures: list[Figure], paragraphs: dict[int, str],
                         kind: str | None, places: dict[int, str]) -> Iterator[Check]:
    """A project's 预算数 and 执行数 stated in the prose (（1）XX专项经费项目绩效目标完成情况综述。项目全年预算数5万元，
    执行数为5万元) against its performance table."""
    cells: dict[int, list[Figure]] = defaultdict(list)
    prose: dict[int, list[Figure]] = defaultdict(list)
    for f in figures:
        if f.kind == "amount" and f.relation == "value":
            (cells[f.prov.cell.table] if f.prov.cell is not None else prose[f.prov.block]).append(f)
    for p in projects:
        if not p.project or p.prov is None:
            continue
        name = p.project.removesuffix("项目")
        table = [f for f in cells.get(p.prov.block, ()) if (f.label or "").startswith(p.project + "/")]
        sides = {"预算": next((f for f in table if _BUDGET_CELL.search(f.label)), None),
                 "执行": next((f for f in table if _ACTUAL_CELL.search(f.label)), None)}
        for block, text in paragraphs.items():
            if name not in text or block not in prose:
                continue
            for side, cell in sides.items():
                said = next((f for f in prose[block] if basis_of(f, kind).startswith(side) or
                             (side == "执行" and basis_of(f, kind) == "决算" and "执行" in f.prov.context)), None)
                if cell is None or said is None:
                    continue
                t = of_figure(cell, "other")
                yield check("prose_table", of_figure(said), t.value, t.value - t.half, t.value + t.half,
                            f"{_where(t, places)} {t.text}", [t], label=f"{p.project} {side}数")
            break  # the first paragraph that names the project


def _where(p: Printed, places: dict[int, str]) -> str:
    page = f" p.{p.prov.page}" if p.prov.page is not None else ""
    if p.prov.cell is not None or p.prov.block in places:
        return f"{places.get(p.prov.block, 'table')}{page}:"
    return f"prose{page}:"


def _listed_with(total: Printed, parts: list[Printed]) -> bool:
    """Whether the parts are a list printed after the total in its sentence (…总额2.63万元，其中：货物2.63万元、
    工程0万元…): two of them at least, so a part not printed is a part there is not."""
    return len(parts) >= 2 and total.prov.cell is None and all(
        p.prov.cell is None and p.prov.block == total.prov.block and p.prov.context == total.prov.context
        and (p.prov.start or 0) > (total.prov.start or 0) for p in parts)


def _term(term: str) -> tuple[str, str, bool]:
    m = _TERM.match(term)
    concept = m["concept"]
    return concept, m["scope"] or _scopes().get(concept, "all"), bool(m["optional"])


def identity_checks(located: list[Located], kind: str | None, read_tables: set[str]) -> Iterator[Check | NotRun]:
    """The identities of ``data/identities.json`` on the values the document's places agree on."""
    groups = groups_of(located)
    bases = {key[2] for key in groups}
    tables_of = {c.id: {t for loc in c.tables for t in loc.tables} for c in concepts()}
    for ident in _identities():
        if ident.get("kinds") and kind not in ident["kinds"]:
            continue
        total_c, total_s, _ = _term(ident["total"])
        terms = [ident["equals"]] if "equals" in ident else ident["parts"]
        for basis in sorted(bases):
            years = {key[3] for key in groups if key[0] == total_c and key[1] == total_s and key[2] == basis}
            for year in years:
                total = reference(groups[(total_c, total_s, basis, year)])
                parts: list[Printed] = []
                names: list[str] = []
                missing, listed = [], []
                for term in terms:
                    concept, scope, optional = _term(term)
                    group = groups.get((concept, scope, basis, year))
                    if group:
                        parts.append(reference(group).printed.with_role("part"))
                        names.append(_names().get(concept, concept))
                    elif optional and not tables_of.get(concept):
                        listed.append(concept)  # 0 if the sentence lists the parts there are
                    elif optional and kind and kind not in {table_kind(t) for t in tables_of[concept]}:
                        continue  # a row only the other kind's template has (使用非财政拨款结余 in a 预算): 0
                    elif not (optional and tables_of[concept] & read_tables):
                        missing.append(concept)
                group = groups[(total_c, total_s, basis, year)]
                if listed and not any(_listed_with(loc.printed, parts) for loc in group):
                    missing += listed
                if not parts and all(_term(t)[2] for t in terms):
                    continue  # parts all optional and none printed: nothing to add up
                if any(_same_place(total.printed, p) for p in parts):
                    continue  # one printed figure standing for both sides (收、支总计940.15万元): nothing to compare
                if missing:
                    absent = ", ".join(_names().get(m, m) for m in missing)
                    yield NotRun("identity", f"{_names().get(total_c)} of its parts: {absent} not printed",
                                 total.printed.prov)
                    continue
                lo, hi = sum_bounds(parts)
                value = sum((p.value for p in parts), Decimal(0))
                arithmetic = " + ".join(f"{name} {p.shown}" for name, p in zip(names, parts, strict=True))
                yield check("identity", total.printed, value, lo, hi, arithmetic, parts, concept=total_c,
                            label=_names().get(total_c))
