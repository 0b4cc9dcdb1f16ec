"""Plant errors into real disclosures, and tell whether the audit flags each one where it was planted.

Plantings are made in the document model (a :class:`~decextract.model.Document` read once, annotated,
then evolved: a paragraph's text, a table's cells) or, for the seed, in the TXT text and in the DOCX with
python-docx.  Each :class:`Planting` says what was changed and where (:class:`Target`); a planting is
*flagged* when the audit of the planted document has a failing check, not failing before, one of whose
places (the checked figure or any input) is the planted one.

The kinds (``KINDS``):

- ``total_digit`` — the leading digit of a total cell changed (合计 / 总计 / 本年…合计 rows, 类 rows, a
  single-row table's 合计 columns, a performance project's 预算数);
- ``prose_figure`` — a prose amount that names a quantity (or is the part or total of a share, or the
  amount of a change) changed, or set to 0;
- ``comparison`` — 大于 / 小于 swapped in 决算数小于预算数;
- ``delete_table`` — an annex table deleted with its title (the 目录 still lists it);
- ``empty_table`` — every amount of an annex table blanked;
- ``heading_year`` — the year of a heading or table title naming the disclosure changed;
- ``placeholder`` — the department's name replaced by a template placeholder (XX局);
- ``drop_row`` — a body row with amounts deleted from an annex table.
"""

from __future__ import annotations

import io
from collections import Counter
from collections.abc import Callable, Iterator
from decimal import Decimal
from functools import partial

import attrs
import regex

from decextract.checks import locations_of
from decextract.model import Cell, Document, Paragraph, Table
from decextract.records import Check, DocumentInfo, Figure, TableInfo, TableRow
from decextract.tables.annex import classify, table_kind
from decextract.tables.structure import clean_text, is_number

KINDS = ("total_digit", "prose_figure", "comparison", "delete_table", "empty_table", "heading_year", "placeholder",
         "drop_row")

_DIGIT = regex.compile(r"[1-9]")
_TOTAL_ROW = regex.compile(r"^(?:合\s*计|总\s*计|(?:收入|支出)(?:总计|合计)|(?:本年|当年)(?:收入|支出)(?:合计|小计))$")
_COMPARISON = regex.compile(r"(?:决算数?|执行数?)(?P<word>大于|小于|高于|低于)")
_SWAP = {"大于": "小于", "小于": "大于", "高于": "低于", "低于": "高于"}
_HEADING_YEAR = regex.compile(r"20\d{2}(?=\s*年\s*度?[^。]{0,40}(?:决算|预算|收支|收入|支出|三公|采购))")
_NUMBERED = regex.compile(r"^\s*(?:[一二三四五六七八九十]{1,3}[、.．]|\d{1,2}[.．、])")


@attrs.frozen
class Target:
    """Where an error was planted: a block, and in it a table row, or the text a prose check must point at;
    or a table (by id) that is no longer there."""

    block: int | None
    row: int | None = None
    text: str | None = None
    table_id: str | None = None
    label: str | None = None  # a check labelled so (a performance project) points at it


@attrs.frozen
class Planting:
    kind: str
    where: str  # for a person: what was changed
    target: Target
    make: Callable[[], Document] | None = attrs.field(default=None, repr=False)  # the planted model (None: see seed_*)


# ---------------------------------------------------------------- matching


def _places(check: Check):
    yield check.prov
    for i in check.inputs:
        yield i.prov


def points_at(check: Check, target: Target) -> bool:
    """Whether a failing check's provenance (the checked figure or any input) is the planted place."""
    if target.table_id is not None and target.block is None:
        return target.table_id in (check.label, *(i.label for i in check.inputs)) or target.table_id in check.formula
    if target.label is not None:
        return check.label == target.label
    for prov in _places(check):
        if target.block is not None and prov.block != target.block:
            continue
        if target.row is not None:
            if prov.cell is not None and prov.cell.row == target.row:
                return True
            continue
        if target.text is not None:
            span = prov.context[prov.start:prov.end] if prov.start is not None else prov.context
            if target.text in span or (span and span in target.text):
                return True
            continue
        return True
    return False


