"""The records decextract emits, and their JSON form.

Records are frozen, slotted attrs classes.  Money is :class:`~decimal.Decimal`
(serialised as a decimal string), never float, and always in plain notation: ``str`` of a
value never shows an exponent (:func:`plain_decimal`).  Every record serialises to one
JSON object with a ``type`` key; :func:`to_dict` and :func:`to_json` are the
only serialisers, used by every sink.
"""

from __future__ import annotations

import functools
import json
from decimal import Decimal
from typing import Any

import attrs


def plain_decimal(value: Any) -> Any:
    """A Decimal whose ``str`` is plain notation: ``Decimal("5E+4")`` becomes ``Decimal("50000")``, same value.

    Arithmetic (``normalize``, products of scaled numbers) gives positive exponents, which ``str`` prints
    as 5E+4; every Decimal field of a record goes through this, so no reader of a value sees E-notation.
    (Magnitudes under 1e-6, which no disclosure prints, have an exponent in any form: ``str`` chooses it.)
    """
    # (``str`` writes a finite Decimal with E+ exactly when its exponent is positive: a quarter of the cost
    # of as_tuple, and every cell of every table row comes through here)
    if isinstance(value, Decimal) and value.is_finite() and "E+" in str(value):
        return Decimal(format(value, "f"))
    return value


def _plain_values(values: Any) -> Any:
    return {k: plain_decimal(v) for k, v in values.items()} if isinstance(values, dict) else values


def _plain_decimal_fields(cls: type, fields: list[attrs.Attribute]) -> list[attrs.Attribute]:
    """attrs field transformer: every field annotated with Decimal (or a dict of them) gets a converter to
    plain notation (:func:`plain_decimal`)."""
    out = []
    for f in fields:
        kind = str(f.type or "")
        if "Decimal" in kind and f.converter is None:
            f = f.evolve(converter=_plain_values if kind.startswith("dict[") else plain_decimal)
        out.append(f)
    return out


#: a record class: frozen, slotted, its Decimals in plain notation
_record = functools.partial(attrs.frozen, field_transformer=_plain_decimal_fields)


@attrs.frozen
class Notice:
    """Something a reader of the record must know: a page with no text, a table read only in part.

    ``code`` is a stable machine name (``empty_pages``, ``continuation_not_joined`` …, listed in
    docs/records.md), ``message`` says it for a person, ``pages`` lists the pages concerned.
    """

    code: str
    message: str
    pages: tuple[int, ...] = ()


@attrs.frozen
class CellRef:
    """Coordinates of a table cell: block index of the table, 0-based row and column."""

    table: int
    row: int
    col: int


@attrs.frozen
class Provenance:
    """Where a record came from.

    ``context[start:end]`` is the record's text.  ``context`` is the sentence for
    prose, or the row's cells joined with `` | `` for a table cell.
    """

    source: str
    sha256: str
    format: str
    page: int | None
    block: int
    section: tuple[str, ...]
    context: str
    start: int | None = None
    end: int | None = None
    cell: CellRef | None = None
    bbox: tuple[float, float, float, float] | None = None
    ocr: bool = False  # the text was recognised in a page image (OCR): check it against the page
    confidence: float | None = None  # with ocr: the engine's lowest confidence over the record's characters, 0..1
    element: str | None = None  # in a web page: the path of the element holding the text
    converted: str | None = None  # the format the file was converted to and read as (LibreOffice; pdf for an image), else None


@_record
class Figure:
    """One reported quantity: an amount, a percentage, a count or a bare number."""

    TYPE = "figure"

    text: str  # as printed, ``prov.context[prov.start:prov.end]``
    value: Decimal  # in the base unit: 940.15万元 -> 9401500
    unit: str | None  # base unit: 元, %, 个百分点, or the measure word
    kind: str  # amount | percent | count | ratio | number
    approx: str | None  # more_than | about | nearly | less_than | None
    label: str | None
    year: int | None
    relation: str  # value | share | change | change_rate | completion_rate | rate | multiple
    direction: str | None  # increase | decrease | None
    prov: Provenance
    chart: bool = False  # a label a chart prints (“项目支出, 40.01%”), read from the page's text layer
    duplicate_of: int | None = None  # the figure a chart label repeats: its position among the document's figures


@attrs.frozen
class RuleCount:
    """How one rule of the audit went on a document."""

    rule: str
    ran: int
    failed: int
    not_run: int


