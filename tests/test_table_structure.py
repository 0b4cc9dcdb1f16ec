"""Table structure: cell text, units and amounts; title, unit and header rows; tables split by a reader joined."""

from __future__ import annotations

from decimal import Decimal

import pytest
from conftest import REAL, SAMPLES
from conftest import SEED as SEED_STEM
from fixtures_tables import model_document, model_table

from decextract.model import Document, Paragraph
from decextract.readers import read_document
from decextract.tables import amount_in_yuan, annotate, clean_text, distinct_rows, row_context, unit_scale
from decextract.tables.structure import find_unit, is_number, year_of_line

SEED = SAMPLES / SEED_STEM  # the project's own copy of the seed

ANNEX = [
    ["项目", "<", "本年收入合计", "财政拨款收入", "其他收入"],
    ["功能分类科目编码", "科目名称", "^", "^", "^"],
    ["栏次", "", "1", "2", "3"],
    ["合计", "<", "307.82", "307.82", ""],
    ["201", "一般公共服务支出", "264.87", "264.87", ""],
]


# --- text, units, amounts -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw, clean",
    [
        ("项目完成指\n标", "项目完成指标"),
        ("财政拨款\n11.7万", "财政拨款11.7万"),
        ("预期指标值\n(包含数字及\n文字描述)", "预期指标值(包含数字及文字描述)"),
        ("完 成", "完 成"),
        ("  全年  预计\t化解 ", "全年 预计 化解"),
        ("public\nsecurity", "public security"),
        ("", ""),
    ],
)
def test_clean_text(raw, clean):
    assert clean_text(raw) == clean


@pytest.mark.parametrize(
    "text, unit",
    [
        ("单位：万元", "万元"),
        ("金额单位：元", "元"),
        ("编制单位：某某局            单位: 亿元", "亿元"),
        ("预算执行情况(万元)", "万元"),
        ("项目资金（万元）", "万元"),
        ("（单位：元）", "元"),
        ("编制单位：元宝山区财政局", None),
        ("单位：元宝山区财政局", None),
        ("单位：万元整", None),
        ("单位：万元部门：江苏省政协办公厅", "万元"),  # a right-aligned unit glued before the issuer line
        ("单位:万元常委会办公厅", "万元"),  # … or before the wrapped end of the issuer's name
        ("单位：元部门：上海市普陀区商务委员会", "元"),
        ("单位名称", None),
    ],
)
def test_find_unit(text, unit):
    assert find_unit(text) == unit


def test_amounts_in_yuan():
    assert unit_scale("万元") == Decimal(10000) and unit_scale("公里") is None
    assert amount_in_yuan("1,234.50", "万元") == Decimal(12345000)
    assert amount_in_yuan("134.31", "万元") == Decimal(1343100)
    assert amount_in_yuan("10万元", "元") == Decimal(100000)  # a cell's own unit wins
    assert amount_in_yuan("11.7万", None) == Decimal(117000)
    assert amount_in_yuan("87", None) == Decimal(87)
    for blank in ("", "—", "-", "完成", None):
        assert amount_in_yuan(blank, "万元") is None


def test_numbers_and_year_lines():
    assert is_number("1,234.50") and is_number("95.5%") and is_number("-3")
    assert not is_number("2020年") and not is_number("") and not is_number("1,23")
    assert year_of_line("(2020年度)") == 2020 and year_of_line("（2021年度）") == 2021
    assert year_of_line("2020年全年") is None


def test_rows_and_context():
    table = model_table(ANNEX)
    rows = distinct_rows(table)
    assert [c.text for c in rows[1]] == ["功能分类科目编码", "科目名称", "本年收入合计", "财政拨款收入", "其他收入"]
    assert row_context(rows[3]) == "合计 | 307.82 | 307.82 | "


# --- annotate -------------------------------------------------------------------------------------------------------


def test_caption_above_skips_notes_and_finds_header_rows():
    doc = annotate(model_document(["收入决算表", "编制单位：某某局", "单位：万元", ANNEX]))
    table = next(doc.tables())
    assert (table.title, table.unit, table.header_rows) == ("收入决算表", "万元", 3)


def test_caption_prefers_the_line_ending_in_表():
    # a PDF header line split in two: the issuer's name lies between the title and the table
    doc = annotate(model_document(["政府采购支出预算表", "部门：", "江苏省人民检察院", "单位：万元", ANNEX]))
    assert next(doc.tables()).title == "政府采购支出预算表"


def test_prose_above_is_no_caption():
    doc = annotate(model_document(["本部门2020年收入情况如下，具体见下表。", ANNEX]))
    table = next(doc.tables())
    assert (table.title, table.unit) == (None, None)


def test_title_and_unit_rows_inside_the_table():
    grid = [
        ["一般公共预算财政拨款支出决算表", "<", "<", "<", "<"],
        ["", "", "", "", "金额单位：元"],
        *ANNEX,
    ]
    table = next(annotate(model_document(["三、决算表", grid])).tables())
    assert (table.title, table.unit, table.header_rows) == ("一般公共预算财政拨款支出决算表", "元", 5)


def test_unit_in_a_header_cell_and_form_rows_are_no_headers():
    grid = [
        ["项目名称", "图书购置", "<", "<", "<"],
        ["预算执行情况(万元)", "预算数:", "5", "执行数:", "5"],
    ]
    table = next(annotate(model_document(["项目绩效目标完成情况表", "(2020年度)", grid])).tables())
    assert (table.title, table.unit, table.header_rows) == ("项目绩效目标完成情况表", "万元", 0)