def key(check: Check) -> tuple:
    """A failing check, as it would read in another run: rule, formula and place."""
    return (check.rule, check.formula, check.prov.block, check.prov.start, check.prov.cell)


# ---------------------------------------------------------------- edits of the model


def _bump(text: str, to_zero: bool = False) -> str | None:
    """``text`` with its leading significant digit changed (or the whole number set to 0)."""
    if to_zero:
        m = regex.search(r"[\d,，.．]+", text)
        return None if m is None or Decimal(regex.sub(r"[^\d.]", "", m.group().replace("．", ".")) or 0) == 0 \
            else text[: m.start()] + "0" + text[m.end():]
    m = _DIGIT.search(text)
    if m is None:
        return None
    d = int(m.group())
    new = str(d % 9 + 1)  # 1→2 … 8→9, 9→1: never a leading 0
    return text[: m.start()] + new + text[m.end():]


def _boxes_for(boxes, start: int, end: int, length: int):
    """Per-character boxes of a paragraph after text[start:end] is replaced by ``length`` characters."""
    if boxes is None:
        return None
    fill = next((b for b in boxes[start:end] if b is not None), None)
    return boxes[:start] + (fill,) * length + boxes[end:]


def replace_text(doc: Document, block: int, start: int, end: int, new: str) -> Document:
    out = []
    for b in doc.blocks:
        if isinstance(b, Paragraph) and b.index == block:
            b = attrs.evolve(b, text=b.text[:start] + new + b.text[end:],
                             boxes=_boxes_for(b.boxes, start, end, len(new)))
        out.append(b)
    return attrs.evolve(doc, blocks=tuple(out))


def set_cells(doc: Document, block: int, texts: dict[tuple[int, int], str]) -> Document:
    out = []
    for b in doc.blocks:
        if isinstance(b, Table) and b.index == block:
            cells = tuple(attrs.evolve(c, text=texts[(c.row, c.col)], boxes=None) if (c.row, c.col) in texts else c
                          for c in b.cells)
            b = attrs.evolve(b, cells=cells)
        out.append(b)
    return attrs.evolve(doc, blocks=tuple(out))


def drop_blocks(doc: Document, blocks: set[int]) -> Document:
    return attrs.evolve(doc, blocks=tuple(b for b in doc.blocks if b.index not in blocks))


def drop_table_row(doc: Document, block: int, row: int) -> Document:
    """The table without grid row ``row``: cells below move up, a cell spanning it is one row shorter."""
    out = []
    for b in doc.blocks:
        if isinstance(b, Table) and b.index == block:
            cells: list[Cell] = []
            for c in b.cells:
                if c.row == row and c.rowspan == 1:
                    continue
                if c.row <= row < c.row + c.rowspan:
                    c = attrs.evolve(c, rowspan=c.rowspan - 1, row=c.row if c.row < row else c.row)
                elif c.row > row:
                    c = attrs.evolve(c, row=c.row - 1)
                cells.append(c)
            b = attrs.evolve(b, cells=tuple(cells), n_rows=b.n_rows - 1)
        out.append(b)
    return attrs.evolve(doc, blocks=tuple(out))


# ---------------------------------------------------------------- choosing places


def _spread(items: list, n: int) -> list:
    """Up to ``n`` of ``items``, spread over the list (first, last and between)."""
    if len(items) <= n:
        return items
    step = (len(items) - 1) / (n - 1) if n > 1 else 0
    return [items[round(i * step)] for i in range(n)]


def _cell_at(table: Table, row: int, col: int) -> Cell | None:
    return next((c for c in table.cells if c.row == row and c.col == col), None)


def _tables(doc: Document) -> dict[int, Table]:
    return {t.index: t for t in doc.tables()}


