"""Which quantity is printed where: the concept → locations map of ``data/concepts.json``.

A disclosure prints 本年收入合计 in its 收入支出决算总表, its 收入决算表 and its prose; 一般公共服务支出
in four tables.  :func:`concepts` gives every concept with its printed variants and its locations
(table ids, row and column patterns, prose label patterns); :func:`locate` finds, in one document's
records, every place a concept is printed, each as a :class:`Located` quantity with its scope (whose
money: all, 财政拨款 or 一般公共预算), basis (预算 / 决算) and year, so that the audit can compare
them and the indicators layer can read them.
"""

from __future__ import annotations

import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Iterator
from functools import cache, lru_cache

import attrs
import regex

from .. import data
from ..records import Figure, Provenance, TableInfo, TableRow
from .quantities import Printed, of_cell, of_figure

_NUMBERING = regex.compile(
    r"""
    ^(?: [一二三四五六七八九十]{1,3} [、.．]          # 一、
       | [（(] [一二三四五六七八九十\d]{1,3} [)）]     # （一） (1)
       | \d{1,2} (?:[、.．](?!\d)|\s)              # 1. 1、
       | 其中[:：]?                                 # 其中：
    )+
    """,
    regex.VERBOSE,
)
_QUOTES = regex.compile(r"[“”\"'‘’「」『』\s]")
_ASIDE = regex.compile(r"[（(](?:类|款|项|境)[)）]")
_CLASSIFIED = regex.compile(r"[（(](?P<level>类|款|项)[)）]")  # 公务接待费（款）: an item of a classification
_BASIS_TAIL = regex.compile(
    r"""
    (?<!公共|经营|基金|部门)                        # 一般公共预算, 国有资本经营预算 are no basis
    (?:(?P<which>年初|全年|调整后?)? (?P<basis>预算|决算) (?:数|金额)? | (?P<exec>执行数?|实际支出数?))
    (?:为|是)? $
    """,
    regex.VERBOSE,
)
_AMOUNT_WORD = regex.compile(r"(?<=支出|收入)数$")  # 公务用车购置支出数: the amount of 公务用车购置支出
_BASIS_WORDS = regex.compile(r"(?:支出|收入)?(?:(?:年初|全年|调整后?)?(?:预算|决算)(?:数|金额)?|执行数?|实际支出数?)(?:为|是)?")  # …/支出决算
_SELF = regex.compile(r"^(?:本部门|我部门|本单位|我单位|我委|我局|我院|我厅|我办|本级|全部门|部门(?!预算|决算))")
# a basis word inside the label: 财政拨款预算支出, 收入预算总计, 本年收入预算合计, 公务用车购置预算支出数
_INNER_BASIS = regex.compile(
    r"(?<!公共|经营|基金|部门)(?:年初|全年|调整后?)?(?:预算|决算)数?(?=(?:支出|收入)?(?:总计|合计|小计)?数?$)(?!$)")
_DEPARTMENT = regex.compile(r"(?:院|局|委|厅|办|部|中心|署|办公室|委员会)(?=\p{Han}{2})")  # 省检察院…, 省委办公厅…
_BUDGET_WORD = regex.compile(r"(?<!公共|经营|基金|部门|政府采购)(?P<which>年初|全年|调整后?)?预算(?!单位|绩效|管理)")
_ACTUAL_WORD = regex.compile(r"决算|执行数|实际支出|实际完成")


@attrs.frozen
class TableLocation:
    tables: tuple[str, ...]
    side: str | None
    row: regex.Pattern | None
    code: regex.Pattern | None
    column: regex.Pattern | None
    skip_if_column: regex.Pattern | None
    scope: str


@attrs.frozen
class ProseLocation:
    label: regex.Pattern
    scope: str
    context: regex.Pattern | None
    kinds: tuple[str, ...]
    clause: regex.Pattern | None = None  # on the words of the figure's clause before it (…共有车辆)


