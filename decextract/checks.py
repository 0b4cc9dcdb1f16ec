"""Checks of a document's own arithmetic.

A disclosure states the same money several ways: a share beside the amount and
its total, a change beside this year's and last year's figures, a 类 row beside
its 款 and 项 rows, a 合计 column beside its parts.  Each check recomputes one
printed figure from the others and says whether they agree, allowing for the
rounding of every printed input (a figure printed as 292.56 may be anything in
[292.555, 292.565)).  Checks are made only where the structure leaves no doubt
about what adds up to what; a document that cannot be checked gives no checks,
never a failed one.

Rules:

``share``
    占 x%: the amount before it over its total — the total named after 占 (占本年支出合计的…),
    found among the document's figures, else the first amount of the sentence when the
    amount follows 其中 / 主要用于 / 包括.
``change`` / ``change_rate``
    增加/减少 an amount: this year's figure minus the comparison base printed in the
    sentence (与2019年907.98万元相比); 增长/下降 x%: the change over that base.
``subtotal``
    a 类 row of an annex table equals the sum of its 款 rows, a 款 row the sum of its 项 rows,
    and a 合计 row the sum of the 类 rows, column by column.
``row_total``
    a 合计 / 小计 cell of an annex table row equals the sum of the row's other cells at its level.
``balance``
    上年结转 + 本年收入 − 支出 = 结余, when a sentence states all four.
``project_funds``
    a performance project's total equals its 财政拨款 plus its other funds (budget and executed).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from decimal import ROUND_CEILING, Decimal

import regex

from . import labels
from .numerals import parse_number
from .records import Check, Figure, PerformanceProject, Record, TableRow

_HUNDRED = Decimal(100)
_TOTAL_WORDS = ("合计", "总计", "小计")
_PART_MARKERS = regex.compile(r"其中|主要用于|包括|具体为")
_DENOMINATOR = regex.compile(r"占(?P<what>[^，,。；;：:%％0-9０-９]*?)的?\s*$")
_DECIMALS = regex.compile(r"[.．](\d+)")
_NUMBER = regex.compile(r"[-−]?[\d０-９][\d０-９,，.．]*")  # the numeral in a figure's printed text


def checks_of(records: Sequence[Record]) -> list[Check]:
    """Every check the records of one document allow, in document order of the checked figure."""
    figures = [r for r in records if isinstance(r, Figure)]
    out: list[Check] = []
    out += _share_checks(figures)
    out += _change_checks(figures)
    out += _balance_checks(figures)
    out += _table_checks([r for r in records if isinstance(r, TableRow)])
    out += _project_checks([r for r in records if isinstance(r, PerformanceProject)])
    return out


# ---------------------------------------------------------------- rounding


def _half_unit(text: str, scale: Decimal = Decimal(1)) -> Decimal:
    """Half a unit in the last printed place of ``text``, in base units: “292.56万元” -> 50 (元)."""
    found = _DECIMALS.findall(text)
    places = len(found[-1]) if found else 0
    return Decimal(5) * Decimal(10) ** (-places - 1) * scale


def _printed_scale(fig: Figure) -> Decimal:
    """Base units per printed unit: 10000 for a figure printed in 万元."""
    number = _number_in(fig.text)
    if number in (None, Decimal(0)) or fig.value == 0:
        return Decimal(1)
    return abs(fig.value / number)


def _number_in(text: str) -> Decimal | None:
    m = _NUMBER.search(text)
    return parse_number(m.group()) if m else None


def _figure_half_unit(fig: Figure) -> Decimal:
    return _half_unit(fig.text, _printed_scale(fig))


def _ratio_bounds(part: Decimal, dp: Decimal, whole: Decimal, dw: Decimal) -> tuple[Decimal, Decimal]:
    """Range of part / whole × 100 over the rounding intervals of both."""
    lo_whole, hi_whole = whole - dw, whole + dw
    if lo_whole <= 0:
        return Decimal("-Infinity"), Decimal("Infinity")
    return (part - dp) / hi_whole * _HUNDRED, (part + dp) / lo_whole * _HUNDRED


def _check(rule: str, actual_fig: Figure, expected: Decimal, lo: Decimal, hi: Decimal, inputs: str) -> Check:
    """A check of ``actual_fig`` against the range [lo, hi] the other figures allow (widened by its own
    rounding).  The formula shows the arithmetic on the printed inputs and its result, and the printed
    figure when it reads otherwise: “19.42万元 / 349.84万元 × 100 = 5.55%, printed 3.29%” (``ok`` says
    whether the difference is beyond rounding)."""
    own = _figure_half_unit(actual_fig)
    actual = actual_fig.value
    ok = lo - own <= actual <= hi + own
    expected = _q(expected, actual_fig.text, _printed_scale(actual_fig))
    tolerance = (max(hi - expected, expected - lo) + own).quantize(own / 50, rounding=ROUND_CEILING)
    shown = _shown(expected, actual_fig)
    formula = f"{inputs} = {shown}" + ("" if shown == actual_fig.text else f", printed {actual_fig.text}")
    return Check(rule=rule, ok=ok, expected=expected, actual=actual, difference=actual - expected,
                 tolerance=tolerance.normalize(), formula=formula, label=actual_fig.label, prov=actual_fig.prov)


def _shown(value: Decimal, like: Figure) -> str:
    """``value`` (base units) written as ``like`` is printed: 316900 like “31.69万元” -> “31.69万元”."""
    places = len(_DECIMALS.findall(like.text)[-1]) if _DECIMALS.search(like.text) else 0
    m = _NUMBER.search(like.text)
    unit = like.text[m.end():] if m else ""
    return f"{value / _printed_scale(like):.{places}f}{unit}"


def _q(value: Decimal, like: str, scale: Decimal) -> Decimal:
    """``value`` rounded to the printed precision of ``like``."""
    step = _half_unit(like, scale) * 2
    if step == 0:
        return value
    return (value / step).quantize(Decimal(1)) * step


# ---------------------------------------------------------------- prose


def _sentences(figures: Iterable[Figure]) -> Iterator[list[Figure]]:
    groups: dict[tuple, list[Figure]] = defaultdict(list)
    for f in figures:
        if f.prov.cell is None:
            groups[(f.prov.block, f.prov.context)].append(f)
    for group in groups.values():
        yield sorted(group, key=lambda f: f.prov.start or 0)


def _amount_totals(figures: list[Figure]) -> dict[tuple[str, int | None], Figure]:
    """Value amounts by (label, year), the first of each, for resolving 占<total>的."""
    out: dict[tuple[str, int | None], Figure] = {}
    for f in figures:
        if f.kind == "amount" and f.relation == "value" and f.label and f.prov.cell is None:
            out.setdefault((labels.clean(f.label), f.year), f)
    return out


def _share_checks(figures: list[Figure]) -> Iterator[Check]:
    totals = _amount_totals(figures)
    for sentence in _sentences(figures):
        for i, s in enumerate(sentence):
            if s.relation != "share" or s.unit != "%":
                continue
            part = next((f for f in reversed(sentence[:i]) if f.kind == "amount" and f.relation == "value"), None)
            if part is None:
                continue
            whole = _named_total(s, sentence, totals) or _sentence_total(sentence, part)
            if whole is None or whole is part or whole.value <= 0:
                continue
            lo, hi = _ratio_bounds(part.value, _figure_half_unit(part), whole.value, _figure_half_unit(whole))
            expected = part.value / whole.value * _HUNDRED
            yield _check("share", s, expected, lo, hi, f"{part.text} / {whole.text} × 100")


def _named_total(share: Figure, sentence: list[Figure], totals) -> Figure | None:
    """The total a share names: 占本年支出合计的80.07% -> the figure labelled 本年支出合计.

    占总支出… names the sentence's leading amount when that is a 支出 figure, else
    the document's figure labelled 支出.
    """
    m = _DENOMINATOR.search(share.prov.context[: share.prov.start])
    name = labels.clean(m.group("what")) if m else ""
    if not name:
        return None
    if (share_total := totals.get((name, share.year))) is not None:
        return share_total
    bare = name.removeprefix("总")
    first = next((f for f in sentence if f.kind == "amount" and f.relation == "value"), None)
    if bare and first is not None and first.label and first.label.endswith(bare):
        return first
    return totals.get((bare, share.year)) if bare else None


def _sentence_total(sentence: list[Figure], part: Figure) -> Figure | None:
    """The sentence's first amount, when ``part`` is listed as one of its parts (其中 …)."""
    first = next((f for f in sentence if f.kind == "amount" and f.relation == "value"), None)
    if first is None or first is part:
        return None
    between = part.prov.context[first.prov.end: part.prov.start]
    return first if _PART_MARKERS.search(between) else None


