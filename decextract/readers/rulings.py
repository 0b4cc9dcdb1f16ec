"""Ruling lines into table cells: pdfplumber's “lines” table finder, with sorts and sweeps instead of all pairs.

The same steps and the same arithmetic as :class:`pdfplumber.table.TableFinder` with both strategies
“lines” (and its default tolerances), so every table found is the one pdfplumber finds, cell for cell
and in the same order:

1. :func:`merge_edges` snaps edges within 3 points of each other to their mean position (horizontal
   ones by ``top``, vertical ones by ``x0``; clusters chain like pdfplumber's) and joins collinear
   edges whose ends lie within 3 points;
2. edges shorter than 3 points are dropped;
3. every vertical edge crossing a horizontal one, within 3 points, gives an intersection — found by a
   sweep over the vertical edges sorted by ``x0``, not by testing every pair;
4. each intersection gives the smallest rectangle whose four corners are intersections joined by
   common edges — searched only among the intersections on the same vertical and horizontal lines;
5. cells sharing a corner make a table (at least two cells); tables come top to bottom.

Edges are dicts with pdfplumber's keys (``x0``, ``top``, ``x1``, ``bottom``, ``width``, ``height``,
``doctop``, ``orientation``), so they can still be handed to pdfplumber to compare.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from itertools import groupby
from operator import itemgetter

SNAP = 3.0  # pdfplumber's DEFAULT_SNAP_TOLERANCE and DEFAULT_JOIN_TOLERANCE
_MIN_LENGTH_PREFILTER = 1  # pdfplumber's edge_min_length_prefilter
_MIN_LENGTH = 3  # edge_min_length
_INTERSECTION = 3  # intersection_tolerance

Edge = dict
Cellbox = tuple[float, float, float, float]


def _clusters(values: Sequence[float], tolerance: float) -> dict[float, int]:
    """Cluster number of each distinct value: sorted values each within ``tolerance`` of the one before."""
    out: dict[float, int] = {}
    k, last = -1, None
    for v in sorted(set(values)):
        if last is None or v > last + tolerance:
            k += 1
        out[v] = k
        last = v
    return out


def _snap(edges: list[Edge], attr: str, tolerance: float) -> list[Edge]:
    """pdfplumber's ``snap_objects``: each cluster of edges moved to the mean of its ``attr``."""
    if not edges:
        return []
    cluster = _clusters([e[attr] for e in edges], tolerance)
    groups: dict[int, list[Edge]] = {}
    for e in edges:  # clusters in order, each keeping the edges' order (pdfplumber's stable sort)
        groups.setdefault(cluster[e[attr]], []).append(e)
    keys = ("x0", "x1") if attr == "x0" else ("top", "bottom", "doctop")
    first, second, third = (*keys, None) if len(keys) == 2 else keys
    out = []
    for k in sorted(groups):
        group = groups[k]
        avg = sum([e[attr] for e in group]) / len(group)
        for e in group:
            value = avg - e[attr]
            moved = e.copy()
            try:  # (the loop below, for an edge with every key)
                moved[first] = e[first] + value
                moved[second] = e[second] + value
                if third:
                    moved[third] = e[third] + value
            except KeyError:
                for key in keys:
                    if key in moved:
                        moved[key] = e[key] + value
            out.append(moved)
    return out


def _join(edges: list[Edge], orientation: str, tolerance: float) -> list[Edge]:
    """pdfplumber's ``join_edge_group``: collinear edges whose ends lie within ``tolerance`` joined."""
    if len(edges) == 1:
        return list(edges)
    lo, hi = ("x0", "x1") if orientation == "h" else ("top", "bottom")
    ordered = sorted(edges, key=itemgetter(lo))
    joined = [ordered[0]]
    for e in ordered[1:]:
        last = joined[-1]
        if e[lo] <= last[hi] + tolerance:
            if e[hi] > last[hi]:
                grown = dict(last)
                grown[hi] = e[hi]
                if hi == "x1":
                    grown["width"] = e[hi] - last["x0"]
                else:
                    grown["height"] = last["height"] + (e[hi] - last[hi])
                joined[-1] = grown
        else:
            joined.append(e)
    return joined


def merge_edges(edges: list[Edge], tolerance: float = SNAP) -> list[Edge]:
    """pdfplumber's ``merge_edges`` with equal snap and join tolerances: snapped, then joined."""
    verticals = [e for e in edges if e["orientation"] == "v"]
    horizontals = [e for e in edges if e["orientation"] == "h"]
    if tolerance > 0:
        verticals, horizontals = _snap(verticals, "x0", tolerance), _snap(horizontals, "top", tolerance)
    out: list[Edge] = []  # grouped by (orientation, position): the horizontal ones first, each group in order
    for orientation, items, attr in (("h", horizontals, "top"), ("v", verticals, "x0")):
        key = itemgetter(attr)
        for _, group in groupby(sorted(items, key=key), key=key):
            out += _join(list(group), orientation, tolerance)
    return out


