"""PDF tables: ruling lines from PDFium, cells by pdfplumber's table-finding rules, parts joined across pages.

The ruling lines (stroked or filled paths, straight segments and rectangles)
are read from PDFium's page objects, which is cheap, and handed to
:func:`.rulings.find_tables` — pdfplumber's “lines” strategy (snap, join,
intersect, find the smallest rectangles, group them into tables), the same
tables by sorts and sweeps instead of all pairs — so pdfminer never parses the
page.  Characters are then put into the cell holding their centre.

A table broken by a page break comes in several :class:`TablePart`\\ s;
:func:`build_table` makes one grid of them: column boundaries shared by all
parts, the header rows a part repeats dropped, a row cut by the page break (its
cells' text continuing at the top of the next page) joined back into one row, and
a merged cell running over the break kept as one cell.
"""

from __future__ import annotations

import ctypes
import functools
import struct
from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from itertools import pairwise

import attrs
import pypdfium2.raw as pdfium_c
import regex

from ..model import Cell
from ..sections import numbering_level
from . import pdfraw
from .pdftext import Char, Line, PageFrame, group_lines, join_lines, join_text, round2
from .rulings import find_tables, merge_edges

_SNAP = 3.0  # points: boundaries closer than this are the same ruling line
_BAND = 8.0  # points: height of the bands cells are indexed by, so a character is tested against few cells
_MARGIN = 0.12  # share of the page height at top and bottom where running headers and footers sit
_FRAME_LINES = 4  # lines of text in one cell that make a box of at most three cells a frame, not a table
_NUMBER = regex.compile(r"^\s*[-+(（]?[\d,，.]+[)）]?\s*[%％]?\s*$")  # an amount, a share or a code, alone


@attrs.define
class RawCell:
    """A cell as found on one page: its box and its text lines."""

    bbox: tuple[float, float, float, float]  # x0, top, x1, bottom
    page: int
    lines: list[Line] = attrs.field(factory=list)


@attrs.define
class TablePart:
    """The piece of a table that lies on one page."""

    page: int
    bbox: tuple[float, float, float, float]
    cells: list[RawCell]

    def contains(self, c: Char) -> bool:
        x, y = (c.x0 + c.x1) / 2, (c.top + c.bottom) / 2
        x0, top, x1, bottom = self.bbox
        return x0 - 1 <= x <= x1 + 1 and top - 1 <= y <= bottom + 1


def _edge(x0: float, top: float, x1: float, bottom: float, orientation: str) -> dict:
    return {"x0": x0, "x1": x1, "top": top, "bottom": bottom, "doctop": top, "width": x1 - x0,
            "height": bottom - top, "orientation": orientation, "object_type": "line"}


def ruling_edges(page, frame: PageFrame, paths: list | None = None) -> list[dict]:
    """Horizontal and vertical segments of the page's visible paths, as displayed (top-left origin);
    ``paths``: the page's :func:`painted_paths`, when already walked."""
    edges: list[dict] = []
    count = pdfraw.path_count_segments
    moveto, lineto = pdfium_c.FPDF_SEGMENT_MOVETO, pdfium_c.FPDF_SEGMENT_LINETO
    point = frame.point
    upright = frame.rotation == 0
    crop_left, _, _, crop_top = frame.box
    add = _add_segment
    for handle, (a, b, c, d, e, f) in (_painted_paths(pdfraw.handle(page)) if paths is None else paths):
        start = cur = None
        for px, py, kind, closes in _segments(handle, count(handle)):
            if upright:  # PageFrame.point, inline
                pt = (a * px + c * py + e - crop_left, crop_top - (b * px + d * py + f))
            else:
                pt = point(a * px + c * py + e, b * px + d * py + f)
            if kind == moveto or cur is None:
                start = cur = pt
                continue
            if kind == lineto:
                add(edges, cur, pt)
            cur = pt
            if closes:
                add(edges, cur, start)
                cur = start
    return edges


#: one point of a PDFium path as it lies in PDFium's memory (``CFX_Path::Point``): x, y (floats), the
#: segment's type (FPDF_SEGMENT_*) and whether it closes the figure (a byte each), padded to 12 bytes
_POINT_LAYOUT = struct.Struct("2fBB2x")


