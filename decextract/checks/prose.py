"""Checks within the prose: shares, changes and their rates, balances, completion rates, and the
words that compare two printed amounts (决算数大于预算数, 增加 / 减少 / 持平).

``share``
    占 x%: the amount before it over its total — the total named after 占 (占本年支出合计的…),
    found among the document's figures, else the first amount of the sentence when the
    amount follows 其中 / 主要用于 / 包括.
``change`` / ``change_rate``
    增加/减少 an amount: this year's figure minus the comparison base printed in the
    sentence (与2019年907.98万元相比); 增长/下降 x%: the change over that base — or, when the
    base is not printed, over this year's amount less the increase (plus the decrease).
``balance``
    上年结转 + 本年收入 − 支出 = 结余, when a sentence states all four.
``completion_rate``
    完成(年初/全年)预算的 x%: the 决算 (执行) amount over the 预算 amount of the same sentence.
``comparison``
    决算数大于 / 小于 / 等于 预算数: the words against the two amounts printed before them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from decimal import Decimal
from functools import lru_cache

import attrs
import regex

from .. import labels
from ..records import Check, Figure
from .concepts import basis_of
from .quantities import HUNDRED, Printed, check, of_figure, ratio_bounds, statement
from .result import NotRun

_PART_MARKERS = regex.compile(r"其中|主要用于|包括|具体为")
_DENOMINATOR = regex.compile(r"占(?P<what>[^，,。；;：:%％0-9０-９]*?)的?\s*$")
_COMPLETION_BASE = regex.compile(r"完成(?P<which>年初|全年|调整后?)?预算")
_COMPARISON = regex.compile(
    r"""
    (?:决算数?|执行数?|实际支出)                              # the actual side
    (?P<word>大于|多于|高于|超过|小于|少于|低于|等于|与(?:年初|全年|调整后?)?预算数?持平)
    (?(?=与)|(?:年初|全年|调整后?)?预算数?)                    # the budget side (said already in 与…持平)
    """,
    regex.VERBOSE,
)
_FROM_NOTHING = Decimal(100)  # a rise from nothing is printed as 增长100% by convention


def _ratio(part: Decimal, whole: Decimal, lo: Decimal) -> Decimal:
    """part / whole × 100; over a printed 0 (anything below half a unit), the least it can be."""
    return part / whole * HUNDRED if whole else lo


def _from_nothing(base: Printed, rate: Printed) -> bool:
    """The base may be 0 and the rate is the conventional 100%: nothing to check."""
    return base.value - base.half <= 0 and rate.value == _FROM_NOTHING


_FULL_YEAR = regex.compile(r"全年|调整")
_WORD_SIGN = {"大于": 1, "多于": 1, "高于": 1, "超过": 1, "小于": -1, "少于": -1, "低于": -1, "等于": 0}


def prose_checks(figures: list[Figure], kind: str | None,
                 paragraphs: dict[int, str] | None = None) -> Iterator[Check | NotRun]:
    """The prose rules over the prose figures (``paragraphs``: block -> text, for words in sentences without figures)."""
    prose = [f for f in figures if f.prov.cell is None]
    yield from _share_checks(prose)
    yield from _change_checks(prose)
    yield from _balance_checks(prose)
    yield from _completion_checks(prose, kind)
    yield from _comparison_checks(prose, kind, paragraphs)


def _sentences(figures: Iterable[Figure]) -> Iterator[list[Figure]]:
    groups: dict[tuple, list[Figure]] = defaultdict(list)
    for f in figures:
        groups[(f.prov.block, f.prov.context)].append(f)
    for group in groups.values():
        yield sorted(group, key=lambda f: f.prov.start or 0)


def _paragraphs(figures: Iterable[Figure]) -> Iterator[list[Figure]]:
    by_block: dict[int, list[Figure]] = defaultdict(list)
    for f in figures:
        by_block[f.prov.block].append(f)
    yield from by_block.values()


def _is_value_amount(f: Figure) -> bool:
    return f.kind == "amount" and f.relation == "value"


# ---------------------------------------------------------------- shares


@lru_cache(maxsize=8192)
def _clean(label: str) -> str:
    return labels.clean(label)


def _amount_totals(figures: list[Figure]) -> dict[tuple[str, int | None], Figure]:
    """Value amounts by (label, year), the first of each, for resolving 占<total>的."""
    out: dict[tuple[str, int | None], Figure] = {}
    for f in figures:
        if _is_value_amount(f) and f.label:
            out.setdefault((_clean(f.label), f.year), f)
    return out


class _Totals:
    """The document's value amounts by (label, year), cleaned only when a share names its total."""

    def __init__(self, figures: list[Figure]):
        self._figures = figures
        self._by_name: dict | None = None

    def get(self, key):
        if self._by_name is None:
            self._by_name = _amount_totals(self._figures)
        return self._by_name.get(key)