@attrs.frozen
class Concept:
    id: str
    name: str
    variants: tuple[str, ...]
    scope: str
    tables: tuple[TableLocation, ...]
    prose: tuple[ProseLocation, ...]
    kind: str = "amount"  # amount (in 元) | count (in ``unit``)
    unit: str = "元"
    definition: str = ""


@attrs.frozen
class Located:
    """One place a concept is printed: the quantity, in which scope and basis, for which year."""

    concept: str
    scope: str
    basis: str  # 预算 | 决算 | 执行, qualified in a 决算 for the budget figures: 预算:年初, 预算:全年
    year: int | None
    printed: Printed
    table_id: str | None  # None for prose
    rank: int  # the order of preference of the location (tables in their listed order, prose last)

    @property
    def key(self) -> tuple[str, str, str, int | None]:
        return (self.concept, self.scope, self.basis, self.year)


def _compile(pattern: str | None) -> regex.Pattern | None:
    return regex.compile(pattern) if pattern else None


def _table_location(spec: dict, scope: str) -> TableLocation:
    return TableLocation(tables=tuple(spec["table"]), side=spec.get("side"), row=_compile(spec.get("row")),
                         code=_compile(spec.get("code")), column=_compile(spec.get("column")),
                         skip_if_column=_compile(spec.get("skip_if_column")), scope=spec.get("scope", scope))


@cache
def concepts() -> tuple[Concept, ...]:
    """Every concept of ``data/concepts.json``, the 功能分类 classes (expenditure_by_function.<code>) included."""
    spec = data.load("concepts.json")
    out = []
    for c in spec["concepts"]:
        scope = c.get("scope", "all")
        out.append(Concept(
            id=c["id"], name=c["name"], variants=tuple(c["variants"]), scope=scope,
            tables=tuple(_table_location(t, scope) for t in c["tables"]),
            prose=tuple(ProseLocation(label=regex.compile(p["label"]), scope=p.get("scope", scope),
                                      context=_compile(p.get("context")), kinds=tuple(p.get("kinds", ())),
                                      clause=_compile(p.get("clause")))
                        for p in c["prose"]),
            kind=c.get("kind", "amount"), unit=c.get("unit", "元"), definition=c.get("definition", ""),
        ))
    where = spec["function_locations"]
    for code, names in spec["function_classes"].items():
        alternatives = "|".join(regex.escape(n) for n in names)
        tables = [_table_location({**t, "code": f"^{code}$"}, "all") for t in where["coded"]]
        tables += [_table_location({**t, "row": f"^(?:{alternatives})$"}, "all") for t in where["named"]]
        out.append(Concept(id=f"expenditure_by_function.{code}", name=names[0], variants=tuple(names), scope="all",
                           tables=tuple(tables), prose=(),
                           definition=where["definition"].format(code=code, name=names[0])))
    return tuple(out)


@cache
def _prose_leads() -> tuple[tuple[str, ...], regex.Pattern]:
    where = data.load("concepts.json")["function_locations"]
    return tuple(where["prose_leads"]), regex.compile(where["prose_markers"])


@cache
def _function_names() -> dict[str, str]:
    """类 name (each variant) -> code."""
    return {name: code for code, names in data.load("concepts.json")["function_classes"].items() for name in names}


@lru_cache(maxsize=16384)  # every location of every concept reads the same rows' names
def row_name(name: str | None) -> str:
    """A row's name as the patterns see it: NFKC, numbering, quotes and spaces dropped (“一、 财政拨款 收入” -> 财政拨款收入)."""
    text = _QUOTES.sub("", unicodedata.normalize("NFKC", name or ""))
    return _NUMBERING.sub("", text).replace("(", "（").replace(")", "）") if text else ""


@lru_cache(maxsize=4096)
def _column_text(key: str) -> str:
    return unicodedata.normalize("NFKC", key).replace(" ", "")


# ---------------------------------------------------------------- basis