@attrs.frozen
class AuditSummary:
    """What the audit of a document did: checks that ran, how many failed, and how many could not run
    because an input was missing or unreadable, so “consistent” can be told from “unchecked”."""

    ran: int
    failed: int
    not_run: int
    rules: tuple[RuleCount, ...] = ()


@attrs.frozen
class DocumentInfo:
    """One per file: identity and metadata of the disclosure."""

    TYPE = "document"

    source: str
    sha256: str
    format: str
    pages: int | None
    title: str | None
    issuer: str | None
    fiscal_year: int | None
    kind: str | None  # 决算 | 预算 | None
    size: int | None = None
    warnings: tuple[Notice, ...] = ()  # what could not be read, or reads doubtfully (pages, garbled text …)
    audit: AuditSummary | None = None  # how many checks ran, failed, could not run (None: not audited)
    converted: str | None = None  # the format the file was converted to and read as (LibreOffice; pdf for an image), else None
    #: the disclosure this file is a copy of: normalised issuer | fiscal year | level + kind, shared by the
    #: PDF, DOCX, TXT or XLSX of one disclosure ("sha256:…" when the issuer, year or kind is not known)
    disclosure_id: str | None = None
    issuer_normalized: str | None = None  # the issuer without spaces, widths, 中共/中国共产党 and trailing 公开 words
    region: str | None = None  # the region the issuer or title names (江苏省, 上海市普陀区), when stated
    region_level: str | None = None  # 省 | 市 | 区县
    level: str | None = None  # 部门 (a department's consolidated accounts) | 单位 (one unit's)


@attrs.frozen
class TableInfo:
    """One per table found: what was recognised, where, and how big."""

    TYPE = "table"

    table: str | None  # title as printed
    table_id: str | None  # canonical id of a standard annex / performance table
    unit: str | None
    pages: tuple[int, ...]
    n_rows: int
    n_cols: int
    empty: bool  # declared empty (本表无数据) or without body rows
    prov: Provenance
    warnings: tuple[Notice, ...] = ()  # empty means the table came back whole
    bboxes: tuple[tuple[int, float, float, float, float], ...] = ()  # (page, x0, top, x1, bottom) per page


@_record
class TableRow:
    """A body row of a standard annex table."""

    TYPE = "table_row"

    table: str | None
    table_id: str | None
    unit: str | None
    code: str | None  # 类/款/项 concatenated (2010101) or an economic code (30101)
    level: str | None  # 类 | 款 | 项
    name: str | None
    side: str | None  # income | expenditure for two-sided tables, else None
    cells: dict[str, str]  # header path ("/"-joined) -> value as printed
    values: dict[str, Decimal | None]  # header path -> value in 元 (None when not a number)
    prov: Provenance


@_record
class Amounts:
    """Budget or executed amounts of a project, in 元."""

    total: Decimal | None = None
    fiscal: Decimal | None = None
    other: Decimal | None = None


@_record
class PerformanceProject:
    """A project of a performance table (项目绩效目标完成情况表 / 项目支出绩效自评表)."""

    TYPE = "performance_project"

    project: str | None
    unit: str | None  # 预算单位 / 主管部门 / 实施单位
    year: int | None
    budget: Amounts
    executed: Amounts
    goal_expected: str | None
    goal_actual: str | None
    execution_rate: Decimal | None = None
    weight: Decimal | None = None
    score: Decimal | None = None
    table: str | None = None
    prov: Provenance | None = None


@_record
class PerformanceIndicator:
    """An indicator row of a performance table."""

    TYPE = "performance_indicator"

    project: str | None
    level1: str | None
    level2: str | None
    level3: str | None
    expected: str | None
    actual: str | None
    nature: str | None = None  # 指标性质: = ≥ ≤ …
    measure_unit: str | None = None  # 度量单位
    weight: Decimal | None = None
    score: Decimal | None = None
    deviation_reason: str | None = None  # 偏差原因 / 未完成原因
    prov: Provenance | None = None


@_record
class CheckInput:
    """One printed input of a check, and where it is printed.

    ``role`` says what it is in the check: ``checked`` (the figure recomputed), ``part``,
    ``total``, ``base``, ``other`` (the same quantity printed elsewhere) …  ``text`` is
    as printed (empty for a blank cell), ``value`` in the base unit (None when blank).
    """

    role: str
    text: str
    value: Decimal | None
    label: str | None
    prov: Provenance