def _change_checks(figures: list[Figure]) -> Iterator[Check]:
    by_block: dict[int, list[Figure]] = defaultdict(list)
    for f in figures:
        if f.prov.cell is None:
            by_block[f.prov.block].append(f)
    for block in by_block.values():
        for i, change in enumerate(block):
            if change.relation != "change" or change.kind != "amount" or change.direction is None:
                continue
            base = _base_of(block, i)
            if base is None:
                continue
            current = _current_of(block, i, base)
            sign = 1 if change.direction == "increase" else -1
            dc, db = _figure_half_unit(change), _figure_half_unit(base)
            if current is not None:
                diff = (current.value - base.value) * sign
                d = _figure_half_unit(current) + db
                first, second = (current, base) if sign > 0 else (base, current)  # a decrease: base − current
                yield _check("change", change, diff, diff - d, diff + d, f"{first.text} − {second.text}")
            rate = next((f for f in block[i + 1:] if f.relation == "change_rate" and f.unit == "%"
                         and f.prov.context == change.prov.context), None)
            if rate is not None and base.value > 0 and rate.direction == change.direction:
                lo, hi = _ratio_bounds(change.value, dc, base.value, db)
                yield _check("change_rate", rate, change.value / base.value * _HUNDRED, lo, hi,
                             f"{change.text} / {base.text} × 100")


