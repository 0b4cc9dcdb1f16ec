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
