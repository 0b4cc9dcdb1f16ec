"""Printed quantities and their rounding: the inputs every check is made of, and the check itself.

A figure printed as 292.56万元 may be anything in [292.555, 292.565) 万元: every
check allows for the rounding of each printed input (:func:`half_unit`), so a
failed check is a difference no rounding explains.  A :class:`Printed` is one
input as the document prints it — a prose figure or a table cell, blank cells
included — with its value in base units, its rounding and its provenance; a
:class:`~decextract.records.Check` keeps every input as a
:class:`~decextract.records.CheckInput`, so a reviewer can open both places.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import ROUND_CEILING, Decimal
from functools import lru_cache

import attrs
import regex

from ..numerals import parse_number
from ..records import CellRef, Check, CheckInput, Figure, Provenance, TableRow

HUNDRED = Decimal(100)
_DECIMALS = regex.compile(r"[.．](\d+)")
_NUMBER = regex.compile(r"[-−]?[\d０-９][\d０-９,，.．]*")  # the numeral in a figure's printed text
_MULTIPLIER = regex.compile(r"\s*([万亿千])")
_PLAIN = regex.compile(r"^-?\d+(?:\.\d+)?$")


@attrs.frozen
class Printed:
    """One printed quantity: ``text`` as printed ("" for a blank cell), ``value`` in base units
    (0 for a blank cell: nothing printed is nothing spent), ``unit`` the printed unit a table
    cell leaves to its table (“万元”), ``label`` what it is, ``prov`` where.  ``scale`` (base units per
    printed unit: 10000 for 292.56万元) and ``half`` (half a unit in the last printed place, in base
    units: the rounding; 0 for a blank cell) are worked out once."""

    text: str
    value: Decimal
    label: str | None
    prov: Provenance
    unit: str = ""  # the unit to show after ``text`` (a table's 万元); "" when the text carries its own
    blank: bool = False
    role: str = "other"
    scale: Decimal = attrs.field(init=False, eq=False)
    half: Decimal = attrs.field(init=False, eq=False)
    #: role -> the CheckInput of :meth:`as_input`: one cell is an input of several checks
    _inputs: dict = attrs.field(init=False, eq=False, repr=False, factory=dict)

    def __attrs_post_init__(self) -> None:
        scale = _scale(self.text, self.value, self.unit)
        object.__setattr__(self, "scale", scale)
        object.__setattr__(self, "half", Decimal(0) if self.blank else half_unit(self.text, scale))

    @property
    def percent(self) -> bool:
        return not self.blank and self.text.rstrip().endswith(("%", "％"))

    @property
    def shown(self) -> str:
        """The quantity as a reader finds it: “307.82万元”, “371,514,655.00元”, “(blank)”."""
        return "(blank)" if self.blank else f"{self.text}{self.unit}"

    def as_input(self, role: str | None = None) -> CheckInput:
        role = role or self.role
        made = self._inputs.get(role)
        if made is None:
            made = self._inputs[role] = CheckInput(role=role, text=self.text, value=None if self.blank else self.value,
                                                   label=self.label, prov=self.prov)
        return made

    def with_role(self, role: str) -> Printed:
        """The same input in another role (its scale and rounding copied, not worked out again)."""
        other = object.__new__(Printed)
        for name in _PRINTED_FIELDS:
            object.__setattr__(other, name, getattr(self, name))
        object.__setattr__(other, "role", role)
        return other


_PRINTED_FIELDS = tuple(a.name for a in attrs.fields(Printed))


def _scale(text: str, value: Decimal, unit: str) -> Decimal:
    number = number_in(text)
    if number in (None, Decimal(0)) or value == 0:
        m = _NUMBER.search(text)
        return _unit_scale(unit or (_multiplier(text[m.end():]) if m else ""))
    return abs(value / number)


def _multiplier(after: str) -> str:
    """The amount unit at the start of what follows a numeral (“万元” of “0万元”)."""
    m = _MULTIPLIER.match(after)
    return m.group(1) + "元" if m else ""


def _unit_scale(unit: str) -> Decimal:
    return {"万元": Decimal(10000), "亿元": Decimal(100000000), "千元": Decimal(1000)}.get(unit, Decimal(1))


def of_figure(fig: Figure, role: str = "other") -> Printed:
    return Printed(text=fig.text, value=fig.value, label=fig.label, prov=fig.prov, role=role)


def of_cell(row: TableRow, key: str, role: str = "other", cell_prov: Provenance | None = None) -> Printed | None:
    """The cell ``key`` of a table row; a blank cell (or a dash) is a printed 0; None when the
    cell holds something that is not a number (a misread or a note)."""
    text = row.cells.get(key)
    if text is None:
        return None
    value = row.values.get(key)
    blank = value is None
    if blank and not is_blank(text):
        return None
    label = f"{row.name or row.code or ''}/{key}".strip("/")
    return Printed(text=text if not blank else "", value=value if value is not None else Decimal(0), label=label,
                   prov=cell_prov or row.prov, unit=row.unit or "", blank=blank, role=role)


_BLANKS = regex.compile(r"^[\s\-－—–一/／]*$")


def is_blank(text: str | None) -> bool:
    """An empty cell, or one holding only a dash: nothing printed."""
    return not text or bool(_BLANKS.match(text))


def half_unit(text: str, scale: Decimal = Decimal(1)) -> Decimal:
    """Half a unit in the last printed place of ``text``, in base units: “292.56万元” -> 50 (元)."""
    places = _printed_form(text)[0]
    return Decimal(5) * Decimal(10) ** (-places - 1) * scale


def number_in(text: str) -> Decimal | None:
    m = _NUMBER.search(text)
    if not m:
        return None
    plain = m.group().replace(",", "")
    if _PLAIN.match(plain):
        return Decimal(plain)
    return parse_number(m.group())


def ratio_bounds(part: Decimal, dp: Decimal, whole: Decimal, dw: Decimal) -> tuple[Decimal, Decimal]:
    """Range of part / whole × 100 over the rounding intervals of both; unbounded above when whole may be 0
    (a printed 0万元 may be anything below 0.5万元: the ratio is at least part / 0.5万元)."""
    lo_whole, hi_whole = whole - dw, whole + dw
    if hi_whole <= 0:
        return Decimal("-Infinity"), Decimal("Infinity")
    if lo_whole <= 0:
        return (part - dp) / hi_whole * HUNDRED, Decimal("Infinity")
    return (part - dp) / hi_whole * HUNDRED, (part + dp) / lo_whole * HUNDRED


def sum_bounds(parts: Sequence[Printed]) -> tuple[Decimal, Decimal]:
    total = sum((p.value for p in parts), Decimal(0))
    d = sum((p.half for p in parts), Decimal(0))
    return total - d, total + d


def shown_like(value: Decimal, like: Printed) -> str:
    """``value`` (base units) written as ``like`` is printed: 316900 like “31.69万元” -> “31.69万元”."""
    if like.blank:
        return f"{value / _unit_scale(like.unit):f}{like.unit}"
    places, unit, grouped = _printed_form(like.text)
    return f"{value / like.scale:{grouped}.{places}f}{unit}{like.unit}"


@lru_cache(maxsize=16384)  # a check is written for every total of every table
def _printed_form(text: str) -> tuple[int, str, str]:
    """How ``text`` writes its number: decimal places, what follows the numeral, and "," when it groups thousands."""
    places = len(_DECIMALS.findall(text)[-1]) if _DECIMALS.search(text) else 0
    m = _NUMBER.search(text)
    unit = text[m.end():] if m else ""
    grouped = "," if m and "," in m.group() else ""  # 371,514,655.00 is written with its separators
    return places, unit, grouped


def rounded_like(value: Decimal, like: Printed) -> Decimal:
    """``value`` rounded to the printed precision of ``like``."""
    step = like.half * 2
    if step == 0:
        return value
    return (value / step).quantize(Decimal(1)) * step


def check(rule: str, checked: Printed, expected: Decimal, lo: Decimal, hi: Decimal, arithmetic: str,
          inputs: Sequence[Printed], concept: str | None = None, label: str | None = None) -> Check:
    """A check of ``checked`` against the range [lo, hi] the other inputs allow (widened by its own
    rounding).  The formula shows the arithmetic on the printed inputs and its result, and the printed
    figure when it reads otherwise: “19.42万元 / 349.84万元 × 100 = 5.55%, printed 3.29%”."""
    own = checked.half
    actual = checked.value
    # a percentage may be cut rather than rounded (10.158% printed 10.15%): it stands for [p − ½, p + 1) units
    above = own * 2 if checked.percent else own
    ok = meets(actual, own, lo, hi, above)
    expected = rounded_like(expected, checked)
    step = own / 50 if own else Decimal("0.01")
    spread = expected - lo if hi == Decimal("Infinity") else max(hi - expected, expected - lo)
    tolerance = (spread + own).quantize(step, rounding=ROUND_CEILING)
    shown = shown_like(expected, checked)
    at_least = hi == Decimal("Infinity")  # over a printed 0: only a lower bound
    formula = f"{arithmetic} {'≥' if at_least else '='} {shown}" + (
        "" if shown == checked.shown and not at_least else f", printed {checked.shown}")
    return Check(rule=rule, ok=ok, expected=expected, actual=actual, difference=actual - expected,
                 tolerance=tolerance.normalize(), formula=formula, label=label or checked.label, prov=checked.prov,
                 inputs=(checked.as_input("checked"), *(p.as_input() for p in inputs)), concept=concept)


def meets(value: Decimal, half: Decimal, lo: Decimal, hi: Decimal, above: Decimal | None = None) -> bool:
    """Whether a value printed as ``value`` (anything in [value − half, value + above), ``above`` being
    ``half`` unless said; exactly it when both are 0) can be the value the other inputs allow (anything in
    [lo, hi), or exactly lo when lo = hi): whether the two half-open intervals of rounding meet.  5 and 6
    printed without decimals cannot be one value ([4.5, 5.5) and [5.5, 6.5) do not meet); 5.0 and 5.5 can."""
    above = half if above is None else above
    if half == 0 and above == 0:
        return value == lo if lo == hi else lo <= value < hi
    if lo == hi:
        return value - half <= lo < value + above
    return value - half < hi and lo < value + above


def statement(rule: str, ok: bool, expected: Decimal, actual: Decimal, formula: str, label: str | None,
              prov: Provenance, inputs: Sequence[Printed] = (), concept: str | None = None) -> Check:
    """A check that is no arithmetic (a declaration, a year, a table's presence): ``expected`` and
    ``actual`` are the counts or years compared, exactly."""
    return Check(rule=rule, ok=ok, expected=expected, actual=actual, difference=actual - expected,
                 tolerance=Decimal(0), formula=formula, label=label, prov=prov,
                 inputs=tuple(p.as_input() for p in inputs), concept=concept)


def cell_prov(row: TableRow, col: int | None, bbox=None, page: int | None = None) -> Provenance:
    """The provenance of one cell of ``row``: the row's, pointed at column ``col``."""
    if col is None or row.prov.cell is None:
        return row.prov
    return attrs.evolve(row.prov, cell=CellRef(row.prov.cell.table, row.prov.cell.row, col),
                        bbox=bbox if bbox is not None else row.prov.bbox, page=page or row.prov.page)
