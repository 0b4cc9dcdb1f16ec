"""Standard annex tables of 部门决算 / 部门预算: recognised by title, read row by row.

:func:`classify` maps a printed title (“2025年部门收入预算总表”, “（公开01表）收支预算总表”)
to a canonical table id from ``data/annex_tables.json``.  :func:`annex_records`
gives one :class:`~decextract.records.TableInfo` per table of a document and, for
the recognised annex tables, one :class:`~decextract.records.TableRow` per body
row: the 类/款/项 (or economic) code, the item's name, the side of a two-sided
收入|支出 table, and every value cell keyed by its header path.

A table is read as one or more *segments* side by side: code columns, name
columns, then value columns.  收入支出决算总表 has an income and an expenditure
segment; the 基本支出 table has two economic-code segments.  Each segment's item
in a row is its own record.
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from collections.abc import Iterator
from functools import lru_cache
from itertools import pairwise

import attrs
import regex

from .. import data
from ..model import Cell, Document, Paragraph, Table
from ..records import CellRef, Notice, Provenance, TableInfo, TableRow
from ..sections import numbering_level
from .structure import amount_in_yuan, clean_text, find_unit, is_number, lead_rows, lines_above, row_page

_LEVELS = {3: "类", 5: "款", 7: "项"}

_FORM = regex.compile(
    r"""
      [（(] (?:公开|财决|附)? \d+ 表 [)）]                    # （公开01表）（财决04表）
    | (?:公开|财决) \d+ 表 [:：]?                            # 公开01表： without brackets
    | [.…·]{3,} \d* $                                        # table-of-contents leader and page number
    """,
    regex.VERBOSE,
)
_PUNCT = regex.compile(r"[“”\"'‘’「」『』《》〈〉、，,·]")  # quotes, book-title marks, list commas
_LEAD = regex.compile(
    r"""
    ^ (?: 附? 表 \d+ (?:[-－]\d+)? [:：、.．]?             # 附表3：  表1-2
        | [一二三四五六七八九十]{1,3} [、.．]                # 一、
        | [（(] [一二三四五六七八九十\d]{1,3} [)）]          # （一） (1)
        | \d{1,2} [、.．] (?!\d)                            # 1.  3、
      )+
    """,
    regex.VERBOSE,
)
_TAIL = regex.compile(
    r"""
      [（(] [^（()）]* [)）] $                              # （功能科目） （2020年度） （单位：万元）
    | (?:金额)? 单位 [:：] .* $                             # 单位：万元 run into the title
    """,
    regex.VERBOSE,
)
_LEADER = regex.compile(r"[.…·]{4,}|…{2,}")  # a table-of-contents line, not a caption
_CODE = regex.compile(r"^\d{2,7}$")
_LEADING_CODE = regex.compile(
    r"""
    ^ (?P<code> \d{3} (?:\d{2}){0,2} )   # a 类/款/项 or economic code printed in the name cell
    \s* (?P<name> [^\d\s.,].* ) $        # followed by the item's name
    """,
    regex.VERBOSE,
)
_CODE_HEADER = regex.compile(r"编码|代码|编号|^[类款项]$")
_NAME_HEADER = regex.compile(r"名称|项目|科目$")
_AMOUNT_HEADER = regex.compile(r"金额|数$|计$|费|支出|收入|资金|拨款|预算|决算")
_TOTAL = regex.compile(r"^(?:合\s*计|总\s*计)$")


def _spec() -> dict:
    return data.load("annex_tables.json")


_BLANKS = regex.compile(r"\s+")
_YEAR = regex.compile(r"\d{4}年度?")
_YEAR_AT_END = regex.compile(r"\d{4}年度?$")
_HAN = regex.compile(r"\p{Han}")


def title_key(title: str) -> str:
    """A title reduced to the words that name the table (quotes, form numbers, numbering, annotations dropped)."""
    text = _FORM.sub("", _BLANKS.sub("", unicodedata.normalize("NFKC", title or "")))
    text = _PUNCT.sub("", _LEAD.sub("", text))
    while True:
        shorter = _TAIL.sub("", text)
        if shorter == text:
            break
        text = shorter
    return text


@lru_cache(maxsize=1)
def _titles() -> tuple[dict[str, str], tuple[str, ...], dict[str, dict]]:
    """(normalised title -> id, issuer endings, id -> table spec)."""
    keys: dict[str, str] = {}
    specs: dict[str, dict] = {}
    for spec in _spec()["tables"]:
        specs[spec["id"]] = spec
        for title in spec["titles"]:
            keys.setdefault(title_key(title), spec["id"])
    endings = tuple(sorted(_spec()["issuer_endings"], key=len, reverse=True))
    return keys, endings, specs


@lru_cache(maxsize=1)
def _title_ends() -> tuple[str, ...]:
    """The last characters of the listed titles' keys, and 表 (what :func:`_by_words` needs)."""
    return tuple({key[-1:] for key in _titles()[0]} | {"表"})