def _segments(handle, n: int):
    """``(x, y, type, closes)`` of each of the ``n`` segments of a path, in order.

    A path's points lie in one array, so where its layout is the one :func:`_layout_known` checked, the
    whole array is read at once: one copy instead of four calls a segment (the address of the first
    and last segment, as PDFium hands them out, must be that array's).  Otherwise :func:`_each_segment`.
    """
    if n > 0 and _layout_known():
        points = _point_array(handle, n)
        if points is not None:
            return points
    return _each_segment(handle, n)


def _point_array(handle, n: int):
    """The ``n`` points of a path read from its array at once, as :data:`_POINT_LAYOUT` says they lie, or None
    where the first and last segment PDFium hands out do not span one such array."""
    size = _POINT_LAYOUT.size
    first, last = pdfraw.path_get_segment(handle, 0).value, pdfraw.path_get_segment(handle, n - 1).value
    if not (first and last and last - first == (n - 1) * size):
        return None
    return _POINT_LAYOUT.iter_unpack(ctypes.string_at(first, n * size))


def _each_segment(handle, n: int):
    """:func:`_segments` through PDFium's calls, a segment at a time."""
    pt_buf = pdfraw.Point()
    xref, yref = ctypes.byref(pt_buf), ctypes.byref(pt_buf, 4)
    unpack = pdfraw.POINT.unpack_from
    get_segment, get_point = pdfraw.path_get_segment, pdfraw.segment_get_point
    get_type, get_close = pdfraw.segment_get_type, pdfraw.segment_get_close
    for i in range(n):
        seg = get_segment(handle, i)
        get_point(seg, xref, yref)
        px, py = unpack(pt_buf)
        yield px, py, get_type(seg), get_close(seg)


@functools.cache
def _layout_known() -> bool:
    """Whether PDFium keeps a path's points as :data:`_POINT_LAYOUT` says: a path made here of every kind
    of segment (move, line, Bézier, closing) reads the same from memory as through PDFium's calls."""
    path = pdfium_c.FPDFPageObj_CreateNewPath(10.5, 20.25)
    try:
        pdfium_c.FPDFPath_LineTo(path, 110.5, -20.75)
        pdfium_c.FPDFPath_BezierTo(path, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0)
        pdfium_c.FPDFPath_Close(path)
        pdfium_c.FPDFPath_MoveTo(path, 7.75, 8.5)
        pdfium_c.FPDFPath_LineTo(path, 9.0, 10.0)
        handle = pdfraw.handle(path)
        n = pdfraw.path_count_segments(handle)
        points = _point_array(handle, n) if n == 7 else None
        return points is not None and list(points) == list(_each_segment(handle, n))
    finally:
        pdfium_c.FPDFPageObj_Destroy(path)


_Matrix = tuple[float, float, float, float, float, float]
_IDENTITY: _Matrix = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)
_PATH, _FORM, _TEXT = pdfium_c.FPDF_PAGEOBJ_PATH, pdfium_c.FPDF_PAGEOBJ_FORM, pdfium_c.FPDF_PAGEOBJ_TEXT


def painted_paths(page, texts: list) -> list:
    """The page's painted paths (as :func:`ruling_edges` takes them), its text objects into ``texts``: one
    walk over its objects where both are wanted (readers/pdffonts.py looks at the text objects)."""
    return list(_painted_paths(pdfraw.handle(page), texts=texts))


