"""Checks within one annex table: its rows and columns add up.

``subtotal``
    a 类 row equals the sum of its 款 rows, a 款 row the sum of its 项 rows, and a 合计 row the sum of
    the 类 rows, column by column; in a list of named groups (一般公共预算资金/小计 above
    一般公共预算资金/公共财政拨款资金 …) each 小计 is the sum of its group.
``row_total``
    a 合计 / 小计 cell equals the sum of the row's other cells at its level of the header.
``side_total``
    in a two-sided table (收入 | 支出), each side's 本年合计 (or, without one, its 总计) equals the sum of
    the side's numbered items (一、二、…), each group of items on its own (功能分类 and 支出用途 listed
    side by side are two groups); an item with numbered sub-items (1. 2. …) equals their sum.
``project_funds``
    a performance project's total equals its 财政拨款 plus its other funds (budget and executed).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterator
from decimal import Decimal
from functools import lru_cache

import regex

from ..records import Check, PerformanceProject, TableRow
from .concepts import Cells, row_name
from .quantities import Printed, check, statement, sum_bounds
from .result import NotRun

_TOTAL_WORDS = ("合计", "总计", "小计")
_TOP_ITEM = regex.compile(r"^\s*[一二三四五六七八九十]{1,3}\s*[、.．]")
_SUB_ITEM = regex.compile(r"^\s*(?:\d{1,2}\s*[、.．](?!\d)|[（(]\s*[\d一二三四五六七八九十]{1,3}\s*[)）])")
_SIDE_SUBTOTAL = regex.compile(r"^(?:本年|当年)(?:收入|支出)(?:合计|小计)$")
_GRAND_TOTAL = regex.compile(r"^(?:收入|支出)?(?:总计|合计)$")
_OF_WHICH = regex.compile(r"^其中")


def table_checks(rows: list[TableRow], cells: Cells, partial: dict[int, str] | None = None) -> Iterator[Check | NotRun]:
    """The checks within each table; a table the reader read only in part (``partial``: block -> why)
    is not summed: its checks are counted as not run."""
    tables: dict[tuple[int, str | None], list[TableRow]] = defaultdict(list)
    for r in rows:
        tables[(r.prov.block, r.side)].append(r)
    for (block, side), table_rows in tables.items():
        if partial and block in partial:
            yield NotRun("subtotal", f"the table was read only in part: {partial[block]}", table_rows[0].prov)
            continue
        yield from _subtotal_checks(table_rows, cells, two_sided=side is not None)
        yield from _group_checks(table_rows, cells)
        if side is not None:
            yield from _side_checks(table_rows, cells)
        for r in table_rows:
            yield from _row_total_checks(r, cells)


def _sum_check(rule: str, parent: TableRow, children: list[TableRow], cells: Cells,
               key_of=None) -> Iterator[Check]:
    """``parent``'s cells against the sums of ``children``'s, column by column (``key_of`` maps a
    parent column to the children's when their headers differ)."""
    for key in parent.cells:
        target = cells.printed(parent, key, "checked")
        child_key = key_of(key) if key_of else key
        if target is None or child_key is None:
            continue
        parts = [p for c in children if (p := cells.printed(c, child_key, "part")) is not None]
        if not parts or all(p.blank for p in parts) and target.blank:
            continue
        lo, hi = sum_bounds(parts)
        total = sum((p.value for p in parts), Decimal(0))
        yield check(rule, target, total, lo, hi, terms(parts), parts)


def terms(parts: list[Printed]) -> str:
    """The printed parts of a sum, the blank ones counted rather than listed: “264.87 + 10.82 (+ 3 blank)”."""
    shown = [p.text for p in parts if not p.blank]
    blank = len(parts) - len(shown)
    text = " + ".join(shown) or "0"
    return text + (f" (+ {blank} blank)" if blank and shown else "")


# ---------------------------------------------------------------- codes


def _subtotal_checks(rows: list[TableRow], cells: Cells, two_sided: bool) -> Iterator[Check | NotRun]:
    """A row with a code that is no 类/款/项 code (301 then 2 for 30102, printed so), or a code printed twice,
    leaves the rows under its prefix unknown: those sums are not run."""
    coded = [r for r in rows if r.code and r.code.isdigit() and len(r.code) in (3, 5, 7)]
    odd = [r.code for r in rows if r.code and r.code.isdigit() and len(r.code) not in (3, 5, 7)]
    seen = Counter(r.code for r in coded)
    odd += [code for code, n in seen.items() if n > 1]  # a code printed twice: which row is which is not known
    under: dict[str, list[TableRow]] = defaultdict(list)  # a code's prefix one level up -> its rows, in order
    for r in coded:
        under[r.code[:-2]].append(r)
    for parent in coded:
        children = under.get(parent.code, [])
        if children and any(code.startswith(parent.code) for code in odd):
            yield NotRun("subtotal", "a row under it has a code that is no 款/项 code", parent.prov)
        elif children:
            yield from _sum_check("subtotal", parent, children, cells)
    if two_sided:
        return
    top = [r for r in coded if len(r.code) == 3]
    total = next((r for r in rows if r.code is None and r.name and r.name.strip() in _TOTAL_WORDS), None)
    if total is not None and top:
        if odd:
            yield NotRun("subtotal", "a row has a code that is no 类/款/项 code", total.prov)
        else:
            yield from _sum_check("subtotal", total, top, cells)


def _group_checks(rows: list[TableRow], cells: Cells) -> Iterator[Check]:
    """G/小计 = the sum of the other G/… rows (a 其中 row is part of one, not an addend)."""
    groups: dict[str, list[TableRow]] = defaultdict(list)
    for r in rows:
        if r.code is None and r.name and "/" in r.name:
            groups[r.name.split("/")[0]].append(r)
    for members in groups.values():
        total = next((r for r in members if r.name.split("/")[-1].strip() in _TOTAL_WORDS), None)
        parts = [r for r in members if r is not total and not _OF_WHICH.match(r.name.split("/")[-1])]
        if total is not None and parts:
            yield from _sum_check("subtotal", total, parts, cells)


# ---------------------------------------------------------------- two-sided tables


def _side_checks(rows: list[TableRow], cells: Cells) -> Iterator[Check]:
    """The numbered items of one side of a two-sided table against its 本年合计 (or 总计)."""
    names = [row_name(r.name) for r in rows]
    sub = next((i for i, n in enumerate(names) if _SIDE_SUBTOTAL.match(n)), None)
    grand = next((i for i, n in enumerate(names) if _GRAND_TOTAL.match(n) and (sub is None or i > sub)), None)
    end = sub if sub is not None else grand
    if end is None:
        return
    items = rows[:end]
    tops: list[tuple[TableRow, list[TableRow]]] = []
    for r in items:
        if _TOP_ITEM.match(r.name or ""):
            tops.append((r, []))
        elif _SUB_ITEM.match(r.name or "") and tops:
            tops[-1][1].append(r)
    for top, subs in tops:
        if subs:
            yield from _sum_check("side_total", top, subs, cells)
    if sub is None and any(not _TOP_ITEM.match(r.name or "") and not _SUB_ITEM.match(r.name or "")
                           for r in rows[:grand] if r.name):
        return  # rows between the items and the 总计 that are neither: the 总计 is not their sum alone
    target = rows[end]
    by_keys: dict[tuple[str, ...], list[TableRow]] = defaultdict(list)
    for top, _ in tops:
        by_keys[tuple(top.cells)].append(top)
    for keys, group in by_keys.items():
        if keys == tuple(target.cells):
            yield from _sum_check("side_total", target, group, cells)
        elif len(keys) == 1 and target.cells:
            first = next(iter(target.cells))
            yield from _sum_check("side_total", target, group, cells,
                                  key_of=lambda k, first=first, only=keys[0]: only if k == first else None)
    # the additions after the 本年合计 (年初财政拨款结转和结余 and its numbered parts)
    if sub is not None and grand is not None:
        parent: TableRow | None = None
        children: list[TableRow] = []
        for r in rows[sub + 1:grand] + [None]:
            numbered = r is not None and (_TOP_ITEM.match(r.name or "") or _SUB_ITEM.match(r.name or ""))
            if numbered and parent is not None:
                children.append(r)
                continue
            if parent is not None and children:
                yield from _sum_check("side_total", parent, children, cells)
            parent, children = r, []


# ---------------------------------------------------------------- row totals


def _row_total_checks(row: TableRow, cells: Cells) -> Iterator[Check]:
    """合计 / 小计 cells against the sum of the cells at their level of the header."""
    for key, parts_keys in _row_totals(tuple(row.cells)):
        target = cells.printed(row, key, "checked")
        parts = [p for k in parts_keys if k and (p := cells.printed(row, k, "part")) is not None]
        if target is None or not parts or (target.blank and all(p.blank for p in parts)):
            continue
        lo, hi = sum_bounds(parts)
        total = sum((p.value for p in parts), Decimal(0))
        yield check("row_total", target, total, lo, hi, terms(parts), parts)


@lru_cache(maxsize=1024)  # the rows of a table share their columns
def _row_totals(keys: tuple[str, ...]) -> tuple[tuple[str, tuple[str | None, ...]], ...]:
    """(total column, the columns it sums) for each 合计 / 小计 column among ``keys``: its siblings under the same
    header, and the total column of each header group below its level."""
    out = []
    for key in keys:
        *parent, last = key.split("/")
        if not last.endswith(_TOTAL_WORDS):
            continue
        siblings = [k for k in keys if k != key and k.split("/")[:-1] == parent]
        groups: dict[str, list[str]] = defaultdict(list)
        for k in keys:
            if k != key and k.split("/")[: len(parent)] == parent and len(k.split("/")) > len(parent) + 1:
                groups[k.split("/")[len(parent)]].append(k)
        out.append((key, tuple(siblings + [_group_total(g) for g in groups.values()])))
    return tuple(out)


def _group_total(keys: list[str]) -> str | None:
    """The key standing for a header group: its 小计/合计 column (None when it has none)."""
    return next((k for k in keys if k.split("/")[-1].endswith(_TOTAL_WORDS)), None)


# ---------------------------------------------------------------- performance


def project_checks(projects: list[PerformanceProject]) -> Iterator[Check]:
    for p in projects:
        if p.prov is None:
            continue
        for side in ("budget", "executed"):
            amounts = getattr(p, side)
            if None in (amounts.total, amounts.fiscal, amounts.other):
                continue
            expected = amounts.fiscal + amounts.other
            ok = expected == amounts.total
            parts = [Printed(str(v), v, f"{p.project}/{side}/{what}", p.prov, "元", role="part")
                     for what, v in (("fiscal", amounts.fiscal), ("other", amounts.other))]
            yield statement("project_funds", ok, expected, amounts.total,
                            f"{side}: {amounts.fiscal} + {amounts.other} = {expected} 元"
                            + ("" if ok else f", printed {amounts.total} 元"), p.project, p.prov, parts)