@lru_cache(maxsize=1)
def _feature_titles() -> list[tuple[frozenset[str], str]]:
    """(features, id) of every listed title; the same features under two ids are dropped as ambiguous."""
    seen: dict[frozenset[str], set[str]] = {}
    for key, table_id in _titles()[0].items():
        features = _features(key)
        if features:
            seen.setdefault(features, set()).add(table_id)
    return [(features, next(iter(ids))) for features, ids in seen.items() if len(ids) == 1]


@lru_cache(maxsize=1)
def _word_pattern() -> regex.Pattern:
    words = sorted(_spec()["title_words"], key=len, reverse=True)
    return regex.compile("|".join(map(regex.escape, words)))


@lru_cache(maxsize=4096)
def _features(text: str) -> frozenset[str] | None:
    """The features of a title key made only of title words (longest first), else None."""
    words = _spec()["title_words"]
    out: set[str] = set()
    pos = 0
    pattern = _word_pattern()
    while pos < len(text):
        m = pattern.match(text, pos)
        if m is None:
            return None
        if words[m[0]]:
            out.add(words[m[0]])
        pos = m.end()
    return frozenset(out) if "表" in out or "总表" in out else None


def _by_words(key: str, endings: tuple[str, ...]) -> str | None:
    """The id of the listed title whose features are the largest subset of ``key``'s, after a leading issuer or year."""
    if not key.endswith("表") or len(key) > 60:
        return None  # a title ends in 表 and is short: prose names no table
    starts = {0} | {m.end() for m in _YEAR.finditer(key)}
    starts |= {k + len(e) for e in endings for k in (m.start() for m in regex.finditer(regex.escape(e), key))}
    for start in sorted(starts):
        features = _features(key[start:])
        if features is None:
            continue
        best: list[tuple[int, str]] = []
        for known, table_id in _feature_titles():
            if known <= features:
                best.append((len(known), table_id))
        if not best:
            return None
        top = max(n for n, _ in best)
        ids = {table_id for n, table_id in best if n == top}
        return ids.pop() if len(ids) == 1 else None
    return None


@lru_cache(maxsize=4096)
def classify(title: str | None) -> str | None:
    """Canonical id of the standard table whose title is ``title``, or None.

    Tolerates quotes, spaces, （公开01表）, leading numbering, a trailing
    annotation in brackets, and a leading issuer or year
    (“上海市普陀区商务委员会2025年部门收入预算总表”).  A title worded otherwise
    than the listed ones is recognised by its words (``title_words`` in
    ``data/annex_tables.json``): “财政拨款政府性基金支出预算表” is the fund table.
    """
    if not title:
        return None
    key = title_key(title)
    keys, endings, _ = _titles()
    if key in keys:
        return keys[key]
    if not key.endswith(_title_ends()):
        return None  # no listed title can end it, and a title read by its words ends in 表 (prose, mostly)
    best = None
    for known, table_id in keys.items():
        if key.endswith(known) and len(known) < len(key) and (best is None or len(known) > len(best[0])):
            prefix = key[: -len(known)]
            if _YEAR_AT_END.search(prefix) or prefix.endswith(endings):
                best = (known, table_id)
    return best[1] if best else _by_words(key, endings)


def table_kind(table_id: str | None) -> str | None:
    """决算 | 预算 | 绩效 for a known table id."""
    spec = _titles()[2].get(table_id or "")
    return spec["kind"] if spec else None


@lru_cache(maxsize=1)
def _empty_marker() -> regex.Pattern:
    return regex.compile("|".join(f"(?:{m})" for m in _spec()["empty_markers"]))


# ---------------------------------------------------------------------------
# columns


@attrs.frozen
class _Segment:
    """Columns of one item beside others in the same row: codes, names, values."""

    codes: tuple[int, ...]
    names: tuple[int, ...]
    values: tuple[int, ...]
    side: str | None


