"""The PDF reader: prose against the seed .txt, tables against the seed .docx, real PDFs, errors."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest
import regex
from conftest import REAL, SAMPLES
from conftest import SEED as SEED_STEM
from fixtures_pdf import encrypted_pdf

from decextract.errors import DamagedFileError, DecExtractError, EncryptedFileError
from decextract.model import Paragraph, Table, span_box
from decextract.readers import read_bytes, read_document
from decextract.readers.pdf import read

SEED = SAMPLES / SEED_STEM  # the project's own copy: no shared folder needed
REAL_PDFS = (
    "jiangsu-jianchayuan-2019-yusuan.pdf",
    "putuo-shangwuwei-2025-yusuan.pdf",
    "putuo-shehuigongzuobu-2024-juesuan.pdf",
    "putuo-sifaju-2026-yusuan.pdf",
)
CJK_PAIR_WITH_SPACE = regex.compile(r"[\p{Han}，。、；：（）“”]\s+[\p{Han}，。、；：（）“”]")
PAGE_NUMBER = regex.compile(r"^(?:[-—－\s]*\d{1,3}[-—－\s]*|第\s*\d+\s*页.*)$")


def norm(s: str) -> str:
    return "".join(unicodedata.normalize("NFKC", s).split())


def _need(path: Path) -> Path:
    if not path.exists():
        pytest.skip(f"sample not found at {path} (the shared folder beside the checkout)")
    return path


@pytest.fixture(scope="module")
def seed():
    return read_document(_need(SEED.with_suffix(".pdf")))


@pytest.fixture(scope="module")
def real():
    docs = {}

    def get(name: str):
        if name not in docs:
            docs[name] = read_document(_need(REAL / name))
        return docs[name]

    return get


def para(doc, needle: str) -> Paragraph:
    found = [p for p in doc.paragraphs() if needle in p.text]
    assert found, f"no paragraph contains {needle!r}"
    return found[0]


def table_after(doc, title: str) -> Table:
    """The first table following the paragraph whose text is ``title``."""
    start = next(b.index for b in doc.paragraphs() if b.text == title)
    return next(b for b in doc.blocks[start:] if isinstance(b, Table))


# --- the seed: prose --------------------------------------------------------------------------------------------

def test_seed_document(seed):
    assert seed.format == "pdf"
    assert seed.pages == 21
    assert seed.title == "部门决算"  # the metadata title, printed on the pages
    assert [b.index for b in seed.blocks] == list(range(len(seed.blocks)))


def test_seed_paragraphs_are_verbatim_in_the_txt(seed):
    txt = norm(_need(SEED.with_suffix(".txt")).read_text("utf-8"))
    paragraphs = [p for p in seed.paragraphs() if norm(p.text)]
    found = sum(norm(p.text) in txt for p in paragraphs)
    assert len(paragraphs) > 200
    assert found / len(paragraphs) >= 0.97


def test_seed_paragraph_joined_across_wraps(seed):
    p = para(seed, "2020年度收、支总计940.15万元")
    assert p.text == "2020年度收、支总计940.15万元。与2019年907.98万元相比，收、支总计增加32.17万元，增长3.54%。主要变动原因是项目经费开支增加。"
    assert p.page == 3
    assert p.section == ("第二部分度部门决算情况说明", "一、收入支出决算总体情况说明")


def test_number_and_unit_split_by_a_line_break_are_rejoined(seed):
    for needle in ("执行数为87万元", "年初预算169.4万元"):
        p = para(seed, needle)
        start = p.text.index(needle)
        tops = [b[2] for b in p.boxes[start:start + len(needle)]]
        assert max(tops) - min(tops) > 10, f"{needle!r} is not split over two lines in the PDF any more"


def test_paragraph_continues_across_a_page_break(seed):
    p = para(seed, "实现“六个坚决防止发生”工作目标")
    assert p.text.startswith("以“减存量、控增量、防变量”为目标")


def test_headings_and_levels(seed):
    headings = {p.text: p.level for p in seed.paragraphs() if p.is_heading}
    assert headings["第一部分部门概况"] == 1
    assert headings["一、基本职能及主要工作"] == 2
    assert headings["（一）主要职责"] == 3
    assert headings["（二）2020年重点工作完成情况。"] == 3  # set bold: a heading despite its full stop
    assert "10.完成区委交办的其他任务。" not in headings  # the last item of a numbered list


def test_figure_bbox_from_char_boxes(seed):
    p = para(seed, "2020年度收、支总计940.15万元")
    start = p.text.index("940.15万元")
    page, bbox = span_box(p.boxes, start, start + len("940.15万元"))
    assert page == 3
    x0, top, x1, bottom = bbox
    assert 72 < x0 < x1 < 540 and 150 < top < bottom < 250


def test_radical_code_points_read_as_ideographs():
    from decextract.readers.pdftext import ideograph

    assert "".join(ideograph(c) for c in "⼀般公共预算⽀出⾦额") == "一般公共预算支出金额"
    assert "".join(ideograph(c) for c in "支出12.5万元，") == "支出12.5万元，"


# --- the seed: tables -------------------------------------------------------------------------------------------

def test_seed_performance_tables_match_the_docx(seed):
    docx = pytest.importorskip("docx")
    word = docx.Document(str(_need(SEED.with_suffix(".docx"))))
    tables = list(seed.tables())
    assert len(tables) == len(word.tables) == 5
    for mine, theirs in zip(tables, word.tables, strict=True):
        want = [[norm(c.text) for c in row.cells] for row in theirs.rows]
        assert [[norm(t) for t in row] for row in mine.text_rows()] == want
        assert mine.n_cols == 6
        assert len(mine.pages) == 2 and mine.pages[1] == mine.pages[0] + 1  # split by a page break, read as one


def test_seed_tables_have_their_captions_just_above(seed):
    for t in seed.tables():
        assert [seed.blocks[t.index - 2].text, seed.blocks[t.index - 1].text] == ["项目绩效目标完成情况表", "(2020年度)"]


def test_seed_row_cut_by_a_page_break_is_one_row(seed):
    t = list(seed.tables())[2]
    cells = [c for c in t.cells if c.text == "增强震慑犯罪、教育公民的宣传效果"]
    assert len(cells) == 2  # 预期 and 实际, each one cell although the row was cut between pages 9 and 10
    for c in cells:
        assert c.page == 9
        assert {b[0] for b in c.boxes} == {9, 10}
    label = next(c for c in t.cells if c.row == cells[0].row and c.col == 1)
    assert label.text == "项目完成指标"


def test_seed_merged_cells_once_with_spans(seed):
    t = next(iter(seed.tables()))
    merged = [c for c in t.cells if c.text == "绩效指标完成情况"]
    assert len(merged) == 1 and merged[0].rowspan > 5  # runs over the page break too
    name = next(c for c in t.cells if c.text == "项目名称")
    value = next(c for c in t.cells if c.row == name.row and c.col == 1)
    assert value.colspan == 5


def test_table_characters_stay_out_of_the_prose(seed):
    prose = "".join(p.text for p in seed.paragraphs())
    assert "实际完成目标" not in prose
    assert "一级指标" not in prose


# --- every document: invariants ---------------------------------------------------------------------------------

@pytest.mark.parametrize("name", (None, *REAL_PDFS))
def test_boxes_cover_every_character(seed, real, name):
    doc = seed if name is None else real(name)
    for p in doc.paragraphs():
        assert p.boxes is not None and len(p.boxes) == len(p.text)
        assert p.boxes[0] is not None and p.boxes[0][0] == p.page
        assert not CJK_PAIR_WITH_SPACE.search(p.text), p.text
    for t in doc.tables():
        assert t.page == t.pages[0]
        for c in t.cells:
            assert len(c.boxes) == len(c.text)
            assert c.page in t.pages and c.bbox is not None


@pytest.mark.parametrize("name", REAL_PDFS)
def test_no_page_numbers_or_running_lines_in_the_prose(real, name):
    doc = real(name)
    texts = [p.text for p in doc.paragraphs()]
    assert not [t for t in texts if PAGE_NUMBER.match(t)]
    assert doc.pages > 20 and len(texts) > 60


# --- real PDFs: hand-checked facts ------------------------------------------------------------------------------

def test_jiangsu_word_2007(real):
    doc = real("jiangsu-jianchayuan-2019-yusuan.pdf")
    assert doc.title is None  # its metadata title is a stale template's
    assert "14" not in [p.text for p in doc.paragraphs()]  # the page number under the first table
    total = table_after(doc, "收支预算总表")
    assert (total.page, total.n_rows, total.n_cols) == (14, 27, 6)
    assert [c.text for c in total.row(24)][:2] == ["当年收入小计", "24,169.74"]
    assert [doc.blocks[total.index - 2].text, doc.blocks[total.index - 1].text] == ["部门：江苏省人民检察院", "单位：万元"]
    procurement = table_after(doc, "政府采购支出预算表")
    assert procurement.pages == (22, 23, 24) and procurement.n_rows == 42
    assert [c.text for c in procurement.row(procurement.n_rows - 1)][-2:] == ["分散自行组织", "630.00"]
    assert para(doc, "2019年度政府采购支出预算总额2744.84万元").page == 31


def test_shehuigongzuobu_wps_writer(real):
    doc = real("putuo-shehuigongzuobu-2024-juesuan.pdf")
    p = para(doc, "本年收入合计307.82万元")
    assert p.text == "本年收入合计307.82万元，其中：财政拨款收入307.82万元，占100.00%。"
    assert p.page == 17 and p.section[-1] == "二、收入决算情况说明"
    income = table_after(doc, "收入决算表")
    assert income.pages == (6, 7) and (income.n_rows, income.n_cols) == (20, 9)
    last = [c for c in income.row(19)]
    assert [c.text for c in last[:3]] == ["2210203", "购房补贴", "11.72"] and last[0].page == 7
    assert doc.blocks[income.index - 1].text == "单位：万元"
    heading = para(doc, "第三部分中共上海市普陀区委社会工作部2024年度部门决算情况说明")  # two bold lines, one heading
    assert heading.is_heading and heading.level == 1


def test_shangwuwei_wps_text_cut_off_by_its_frame_is_not_read(real):
    doc = real("putuo-shangwuwei-2025-yusuan.pdf")
    texts = [p.text for p in doc.paragraphs()]
    assert sum(t.startswith("8、组织协调本区工商业") for t in texts) == 1
    nine = para(doc, "9、组织协调本区商品交易市场规划")
    assert nine.page == 3 and "负责建立健全生活必需品市场供应应急机制" in nine.text  # runs on to page 4
    summary = table_after(doc, "2025年部门财务收支预算总表")
    assert (summary.page, summary.n_cols) == (9, 4)
    assert [c.text for c in summary.row(2)] == ["一、财政拨款收入", "371,514,655.00", "一、一般公共服务支出", "21,601,733.00"]


def test_sifaju_table_of_contents_entries_stay_apart(real):
    doc = real("putuo-sifaju-2026-yusuan.pdf")
    toc = [p.text for p in doc.paragraphs() if p.page == 2]
    assert sum(t.startswith(("1.", "2.", "3.", "4．", "5．")) for t in toc) == 5
    assert not any(p.is_heading for p in doc.paragraphs() if "……" in p.text)


# --- errors -----------------------------------------------------------------------------------------------------

def test_encrypted_pdf_is_refused_clearly():
    data = encrypted_pdf(b"secret")
    pdfium = pytest.importorskip("pypdfium2")
    assert len(pdfium.PdfDocument(data, password="secret")) == 1  # the fixture is a sound encrypted PDF
    with pytest.raises(EncryptedFileError) as err:
        read_bytes(data, "locked.pdf")
    assert "locked.pdf" in str(err.value) and "password" in str(err.value)


def test_pdf_with_empty_user_password_is_read():
    doc = read(encrypted_pdf(b""), "restricted.pdf", "0" * 64)
    assert doc.pages == 1 and doc.blocks == ()


def test_truncated_pdf_is_damaged(tmp_path):
    data = _need(SEED.with_suffix(".pdf")).read_bytes()
    cut = tmp_path / "cut.pdf"
    cut.write_bytes(data[: len(data) // 2])
    with pytest.raises(DamagedFileError) as err:
        read_document(cut)
    assert str(cut) in str(err.value)


@pytest.mark.parametrize("data", [b"%PDF-1.7\n", b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF", b"%PDF-" + bytes(range(256)) * 8])
def test_garbage_after_the_pdf_header_is_damaged(data):
    with pytest.raises(DecExtractError) as err:
        read_bytes(data, "junk.pdf")
    assert isinstance(err.value, DamagedFileError) and "junk.pdf" in str(err.value)


# --- synthetic PDFs: layouts the samples lack -------------------------------------------------------------------

def synthetic_pdf(pages: list[dict]) -> bytes:
    """A PDF drawn with PDFium: per page ``texts`` (x, top, size, text[, slanted]) in Helvetica and ``lines`` (x0, top0, x1, top1).

    Coordinates are as displayed; with ``"rotate": 90`` the page is stored turned a quarter
    (content drawn sideways, /Rotate 90), as landscape pages of some producers are.
    """
    import ctypes
    import io

    pdfium = pytest.importorskip("pypdfium2")
    raw = pdfium.raw
    pdf = pdfium.PdfDocument.new()
    for spec in pages:
        width, height = spec.get("size", (595, 842))
        turned = spec.get("rotate") == 90

        def user(x: float, top: float, turned: bool = turned, height: float = height) -> tuple[float, float]:
            return (top, x) if turned else (x, height - top)

        page = pdf.new_page(height, width) if turned else pdf.new_page(width, height)
        for x, top, size, text, *slant in spec.get("texts", ()):
            obj = raw.FPDFPageObj_NewTextObj(pdf.raw, b"Helvetica", ctypes.c_float(size))
            data = (text + "\0").encode("utf-16-le")
            raw.FPDFText_SetText(obj, ctypes.cast(ctypes.c_char_p(data), ctypes.POINTER(raw.FPDF_WCHAR)))
            turn = (0, 1, -1, 0) if turned else (0.7071, 0.7071, -0.7071, 0.7071) if slant else (1, 0, 0, 1)
            raw.FPDFPageObj_Transform(obj, *turn, *user(x, top + size))
            raw.FPDFPage_InsertObject(page.raw, obj)
        for x0, top0, x1, top1 in spec.get("lines", ()):
            path = raw.FPDFPageObj_CreateNewPath(*user(x0, top0))
            raw.FPDFPath_LineTo(path, *user(x1, top1))
            raw.FPDFPageObj_SetStrokeColor(path, 0, 0, 0, 255)
            raw.FPDFPageObj_SetStrokeWidth(path, ctypes.c_float(0.5))
            raw.FPDFPath_SetDrawMode(path, 0, 1)
            raw.FPDFPage_InsertObject(page.raw, path)
        raw.FPDFPage_GenerateContent(page.raw)
        if turned:
            page.set_rotation(90)
    buf = io.BytesIO()
    pdf.save(buf)
    return buf.getvalue()


def grid(x_cols: list[float], tops: list[float], open_sides: bool = False) -> list[tuple]:
    """Ruling lines of a table: a rule at every top, a column line at every x (the outer ones left out if open)."""
    columns = x_cols[1:-1] if open_sides else x_cols
    return [(x_cols[0], t, x_cols[-1], t) for t in tops] + [(x, tops[0], x, tops[-1]) for x in columns]


def body(page: int, lines: int, top: float = 100) -> list[tuple]:
    return [(72, top + 14 * k, 11, f"Line {k} of page {page} carries words enough to run to the margin") for k in range(lines)]


def test_running_header_footer_and_page_numbers_are_dropped():
    pages = [{"texts": [(72, 40, 9, "Department annual accounts 2020"), (280, 800, 9, f"- {n} -"), *body(n, 4)]}
             for n in range(1, 5)]
    doc = read(synthetic_pdf(pages), "synthetic.pdf", "0" * 64)
    text = " ".join(p.text for p in doc.paragraphs())
    assert "Department annual" not in text and "- 2 -" not in text
    assert "margin Line 1 of page 1" in text  # Latin words keep their space across a wrap
    assert "margin Line 0 of page 2" in text  # and the paragraph runs on over the page break


def test_table_ruled_without_outer_borders():
    tops = [100, 120, 140, 160]
    texts = [(80, t + 4, 10, f"item {i}") for i, t in enumerate(tops[:-1])] + [(360, t + 4, 10, f"{i}.50") for i, t in enumerate(tops[:-1])]
    doc = read(synthetic_pdf([{"texts": texts, "lines": grid([72, 300, 500], tops, open_sides=True)}]), "open.pdf", "0" * 64)
    (table,) = doc.tables()
    assert table.text_rows() == [["item 0", "0.50"], ["item 1", "1.50"], ["item 2", "2.50"]]
    assert not list(doc.paragraphs())


def test_a_frame_around_prose_is_not_a_table():
    texts = body(1, 6, top=110)
    lines = [(60, 100, 540, 100), (60, 200, 540, 200), (60, 100, 60, 200), (540, 100, 540, 200), (60, 104, 540, 104)]
    doc = read(synthetic_pdf([{"texts": texts, "lines": lines}]), "frame.pdf", "0" * 64)
    assert not list(doc.tables())
    assert "Line 5 of page 1" in next(doc.paragraphs()).text


def test_table_over_a_page_break_repeats_its_header_and_cuts_a_row():
    xs = [72, 170, 300]  # the item column just wide enough for "travel and lodging of": its text wraps there
    first = {"texts": [(76, 704, 10, "Item"), (180, 704, 10, "Amount"),
                       (76, 724, 10, "rent"), (180, 724, 10, "12.00"),
                       (76, 744, 10, "travel and lodging of"), (180, 744, 10, "3.00")],
             "lines": grid(xs, [700, 720, 740, 760])}
    second = {"texts": [(76, 104, 10, "Item"), (180, 104, 10, "Amount"),
                        (76, 124, 10, "meetings"),
                        (76, 144, 10, "fuel"), (180, 144, 10, "4.00")],
              "lines": grid(xs, [100, 120, 140, 160])}
    doc = read(synthetic_pdf([first, second]), "split.pdf", "0" * 64)
    (table,) = doc.tables()
    assert table.pages == (1, 2)
    assert table.text_rows() == [["Item", "Amount"], ["rent", "12.00"], ["travel and lodging of meetings", "3.00"],
                                 ["fuel", "4.00"]]
    fuel = table.row(3)[0]
    assert fuel.page == 2 and table.row(2)[0].page == 1


def test_a_short_line_at_the_foot_of_a_page_is_no_cut_row():
    """“小计” ends a row of a group whose label cell runs on over the break; “事业收入” starts the next row."""
    xs = [72, 170, 300, 400]
    first = {"texts": [(76, 724, 10, "other funds"), (176, 724, 10, "subtotal"), (310, 724, 10, "15.00")],
             "lines": grid(xs, [720, 740])}
    second = {"texts": [(176, 104, 10, "service income")], "lines": grid(xs, [100, 120])}
    (table,) = read(synthetic_pdf([first, second]), "group.pdf", "0" * 64).tables()
    assert table.text_rows() == [["other funds", "subtotal", "15.00"], ["", "service income", ""]]


def test_page_stored_sideways_reads_as_displayed():
    tops = [300, 320, 340]
    spec = {"size": (842, 595), "rotate": 90,
            "texts": [(72, 100, 12, "Title of the landscape page"), (72, 140, 11, "Amounts below are in yuan."),
                      (80, 304, 10, "rent"), (410, 304, 10, "12.00"), (80, 324, 10, "fuel"), (410, 324, 10, "4.00")],
            "lines": grid([72, 400, 700], tops)}
    doc = read(synthetic_pdf([spec]), "landscape.pdf", "0" * 64)
    assert [p.text for p in doc.paragraphs()] == ["Title of the landscape page", "Amounts below are in yuan."]
    (table,) = doc.tables()
    assert table.text_rows() == [["rent", "12.00"], ["fuel", "4.00"]]
    x0, top, x1, bottom = table.row(0)[0].bbox
    assert (round(x0), round(top), round(x1), round(bottom)) == (72, 300, 400, 320)  # as displayed


def test_table_inside_a_form_xobject():
    import io

    pdfium = pytest.importorskip("pypdfium2")
    inner = {"texts": [(80, 104, 10, "rent"), (310, 104, 10, "12.00"), (80, 124, 10, "fuel"), (310, 124, 10, "4.00")],
             "lines": grid([72, 300, 500], [100, 120, 140])}
    source = pdfium.PdfDocument(synthetic_pdf([inner]))
    imposed = pdfium.PdfDocument.new()
    form = source.page_as_xobject(0, imposed).as_pageobject()  # the page drawn as a form, half size, moved
    form.transform(pdfium.PdfMatrix().scale(0.5, 0.5).translate(100, 300))
    page = imposed.new_page(595, 842)
    page.insert_obj(form)
    page.gen_content()
    buf = io.BytesIO()
    imposed.save(buf)
    (table,) = read(buf.getvalue(), "imposed.pdf", "0" * 64).tables()
    assert table.text_rows() == [["rent", "12.00"], ["fuel", "4.00"]]
    assert table.row(0)[0].bbox == (136.0, 171.0, 250.0, 181.0)  # 72 * 0.5 + 100; 842 - ((842 - 100) * 0.5 + 300)


def test_three_line_table_ruled_only_across():
    rules = [(72, 100, 500, 100), (72, 120, 500, 120), (72, 180, 500, 180)]
    texts = [(80, 104, 10, "Item"), (300, 104, 10, "Budget"), (420, 104, 10, "Actual"),
             (80, 124, 10, "rent and water"), (300, 124, 10, "12.00"), (420, 124, 10, "11.50"),
             (80, 144, 10, "fuel"), (300, 144, 10, "4.00"), (420, 144, 10, "4.20"),
             (80, 164, 10, "total"), (300, 164, 10, "16.00"), (420, 164, 10, "15.70")]
    doc = read(synthetic_pdf([{"texts": [(72, 60, 11, "Table 1 Spending"), *texts], "lines": rules}]), "three.pdf", "0" * 64)
    (table,) = doc.tables()
    assert table.text_rows() == [["Item", "Budget", "Actual"], ["rent and water", "12.00", "11.50"],
                                 ["fuel", "4.00", "4.20"], ["total", "16.00", "15.70"]]
    assert [p.text for p in doc.paragraphs()] == ["Table 1 Spending"]


def test_prose_between_rules_stays_prose():
    rules = [(72, 95, 523, 95), (72, 150, 523, 150), (72, 240, 523, 240)]
    doc = read(synthetic_pdf([{"texts": body(1, 10), "lines": rules}]), "ruled.pdf", "0" * 64)
    assert not list(doc.tables())
    assert "Line 9 of page 1" in " ".join(p.text for p in doc.paragraphs())


def test_caption_repeated_on_the_next_page_does_not_split_the_table():
    xs = [72, 300, 500]
    first = {"texts": [(72, 660, 11, "Spending by item"), (420, 684, 9, "Unit: yuan"),
                       (80, 704, 10, "rent"), (310, 704, 10, "12.00"), (80, 724, 10, "fuel"), (310, 724, 10, "4.00")],
             "lines": grid(xs, [700, 720, 740])}
    second = {"texts": [(420, 84, 9, "Unit: yuan"), (80, 104, 10, "water"), (310, 104, 10, "1.00")],
              "lines": grid(xs, [100, 120])}
    doc = read(synthetic_pdf([first, second]), "repeat.pdf", "0" * 64)
    assert [p.text for p in doc.paragraphs()] == ["Spending by item", "Unit: yuan"]
    (table,) = doc.tables()
    assert table.pages == (1, 2) and table.text_rows()[-1] == ["water", "1.00"]


def test_unit_line_above_tables_on_every_page_is_not_a_running_header():
    pages = [{"texts": [(72, 30, 11, f"Table {n}"), (420, 46, 9, "Unit: yuan"), (80, 64, 10, "rent"), (310, 64, 10, f"{n}.00"),
                        (80, 84, 10, "fuel"), (310, 84, 10, "4.00"), *body(n, 3, top=300)],
              "lines": grid([72, 300, 500], [60, 80, 100])} for n in range(1, 5)]
    doc = read(synthetic_pdf(pages), "tables.pdf", "0" * 64)
    tables = list(doc.tables())
    assert len(tables) == 4
    assert all(doc.blocks[t.index - 1].text == "Unit: yuan" for t in tables)


def test_new_row_of_codes_after_a_page_break_is_not_a_cut_row():
    xs = [72, 120, 160, 400, 500]
    first = {"texts": [(80, 724, 10, "208"), (125, 724, 10, "05"), (165, 724, 10, "other pensions"), (410, 724, 10, "6440.00")],
             "lines": grid(xs, [720, 740])}
    second = {"texts": [(80, 104, 10, "210"), (165, 104, 10, "health"), (410, 104, 10, "1149678.00")],
              "lines": grid(xs, [100, 120])}
    (table,) = read(synthetic_pdf([first, second]), "codes.pdf", "0" * 64).tables()
    assert table.text_rows() == [["208", "05", "other pensions", "6440.00"], ["210", "", "health", "1149678.00"]]


def test_slanted_watermark_stays_out_of_the_text():
    doc = read(synthetic_pdf([{"texts": [*body(1, 6), (150, 180, 60, "SPECIMEN", True)]}]), "mark.pdf", "0" * 64)
    (para,) = doc.paragraphs()
    assert "SPECIMEN" not in para.text and "S" not in para.text.replace("Line", "")
    assert para.text.count("margin") == 6



def test_numbered_item_with_a_hanging_indent_is_one_paragraph():
    texts = [(72, 100, 11, "1."), (92, 100, 11, "The first item is long enough to wrap onto a second line which"),
             (92, 114, 11, "goes on under the text of the item, not under its number."),
             (72, 140, 11, "2."), (92, 140, 11, "The second item.")]
    doc = read(synthetic_pdf([{"texts": texts}]), "list.pdf", "0" * 64)
    assert [p.text for p in doc.paragraphs()] == [
        "1. The first item is long enough to wrap onto a second line which goes on under the text of the item, not under its number.",
        "2. The second item."]


def test_continuation_whose_first_row_has_no_rule_above_it():
    """The page before closes the table; this page starts with column lines only, no rule above the first row."""
    xs = [72, 300, 500]
    first = {"texts": [(80, 704, 10, "Item"), (310, 704, 10, "Amount"), (80, 724, 10, "rent"), (310, 724, 10, "12.00")],
             "lines": grid(xs, [700, 720, 740])}
    second = {"texts": [(80, 74, 10, "water"), (310, 74, 10, "1.00"), (80, 94, 10, "fuel"), (310, 94, 10, "4.00")],
              "lines": [(72, 90, 500, 90), (72, 110, 500, 110), *((x, 70, x, 110) for x in xs)]}
    doc = read(synthetic_pdf([first, second]), "open-top.pdf", "0" * 64)
    (table,) = doc.tables()
    assert table.text_rows() == [["Item", "Amount"], ["rent", "12.00"], ["water", "1.00"], ["fuel", "4.00"]]
    assert not list(doc.paragraphs())


def test_large_heading_wrapped_onto_a_centred_line_is_one_heading():
    """A table title set large (not bold) runs to the margin and ends on a short centred line (“…支出预算 / 表”)."""
    texts = [(72, 40, 24, "Travel and meeting costs of"), (200, 68, 24, "the office"),
             (72, 120, 24, "Next"), (200, 148, 24, "heading"), *body(1, 6, top=200)]
    doc = read(synthetic_pdf([{"texts": texts}]), "wrapped.pdf", "0" * 64)
    heads = [p.text for p in doc.paragraphs() if p.is_heading]
    assert heads == ["Travel and meeting costs of the office", "Next", "heading"]


def test_row_cut_with_only_its_name_running_on_is_one_row():
    """“十七、国土海洋气象等支” / “出”: the amounts are blank, the name fills the column's widest line."""
    xs = [72, 176, 300]
    first = {"texts": [(75, 704, 10, "1. rent"), (75, 724, 10, "2. travel and lodging of")],
             "lines": grid(xs, [700, 720, 740])}
    second = {"texts": [(75, 104, 10, "staff"), (75, 124, 10, "3. fuel")], "lines": grid(xs, [100, 120, 140])}
    (table,) = read(synthetic_pdf([first, second]), "cut-name.pdf", "0" * 64).tables()
    assert table.text_rows() == [["1. rent", ""], ["2. travel and lodging of staff", ""], ["3. fuel", ""]]