def _painted_paths(page, form=None, outer: _Matrix = _IDENTITY, texts: list | None = None):
    """``(path handle, matrix to user space)`` of every painted path, inside form XObjects too (and the text
    objects' handles into ``texts``, when given)."""
    modes = (ctypes.c_int * 2)()
    fref, sref = ctypes.byref(modes), ctypes.byref(modes, 4)
    raw = pdfraw.Matrix()
    ref = ctypes.byref(raw)
    unpack = pdfraw.MATRIX.unpack_from
    rgba = pdfraw.Color()
    color = tuple(ctypes.byref(rgba, 4 * k) for k in range(4))
    if form is None:
        count, get, owner = pdfraw.page_count_objects(page), pdfraw.page_get_object, page
    else:
        count, get, owner = pdfraw.form_count_objects(form), pdfraw.form_get_object, form
    get_type, get_matrix, get_draw_mode = pdfraw.object_get_type, pdfraw.object_get_matrix, pdfraw.path_get_draw_mode
    get_fill, get_stroke = pdfraw.object_get_fill_color, pdfraw.object_get_stroke_color
    for k in range(count):
        handle = get(owner, k)
        kind = get_type(handle)
        if kind != _PATH and kind != _FORM:
            if kind == _TEXT and texts is not None:
                texts.append(handle)
            continue
        get_matrix(handle, ref)
        matrix = _compose(unpack(raw), outer)
        if kind == _FORM:
            yield from _painted_paths(page, handle, matrix, texts)
            continue
        if not get_draw_mode(handle, fref, sref):
            continue
        fill, stroke = modes
        if (fill and _visible(get_fill(handle, *color), rgba)) or (
            stroke and _visible(get_stroke(handle, *color), rgba)
        ):
            yield handle, matrix  # (unpainted paths, and paths painted white like Word's cell backgrounds, are not)


def _compose(inner: _Matrix, outer: _Matrix) -> _Matrix:
    """The matrix applying ``inner`` then ``outer`` (PDF's row-vector convention)."""
    a1, b1, c1, d1, e1, f1 = inner
    a2, b2, c2, d2, e2, f2 = outer
    return (a1 * a2 + b1 * c2, a1 * b2 + b1 * d2, c1 * a2 + d1 * c2, c1 * b2 + d1 * d2,
            e1 * a2 + f1 * c2 + e2, e1 * b2 + f1 * d2 + f2)


def _visible(got: int, rgba) -> bool:
    """Whether a colour just read into ``rgba`` (``got``: the call succeeded) shows: not transparent, not white."""
    if not got:
        return True
    r, g, b, a = rgba
    return a > 0 and min(r, g, b) < 250


def _add_segment(edges: list[dict], p: tuple[float, float], q: tuple[float, float]) -> None:
    (px, py), (qx, qy) = p, q
    if abs(py - qy) < 1 and abs(px - qx) >= 1:
        x0, x1 = (px, qx) if px <= qx else (qx, px)
        y = (py + qy) / 2
        edges.append({"x0": x0, "x1": x1, "top": y, "bottom": y, "doctop": y, "width": x1 - x0,
                      "height": y - y, "orientation": "h", "object_type": "line"})
    elif abs(px - qx) < 1 and abs(py - qy) >= 1:
        x = (px + qx) / 2
        top, bottom = (py, qy) if py <= qy else (qy, py)
        edges.append({"x0": x, "x1": x, "top": top, "bottom": bottom, "doctop": top, "width": x - x,
                      "height": bottom - top, "orientation": "v", "object_type": "line"})


def _missing_edges(edges: list[dict], chars: Sequence[Char]) -> list[dict]:
    """Edges completing partly ruled tables: rules (at least three) sharing their left and right ends.

    With a vertical rule between those ends, the table only lacks its outer sides:
    they run from the first rule to the last.  With none, the rules only run across
    (a “three-line” table): the columns are where the text between the rules leaves
    a gap top to bottom, and every text line is a row.
    """
    rules = sorted((e for e in edges if e["orientation"] == "h"), key=lambda e: (round(e["x0"]), round(e["x1"])))
    verticals = [e for e in edges if e["orientation"] == "v"]
    groups: list[list[dict]] = []
    for e in rules:
        if groups and abs(groups[-1][0]["x0"] - e["x0"]) <= _SNAP and abs(groups[-1][0]["x1"] - e["x1"]) <= _SNAP:
            groups[-1].append(e)
        else:
            groups.append([e])
    added = []
    for group in groups:
        if len(group) < 3:
            continue
        x0, x1 = group[0]["x0"], group[0]["x1"]
        top, bottom = min(e["top"] for e in group), max(e["top"] for e in group)
        spanning = [v["x0"] for v in verticals if v["top"] <= bottom and v["bottom"] >= top]
        if not any(x0 + _SNAP < x < x1 - _SNAP for x in spanning):
            added += _text_grid((x0, top, x1, bottom), sorted(e["top"] for e in group), chars)
            continue
        for x in (x0, x1):
            if not any(abs(x - v) <= _SNAP for v in spanning):
                added.append(_edge(x, top, x, bottom, "v"))
    return added