def _total_cells(doc: Document, records) -> list[tuple[int, int, int, str]]:
    """(block, row, col, text) of the nonzero amount cells of annex total rows and 类 rows."""
    tables = _tables(doc)
    figures = [r for r in records if isinstance(r, Figure) and r.prov.cell is not None and r.kind == "amount"]
    rows = {(r.prov.block, r.prov.cell.row): r for r in records if isinstance(r, TableRow) and r.prov.cell}
    out = []
    for f in figures:
        row = rows.get((f.prov.cell.table, f.prov.cell.row))
        if row is None or f.value == 0:
            continue
        name = clean_text(row.name or "").replace(" ", "")
        name = _NUMBERED.sub("", name)
        if _TOTAL_ROW.match(name) or (row.code and len(row.code) == 3) or row.name is None:
            cell = _cell_at(tables[f.prov.cell.table], f.prov.cell.row, f.prov.cell.col)
            if cell is not None and cell.text.strip() == f.text.strip():
                out.append((f.prov.cell.table, f.prov.cell.row, f.prov.cell.col, cell.text))
    return out


def _checked_prose(records) -> list[Figure]:
    """Prose amounts a disclosure states in relation to others: those that name a quantity of the concept
    map, and those the document relates to other figures (the part, total, base or change of a share,
    change or balance: the prose inputs of its checks).  A figure stated once and related to nothing
    (资产合计82.90万元) has nothing to be checked against."""
    figures = [r for r in records if isinstance(r, Figure) and r.prov.cell is None]
    related: set[tuple] = set()
    for loc in locations_of(records):
        p = loc.printed.prov
        if p.cell is None and loc.printed.value:
            related.add((p.block, p.context, p.start))
    for c in records:
        if isinstance(c, Check):
            related |= {(i.prov.block, i.prov.context, i.prov.start) for i in c.inputs
                        if i.prov.cell is None and i.value}
    return [f for f in figures if f.kind == "amount" and f.approx is None
            and (f.prov.block, f.prov.context, f.prov.start) in related]


def _paragraph(doc: Document, block: int) -> Paragraph:
    return next(p for p in doc.paragraphs() if p.index == block)


# ---------------------------------------------------------------- plantings of a model document


def model_plantings(doc: Document, records: list, per_kind: int = 8) -> Iterator[Planting]:
    """Plantings of every kind into an annotated document ``doc`` whose records are ``records``."""
    info = next(r for r in records if isinstance(r, DocumentInfo))
    yield from _plant_totals(doc, records, per_kind)
    yield from _plant_prose(doc, records, per_kind)
    yield from _plant_comparisons(doc, per_kind)
    yield from _plant_tables(doc, records, per_kind)
    yield from _plant_years(doc, records, info, per_kind)
    yield from _plant_placeholders(doc, info, per_kind)
    yield from _plant_dropped_rows(doc, records, per_kind)


def _plant_totals(doc, records, n):
    for block, row, col, text in _spread(_total_cells(doc, records), n):
        new = _bump(text)
        if new is None:
            continue
        yield Planting("total_digit", f"table block {block} row {row} col {col}: {text} -> {new}",
                       Target(block, row=row), partial(set_cells, doc, block, {(row, col): new}))


def _plant_prose(doc, records, n):
    for i, f in enumerate(_spread(_checked_prose(records), n)):
        para = _paragraph(doc, f.prov.block)
        at = para.text.find(f.prov.context)
        if at < 0:
            continue
        start, end = at + f.prov.start, at + f.prov.end
        new = _bump(f.text, to_zero=i % 3 == 2)
        if new is None:
            continue
        yield Planting("prose_figure", f"block {f.prov.block}: {f.text} -> {new}", Target(f.prov.block, text=new),
                       partial(replace_text, doc, f.prov.block, start, end, new))


def _plant_comparisons(doc, n):
    found = [(p, m) for p in doc.paragraphs() for m in _COMPARISON.finditer(p.text)]
    for p, m in _spread(found, n):
        word = m.group("word")
        new = m.group()[: -len(word)] + _SWAP[word]
        yield Planting("comparison", f"block {p.index}: {m.group()} -> {new}", Target(p.index, text=new),
                       partial(replace_text, doc, p.index, m.start(), m.end(), new))


def _annex_infos(records) -> list[TableInfo]:
    return [r for r in records if isinstance(r, TableInfo) and r.table_id
            and table_kind(r.table_id) in ("决算", "预算")]


