"""Figures: meaning (label, year, relation, direction) of quantities in sentences and table cells.

Spec cases live in ``tests/spec/figures.json``: an input sentence and the
figures it must give, each with the fields to check (a label is checked by
containment, as the scorer does).
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from decextract.figures import figures_of
from decextract.model import Cell, Document, Paragraph, Table
from decextract.records import to_dict

SPEC = json.loads((Path(__file__).parent / "spec" / "figures.json").read_text(encoding="utf-8"))


def _doc(*blocks) -> Document:
    return Document(source="t.txt", sha256="0" * 64, format="txt", blocks=tuple(blocks))


def _figures(text: str, year: int | None = 2020):
    return [to_dict(f) for f in figures_of(_doc(Paragraph(0, text)), year)]


@pytest.mark.parametrize("case", SPEC, ids=[c["input"][:24] for c in SPEC])
def test_spec(case):
    got = _figures(case["input"], case.get("fiscal_year"))
    assert [g["text"] for g in got] == [r["text"] for r in case["results"]]
    for want, have in zip(case["results"], got, strict=True):
        for key, value in want.items():
            if key == "label":
                assert value in (have["label"] or ""), (want["text"], have["label"])
            elif key != "text":
                assert have[key] == value, (want["text"], key, have[key])


def test_context_span_is_the_text():
    for f in _figures("2020年本年支出合计590.14万元，其中：基本支出292.56万元，占49.57%。"):
        prov = f["prov"]
        assert prov["context"][prov["start"]:prov["end"]] == f["text"]


def test_table_cell_takes_unit_and_labels_from_the_table():
    cells = (
        Cell(0, 0, "项目"), Cell(0, 1, "预算数"), Cell(0, 2, "执行率"),
        Cell(1, 0, "一般公共服务支出"), Cell(1, 1, "12.50"), Cell(1, 2, "98.5%"),
    )
    table = Table(0, cells, n_rows=2, n_cols=3, unit="万元", header_rows=1)
    figs = [to_dict(f) for f in figures_of(_doc(table), 2024)]
    assert [(f["value"], f["unit"], f["kind"], f["relation"]) for f in figs] == [
        ("125000", "元", "amount", "value"), ("98.5", "%", "percent", "completion_rate")]
    assert "一般公共服务支出" in figs[0]["label"] and "预算数" in figs[0]["label"]
    assert figs[0]["prov"]["cell"] == {"table": 0, "row": 1, "col": 1}
    assert figs[0]["prov"]["context"] == "一般公共服务支出 | 12.50 | 98.5%"


def test_code_column_is_not_a_figure():
    cells = (Cell(0, 0, "科目编码"), Cell(0, 1, "金额"), Cell(1, 0, "2010101"), Cell(1, 1, "3.00"))
    table = Table(0, cells, n_rows=2, n_cols=2, unit="元", header_rows=1)
    assert [f.text for f in figures_of(_doc(table), 2024)] == ["3.00"]


def test_no_quantities_is_an_empty_result():
    assert _figures("坚持高位推动、高速落实、高效运行。") == []


_PIECES = st.sampled_from([
    "2020年", "收入", "支出", "合计", "，", "。", "；", "其中：", "占", "增加", "增长", "下降", "与2019年", "相比",
    "940.15万元", "97.09%", "5万余户次", "四个", "3.2个百分点", "约30人", "（1）", "“10+1”", "财决01表", "、", "\n",
    "-", "--", "１２．５", "一百二十", "人", "余", "以上",
])


@settings(max_examples=300, deadline=None)
@given(st.lists(_PIECES, max_size=25).map("".join))
def test_provenance_span_always_holds(text):
    """For any text, every figure's context[start:end] is its text, and its value is a decimal string."""
    for f in _figures(text):
        prov = f["prov"]
        assert prov["context"][prov["start"]:prov["end"]] == f["text"]
        assert f["text"] in text
        assert isinstance(f["value"], str)


def test_a_column_header_can_name_the_year():
    cells = (
        Cell(0, 0, "项目"), Cell(0, 1, "2024年预算数"), Cell(0, 2, "上年执行数"), Cell(0, 3, "上年结转"),
        Cell(1, 0, "合计"), Cell(1, 1, "10.00"), Cell(1, 2, "9.00"), Cell(1, 3, "1.00"),
    )
    table = Table(0, cells, n_rows=2, n_cols=4, unit="万元", header_rows=1)
    assert [f.year for f in figures_of(_doc(table), 2025)] == [2024, 2024, 2025]


def test_performance_table_scores_and_targets_are_not_money():
    """The 万元 of a 自评表 covers its fund rows only: 分值 10 and 总分 86.43 stay numbers."""
    from fixtures_tables import COMMON, model_document

    from decextract.tables import annotate

    figs = {(f.prov.cell.row, f.prov.cell.col): f for f in figures_of(annotate(model_document(COMMON)), 2021)
            if f.prov.cell is not None}
    budget, score_weight, total = figs[(3, 2)], figs[(3, 5)], figs[(15, 7)]
    assert (budget.value, budget.unit, budget.kind) == (Decimal("1200000"), "元", "amount")
    assert budget.label == "城市道路养护项目/年度资金总额/年初预算数"
    assert (score_weight.value, score_weight.unit, score_weight.kind, score_weight.label) == (
        Decimal("10"), None, "number", "城市道路养护项目/年度资金总额/分值")
    assert (total.value, total.kind, total.label) == (Decimal("86.43"), "number", "城市道路养护项目/总分/得分")
    target = figs[(11, 4)]  # 道路完好率 | ≥95%, under the indicator header row inside the table
    assert (target.text, target.approx, target.label) == ("≥95%", "more_than", "道路完好率/年度指标值")


def test_a_huge_line_is_read_in_bounded_windows():
    """A line of thousands of figures (a flattened table, a hostile file) is read in windows: every
    context is bounded and still holds its figure (benchmarks/bench_prose.py shows the time is linear)."""
    text = "收入5万元，支出1,234万，占5%、" * 3000
    figs = _figures(text)
    assert len(figs) == 9000
    assert max(len(f["prov"]["context"]) for f in figs) <= 1000
    assert all(f["prov"]["context"][f["prov"]["start"]:f["prov"]["end"]] == f["text"] for f in figs)


def test_a_huge_table_row_gives_each_figure_a_bounded_context():
    """A cell holding a line of thousands of figures is not repeated whole in each figure's record."""
    cell = "收入350.01万元，增长3.5%，" * 2000
    table = Table(index=0, cells=(Cell(0, 0, "项目"), Cell(0, 1, "说明"), Cell(1, 0, "收入"), Cell(1, 1, cell)),
                  n_rows=2, n_cols=2, header_rows=1)
    figures = list(figures_of(_doc(table), 2020))
    assert len(figures) == 4000
    for f in figures[:20] + figures[-20:]:
        assert len(f.prov.context) <= 1020
        assert f.prov.context[f.prov.start:f.prov.end] == f.text
