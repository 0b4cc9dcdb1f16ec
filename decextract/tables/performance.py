"""Performance tables → project and indicator records.

Handles the 项目绩效目标完成情况表 (label/value pairs 预算数: 5 | 执行数: 5), the
common and the Sichuan 项目支出绩效自评表 (amount columns over fund rows) and the
部门整体支出绩效自评表.  Headers are mapped to fields by the vocabulary in
``data/performance_layouts.json``, never by column position.  A table may hold
several projects; each starts at its 项目名称 row, or at a new name in a 项目名称
column of the indicator rows (项目绩效目标表 of budgets).
"""

from __future__ import annotations

import unicodedata
from decimal import Decimal
from functools import lru_cache

import attrs
import regex

from .. import data
from ..model import Block, Cell, Document, Table
from ..records import Amounts, CellRef, PerformanceIndicator, PerformanceProject, Provenance
from .structure import (
    amount_in_yuan,
    clean_text,
    distinct_rows,
    is_number,
    lines_above,
    row_context,
    row_page,
    table_unit,
    year_of_line,
)

PerformanceRecord = PerformanceProject | PerformanceIndicator

_LABEL_NOISE = regex.compile(
    r"""
      [（(] [^（）()]* [)）]          # a parenthesised note: (万元), (包含数字及文字描述)
    | \s+                             # blanks and line breaks
    """,
    regex.VERBOSE,
)
_LABEL_EDGES = regex.compile(
    r"""
      ^ (?: 其中 )? [\-—–:：、,，.．\s]*   # a leading 其中 and the punctuation after it
    | [:：\s]+ $                          # a trailing colon
    """,
    regex.VERBOSE,
)
_PERCENT = regex.compile(
    r"""
    ^ (?P<num> [-+]? \d+ (?:\.\d+)? )   # a rate, weight or score: 94.26
    \s* [%分]? $                        # with its % or 分
    """,
    regex.VERBOSE,
)
_YEAR_IN_TEXT = regex.compile(r"[（(] \s* (?P<year> (?:19|20)\d{2}) \s* 年度? \s* [)）]", regex.VERBOSE)


def _vocab() -> dict:
    return data.load("performance_layouts.json")


@lru_cache(maxsize=32768)  # every table's every row is looked up for an indicator header
def label(text: str | None) -> str:
    """A header or row label reduced for vocabulary lookup: “其中-财政拨款:” -> “财政拨款”."""
    text = unicodedata.normalize("NFKC", text or "")
    return _LABEL_EDGES.sub("", _LABEL_NOISE.sub("", text))


def _percent(text: str) -> Decimal | None:
    m = _PERCENT.match(unicodedata.normalize("NFKC", text).strip().replace(",", ""))
    return Decimal(m["num"]).normalize() if m else None


@attrs.frozen
class _View:
    """A table with its grid and distinct row cells computed once."""

    table: Table
    grid: list[list[Cell | None]]
    rows: list[list[Cell]]

    @classmethod
    def of(cls, table: Table) -> _View:
        return cls(table, table.grid(), distinct_rows(table))

    def under(self, r: int, header: Cell) -> Cell | None:
        """The cell of row ``r`` below ``header``'s first column."""
        return self.grid[r][header.col]


_LABEL_SECTIONS = (
    "project_keys",
    "department_keys",
    "unit_keys_by_priority",
    "amount_columns",
    "fund_rows",
    "goal_columns",
    "indicator_columns",
)


def _is_known_label(text: str) -> bool:
    """Whether ``text`` is a label of the vocabulary (a header, never a value)."""
    v, key = _vocab(), label(text)
    return any(key in v[section] for section in _LABEL_SECTIONS)


def _is_performance(view: _View) -> bool:
    """A performance table: its title says 绩效, or it has an indicator header row."""
    title = view.table.title or ""
    if any(k in title for k in _vocab()["title_keywords"]):
        return True
    return any(_indicator_header(view, r) for r in range(view.table.n_rows))


def _is_department(table: Table) -> bool:
    title = table.title or ""
    return any(k in title for k in _vocab()["department_keywords"])


