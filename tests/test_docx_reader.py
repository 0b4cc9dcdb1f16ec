"""The DOCX reader: body order, headings from styles and numbering, merged table cells."""

from __future__ import annotations

import copy
import io
import json
import unicodedata
import zipfile

import docx
import pytest
from conftest import DATA, SAMPLES
from conftest import SEED as SEED_STEM
from docx.enum.style import WD_STYLE_TYPE
from docx.oxml import OxmlElement
from docx.oxml.ns import qn

from decextract.errors import DamagedFileError, DecExtractError
from decextract.model import Paragraph, Table
from decextract.readers import read_bytes, read_document
from decextract.readers.docx import read

# the seed and its gold are the project's own copies (samples/, tests/data/): no shared folder needed
SEED = SAMPLES / f"{SEED_STEM}.docx"
SEED_TXT = SEED.with_suffix(".txt")
PERF_GOLD = DATA / f"{SEED_STEM}.performance.json"


def norm(s: str) -> str:
    return "".join(unicodedata.normalize("NFKC", s).split())


def to_bytes(document) -> bytes:
    buf = io.BytesIO()
    document.save(buf)
    return buf.getvalue()


def read_doc(document):
    return read(to_bytes(document), "fixture.docx", "0")


@pytest.fixture(scope="module")
def seed():
    if not SEED.exists():
        pytest.skip(f"seed sample not found at {SEED}")
    return read_document(SEED)


# --- the seed ---------------------------------------------------------------------------------------------------

def test_seed_blocks_in_order_with_title(seed):
    assert seed.format == "docx"
    assert [b.index for b in seed.blocks] == list(range(len(seed.blocks)))
    assert seed.title == "部门决算"
    first = seed.blocks[0]
    assert (first.text, first.kind, first.level) == ("第一部分 部门概况", "heading", 1)
    tables = list(seed.tables())
    assert len(tables) == 5
    for t in tables:
        assert t.n_cols == 6
        assert [seed.blocks[t.index - 2].text, seed.blocks[t.index - 1].text] == ["项目绩效目标完成情况表", "(2020年度)"]


def test_seed_headings_from_styles_and_numbering(seed):
    heads = {b.text: (b.level, b.section) for b in seed.paragraphs() if b.is_heading}
    assert heads["（四）预算绩效管理情况。"][0] == 3  # Heading 3 style
    # Normal style, but numbered like a heading: found by its numbering
    assert heads["1.项目绩效目标完成情况。"] == (4, ("第二部分度部门决算情况说明", "十、其他重要事项的情况说明",
                                                   "（四）预算绩效管理情况。"))
    prose = {b.text for b in seed.paragraphs() if not b.is_heading}
    assert "10.完成区委交办的其他任务。" in prose


def test_seed_merged_cells_stored_once_with_spans(seed):
    t = next(seed.tables())
    spans = {(c.row, c.col): (c.rowspan, c.colspan, c.text) for c in t.cells}
    assert spans[(0, 1)] == (1, 5, "矛盾纠纷多元化解（大调解）专项经费")
    assert spans[(2, 0)] == (3, 1, "预算执行情况(万元)")
    assert spans[(2, 4)] == (1, 2, "5")
    assert spans[(7, 0)] == (10, 1, "绩效指标完成情况")
    assert spans[(11, 2)] == (1, 1, "经济效益指标")  # “经济效益<w:br/>指标”: a wrapped phrase
    texts = [c.text for c in t.cells]
    assert texts.count("矛盾纠纷多元化解（大调解）专项经费") == 1


def test_seed_tables_agree_with_the_txt_rebuild(seed):
    if not SEED_TXT.exists():
        pytest.skip(f"seed text not found at {SEED_TXT}")
    txt = read_document(SEED_TXT)
    for a, b in zip(seed.tables(), txt.tables(), strict=True):
        key = lambda t: sorted((c.row, c.col, c.rowspan, c.colspan, c.text) for c in t.cells)  # noqa: E731
        assert key(a) == key(b)


def test_seed_grid_gives_the_gold_indicators(seed):
    if not PERF_GOLD.exists():
        pytest.skip(f"performance gold not found at {PERF_GOLD}")
    gold = json.loads(PERF_GOLD.read_text("utf-8"))
    total = 0
    for t, g in zip(seed.tables(), gold, strict=True):
        rows = t.text_rows()
        header = next(r for r, row in enumerate(rows) if row[1] == "一级指标")
        got = [[norm(x) for x in row[1:6]] for row in rows[header + 1:]]
        want = [[norm(i[k]) for k in ("level1", "level2", "level3", "expected", "actual")] for i in g["indicators"]]
        assert got == want
        assert norm(rows[0][1]) == norm(g["project"])
        total += len(got)
    assert total == 46


