"""The table finder over ruling lines finds exactly what pdfplumber's TableFinder (lines strategy) finds.

decextract's own finder (decextract.readers.rulings) replaces pdfplumber's for speed; pdfplumber stays
the reference: on random rulings — grids with jittered, broken, overlapping and stray lines — and on every
page of the real PDFs, both give the same tables with the same cells in the same order.
"""

from __future__ import annotations

import pytest
from conftest import REAL, SAMPLES
from hypothesis import given, settings
from hypothesis import strategies as st
from pdfplumber.table import TableFinder
from pdfplumber.table import merge_edges as plumber_merge

from decextract.readers import rulings
from decextract.readers.pdftables import _edge, _missing_edges, _open_ends, ruling_edges


class _EdgePage:
    """What pdfplumber's TableFinder reads of a page when both strategies are “lines”."""

    def __init__(self, edges: list[dict]):
        self.edges = edges
        self.bbox = (0, 0, 1000, 1000)


def plumber_tables(edges: list[dict]) -> list[tuple]:
    finder = TableFinder(_EdgePage(edges), {"vertical_strategy": "lines", "horizontal_strategy": "lines"})
    return [(tuple(t.bbox), [tuple(c) for c in t.cells]) for t in finder.tables]


coordinate = st.floats(min_value=0, max_value=400, allow_nan=False).map(lambda v: round(v, 1))
jitter = st.sampled_from([0.0, 0.0, 0.0, 0.4, -0.7, 1.3, 2.9, -3.1, 3.0])


@st.composite
def rulings_of_a_page(draw) -> list[dict]:
    """A grid (rows × columns), lines jittered, some broken in two or left out, plus stray segments."""
    xs = sorted(draw(st.lists(coordinate, min_size=2, max_size=6, unique=True)))
    ys = sorted(draw(st.lists(coordinate, min_size=2, max_size=7, unique=True)))
    edges = []
    for y in ys:
        if draw(st.integers(0, 9)) == 0:
            continue  # a rule left out
        y += draw(jitter)
        x0, x1 = xs[0] + draw(jitter), xs[-1] + draw(jitter)
        if draw(st.booleans()) and x1 - x0 > 10:  # drawn in two strokes, maybe with a gap
            cut = (x0 + x1) / 2
            edges += [_edge(x0, y, cut - draw(jitter), y, "h"), _edge(cut, y, x1, y, "h")]
        else:
            edges.append(_edge(min(x0, x1), y, max(x0, x1), y, "h"))
    for x in xs:
        if draw(st.integers(0, 9)) == 0:
            continue
        x += draw(jitter)
        top, bottom = ys[0] + draw(jitter), ys[-1] + draw(jitter)
        edges.append(_edge(x, min(top, bottom), x, max(top, bottom), "v"))
    for _ in range(draw(st.integers(0, 4))):  # stray segments: short ones, lines of another table
        a, b, c = draw(coordinate), draw(coordinate), draw(coordinate)
        if draw(st.booleans()):
            edges.append(_edge(min(a, b), c, max(a, b), c, "h"))
        else:
            edges.append(_edge(c, min(a, b), c, max(a, b), "v"))
    return draw(st.permutations(edges))


@settings(max_examples=300, deadline=None)
@given(rulings_of_a_page())
def test_same_tables_as_pdfplumber(edges):
    assert rulings.merge_edges(edges) == plumber_merge(edges, 3.0, 3.0, 3.0, 3.0)
    assert rulings.find_tables(edges) == plumber_tables(edges)
    bare = [{k: v for k, v in e.items() if k != "doctop"} for e in edges]  # edges without a key snapping moves
    assert rulings.merge_edges(bare) == plumber_merge(bare, 3.0, 3.0, 3.0, 3.0)