def _columns(view: _View, r: int, vocab: dict[str, str]) -> dict[str, Cell]:
    """Role -> header cell for the cells of row ``r`` whose label is in ``vocab`` (first one wins)."""
    out: dict[str, Cell] = {}
    for cell in view.rows[r]:
        role = vocab.get(label(cell.text))
        if role and role not in out:
            out[role] = cell
    return out


def _indicator_header(view: _View, r: int) -> dict[str, Cell] | None:
    cols = _columns(view, r, _vocab()["indicator_columns"])
    levels = sum(k in cols for k in ("level1", "level2", "level3"))
    if "level3" in cols and levels >= 2 and ("expected" in cols or "actual" in cols):
        return cols
    return None


def _amount_header(view: _View, r: int) -> dict[str, Cell] | None:
    if any(is_number(c.text) for c in view.rows[r]):
        return None
    cols = _columns(view, r, _vocab()["amount_columns"])
    if len(cols) >= 2 and ("budget" in cols or "executed" in cols or "budget_initial" in cols):
        return cols
    return None


def _goal_header(view: _View, r: int) -> dict[str, Cell] | None:
    cols = _columns(view, r, _vocab()["goal_columns"])
    return cols if "goal_expected" in cols and "goal_actual" in cols else None


@attrs.define
class _Project:
    """What is known so far of one project while its rows are read."""

    view: _View
    anchor: tuple[int, int]  # row, col of the cell naming the project
    year: int | None
    name: str | None = None
    units: dict[str, str] = attrs.Factory(dict)
    budget: dict[str, Decimal] = attrs.Factory(dict)
    executed: dict[str, Decimal] = attrs.Factory(dict)
    extra: dict[str, Decimal] = attrs.Factory(dict)  # execution_rate, weight, score
    goals: dict[str, str] = attrs.Factory(dict)
    indicators: list[PerformanceIndicator] = attrs.Factory(list)
    amount_cols: dict[str, Cell] | None = None
    pair_sides: dict[int, str] = attrs.Factory(dict)  # column of a pair label -> budget | executed


