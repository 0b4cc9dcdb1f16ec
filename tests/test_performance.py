"""Performance tables → project and indicator records: the seed against its gold, and the other layouts."""

from __future__ import annotations

import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from fixtures_tables import COMMON, DEPARTMENT, SICHUAN, docx_bytes, model_document, model_table, xlsx_bytes

from decextract.model import Document, Paragraph
from decextract.readers import read_bytes, read_document
from decextract.records import PerformanceIndicator, PerformanceProject, to_json
from decextract.tables import annotate, performance_records
from decextract.tables.performance import label

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "samples" / "xiqu-zhengfawei-2020-juesuan"  # the project's own copy of the seed
GOLD = ROOT / "tests" / "data" / "xiqu-zhengfawei-2020-juesuan.performance.json"


def records(doc: Document, year: int | None = None):
    out = performance_records(annotate(doc), year)
    projects = [r for r in out if isinstance(r, PerformanceProject)]
    indicators = [r for r in out if isinstance(r, PerformanceIndicator)]
    return out, projects, indicators


# --- the seed, scored by the shared scorer ------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["txt", "docx", "pdf"])
def test_seed_scores_complete(fmt, tmp_path):
    path = SEED.with_suffix(f".{fmt}")
    if not path.exists():
        pytest.skip(f"seed sample not found at {path}")
    out = performance_records(annotate(read_document(path)), 2020)
    jsonl = tmp_path / "perf.jsonl"
    jsonl.write_text("".join(to_json(r) + "\n" for r in out), encoding="utf-8")
    result = subprocess.run(
        [sys.executable, str(ROOT / "tests" / "score.py"), "perf", "--gold", str(GOLD), str(jsonl)],
        capture_output=True,
        text=True,
        check=True,
    )
    last = result.stdout.strip().splitlines()[-1]
    want = "performance: project_fields=50/50 indicators=46/46 extra_indicators=0 projects_found=5/5"
    assert last == want, result.stdout


def test_seed_provenance_points_at_the_row():
    path = SEED.with_suffix(".docx")
    if not path.exists():
        pytest.skip(f"seed sample not found at {path}")
    doc = annotate(read_document(path))
    out = performance_records(doc, 2020)
    first = out[0]
    assert isinstance(first, PerformanceProject)
    assert first.table == "项目绩效目标完成情况表" and first.year == 2020
    table = doc.blocks[first.prov.block]
    assert first.prov.cell.table == table.index
    assert table.grid()[first.prov.cell.row][first.prov.cell.col].text == first.project
    indicator = out[1]
    assert isinstance(indicator, PerformanceIndicator)
    assert indicator.prov.context.split(" | ")[1:4] == ["项目完成指标", "数量指标", indicator.level3]
    assert indicator.prov.format == "docx" and indicator.prov.sha256 == doc.sha256


# --- the other layouts ----------------------------------------------------------------------------------------------

EXPECTED = {
    "common": dict(
        project="城市道路养护项目",
        unit="某区市政设施管理所",  # 实施单位 before 主管部门
        year=2021,
        budget=("1255000", "1055000", "0"),
        executed=("1183000", "1003000", "0"),
        goal_expected="完成全区主次干道养护50公里，道路完好率不低于95%。",
        goal_actual="完成养护52公里，道路完好率96%。",
        rate_weight_score=("94.26", "10", "9.43"),
        indicators=[
            ("产出指标", "数量指标", "道路养护里程", "≥50公里", "52公里", None, None, "20", "20", None),
            ("产出指标", "质量指标", "道路完好率", "≥95%", "96%", None, None, "20", "20", None),
            ("产出指标", "质量指标", "验收合格率", "100%", "98%", None, None, "10", "9", "个别路段返工，下一步加强过程监管"),
            ("效益指标", "社会效益指标", "道路通行状况", "明显改善", "明显改善", None, None, "20", "18", None),
            ("满意度指标", "服务对象满意度指标", "市民满意度", "≥90%", "92%", None, None, "10", "10", None),
        ],
    ),
    "sichuan": dict(
        project="乡村振兴示范村建设",
        unit="某县农业农村局",
        year=2021,
        budget=("2800000", "2700000", "100000"),
        executed=("2660000", "2560000", "100000"),
        goal_expected="建成示范村5个，带动农户增收。",
        goal_actual="建成示范村5个，带动180户增收。",
        rate_weight_score=("95", "10", "9.5"),
        indicators=[
            ("产出指标", "数量指标", "建设示范村数量", "5", "5", "≥", "个", "30", "30", None),
            ("产出指标", "时效指标", "完成时间", "12", "11", "≤", "月", "20", "20", None),
            ("效益指标", "社会效益指标", "带动农户增收户数", "200", "180", "≥", "户", "20", "18", "部分农户未纳入"),
            ("满意度指标", "服务对象满意度指标", "群众满意度", "90", "93", "≥", "%", "20", "20", None),
        ],
    ),
    "department": dict(
        project="某区司法局",
        unit="某区司法局",
        year=2021,
        budget=("8200000", "8000000", "200000"),
        executed=("8100000", "7950000", "150000"),
        goal_expected="推进法治政府建设，完成人民调解工作。",
        goal_actual="法治政府建设有序推进，调解成功率98%。",
        rate_weight_score=("98.78", "10", "9.88"),
        indicators=[
            ("产出指标", "数量指标", "法律援助案件数", "≥300件", "320件", None, None, "30", "30", None),
            ("效益指标", "社会效益指标", "矛盾纠纷调解成功率", "≥95%", "98%", None, None, "30", "30", None),
            ("满意度指标", "服务对象满意度指标", "群众满意度", "≥90%", "88%", None, None, "30", "25", "宣传不足，将加强普法宣传"),
        ],
    ),
}
LAYOUTS = {"common": COMMON, "sichuan": SICHUAN, "department": DEPARTMENT}


