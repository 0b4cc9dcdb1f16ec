"""The XLSX reader: sheets cut into title paragraphs and tables, merged cells, numbers as printed."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from decextract.errors import DamagedFileError
from decextract.model import Paragraph, Table
from decextract.readers import read_bytes, read_document
from decextract.readers.xlsx import display, read

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
REAL = SHARED / "samples" / "real" / "putuo-sifaju-2026-yusuan.xlsx"


def to_bytes(workbook) -> bytes:
    buf = io.BytesIO()
    workbook.save(buf)
    return buf.getvalue()


def budget_workbook():
    """A sheet with a titled, unit-labelled table with merged headers, then a second table."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "预算表 "
    ws["A1"] = "收支预算总表"
    ws.merge_cells("A1:D1")
    ws["A2"], ws["D2"] = "编制单位：上海市普陀区司法局", "单位：万元"
    ws["A3"], ws["B3"], ws["D3"] = "项目", "预算数", "备注"
    ws.merge_cells("A3:A4")
    ws.merge_cells("B3:C3")
    ws["B4"], ws["C4"] = "本年", "上年"
    ws.append(["合计", 1234.5, 1000, "增加"])
    ws.append(["一般公共服务支出", 0.1 + 0.2, -2.5, None])
    for row in (5, 6):
        ws.cell(row, 2).number_format = "#,##0.00"
        ws.cell(row, 3).number_format = "#,##0.00_);(#,##0.00)"
    ws["A8"] = "收入预算表"
    ws["A9"], ws["B9"] = "项目", "金额"
    ws["A10"], ws["B10"] = "财政拨款收入", 3845.49
    return wb


@pytest.fixture(scope="module")
def budget():
    return read(to_bytes(budget_workbook()), "budget.xlsx", "0")


def test_title_and_unit_rows_become_paragraphs_before_each_table(budget):
    kinds = [type(b).__name__ for b in budget.blocks]
    assert kinds == ["Paragraph", "Paragraph", "Paragraph", "Table", "Paragraph", "Table"]
    assert [b.text for b in budget.blocks if isinstance(b, Paragraph)] == [
        "收支预算总表", "编制单位：上海市普陀区司法局", "单位：万元", "收入预算表"]
    assert [b.index for b in budget.blocks] == list(range(6))
    assert all(b.section == ("预算表",) for b in budget.blocks)
    assert budget.format == "xlsx"


def test_merged_header_cells_have_spans_and_are_stored_once(budget):
    table = budget.blocks[3]
    assert isinstance(table, Table)
    assert (table.n_rows, table.n_cols) == (4, 4)
    spans = {(c.row, c.col): (c.rowspan, c.colspan, c.text) for c in table.cells}
    assert spans[(0, 0)] == (2, 1, "项目")
    assert spans[(0, 1)] == (1, 2, "预算数")
    assert (1, 0) not in spans and (0, 2) not in spans
    assert spans[(1, 3)] == (1, 1, "")  # a blank slot is an empty cell
    assert table.text_rows()[1] == ["项目", "本年", "上年", ""]


def test_numbers_are_rendered_through_their_format(budget):
    rows = budget.blocks[3].text_rows()
    assert rows[2] == ["合计", "1,234.50", "1,000.00", "增加"]
    assert rows[3] == ["一般公共服务支出", "0.30", "(2.50)", ""]


def test_second_table_keeps_only_its_own_columns(budget):
    table = budget.blocks[5]
    assert table.text_rows() == [["项目", "金额"], ["财政拨款收入", "3845.49"]]


def test_vertical_merge_holds_rows_together_and_blank_rows_split_tables():
    wb = openpyxl.Workbook()
    ws = wb.active
    ws["A1"], ws["B1"], ws["C1"] = "类别", "项目", "是否符合"
    ws["A2"], ws["B2"], ws["C2"] = "内容规范性", "封面", "是"
    ws["B3"], ws["C3"] = "目录", "否"
    ws.merge_cells("A2:A4")  # row 4 has nothing but the merged cell
    ws["A6"], ws["B6"] = "甲", "乙"
    doc = read(to_bytes(wb), "m.xlsx", "0")
    first, second = doc.tables()
    assert first.n_rows == 4
    assert first.text_rows()[3] == ["内容规范性", "", ""]
    assert next(c for c in first.cells if c.text == "内容规范性").rowspan == 3
    assert second.text_rows() == [["甲", "乙"]]


