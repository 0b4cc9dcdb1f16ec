"""Numerals: one printed number to an exact :class:`~decimal.Decimal`.

Arabic digits (ASCII or full-width, thousands separators, decimals), signs
(``-``, ``负``, accounting parentheses ``(1.00)``), Chinese numerals (一百二十,
两, 三万五千, 一〇八) and financial numerals (壹佰贰拾叁).  The regex fragments
here are shared with :mod:`decextract.grammar`, which finds numerals in text.
"""

from __future__ import annotations

import decimal
from decimal import Decimal

import regex

from . import data

# Arithmetic on quantities is exact: no rounding to the default 28 digits.
EXACT = decimal.Context(prec=decimal.MAX_PREC, Emax=decimal.MAX_EMAX, Emin=decimal.MIN_EMIN)

_FULLWIDTH = str.maketrans("０１２３４５６７８９．，－＋", "0123456789.,-+")

_CN_DIGITS = {
    ch: d
    for d, chars in enumerate(
        ["零〇", "一壹", "二贰貳两兩", "三叁參", "四肆", "五伍", "六陆陸", "七柒", "八捌", "九玖"]
    )
    for ch in chars
}
_CN_SMALL = {"十": 10, "拾": 10, "百": 100, "佰": 100, "千": 1000, "仟": 1000}
_CN_BIG = {"万": 10**4, "萬": 10**4, "亿": 10**8, "億": 10**8}

# Regex fragments (VERBOSE syntax), reused by the span grammar.
ARABIC = r"""
    (?: [0-9０-９]{1,3} (?: ,[0-9０-９]{3} )+      # 1,234,567 — thousands groups of exactly three
      | [0-9０-９]+ )                              # or a plain run of digits
    (?: [.．][0-9０-９]+ )?                        # decimals
    (?![0-9０-９])                                 # never stop inside a digit run
"""
_CN_FIRST = "零〇一二三四五六七八九十两兩壹贰貳叁參肆伍陆陸柒捌玖拾"
_CN_ANY = _CN_FIRST + "百千万亿佰仟萬億"
CN_CHARS = _CN_ANY  # every character of a Chinese numeral
CHINESE = rf"""
    [{_CN_FIRST}] [{_CN_ANY}]*                       # starts with a digit or 十, never with 百/千/万/亿
    (?: 点[零〇一二三四五六七八九]+ [万亿萬億]? )?     # 九十九点五, 一点五亿
"""

_ARABIC_RE = regex.compile(rf"^[-+]?{ARABIC}$", regex.VERBOSE)
_CHINESE_RE = regex.compile(rf"^(?:{CHINESE}|[百佰])$", regex.VERBOSE)
_PAREN_RE = regex.compile(r"^[(（]\s*(?P<inner>[^()（）]+?)\s*[)）]$")


_PLACEHOLDERS = frozenset(data.load("exclusions.json")["placeholders"])


def is_placeholder(s: str) -> bool:
    """True for cells that mean "no value": "", "-", "--", "—", "空" (see ``data/exclusions.json``)."""
    return s.strip() in _PLACEHOLDERS


def plain(d: Decimal) -> Decimal:
    """``d`` without trailing zeros and without an exponent for integers: 9401500.00 -> 9401500."""
    if d == d.to_integral_value(context=EXACT):
        return d.quantize(Decimal(1), context=EXACT)
    return d.normalize(EXACT)


def parse_arabic(s: str) -> Decimal:
    """Value of an Arabic numeral as matched by :data:`ARABIC` (full-width allowed)."""
    return Decimal(s.translate(_FULLWIDTH).replace(",", ""))


_FRACTION_SCALE = {"万": 10**4, "萬": 10**4, "亿": 10**8, "億": 10**8}


def parse_chinese(s: str) -> Decimal | None:
    """Value of a Chinese or financial numeral ("一百二十", "两", "三万五千", "一〇八", "九十九点五")."""
    whole, _, frac = s.partition("点")
    scale = 1
    if frac and frac[-1] in _FRACTION_SCALE:  # 一点五亿: the multiplier scales the whole decimal
        frac, scale = frac[:-1], _FRACTION_SCALE[frac[-1]]
    if not whole or any(ch not in _CN_DIGITS for ch in frac):
        return None
    n = _chinese_integer(whole)
    if n is None:
        return None
    if not frac:
        return Decimal(n)
    return Decimal(f"{n}." + "".join(str(_CN_DIGITS[ch]) for ch in frac)) * scale


def _chinese_integer(s: str) -> int | None:
    if all(ch in _CN_DIGITS for ch in s):
        # digit by digit: 一〇八 -> 108, 二〇二〇 -> 2020
        return int("".join(str(_CN_DIGITS[ch]) for ch in s))
    total = part = section = 0  # 亿 groups, 万 groups, the current group below 万
    digit: int | None = None
    last_unit = 0  # the unit right before ``digit`` (一百二 = 120); 0 after 零
    for ch in s:
        if ch in _CN_DIGITS:
            d = _CN_DIGITS[ch]
            if d == 0:
                last_unit = 0
                continue
            if digit is not None:
                return None  # 一二百: two digits in a row inside a positional numeral
            digit = d
            continue
        if ch in _CN_SMALL:
            unit = _CN_SMALL[ch]
            section += (1 if digit is None else digit) * unit
        elif ch in _CN_BIG:
            unit = _CN_BIG[ch]
            section += digit or 0
            if unit == 10**8:
                total = ((total + part + section) or 1) * unit
                part = 0
            else:
                part = (part + (section or 1)) * unit
            section = 0
        else:
            return None
        digit = None
        last_unit = unit
    if digit:
        # a digit right after a unit: 一百二 = 120, 三万五 = 35000; after 十 or 零 it is units
        section += digit * (last_unit // 10 if last_unit >= 100 else 1)
    return total + part + section


def parse_number(s: str) -> Decimal | None:
    """One numeral as an exact Decimal, or None when ``s`` is not a number.

    "９４０．１５" -> 940.15, "1,234.5" -> 1234.5, "(1.00)" -> -1.00, "负3" -> -3,
    "一百二十" -> 120, "两" -> 2, "壹佰贰拾叁" -> 123, "一〇八" -> 108.
    """
    s = s.strip()
    if is_placeholder(s):
        return None
    paren = _PAREN_RE.match(s)
    if paren:
        inner = parse_number(paren.group("inner"))
        return None if inner is None else -inner
    negative = False
    if s[:1] in ("负", "−"):
        negative, s = True, s[1:].lstrip()
    if _ARABIC_RE.match(s.translate(_FULLWIDTH)):
        value = parse_arabic(s)
    elif _CHINESE_RE.match(s):
        value = parse_chinese(s)
        if value is None:
            return None
    else:
        return None
    return -value if negative else value
