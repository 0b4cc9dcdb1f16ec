"""Seeing where records came from: marks on the page, `decextract show` pictures, the HTML review report,
and the report driven in headless Chromium (Debian's chromium, started by the test)."""

from __future__ import annotations

import html
import io
import json
import os
import re
from decimal import Decimal

import pytest
from cdp import Browser, chromium_path
from click.testing import CliRunner
from conftest import REAL, SAMPLES, SEED
from PIL import Image

from decextract.cli import cli
from decextract.model import Cell, Document, Paragraph, Table
from decextract.records import (
    CellRef,
    Check,
    DocumentInfo,
    Figure,
    Notice,
    Provenance,
    TableInfo,
    TableRow,
    decimal_text,
)
from decextract.review import COLOURS, draw_marks, marks_of, review_html, review_of
from decextract.review.marks import page_marks

PDF = SAMPLES / f"{SEED}.pdf"
DOCX = SAMPLES / f"{SEED}.docx"
TXT = SAMPLES / f"{SEED}.txt"
DPI = 72  # one pixel per point: a box's pixels are its bbox


@pytest.fixture(scope="module")
def seed_pdf():
    return review_of(PDF)


def _figure(review, text: str):
    return next((i, r) for i, r in enumerate(review.records) if r.TYPE == "figure" and r.text == text)


def _rgb(hex_colour: str) -> tuple[int, int, int]:
    return tuple(int(hex_colour[i:i + 2], 16) for i in (1, 3, 5))


def _near(a, b, tolerance: int = 40) -> bool:
    return all(abs(x - y) <= tolerance for x, y in zip(a, b, strict=True))


# --- marks -------------------------------------------------------------------------------------------------------


def _prov(block: int, page=None, bbox=None, cell=None, context="", start=None, end=None) -> Provenance:
    return Provenance("x.pdf", "0" * 64, "pdf", page, block, (), context, start, end, cell, bbox)


def test_marks_take_boxes_from_records_and_from_the_cells_a_record_names():
    cells = (Cell(0, 0, "201", page=2, bbox=(50, 100, 80, 112)), Cell(0, 1, "一般公共服务支出", page=2, bbox=(80, 100, 300, 112)),
             Cell(1, 0, "合计", rowspan=1, colspan=2, page=2, bbox=(50, 112, 300, 124)))
    table = Table(1, cells, n_rows=2, n_cols=2, page=2, pages=(2,))
    doc = Document("x.pdf", "0" * 64, "pdf", (Paragraph(0, "收入合计350.01万元。", page=1), table), pages=2)
    info = DocumentInfo("x.pdf", "0" * 64, "pdf", 2, None, None, 2020, "决算",
                        warnings=(Notice("empty_pages", "no text", (2,)),))
    figure = Figure("350.01万元", Decimal(3500100), "元", "amount", None, "收入合计", 2020, "value", None,
                    _prov(0, 1, (60, 70, 100, 80), context="收入合计350.01万元。", start=4, end=12))
    row = TableRow("t", None, "万元", "201", "类", "一般公共服务支出", None, {}, {}, _prov(1, 2, cell=CellRef(1, 0, 0)))
    check = Check("subtotal", False, Decimal(1), Decimal(2), Decimal(1), Decimal(0), "1 = 2", None, _prov(1, 2, cell=CellRef(1, 1, 0)))
    tinfo = TableInfo("t", None, "万元", (2,), 2, 2, False, _prov(1, 2), bboxes=((2, 50, 100, 300, 124),))
    marks = marks_of([info, tinfo, row, figure, check], doc)
    by = {(m.record, m.kind): m for m in marks}
    assert by[(0, "warning")].page == 2 and by[(0, "warning")].failed  # the document's warning marks its page
    assert by[(1, "table")].bbox == (50, 100, 300, 124)
    assert by[(2, "table_row")].bbox == (50, 100, 300, 112) and by[(2, "table_row")].page == 2  # row 0's cells
    assert by[(3, "figure")].bbox == (60, 70, 100, 80) and by[(3, "figure")].page == 1
    assert by[(4, "check")].bbox == (50, 112, 300, 124) and by[(4, "check")].failed
    assert by[(4, "check")].colour == COLOURS["warning"]
    assert [m.kind for m in page_marks(marks, 2)] == ["table", "table_row", "check"]  # failures drawn last