def test_item_just_filling_a_narrow_cell_is_no_cut_when_its_column_has_longer_lines():
    """“专户管理教育收费” at a page's foot, “其他非税收入” at the next page's top: two items of one group."""
    xs = [72, 150, 260, 360]
    first = {"texts": [(80, 714, 10, "fees"), (154, 704, 10, "grants and transfers of"), (270, 704, 10, "1.00"),
                       (154, 724, 10, "special fees paid")],
             "lines": [(72, 700, 360, 700), (150, 720, 360, 720), (72, 740, 360, 740), *((x, 700, x, 740) for x in xs)]}
    second = {"texts": [(154, 104, 10, "other receipts"), (80, 124, 10, "other"), (154, 124, 10, "subtotal")],
              "lines": grid(xs, [100, 120, 140])}
    (table,) = read(synthetic_pdf([first, second]), "group.pdf", "0" * 64).tables()
    assert [row[1] for row in table.text_rows()] == ["grants and transfers of", "special fees paid", "other receipts",
                                                     "subtotal"]


def test_title_and_header_repeated_on_the_next_page_continue_the_table():
    xs = [72, 300, 500]
    captions = [(72, 40, 14, "Procurement budget"), (72, 64, 9, "Department: Office"), (420, 64, 9, "Unit: yuan")]
    first = {"texts": [*[(x, t + 600, s, text) for x, t, s, text in captions],
                       (80, 704, 10, "Item"), (310, 704, 10, "Amount"), (80, 724, 10, "paper"), (310, 724, 10, "2.00")],
             "lines": grid(xs, [700, 720, 740])}
    second = {"texts": [*captions, (80, 104, 10, "Item"), (310, 104, 10, "Amount"), (80, 124, 10, "printing"),
                        (310, 124, 10, "3.00")],
              "lines": grid(xs, [100, 120, 140])}
    doc = read(synthetic_pdf([first, second]), "repeat-title.pdf", "0" * 64)
    (table,) = doc.tables()
    assert table.text_rows() == [["Item", "Amount"], ["paper", "2.00"], ["printing", "3.00"]]
    assert [p.text for p in doc.paragraphs()] == ["Procurement budget", "Department: Office", "Unit: yuan"]