def dec(x):
    return None if x is None else Decimal(x)


def check_layout(name: str, doc: Document) -> None:
    want = EXPECTED[name]
    out, projects, indicators = records(doc, year=2020)
    assert len(projects) == 1
    p = projects[0]
    assert isinstance(out[0], PerformanceProject)
    assert (p.project, p.unit, p.year) == (want["project"], want["unit"], want["year"])
    assert (p.budget.total, p.budget.fiscal, p.budget.other) == tuple(map(dec, want["budget"]))
    assert (p.executed.total, p.executed.fiscal, p.executed.other) == tuple(map(dec, want["executed"]))
    assert (p.goal_expected, p.goal_actual) == (want["goal_expected"], want["goal_actual"])
    assert (p.execution_rate, p.weight, p.score) == tuple(map(dec, want["rate_weight_score"]))
    got = [
        (i.level1, i.level2, i.level3, i.expected, i.actual, i.nature, i.measure_unit, i.weight, i.score, i.deviation_reason)
        for i in indicators
    ]
    expected = [(*row[:7], dec(row[7]), dec(row[8]), row[9]) for row in want["indicators"]]
    assert got == expected
    assert {i.project for i in indicators} == {want["project"]}


@pytest.mark.parametrize("name", sorted(LAYOUTS))
def test_layout_from_model_tables(name):
    check_layout(name, model_document(LAYOUTS[name]))


@pytest.mark.parametrize("name", sorted(LAYOUTS))
def test_layout_from_docx(name):
    check_layout(name, read_bytes(docx_bytes(LAYOUTS[name]), f"{name}.docx"))


@pytest.mark.parametrize("name", sorted(LAYOUTS))
def test_layout_from_xlsx(name):
    check_layout(name, read_bytes(xlsx_bytes(LAYOUTS[name]), f"{name}.xlsx"))


# --- details ------------------------------------------------------------------------------------------------------


def test_label_normalises_headers():
    assert label("其中-财政拨款:") == "财政拨款"
    assert label("其中：本年财政拨款") == "本年财政拨款"
    assert label("预期指标值\n(包含数字及文字描述)") == "预期指标值"
    assert label("部门（单位）名称") == "部门名称"


def test_amounts_follow_the_unit_line_in_yuan():
    grid = [
        ["项目名称", "图书购置", "<", "<", "<"],
        ["预算执行情况", "预算数:", "1,500.50", "执行数:", "1,200"],
        ["^", "其中-财政拨款:", "1,000", "其中-财政拨款:", "900"],
        ["^", "其它资金:", "500.50", "其它资金:", "300"],
        ["绩效指标", "一级指标", "二级指标", "三级指标", "预期指标值"],
        ["^", "产出指标", "数量指标", "购置图书", "500册"],
    ]
    doc = model_document(["项目绩效目标完成情况表", "金额单位：元", grid])
    _, [p], [i] = records(doc, year=2022)
    assert p.year == 2022  # no year printed with the table
    assert (p.budget.total, p.budget.fiscal, p.budget.other) == (Decimal("1500.5"), Decimal(1000), Decimal("500.5"))
    assert (p.executed.total, p.executed.fiscal, p.executed.other) == (Decimal(1200), Decimal(900), Decimal(300))
    assert (i.level3, i.expected, i.actual) == ("购置图书", "500册", None)


