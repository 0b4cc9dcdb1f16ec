"""Checks of what a disclosure publishes and declares, from ``data/completeness.json``.

``required_table``
    a standard table every document of its kind publishes (收入支出决算总表 …, 收支预算总表 …) is in the
    document — checked only in a document that carries its tables (a 说明 published apart from them is not).
``announced_table``
    a table the 目录 lists is in the document.
``declared_empty``
    a table that says it holds no data (本表无数据, 故本表为空表) prints no amount other than 0.
``year``
    a heading or table title naming the disclosure carries the document's year (the year most of them
    carry); the date of the asset figures (截至2020年12月31日) is the fiscal year's end (a 预算 may state
    the year before).
``placeholder``
    no template placeholder is left in (XX局, ××单位, 某某).
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from collections.abc import Iterator
from decimal import Decimal
from functools import cache

import regex

from .. import data
from ..model import Document, Paragraph, Table, span_box
from ..records import CellRef, DocumentInfo, Provenance, TableInfo
from ..tables.annex import classify, table_kind
from ..tables.structure import amount_in_yuan, clean_text, is_number
from .quantities import Printed, statement
from .result import NotRun

_TOC = regex.compile(r"^\s*目\s*录\s*$")
_ENTRY_START = regex.compile(r"(?=(?<!^)(?:[一二三四五六七八九十]{1,3}[、.．]|(?<![\d.．])\d{1,2}\s*[、.．](?!\d)))")
_LEADERS = regex.compile(r"[.…·．]{3,}\s*\d*\s*$|\s+\d{1,3}\s*$")
_CODE = regex.compile(r"^[23]\d{2}(?:\d{2}){0,2}$")
_TITLE_END = regex.compile(r"(?:表|预算|决算)(?:[（(][^）)]*[）)])?$")  # a title, or its first line when it wraps
_SENTENCE = regex.compile(r"[。，,；;：:]")


@cache
def _spec() -> dict:
    return data.load("completeness.json")


@cache
def _patterns() -> dict[str, regex.Pattern]:
    spec = _spec()
    return {
        "placeholder": regex.compile("|".join(f"(?:{p})" for p in spec["placeholders"])),
        "heading_year": regex.compile(spec["year_headings"]),
        "heading_excluded": regex.compile(spec["year_heading_excluded"]),
        **{f"date:{k}": regex.compile(v) for k, v in spec["year_dates"].items()},
    }


def paragraph_prov(doc: Document, para: Paragraph, start: int | None = None, end: int | None = None) -> Provenance:
    page, bbox = (span_box(para.boxes, start, end) if start is not None else (None, None))
    return Provenance(source=doc.source, sha256=doc.sha256, format=doc.format, page=page or para.page,
                      block=para.index, section=para.section, context=para.text, start=start, end=end, bbox=bbox)


def cell_prov(doc: Document, table: Table, cell, start: int, end: int) -> Provenance:
    return Provenance(source=doc.source, sha256=doc.sha256, format=doc.format, page=cell.page or table.page,
                      block=table.index, section=table.section, context=cell.text, start=start, end=end,
                      cell=CellRef(table.index, cell.row, cell.col), bbox=cell.bbox)


def _mark(doc: Document, para: Paragraph, m: regex.Match, label: str | None = None) -> Printed:
    return Printed(text=m.group(), value=Decimal(0), label=label, prov=paragraph_prov(doc, para, m.start(), m.end()))


# ---------------------------------------------------------------- the table of contents


def toc_blocks(doc: Document) -> list[Paragraph]:
    """The lines of the 目录: after a 目录 line, up to the page's end (or the first long paragraph)."""
    blocks = list(doc.paragraphs())
    for i, p in enumerate(blocks):
        if _TOC.match(p.text):
            out = []
            for q in blocks[i + 1:]:
                if p.page is not None and q.page != p.page:
                    break
                if len(q.text) > 120 and not _LEADERS.search(q.text):
                    break
                if out and q.text.strip() == out[0].text.strip():
                    break  # the first entry again: the body begins
                out.append(q)
            return out
    return []


def toc_entries(line: str) -> list[str]:
    """The entries of a 目录 line, two run together split (九、…预算表十、…预算表), leaders and page numbers dropped."""
    text = unicodedata.normalize("NFKC", line).strip()
    return [_LEADERS.sub("", part).strip() for part in _ENTRY_START.split(text) if part.strip()]