def test_marks_of_a_text_document_are_spans_and_cells():
    review = review_of(TXT)
    spans = [m for m in review.marks if m.kind == "figure"]
    assert spans and all(m.span is not None for m in spans)
    for m in spans:  # the span in the block's text (or its table cell's) is the figure's text
        block = review.document.blocks[m.block]
        text = block.text if m.cell is None else next(c.text for c in block.cells if (c.row, c.col) == m.cell)
        assert text[m.span[0]:m.span[1]] == review.records[m.record].text
    assert any(m.cell is not None for m in spans)  # figures of performance-table cells too
    rows = [m for m in review.marks if m.kind == "performance_indicator"]
    assert rows and all(m.cell is not None and m.whole_row for m in rows)


def test_every_pdf_figure_has_its_box_on_its_page(seed_pdf):
    figures = [i for i, r in enumerate(seed_pdf.records) if r.TYPE == "figure"]
    boxed = {m.record: m for m in seed_pdf.marks if m.kind == "figure"}
    assert set(figures) == set(boxed)
    for i in figures:
        assert (boxed[i].page, boxed[i].bbox) == (seed_pdf.records[i].prov.page, seed_pdf.records[i].prov.bbox)
    rows = [m for m in seed_pdf.marks if m.kind == "performance_indicator"]  # rows carry no bbox: from cells
    assert len(rows) == 46 and all(m.bbox is not None for m in rows)


# --- show --------------------------------------------------------------------------------------------------------


def test_show_writes_the_page_with_a_box_over_a_known_figure(tmp_path, seed_pdf):
    out = tmp_path / "p3.png"
    result = CliRunner().invoke(cli, ["show", str(PDF), "--page", "3", "--png", str(out), "--dpi", str(DPI)])
    assert result.exit_code == 0, result.output
    assert "940.15万元" in result.stdout  # the records on the page are listed
    image = Image.open(out).convert("RGB")
    assert image.size == (612, 792)  # the page in points at 72 dpi
    _, figure = _figure(seed_pdf, "940.15万元")
    x0, top, x1, bottom = figure.prov.bbox
    middle = round((top + bottom) / 2)
    # the outline sits two pixels outside the glyphs: its left edge is at x0 - 2 or - 3
    edge = [image.getpixel((round(x0) - d, middle)) for d in (1, 2, 3)]
    blue = _rgb(COLOURS["figure"])
    assert any(_near(px, blue) for px in edge), edge
    assert _near(image.getpixel((5, 5)), (255, 255, 255), 5)  # and the margin is still the white page


def test_draw_marks_paints_failed_checks_red(seed_pdf):
    from decextract.review.pages import PdfPages

    failed = [m for m in seed_pdf.marks if m.kind == "check" and m.failed and m.bbox]
    assert failed
    mark = failed[0]
    with PdfPages(PDF) as pages:
        image = draw_marks(pages.render(mark.page, DPI), [mark], DPI)
    x0, top, x1, bottom = mark.bbox
    assert _near(image.getpixel((round(x0) - 2, round((top + bottom) / 2))), _rgb(COLOURS["warning"]))


def test_show_refuses_what_it_cannot_draw(tmp_path):
    runner = CliRunner()
    not_pdf = runner.invoke(cli, ["show", str(DOCX), "--page", "1", "--png", str(tmp_path / "x.png")])
    assert not_pdf.exit_code == 2 and "not PDF" in not_pdf.output
    too_far = runner.invoke(cli, ["show", str(PDF), "--page", "99", "--png", str(tmp_path / "x.png")])
    assert too_far.exit_code == 2 and "21 page(s)" in too_far.output
    missing = runner.invoke(cli, ["show", str(tmp_path / "nope.pdf"), "--page", "1"])
    assert missing.exit_code == 2 and "no such file" in missing.output
    assert not list(tmp_path.iterdir())


# --- the report as HTML ------------------------------------------------------------------------------------------


