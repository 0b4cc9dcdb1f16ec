"""The number grammar: find quantity spans in text, then resolve each to an exact value.

A span is ``[qualifier] numeral [余|多] [multiplier] [余|多] [unit] [qualifier]``
(“约5万元”, “5万余户次”, “98%以上”, “百分之五”, “(1.00)”).  Resolving gives
the value in the base unit (元, %, 个百分点, the measure word), the kind
(amount | percent | count | number) and the approximation.  What is not a
quantity — years, dates, list ordinals, document numbers, form ids, numbers
inside quoted names and titles, fixed words such as 两会 — is kept as data in
``data/exclusions.json``; units, multipliers and qualifiers likewise live in
``data/units.json``, ``data/measure_words.txt`` and ``data/qualifiers.json``.
Chinese numerals count only when a unit follows (四个, 五个方面).
"""

from __future__ import annotations

import bisect
from decimal import Decimal
from functools import lru_cache

import attrs
import regex

from . import data
from .numerals import (
    ARABIC,
    CHINESE,
    CN_CHARS,
    EXACT,
    is_placeholder,
    parse_arabic,
    parse_chinese,
    parse_number,
    plain,
)

__all__ = ["Quantity", "find_quantities", "parse_number", "is_placeholder"]


@attrs.frozen
class Quantity:
    """One quantity found in text; offsets are half-open into the original string."""

    text: str  # input[start:end], qualifiers included (约5万元, 5万余户次, 98%以上)
    start: int
    end: int
    value: Decimal  # in the base unit: 940.15万元 -> 9401500, 97.09% -> 97.09, 5万余户次 -> 50000
    unit: str | None  # 元 (or a named currency) | % | ‰ | 个百分点 | the measure word | None for a bare number
    kind: str  # amount | percent | count | ratio | number
    approx: str | None  # more_than | about | nearly | less_than | None
    number: Decimal  # the numeral as printed, before the multiplier: 940.15 for 940.15万元
    printed_unit: str | None  # multiplier and unit as printed, qualifiers left out: 万元, ％, 万户次, 万, 百分之


_UNITS = data.load("units.json")
_QUALIFIERS = data.load("qualifiers.json")
_EXCLUSIONS = data.load("exclusions.json")
_MEASURE_WORDS = tuple(
    line.strip() for line in data.text("measure_words.txt").splitlines() if line.strip() and not line.startswith("#")
)

_MULTIPLIERS = {k: Decimal(v) for k, v in _UNITS["multipliers"].items()}
_MONEY_WHEN_BARE = frozenset(_UNITS["money_when_bare"])
_MONEY = _UNITS["money"]
_PERCENT = _UNITS["percent"]
_PERCENT_WORDS = _UNITS["percent_words"]
_CN_MULTIPLIER_TAIL = ("万亿", "亿", "億", "万", "萬")  # a Chinese numeral ending so: 五万元 is 5 × 万元
_CN_BIG_UNITS = frozenset("万萬亿億")


def _alternation(words, not_followed: dict[str, str] | None = None) -> str:
    """Regex alternation of ``words``, longest first, each guarded by its not-followed-by characters."""
    parts = []
    for w in sorted(set(words), key=lambda w: (-len(w), w)):
        guard = (not_followed or {}).get(w)
        parts.append(regex.escape(w) + (f"(?![{regex.escape(guard)}])" if guard else ""))
    return "|".join(parts)


_RATIO = frozenset(_UNITS["ratio"])
_LATIN_UNITS = _UNITS["latin_units"]
_LATIN_UNIT_RE = "(?:(?:{})(?![A-Za-z])|{})".format(  # 4.3m (not the 5 of 5mg), 25.29㎡ even before a letter
    _alternation(u for u in _LATIN_UNITS if u.isascii() or u[-1] in "²³"),
    _alternation(u for u in _LATIN_UNITS if not (u.isascii() or u[-1] in "²³")) or "(?!)")
_UNIT_WORDS = [*_MONEY, *_PERCENT, *_MEASURE_WORDS, *_RATIO]
_UNIT_RE = "(?:{}|{})".format(_alternation(_UNIT_WORDS, _EXCLUSIONS["unit_not_followed_by"]), _LATIN_UNIT_RE)
# a measure word starting with a multiplier character (千米, 千克) is a unit, not 千 + 米
_MULT_RE = "(?!(?:{})) (?:{})".format(
    _alternation(w for w in _MEASURE_WORDS if w[0] in "".join(_MULTIPLIERS)) or "(?!)",
    _alternation(_MULTIPLIERS),
)
_MID_RE = _alternation(_QUALIFIERS["middle"])