def test_flattened_rows_carry_levels_down_and_stop_at_total():
    """A TXT-like table without spans: level1/level2 printed once, then empty."""
    grid = [
        ["一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值"],
        ["产出指标", "数量指标", "培训人次", "100人次", "120人次"],
        ["", "", "培训场次", "4场", "5场"],
        ["", "质量指标", "合格率", "95%", "97%"],
        ["总分", "", "", "", "90"],
    ]
    doc = model_document(["某项目绩效自评表", grid])
    _, projects, indicators = records(doc)
    assert [p.project for p in projects] == [None]
    assert [(i.level1, i.level2, i.level3) for i in indicators] == [
        ("产出指标", "数量指标", "培训人次"),
        ("产出指标", "数量指标", "培训场次"),
        ("产出指标", "质量指标", "合格率"),
    ]


def test_several_projects_in_one_table_and_page_of_each_row():
    grid = [
        ["项目名称", "甲项目", "<"],
        ["一级指标", "三级指标", "预期指标值"],
        ["产出指标", "指标甲", "1"],
        ["项目名称", "乙项目", "<"],
        ["一级指标", "三级指标", "预期指标值"],
        ["效益指标", "指标乙", "2"],
    ]
    table = model_table(grid, index=1, page=3)
    doc = Document("f", "0", "pdf", (Paragraph(0, "项目支出绩效自评表"), table))
    out, projects, indicators = records(doc)
    assert [type(r).__name__ for r in out] == [
        "PerformanceProject",
        "PerformanceIndicator",
        "PerformanceProject",
        "PerformanceIndicator",
    ]
    assert [(i.project, i.level3) for i in indicators] == [("甲项目", "指标甲"), ("乙项目", "指标乙")]
    assert all(r.prov.page == 3 and r.prov.block == 1 for r in out)
    assert indicators[1].prov.cell.row == 5 and indicators[1].prov.context == "效益指标 | 指标乙 | 2"


def test_department_without_a_name_is_the_whole_department():
    grid = [
        ["绩效指标", "一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值"],
        ["^", "产出指标", "数量指标", "办结案件", "100件", "105件"],
    ]
    _, [p], [i] = records(model_document(["部门整体支出绩效自评表", grid]))
    assert p.project == i.project == "部门整体"


def test_other_tables_give_nothing():
    grid = [
        ["项目", "本年收入", "本年支出"],
        ["项目名称", "合计", "基本支出"],
        ["一般公共服务支出", "100.00", "90.00"],
    ]
    assert performance_records(annotate(model_document(["收入支出决算总表", "单位：万元", grid])), 2020) == []


def test_project_column_starts_a_project_per_name():
    """The 项目绩效目标表 of budgets: one row per indicator, the project and its goal in columns."""
    grid = [
        ["项目名称", "主管部门", "项目目标", "一级指标", "二级指标", "三级指标", "指标值"],
        ["社区矫正经费", "某区司法局", "规范社区矫正管理", "产出指标", "数量指标", "矫正对象走访率", "100%"],
        ["^", "^", "^", "^", "质量指标", "脱管率", "0"],
        ["人民调解经费", "某区司法局", "化解矛盾纠纷", "效益指标", "社会效益指标", "调解成功率", "≥95%"],
    ]
    out, projects, indicators = records(model_document(["2026年项目绩效目标表", grid]), year=2026)
    assert [(p.project, p.goal_expected, p.year) for p in projects] == [
        ("社区矫正经费", "规范社区矫正管理", 2026),
        ("人民调解经费", "化解矛盾纠纷", 2026),
    ]
    assert [(i.project, i.level2, i.level3, i.expected) for i in indicators] == [
        ("社区矫正经费", "数量指标", "矫正对象走访率", "100%"),
        ("社区矫正经费", "质量指标", "脱管率", "0"),
        ("人民调解经费", "社会效益指标", "调解成功率", "≥95%"),
    ]
    assert isinstance(out[3], PerformanceProject)
