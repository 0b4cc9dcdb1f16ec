"""Document metadata: title, issuer, fiscal year and kind (决算/预算).

Evidence is taken in order of trust: a title line near the start of the
document (“中共上海市普陀区委社会工作部2024年度部门决算”), the file's own title
metadata, then counts over the whole text (the most frequent 20xx年 in prose is
the fiscal year; 决算 vs 预算 wording gives the kind), and for the issuer the
unit named in performance tables (预算单位/主管部门).
"""

from __future__ import annotations

from collections import Counter
from functools import lru_cache

import regex

from . import data
from .model import Document, Paragraph
from .records import DocumentInfo

_YEAR = regex.compile(
    r"""
    (?<!\d)(?P<year>20\d{2})(?!\d)   # a four-digit year of this century
    \s*年                            # written as a year, not a code
    (?!\s*\d{1,2}\s*月)              # not a date
    """,
    regex.VERBOSE,
)


def _lexicon() -> dict:
    return data.load("document_kinds.json")


@lru_cache(maxsize=1)
def _title_pattern() -> regex.Pattern:
    return regex.compile(_lexicon()["title_regex"])


@lru_cache(maxsize=1)
def _line_patterns() -> tuple[regex.Pattern, regex.Pattern]:
    lex = _lexicon()
    return regex.compile(lex["issuer_line_regex"]), regex.compile(lex["cover_end_regex"])


def _cover(paragraphs: list[Paragraph]) -> list[str]:
    """The lines of the cover: the first lines, up to the table of contents or the first section."""
    _, cover_end = _line_patterns()
    first_page = paragraphs[0].page if paragraphs else None
    lines = []
    for p in paragraphs[:8]:
        if cover_end.match(p.text) or (first_page is not None and p.page != first_page):
            break
        lines.append(" ".join(p.text.split()))
    return lines


def document_info(doc: Document) -> DocumentInfo:
    """The ``document`` record of ``doc``."""
    paragraphs = list(doc.paragraphs())
    issuer_line, _ = _line_patterns()
    issuer = next((m.group("issuer") for p in paragraphs[:30] if (m := issuer_line.match(p.text))), None)
    title = year = kind = None
    cover = [line for line in _cover(paragraphs) if not issuer_line.match(line)]
    candidates = ["".join(cover)] + [p.text for p in paragraphs[:12]] + [doc.title or ""]
    for candidate in candidates:
        m = _title_pattern().search(candidate)
        if m and len(candidate.strip()) <= 60:
            title = " ".join(candidate.split())
            issuer = issuer or (None if m.group("level") else m.group("issuer").strip() or None)
            year = int(m.group("year"))
            kind = m.group("what")
            break
    if year is None:
        year = _most_common_year(paragraphs)
    if kind is None:
        kind = _kind_by_wording(doc)
    if issuer is None:
        issuer = _issuer_from_tables(doc)
    return DocumentInfo(
        source=doc.source,
        sha256=doc.sha256,
        format=doc.format,
        pages=doc.pages,
        title=title or doc.title,
        issuer=issuer,
        fiscal_year=year,
        kind=kind,
        size=doc.size,
        warnings=doc.warnings,
    )


def _most_common_year(paragraphs: list[Paragraph]) -> int | None:
    counts = Counter(int(m.group("year")) for p in paragraphs if not p.is_heading for m in _YEAR.finditer(p.text))
    if not counts:
        return None
    best = max(counts.values())
    # ties go to the later year: comparisons mention the earlier one (与2019年…相比)
    return max(y for y, n in counts.items() if n == best)


def _kind_by_wording(doc: Document) -> str | None:
    text = "".join(p.text for p in doc.paragraphs())
    text += "".join(t.title or "" for t in doc.tables())
    scores = {kind: sum(text.count(w) for w in words) for kind, words in _lexicon()["kinds"].items()}
    best = max(scores, key=scores.get)
    return best if scores[best] else None


def _issuer_from_tables(doc: Document) -> str | None:
    headers = tuple(_lexicon()["issuer_cell_headers"])
    for table in doc.tables():
        for row in table.text_rows():
            for i, text in enumerate(row[:-1]):
                if text.strip().replace(" ", "") in headers:
                    value = next((v for v in row[i + 1:] if v.strip() and v != text), "").strip()
                    if value:
                        return value
    return None