def _owned(grid: list[list[Cell | None]], r: int, c: int) -> Cell | None:
    cell = grid[r][c]
    return cell if cell is not None and cell.col == c and cell.row == r else None


def _header_paths(table: Table, grid: list[list[Cell | None]], first: int, last: int) -> list[list[str]]:
    """For every column, the distinct texts of the header cells above it, top first."""
    paths: list[list[str]] = []
    for c in range(table.n_cols):
        parts: list[str] = []
        seen: set[int] = set()
        for r in range(first, last):
            cell = grid[r][c]
            if cell is None or id(cell) in seen:
                continue
            seen.add(id(cell))
            text = clean_text(cell.text)
            if text and (not parts or parts[-1] != text):
                parts.append(text)
        paths.append(parts)
    return paths


@lru_cache(maxsize=32768)  # every body cell of every column, read for its column's role
def _is_text(text: str) -> bool:
    return bool(_HAN.search(text)) and not is_number(text)


def _column_roles(table: Table, grid, body: list[int], paths: list[list[str]]) -> list[str]:
    """``code`` | ``name`` | ``value`` for every column, from header words and body content."""
    roles: list[str] = []
    for c in range(table.n_cols):
        owned = [cell for r in body if (cell := _owned(grid, r, c)) is not None]
        if c and body and not owned:
            roles.append(roles[-1])  # no body cell starts here: the column is part of the cells spanning it from the left
            continue
        texts = [clean_text(cell.text) for cell in owned]
        texts = [t for t in texts if t and not _TOTAL.match(t)]
        last = paths[c][-1] if paths[c] else ""
        if any(_CODE_HEADER.search(p) for p in paths[c]) and not any(_is_text(t) for t in texts):
            roles.append("code")
        elif texts:
            roles.append("name" if sum(map(_is_text, texts)) * 2 >= len(texts) else "value")
        else:
            roles.append("name" if _NAME_HEADER.search(last) else "value")
    # an unlabelled column of bare codes just left of a name column holds codes
    for c in range(table.n_cols - 2, -1, -1):
        amount_header = bool(paths[c]) and _AMOUNT_HEADER.search(paths[c][-1])
        if roles[c] == "value" and roles[c + 1] in ("name", "code") and not amount_header:
            texts = [
                clean_text(cell.text)
                for r in body
                if (cell := _owned(grid, r, c)) is not None and cell.colspan == 1 and clean_text(cell.text)
            ]
            if texts and all(_CODE.match(t.replace(" ", "")) for t in texts):
                roles[c] = "code"
    return roles


def _side(path: list[str]) -> str | None:
    for part in path:
        income, expenditure = "收入" in part, "支出" in part
        if income != expenditure:
            return "income" if income else "expenditure"
    return None


def _segments(roles: list[str], paths: list[list[str]], two_sided: bool) -> list[_Segment]:
    """Split the columns into segments, each starting at its codes or names.

    In a two-sided table a segment's side is read from its header (收入 | 支出);
    without one, the first segment is income and the others expenditure.
    """
    groups: list[list[int]] = []
    for c, role in enumerate(roles):
        prev = roles[c - 1] if c else None
        starts = not groups or (role in ("code", "name") and prev == "value") or (role == "code" and prev == "name")
        if starts:
            groups.append([])
        groups[-1].append(c)
    segments = []
    for cols in groups:
        names = tuple(c for c in cols if roles[c] == "name")
        key = names[0] if names else cols[0]
        segments.append(
            _Segment(
                codes=tuple(c for c in cols if roles[c] == "code"),
                names=names,
                values=tuple(c for c in cols if roles[c] == "value"),
                side=(_side(paths[key]) or ("expenditure" if segments else "income")) if two_sided else None,
            )
        )
    if len(segments) < 2:
        return [attrs.evolve(s, side=None) for s in segments]
    return segments


def _value_keys(segment: _Segment, paths: list[list[str]]) -> list[str]:
    keys: list[str] = []
    for c in segment.values:
        key = "/".join(paths[c]) or f"列{c + 1}"
        n, base = 2, key
        while key in keys:
            key, n = f"{base}#{n}", n + 1
        keys.append(key)
    return keys


# ---------------------------------------------------------------------------
# rows


def _distinct(cells: list[Cell | None]) -> list[Cell]:
    """The cells, each once (by identity), in order; the empty slots left out."""
    return list({id(cell): cell for cell in cells if cell is not None}.values())