def _share_checks(figures: list[Figure]) -> Iterator[Check | NotRun]:
    totals = _Totals(figures)
    for sentence in _sentences(figures):
        for i, s in enumerate(sentence):
            if s.relation != "share" or s.unit != "%":
                continue
            part = next((f for f in reversed(sentence[:i]) if _is_value_amount(f)), None)
            if part is None:
                yield NotRun("share", "no amount before the share", s.prov)
                continue
            whole = _named_total(s, sentence, totals) or _sentence_total(sentence, part)
            if whole is None or whole is part or whole.value <= 0:
                yield NotRun("share", "no total printed for the share", s.prov)
                continue
            p, w = of_figure(part, "part"), of_figure(whole, "total")
            lo, hi = ratio_bounds(p.value, p.half, w.value, w.half)
            yield check("share", of_figure(s), p.value / w.value * HUNDRED, lo, hi, f"{part.text} / {whole.text} × 100",
                        [p, w])


def _named_total(share: Figure, sentence: list[Figure], totals) -> Figure | None:
    """The total a share names: 占本年支出合计的80.07% -> the figure labelled 本年支出合计.

    占总支出… names the sentence's leading amount when that is a 支出 figure, else
    the document's figure labelled 支出.
    """
    m = _DENOMINATOR.search(share.prov.context[: share.prov.start])
    name = _clean(m.group("what")) if m else ""
    if not name:
        return None
    if (share_total := totals.get((name, share.year))) is not None:
        return share_total
    bare = name.removeprefix("总")
    first = next((f for f in sentence if _is_value_amount(f)), None)
    if bare and first is not None and first.label and first.label.endswith(bare):
        return first
    return totals.get((bare, share.year)) if bare else None


def _sentence_total(sentence: list[Figure], part: Figure) -> Figure | None:
    """The sentence's first amount, when ``part`` is listed as one of its parts (其中 …)."""
    first = next((f for f in sentence if _is_value_amount(f)), None)
    if first is None or first is part:
        return None
    between = part.prov.context[first.prov.end: part.prov.start]
    return first if _PART_MARKERS.search(between) else None


# ---------------------------------------------------------------- changes


def _change_checks(figures: list[Figure]) -> Iterator[Check | NotRun]:
    for block in _paragraphs(figures):
        for i, change in enumerate(block):
            if change.relation != "change" or change.kind != "amount" or change.direction is None:
                continue
            base = _base_of(block, i)
            current = _current_of(block, i, base)
            rate = next((f for f in block[i + 1:] if f.relation == "change_rate" and f.unit == "%"
                         and f.prov.context == change.prov.context), None)
            sign = 1 if change.direction == "increase" else -1
            c = of_figure(change, "change")
            if base is not None:
                b = of_figure(base, "base")
                if current is not None:
                    now = of_figure(current, "current")
                    diff = (now.value - b.value) * sign
                    d = now.half + b.half
                    first, second = (now, b) if sign > 0 else (b, now)  # a decrease: base − current
                    yield check("change", c, diff, diff - d, diff + d, f"{first.text} − {second.text}", [first, second])
                if rate is not None and rate.direction == change.direction:
                    if _from_nothing(b, of_figure(rate)):
                        yield NotRun("change_rate", "the comparison base is 0 (增长100% by convention)", rate.prov)
                        continue
                    lo, hi = ratio_bounds(c.value, c.half, b.value, b.half)
                    yield check("change_rate", of_figure(rate), _ratio(c.value, b.value, lo), lo, hi,
                                f"{change.text} / {base.text} × 100", [c, b])
            elif rate is not None and rate.direction == change.direction:
                if current is None:
                    yield NotRun("change_rate", "neither the base nor this year's amount is printed", rate.prov)
                    continue
                yield from _rate_without_base(of_figure(rate), c, of_figure(current, "current"), sign)
        yield from _rates_of_two_amounts(block)