_SPAN = regex.compile(
    rf"""
    (?P<pre> {_alternation(_QUALIFIERS["prefix"])} )?          # 约 / 近 / 超过 / 不足 …
    (?:
        (?P<pctw> {_alternation(_PERCENT_WORDS)} )             # 百分之五, 百分之九十九点五, 百分之百
        (?P<num> {ARABIC} | {CHINESE} | 百 )
      |
        (?<! [0-9０-９A-Za-zＡ-Ｚａ-ｚ] )
        (?P<paren> [(（] [ ]? )                                # accounting negative: (1.00), （1,234）
        (?P<num> [0-9０-９]{{1,3}} (?: ,[0-9０-９]{{3}} )+ (?: [.．][0-9０-９]+ )?
               | [0-9０-９]+ [.．][0-9０-９]+ )
        [ ]? [)）]
      |
        (?: (?<! [0-9０-９A-Za-zＡ-Ｚａ-ｚ)）\-－−—–+＋] ) (?P<sign> [-－−+＋] | 负 ) [ ]? )?   # not in --339.84
        (?<! [0-9０-９.．A-Za-zＡ-Ｚａ-ｚ] )                  # never start inside a number or a code
        (?<! (?:^|[^0-9０-９.．]) [0-9０-９]{{1,3}} [,，] (?= [0-9０-９]{{3}} ) )   # nor in thousands (1,|2345)
        (?P<num> {ARABIC} )
        (?: [ \u00a0\u3000] (?= {_MID_RE} | {_MULT_RE} | {_UNIT_RE} ) )?  # PDF text: 2228.78 万元, 10.15 %
        (?P<mid> {_MID_RE} )?                                  # 10余万元
        (?P<mult> {_MULT_RE} )?                                # 万 / 亿 / 千 …
        (?P<mid2> {_MID_RE} )?                                 # 5万余户次
        (?P<unit> {_UNIT_RE} )?
      |
        (?P<cn> {CHINESE} )                                    # Chinese numerals need a unit: 四个, 五万元
        (?P<mid> {_MID_RE} )?
        (?P<unit> {_UNIT_RE} )
    )
    (?: (?: [(（]含[)）] )?                                    # 20万元（含）以上
        (?P<post> {_alternation(_QUALIFIERS["suffix"])} ) )?   # 以上 / 以下 / 左右 …
    """,
    regex.VERBOSE,
)

_EXCLUDE = tuple(
    (frozenset(p.get("needs", "")),
     regex.compile("\n".join(p["regex"]).replace("{latin_units}", _LATIN_UNIT_RE), regex.VERBOSE | regex.MULTILINE))
    for p in _EXCLUSIONS["patterns"]
)
_NUMERAL_CHARS = frozenset("0123456789０１２３４５６７８９" + CN_CHARS)
_FIXED_WORDS = regex.compile(_alternation(_EXCLUSIONS["fixed_words"]))
_FIXED_REACH = max(map(len, _EXCLUSIONS["fixed_words"]))
_FALSE_PREFIX_WORDS = tuple(_QUALIFIERS["false_words"])


_NEEDED = frozenset().union(*(needs for needs, _ in _EXCLUDE))  # every character some exclusion needs


@lru_cache(maxsize=4096)
def _exclusions_for(present: frozenset[str]) -> tuple[regex.Pattern, ...]:
    """The exclusion patterns that can match a text holding the needed characters ``present``."""
    return tuple(pattern for needs, pattern in _EXCLUDE if not needs or not needs.isdisjoint(present))


def _excluded_intervals(text: str, chars: frozenset[str]) -> tuple[list[int], list[int]]:
    """Merged [start, end) intervals of every exclusion match, as sorted starts and ends."""
    spans = sorted(
        m.span()
        for pattern in _exclusions_for(chars & _NEEDED)
        for m in pattern.finditer(text)
        if m.end() > m.start()
    )
    starts: list[int] = []
    ends: list[int] = []
    for s, e in spans:
        if ends and s <= ends[-1]:
            ends[-1] = max(ends[-1], e)
        else:
            starts.append(s)
            ends.append(e)
    return starts, ends


def _overlaps(intervals: tuple[list[int], list[int]], start: int, end: int) -> bool:
    starts, ends = intervals
    i = bisect.bisect_left(starts, end) - 1  # the last interval starting before ``end``
    return i >= 0 and ends[i] > start