def _open_ends(edges: list[dict], chars: Sequence[Char], height: float) -> list[dict]:
    """Rules closing a table whose column lines run past its first or last rule.

    A table continued from the previous page often starts with its column lines
    only (the rule above its first row is on the page before); one running on to
    the next page may stop without a rule below its last row.  Where vertical
    rules end at the same height and two at least have no horizontal rule
    through that end, a rule joins all the verticals ending there, so the row
    they frame is a row (a rule over part of the width, above a header cell
    split in two, is kept and extended).  Only where nothing but a running header
    or footer lies beyond that end on the page: a table opens at the top of a
    page and runs on at its foot, the gridlines of a chart mid-page make no table.
    """
    horizontals = sorted((e for e in edges if e["orientation"] == "h"), key=lambda e: e["top"])
    tops = [h["top"] for h in horizontals]

    def closed(x: float, y: float) -> bool:  # the rules near y (a margin wider than the test), tested exactly
        near = horizontals[bisect_left(tops, y - _SNAP - 1):bisect_right(tops, y + _SNAP + 1)]
        return any(abs(h["top"] - y) <= _SNAP and h["x0"] - _SNAP <= x <= h["x1"] + _SNAP for h in near)

    ends: dict[str, list[tuple[float, float, bool]]] = {"top": [], "bottom": []}
    for v in edges:
        if v["orientation"] == "v":
            for side, points in ends.items():
                points.append((v[side], v["x0"], not closed(v["x0"], v[side])))
    added = []
    text_span: list[float] = []  # where the body text starts and ends, found when first needed

    def beyond(side: str, y: float) -> bool:
        if not text_span:
            margin = _MARGIN * height
            body = [c for c in chars if margin < (c.top + c.bottom) / 2 < height - margin]
            text_span.append(min((c.bottom for c in body), default=float("inf")))  # the body text nearest the top ends here
            text_span.append(max((c.top for c in body), default=float("-inf")))
        return text_span[0] <= y if side == "top" else text_span[1] >= y

    for side, points in ends.items():
        points.sort()
        group: list[tuple[float, float, bool]] = []
        for point in [*points, (float("inf"), 0.0, False)]:
            if group and point[0] - group[0][0] > _SNAP:
                xs = [x for _, x, _ in group]
                y = sum(y for y, _, _ in group) / len(group)
                if sum(is_open for *_, is_open in group) >= 2 and max(xs) - min(xs) > 2 * _SNAP and not beyond(side, y):
                    added.append(_edge(min(xs), y, max(xs), y, "h"))
                group = []
            group.append(point)
    return added