def _title_blocks(doc: Document, table: TableInfo) -> set[int]:
    """The table's block and, when its title is printed as a line above it (within a few lines), every
    line from the title down to the table (unit, issuer, year lines)."""
    blocks = list(doc.blocks)
    i = next(n for n, b in enumerate(blocks) if b.index == table.prov.block)
    above = []
    for b in reversed(blocks[max(0, i - 6):i]):
        if not isinstance(b, Paragraph):
            break
        above.append(b.index)
        if classify(clean_text(b.text)) == table.table_id:
            return {table.prov.block, *above}
    return {table.prov.block}


def _plant_tables(doc, records, n):
    infos = _annex_infos(records)
    for t in _spread(infos, n):
        blocks = _title_blocks(doc, t) if t.n_rows else {t.prov.block}
        yield Planting("delete_table", f"{t.table_id} ({t.table}) deleted", Target(None, table_id=t.table_id),
                       partial(drop_blocks, doc, blocks))
    tables = _tables(doc)
    full = [t for t in infos if not t.empty and t.prov.block in tables]
    for t in _spread(full, n):
        table = tables[t.prov.block]
        texts = {(c.row, c.col): "" for c in table.cells
                 if c.row >= table.header_rows and is_number(clean_text(c.text))
                 and not regex.match(r"^\d{3,7}$", clean_text(c.text))}
        if texts:
            yield Planting("empty_table", f"{t.table_id} ({t.table}) emptied", Target(t.prov.block),
                           partial(set_cells, doc, t.prov.block, texts))


def _plant_years(doc, records, info: DocumentInfo, n):
    if info.fiscal_year is None:
        return
    year = str(info.fiscal_year)
    found = []
    for p in doc.paragraphs():
        if p.is_heading or classify(clean_text(p.text)):
            found += [(p, m) for m in _HEADING_YEAR.finditer(p.text) if m.group() == year]
    found += [(p, m) for p in doc.paragraphs() for m in regex.finditer(r"(?<=截至\s*)20\d{2}(?=\s*年)", p.text)
              if m.group() == year]
    for p, m in _spread(found, n):
        new = str(info.fiscal_year - 1)
        yield Planting("heading_year", f"block {p.index}: {m.group()} -> {new}", Target(p.index, text=new),
                       partial(replace_text, doc, p.index, m.start(), m.end(), new))


def _plant_placeholders(doc, info: DocumentInfo, n):
    names = [x for x in (info.issuer, (info.issuer or "").removeprefix("中共")) if x]
    found = []
    for p in doc.paragraphs():
        for name in names:
            at = p.text.find(name)
            if at >= 0:
                found.append((p, at, at + len(name)))
                break
    fills = ("XX局", "XX单位", "××委员会")
    for i, (p, s, e) in enumerate(_spread(found, n)):
        fill = fills[i % len(fills)]
        yield Planting("placeholder", f"block {p.index}: {p.text[s:e]} -> {fill}", Target(p.index, text=fill),
                       partial(replace_text, doc, p.index, s, e, fill))


def _plant_dropped_rows(doc, records, n):
    """Rows whose sum someone else prints: leaf 款/项 rows under a 类 or 款 row, numbered items of a two-sided
    side.  (A 款 row whose 项 rows stay, or the only row under its parent, leaves a table that still adds up:
    no arithmetic can tell it is gone.)"""
    rows = [r for r in records if isinstance(r, TableRow) and r.prov.cell is not None]
    codes = {(r.prov.block, r.code) for r in rows if r.code}
    children = Counter((r.prov.block, r.code[:-2]) for r in rows if r.code and len(r.code) in (5, 7))
    candidates = []
    for r in rows:
        if not any(v for v in r.values.values()):
            continue
        if r.code and len(r.code) in (5, 7) and (r.prov.block, r.code[:-2]) in codes \
                and (r.prov.block, r.code) not in children and children[(r.prov.block, r.code[:-2])] >= 2:
            candidates.append(r)
        elif r.side and r.name and regex.match(r"^\s*[一二三四五六七八九十]{1,3}[、.．]", r.name):
            candidates.append(r)
    seen = set()
    for r in _spread(candidates, n):
        if (r.prov.block, r.prov.cell.row) in seen:
            continue
        seen.add((r.prov.block, r.prov.cell.row))
        yield Planting("drop_row", f"table block {r.prov.block}: row {r.prov.cell.row} ({r.code or ''} {r.name}) dropped",
                       Target(r.prov.block), partial(drop_table_row, doc, r.prov.block, r.prov.cell.row))