def _long(edges: list[Edge], min_length: float, orientation: str | None = None) -> list[Edge]:
    return [e for e in edges if (orientation is None or e["orientation"] == orientation)
            and e["height" if e["orientation"] == "v" else "width"] >= min_length]


def _bbox(e: Edge) -> Cellbox:
    return (e["x0"], e["top"], e["x1"], e["bottom"])


def _intersections(edges: list[Edge]) -> dict[tuple[float, float], list[int]]:
    """Each crossing point ``(x, top)`` with the vertical and horizontal edges through it: ``[v, h]``, each a
    bit set of edges (one bit per distinct edge box, as pdfplumber's sets of boxes count them)."""
    tol = _INTERSECTION
    verticals = sorted((e for e in edges if e["orientation"] == "v"), key=lambda e: e["x0"])
    xs = [v["x0"] for v in verticals]
    bits: dict[Cellbox, int] = {}

    def bit(e: Edge) -> int:
        box = _bbox(e)
        found = bits.get(box)
        if found is None:
            found = bits[box] = 1 << len(bits)
        return found

    vbits = [bit(v) for v in verticals]
    out: dict[tuple[float, float], list[int]] = {}
    for h in (e for e in edges if e["orientation"] == "h"):
        top = h["top"]
        hbit = 0
        lo = bisect_left(xs, h["x0"] - tol)
        for k in range(lo, bisect_right(xs, h["x1"] + tol)):
            v = verticals[k]
            if v["top"] <= top + tol and v["bottom"] >= top - tol:
                point = (v["x0"], top)
                found = out.get(point)
                if found is None:
                    found = out[point] = [0, 0]
                found[0] |= vbits[k]
                if not hbit:
                    hbit = bit(h)
                found[1] |= hbit
    return out


def _cells(points: dict[tuple[float, float], list[int]]) -> list[Cellbox]:
    """pdfplumber's ``intersections_to_cells``: for each point (sorted), the smallest cell it opens."""
    below: dict[float, list[tuple[float, float]]] = {}  # the points on each vertical line, top to bottom
    right: dict[float, list[tuple[float, float]]] = {}  # on each horizontal line, left to right
    for p in sorted(points):
        below.setdefault(p[0], []).append(p)
    for p in sorted(points, key=itemgetter(1, 0)):
        right.setdefault(p[1], []).append(p)
    across = {p: j for line in right.values() for j, p in enumerate(line, 1)}  # (1 + its place on its line)
    cells = []
    get = points.get
    for x, column in below.items():  # (the points sorted: lines left to right, each top to bottom)
        for k, pt in enumerate(column, 1):
            top = pt[1]
            line, j = right[top], across[pt]
            if j == len(line):
                continue  # (no point to the right: no cell opens here)
            vset, hset = points[pt]
            for below_pt in column[k:]:
                down_v, down_h = points[below_pt]
                if not vset & down_v:
                    continue
                bottom = below_pt[1]
                for right_pt in line[j:]:
                    right_v, right_h = points[right_pt]
                    if not hset & right_h:
                        continue
                    corner = get((right_pt[0], bottom))
                    if corner is not None and corner[0] & right_v and corner[1] & down_h:
                        cells.append((x, top, right_pt[0], bottom))
                        break
                else:
                    continue
                break
    return cells


def _tables(cells: list[Cellbox]) -> list[list[Cellbox]]:
    """pdfplumber's ``cells_to_tables``: cells sharing corners grouped, in its order, tables of two cells or more."""
    remaining = list(cells)
    tables: list[list[Cellbox]] = []
    corners: set[tuple[float, float]] = set()
    current: list[Cellbox] = []
    while remaining:
        added = False
        kept = []
        for cell in remaining:
            x0, top, x1, bottom = cell
            mine = ((x0, top), (x0, bottom), (x1, top), (x1, bottom))
            if not current or not corners.isdisjoint(mine):
                corners.update(mine)
                current.append(cell)
                added = True
            else:
                kept.append(cell)
        remaining = kept
        if not added:
            tables.append(current)
            corners, current = set(), []
    if current:
        tables.append(current)
    tables.sort(key=lambda t: min((c[1], c[0]) for c in t))
    return [t for t in tables if len(t) > 1]


def find_tables(edges: list[Edge]) -> list[tuple[Cellbox, list[Cellbox]]]:
    """The tables the edges draw: ``(bbox, cells)`` each, top to bottom, as pdfplumber's TableFinder finds them."""
    edges = _long(edges, _MIN_LENGTH_PREFILTER, "v") + _long(edges, _MIN_LENGTH_PREFILTER, "h")
    edges = _long(merge_edges(edges), _MIN_LENGTH)
    out = []
    for cells in _tables(_cells(_intersections(edges))):
        bbox = (min(c[0] for c in cells), min(c[1] for c in cells), max(c[2] for c in cells),
                max(c[3] for c in cells))
        out.append((bbox, cells))
    return out