def _rates_of_two_amounts(block: list[Figure]) -> Iterator[Check | NotRun]:
    """比2025年预算执行数减少1.07% with both amounts printed and no change amount: the rate is
    (this year − the base) / the base, its sign the direction the words give."""
    for i, rate in enumerate(block):
        if rate.relation != "change_rate" or rate.unit != "%" or rate.direction is None:
            continue
        sentence = [f for f in block[:i] if f.prov.context == rate.prov.context]
        if any(f.relation == "change" for f in sentence):
            continue  # a change amount is printed: its own checks cover the rate
        base = next((f for f in reversed(sentence) if _is_value_amount(f) and f.year is not None
                     and rate.year is not None and f.year < rate.year), None)
        current = next((f for f in reversed(sentence) if _is_value_amount(f) and f.year == rate.year
                        and base is not None and (f.prov.start or 0) > (base.prov.start or 0)), None)
        if base is None or current is None:
            continue
        b, now = of_figure(base, "base"), of_figure(current, "current")
        if _from_nothing(b, of_figure(rate)):
            yield NotRun("change_rate", "the comparison base is 0 (增长100% by convention)", rate.prov)
            continue
        sign = 1 if rate.direction == "increase" else -1
        diff = (now.value - b.value) * sign
        lo, hi = ratio_bounds(diff, now.half + b.half, b.value, b.half)
        first, second = (now, b) if sign > 0 else (b, now)
        yield check("change_rate", of_figure(rate), _ratio(diff, b.value, lo), lo, hi,
                    f"({first.text} − {second.text}) / {base.text} × 100", [first, second])


def _rate_without_base(rate: Printed, change: Printed, current: Printed, sign: int) -> Iterator[Check | NotRun]:
    """本年 x，比上年减少 y，下降 z%: the base is x + y (x − y for an increase), so z = y / (x ± y)."""
    base = current.value - sign * change.value
    d_base = current.half + change.half
    if base - d_base <= 0 and rate.value == _FROM_NOTHING:
        yield NotRun("change_rate", "the comparison base is 0 (增长100% by convention)", rate.prov)
        return
    if base + d_base <= 0:  # 本年52.27万元，比上年增加93.72万元: no base fits, the rate cannot be recomputed
        yield NotRun("change_rate", "this year's amount less its change is not positive: no base to divide by",
                     rate.prov)
        return
    lo, hi = ratio_bounds(change.value, change.half, base, d_base)
    op = "−" if sign > 0 else "+"
    yield check("change_rate", rate, _ratio(change.value, base, lo), lo, hi,
                f"{change.text} / ({current.text} {op} {change.text}) × 100", [change, current])


def _current_of(block: list[Figure], i: int, base: Figure | None) -> Figure | None:
    """This year's figure a change compares: same label earlier in the paragraph, else the
    sentence's amount of the change's year printed before the base (before the change when no
    base is printed)."""
    change = block[i]
    before = [f for f in block[:i] if _is_value_amount(f) and f.year == change.year and f is not base]
    names = {base.label, change.label} if base is not None else {change.label}
    same = [f for f in before if f.label in names]
    if same:
        return same[-1]
    limit = (base.prov.start or 0) if base is not None else (change.prov.start or 0)
    in_sentence = [f for f in before if f.prov.context == change.prov.context and (f.prov.start or 0) < limit]
    return in_sentence[-1] if in_sentence else None


def _base_of(block: list[Figure], i: int) -> Figure | None:
    """The comparison base printed in the change's sentence: an earlier year's amount before it."""
    change = block[i]
    for f in reversed(block[:i]):
        if f.prov.context != change.prov.context:
            return None
        if _is_value_amount(f) and f.year is not None and change.year is not None and f.year < change.year:
            return f
    return None


# ---------------------------------------------------------------- balances

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
            if _is_value_amount(f) and (role := _role(f.label)):
                roles[role].append(f)
        if sorted(roles) != ["closing", "expenditure", "income", "opening"] or any(len(v) > 1 for v in roles.values()):
            continue
        (opening,), (income,), (spent,), (closing,) = (roles[r] for r, _ in _BALANCE_ROLES)
        parts = [of_figure(opening, "part"), of_figure(income, "part"), of_figure(spent, "part")]
        expected = opening.value + income.value - spent.value
        d = sum((p.half for p in parts), Decimal(0))
        yield check("balance", of_figure(closing), expected, expected - d, expected + d,
                    f"{opening.text} + {income.text} − {spent.text}", parts)


# ---------------------------------------------------------------- budget against actual


def _sides(sentence: list[Figure], upto: int | None, kind: str | None) -> tuple[list[Figure], list[Figure]]:
    """The amounts before position ``upto`` of a sentence (all of them for None): (预算 ones, 决算/执行 ones)."""
    budget, actual = [], []
    for f in sentence:
        if (upto is not None and (f.prov.start or 0) >= upto) or not _is_value_amount(f):
            continue
        basis = basis_of(f, kind)
        if basis.startswith("预算") and _says_basis(f):
            budget.append(f)
        elif basis in ("决算", "执行"):
            actual.append(f)
    return budget, actual


def _says_basis(f: Figure) -> bool:
    """Whether the words before the figure name its basis (预算为, 年初预算数), not just the document kind."""
    return "预算" in (f.label or "").split("/")[-1] or "预算" in _clause(f)