def basis_of(fig: Figure, kind: str | None) -> str:
    """预算 | 决算 | 执行 for a prose figure: from the words of its label and of its clause (年初预算为 …,
    支出决算为 …, 执行数), else the document's kind.  In a 决算 the budget figures say which budget:
    预算:年初 or 预算:全年 (the 调整 budget)."""
    text = (fig.label or "").split("/")[-1] + "|" + _clause(fig)
    actual = _ACTUAL_WORD.search(text)
    budget = _BUDGET_WORD.search(text)
    if actual and (not budget or actual.start() > budget.start()):
        return "执行" if "执行" in actual.group() else "决算"
    if budget:
        if kind == "决算":
            which = budget.group("which")
            return "预算:" + ("年初" if which == "年初" else "全年" if which else "")
        return "预算"
    return kind or "决算"


def _clause(f: Figure) -> str:
    """The words of the figure's clause before it."""
    text = f.prov.context[: f.prov.start]
    cut = max(text.rfind(c) for c in "，,。；;：:")
    return text[cut + 1:]


def _column_basis(m: regex.Match, kind: str | None) -> str:
    said = m.groupdict().get("basis")
    if said == "预算" and kind == "决算":
        return "预算:"
    return said or kind or "决算"


def prose_label(fig: Figure, issuer: str | None) -> tuple[str, str | None]:
    """(the label as the patterns see it, the level of classification it names: 类 | 款 | 项 | None):
    the issuer, quotes, （类）, and a trailing basis word (/全年预算, 决算数) dropped.  A generic label
    under its subject (…经费/支出) gives ""."""
    label = fig.label or ""
    level = m.group("level") if (m := _CLASSIFIED.search(label + "|" + _clause(fig))) else None
    parts = label.split("/")
    head, tail = parts[0], parts[-1] if len(parts) > 1 else ""
    if tail and not _BASIS_WORDS.fullmatch(tail):
        return "", level  # a generic label under its subject (经费/支出): not a concept of its own
    return _normal_label(head, issuer), level


@lru_cache(maxsize=4096)
def _normal_label(head: str, issuer: str | None) -> str:
    text = head  # figures.py gives labels cleaned: years, ordinals and function words trimmed
    for name in _issuer_names(issuer):
        if text.startswith(name) and len(text) > len(name):
            text = text[len(name):]
            break
    text = _SELF.sub("", text).removeprefix("的")
    text = _QUOTES.sub("", _ASIDE.sub("", unicodedata.normalize("NFKC", text)))
    text = text.replace("(", "（").replace(")", "）")
    m = _BASIS_TAIL.search(text)
    if m and m.start() >= 2:
        text = text[: m.start()]
    return _AMOUNT_WORD.sub("", _INNER_BASIS.sub("", text))


def _issuer_names(issuer: str | None) -> list[str]:
    if not issuer:
        return []
    names = {issuer, issuer.removeprefix("中共").removeprefix("中国共产党")}
    return sorted((unicodedata.normalize("NFKC", n).replace(" ", "") for n in names if n), key=len, reverse=True)


# ---------------------------------------------------------------- locating


def _cell_provs(figures: Iterable[Figure]) -> dict[tuple[int, int], list[Figure]]:
    out: dict[tuple[int, int], list[Figure]] = defaultdict(list)
    for f in figures:
        if f.prov.cell is not None:
            out[(f.prov.cell.table, f.prov.cell.row)].append(f)
    return out