def _in_fixed_word(text: str, start: int, end: int) -> bool:
    lo = max(0, start - _FIXED_REACH + 1)
    window = text[lo : end + _FIXED_REACH - 1]
    return any(m.start() + lo < end and m.end() + lo > start for m in _FIXED_WORDS.finditer(window, overlapped=True))


def _false_prefix(text: str, pre_start: int, pre_end: int) -> bool:
    """True when the qualifier closes a longer word (节约, 最近): then it qualifies nothing."""
    return any(
        len(w) > pre_end - pre_start and text[max(0, pre_end - len(w)) : pre_end] == w for w in _FALSE_PREFIX_WORDS
    )


def _approx(groups: dict[str, str | None], use_prefix: bool) -> str | None:
    for group, table in (("pre", "prefix"), ("mid", "middle"), ("mid2", "middle"), ("post", "suffix")):
        word = groups[group]
        if word and (group != "pre" or use_prefix):
            return _QUALIFIERS[table][word]
    return None


def _resolve(text: str, m: regex.Match, excluded) -> Quantity | None:
    g = m.groupdict()  # (one call for every group's text)
    num_start, num_end = m.span("num") if g["num"] else m.span("cn")
    core_start = m.start("sign") if g["sign"] else num_start
    if _overlaps(excluded, core_start, num_end):
        return None
    unit_end = m.end("unit") if g["unit"] else num_end
    cn = g["cn"]
    if cn is not None and _in_fixed_word(text, num_start, unit_end):
        return None

    multiplier_text = g["mult"] or ""
    if cn is not None:
        numeral = cn
        tail = next((t for t in _CN_MULTIPLIER_TAIL if numeral.endswith(t) and len(numeral) > len(t)), "")
        head = numeral[: -len(tail)] if tail else ""
        # split 五万元 into 5 × 万元, but not 一亿五千万元 (its 万 belongs to 五千)
        number = parse_chinese(head) if head and _CN_BIG_UNITS.isdisjoint(head) else None
        if number is not None:
            multiplier_text = tail
        else:
            number = parse_chinese(numeral)
    elif g["pctw"] is not None:
        numeral = g["num"]
        number = parse_chinese(numeral) if numeral[0] in CN_CHARS else parse_arabic(numeral)
    else:
        number = parse_arabic(g["num"])
        if g["paren"] is not None or (g["sign"] or "") in ("-", "－", "−", "负"):
            number = -number
    if number is None:
        return None

    factor = _MULTIPLIERS[multiplier_text] if multiplier_text else Decimal(1)
    value = plain(EXACT.multiply(number, factor))
    printed = g["unit"]
    if g["pctw"] is not None:
        unit, kind, printed = _PERCENT_WORDS[g["pctw"]], "percent", g["pctw"]
    elif printed in _MONEY:
        unit, kind = _MONEY[printed], "amount"
    elif printed in _PERCENT:
        unit, kind = _PERCENT[printed], "percent"
    elif printed in _RATIO:
        unit, kind = printed, "ratio"  # 增长3倍
    elif printed:
        unit, kind = printed, "count"
    elif multiplier_text in _MONEY_WHEN_BARE:
        unit, kind = "元", "amount"  # a bare 万/亿 in these disclosures is money (11.7万 in a cost cell)
    else:
        unit, kind = None, "number"
    printed_unit = (multiplier_text + (printed or "")) or None

    use_prefix = bool(g["pre"]) and not _false_prefix(text, m.start("pre"), m.end("pre"))
    start = (
        m.start()
        if use_prefix
        else (m.start("pctw") if g["pctw"] else m.start("paren") if g["paren"] else core_start)
    )
    end = m.end()
    return Quantity(
        text=text[start:end],
        start=start,
        end=end,
        value=value,
        unit=unit,
        kind=kind,
        approx=_approx(g, use_prefix),
        number=number,
        printed_unit=printed_unit,
    )


def find_quantities(text: str) -> list[Quantity]:
    """Every quantity in ``text``, in order of start; non-quantities (years, ordinals, ids …) are left out."""
    return list(_quantities(text))


@lru_cache(maxsize=32768)  # a table repeats its cells' texts, a document its phrases
def _quantities(text: str) -> tuple[Quantity, ...]:
    chars = frozenset(text)
    if chars.isdisjoint(_NUMERAL_CHARS):
        return ()
    excluded = _excluded_intervals(text, chars)
    found = []
    for m in _SPAN.finditer(text):
        q = _resolve(text, m, excluded)
        if q is not None:
            found.append(q)
    return tuple(found)