def test_a_repeated_title_over_another_header_starts_a_new_table():
    xs = [72, 300, 500]
    pages = [{"texts": [(72, 40 + off, 14, "Project self-evaluation"), (80, 104 + off, 10, "Project"),
                        (310, 104 + off, 10, name), (80, 124 + off, 10, "Budget"), (310, 124 + off, 10, "5.00")],
              "lines": grid(xs, [100 + off, 120 + off, 140 + off])} for off, name in ((600, "roads"), (0, "parks"))]
    doc = read(synthetic_pdf(pages), "projects.pdf", "0" * 64)
    assert [t.text_rows()[0] for t in doc.tables()] == [["Project", "roads"], ["Project", "parks"]]


def test_continuation_header_with_a_rule_over_part_of_its_width_only():
    """The page before ends with the 收入 | 支出 row; this page's header has a rule only above its split 支出 cell."""
    first = {"texts": [(80, 704, 10, "Income"), (310, 704, 10, "Expenditure")],
             "lines": [(72, 700, 540, 700), (72, 720, 540, 720), *((x, 700, x, 720) for x in (72, 300, 540))]}
    second = {"texts": [(80, 84, 10, "Item"), (190, 84, 10, "Amount"), (310, 74, 10, "Use"), (310, 94, 10, "Item"),
                        (430, 94, 10, "Amount"), (80, 114, 10, "grants"), (190, 114, 10, "5.00"), (310, 114, 10, "basic"),
                        (430, 114, 10, "5.00")],
              "lines": [(300, 70, 540, 70), (300, 90, 540, 90), (72, 110, 540, 110), (72, 130, 540, 130),
                        *((x, 70, x, 130) for x in (72, 180, 300, 540)), (420, 90, 420, 130)]}
    (table,) = read(synthetic_pdf([first, second]), "partial-rule.pdf", "0" * 64).tables()
    assert table.text_rows() == [["Income", "Income", "Expenditure", "Expenditure"], ["Item", "Amount", "Use", "Use"],
                                 ["Item", "Amount", "Item", "Amount"], ["grants", "5.00", "basic", "5.00"]]