def test_hidden_sheets_are_skipped_and_sheets_keep_their_order():
    wb = openpyxl.Workbook()
    wb.active.title = "封面"
    wb.active["A1"] = "2026年部门预算"
    hidden = wb.create_sheet("辅助")
    hidden["A1"], hidden["B1"] = "x", "y"
    hidden.sheet_state = "hidden"
    third = wb.create_sheet("表1")
    third["A1"], third["B1"] = "项目", "金额"
    doc = read(to_bytes(wb), "s.xlsx", "0")
    assert [(type(b).__name__, b.section) for b in doc.blocks] == [("Paragraph", ("封面",)), ("Table", ("表1",))]


def test_workbook_title_from_properties():
    wb = openpyxl.Workbook()
    wb.active["A1"] = "x"
    wb.properties.title = "上海市普陀区司法局2026年部门预算"
    assert read(to_bytes(wb), "t.xlsx", "0").title == "上海市普陀区司法局2026年部门预算"
    wb.properties.title = "Sheet"
    assert read(to_bytes(wb), "t.xlsx", "0").title is None


@pytest.mark.parametrize(
    ("value", "fmt", "printed"),
    [
        (1234.5, "#,##0.00", "1,234.50"),
        (1234.5599999999999, "0.00", "1234.56"),  # a float stored a hair below its decimal value
        (0.1 + 0.2, "General", "0.3"),
        (1e15, "General", "1000000000000000"),
        (Decimal("12345678901.23"), "#,##0.00", "12,345,678,901.23"),
        (0.0523, "0.00%", "5.23%"),
        (2.5, "0", "3"),  # Excel rounds half away from zero
        (-2.5, "0", "-3"),
        (-1234.5, "#,##0.00_);(#,##0.00)", "(1,234.50)"),
        (0, '_(* #,##0.00_);_(* \\(#,##0.00\\);_(* "-"??_);_(@_)', "-"),
        (5, '_(* #,##0.00_);_(* \\(#,##0.00\\);_(* "-"??_);_(@_)', "5.00"),
        (1234567, "#,##0,", "1,235"),
        (12, '"¥"#,##0.00', "¥12.00"),
        (12, "[$¥-804]#,##0.00", "¥12.00"),
        (3, '0"元"', "3元"),
        (12.345, "#,##0.00_ ", "12.35"),
        (0.5, "#.00", ".50"),
        (7, "[Red]0.00;[Blue]-0.00", "7.00"),
        (True, "General", "TRUE"),
        (dt.datetime(2026, 1, 31), "yyyy-mm-dd", "2026-01-31"),
        ("单位：万元", "@", "单位：万元"),
        (None, "General", ""),
    ],
)
def test_display(value, fmt, printed):
    assert display(value, fmt) == printed


def test_real_checklist_workbook():
    if not REAL.exists():
        pytest.skip(f"real sample not found at {REAL}")
    doc = read_document(REAL)
    assert [type(b).__name__ for b in doc.blocks] == ["Paragraph", "Paragraph", "Paragraph", "Table"]
    assert doc.blocks[0].text == "2026年度普陀区部门预算公开情况检查表"
    assert doc.blocks[1].text == "部门名称: 上海市普陀区司法局"
    table = doc.blocks[3]
    assert (table.n_rows, table.n_cols) == (19, 5)
    assert table.section == ("2026年部门预算",)
    rows = table.text_rows()
    assert rows[0] == ["2026年度部门预算公开检查内容"] * 3 + ["符合要求", "问题截图"]
    assert rows[2][:4] == ["内容规范性", "封面", "封面", "是"]
    assert next(c for c in table.cells if c.text == "内容规范性").rowspan == 17
    assert rows[-1][1] == "项目经费情况说明" and rows[-1][3] == "否"