def test_report_is_one_self_contained_file(seed_pdf):
    text = review_html(seed_pdf, dpi=DPI)
    assert text.count("<section class=\"page") == 21 and text.count("src=\"data:image/png;base64,") == 21
    # nothing is fetched: no external script, style, image or font
    assert not re.search(r"""(?:src|href)\s*=\s*["'](?!data:|#)""", text)
    assert "@import" not in text and "url(http" not in text
    records = json.loads(re.search(r'<script type="application/json" id="records">(.*?)</script>', text, re.S)
                         .group(1))
    assert len(records) == len(seed_pdf.records)
    i, figure = _figure(seed_pdf, "940.15万元")
    box = re.search(rf'<div class="box k-figure" data-rec="{i}" data-bbox="([^"]+)"', text)
    assert box and [float(v) for v in box.group(1).split()] == list(figure.prov.bbox)


def test_only_failed_keeps_the_failed_checks_and_their_pages(seed_pdf):
    text = review_html(seed_pdf, only_failed=True, dpi=DPI)
    records = json.loads(re.search(r'id="records">(.*?)</script>', text, re.S).group(1))
    failed = [i for i, r in enumerate(seed_pdf.records) if r.TYPE == "check" and not r.ok]
    assert failed and [r["i"] for r in records] == failed
    pages = {seed_pdf.records[i].prov.page for i in failed}
    assert text.count("<section class=\"page") == len(pages)


def test_only_failed_says_so_when_nothing_failed(tmp_path):
    doc = tmp_path / "fine.txt"
    doc.write_text("2020年本年收入合计350.01万元，比上年增加10万元。\n", encoding="utf-8")
    text = review_html(review_of(doc), only_failed=True)
    assert "Nothing failed" in text and '<ul id="list"></ul>' in text


def test_document_text_is_escaped_in_the_report():
    evil = "<script>alert(1)</script>收入合计350.01万元。"
    doc = Document("evil.txt", "0" * 64, "txt", (Paragraph(0, evil),))
    from decextract.pipeline import records_of
    from decextract.review.report import Review

    records = records_of(doc)
    text = review_html(Review(doc, tuple(records), tuple(marks_of(records, doc))))
    assert "<script>alert(1)" not in text and html.escape("<script>alert(1)") in text
    assert "\\u003cscript\\u003e" in text  # in the embedded JSON too


def test_review_command_writes_the_report_for_a_docx(tmp_path):
    out = tmp_path / "r.html"
    result = CliRunner().invoke(cli, ["review", str(DOCX), "-o", str(out)])
    assert result.exit_code == 0, result.output
    text = out.read_text(encoding="utf-8")
    assert "<div id=\"text\">" in text and "<img" not in text
    assert re.search(r'<span class="hl k-check k-figure" data-rec="\d+ \d+"[^>]*>97\.09%</span>', text)


def test_review_of_a_missing_file_is_a_usage_error(tmp_path):
    result = CliRunner().invoke(cli, ["review", str(tmp_path / "nope.pdf"), "-o", str(tmp_path / "r.html")])
    assert result.exit_code == 2 and not (tmp_path / "r.html").exists()


# --- in headless Chromium ----------------------------------------------------------------------------------------

# under CI (.ci/run installs chromium) a missing browser fails the test instead of skipping it
needs_chromium = pytest.mark.skipif(chromium_path() is None and not os.environ.get("CI"),
                                    reason="chromium is not installed (Debian: apt-get install chromium); "
                                    ".ci/run installs it")

#: for each figure: [record, page section found, box's rect relative to its page image in points]
_BOXES_JS = """
(() => Array.from(document.querySelectorAll('.box.k-figure')).map((box) => {
  const section = box.closest('section.page');
  const img = section.querySelector('img').getBoundingClientRect();
  const r = box.getBoundingClientRect();
  const k = Number(section.dataset.width) / img.width;
  // the border (2px) sits outside the bbox
  return [Number(box.dataset.rec), Number(section.dataset.page),
          [(r.left + 2 - img.left) * k, (r.top + 2 - img.top) * k, (r.right - 2 - img.left) * k,
           (r.bottom - 2 - img.top) * k]];
}))()
"""