# --- fixtures built with python-docx ----------------------------------------------------------------------------

def test_paragraphs_and_tables_in_document_order():
    d = docx.Document()
    d.add_paragraph("一、收入决算情况说明", style="Heading 1")
    d.add_paragraph("收入合计350.01万元。")
    t = d.add_table(rows=2, cols=2)
    t.cell(0, 0).text, t.cell(0, 1).text = "项目", "金额"
    t.cell(1, 0).text, t.cell(1, 1).text = "收入", "350.01"
    d.add_paragraph("")  # empty paragraphs are dropped
    d.add_paragraph("二、支出决算情况说明")
    doc = read_doc(d)
    kinds = [(type(b).__name__, getattr(b, "kind", None)) for b in doc.blocks]
    assert kinds == [("Paragraph", "heading"), ("Paragraph", "paragraph"), ("Table", None), ("Paragraph", "heading")]
    table = doc.blocks[2]
    assert table.text_rows() == [["项目", "金额"], ["收入", "350.01"]]
    # the styled “一、” heading takes its numbering's level (2), as in TXT and PDF
    assert doc.blocks[0].level == 2
    assert table.section == ("一、收入决算情况说明",)
    assert doc.blocks[3].section == ()


def test_horizontal_and_vertical_merges():
    d = docx.Document()
    t = d.add_table(rows=4, cols=4)
    for r in range(4):
        for c in range(4):
            t.cell(r, c).text = f"{r}{c}"
    t.cell(0, 1).merge(t.cell(0, 3))  # gridSpan 3
    t.cell(1, 0).merge(t.cell(3, 0))  # vMerge over 3 rows
    t.cell(2, 2).merge(t.cell(3, 3))  # a 2x2 block
    (table,) = read_doc(d).tables()
    spans = {(c.row, c.col): (c.rowspan, c.colspan) for c in table.cells}
    assert spans == {
        (0, 0): (1, 1), (0, 1): (1, 3),
        (1, 0): (3, 1), (1, 1): (1, 1), (1, 2): (1, 1), (1, 3): (1, 1),
        (2, 1): (1, 1), (2, 2): (2, 2),
        (3, 1): (1, 1),
    }
    merged = {(c.row, c.col): c.text for c in table.cells}
    assert merged[(1, 0)] == "10\n20\n30"  # python-docx keeps the merged cells' paragraphs
    assert table.grid()[3][3].text == merged[(2, 2)]


def test_caption_row_spanning_the_table_becomes_a_paragraph():
    d = docx.Document()
    t = d.add_table(rows=3, cols=3)
    t.cell(0, 0).merge(t.cell(0, 2)).text = "单位：万元"
    for c, h in enumerate(["科目", "预算数", "决算数"]):
        t.cell(1, c).text = h
    for c, v in enumerate(["合计", "10.00", "9.50"]):
        t.cell(2, c).text = v
    doc = read_doc(d)
    assert isinstance(doc.blocks[0], Paragraph) and doc.blocks[0].text == "单位：万元"
    table = doc.blocks[1]
    assert isinstance(table, Table) and table.index == 1
    assert table.n_rows == 2 and table.text_rows()[0] == ["科目", "预算数", "决算数"]


def test_one_cell_layout_table_is_read_as_body():
    d = docx.Document()
    frame = d.add_table(rows=1, cols=1).cell(0, 0)
    frame.paragraphs[0].text = "一、收入决算情况说明"
    frame.add_paragraph("收入合计350.01万元。")
    inner = frame.add_table(rows=2, cols=2)
    for r in range(2):
        for c in range(2):
            inner.cell(r, c).text = f"{r}{c}"
    doc = read_doc(d)
    assert [type(b).__name__ for b in doc.blocks] == ["Paragraph", "Paragraph", "Table"]
    assert doc.blocks[0].is_heading and doc.blocks[1].section == ("一、收入决算情况说明",)
    assert doc.blocks[2].text_rows() == [["00", "01"], ["10", "11"]]


def add_numbering(d, levels: list[tuple[str, str]]) -> str:
    """Define a multilevel list (numFmt, lvlText per level) in ``d``; return its numId."""
    numbering = d.part.numbering_part.element
    abstract = OxmlElement("w:abstractNum")
    abstract.set(qn("w:abstractNumId"), "90")
    for ilvl, (fmt, text) in enumerate(levels):
        lvl = OxmlElement("w:lvl")
        lvl.set(qn("w:ilvl"), str(ilvl))
        for tag, value in (("w:start", "1"), ("w:numFmt", fmt), ("w:lvlText", text)):
            node = OxmlElement(tag)
            node.set(qn("w:val"), value)
            lvl.append(node)
        abstract.append(lvl)
    numbering.insert(0, abstract)
    num = OxmlElement("w:num")
    num.set(qn("w:numId"), "91")
    ref = OxmlElement("w:abstractNumId")
    ref.set(qn("w:val"), "90")
    num.append(ref)
    numbering.append(num)
    return "91"