@attrs.define
class _Item:
    """One segment's item in a row, before it becomes a record."""

    code: str | None
    name: str | None
    cells: dict[str, str]
    cols: list[int]
    labels: list[Cell]


def _code_widths(grid, body: list[int], segments: list[_Segment], paths: list[list[str]]) -> dict[int, int]:
    """For each code column after a segment's first, the digits its codes mostly have; a column headed 款 or 项
    has two whatever its cells print (a spreadsheet storing the codes as numbers drops every leading zero)."""
    widths: dict[int, int] = {}
    for seg in segments:
        for c in seg.codes[1:]:
            if paths[c] and paths[c][-1] in ("款", "项"):
                widths[c] = 2
                continue
            lengths = Counter(
                len(text) for r in body if (cell := _owned(grid, r, c)) is not None
                and _CODE.match(text := clean_text(cell.text).replace(" ", ""))
            )
            if lengths:
                widths[c] = lengths.most_common(1)[0][0]
    return widths


def _row_item(grid, r: int, seg: _Segment, keys: list[str], widths: dict[int, int]) -> _Item:
    """The code, name and value cells of one segment of row ``r``.

    A value column covered by the name cell (“当年支出小计” merged across a
    segment's amount column) is left out.  A code split over 类/款/项 columns
    gets back a leading zero its producer dropped (“301 | 2” is 30102).
    """
    row = grid[r]
    labels = _distinct([row[c] for c in seg.names])
    code_parts: list[str] = []
    for cell in _distinct([row[c] for c in seg.codes]):
        text = clean_text(cell.text).replace(" ", "")
        if _CODE.match(text) or (code_parts and text.isdigit() and len(text) < widths.get(cell.col, 0)):
            code_parts.append(text.zfill(widths.get(cell.col, 0)) if code_parts else text)
        elif text and all(cell is not n for n in labels):
            labels.insert(0, cell)  # 合计 merged over the code and name columns
    label_ids = {id(c) for c in labels}
    names = [clean_text(c.text) for c in labels if clean_text(c.text)]
    name = "/".join(dict.fromkeys(names)) or None
    code = "".join(code_parts) or None
    if code is None and name and (m := _LEADING_CODE.match(name)):
        code, name = m["code"], m["name"].strip()
    cells = {}
    for key, c in zip(keys, seg.values, strict=True):
        cell = row[c]
        if cell is None or id(cell) not in label_ids:
            cells[key] = clean_text(cell.text) if cell is not None and cell.col == c else ""
    return _Item(code, name, cells, [*seg.codes, *seg.names, *seg.values], labels)


def _items(grid, r: int, segments: list[_Segment], keys: list[list[str]], widths: dict[int, int]) -> list[tuple[_Segment, _Item]]:
    """The row's items, one per segment; segments sharing a merged name cell give one item."""
    out: list[tuple[_Segment, _Item]] = []
    for seg, seg_keys in zip(segments, keys, strict=True):
        item = _row_item(grid, r, seg, seg_keys, widths)
        if out and item.labels and any(a is b for a in item.labels for b in out[-1][1].labels):
            prev = out[-1][1]
            prev.cells = {k: v for k, v in prev.cells.items() if v} | item.cells
            prev.cols += item.cols
            continue
        out.append((seg, item))
    return [(seg, item) for seg, item in out if item.code or item.name or any(item.cells.values())]


def _declared_empty(doc_blocks, i: int, table: Table) -> bool:
    """Whether the table, or a note just above or below it, says it holds no data."""
    marker = _empty_marker()
    texts = [clean_text(c.text) for c in table.cells]
    if any(marker.search(t) for t in texts):
        return True
    body = [t for t in texts if t]
    notes = []
    for para in lines_above(doc_blocks, i):
        if classify(para.text) or clean_text(para.text) == clean_text(table.title):
            break  # lines above the title belong to the table before
        notes.append(para.text)
    j = i + 1
    while j < len(doc_blocks) and len(notes) < 8:
        block = doc_blocks[j]
        if not isinstance(block, Paragraph) or block.is_heading or classify(block.text):
            break
        notes.append(block.text)
        j += 1
    if any(marker.search(clean_text(n)) for n in notes):
        return True
    return (
        bool(body)
        and all(t in _spec()["empty_cells"] or not is_number(t) for t in body)
        and any(t in _spec()["empty_cells"] for t in body)
    )