def _rect(browser, selector: str) -> dict:
    return browser.evaluate(f"(() => {{ const r = document.querySelector({json.dumps(selector)})"
                            ".getBoundingClientRect(); return {x: r.x, y: r.y, w: r.width, h: r.height}; })()")


@needs_chromium
@pytest.mark.parametrize("pdf", [PDF, REAL / "putuo-shehuigongzuobu-2024-juesuan.pdf"], ids=["seed", "real"])
def test_report_in_headless_chromium(pdf, tmp_path):
    if not pdf.exists():
        pytest.skip(f"real sample not found at {pdf} (the shared folder beside the checkout)")
    review = review_of(pdf)
    report = tmp_path / "review.html"
    report.write_text(review_html(review), encoding="utf-8")
    with Browser(1600, 1000) as browser:
        browser.open(report)
        assert browser.evaluate("document.body.dataset.ready") == "1"  # the script ran without an error

        # every figure's box is on its page, where its bbox says (within a pixel)
        boxes = {rec: (page, bbox) for rec, page, bbox in browser.evaluate(_BOXES_JS)}
        figures = {i: r for i, r in enumerate(review.records) if r.TYPE == "figure" and r.prov.bbox}
        assert figures and set(boxes) == set(figures)
        for i, figure in figures.items():
            page, bbox = boxes[i]
            assert page == figure.prov.page
            assert all(abs(a - b) < 1.5 for a, b in zip(bbox, figure.prov.bbox, strict=True)), (figure.text, bbox)

        # a click on a record in the list scrolls to its box and shows its fields
        i, figure = next((i, f) for i, f in figures.items() if f.relation == "share")
        item = f'#list li[data-rec="{i}"]'
        browser.evaluate(f"document.querySelector({json.dumps(item)}).scrollIntoView({{block: 'center'}})")
        li = _rect(browser, item)
        browser.click(li["x"] + 30, li["y"] + li["h"] / 2)
        fields = browser.evaluate("Object.fromEntries(Array.from(document.querySelectorAll('#detail td[data-field]'))"
                                  ".map((td) => [td.dataset.field, td.textContent]))")
        assert fields["text"] == figure.text and fields["label"] == (figure.label or "—")
        assert fields["unit"] == figure.unit and fields["relation"] == "share" and fields["year"] == str(figure.year)
        assert fields["value"] == decimal_text(figure.value)  # plain, exact
        box = _rect(browser, f'.box.k-figure[data-rec="{i}"]')
        pages = _rect(browser, "#pages")
        assert pages["y"] <= box["y"] and box["y"] + box["h"] <= pages["y"] + pages["h"]  # scrolled into view

        # the screenshot shows it: the selected box's outline in amber over the page
        shot = Image.open(io.BytesIO(browser.screenshot())).convert("RGB")
        assert shot.size == (1600, 1000)
        outline = [shot.getpixel((round(box["x"]) - d, round(box["y"] + box["h"] / 2))) for d in range(1, 6)]
        assert any(_near(px, (0xFF, 0xAB, 0x00), 60) for px in outline), outline

        # a check shows its formula and both sides (a failed one when there is one)
        checks = sorted((r.ok, i) for i, r in enumerate(review.records) if r.TYPE == "check")
        check = checks[0][1] if checks else None
        if check is not None:
            item = f'#list li[data-rec="{check}"]'
            browser.evaluate(f"document.querySelector({json.dumps(item)}).scrollIntoView({{block: 'center'}})")
            li = _rect(browser, item)
            browser.click(li["x"] + 30, li["y"] + li["h"] / 2)
            record = review.records[check]
            detail = browser.evaluate("document.getElementById('detail').innerText")
            assert record.formula in detail
            assert "expected (computed)" in detail and "actual (printed)" in detail
        indicator = next((i for i, r in enumerate(review.records) if r.TYPE == "performance_indicator"), None)
        if indicator is not None:  # an indicator's expected/actual are its goal and result, named as such
            browser.evaluate(f"document.querySelector('#list li[data-rec=\"{indicator}\"]').click()")
            detail = browser.evaluate("document.getElementById('detail').innerText")
            assert "expected (computed)" not in detail and review.records[indicator].project in detail