class Cells:
    """The provenance of single table cells, from the table-cell figures (page, bbox, column)."""

    def __init__(self, figures: Iterable[Figure]):
        self._by_row = _cell_provs(figures)
        # (row, key, role) -> the Printed, (row, key) -> the cell's provenance: a cell is an input of several
        # checks and locations.  Keyed by the row's id, the row kept alive beside it (an id is unique only
        # while its object lives).
        self._printed: dict[tuple[int, str, str], tuple[TableRow, Printed | None]] = {}
        self._provs: dict[tuple[int, str], tuple[TableRow, Provenance]] = {}
        self._index: dict[tuple[int, int], dict[tuple[str, str], Figure]] = {}

    def prov(self, row: TableRow, key: str) -> Provenance:
        if row.prov.cell is None:
            return row.prov
        memo = (id(row), key)
        found = self._provs.get(memo)
        if found is None:
            found = self._provs[memo] = (row, self._cell_prov(row, key))
        return found[1]

    def _cell_prov(self, row: TableRow, key: str) -> Provenance:
        """The provenance of the first figure of the row labelled ``key`` (or …/``key``) that prints the cell's text."""
        at = (row.prov.cell.table, row.prov.cell.row)
        index = self._index.get(at)
        if index is None:  # (label or a tail of it after a “/”, text) -> the first such figure of the row
            index = self._index[at] = {}
            for f in self._by_row.get(at, ()):
                if f.label:
                    text = f.text.strip()
                    index.setdefault((f.label, text), f)
                    for k, ch in enumerate(f.label):
                        if ch == "/":
                            index.setdefault((f.label[k + 1:], text), f)
        found = index.get((key, row.cells.get(key, "").strip()))
        return found.prov if found is not None else row.prov

    def printed(self, row: TableRow, key: str, role: str = "other") -> Printed | None:
        memo = (id(row), key, role)
        found = self._printed.get(memo)
        if found is None:
            if role == "other":
                printed = of_cell(row, key, role, self.prov(row, key))
            else:
                printed = self.printed(row, key)
                printed = printed.with_role(role) if printed is not None else None
            found = self._printed[memo] = (row, printed)
        return found[1]


def _match_columns(loc: TableLocation, row: TableRow, kind: str | None) -> list[tuple[str, str]]:
    """(key, basis) of the location's column in ``row``: the first matching column of each basis (a 决算 三公
    table prints 预算数/合计 and 决算数/合计)."""
    keys = list(row.cells)
    if not keys:
        return []
    if loc.skip_if_column is not None and any(loc.skip_if_column.search(_column_text(k)) for k in keys):
        return []
    if loc.column is None:
        return [(keys[0], kind or "决算")]
    out: dict[str, str] = {}
    for k in keys:
        if m := loc.column.search(_column_text(k)):
            out.setdefault(_column_basis(m, kind), k)
    return [(k, basis) for basis, k in out.items()]


def locate(rows: list[TableRow], infos: list[TableInfo], figures: list[Figure], kind: str | None,
           year: int | None, issuer: str | None, unread: frozenset[int] = frozenset(),
           cells: Cells | None = None) -> list[Located]:
    """Every place of ``concepts()`` printed in the document: table cells (blank cells are printed 0,
    a table declared empty prints 0 everywhere) and prose amounts of the fiscal year.

    A table without a unit is not located (its amounts have no scale), nor a table whose block is in
    ``unread``: read only in part, or declared empty though it prints amounts (what it holds is not known).
    ``cells``: the :class:`Cells` of ``figures`` when the caller has them already."""
    cells = cells or Cells(figures)
    by_table: dict[str, list[TableRow]] = defaultdict(list)
    for r in rows:
        if r.table_id:
            by_table[r.table_id].append(r)
    empty = {i.table_id: i for i in infos if i.empty and i.table_id and i.prov.block not in unread}
    for table_id in by_table:
        by_table[table_id] = [r for r in by_table[table_id] if r.prov.block not in unread]
    out: list[Located] = []
    for concept in concepts():
        rank = 0
        for loc in concept.tables:
            for table_id in loc.tables:
                rank += 1
                out += _in_table(concept, loc, table_id, by_table.get(table_id, ()), empty.get(table_id), cells,
                                 kind, year, rank)
    out += _in_prose(figures, kind, year, issuer)
    return out