def number_paragraph(element, num_id: str, ilvl: int) -> None:
    """Give a ``w:p`` or ``w:style`` element list numbering."""
    num_pr = OxmlElement("w:numPr")
    for tag, value in (("w:ilvl", str(ilvl)), ("w:numId", num_id)):
        node = OxmlElement(tag)
        node.set(qn("w:val"), value)
        num_pr.append(node)
    element.get_or_add_pPr().append(num_pr)


def test_automatic_list_numbers_are_printed_and_make_headings():
    d = docx.Document()
    num_id = add_numbering(d, [("chineseCounting", "%1、"), ("chineseCounting", "（%2）"), ("decimal", "%3.")])
    items = [(0, "收入决算情况说明"), (1, "总体情况"), (1, "结构情况"), (0, "支出决算情况说明"),
             (1, "总体情况"), (2, "基本支出292.56万元，占49.57%。")]
    for ilvl, text in items:
        number_paragraph(d.add_paragraph(text)._p, num_id, ilvl)
    doc = read_doc(d)
    assert [b.text for b in doc.blocks] == ["一、收入决算情况说明", "（一）总体情况", "（二）结构情况",
                                            "二、支出决算情况说明", "（一）总体情况", "1.基本支出292.56万元，占49.57%。"]
    assert [b.level for b in doc.blocks] == [2, 3, 3, 2, 3, None]
    assert doc.blocks[5].section == ("二、支出决算情况说明", "（一）总体情况")


def test_numbering_applied_through_a_heading_style():
    d = docx.Document()
    num_id = add_numbering(d, [("chineseCounting", "第%1部分 ")])
    style = d.styles.add_style("标题 1", WD_STYLE_TYPE.PARAGRAPH)
    number_paragraph(style.element, num_id, 0)
    d.add_paragraph("部门概况", style=style)
    d.add_paragraph("", style=style)  # an empty numbered paragraph still takes a number
    d.add_paragraph("附件", style=style)
    doc = read_doc(d)
    assert [(b.text, b.level) for b in doc.blocks] == [("第一部分 部门概况", 1), ("第三部分 附件", 1)]


def test_heading_from_chinese_style_name_and_outline_level():
    d = docx.Document()
    style = d.styles.add_style("标题 2", WD_STYLE_TYPE.PARAGRAPH)
    d.add_paragraph("部门概况", style=style)
    p = d.add_paragraph("收支情况")
    outline = OxmlElement("w:outlineLvl")
    outline.set(qn("w:val"), "0")
    p._p.get_or_add_pPr().append(outline)
    d.add_paragraph("正文。")
    doc = read_doc(d)
    assert [(b.kind, b.level) for b in doc.blocks] == [("heading", 2), ("heading", 1), ("paragraph", None)]
    assert doc.blocks[2].section == ("收支情况",)


def test_text_in_content_controls_and_tracked_insertions_is_kept():
    d = docx.Document()
    p = d.add_paragraph("收入")
    ins = OxmlElement("w:ins")
    ins.set(qn("w:id"), "1")
    ins.set(qn("w:author"), "x")
    run = copy.deepcopy(p.runs[0]._r)
    run.find(qn("w:t")).text = "10万元"
    ins.append(run)
    p._p.append(ins)
    sdt, content = OxmlElement("w:sdt"), OxmlElement("w:sdtContent")
    inner = d.add_paragraph("控件里的段落")._p
    content.append(inner)  # moves the paragraph into the control
    sdt.append(content)
    d.element.body.insert(len(d.element.body) - 1, sdt)
    doc = read_doc(d)
    assert [b.text for b in doc.blocks] == ["收入10万元", "控件里的段落"]


def test_placeholder_core_title_is_dropped():
    d = docx.Document()
    d.core_properties.title = "Microsoft Word - report.doc"
    d.add_paragraph("正文")
    assert read_doc(d).title is None


# --- damaged files ----------------------------------------------------------------------------------------------

def test_zip_without_document_xml_is_a_clear_error(tmp_path):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/styles.xml", "<styles/>")
    f = tmp_path / "nodoc.docx"
    f.write_bytes(buf.getvalue())
    with pytest.raises(DecExtractError) as err:
        read_document(f)
    assert "nodoc.docx" in str(err.value)
    with pytest.raises(DamagedFileError) as err:  # the reader itself, called on such bytes
        read(buf.getvalue(), "nodoc.docx", "0")
    assert "nodoc.docx" in str(err.value)