def _current_of(block: list[Figure], i: int, base: Figure) -> Figure | None:
    """This year's figure a change compares: same label earlier in the paragraph, else the
    sentence's amount of the change's year printed before the base."""
    change = block[i]
    before = [f for f in block[:i] if f.kind == "amount" and f.relation == "value"
              and f.year == change.year and f is not base]
    same = [f for f in before if f.label in (base.label, change.label)]
    if same:
        return same[-1]
    in_sentence = [f for f in before if f.prov.context == change.prov.context
                   and (f.prov.start or 0) < (base.prov.start or 0)]
    return in_sentence[-1] if in_sentence else None


def _base_of(block: list[Figure], i: int) -> Figure | None:
    """The comparison base printed in the change's sentence: an earlier year's amount before it."""
    change = block[i]
    for f in reversed(block[:i]):
        if f.prov.context != change.prov.context:
            return None
        if f.kind == "amount" and f.relation == "value" and f.year is not None and change.year is not None \
                and f.year < change.year:
            return f
    return None


_BALANCE_ROLES = (
    ("opening", ("上年结转", "年初结转和结余", "年初结余", "上年结余")),
    ("income", ("收入",)),
    ("expenditure", ("支出",)),
    ("closing", ("年末结转和结余", "年末结余", "结余")),
)


def _role(label: str | None) -> str | None:
    last = (label or "").split("/")[-1]
    return next((role for role, words in _BALANCE_ROLES if last.endswith(words)), None)


def _balance_checks(figures: list[Figure]) -> Iterator[Check]:
    """上年结转 + 本年收入 − 支出 = 结余, when a sentence states all four once."""
    for sentence in _sentences(figures):
        roles: dict[str, list[Figure]] = defaultdict(list)
        for f in sentence:
            if f.kind == "amount" and f.relation == "value" and (role := _role(f.label)):
                roles[role].append(f)
        if sorted(roles) != ["closing", "expenditure", "income", "opening"] or any(len(v) > 1 for v in roles.values()):
            continue
        (opening,), (income,), (spent,), (closing,) = (roles[r] for r, _ in _BALANCE_ROLES)
        expected = opening.value + income.value - spent.value
        d = sum(_figure_half_unit(f) for f in (opening, income, spent))
        yield _check("balance", closing, expected, expected - d, expected + d,
                     f"{opening.text} + {income.text} − {spent.text}")