def test_gridlines_of_a_chart_mid_page_make_no_table():
    """Vertical gridlines ending together with an axis below: not a table opening at the top of a page."""
    bars = [(72 + 100 * k, 300, 72 + 100 * k, 400) for k in range(5)] + [(72, 400, 472, 400)]
    labels = [(60 + 100 * k, 405, 9, f"{10 * k}") for k in range(5)] + [(80, 330, 9, "Basic 12.5"), (80, 360, 9, "Projects 7.5")]
    doc = read(synthetic_pdf([{"texts": [*body(1, 5), *labels, *body(1, 4, top=500)], "lines": bars}]), "chart.pdf", "0" * 64)
    assert not list(doc.tables())


# ---------------------------------------------------------------- fonts neither embedded nor installed


def _lone_characters_pdf() -> bytes:
    from fixtures_pdf import cjk_pdf, page, text

    return cjk_pdf([page(text(72, 60, 12, "一般公共预算支出表"), *[text(72 + 40 * k, 100, 12, c) for k, c in
                                                          enumerate("类款项")], text(72, 140, 12, "合计"))])


def test_lone_characters_of_a_font_not_embedded_are_read_on_any_machine():
    pytest.importorskip("reportlab")
    from decextract.readers import read_bytes

    doc = read_bytes(_lone_characters_pdf(), "lone.pdf")
    texts = [b.text for b in doc.blocks]
    assert "一般公共预算支出表" in texts and "合计" in texts
    assert any(all(c in t for c in "类款项") for t in texts), texts  # (PDFium alone drops them without a font)