def test_same_tables_as_pdfplumber_on_real_pages():
    import pypdfium2 as pdfium

    from decextract.readers.pdftext import PageFrame, page_chars

    pdfs = [SAMPLES / "xiqu-zhengfawei-2020-juesuan.pdf", *sorted(REAL.glob("*.pdf"))]
    pdfs = [p for p in pdfs if p.exists()]
    if len(pdfs) < 2:
        pytest.skip(f"real PDFs not found in {REAL} (the shared folder beside the checkout)")
    tables = 0
    for path in pdfs:
        pdf = pdfium.PdfDocument(path)
        for i in range(len(pdf)):
            page = pdf[i]
            frame = PageFrame(page.get_cropbox(), page.get_rotation())
            textpage = page.get_textpage()
            chars = page_chars(textpage, frame)
            edges = ruling_edges(page, frame)
            merged = rulings.merge_edges(edges)
            assert merged == plumber_merge(edges, 3.0, 3.0, 3.0, 3.0)
            merged += _open_ends(merged, chars, frame.height)
            merged += _missing_edges(merged, chars)
            expected = plumber_tables(merged)
            assert rulings.find_tables(merged) == expected, f"{path.name} page {i + 1}"
            tables += len(expected)
            textpage.close()
            page.close()
        pdf.close()
    assert tables > 50


def test_ruling_lines_inside_a_form_xobject_are_read():
    """Lines drawn in a form XObject (a template placed on the page) are the page's ruling lines, moved by
    the form's placement (the nested objects are read through their own calls)."""
    import io

    import pypdfium2 as pdfium
    from reportlab.pdfgen import canvas

    from decextract.readers.pdftext import PageFrame

    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=(600, 800))
    c.beginForm("grid")
    for y in (700, 680, 660):
        c.line(100, y, 400, y)
    for x in (100, 250, 400):
        c.line(x, 700, x, 660)
    c.endForm()
    c.translate(0, -100)
    c.doForm("grid")
    c.showPage()
    c.save()
    page = pdfium.PdfDocument(buf.getvalue())[0]
    edges = ruling_edges(page, PageFrame(page.get_cropbox(), page.get_rotation()))
    assert sorted(round(e["top"]) for e in edges if e["orientation"] == "h") == [200, 220, 240]
    assert sorted(round(e["x0"]) for e in edges if e["orientation"] == "v") == [100, 250, 400]
    assert rulings.find_tables(edges)[0][0] == (100.0, 200.0, 400.0, 240.0)


_PATH_STEPS = st.lists(st.tuples(st.sampled_from(["move", "line", "bezier", "close"]),
                                 st.lists(st.floats(min_value=-1e4, max_value=1e4, width=32), min_size=6, max_size=6)),
                       max_size=12)


@settings(max_examples=200, deadline=None)
@given(st.floats(min_value=-1e4, max_value=1e4, width=32), st.floats(min_value=-1e4, max_value=1e4, width=32),
       _PATH_STEPS)
def test_path_segments_read_at_once_are_those_read_one_by_one(x, y, steps):
    """A path's points copied from PDFium's memory in one go equal what PDFium's calls give, segment by segment."""
    import pypdfium2.raw as pdfium_c

    from decextract.readers import pdfraw
    from decextract.readers.pdftables import _each_segment, _layout_known, _segments

    assert _layout_known()  # (else every path is read segment by segment, and this test proves nothing)
    path = pdfium_c.FPDFPageObj_CreateNewPath(x, y)
    try:
        for kind, v in steps:
            if kind == "move":
                pdfium_c.FPDFPath_MoveTo(path, v[0], v[1])
            elif kind == "line":
                pdfium_c.FPDFPath_LineTo(path, v[0], v[1])
            elif kind == "bezier":
                pdfium_c.FPDFPath_BezierTo(path, *v)
            else:
                pdfium_c.FPDFPath_Close(path)
        handle = pdfraw.handle(path)
        n = pdfraw.path_count_segments(handle)
        assert list(_segments(handle, n)) == list(_each_segment(handle, n))
        assert n == 0 or not isinstance(_segments(handle, n), type(_each_segment(handle, n)))  # (read at once)
    finally:
        pdfium_c.FPDFPageObj_Destroy(path)