class _Reader:
    """Reads the performance tables of one document, row by row, into records."""

    def __init__(self, doc: Document, fiscal_year: int | None):
        self.doc = doc
        self.fiscal_year = fiscal_year
        self.out: list[PerformanceRecord] = []
        self.project: _Project | None = None
        self.year: int | None = fiscal_year

    def prov(self, view: _View, r: int, col: int) -> Provenance:
        d, table = self.doc, view.table
        return Provenance(
            source=d.source,
            sha256=d.sha256,
            format=d.format,
            page=row_page(table, r),
            block=table.index,
            section=table.section,
            context=row_context(view.rows[r]),
            cell=CellRef(table.index, r, col),
        )

    # -- projects -------------------------------------------------------------------
    def flush(self) -> None:
        p = self.project
        if p is None:
            return
        units = [p.units[k] for k in _vocab()["unit_keys_by_priority"] if k in p.units]
        self.out.append(
            PerformanceProject(
                project=p.name,
                unit=units[0] if units else p.units.get("department"),
                year=p.year,
                budget=Amounts(**p.budget),
                executed=Amounts(**p.executed),
                goal_expected=p.goals.get("goal_expected"),
                goal_actual=p.goals.get("goal_actual"),
                execution_rate=p.extra.get("execution_rate"),
                weight=p.extra.get("weight"),
                score=p.extra.get("score"),
                table=p.view.table.title,
                prov=self.prov(p.view, *p.anchor),
            )
        )
        self.out.extend(p.indicators)
        self.project = None

    def start(self, view: _View, r: int, col: int, name: str | None) -> _Project:
        self.flush()
        self.project = _Project(view=view, anchor=(r, col), year=self.year, name=name)
        return self.project

    def current(self, view: _View, r: int) -> _Project:
        """The project being read; a table without a 项目名称 row gets one of its own."""
        if self.project is None:
            name = _vocab()["department_project"] if _is_department(view.table) else None
            return self.start(view, r, 0, name)
        return self.project

    # -- rows -----------------------------------------------------------------------
    def read_table(self, view: _View, year: int | None) -> None:
        self.year = year
        indicator_cols: dict[str, Cell] | None = None
        carried: dict[str, str] = {}
        r = 0
        while r < view.table.n_rows:
            if self.read_keys(view, r):
                indicator_cols = None
            elif (header := _indicator_header(view, r)) is not None:
                indicator_cols, carried = header, {}
                if "project" not in header:
                    self.current(view, r)
            elif indicator_cols is not None:
                if any(label(c.text) in _vocab()["end_rows"] for c in view.rows[r]):
                    indicator_cols = None
                else:
                    self.read_indicator(view, r, indicator_cols, carried)
            elif (goals := _goal_header(view, r)) is not None:
                r = self.read_goals(view, r, goals)
                continue
            elif (amounts := _amount_header(view, r)) is not None:
                self.current(view, r).amount_cols = amounts
            else:
                self.read_amounts(view, r)
            r += 1

    def read_keys(self, view: _View, r: int) -> bool:
        """Label/value pairs naming the project, department or unit; True when the row held one."""
        v = _vocab()
        cells = view.rows[r]
        found = False
        for k, cell in enumerate(cells[:-1]):
            key, value = label(cell.text), clean_text(cells[k + 1].text)
            if cell.row != r or not value or _is_known_label(cells[k + 1].text):
                continue  # a header row (项目名称 | 主管部门 | …) names no project
            if key in v["project_keys"]:
                self.start(view, r, cells[k + 1].col, value)
            elif key in v["department_keys"]:
                if _is_department(view.table):
                    self.start(view, r, cells[k + 1].col, value)
                self.current(view, r).units["department"] = value
            elif key in v["unit_keys_by_priority"]:
                self.current(view, r).units[key] = value
            else:
                continue
            found = True
        return found

    def is_structural(self, view: _View, r: int) -> bool:
        """A row that starts another part of the table (a header or a key row)."""
        v = _vocab()
        keys = {*v["project_keys"], *v["department_keys"], *v["unit_keys_by_priority"]}
        return bool(
            _indicator_header(view, r)
            or _amount_header(view, r)
            or _goal_header(view, r)
            or any(label(c.text) in keys for c in view.rows[r] if c.row == r)
        )

    def read_goals(self, view: _View, r: int, header: dict[str, Cell]) -> int:
        """The goal texts in the row(s) below a 预期目标 | 实际完成目标 header; returns the next row to read."""
        project = self.current(view, r)
        r += max(c.rowspan for c in header.values())
        texts: dict[str, list[str]] = {k: [] for k in header}
        while r < view.table.n_rows and not self.is_structural(view, r):
            for role, head in header.items():
                cell = view.under(r, head)
                if cell is not None and cell.row == r and clean_text(cell.text):
                    texts[role].append(clean_text(cell.text))
            r += 1
        for role, parts in texts.items():
            if parts:
                project.goals[role] = " ".join(parts)
        return r

    def read_amounts(self, view: _View, r: int) -> None:
        """A row of amounts: a fund row under amount columns, or label/value pairs."""
        unit = table_unit(view.table)
        project = self.project
        if project is None or not project.amount_cols:
            self.read_pairs(view, r, unit)
            return
        first = min(c.col for c in project.amount_cols.values())
        funds = _vocab()["fund_rows"]
        role = next(
            (funds[label(c.text)] for c in reversed(view.rows[r]) if c.col < first and label(c.text) in funds), None
        )
        if role in ("total", "fiscal", "other"):
            self.read_fund_row(view, r, project, role, unit)

    def read_fund_row(self, view: _View, r: int, project: _Project, role: str, unit: str | None) -> None:
        """One fund row (年度资金总额 / 财政拨款 / 其他资金) under the amount columns."""
        assert project.amount_cols is not None
        values: dict[str, str] = {}
        for column, head in project.amount_cols.items():
            cell = view.under(r, head)
            values[column] = cell.text if cell is not None and cell is not head else ""
        budget = values["budget"] if "budget" in values else values.get("budget_initial")
        for side, text in ((project.budget, budget), (project.executed, values.get("executed"))):
            amount = amount_in_yuan(text, unit)
            if amount is not None:
                side[role] = amount
        if role == "total":
            for column in ("execution_rate", "weight", "score"):
                value = _percent(values.get(column) or "")
                if value is not None:
                    project.extra[column] = value

    def read_pairs(self, view: _View, r: int, unit: str | None) -> None:
        """Amounts printed as label/value pairs: 预算数: | 5 | 执行数: | 5 (the side is the label's column)."""
        pairs = _vocab()["pair_amounts"]
        cells = view.rows[r]
        found = [(cell, cells[k + 1]) for k, cell in enumerate(cells[:-1]) if label(cell.text) in pairs]
        for n, (cell, value) in enumerate(found):
            amount = amount_in_yuan(value.text, unit)
            if amount is None:
                continue
            project = self.current(view, r)
            side, field = pairs[label(cell.text)]
            if side is None:
                side = project.pair_sides.get(cell.col) or ("budget" if n == 0 else "executed")
            project.pair_sides.setdefault(cell.col, side)
            (project.budget if side == "budget" else project.executed)[field] = amount

    def read_indicator(self, view: _View, r: int, cols: dict[str, Cell], carried: dict[str, str]) -> None:
        """One indicator row; empty project, goal, level1 and level2 cells carry the value from above.

        A row naming another project (a 项目名称 column) starts that project.
        """
        values: dict[str, str] = {}
        for field, head in cols.items():
            cell = view.under(r, head)
            values[field] = clean_text(cell.text) if cell is not None and cell is not head else ""
        for level in ("project", "goal", "level1", "level2"):
            if values.get(level):
                carried[level] = values[level]
            elif level in carried:
                values[level] = carried[level]
        if not any(values.get(k) for k in ("level3", "expected", "actual")):
            return
        name = values.get("project")
        if name and (self.project is None or self.project.name != name):
            self.start(view, r, cols["project"].col, name)
        project = self.current(view, r)
        if values.get("goal") and "goal_expected" not in project.goals:
            project.goals["goal_expected"] = values["goal"]
        anchor = cols.get("level3") or cols.get("expected") or cols.get("actual")
        project.indicators.append(
            PerformanceIndicator(
                project=project.name,
                level1=values.get("level1") or None,
                level2=values.get("level2") or None,
                level3=values.get("level3") or None,
                expected=values.get("expected") or None,
                actual=values.get("actual") or None,
                nature=values.get("nature") or None,
                measure_unit=values.get("measure_unit") or None,
                weight=_percent(values.get("weight") or ""),
                score=_percent(values.get("score") or ""),
                deviation_reason=values.get("deviation_reason") or None,
                prov=self.prov(view, r, anchor.col if anchor else 0),
            )
        )