def announced(doc: Document) -> list[tuple[str, Paragraph, str]]:
    """(table id, 目录 line, entry) for every standard table the 目录 lists."""
    out = []
    for para in toc_blocks(doc):
        for entry in toc_entries(para.text):
            tid = classify(entry)
            if tid and table_kind(tid) in ("决算", "预算") and all(t != tid for t, _, _ in out):
                out.append((tid, para, entry))
    return out


# ---------------------------------------------------------------- tables present


def _titles_of(doc: Document) -> dict[int, str | None]:
    """The table id each short line names (a title printed as a line), once per audit: block -> id or None."""
    out = {}
    for p in doc.paragraphs():
        if "表" in p.text and len(text := _squeeze(p.text)) <= 60:  # every standard title names a 表
            out[p.index] = classify(text)
    return out


def _squeeze(text: str) -> str:
    """A line without its blanks (a title wrapped or spaced out in print: 收 入 决 算 表)."""
    return "".join(text.split())


def _present(infos: list[TableInfo], doc: Document, toc: set[int], named: dict[int, str | None]
             ) -> tuple[set[str], list[str]]:
    """(ids of the standard tables the document carries, titles that look like tables but are not recognised)."""
    ids = {i.table_id for i in infos if i.table_id}
    titles = [clean_text(i.table) for i in infos if not i.table_id and i.table]
    for p in doc.paragraphs():
        if p.index in toc or len(p.text) > 80:
            continue
        if tid := named.get(p.index):
            ids.add(tid)
        elif len(text := _squeeze(p.text)) <= 40 and _TITLE_END.search(text) and not _SENTENCE.search(text):
            titles.append(text)
    return ids, titles


def completeness_checks(doc: Document, info: DocumentInfo, infos: list[TableInfo]) -> Iterator:
    kind = info.kind
    toc = toc_blocks(doc)
    toc_ids = {p.index for p in toc}
    named = _titles_of(doc)
    ids, unknown = _present(infos, doc, toc_ids, named)
    carries = {i.table_id for i in infos if i.table_id and table_kind(i.table_id) in ("决算", "预算")}
    first = next(doc.paragraphs(), None)
    where = infos[0].prov if infos else paragraph_prov(doc, first) if first is not None else None
    required = _spec()["required"].get(kind or "", [])
    enough = sum(r["id"] in carries for r in required) >= _spec()["min_present"]
    for r in required:
        if not enough:
            yield NotRun("required_table", "the document does not carry its tables", where)
        elif r["id"] in ids:
            yield statement("required_table", True, Decimal(1), Decimal(1), f"{r['id']}: present", r["id"],
                            _info_prov(infos, r["id"]) or where)
        elif any(regex.search(r["words"], t) for t in unknown):
            yield NotRun("required_table", f"{r['id']}: a title names it but is not recognised", where)
        else:
            yield statement("required_table", False, Decimal(1), Decimal(0),
                            f"{r['id']}: a {kind} must publish it; the document does not", r["id"], where)
    for tid, para, entry in announced(doc):
        if not carries:
            yield NotRun("announced_table", "the document carries none of its tables", paragraph_prov(doc, para))
            continue
        ok = tid in ids
        start = para.text.find(entry) if entry in para.text else None
        prov = paragraph_prov(doc, para, start, start + len(entry) if start is not None else None)
        yield statement("announced_table", ok, Decimal(1), Decimal(1 if ok else 0),
                        f"目录 lists {entry}" + ("" if ok else "; the document does not contain it"), entry, prov,
                        [Printed(entry, Decimal(0), tid, prov)])
    yield from _declared_empty_checks(doc, infos)
    yield from _year_checks(doc, info, infos, toc_ids, named)
    yield from _placeholder_checks(doc)


def _info_prov(infos: list[TableInfo], tid: str) -> Provenance | None:
    return next((i.prov for i in infos if i.table_id == tid), None)


# ---------------------------------------------------------------- declared empty


def _declared_empty_checks(doc: Document, infos: list[TableInfo]) -> Iterator:
    grids = {t.index: t for t in doc.tables()}
    for info in infos:
        declared = info.empty or any(n.code == "declared_empty_with_data" for n in info.warnings)
        if not declared or info.prov.block not in grids:
            continue
        table = grids[info.prov.block]
        amounts = list(_amount_cells(table, info.unit))
        prov = info.prov
        if amounts:
            cell, value = amounts[0]
            prov = cell_prov(doc, table, cell, 0, len(cell.text))
        shown = ", ".join(c.text for c, _ in amounts[:6]) + (" …" if len(amounts) > 6 else "")
        yield statement("declared_empty", not amounts, Decimal(0), Decimal(len(amounts)),
                        f"{info.table or info.table_id} says it holds no data"
                        + (f"; it prints {shown}" if amounts else ""), info.table, prov,
                        [Printed(c.text, v, info.table, prov) for c, v in amounts[:6]])