def test_truncated_docx_is_damaged(tmp_path):
    data = to_bytes(docx.Document())
    f = tmp_path / "cut.docx"
    f.write_bytes(data[: len(data) // 2])
    with pytest.raises(DamagedFileError) as err:
        read_document(f)
    assert "cut.docx" in str(err.value)


def test_broken_document_xml_is_damaged():
    src = zipfile.ZipFile(io.BytesIO(to_bytes(docx.Document())))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for item in src.infolist():
            data = src.read(item.filename)
            z.writestr(item, b"<w:document><unclosed" if item.filename == "word/document.xml" else data)
    with pytest.raises(DamagedFileError) as err:
        read_bytes(buf.getvalue(), "badxml.docx")
    assert "badxml.docx" in str(err.value)


def test_a_grid_span_beyond_the_table_grid_is_clipped():
    import io

    import docx
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    document = docx.Document()
    table = document.add_table(rows=2, cols=3)
    for i, cell in enumerate(table.rows[1].cells):
        cell.text = str(i)
    span = OxmlElement("w:gridSpan")
    span.set(qn("w:val"), "50")  # damaged: 50 columns in a 3-column grid
    table.rows[0].cells[0]._tc.get_or_add_tcPr().append(span)
    buf = io.BytesIO()
    document.save(buf)
    [read] = read_bytes(buf.getvalue(), "g.docx").tables()
    assert read.n_cols < 10 and read.row(0)[0].colspan == 3


# ---------------------------------------------------------------- damaged and hostile numbering and grids


@pytest.mark.parametrize(("fmt", "start", "printed"), [
    ("upperRoman", "100000000000", "100000000000、"),  # Roman numerals of 1e11 would never end
    ("lowerRoman", "1000000000000000", "1000000000000000、"),
    ("upperLetter", "100000000000", "100000000000、"),  # nor 4e9 repeated letters
    ("chineseCounting", "100000000000", "100000000000、"),
    ("decimal", "1e11", "1、"),  # not an integer: Word's default start
    ("decimalEnclosedCircle", "-7", "-7、"),
    ("upperRoman", "4", "IV、"),
])
def test_list_numbers_out_of_range_print_as_digits(fmt, start, printed):
    from hostile import docx_numbering

    doc = read_bytes(docx_numbering(fmt, start), "list.docx")
    first = next(doc.paragraphs()).text
    assert first.startswith(printed), first


def test_a_docx_without_a_numbering_part_reads():
    from hostile import docx, para

    doc = read_bytes(docx(para("第一部分 部门概况") + para("收入10万元。")), "plain.docx")
    assert [p.text for p in doc.paragraphs()] == ["第一部分 部门概况", "收入10万元。"]


@pytest.mark.parametrize(("before", "span", "grid"), [
    ("1000000000", "1", False), ("0", "1000000000", False), ("0", "1000000000", True), ("0", "1e9", False),
    ("-5", "1", False),
])
def test_hostile_grid_before_and_spans_are_clipped(before, span, grid):
    from hostile import docx_grid

    doc = read_bytes(docx_grid(before=before, span=span, grid=grid), "grid.docx")
    table = next(doc.tables())
    assert table.n_cols <= 64
    assert any(c.text == "合计" for c in table.cells) and any(c.text == "12.5" for c in table.cells)
    table.grid()  # a grid of n_rows x n_cols slots, not billions


@pytest.mark.parametrize("builder", ["docx_xxe_file", "docx_xxe_http", "docx_billion_laughs", "docx_external_dtd",
                                     "docx_external_image"])
def test_xml_pointing_outside_the_file_is_never_followed(builder, monkeypatch):
    """External entities (file, http), entity expansion and external DTDs are refused or left unexpanded,
    and nothing is fetched: a socket connection during the read fails the test."""
    import socket

    import hostile

    def no_network(*args, **kwargs):
        raise AssertionError("the reader tried to reach the network")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    monkeypatch.setattr(socket, "create_connection", no_network)
    data = {"docx_xxe_file": lambda: hostile.docx_xxe("file:///etc/passwd"),
            "docx_xxe_http": lambda: hostile.docx_xxe("http://127.0.0.1:9/xxe")}.get(builder) \
        or getattr(hostile, builder)
    try:
        doc = read_bytes(data(), "hostile.docx")
    except DecExtractError as exc:
        assert "hostile.docx" in str(exc)
        return
    text = "\n".join(p.text for p in doc.paragraphs())
    assert "root:" not in text and "lollollol" not in text