# ---------------------------------------------------------------- the seed as TXT and DOCX


def seed_plantings(text: str, records: list, per_kind: int = 8) -> Iterator[tuple[Planting, str, str]]:
    """Plantings into the seed's prose: prose figures, the 截至 year, placeholders, as ``(planting, old, new)``:
    the sentence (a fragment printed once in ``text``) and what it becomes.  Targets name the planted text."""
    info = next(r for r in records if isinstance(r, DocumentInfo))
    for i, f in enumerate(_spread(_checked_prose(records), per_kind * 3)):
        if text.count(f.prov.context) != 1:
            continue
        new = _bump(f.text, to_zero=i % 3 == 2)
        if new is not None:
            sentence = f.prov.context
            planted = sentence[: f.prov.start] + new + sentence[f.prov.end:]
            yield Planting("prose_figure", f"{f.text} -> {new} in “{sentence[:30]}…”", Target(None, text=new)), sentence, planted
    year = str(info.fiscal_year)
    for m in regex.finditer(r"截至\s*(20\d{2})\s*年[^，,。；]{0,10}", text):
        if m.group(1) == year and text.count(m.group()) == 1:
            new = m.group().replace(year, str(info.fiscal_year - 1), 1)
            yield Planting("heading_year", f"{m.group()} -> {new}", Target(None, text=new[:7])), \
                m.group(), new
    issuer = info.issuer or "\0"
    lines = [line for line in text.splitlines() if issuer in line and text.count(line) == 1]
    for i, line in enumerate(_spread(lines, per_kind)):
        fill = ("XX局", "XX单位", "××委员会")[i % 3]
        yield Planting("placeholder", f"{issuer} -> {fill} in “{line.strip()[:30]}…”", Target(None, text=fill)), line, line.replace(issuer, fill, 1)


def docx_edit(data: bytes, old: str, new: str) -> bytes | None:
    """The DOCX with ``old`` (printed once in a paragraph or a table cell's paragraph) replaced by ``new``,
    edited with python-docx: the paragraph's text rewritten into its first run (None when not found)."""
    import docx

    document = docx.Document(io.BytesIO(data))
    paragraphs = list(document.paragraphs)
    for table in document.tables:
        for row in table.rows:
            for cell in row.cells:
                paragraphs += cell.paragraphs
    for p in paragraphs:
        if old in p.text and p.runs:
            text = p.text.replace(old, new, 1)
            p.runs[0].text = text
            for run in p.runs[1:]:
                run.text = ""
            out = io.BytesIO()
            document.save(out)
            return out.getvalue()
    return None


def docx_project_totals(data: bytes, records: list) -> Iterator[tuple[Planting, bytes]]:
    """The seed DOCX with the 预算数 / 执行数 total of one performance project changed (python-docx: the
    cell right of 预算数: in the project's table)."""
    import docx

    projects = [r.project for r in records if getattr(r, "TYPE", "") == "performance_project"]
    for n, project in enumerate(projects):
        for label in ("预算数", "执行数"):
            document = docx.Document(io.BytesIO(data))
            table = next((t for t in document.tables if any(project in c.text for row in t.rows for c in row.cells)),
                         None)
            if table is None:
                continue
            done = False
            for row in table.rows:
                cells = row.cells
                for i, c in enumerate(cells[:-1]):
                    if not done and c.text.strip().startswith(label) and cells[i + 1].text.strip():
                        old = cells[i + 1].text.strip()
                        new = _bump(old)
                        para = cells[i + 1].paragraphs[0]
                        if para.runs:
                            para.runs[0].text = new
                            for run in para.runs[1:]:
                                run.text = ""
                        else:
                            para.add_run(new)
                        done = True
            if done:
                out = io.BytesIO()
                document.save(out)
                yield Planting("total_digit", f"project {n + 1} {label}: changed", Target(None, label=project)), out.getvalue()
