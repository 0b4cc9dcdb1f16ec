"""docs/concepts.md, written from the concept list (``data/concepts.json``): every indicator with its
definition and where it is found, so the documentation is the data (``tests/test_indicators.py`` keeps
the file equal to :func:`concepts_markdown`; regenerate with ``python -m decextract.conceptdoc > docs/concepts.md``).
"""

from __future__ import annotations

from functools import cache

from . import data
from .checks.concepts import Concept, ProseLocation, TableLocation
from .indicators import indicator_concepts

_SCOPES = {"all": "every source of funds", "fiscal": "财政拨款", "general": "一般公共预算财政拨款"}
_SIDES = {"income": "income side", "expenditure": "expenditure side"}

HEADER = """# Concepts: the key indicators

Generated from [`decextract/data/concepts.json`](../decextract/data/concepts.json) by
`python -m decextract.conceptdoc` — edit the data, not this page. Each concept is one `indicator` record per
document ([records](records.md#indicator)) and one column of the panel (`decextract indicators`, the database
view `indicator_panel`; the column is the id with `_` for `.`). Amounts are in 元; a scope says whose money is
counted. A concept is read, in this order, from the tables listed (a row's name, code and column header are
matched after numbering, quotes and spaces are dropped; a blank cell is 0), then from prose figures whose label
matches (the issuer, the year, quotes and a trailing 预算/决算 word dropped), then from statements that there is
none. Only places of the document's own basis (决算数 in a 决算, 预算数 in a 预算) and year count.
"""


@cache
def _titles() -> dict[str, str]:
    return {t["id"]: t["titles"][0] for t in data.load("annex_tables.json")["tables"]}


def _code(text: str) -> str:
    return "`" + text.replace("|", "\\|") + "`"


def _table(loc: TableLocation, scope: str) -> str:
    names = ", ".join(f"{_titles().get(t, t)} (`{t}`)" for t in loc.tables)
    parts = [names]
    if loc.side:
        parts.append(_SIDES.get(loc.side, loc.side))
    if loc.code is not None:
        parts.append(f"code {_code(loc.code.pattern)}")
    elif loc.row is not None:
        parts.append(f"row {_code(loc.row.pattern)}")
    parts.append(f"column {_code(loc.column.pattern)}" if loc.column is not None else "first column")
    if loc.scope != scope:
        parts.append(f"({_SCOPES.get(loc.scope, loc.scope)} only)")
    return "; ".join(parts)


def _prose(p: ProseLocation, scope: str) -> str:
    parts = [f"label {_code(p.label.pattern)}"]
    if p.clause is not None:
        parts.append(f"after {_code(p.clause.pattern)}")
    if p.context is not None:
        parts.append(f"in a sentence or section matching {_code(p.context.pattern)}")
    if p.kinds:
        parts.append("in a " + " or ".join(p.kinds))
    if p.scope != scope:
        parts.append(f"({_SCOPES.get(p.scope, p.scope)} only)")
    return "; ".join(parts)


def _places(concept: Concept, scope: str) -> list[str]:
    lines = [f"  - table: {_table(t, scope)}" for t in concept.tables if t.scope == scope]
    lines += [f"  - prose: {_prose(p, scope)}" for p in concept.prose if p.scope == scope]
    nones = {c["id"]: c.get("none", ()) for c in data.load("concepts.json")["concepts"]}.get(concept.id, ())
    lines += [f"  - none: {_code(n)} (a printed 0)" for n in nones]
    return lines or ["  - (no place in this scope)"]


def concepts_markdown() -> str:
    """The text of docs/concepts.md."""
    out = [HEADER]
    functions = []
    for ind in indicator_concepts():
        if ind.concept.id.startswith("expenditure_by_function."):
            functions.append(ind)
            continue
        c = ind.concept
        unit = "元" if c.kind == "amount" else f"a count, in {c.unit}"
        out.append(f"## `{ind.id}` {ind.name}\n")
        out.append(f"{ind.definition}\n")
        out.append(f"- scope: {_SCOPES.get(ind.scope, ind.scope)}; unit: {unit}")
        out.append(f"- printed as: {'、'.join(c.variants)}")
        out.append("- found in:")
        out += _places(c, ind.scope)
        out.append("")
    out.append("## 功能分类 classes\n")
    out.append("Each 类 of the functional classification is two indicators: `expenditure_by_function.<code>` (every "
               "source of funds) and `general_expenditure_by_function.<code>` (一般公共预算财政拨款). Each is read from "
               "the coded rows of the expenditure tables and the named 类 rows of the two-sided tables, and from a "
               "prose figure named by the 类 in a sentence that leads with a spending total (…支出472.5万元，主要用于："
               "一般公共服务（类）支出365.63万元).\n")
    out.append("| code | name | printed as | indicators |")
    out.append("|---|---|---|---|")
    seen = []
    for ind in functions:
        code = ind.id.rpartition(".")[2]
        if code in seen:
            continue
        seen.append(code)
        ids = ", ".join(f"`{i.id}`" for i in functions if i.id.endswith("." + code))
        out.append(f"| {code} | {ind.concept.name} | {'、'.join(ind.concept.variants)} | {ids} |")
    first = next((i.concept for i in functions), None)
    if first is not None:
        out.append("\nWhere (for class 201; every class alike, with its own code and names):\n")
        for scope in dict.fromkeys(i.scope for i in functions):
            out.append(f"- {_SCOPES.get(scope, scope)}:")
            out += _places(first, scope)
    return "\n".join(out) + "\n"


if __name__ == "__main__":  # pragma: no cover
    print(concepts_markdown(), end="")