def _table_year(blocks: tuple[Block, ...], i: int, table: Table) -> int | None:
    """The year printed with the table: “(2020年度)” above it or in its first rows."""
    for para in lines_above(blocks, i):
        year = year_of_line(para.text)
        if year:
            return year
    for r in range(min(table.n_rows, 3)):
        for cell in table.row(r):
            m = _YEAR_IN_TEXT.search(unicodedata.normalize("NFKC", cell.text))
            if m:
                return int(m["year"])
    return None


def performance_records(doc: Document, fiscal_year: int | None) -> list[PerformanceRecord]:
    """Project and indicator records of every performance table of ``doc`` (annotated by ``structure.annotate``).

    Each project is followed by its indicators.  Amounts are in 元, converted
    from the table's unit; execution rate, weight and score of a project are
    those of its 年度资金总额 row; rates are in percent as printed.  ``year`` is the
    table's own (“(2020年度)”), else ``fiscal_year``.  A table right after a
    performance table, with no text between, continues its last project.
    """
    reader = _Reader(doc, fiscal_year)
    follows_performance = False
    for i, block in enumerate(doc.blocks):
        if not isinstance(block, Table):
            if block.text.strip():
                follows_performance = False
            continue
        view = _View.of(block)
        if not (_is_performance(view) or follows_performance):
            reader.flush()
            continue
        if not follows_performance:
            reader.flush()
        reader.read_table(view, _table_year(doc.blocks, i, block) or fiscal_year)
        follows_performance = True
    reader.flush()
    return reader.out