# ---------------------------------------------------------------- tables


def _row_figure(row: TableRow, key: str) -> Figure | None:
    """One cell of a table row as a figure, so table and prose checks share one form."""
    value = row.values.get(key)
    text = row.cells.get(key, "")
    if value is None or not text:
        return None
    return Figure(text=text, value=value, unit="元", kind="amount", approx=None,
                  label=f"{row.name or row.code}/{key}", year=None, relation="value", direction=None, prov=row.prov)


def _table_checks(rows: list[TableRow]) -> Iterator[Check]:
    tables: dict[tuple[int, str | None], list[TableRow]] = defaultdict(list)
    for r in rows:
        tables[(r.prov.block, r.side)].append(r)
    for (_, side), table_rows in tables.items():
        yield from _subtotal_checks(table_rows, two_sided=side is not None)
        for r in table_rows:
            if side is None:
                yield from _row_total_checks(r)


def _subtotal_checks(rows: list[TableRow], two_sided: bool) -> Iterator[Check]:
    coded = [r for r in rows if r.code and r.code.isdigit() and len(r.code) in (3, 5, 7)]
    for parent in coded:
        children = [r for r in coded if len(r.code) == len(parent.code) + 2 and r.code.startswith(parent.code)]
        if children:
            yield from _sum_check(parent, children)
    if two_sided:
        return
    top = [r for r in coded if len(r.code) == 3]
    total = next((r for r in rows if r.code is None and r.name and r.name.strip() in _TOTAL_WORDS), None)
    if total is not None and top:
        yield from _sum_check(total, top)


def _sum_check(parent: TableRow, children: list[TableRow]) -> Iterator[Check]:
    for key in parent.values:
        target = _row_figure(parent, key)
        parts = [f for f in (_row_figure(c, key) for c in children) if f is not None]
        if target is None or not parts:
            continue
        total = sum((f.value for f in parts), Decimal(0))
        d = sum((_figure_half_unit(f) for f in parts), Decimal(0))
        names = " + ".join(f.text for f in parts)
        yield _check("subtotal", target, total, total - d, total + d, names)


def _row_total_checks(row: TableRow) -> Iterator[Check]:
    """合计 / 小计 cells against the sum of the cells at their level of the header."""
    keys = list(row.values)
    for key in keys:
        *parent, last = key.split("/")
        if not last.endswith(_TOTAL_WORDS):
            continue
        siblings = [k for k in keys if k != key and k.split("/")[:-1] == parent]
        groups: dict[str, list[str]] = defaultdict(list)
        for k in keys:
            if k != key and k.split("/")[: len(parent)] == parent and len(k.split("/")) > len(parent) + 1:
                groups[k.split("/")[len(parent)]].append(k)
        parts_keys = siblings + [_group_total(g) for g in groups.values()]
        target = _row_figure(row, key)
        parts = [f for f in (_row_figure(row, k) for k in parts_keys if k) if f is not None]
        if target is None or not parts:
            continue
        total = sum((f.value for f in parts), Decimal(0))
        d = sum((_figure_half_unit(f) for f in parts), Decimal(0))
        yield _check("row_total", target, total, total - d, total + d, " + ".join(f.text for f in parts))


def _group_total(keys: list[str]) -> str | None:
    """The key standing for a header group: its 小计/合计 column (None when it has none)."""
    return next((k for k in keys if k.split("/")[-1].endswith(_TOTAL_WORDS)), None)


# ---------------------------------------------------------------- performance


def _project_checks(projects: list[PerformanceProject]) -> Iterator[Check]:
    for p in projects:
        if p.prov is None:
            continue
        for side in ("budget", "executed"):
            amounts = getattr(p, side)
            if None in (amounts.total, amounts.fiscal, amounts.other):
                continue
            expected = amounts.fiscal + amounts.other
            ok = expected == amounts.total
            yield Check(rule="project_funds", ok=ok, expected=expected, actual=amounts.total,
                        difference=amounts.total - expected, tolerance=Decimal(0),
                        formula=f"{side}: {amounts.fiscal} + {amounts.other} = {expected} 元"
                        + ("" if ok else f", printed {amounts.total} 元"),
                        label=p.project, prov=p.prov)