def _title_of(doc_blocks, i: int, table: Table) -> tuple[str | None, str | None]:
    """(title as printed, table id): the annotated title, else a recognised line just above (or two lines
    above read as one: a title wrapped over two paragraphs, “…培训费支出预算” / “表”), else the id the table's
    header names (:func:`_by_header`) with the title as annotated."""
    if table.title and not _LEADER.search(table.title) and (tid := classify(table.title)):
        return table.title, tid
    above = lines_above(doc_blocks, i)
    for k, para in enumerate(above):
        if _LEADER.search(para.text):
            continue
        if tid := classify(para.text):
            return clean_text(para.text), tid
        if k + 1 < len(above) and (tid := classify(joined := clean_text(above[k + 1].text) + clean_text(para.text))):
            return joined, tid
    return table.title, _by_header(doc_blocks, table)


def _by_header(doc_blocks, table: Table) -> str | None:
    """The standard table a table without a recognised title is by its header (a 三公 table has 因公出国（境）费
    columns), when the title names no other kind of table; 决算 or 预算 from the header, else the text's wording."""
    if table.title and (classify(table.title) or _is_title_text(table.title)):
        return None  # titled, as something else (a performance table, a table of another kind)
    header = "".join(clean_text(c.text) for c in table.cells if c.row < max(table.header_rows, 1))
    for signature in _spec()["header_signatures"]:
        if all(word in header for word in signature["words"]):
            kind = _kind_in(header) or _kind_in("".join(b.text for b in doc_blocks if isinstance(b, Paragraph)))
            return signature["ids"].get(kind or "")
    return None


def _kind_in(text: str) -> str | None:
    """决算 or 预算, whichever ``text`` says more often (None on a tie)."""
    final, budget = text.count("决算"), text.count("预算")
    return "决算" if final > budget else "预算" if budget > final else None


def _unit_above(doc_blocks, i: int, title: str | None) -> str | None:
    """The unit declared on the lines between the table and its title (“单位：万元”)."""
    for para in lines_above(doc_blocks, i):
        if unit := find_unit(para.text):
            return unit
        if clean_text(para.text) == clean_text(title):
            break
    return None


def _prov(doc: Document, table: Table, page: int | None, context: str, cell: CellRef | None,
          bbox: tuple[float, float, float, float] | None = None) -> Provenance:
    return Provenance(
        source=doc.source,
        sha256=doc.sha256,
        format=doc.format,
        page=page,
        block=table.index,
        section=table.section,
        context=context,
        cell=cell,
        bbox=bbox,
    )


def _repeats_header(row: list[Cell | None], header_texts: set[str]) -> bool:
    """A header row printed again below the top (on a continuation page)."""
    texts = {clean_text(c.text) for c in _distinct(row)} - {""}
    return bool(texts) and texts <= header_texts


def _row_bbox(row_cells: list[Cell], r: int, page: int | None) -> tuple[float, float, float, float] | None:
    """The box of row ``r`` on its page: its own cells' boxes (``row_cells``, distinct; a cell merged over rows
    only when nothing else has one)."""
    cells = [c for c in row_cells if c.bbox is not None and c.page == page]
    own = [c for c in cells if c.row == r and c.rowspan == 1] or cells
    if not own:
        return None
    x0, top, x1, bottom = own[0].bbox
    for c in own[1:]:  # min and max as the builtins take them: the first of equal values
        b = c.bbox
        if b[0] < x0:
            x0 = b[0]
        if b[1] < top:
            top = b[1]
        if b[2] > x1:
            x1 = b[2]
        if b[3] > bottom:
            bottom = b[3]
    return round(x0, 2), round(top, 2), round(x1, 2), round(bottom, 2)