def test_a_machine_without_chinese_fonts_finds_the_pages_that_lost_text():
    pytest.importorskip("reportlab")
    import pypdfium2 as pdfium
    import pypdfium2.raw as pdfium_c
    from fixtures_pdf import cjk_pdf, page, text

    from decextract.readers import pdffonts
    from decextract.readers.pdftables import painted_paths

    if not pdffonts.drops_lone_characters():
        pytest.skip("this machine has a Chinese font: PDFium drops nothing here")
    for data, lost in ((_lone_characters_pdf(), True), (cjk_pdf([page(text(72, 60, 12, "类款项合计"))]), False)):
        pdf = pdfium.PdfDocument(data)
        pg = pdf[0]
        textpage = pg.get_textpage()
        texts: list = []
        painted_paths(pg, texts)
        assert pdffonts.has_dropped_text(textpage, pdfium_c.FPDFText_CountChars(textpage), texts) is lost
        textpage.close()
        pg.close()
        pdf.close()


def _canvas_pdf(draw) -> bytes:
    import io

    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    if "STSong-Light" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    out = io.BytesIO()
    cv = canvas.Canvas(out, pagesize=(595, 842))
    cv.setFont("STSong-Light", 12)
    draw(cv)
    cv.showPage()
    cv.save()
    return out.getvalue()


def test_lone_characters_inside_a_form_xobject_are_read_and_a_slanted_watermark_is_not_taken_in():
    pytest.importorskip("reportlab")
    from decextract.readers import read_bytes

    def draw(cv):
        cv.beginForm("F1")
        cv.setFont("STSong-Light", 12)
        for k, ch in enumerate("类款项"):
            cv.drawString(72 + 40 * k, 660, ch)
        cv.endForm()
        cv.drawString(72, 700, "一般公共预算支出表")
        cv.doForm("F1")
        cv.drawString(72, 620, "合 计")
        cv.saveState()
        cv.translate(200, 400)
        cv.rotate(45)
        cv.setFont("STSong-Light", 60)
        cv.drawString(0, 0, "样张")  # a watermark at a slant: no text of the page, read by neither reader
        cv.restoreState()

    texts = [b.text for b in read_bytes(_canvas_pdf(draw), "form.pdf").blocks]
    assert any(all(c in t for c in "类款项") for t in texts), texts
    assert not any("样" in t or "张" in t for t in texts), texts