def test_damaged_workbooks_raise_damaged_file_error(tmp_path):
    data = to_bytes(budget_workbook())
    cut = tmp_path / "cut.xlsx"
    cut.write_bytes(data[: len(data) // 2])
    with pytest.raises(DamagedFileError) as err:
        read_document(cut)
    assert "cut.xlsx" in str(err.value)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/workbook.xml", "<workbook><unclosed")
    with pytest.raises(DamagedFileError) as err:
        read_bytes(buf.getvalue(), "garbage.xlsx")
    assert "garbage.xlsx" in str(err.value)


def test_a_value_in_the_far_corner_does_not_walk_the_whole_grid():
    """One cell at XFD1048576: the reader visits the cells that exist, not 17e9 empty slots."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws["A1"], ws["A2"], ws["B2"], ws["A3"], ws["B3"] = "收入预算表", "项目", "金额", "合计", 12.5
    ws["XFD1048576"] = 1
    buf = io.BytesIO()
    wb.save(buf)
    doc = read_bytes(buf.getvalue(), "far.xlsx")
    tables = list(doc.tables())
    assert [t.n_cols for t in tables] == [2]
    assert [p.text for p in doc.paragraphs()] == ["收入预算表", "1"]


def test_a_number_too_large_for_its_format_is_shown_plain():
    from decextract.readers.xlsx import display

    assert display(10**30, "0.00") == "1000000000000000000000000000000"


@pytest.mark.parametrize(("ref", "texts"), [
    ("A1:XFD1048576", ["收入支出决算总表"]),  # the merge hides every other cell, as Excel shows it
    ("A1:B1048576", ["收入支出决算总表"]),
    ("A1:XFD1", ["收入支出决算总表", "合计", "12.5"]),
])
def test_a_merge_over_the_whole_sheet_is_clipped_to_its_cells(ref, texts):
    """openpyxl would make one object per covered slot: 17 billion for A1:XFD1048576."""
    from hostile import xlsx_merged

    doc = read_bytes(xlsx_merged(ref), "merged.xlsx")
    assert [b.text for b in doc.paragraphs()] + [c.text for t in doc.tables() for c in t.cells if c.text] == texts
    assert all(t.n_cols <= 2 and t.n_rows <= 2 for t in doc.tables())


def test_values_in_the_first_and_the_last_column_make_a_narrow_table_with_a_warning():
    from hostile import xlsx_sparse

    doc = read_bytes(xlsx_sparse(300), "sparse.xlsx")
    table = next(doc.tables())
    assert (table.n_rows, table.n_cols) == (300, 3)
    assert table.text_rows()[1] == ["项目2", "3", "2"]
    assert [n.code for n in table.warnings] == ["columns_dropped"]
    assert "16381" in table.warnings[0].message


def _codes(path: Path) -> set[str]:
    from decextract import extract

    return {n.code for n in extract(path)[0].warnings}


def test_a_workbook_of_standard_tables_is_a_disclosure(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["2026年部门收支预算总表"])
    ws.append(["编制部门：上海市普陀区司法局", None, None, "单位：万元"])
    ws.append(["收入", None, "支出", None])
    ws.append(["项目", "预算数", "项目", "预算数"])
    ws.append(["一般公共预算拨款收入", 100, "公共安全支出", 100])
    ws.append(["收入总计", 100, "支出总计", 100])
    (tmp_path / "annex.xlsx").write_bytes(to_bytes(wb))
    assert "not_a_disclosure" not in _codes(tmp_path / "annex.xlsx")


def test_a_workbook_without_a_standard_table_is_not_a_disclosure_however_fiscal_its_words(tmp_path):
    """A reviewer's checklist of a 预算 quotes amounts in its comments: a table, but not a disclosure's."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["序号", "问题类型", "具体问题"])
    ws.append([1, "预算编制说明", "当年预算执行数43269.3万元与表内不一致"])
    ws.append([2, "文字", "“三公”经费预算安排201.50万元，说明中写为201.5万元"])
    (tmp_path / "checklist.xlsx").write_bytes(to_bytes(wb))
    assert "not_a_disclosure" in _codes(tmp_path / "checklist.xlsx")


def test_the_real_checklist_workbook_is_said_not_to_be_a_disclosure():
    if not REAL.exists():
        pytest.skip(f"real sample not found at {REAL}")
    assert "not_a_disclosure" in _codes(REAL)