def _rows(doc: Document, table: Table, title: str | None, table_id: str) -> list[TableRow]:
    grid = table.grid()
    first = table.header_rows
    lead = 0
    while lead < first and len(_distinct(grid[lead])) == 1 and table.n_cols > 1:
        lead += 1  # a title or note row spanning the table is no column header
    lead = max(lead, min(lead_rows(table), first))  # title, unit and heading lines ruled into the grid
    paths = _header_paths(table, grid, lead, first)
    header_texts = {t for p in paths for t in p}
    body = [r for r in range(first, table.n_rows) if not _repeats_header(grid[r], header_texts)]
    roles = _column_roles(table, grid, body, paths)
    segments = _segments(roles, paths, bool(_titles()[2][table_id].get("two_sided")))
    keys = [_value_keys(seg, paths) for seg in segments]
    widths = _code_widths(grid, body, segments, paths)
    out: list[TableRow] = []
    for r in body:
        slots = grid[r]
        cells = _distinct(slots)
        if len(cells) == 1 and cells[0].colspan >= table.n_cols > 1:
            continue  # a note row spanning the table
        page = row_page(table, r)
        for seg, item in _items(grid, r, segments, keys, widths):
            row_cells = _distinct([slots[c] for c in item.cols])
            context = " | ".join([clean_text(c.text) for c in row_cells])
            prov = _prov(doc, table, page, context, CellRef(table.index, r, item.cols[0]),
                         _row_bbox(row_cells, r, page))
            out.append(
                TableRow(
                    table=title,
                    table_id=table_id,
                    unit=table.unit,
                    code=item.code,
                    level=_LEVELS.get(len(item.code)) if item.code else None,
                    name=item.name,
                    side=seg.side,
                    cells=item.cells,
                    values={k: amount_in_yuan(t, table.unit) for k, t in item.cells.items()},
                    prov=prov,
                )
            )
    return out


def _table_records(doc: Document, blocks, i: int, table: Table) -> list[TableInfo | TableRow]:
    title, table_id = _title_of(blocks, i, table)
    if table.unit is None:
        table = attrs.evolve(table, unit=_unit_above(blocks, i, title))
    declared = _declared_empty(blocks, i, table)
    pages = table.pages or ((table.page,) if table.page is not None else ())
    warnings = list(table.warnings)
    rows: list[TableRow] = []
    if table_id and table_kind(table_id) != "绩效":
        rows = _rows(doc, table, title, table_id)
        if declared and any(v for r in rows for v in r.values.values()):
            warnings.append(Notice("declared_empty_with_data", "a note declares the table empty, but it prints amounts;"
                                   " its rows are kept", pages))
        elif declared:
            rows = []  # blank or zero rows under a note that says so
        if not rows and not declared and _has_numbers(table):
            warnings.append(Notice("grid_not_parsed", "the table prints amounts but no row could be read from its grid",
                                   pages))
        if uncoded := _rows_without_code(rows):
            warnings.append(Notice("rows_without_code", f"{len(uncoded)} of the table's item rows have no"
                                   f" classification code ({', '.join(uncoded[:3])}{' …' if len(uncoded) > 3 else ''})",
                                   tuple(sorted({r.prov.page for r in rows if r.name in uncoded and r.prov.page}))))
        empty = not rows
    else:
        empty = declared or not any(clean_text(c.text) for c in table.cells if c.row >= table.header_rows)
    info = TableInfo(
        table=title,
        table_id=table_id,
        unit=table.unit,
        pages=pages,
        n_rows=table.n_rows,
        n_cols=table.n_cols,
        empty=empty,
        prov=_prov(doc, table, table.page, title or "", None),
        warnings=tuple(warnings),
        bboxes=table_bboxes(table),
    )
    return [info, *rows]


_AMOUNT_IN_TEXT = regex.compile(r"(?<![\d.])\d{1,3}(?:,\d{3})*\.\d{2}(?![\d.])")


def _has_numbers(table: Table) -> bool:
    """Whether the body prints an amount, alone in a cell or inside its text (a row run into one cell)."""
    return any(is_number(text := clean_text(c.text)) or _AMOUNT_IN_TEXT.search(text)
               for c in table.cells if c.row >= table.header_rows)


_TOTAL_NAME = regex.compile(r"合\s*计|总\s*计|小\s*计")


def _rows_without_code(rows: list[TableRow]) -> list[str]:
    """Names of the item rows without a code in a table whose rows mostly have one (totals need none)."""
    coded = sum(1 for r in rows if r.code)
    if coded < 3 or coded * 2 < len(rows):
        return []
    return [r.name for r in rows if not r.code and r.name and not _TOTAL_NAME.search(r.name)
            and any(v is not None for v in r.values.values())]