def test_blank_values_under_headers_start_the_body():
    grid = [["“三公”经费", "<", "<"], ["合计", "因公出国（境）费", "公务接待费"], ["", "", ""]]
    assert next(annotate(model_document([grid])).tables()).header_rows == 2


def test_split_table_is_joined_with_its_repeated_header_dropped():
    first = model_table(ANNEX, index=1, page=4)
    rest = model_table([*ANNEX[:3], ["20101", "人大事务", "10.00", "10.00", ""]], index=2, page=5)
    doc = Document("f", "0", "pdf", (Paragraph(0, "收入决算表"), first, rest, Paragraph(3, "注：本表…")))
    out = annotate(doc)
    assert [b.index for b in out.blocks] == [0, 1, 2]
    table = out.blocks[1]
    assert (table.n_rows, table.pages, table.title, table.header_rows) == (6, (4, 5), "收入决算表", 3)
    last = table.row(5)
    assert [c.text for c in last] == ["20101", "人大事务", "10.00", "10.00", ""]
    assert {c.page for c in last} == {5} and {c.page for c in table.row(4)} == {4}


def test_tables_with_text_between_or_own_titles_stay_apart():
    apart = Document(
        "f", "0", "docx", (model_table(ANNEX, index=0), Paragraph(1, "（二）支出决算表"), model_table(ANNEX, index=2))
    )
    assert len(list(annotate(apart).tables())) == 2
    titled = [["支出决算表", "<", "<", "<", "<"], *ANNEX]
    own_title = Document("f", "0", "docx", (model_table(ANNEX, index=0), model_table(titled, index=1)))
    assert len(list(annotate(own_title).tables())) == 2
    narrower = Document("f", "0", "docx", (model_table(ANNEX, index=0), model_table([["a", "b"], ["1", "2"]], index=1)))
    assert len(list(annotate(narrower).tables())) == 2


def test_annotate_twice_changes_nothing():
    doc = annotate(model_document(["收入决算表", "单位：万元", ANNEX]))
    assert annotate(doc) == doc


@pytest.mark.parametrize("fmt", ["txt", "docx", "pdf"])
def test_seed_tables_titled_with_unit(fmt):
    path = SEED.with_suffix(f".{fmt}")
    if not path.exists():
        pytest.skip(f"seed sample not found at {path}")
    tables = list(annotate(read_document(path)).tables())
    assert [(t.title, t.unit) for t in tables] == [("项目绩效目标完成情况表", "万元")] * 5


def test_real_budget_tables_titled_with_headers():
    path = REAL / "putuo-shehuigongzuobu-2024-juesuan.pdf"
    if not path.exists():
        pytest.skip(f"real sample not found at {path}")
    tables = {t.title: t for t in annotate(read_document(path)).tables()}
    total = tables["收入支出决算总表"]
    assert (total.unit, total.header_rows) == ("万元", 2)
    assert tables["财政拨款“三公”经费支出决算表"].header_rows == 4
    assert tables["收入决算表"].pages == (6, 7)


def test_accounting_negatives_and_chinese_numerals_are_amounts():
    from decimal import Decimal

    from decextract.tables.structure import amount_in_yuan

    assert amount_in_yuan("(1,234.00)", "万元") == Decimal("-12340000")
    assert amount_in_yuan("负5", "元") == Decimal("-5")
    assert amount_in_yuan("说明文字", "万元") is None


@pytest.mark.parametrize("lines, unit", [
    (["收支预算总表", "单位：", "万元"], "万元"),
    (["收支预算总表", "单位:万元"], "万元"),
    (["收支预算总表", "金额单位：万元"], "万元"),
    (["收支预算总表（单位：元）"], "元"),
    (["收支预算总表", "部门：某某局 单位：万元"], "万元"),
])
def test_unit_lines_as_printed_across_producers(lines, unit):
    doc = annotate(model_document([*lines, [["项目", "金额"], ["一、财政拨款", "1.00"]]]))
    (table,) = doc.tables()
    assert (table.title, table.unit) == ("收支预算总表" if "（" not in lines[0] else lines[0], unit)


def test_heading_title_and_unit_lines_ruled_into_the_grid():
    """A spreadsheet printed with its gridlines rules the lines above the table into it: the document's heading,
    then the title, then the unit, each in a row of otherwise empty cells."""
    grid = [
        ["某区文化旅游局2023年度部门决算", "<", "", "", ""],
        ["一般公共预算财政拨款支出决算表", "<", "", "", ""],
        ["单位：万元", "", "", "", ""],
        *ANNEX,
    ]
    table = next(annotate(model_document([grid])).tables())
    assert (table.title, table.unit, table.header_rows) == ("一般公共预算财政拨款支出决算表", "万元", 6)


def test_a_first_row_of_one_line_over_headers_is_no_heading():
    """Only a title row below lets the single-line rows above it be headings: a lone label row stays a header."""
    grid = [["项目", "<", "", "", ""], *ANNEX]
    table = next(annotate(model_document(["收入决算表", grid])).tables())
    assert (table.title, table.header_rows) == ("收入决算表", 4)


def test_group_labels_over_unmerged_columns_are_a_header_not_a_form_row():
    """A grid read from text without column rules leaves 收入 and 支出 each in one cell over their two columns."""
    grid = [["收入", "", "支出", ""], ["项目", "决算数", "项目", "决算数"], ["一、财政拨款收入", "1.00", "一、公共安全支出", "1.00"]]
    assert next(annotate(model_document(["收入支出决算总表", grid])).tables()).header_rows == 2