def contradicted_empties(doc: Document, infos: list[TableInfo]) -> Iterator[int]:
    """Blocks of the tables declared empty that print amounts all the same."""
    grids = {t.index: t for t in doc.tables()}
    for info in infos:
        declared = info.empty or any(n.code == "declared_empty_with_data" for n in info.warnings)
        if declared and info.prov.block in grids and next(_amount_cells(grids[info.prov.block], info.unit), None):
            yield info.prov.block


def _amount_cells(table: Table, unit: str | None):
    for cell in table.cells:
        if cell.row < table.header_rows:
            continue
        text = clean_text(cell.text)
        if not is_number(text) or _CODE.match(text.replace(" ", "")):
            continue
        value = amount_in_yuan(text, unit)
        if value:
            yield cell, value


# ---------------------------------------------------------------- years


def _year_checks(doc: Document, info: DocumentInfo, infos: list[TableInfo], toc: set[int],
                 named: dict[int, str | None]) -> Iterator:
    pats = _patterns()
    mentions: list[tuple[int, Printed]] = []
    for p in doc.paragraphs():
        if not (p.is_heading or p.index in toc or named.get(p.index)
                or (info.title and p.text.strip() and p.text.strip() in info.title)):
            continue
        if pats["heading_excluded"].search(p.text):
            continue
        for m in pats["heading_year"].finditer(p.text):
            mentions.append((int(m["year"]), _mark(doc, p, m, "heading")))
    for t in infos:
        if t.table and t.table_id and not pats["heading_excluded"].search(t.table):
            for m in pats["heading_year"].finditer(t.table):
                mentions.append((int(m["year"]), Printed(m.group(), Decimal(0), "table title", t.prov)))
    mentions = _distinct_places(mentions)
    counts = Counter(year for year, _ in mentions)
    expected = info.fiscal_year
    if counts:
        best = max(counts.values())
        modes = [y for y, n in counts.items() if n == best]
        if len(modes) == 1:
            expected = modes[0]
    if expected is None:
        return
    for year, printed in mentions:
        ok = year == expected
        yield statement("year", ok, Decimal(expected), Decimal(year),
                        f"{printed.text}: the document's year is {expected}" + ("" if ok else f", printed {year}"),
                        printed.label, printed.prov, [printed])
    kind = info.kind or ""
    date = pats.get(f"date:{kind}")
    if date is None:
        return
    offsets = _spec()["date_offsets"][kind]
    for p in doc.paragraphs():
        for m in date.finditer(p.text):
            year = int(m["year"])
            ok = year - expected in offsets
            printed = _mark(doc, p, m, "date")
            allowed = " or ".join(str(expected + o) for o in offsets)
            yield statement("year", ok, Decimal(expected + offsets[-1]), Decimal(year),
                            f"{m.group()}: a {kind} of {expected} states it as of {allowed}"
                            + ("" if ok else f", printed {year}"), "date", printed.prov, [printed])


def _distinct_places(mentions: list[tuple[int, Printed]]) -> list[tuple[int, Printed]]:
    seen, out = set(), []
    for year, p in mentions:
        key = (p.prov.block, p.prov.start)
        if key not in seen:
            seen.add(key)
            out.append((year, p))
    return out


# ---------------------------------------------------------------- placeholders


def _placeholder_checks(doc: Document) -> Iterator:
    pattern = _patterns()["placeholder"]
    for p in doc.paragraphs():
        for m in pattern.finditer(p.text):
            printed = _mark(doc, p, m, "placeholder")
            yield statement("placeholder", False, Decimal(0), Decimal(1),
                            f"template placeholder {m.group()} left in: …{p.text[max(0, m.start() - 12):m.end() + 12]}…",
                            None, printed.prov, [printed])
    for t in doc.tables():
        for cell in t.cells:
            for m in pattern.finditer(cell.text):
                prov = cell_prov(doc, t, cell, m.start(), m.end())
                yield statement("placeholder", False, Decimal(0), Decimal(1),
                                f"template placeholder {m.group()} left in a table cell: {cell.text}", None, prov,
                                [Printed(m.group(), Decimal(0), None, prov)])