@_record
class Check:
    """A check of the document's own arithmetic: one printed figure recomputed from others.

    ``expected`` is what the other printed figures imply (rounded to the checked
    figure's printed precision), ``actual`` what is printed, both in the checked
    figure's base unit; ``ok`` says whether they agree within ``tolerance``, the
    rounding of every printed input.
    """

    TYPE = "check"

    rule: str  # share | change | change_rate | balance | subtotal | row_total | project_funds
    ok: bool
    expected: Decimal
    actual: Decimal
    difference: Decimal  # actual - expected
    tolerance: Decimal
    formula: str  # the arithmetic with the printed figures: "339.84万元 / 350.01万元 × 100 = 97.09%"
    label: str | None
    prov: Provenance  # where the checked figure is printed
    inputs: tuple[CheckInput, ...] = ()  # every printed input, the checked one first, each with its provenance
    concept: str | None = None  # the quantity checked, when it is a known concept (data/concepts.json)


@_record
class IndicatorPlace:
    """Another place of the document that prints an indicator's quantity (a table cell or a prose figure)."""

    text: str  # as printed ("" for a blank cell)
    value: Decimal  # in the indicator's unit (元, or the count)
    source: str  # table | prose | statement
    location: str  # the table and cell, or the prose label: "收支预算总表 / 本年收入合计 [收入/金额]"
    prov: Provenance


@_record
class Indicator:
    """One key quantity of a disclosure (data/concepts.json), comparable across departments and years.

    One per concept the document prints, at the document's own basis (决算数 in a 决算, 预算数 in a 预算)
    and fiscal year.  ``value`` is read from a table cell when a table prints it, else from the prose; a
    blank cell, a dash, 0, or a statement that there is none (本部门无政府性基金预算) is 0.  ``agrees``
    says whether every other place printing it agrees within rounding: True, False (``disagreements``
    lists the others with their values and provenance), or None when it is printed once.
    """

    TYPE = "indicator"

    concept: str  # total_income, three_public_total, expenditure_by_function.201 …
    name: str  # 收入总计, “三公”经费合计 …
    value: Decimal  # in 元 for amounts, a whole number for counts
    unit: str  # 元 | the count's unit (辆)
    year: int | None
    basis: str  # 决算数 | 预算数 | 执行数
    scope: str  # all | fiscal | general: every source of funds, 财政拨款, 一般公共预算财政拨款
    source: str  # table | prose | statement
    location: str  # the table and cell, or the prose label, it was read from
    text: str  # as printed ("" for a blank cell)
    printed_unit: str  # the unit ``text`` is in when the text does not say it (a table's 万元), else ""
    table_id: str | None
    prov: Provenance
    agrees: bool | None
    places: int = 1  # how many places of the document print it
    disagreements: tuple[IndicatorPlace, ...] = ()
    disclosure_id: str | None = None


Record = (Check | Figure | DocumentInfo | TableInfo | TableRow | PerformanceProject | PerformanceIndicator
          | Indicator)


#: values that are their own JSON-ready form (the exact types: a subclass takes the general path)
_AS_IS = frozenset({str, int, float, bool, type(None)})
#: attrs class -> its field names, in order (``attrs.fields`` of every record and its provenance is most
#: of the cost of :func:`to_dict` otherwise)
_FIELD_NAMES: dict[type, tuple[str, ...]] = {}


def _plain(value: Any) -> Any:
    kind = type(value)
    if kind in _AS_IS:
        return value
    names = _FIELD_NAMES.get(kind)
    if names is None and attrs.has(kind):
        names = _FIELD_NAMES[kind] = tuple(f.name for f in attrs.fields(kind))
    if names is not None:
        out = {}
        for name in names:
            v = getattr(value, name)
            out[name] = v if type(v) in _AS_IS else _plain(v)
        return out
    if isinstance(value, Decimal):
        return decimal_text(value)
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def decimal_text(value: Decimal) -> str:
    """Plain decimal notation with every digit kept and no exponent: 9.4015E+6 -> "9401500", 1.50 -> "1.5"."""
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def to_dict(record: Record) -> dict[str, Any]:
    """The JSON-ready dict of a record, ``type`` first."""
    out = {"type": record.TYPE}
    out.update(_plain(record))
    return out


#: compact JSON, non-ASCII kept: made once (``json.dumps`` with options builds an encoder at every call,
#: and a batch encodes a JSON column of every table row)
compact_json = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def to_json(record: Record) -> str:
    """One line of JSON (UTF-8 text, non-ASCII kept)."""
    return compact_json(to_dict(record))
