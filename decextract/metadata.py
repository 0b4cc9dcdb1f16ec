"""Document metadata: title, issuer, fiscal year and kind (决算/预算).

Evidence is taken in order of trust: a title line near the start of the
document (“中共上海市普陀区委社会工作部2024年度部门决算”), the file's own title
metadata, then the rest of the document.  The issuer comes from a line naming it
(预算主管部门：…, 部门：… above a table, also beside “单位：万元” or with its value
on the next line), else the title, else the unit named in performance tables; a
heading (第二部分), a bare word (备注) or a template's placeholder (上海市XX局) is
no issuer.  The fiscal year comes from the title, else from the headings and table
titles that name a 决算/预算 (“2021年度部门决算”, “2017年政府采购预算表”), else
from the years of the prose, those stated as the document's own (本年度, 本单位
2021年) counting most and comparison bases (与2020年相比) not at all.  The kind is
the title's, else the wording's (部门决算 vs 部门预算), else that of the standard tables the titles name.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from functools import lru_cache

import regex

from . import data
from .model import Document, Paragraph
from .records import DocumentInfo
from .tables.annex import classify, table_kind

_YEAR = regex.compile(
    r"""
    (?<!\d)(?P<year>20\d{2})(?!\d)   # a four-digit year of this century
    \s*年                            # written as a year, not a code
    (?!\s*\d{1,2}\s*月)              # not a date
    """,
    regex.VERBOSE,
)
_KIND_WORD = regex.compile(r"决算|预算")
_OWN_WEIGHT = 3  # a year stated as the document's own (本年度…) counts as this many plain mentions


def _lexicon() -> dict:
    return data.load("document_kinds.json")


@lru_cache(maxsize=1)
def _title_pattern() -> regex.Pattern:
    return regex.compile(_lexicon()["title_regex"])


@lru_cache(maxsize=1)
def _line_patterns() -> tuple[regex.Pattern, regex.Pattern, regex.Pattern]:
    lex = _lexicon()
    return (regex.compile(lex["issuer_line_regex"]), regex.compile(lex["cover_end_regex"]),
            regex.compile(lex["issuer_label_regex"]))


@lru_cache(maxsize=1)
def _not_issuer() -> tuple[frozenset[str], regex.Pattern, regex.Pattern]:
    lex = _lexicon()
    return frozenset(lex["not_issuers"]), regex.compile(lex["not_issuer_regex"]), regex.compile(lex["placeholder_regex"])


@lru_cache(maxsize=1)
def _year_context() -> tuple[regex.Pattern, regex.Pattern, regex.Pattern]:
    ctx = _lexicon()["year_context"]
    return regex.compile(ctx["own_before"]), regex.compile(ctx["base_before"]), regex.compile(ctx["base_after"])


def _issuer_or_none(text: str | None) -> str | None:
    """``text`` if it can name an issuer: not a heading, a bare word or a placeholder."""
    if not text:
        return None
    text = text.strip()
    words, heading, placeholder = _not_issuer()
    if len(text) < 2 or text in words or heading.match(text) or placeholder.search(text):
        return None
    return text


def _cover(paragraphs: list[Paragraph]) -> list[str]:
    """The lines of the cover: the first lines, up to the table of contents or the first section."""
    _, cover_end, _ = _line_patterns()
    first_page = paragraphs[0].page if paragraphs else None
    lines = []
    for p in paragraphs[:8]:
        if cover_end.match(p.text) or (first_page is not None and p.page != first_page):
            break
        lines.append(" ".join(p.text.split()))
    return lines


_NAME_ALONE = regex.compile(r"[\p{Han}（）()]{2,40}")


def _issuer_lines(paragraphs: list[Paragraph]) -> Iterable[str]:
    """The issuers named by lines such as 部门：… (the value on the line, or alone on the next line)."""
    issuer_line, _, label = _line_patterns()
    for k, p in enumerate(paragraphs):
        text = " ".join(p.text.split())
        if (m := issuer_line.search(text)) and (name := _issuer_or_none(m.group("issuer"))):
            yield name
        elif label.match(text) and k + 1 < len(paragraphs):
            value = " ".join(paragraphs[k + 1].text.split())
            if _NAME_ALONE.fullmatch(value) and (name := _issuer_or_none(value)):
                yield name


def _issuer_from_lines(paragraphs: list[Paragraph]) -> str | None:
    """The issuer most lines name near the start, else in the whole document (the first on a tie)."""
    for scope in (paragraphs[:30], paragraphs):
        counts = Counter(_issuer_lines(scope))
        if counts:
            return counts.most_common(1)[0][0]
    return None


def document_info(doc: Document) -> DocumentInfo:
    """The ``document`` record of ``doc``."""
    paragraphs = list(doc.paragraphs())
    issuer_line, _, _ = _line_patterns()
    issuer = _issuer_from_lines(paragraphs[:30])
    title = year = kind = None
    cover = [line for line in _cover(paragraphs) if not issuer_line.search(line)]
    candidates = ["".join(cover)] + [p.text for p in paragraphs[:12]] + [doc.title or ""]
    for candidate in candidates:
        m = _title_pattern().search(candidate)
        if m and len(candidate.strip()) <= 60:
            title = " ".join(candidate.split())
            issuer = issuer or (None if m.group("level") else _issuer_or_none(m.group("issuer")))
            year = int(m.group("year"))
            kind = m.group("what")
            break
    if year is None:
        year = _year_of_headings(doc) or _most_common_year(paragraphs)
    if kind is None:
        kind = _kind_by_wording(doc)
    if issuer is None:
        issuer = _issuer_from_lines(paragraphs) or _issuer_from_tables(doc)
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


def _year_of_headings(doc: Document) -> int | None:
    """The year most headings and table titles naming a 决算/预算 state (“2017年政府采购预算表”)."""
    texts = [p.text for p in doc.paragraphs() if p.is_heading] + [t.title or "" for t in doc.tables()]
    counts: Counter[int] = Counter()
    for text in texts:
        years = [m for m in _YEAR.finditer(text) if _KIND_WORD.search(text, m.end())]
        if years and not _is_base(text, years[0]):
            counts[int(years[0].group("year"))] += 1
    return _best_year(counts)


def _is_base(text: str, m: regex.Match) -> bool:
    _, base_before, base_after = _year_context()
    return bool(base_before.search(text, 0, m.start()) or base_after.match(text, m.end()))


def _most_common_year(paragraphs: list[Paragraph]) -> int | None:
    """The prose's year: stated as the document's own counts most, a comparison base not at all."""
    own, _, _ = _year_context()
    counts: Counter[int] = Counter()
    for p in paragraphs:
        if p.is_heading:
            continue
        for m in _YEAR.finditer(p.text):
            if _is_base(p.text, m):
                continue
            counts[int(m.group("year"))] += _OWN_WEIGHT if own.search(p.text, 0, m.start()) else 1
    return _best_year(counts)


def _best_year(counts: Counter[int]) -> int | None:
    if not counts:
        return None
    best = max(counts.values())
    # ties go to the later year: comparisons mention the earlier one (与2019年…相比)
    return max(y for y, n in counts.items() if n == best)


def _kind_by_wording(doc: Document) -> str | None:
    """决算 or 预算 by the words of the text, else by the standard tables the titles name."""
    text = "".join(p.text for p in doc.paragraphs())
    text += "".join(t.title or "" for t in doc.tables())
    scores = {kind: sum(text.count(w) for w in words) for kind, words in _lexicon()["kinds"].items()}
    best = max(scores, key=scores.get)
    if scores[best]:
        return best
    kinds = Counter(kind for t in doc.tables() if (kind := table_kind(classify(t.title))) in scores)
    return kinds.most_common(1)[0][0] if kinds else None


def _issuer_from_tables(doc: Document) -> str | None:
    headers = tuple(_lexicon()["issuer_cell_headers"])
    for table in doc.tables():
        for row in table.text_rows():
            for i, text in enumerate(row[:-1]):
                if text.strip().replace(" ", "") in headers:
                    value = next((v for v in row[i + 1:] if v.strip() and v != text), "").strip()
                    if value and (name := _issuer_or_none(value)):
                        return name
    return None