def _text_grid(box: tuple[float, float, float, float], rules: list[float], chars: Sequence[Char]) -> list[dict]:
    """Column and row edges for the text between horizontal rules; none if the text shows no column gap.

    Every text line is a row, except lines only a few points apart that share no
    stretch of the width: those are one row set on two baselines.
    """
    x0, top, x1, bottom = box
    inside = [c for c in chars if x0 <= (c.x0 + c.x1) / 2 <= x1 and top <= (c.top + c.bottom) / 2 <= bottom]
    if not inside:
        return []
    sizes = sorted(c.size for c in inside)
    min_gap = max(6.0, 0.8 * sizes[len(sizes) // 2])
    spans = sorted((c.x0, c.x1) for c in inside)
    cuts, reach = [], spans[0][1]
    for left, right in spans[1:]:
        if left - reach >= min_gap:
            cuts.append((reach + left) / 2)
        reach = max(reach, right)
    if not cuts:
        return []  # prose between rules
    lines = group_lines(inside, 0, split_gap=float("inf"))
    cuts = _header_aligned(cuts, lines, [x0, x1], _header_rule(rules, lines))
    edges = [_edge(x, top, x, bottom, "v") for x in (x0, *cuts, x1)]
    bounds = [x0, *cuts, x1]
    widest: dict[int, float] = {}
    for line in lines:
        for k, chars in _by_column(line, bounds).items():
            widest[k] = max(widest.get(k, 0.0), chars[-1].x1 - chars[0].x0)
    for above, below in pairwise(lines):
        if below.top - above.top < 0.75 * min(above.size, below.size) and not _overlap(above, below):
            continue  # one row whose cells sit on baselines a few points apart (codes set higher than names)
        if _wraps_on(above, below, bounds, widest):
            continue
        if not any(above.bottom - _SNAP <= t <= below.top + _SNAP for t in rules):
            y = (above.bottom + below.top) / 2
            edges.append(_edge(x0, y, x1, y, "h"))
    return edges


def _header_rule(rules: list[float], lines: list[Line]) -> float | None:
    """The rule under the header: the last rule above the first line that prints a digit (a code or an amount),
    when one lies between the table's top rule and that line."""
    first = next((line for line in lines if any(c.text.isdigit() for c in line.chars)), None)
    if first is None:
        return None
    above = [r for r in rules[1:] if r <= first.top + _SNAP]
    return above[-1] if above else None


def _header_aligned(cuts: list[float], lines: list[Line], ends: list[float], header_rule: float | None) -> list[float]:
    """The cuts without those between a header and its own column aligned otherwise (a header set flush left over
    amounts set flush right leaves a gap between them): two neighbouring columns that no line shares, one with
    text only above the rule under the header (:func:`_header_rule`), the other only below it, are one column."""
    if header_rule is None:
        return cuts
    cuts = list(cuts)
    merged = True
    while merged and cuts:
        merged = False
        bounds = [ends[0], *cuts, ends[1]]
        held: list[tuple[set[int], set[bool]]] = [(set(), set()) for _ in range(len(bounds) - 1)]
        for n, line in enumerate(lines):
            for k in _by_column(line, bounds):
                held[k][0].add(n)
                held[k][1].add(line.bottom <= header_rule + _SNAP)
        for k in range(len(cuts)):
            (left, left_head), (right, right_head) = held[k], held[k + 1]
            if left and right and not left & right and len(left_head) == len(right_head) == 1 and left_head != right_head:
                del cuts[k]
                merged = True
                break
    return cuts


def _by_column(line: Line, bounds: list[float]) -> dict[int, list[Char]]:
    """The line's characters by the column (between ``bounds``) their centre lies in."""
    out: dict[int, list[Char]] = {}
    for c in line.chars:
        k = next((i for i in range(len(bounds) - 1) if (c.x0 + c.x1) / 2 <= bounds[i + 1]), len(bounds) - 2)
        out.setdefault(k, []).append(c)
    return out


def _wraps_on(above: Line, below: Line, bounds: list[float], widest: dict[int, float]) -> bool:
    """Whether ``below`` is the wrapped rest of one cell of ``above``: text in that column only, no number,
    no numbered item, under a line as wide as the column's widest."""
    cols = _by_column(below, bounds)
    if len(cols) != 1:
        return False
    (k, chars), = cols.items()
    text = "".join(c.text for c in chars)
    upper = _by_column(above, bounds).get(k)
    if not upper or _NUMBER.match(text) or numbering_level(text) is not None:
        return False
    char = chars[0].x1 - chars[0].x0
    return upper[-1].x1 - upper[0].x0 >= widest[k] - char and below.top - above.bottom < below.size


def _overlap(a: Line, b: Line) -> bool:
    """Whether two lines have characters over the same stretch of the page's width."""
    return any(c.x0 < d.x1 and d.x0 < c.x1 for c in a.chars for d in b.chars)


def find_parts(page, page_no: int, frame: PageFrame, chars: Sequence[Char],
               edges: list[dict] | None = None, paths: list | None = None) -> list[TablePart]:
    """The ruled and partly ruled tables of a page (each at least two cells), top to bottom, cells still empty.

    ``edges`` replaces the page's own ruling lines (those OCR saw in a scanned page's image); ``paths``: the
    page's :func:`painted_paths`, when already walked."""
    edges = ruling_edges(page, frame, paths) if edges is None else edges
    if len(edges) < 3:
        return []
    edges = merge_edges(edges, _SNAP)
    edges += _open_ends(edges, chars, frame.height)
    parts = []
    for bbox, boxes in find_tables(edges + _missing_edges(edges, chars)):
        if len(boxes) < 2:
            continue  # a framed box around prose is not a table
        parts.append(TablePart(page_no, bbox, [RawCell(b, page_no) for b in boxes]))
    parts.sort(key=lambda p: p.bbox[1])
    return parts


def fill_parts(parts: Sequence[TablePart], chars: Sequence[Char]) -> tuple[list[TablePart], list[Char]]:
    """Put each character inside a part into the cell holding its centre.

    Returns the parts that are tables and the characters outside them.  A part of
    at most three cells, one holding several lines, is a frame drawn around prose
    (a boxed note, a ruled page border): its characters are prose.
    """
    if not parts:
        return [], list(chars)
    outside: list[Char] = []
    found: dict[int, list[Char]] = {}
    bands: dict[int, list[tuple[float, float, float, float, RawCell]]] = {}  # cells by horizontal band
    for part in parts:  # of _BAND points, to test few of them
        for cell in part.cells:
            x0, top, x1, bottom = cell.bbox
            for band in range(int(top // _BAND), int(bottom // _BAND) + 1):
                bands.setdefault(band, []).append((x0, top, x1, bottom, cell))
    areas = [(p.bbox[0] - 1, p.bbox[1] - 1, p.bbox[2] + 1, p.bbox[3] + 1, p) for p in parts]  # TablePart.contains
    for ch in chars:
        x, y = (ch[1] + ch[3]) / 2, (ch[2] + ch[4]) / 2
        for x0, top, x1, bottom, part in areas:  # noqa: B007 (the part found is used below)
            if x0 <= x <= x1 and top <= y <= bottom:
                break
        else:
            outside.append(ch)
            continue
        for x0, top, x1, bottom, cell in bands.get(int(y // _BAND), ()):  # noqa: B007
            if x0 <= x <= x1 and top <= y <= bottom:
                break
        else:  # on a ruling line or in a gap: the nearest cell
            cell = min(part.cells, key=lambda c: _distance(c.bbox, x, y))
        found.setdefault(id(cell), []).append(ch)
    for part in parts:
        for cell in part.cells:
            if id(cell) in found:
                cell.lines = group_lines(found[id(cell)], cell.page, split_gap=float("inf"))
    tables = []
    for part in parts:
        if len(part.cells) <= 3 and max(len(c.lines) for c in part.cells) >= _FRAME_LINES:
            outside.extend(ch for c in part.cells for line in c.lines for ch in line.chars)
        else:
            tables.append(part)
    return tables, outside


def _distance(bbox: tuple[float, float, float, float], x: float, y: float) -> float:
    x0, top, x1, bottom = bbox
    return max(x0 - x, 0, x - x1) + max(top - y, 0, y - bottom)


def _clusters(values: Sequence[float]) -> list[float]:
    """Distinct boundaries: values closer than the snap tolerance are one boundary."""
    out: list[float] = []
    for v in sorted(values):
        if out and v - out[-1] <= _SNAP:
            continue
        out.append(v)
    return out


def _index(bounds: list[float], v: float) -> int:
    """The index of the boundary nearest ``v`` (the first of two as near) in sorted, distinct ``bounds``."""
    i = bisect_left(bounds, v)
    if i == len(bounds):
        return i - 1
    if i and abs(bounds[i - 1] - v) <= abs(bounds[i] - v):
        return i - 1
    return i


@attrs.define
class _GridCell:
    row: int
    col: int
    rowspan: int
    colspan: int
    raw: RawCell
    lines: list[Line]

    @property
    def empty(self) -> bool:
        return not self.lines


class _Nearest(dict):
    """:func:`_index` of each value looked up in ``bounds``, computed once per distinct value (a table's
    cells share their edges: a few values, each many times)."""

    def __init__(self, bounds: list[float]):
        super().__init__()
        self.bounds = bounds

    def __missing__(self, v: float) -> int:
        i = self[v] = _index(self.bounds, v)
        return i


def _part_grid(part: TablePart, col_of: _Nearest) -> tuple[list[_GridCell], int]:
    rows = _clusters([v for c in part.cells for v in (c.bbox[1], c.bbox[3])])
    row_of = _Nearest(rows)
    grid = []
    for c in part.cells:
        x0, top, x1, bottom = c.bbox
        r0, r1 = row_of[top], row_of[bottom]
        c0, c1 = col_of[x0], col_of[x1]
        grid.append(_GridCell(r0, c0, max(r1 - r0, 1), max(c1 - c0, 1), c, list(c.lines)))
    return grid, max(len(rows) - 1, 1)


def _row_texts(cells: list[_GridCell], row: int) -> list[tuple[int, int, str]]:
    return sorted((c.col, c.colspan, _text(c)) for c in cells if c.row == row)


def _covering(cells: list[_GridCell], row: int) -> dict[tuple[int, int], _GridCell]:
    return {(c.col, c.colspan): c for c in cells if c.row <= row < c.row + c.rowspan}


def _is_cut_row(last: dict[tuple[int, int], _GridCell], first: list[_GridCell], widest: dict[tuple[int, int], float]) -> bool:
    """Whether ``first`` (a part's first row) continues the previous part's last row.

    Cut rows show cells whose text all fitted on the previous page as empty (a
    merged cell running on from above proves nothing), never start text in a
    column that was empty above, never go on from a number (a new row of a
    table of codes and amounts leaves its 款/项 cells empty, but it has numbers
    where the row above has them), never go on with a numbered item (“十八、…”),
    and go on only from a line that leaves no room in its cell (text wraps when
    the next word no longer fits: “小计” above “事业收入” is two rows).  Without an
    emptied cell, one line at least must be as wide as the column's widest
    (“十七、国土海洋气象等支” above “出”, the amounts blank): a short item that
    just fills a narrow cell (“专户管理教育收费” above “其他非税收入”) proves nothing.
    """
    if not first or all(c.empty for c in first):
        return False
    emptied = widest_full = False
    for c in first:
        above = last.get((c.col, c.colspan))
        if above is None:
            return False
        if above.empty and not c.empty:
            return False
        if not c.empty and not above.empty:
            if _NUMBER.match(_text(above)) or _NUMBER.match(_text(c)) or numbering_level(_text(c)) is not None:
                return False
            fills_cell, fills_column = _ends_full(above, c, widest)
            if not fills_cell:
                return False
            widest_full = widest_full or (fills_column and above.rowspan == 1)
        emptied = emptied or (c.empty and not above.empty and above.rowspan == 1)
    return emptied or widest_full


def _ends_full(above: _GridCell, below: _GridCell, widest: dict[tuple[int, int], float]) -> tuple[bool, bool]:
    """Whether the last line of ``above`` leaves no room for the first word of ``below``: (in its cell, in its column).

    In its cell: less a padding of one character each side (the text may be
    centred).  In its column: within the widest line of the column (with CJK
    text, lines are multiples of one character wide).
    """
    last = above.lines[-1]
    x0, _, x1, _ = above.raw.bbox
    lead = _first_word(below.lines[0])
    width = last.x1 - last.x0
    in_cell = (x1 - x0) - width < lead + 2 * max(last.size, 1.0)
    return in_cell, width + lead > widest.get((above.col, above.colspan), 0.0) + 0.25 * lead


def _first_word(line: Line) -> float:
    """Width of the first character of ``line``, or of its first Latin word (up to a gap between characters)."""
    chars = line.chars
    end = 0
    if chars[0].text.isascii():
        while (
            end + 1 < len(chars)
            and chars[end + 1].text.isascii()
            and chars[end + 1].text.isalnum()
            and chars[end + 1].x0 - chars[end].x1 < 0.15 * line.size
        ):
            end += 1
    return chars[end].x1 - chars[0].x0


def _widest(cells: Sequence[_GridCell], out: dict[tuple[int, int], float] | None = None) -> dict[tuple[int, int], float]:
    """The widest text line of each column (by start column and span), of ``cells`` and those ``out`` holds."""
    out = {} if out is None else out
    for c in cells:
        for line in c.lines:
            key = (c.col, c.colspan)
            out[key] = max(out.get(key, 0.0), line.x1 - line.x0)
    return out


def _text(cell: _GridCell) -> str:
    return join_text(cell.lines)


def build_table(parts: Sequence[TablePart]) -> tuple[list[Cell], int, int]:
    """One grid from the parts of a table: ``(cells, n_rows, n_cols)``."""
    cols = _clusters([v for p in parts for c in p.cells for v in (c.bbox[0], c.bbox[2])])
    col_of = _Nearest(cols)
    cells, n_rows = _part_grid(parts[0], col_of)
    first_part = [(c.row, c.col, c.colspan, tuple(c.lines)) for c in cells]  # as read (rows cut later grow)
    header: dict[int, list[tuple[int, int, str]]] = {}  # texts of the first part's rows, as they are needed
    first_rows = n_rows
    widest = _widest(cells) if len(parts) > 1 else {}  # of the cells so far (a row joined across the break
    # keeps its lines in their column, so each part only adds its own)

    def header_row(r: int) -> list[tuple[int, int, str]]:
        if r not in header:
            header[r] = sorted((col, span, join_text(lines)) for row, col, span, lines in first_part if row == r)
        return header[r]

    for part in parts[1:]:
        grid, rows = _part_grid(part, col_of)
        repeated = 0
        while repeated < rows - 1 and repeated < first_rows and _row_texts(grid, repeated) == header_row(repeated):
            repeated += 1
        grid = [c for c in grid if c.row >= repeated]
        for c in grid:
            c.row -= repeated
        rows -= repeated
        last = _covering(cells, n_rows - 1)
        first = [c for c in grid if c.row == 0]
        cut = _is_cut_row(last, first, _widest(grid, widest))
        for c in first:
            above = last.get((c.col, c.colspan))
            if above is None:
                continue
            if cut:
                above.lines.extend(c.lines)
                above.rowspan += c.rowspan - 1
            elif c.empty and (above.rowspan > 1 or c.rowspan > 1):
                above.rowspan += c.rowspan
            else:
                continue
            grid.remove(c)
        shift = n_rows - 1 if cut else n_rows
        for c in grid:
            c.row += shift
        cells.extend(grid)
        n_rows = shift + rows
    out = []
    rounded = _Rounded()
    for c in sorted(cells, key=lambda c: (c.row, c.col)):
        text, boxes = join_lines(c.lines)
        x0, top, x1, bottom = c.raw.bbox
        out.append(Cell(row=c.row, col=c.col, text=text, rowspan=c.rowspan, colspan=c.colspan, page=c.raw.page,
                        bbox=(rounded[x0], rounded[top], rounded[x1], rounded[bottom]), boxes=boxes))
    return out, n_rows, max(len(cols) - 1, 1)


class _Rounded(dict):
    """:func:`round2` of each value looked up, computed once per distinct value; zero is not kept
    (``-0.0`` and ``0.0`` are one key, but each rounds to itself)."""

    def __missing__(self, v: float) -> float:
        if v == 0.0:
            return round2(v)
        r = self[v] = round2(v)
        return r


def top_row(part: TablePart) -> list[str]:
    """The texts of the cells along the top of ``part``, left to right."""
    top = part.bbox[1]
    cells = sorted((c for c in part.cells if abs(c.bbox[1] - top) <= _SNAP), key=lambda c: c.bbox[0])
    return [join_text(c.lines) for c in cells]


def continues(prev: TablePart, part: TablePart) -> bool:
    """Whether ``part`` (first thing on its page) continues ``prev`` (last thing on the previous page)."""
    if part.page != prev.page + 1:
        return False
    return abs(prev.bbox[0] - part.bbox[0]) <= 2 * _SNAP and abs(prev.bbox[2] - part.bbox[2]) <= 2 * _SNAP