def _clause(f: Figure) -> str:
    """The words of the figure's clause before it."""
    text = f.prov.context[: f.prov.start]
    cut = max(text.rfind(c) for c in "，,。；;")
    return text[cut + 1:]


def _completion_checks(figures: list[Figure], kind: str | None) -> Iterator[Check | NotRun]:
    for sentence in _sentences(figures):
        for rate in sentence:
            if rate.relation != "completion_rate" or rate.unit != "%":
                continue
            budget, actual = _sides(sentence, rate.prov.start or 0, kind)
            if not budget or not actual:
                yield NotRun("completion_rate", "the budget or the actual amount is not printed beside it", rate.prov)
                continue
            m = _COMPLETION_BASE.search(_clause(rate))
            base = _named_budget(budget, m.group("which") if m else None)
            done = actual[-1]
            b, a = of_figure(base, "base"), of_figure(done, "part")
            if b.value + b.half <= 0:
                yield NotRun("completion_rate", "the budget is 0", rate.prov)
                continue
            lo, hi = ratio_bounds(a.value, a.half, b.value, b.half)
            yield check("completion_rate", of_figure(rate), _ratio(a.value, b.value, lo), lo, hi,
                        f"{done.text} / {base.text} × 100", [a, b])


def _named_budget(budget: list[Figure], which: str | None) -> Figure:
    """The 预算 amount the words name: 年初预算, 全年 / 调整预算, else the last one printed."""
    if which:
        named = [f for f in budget if which[:2] in (f.label or "") + _clause(f)]
        if named:
            return named[-1]
    full = [f for f in budget if _FULL_YEAR.search((f.label or "") + _clause(f))]
    return (full or budget)[-1]


def _comparison_checks(figures: list[Figure], kind: str | None,
                       paragraphs: dict[int, str] | None) -> Iterator[Check | NotRun]:
    """决算数小于预算数 against the two amounts before the words, in their sentence or the one before
    (…支出决算为51.32万元，完成全年预算数的98.69%。决算数小于全年预算数的主要原因：…)."""
    for block in _paragraphs(figures):
        text = (paragraphs or {}).get(block[0].prov.block)
        contexts = list(dict.fromkeys(f.prov.context for f in block))
        if text is None:  # without the paragraph, each sentence that has figures on its own
            pieces = [(c, 0) for c in contexts]
        else:
            pieces = [(text, 0)]
        for piece, _ in pieces:
            for m in _COMPARISON.finditer(piece):
                before = _amounts_before(block, piece, m.start(), text is not None)
                budget, actual = _sides(before, None, kind)
                if not budget or not actual:
                    yield NotRun("comparison", "the two amounts compared are not printed beside the words",
                                 block[0].prov)
                    continue
                yield _comparison(m, piece, budget[-1], actual[-1])


def _amounts_before(block: list[Figure], piece: str, pos: int, whole: bool) -> list[Figure]:
    """The figures printed before ``pos`` of ``piece``, back to the start of the sentence before."""
    if not whole:
        return [f for f in block if f.prov.context == piece and (f.prov.start or 0) < pos]
    cut = max(piece.rfind(c, 0, pos) for c in "。；;!！?？")
    floor = max(piece.rfind(c, 0, cut) for c in "。；;!！?？") if cut > 0 else -1
    out = []
    for f in block:
        at = piece.find(f.prov.context)
        offset = at + (f.prov.start or 0) if at >= 0 else -1
        if floor < offset < pos:
            out.append(f)
    return out


def _comparison(m: regex.Match, piece: str, budget: Figure, actual: Figure) -> Check:
    """决算数大于预算数: whether some values within the rounding of the two printed amounts order as the words say."""
    word = m.group("word")
    said = _WORD_SIGN.get(word, 0)
    b, a = of_figure(budget, "base"), of_figure(actual, "part")
    d = a.half + b.half  # each printed value stands for a half-open interval: [x − h, x + h)
    diff = a.value - b.value
    possible = {s for s, ok in ((1, diff + d > 0), (-1, diff - d < 0), (0, abs(diff) < d or diff == d == 0)) if ok}
    computed = 0 if abs(diff) < d else (1 if diff > 0 else -1)
    names = {1: "决算数大于预算数", -1: "决算数小于预算数", 0: "equal within rounding"}
    # the comparing words themselves, in the paragraph (or sentence) that prints them
    prov = attrs.evolve(actual.prov, context=piece, start=m.start(), end=m.end(), bbox=None)
    formula = (f"{actual.text} − {budget.text}: {names[computed]}"
               + ("" if said == computed else f", printed {m.group()}"))
    return statement("comparison", said in possible, Decimal(computed), Decimal(said), formula, actual.label, prov,
                     [a, b])
