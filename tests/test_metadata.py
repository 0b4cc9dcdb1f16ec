"""Document metadata: title, issuer, fiscal year and kind, checked on the seed and the real samples."""

from __future__ import annotations

import pytest
from conftest import SAMPLES, SEED

from decextract.metadata import document_info
from decextract.model import Document, Paragraph
from decextract.readers import read_document


@pytest.mark.parametrize("fmt", ["txt", "docx", "pdf"])
def test_seed(fmt):
    info = document_info(read_document(SAMPLES / f"{SEED}.{fmt}"))
    assert (info.issuer, info.fiscal_year, info.kind) == ("中共攀枝花市西区区委政法委员会", 2020, "决算")
    assert info.size == (SAMPLES / f"{SEED}.{fmt}").stat().st_size


@pytest.mark.parametrize("name, title, issuer, year, kind", [
    ("jiangsu-jianchayuan-2019-yusuan.pdf", "江苏省人民检察院2019年度部门预算公开", "江苏省人民检察院", 2019, "预算"),
    ("putuo-shangwuwei-2025-yusuan.pdf", "上海市普陀区2025年区级部门预算", "上海市普陀区商务委员会", 2025, "预算"),
    ("putuo-shehuigongzuobu-2024-juesuan.pdf", "中共上海市普陀区委社会工作部2024年度部门决算",
     "中共上海市普陀区委社会工作部", 2024, "决算"),
    ("putuo-sifaju-2026-yusuan.pdf", "上海市普陀区2026年区级部门预算", "上海市普陀区司法局", 2026, "预算"),
])
def test_real(real_dir, name, title, issuer, year, kind):
    info = document_info(read_document(real_dir / name))
    assert (info.title, info.issuer, info.fiscal_year, info.kind) == (title, issuer, year, kind)
    assert info.pages and info.format == "pdf"


def _doc(*lines):
    return Document("x.txt", "0" * 64, "txt", tuple(Paragraph(i, t) for i, t in enumerate(lines)))


def test_cover_split_over_lines():
    info = document_info(_doc("某某市财政局2023年度", "部门决算", "目录", "一、部门概况"))
    assert (info.title, info.issuer, info.fiscal_year, info.kind) == ("某某市财政局2023年度部门决算", "某某市财政局", 2023, "决算")


def test_without_a_title_the_most_frequent_year_and_wording_decide():
    info = document_info(_doc("与2022年相比，2023年收入增加。", "2023年部门预算收支总体情况。", "2023年支出。"))
    assert (info.title, info.fiscal_year, info.kind) == (None, 2023, "预算")


def test_empty_document_has_no_metadata():
    info = document_info(_doc())
    assert (info.title, info.issuer, info.fiscal_year, info.kind) == (None, None, None, None)


def _heading(i, text):
    return Paragraph(i, text, kind="heading", level=1)


def _mixed(*blocks):
    return Document("x.pdf", "0" * 64, "pdf", tuple(
        _heading(i, t[2:]) if t.startswith("# ") else Paragraph(i, t) for i, t in enumerate(blocks)))


def test_a_part_heading_is_no_issuer_and_the_department_line_names_it():
    """No cover text (an image); the part heading has the year, 部门： and its value are two lines above each table."""
    info = document_info(_mixed("# 目录", "# 第二部分 2018年度部门预算表", "公开01表：收支预算总表", "部门：",
                                "江苏省人民检察院", "单位：万元"))
    assert (info.issuer, info.fiscal_year, info.kind) == ("江苏省人民检察院", 2018, "预算")


def test_tables_only_file_issuer_beside_the_unit_and_year_from_a_table_title():
    info = document_info(_mixed("表一", "# 收支预算总表", "单位：万元部门：江苏省政协办公厅", "# 收入预算总表",
                                "部门：江苏省政协办公厅 单位：万元", "# 2017年政府采购预算表"))
    assert (info.issuer, info.fiscal_year, info.kind) == ("江苏省政协办公厅", 2017, "预算")


def test_the_issuer_most_lines_name_wins_over_one_cut_short():
    info = document_info(_mixed("# 收支预算总表", "部门：中国共产党江苏省委员会办公厅", "# 收入预算总表", "部门：中国共产党江苏省委员会办",
                                "# 支出预算总表", "部门：中国共产党江苏省委员会办公厅"))
    assert info.issuer == "中国共产党江苏省委员会办公厅"


@pytest.mark.parametrize("line", ["预算主管部门：上海市XX局", "部门：备注", "单位名称：第二部分"])
def test_placeholders_headings_and_words_are_no_issuer(line):
    assert document_info(_doc(line, "2024年部门预算收支总体情况。")).issuer is None


def test_the_comparison_year_does_not_outvote_the_documents_own():
    info = document_info(_doc("收入较2022年增加5万元。", "支出与2022年相比减少3万元。", "比2022年度增长1%。",
                              "本年度2023年收入合计10万元。"))
    assert info.fiscal_year == 2023