def table_bboxes(table: Table) -> tuple[tuple[int, float, float, float, float], ...]:
    """The box a table covers on each of its pages, from its cells' boxes (none for formats without boxes)."""
    spans: dict[int, list[float]] = {}
    for c in table.cells:
        if c.bbox is None or c.page is None:
            continue
        x0, top, x1, bottom = c.bbox
        box = spans.get(c.page)
        if box is None:
            spans[c.page] = [x0, top, x1, bottom]
            continue
        if x0 < box[0]:  # min and max as the builtins take them: the first of equal values
            box[0] = x0
        if top < box[1]:
            box[1] = top
        if x1 > box[2]:
            box[2] = x1
        if bottom > box[3]:
            box[3] = bottom
    return tuple((page, *(round(v, 2) for v in box)) for page, box in sorted(spans.items()))


def _note_says_empty(blocks, i: int) -> bool:
    """Whether the lines after the title at ``blocks[i]``, up to the next title or table, declare it empty."""
    marker = _empty_marker()
    for block in blocks[i + 1:i + 6]:
        if not isinstance(block, Paragraph) or classify(block.text):
            return False
        if marker.search(clean_text(block.text)):
            return True
    return False


def _announced(doc: Document, blocks, found: set[str]) -> Iterator[tuple[int, TableInfo]]:
    """Annex titles printed with no table of that kind anywhere, and a note that it is empty (本表无数据)."""
    last: dict[str, Paragraph] = {}
    for i, block in enumerate(blocks):
        if isinstance(block, Paragraph) and (tid := classify(block.text)) and tid not in found:
            if table_kind(tid) in ("决算", "预算") and _note_says_empty(blocks, i):
                last[tid] = block
    for tid, para in last.items():
        prov = Provenance(
            source=doc.source,
            sha256=doc.sha256,
            format=doc.format,
            page=para.page,
            block=para.index,
            section=para.section,
            context=para.text,
        )
        pages = (para.page,) if para.page is not None else ()
        yield (
            para.index,
            TableInfo(
                table=clean_text(para.text),
                table_id=tid,
                unit=None,
                pages=pages,
                n_rows=0,
                n_cols=0,
                empty=True,
                prov=prov,
            ),
        )


def _mark_unjoined(blocks, placed: list[tuple[int, list[TableInfo | TableRow]]]) -> None:
    """Say so on both tables where an untitled table on the next page looks like the rest of an annex table.

    A table without a title of its own, on the page after an annex table ends,
    with nothing between them but lines that name no table and open no part (a
    stray number, a row read as a heading), is most likely its continuation that
    could not be joined (other columns, a page laid out otherwise).
    """
    for (_, before), (_, after) in pairwise(placed):
        first, second = before[0], after[0]
        if not first.table_id or table_kind(first.table_id) == "绩效" or second.table_id or not first.pages:
            continue
        if not second.pages or second.pages[0] != first.pages[-1] + 1:
            continue
        between = blocks[first.prov.block + 1:second.prov.block]
        if second.table and _is_title_text(second.table) or any(
            isinstance(b, Table) or _is_title_text(b.text) or numbering_level(b.text) == 1 for b in between
        ):
            continue
        notice = Notice("continuation_not_joined", f"the untitled table on page {second.pages[0]} looks like the rest"
                        f" of “{first.table}” but could not be joined to it", (second.pages[0],))
        before[0] = attrs.evolve(first, warnings=(*first.warnings, notice))
        after[0] = attrs.evolve(second, warnings=(*second.warnings, notice))


def _is_title_text(text: str) -> bool:
    text = clean_text(text)
    return bool(classify(text)) or text.endswith("表")


def annex_records(doc: Document) -> list[TableInfo | TableRow]:
    """One ``table`` record per table of ``doc`` and one ``table_row`` per body row of each annex table.

    Tables declared empty (“本表无数据”, “故本表为空表”, in or beside the table,
    or under a title printed with no table) give a ``table`` record with
    ``empty=True`` and no rows.  A title merely listed (the 附表 list of a
    disclosure published without its tables) is no table.  ``doc`` must be annotated
    (:func:`~decextract.tables.structure.annotate`), as the pipeline does once for all table layers.
    """
    blocks = list(doc.blocks)
    placed: list[tuple[int, list[TableInfo | TableRow]]] = []
    found: set[str] = set()
    for i, block in enumerate(blocks):
        if isinstance(block, Table):
            records = _table_records(doc, blocks, i, block)
            if records[0].table_id:
                found.add(records[0].table_id)
            placed.append((block.index, records))
    _mark_unjoined(blocks, placed)
    placed += [(index, [info]) for index, info in _announced(doc, blocks, found)]
    placed.sort(key=lambda item: item[0])
    return [record for _, records in placed for record in records]