def _in_table(concept: Concept, loc: TableLocation, table_id: str, rows, declared_empty: TableInfo | None,
              cells: Cells, kind, year, rank) -> Iterator[Located]:
    if declared_empty is not None and not rows:
        printed = Printed(text="", value=0, label=f"{declared_empty.table or table_id} (declared empty)",
                          prov=declared_empty.prov, blank=True)
        yield Located(concept.id, loc.scope, kind or "决算", year, printed, table_id, rank)
        return
    seen: set[tuple[int, str]] = set()
    side, code, name = loc.side, loc.code, loc.row
    matched: dict[tuple[str, ...], list[tuple[str, str]]] = {}
    for row in rows:  # (_row_matches, inlined: every location of every concept reads every row of its tables)
        if not row.unit or side is not None and row.side != side:
            continue
        if code is not None:
            if not (row.code and code.search(row.code)):
                continue
        elif name is not None and not name.search(row_name(row.name)):
            continue
        keys = tuple(row.cells)
        columns = matched.get(keys)
        if columns is None:  # the rows of a table share their columns
            columns = matched[keys] = _match_columns(loc, row, kind)
        for key, basis in columns:
            if (row.prov.block, basis) in seen:
                continue  # the first matching row of each table
            printed = cells.printed(row, key)
            if printed is None:
                continue  # a cell that holds no number: not read, not compared
            seen.add((row.prov.block, basis))
            yield Located(concept.id, loc.scope, basis, year, printed, table_id, rank)


_HAN = regex.compile(r"\p{Han}+")
_KINDS = ("amount", "count")  # the figures a concept can be: amounts in 元, counts (公务用车 in 辆)


def _without_department(label: str, any_label: regex.Pattern) -> tuple[str, bool]:
    """``label`` without a department's short name before the quantity (省检察院一般公共预算…,
    省委办公厅本年收入合计): the shortest such name after which a concept is named; else as it was."""
    for m in _DEPARTMENT.finditer(label):
        if m.start() > 14 or not _HAN.fullmatch(label, 0, m.start()):
            break
        if any_label.search(rest := label[m.end():]):
            return rest, True
    return label, False


@cache
def _any_prose_label() -> regex.Pattern:
    """One pattern for every concept's prose labels, to pass over a label no concept names at once."""
    return regex.compile("|".join(f"(?:{p.label.pattern})" for c in concepts() for p in c.prose))


def _in_prose(figures: list[Figure], kind: str | None, year: int | None, issuer: str | None) -> Iterator[Located]:
    patterns = [(c, p) for c in concepts() for p in c.prose]
    any_label = _any_prose_label()
    leads: dict[tuple[int, str], Located] = {}  # the sentence's leading spending total
    for f in figures:
        if f.prov.cell is not None or f.kind not in _KINDS or f.relation != "value" or f.approx is not None:
            continue
        if year is not None and f.year != year:
            continue
        label, level = prose_label(f, issuer)
        if not label or level in ("款", "项"):
            continue  # 公务接待费（款）支出 is an economic item, not the 三公 quantity
        named = any_label.search(label) is not None
        if level is None and not named:
            label, named = _without_department(label, any_label)
        lead = leads.get((f.prov.block, f.prov.context))
        if not named and lead is None:
            continue  # no concept names it, and no spending total leads its sentence: nothing to locate
        context = f.prov.context + "|" + "|".join(f.prov.section)
        basis = basis_of(f, kind)
        printed = of_figure(f)
        seen = set()
        for concept, p in patterns if level is None and named else ():
            if concept.id in seen or concept.kind != f.kind or (p.kinds and kind not in p.kinds) \
                    or not p.label.search(label):
                continue
            if p.context is not None and not p.context.search(context):
                continue
            if p.clause is not None and not p.clause.search(_clause(f)):
                continue
            seen.add(concept.id)
            found = Located(concept.id, p.scope, basis, year, printed, None, 1000)
            sentence = (f.prov.block, f.prov.context)
            if concept.id in _prose_leads()[0] and sentence not in leads:
                leads[sentence] = found
            yield found
        if seen or f.kind != "amount":
            continue
        code = _function_names().get(label) or _function_names().get(label.replace("（类）", ""))
        if code is not None and lead is not None and lead.basis == basis:
            between = f.prov.context[lead.printed.prov.end or 0: f.prov.start or 0]
            if _prose_leads()[1].search(between):
                yield Located(f"expenditure_by_function.{code}", lead.scope, basis, year, printed, None, 1000)
