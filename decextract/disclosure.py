"""One disclosure, one identity: the issuer normalised, its region, and the ``disclosure_id``.

The same 部门预算 is published as a PDF, a DOCX, a web page and a spreadsheet, its tables sometimes in a
file of their own; its issuer is printed 中共江苏省委办公厅 on one, 中国共产党江苏省委员会办公厅 on
another, 江苏省委办公厅 in the prose.  :func:`normalize_issuer` folds these to one name (widths, spaces,
the party prefix, 委员会 after a region shortened to 委, trailing 2017年度部门预算公开 words), and
:func:`disclosure_id` joins it with the fiscal year and the kind (部门预算, 单位决算 …): every file of one
disclosure carries the same id, so a panel has one row per department and year whatever the formats.
The printed issuer stays on the document record; the rules are data (``data/issuers.json``).
"""

from __future__ import annotations

import unicodedata
from functools import cache

import attrs
import regex

from . import data
from .records import DocumentInfo

_SPACE = regex.compile(r"\s+")


@cache
def _spec() -> dict:
    return data.load("issuers.json")


@cache
def _patterns() -> dict:
    spec = _spec()
    cities = "|".join(regex.escape(s) for s in spec["city_suffixes"] if s != "自治州")
    counties = "|".join(regex.escape(s) for s in spec["county_suffixes"])
    return {
        "abbreviations": [(regex.compile(a), b) for a, b in spec["abbreviations"]],
        "trailing": regex.compile(spec["trailing"]),
        "city": regex.compile(rf"\p{{Han}}{{2,8}}?自治州|\p{{Han}}{{2,4}}?(?:{cities})"),
        "county": regex.compile(rf"\p{{Han}}{{1,4}}?(?:{counties})"),
        "unit_level": regex.compile(spec["unit_level"]),
    }


def normalize_issuer(name: str | None) -> str | None:
    """The issuer as a key: NFKC, no spaces, no 中共/中国共产党 prefix, 省委员会 → 省委, no trailing
    year or 部门预算/公开/表格 words.  ``中国共产党江苏省委员会办公厅`` and ``中共江苏省委办公厅 `` give
    ``江苏省委办公厅``; None for no name."""
    if not name:
        return None
    text = _SPACE.sub("", unicodedata.normalize("NFKC", name))
    for prefix in _spec()["party_prefixes"]:
        if text.startswith(prefix) and len(text) > len(prefix) + 1:
            text = text[len(prefix):]
            break
    for pattern, replacement in _patterns()["abbreviations"]:
        text = pattern.sub(replacement, text)
    trailing = _patterns()["trailing"]
    while (m := trailing.search(text)) and m.start() >= 2:
        text = text[: m.start()]
    return text or None


@attrs.frozen
class Region:
    name: str  # 江苏省, 上海市普陀区, 攀枝花市西区
    level: str  # 省 | 市 | 区县


def region_of(name: str | None) -> Region | None:
    """The region a (normalised) name starts with: province, then prefecture, then county, as printed.
    None when the name states none (省人大办公厅)."""
    if not name:
        return None
    spec, p = _spec(), _patterns()
    rest, parts, level = name, [], None
    province = next((n for n in spec["provinces"] if rest.startswith(n)), None)
    if province is None:
        short = next((s for s in spec["province_short"] if rest.startswith(s)), None)
        province = short
    if province:
        parts.append(province)
        rest, level = rest[len(province):], "省"
    for kind, lvl in (("city", "市"), ("county", "区县")):
        if kind == "city" and province in ("北京市", "天津市", "上海市", "重庆市"):
            continue  # a municipality's districts are county-level
        m = p[kind].match(rest)
        if m and not any(m.group().startswith(w) for w in spec["not_places"]):
            parts.append(m.group())
            rest, level = rest[m.end():], lvl
    return Region("".join(parts), level) if parts else None


def level_of(title: str | None) -> str:
    """单位 when the title names a unit's own accounts (单位预算, 单位决算), else 部门."""
    return "单位" if title and _patterns()["unit_level"].search(_SPACE.sub("", title)) else "部门"


def disclosure_id(issuer: str | None, year: int | None, kind: str | None, level: str = "部门",
                  sha256: str | None = None) -> str | None:
    """``issuer|year|level+kind`` (江苏省委办公厅|2017|部门预算), the same for every file of one disclosure;
    ``sha256:<hash>`` when the issuer, the year or the kind is not known (the file stands alone)."""
    name = normalize_issuer(issuer)
    if name and year and kind:
        return f"{name}|{year}|{level}{kind}"
    return f"sha256:{sha256}" if sha256 else None


def identify(info: DocumentInfo) -> DocumentInfo:
    """``info`` with its disclosure id, normalised issuer, region and level."""
    name = normalize_issuer(info.issuer)
    region = region_of(name) or region_of(normalize_issuer(info.title))
    level = level_of(info.title)
    return attrs.evolve(info, disclosure_id=disclosure_id(info.issuer, info.fiscal_year, info.kind, level,
                                                          info.sha256),
                        issuer_normalized=name, region=region.name if region else None,
                        region_level=region.level if region else None, level=level)
