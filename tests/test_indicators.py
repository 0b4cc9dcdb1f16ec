"""Key indicators and the panel: each rule on hand-made records, the values read by hand off the page images
of the seed and the real samples (tests/data/indicators_checked.json), the shared corpus scored against its
indicators.json, one identity per disclosure, the panel written and read back, the database table and view.
"""

from __future__ import annotations

import csv
import json
from concurrent.futures import ProcessPoolExecutor
from decimal import Decimal
from functools import cache
from pathlib import Path

import attrs
import pytest
import sqlalchemy as sa
from click.testing import CliRunner
from conftest import DATA, ROOT, SAMPLES, SEED, SHARED

from decextract import schema
from decextract.cli import cli
from decextract.disclosure import disclosure_id, identify, level_of, normalize_issuer, region_of
from decextract.figures import figures_of
from decextract.indicators import indicator_concepts, indicators_of
from decextract.model import Document, Paragraph
from decextract.panel import build, column_name, panel_of_database, panel_of_records, write_panel
from decextract.pipeline import records_of
from decextract.records import CellRef, DocumentInfo, Indicator, Provenance, TableInfo, TableRow

CORPUS = SHARED / "samples" / "corpus"
REAL = SHARED / "samples" / "real"


# ---------------------------------------------------------------- hand-made records


def _doc(*paragraphs) -> Document:
    return Document("t.txt", "0" * 64, "txt", tuple(Paragraph(i, p) for i, p in enumerate(paragraphs)))


def _info(kind="决算", year=2020) -> DocumentInfo:
    return identify(DocumentInfo("t.txt", "0" * 64, "txt", None, f"某某局{year}年度部门{kind}", "某某局", year, kind))


def _row(table_id, name, block=0, row=0, side=None, code=None, **cells):
    values = {k: (Decimal(v.replace(",", "")) * 10000 if v.strip("—") else None) for k, v in cells.items()}
    prov = Provenance("t.pdf", "0" * 64, "pdf", 3, block, (), " | ".join([name, *cells.values()]),
                      cell=CellRef(block, row, 0))
    return TableRow(table=table_id, table_id=table_id, unit="万元", code=code, level=None, name=name, side=side,
                    cells=dict(cells), values=values, prov=prov)


def _table(table_id, block, empty=False):
    return TableInfo(table=f"{table_id} title", table_id=table_id, unit="万元", pages=(3,), n_rows=3, n_cols=2,
                     empty=empty, prov=Provenance("t.pdf", "0" * 64, "pdf", 3, block, (), table_id))


def _indicators(*parts, kind="决算", prose=(), doc=None):
    info = _info(kind)
    figures = list(figures_of(_doc(*prose), info.fiscal_year)) if prose else []
    return {i.concept: i for i in indicators_of([info, *parts, *figures], doc)}


TOTAL = "juesuan.income_expenditure_total"


def test_a_table_value_is_taken_before_the_prose_and_disagreeing_places_are_listed():
    rows = [_row(TOTAL, "本年收入合计", row=4, side="income", **{"收入/决算数": "307.82"}),
            _row("juesuan.income", "合计", block=1, row=3, 本年收入合计="307.82", 财政拨款收入="307.82")]
    got = _indicators(_table(TOTAL, 0), _table("juesuan.income", 1), *rows, prose=["本年收入合计301.82万元。"])
    ind = got["income_this_year"]
    assert (ind.value, ind.source, ind.text, ind.printed_unit, ind.basis) == (Decimal(3078200), "table", "307.82",
                                                                             "万元", "决算数")
    assert ind.location == f"{TOTAL} title / 本年收入合计 [收入/决算数]" and ind.prov.page == 3
    assert (ind.agrees, ind.places) == (False, 3)
    [other] = ind.disagreements
    assert (other.text, other.value, other.source, other.location) == ("301.82万元", Decimal(3018200), "prose",
                                                                       "prose: 本年收入合计")
    assert other.prov.context[other.prov.start:other.prov.end] == "301.82万元"
    # the same figure printed alike in the prose: agrees; printed once: null
    same = _indicators(_table(TOTAL, 0), *rows[:1], prose=["本年收入合计307.82万元。"])["income_this_year"]
    assert (same.agrees, same.disagreements, same.places) == (True, (), 2)
    once = _indicators(prose=["2020年本年收入合计1.23亿元。"])["income_this_year"]
    assert (once.value, once.source, once.agrees, once.location) == (Decimal(123000000), "prose", None,
                                                                      "prose: 本年收入合计")


def test_rounding_is_no_disagreement():
    rows = [_row(TOTAL, "本年收入合计", row=4, side="income", **{"收入/决算数": "12,345.67"})]
    ind = _indicators(_table(TOTAL, 0), *rows, prose=["本年收入合计1.23亿元。"])["income_this_year"]
    assert (ind.value, ind.agrees) == (Decimal(123456700), True)  # 1.23亿元 is anything in [1.225, 1.235) 亿元


def test_a_blank_cell_is_zero_and_a_quantity_not_printed_gives_no_record():
    rows = [_row(TOTAL, "年初结转和结余", row=5, side="income", **{"收入/决算数": ""}),
            _row(TOTAL, "二、政府性基金预算财政拨款收入", row=3, side="income", **{"收入/决算数": "—"})]
    got = _indicators(_table(TOTAL, 0), *rows)
    assert (got["carryover_begin"].value, got["carryover_begin"].text) == (Decimal(0), "")
    assert got["government_fund_appropriation"].value == Decimal(0)
    assert "total_income" not in got and "three_public_total" not in got


def test_a_juesuan_gives_its_actual_not_its_budget_columns():
    cells = {"预算数/合计": "12.00", "预算数/因公出国（境）费": "2.00", "决算数/合计": "9.50",
             "决算数/因公出国（境）费": "1.50"}
    row = _row("juesuan.three_public", "（空）", **cells)
    got = _indicators(_table("juesuan.three_public", 0), row)
    assert (got["three_public_total"].value, got["three_public_total"].basis) == (Decimal(95000), "决算数")
    assert got["three_public_overseas"].value == Decimal(15000)
    # a 预算 takes its 预算数; last year's figure is no indicator of this year
    budget = _indicators(prose=["2020年“三公”经费预算为8万元，比2019年预算数10万元减少2万元。"], kind="预算")
    assert (budget["three_public_total"].value, budget["three_public_total"].basis) == (Decimal(80000), "预算数")


def test_a_table_declared_empty_prints_zero_everywhere():
    got = _indicators(_table("juesuan.three_public", 0, empty=True))
    assert {k: v.value for k, v in got.items() if k.startswith("three_public")} == {
        k: Decimal(0) for k in ("three_public_total", "three_public_overseas", "three_public_vehicle",
                                "three_public_vehicle_purchase", "three_public_vehicle_operation",
                                "three_public_reception")}
    assert got["three_public_total"].location == "juesuan.three_public title (declared empty)"


def test_a_statement_that_there_is_none_is_a_printed_zero():
    doc = _doc("七、政府性基金预算财政拨款支出情况说明", "本部门无政府性基金预算财政拨款收入，也没有使用政府性基金预算财政拨款安排的支出。",
               "2019年本部门无国有资本经营预算收入。")
    got = _indicators(doc=doc)
    ind = got["government_fund_appropriation"]
    assert (ind.value, ind.source, ind.agrees) == (Decimal(0), "statement", None)
    assert ind.prov.context[ind.prov.start:ind.prov.end] == "无政府性基金预算财政拨款收入"
    assert "state_capital_appropriation" not in got  # a statement about 2019 says nothing of 2020
    # 没有使用…安排的支出 is about spending: no statement about the income
    spend = _indicators(doc=_doc("本部门2020年度没有使用政府性基金预算财政拨款安排的支出，故本表无数据。"))
    assert "government_fund_appropriation" not in spend


def test_official_vehicles_are_a_count_of_what_the_department_holds():
    got = _indicators(prose=["截至2020年12月31日，本部门共有车辆5辆，其中：执法执勤用车3辆、其他用车2辆。",
                             "2020年部门预算安排购置车辆1辆。"])
    ind = got["vehicles"]
    assert (ind.value, ind.unit, ind.text, ind.agrees) == (Decimal(5), "辆", "5辆", None)
    held = _indicators(prose=["截至2024年8月31日，上海市某某局共有车辆0辆，其中：其他用车0辆。"])
    assert held["vehicles"].value == Decimal(0)
    assert "vehicles" not in _indicators(prose=["2020年部门预算安排购置车辆1辆。"])


@pytest.mark.parametrize("sentence, concept, value", [
    ("（一）收入预算总计20849.45万元。", "total_income", "208494500"),
    ("省委办公厅本年收入预算合计20849.45万元。", "income_this_year", "208494500"),
    ("2017年度部门政府采购预算总金额为1,271.22万元。", "procurement_total", "12712200"),
    ("（1）公务用车购置预算支出数0万元，与上年预算数一致。", "three_public_vehicle_purchase", "0"),
    ("其中，货物类政府采购支出预算259.32万元。", "procurement_goods", "2593200"),
    ("2017年一般公共预算财政拨款安排的“三公”经费预算为12.5万元。", "three_public_total", "125000"),
    ("其中：出国出境费0万元，车辆购置及运行费5.2万元。", "three_public_overseas", "0"),
    ("其中：出国出境费0万元，车辆购置及运行费5.2万元。", "three_public_vehicle", "52000"),
    ("结转下年资金0万元，占0%。", "carryover_end", "0"),
    ("年末结转和结余3.5万元。", "carryover_end", "35000"),
])
def test_labels_as_budgets_print_them(sentence, concept, value):
    got = {i.concept: i for i in records_of(_doc("某某局2017年度部门预算", sentence)) if isinstance(i, Indicator)}
    assert format(got[concept].value, "f") == value, sorted(got)


@pytest.mark.parametrize("sentence", ["财政拨款年末结转和结余3.5万元。", "项目支出结转下年资金2万元。",
                                      "基本支出经费结转下年资金1万元。"])
def test_a_carryover_of_part_of_the_funds_is_not_the_departments(sentence):
    got = {i.concept for i in records_of(_doc("某某局2017年度部门预算", sentence)) if isinstance(i, Indicator)}
    assert "carryover_end" not in got


def test_a_fiscal_item_of_the_income_side_is_not_the_fiscal_total():
    doc = _doc("一、收支预算总表情况说明", "1．财政拨款收入预算总计20702.25万元。")
    doc = attrs.evolve(doc, blocks=(Paragraph(0, doc.blocks[0].text, kind="heading", level=1),
                                    Paragraph(1, doc.blocks[1].text, section=("一、收支预算总表情况说明",))))
    got = {i.concept for i in records_of(doc) if isinstance(i, Indicator)}
    assert "fiscal_appropriation" in got and "fiscal_total_income" not in got


# ---------------------------------------------------------------- one disclosure, one identity


@pytest.mark.parametrize("printed, normal, region, level", [
    ("中国共产党江苏省委员会办公厅", "江苏省委办公厅", "江苏省", "省"),
    ("中共江苏省委办公厅", "江苏省委办公厅", "江苏省", "省"),
    ("江苏省委办公厅 2018年度部门预算公开", "江苏省委办公厅", "江苏省", "省"),
    ("中共攀枝花市西区区委政法委员会", "攀枝花市西区区委政法委员会", "攀枝花市西区", "区县"),
    ("上海市普陀区商务委员会", "上海市普陀区商务委员会", "上海市普陀区", "区县"),
    ("ＡＢＣ县　教育局（本级）", "ABC县教育局(本级)", None, None),
    ("广西壮族自治区梧州市万秀区教育局", "广西壮族自治区梧州市万秀区教育局", "广西壮族自治区梧州市万秀区", "区县"),
    ("湖南省湘西土家族苗族自治州财政局", "湖南省湘西土家族苗族自治州财政局", "湖南省湘西土家族苗族自治州", "市"),
    ("北京市市场监督管理局", "北京市市场监督管理局", "北京市", "省"),
    ("省人大办公厅", "省人大办公厅", None, None),
])
def test_issuers_normalised_and_their_region(printed, normal, region, level):
    assert normalize_issuer(printed) == normal
    found = region_of(normal)
    assert (found.name if found else None, found.level if found else None) == (region, level)


def test_disclosure_id_is_issuer_year_and_kind_and_a_file_alone_without_them():
    assert disclosure_id("中共江苏省委办公厅", 2017, "预算") == "江苏省委办公厅|2017|部门预算"
    assert disclosure_id("某某学校", 2021, "预算", level_of("某某学校2021年单位预算")) == "某某学校|2021|单位预算"
    assert disclosure_id(None, 2021, "预算", sha256="ab" * 32) == "sha256:" + "ab" * 32
    assert disclosure_id("某某局", None, "预算", sha256="ab" * 32).startswith("sha256:")


def test_the_seed_in_three_formats_is_one_disclosure_with_one_set_of_values():
    outputs = {fmt: records_of_file(SAMPLES / f"{SEED}.{fmt}") for fmt in ("txt", "docx", "pdf")}
    ids = {fmt: recs[0].disclosure_id for fmt, recs in outputs.items()}
    assert set(ids.values()) == {"攀枝花市西区区委政法委员会|2020|部门决算"}, ids
    assert {recs[0].region for recs in outputs.values()} == {"攀枝花市西区"}
    values = {fmt: {i.concept: i.value for i in recs if isinstance(i, Indicator)} for fmt, recs in outputs.items()}
    assert values["txt"] == values["docx"] == values["pdf"] and len(values["txt"]) >= 25
    panel = panel_of_records([r for recs in outputs.values() for r in recs])
    assert [d.disclosure_id for d in panel.disclosures] == [ids["txt"]] and len(panel.disclosures[0].documents) == 3


def _key(ind: Indicator) -> tuple:
    return ind.value, ind.basis, ind.scope, ind.source, ind.location, ind.text, ind.agrees, ind.places


@pytest.fixture(scope="module")
def seed_formats(tmp_path_factory) -> dict[str, list]:
    """The records of the seed as DOCX, and as LibreOffice converts it: DOC, HTML and a saved MHTML page."""
    from fixtures_formats import libreoffice, mhtml, seed

    out = tmp_path_factory.mktemp("formats")
    files = {"docx": seed("docx"), "doc": libreoffice(seed("docx"), "doc", out),
             "html": libreoffice(seed("docx"), "html", out)}
    files["mhtml"] = out / "seed.mht"
    files["mhtml"].write_bytes(mhtml(files["html"].read_bytes().replace(b"charset=utf-8", b"charset=gb2312")))
    return {fmt: _extract(str(path)) for fmt, path in files.items()}


@pytest.mark.parametrize("fmt", ["doc", "html", "mhtml"])
def test_the_seed_converted_to_other_formats_is_the_same_disclosure_with_the_same_indicators(seed_formats, fmt):
    docx, other = seed_formats["docx"], seed_formats[fmt]
    assert other[0].disclosure_id == docx[0].disclosure_id == "攀枝花市西区区委政法委员会|2020|部门决算"
    want = {i.concept: _key(i) for i in docx if isinstance(i, Indicator)}
    got = {i.concept: _key(i) for i in other if isinstance(i, Indicator)}
    assert got == want and len(got) >= 25
    for ind in (i for i in other if isinstance(i, Indicator)):  # the reader's facts reach the indicator too
        assert ind.prov.converted == ("docx" if fmt == "doc" else None), ind.concept
        if fmt != "doc":
            assert ind.prov.element, ind.concept


def test_a_disagreeing_place_carries_its_own_readers_provenance(tmp_path):
    page = tmp_path / "d.html"
    page.write_text('<html><head><meta charset="utf-8"><title>某某局2020年度部门决算</title></head><body>'
                    "<h1>某某局2020年度部门决算</h1><h2>一、收入支出决算总体情况说明</h2>"
                    "<p>2020年本年收入合计307.82万元，本年支出合计300.00万元。</p><h2>二、收入决算情况说明</h2>"
                    "<p>2020年本年收入合计301.82万元，其中：财政拨款收入301.82万元。</p></body></html>", encoding="utf-8")
    ind = next(i for i in _extract(str(page)) if isinstance(i, Indicator) and i.concept == "income_this_year")
    assert (ind.value, ind.agrees, ind.prov.element) == (Decimal(3078200), False, "/html/body/p[1]")
    assert [(d.text, d.prov.element) for d in ind.disagreements] == [("301.82万元", "/html/body/p[2]")]


def test_an_archive_of_the_seed_in_two_formats_is_one_row_naming_its_members(tmp_path, monkeypatch):
    import zipfile

    monkeypatch.chdir(ROOT)
    archive = tmp_path / "seed.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.write(SAMPLES / f"{SEED}.docx", "2020/a.docx")
        z.write(SAMPLES / f"{SEED}.txt", "2020/a.txt")
    out = tmp_path / "panel.csv"
    run = CliRunner().invoke(cli, ["indicators", str(archive), "-o", str(out)])
    assert run.exit_code == 0, run.output
    with open(out, encoding="utf-8-sig", newline="") as f:
        [row] = list(csv.DictReader(f))
    assert (row["disclosure_id"], row["n_files"], row["total_income"]) == ("攀枝花市西区区委政法委员会|2020|部门决算",
                                                                           "2", "9401500")
    assert row["files"] == "seed.zip!/2020/a.docx; seed.zip!/2020/a.txt"
    assert row["total_income_source"].startswith("seed.zip!/2020/a.")


# ---------------------------------------------------------------- real documents


def _extract(path: str):
    from decextract import extract

    return extract(path)


@cache
def records_of_file(path) -> list:
    return _extract(str(path))


@cache
def _outputs() -> dict[str, list]:
    """The records of the seed (three formats), the real samples and the corpus, keyed by path as the data files
    name them (samples/… or ../shared/samples/…)."""
    files = [f"samples/{SEED}.{fmt}" for fmt in ("txt", "docx", "pdf")]
    files += [f"../shared/samples/real/{p.name}" for p in sorted(REAL.glob("*")) if p.suffix in (".pdf", ".xlsx")]
    files += [f"../shared/samples/corpus/{p.name}" for p in sorted(CORPUS.glob("*.pdf"))]
    with ProcessPoolExecutor(max_workers=2) as pool:
        found = pool.map(_extract, [str(ROOT / f) for f in files])
        return dict(zip(files, found, strict=True))


@pytest.fixture(scope="module")
def outputs():
    if not REAL.is_dir() or not CORPUS.is_dir():
        pytest.skip(f"the shared samples are not at {SHARED} (the shared folder beside the checkout)")
    return _outputs()


def _checked() -> list[tuple[str, str, dict | None]]:
    data = json.loads((DATA / "indicators_checked.json").read_text(encoding="utf-8"))
    return [(f, concept, expected) for doc in data["documents"] for f in doc["files"]
            for concept, expected in doc["indicators"].items()]


CHECKED = _checked()


def test_the_hand_checked_values_cover_eight_documents():
    assert len({f for f, _, _ in CHECKED}) >= 8


@pytest.mark.parametrize("path", sorted({f for f, _, _ in CHECKED}))
def test_every_concept_read_by_hand_comes_back_with_the_value_printed(outputs, path):
    got = {i.concept: i for i in outputs[path] if isinstance(i, Indicator)}
    wrong = []
    for f, concept, expected in CHECKED:
        if f != path:
            continue
        ind = got.get(concept)
        if expected is None:
            if ind is not None:
                wrong.append(f"{concept}: not published, got {ind.value} from {ind.location} p.{ind.prov.page}")
        elif ind is None:
            wrong.append(f"{concept}: missing, printed {expected['value']} p.{expected['page']} {expected['where']}")
        elif format(ind.value, "f") != expected["value"]:
            wrong.append(f"{concept}: {ind.value} from {ind.location}, printed {expected['value']} p.{expected['page']}")
        elif path.endswith(".pdf") and ind.prov.page not in [expected["page"], *expected.get("also", ())]:
            wrong.append(f"{concept}: read on p.{ind.prov.page}, printed on p.{expected['page']}")
    assert not wrong, "\n".join(wrong)


def test_every_value_is_the_text_printed_where_it_points(outputs):
    for path, records in outputs.items():
        for ind in (r for r in records if isinstance(r, Indicator)):
            p = ind.prov
            if ind.source == "table":
                assert ind.text == "" or ind.text in p.context, (path, ind)
            else:
                assert p.context[p.start:p.end] == ind.text, (path, ind)
            assert ind.disclosure_id == records[0].disclosure_id


def test_a_known_inconsistency_shows_in_agrees_with_both_values(outputs):
    """2017年省检察院部门预算 p.19 states 基本支出 as 12323.46万元 (and 12323.48万元 a line below); the tables print
    12,323.48 (tests/data/audit_findings.json)."""
    records = outputs["../shared/samples/corpus/2017年省检察院部门预算.pdf"]
    ind = next(i for i in records if isinstance(i, Indicator) and i.concept == "basic_expenditure")
    assert (ind.value, ind.source, ind.agrees) == (Decimal(123234800), "table", False)
    assert [(d.text, d.source, d.prov.page) for d in ind.disagreements] == [("12323.46万元", "prose", 19)]


def test_the_seeds_known_gaps_are_of_other_scopes_not_disagreements(outputs):
    """The seed's notes name 基本支出 292.56万元 (of all funds) beside 一般公共预算财政拨款基本支出 292.39万元, and
    本年收入合计 350.01万元 beside a 财政资金 收入 of 349.84万元: each pair is two quantities (the 0.17万元 between
    them is its 其他收入), so each indicator agrees with every place of its own scope."""
    got = {i.concept: i for i in outputs[f"samples/{SEED}.pdf"] if isinstance(i, Indicator)}
    assert (got["basic_expenditure"].value, got["basic_expenditure"].scope) == (Decimal(2925600), "all")
    assert (got["income_this_year"].value, got["fiscal_appropriation"].value) == (Decimal(3500100), Decimal(3498400))
    assert all(i.agrees is not False for i in got.values())


def test_a_table_declared_empty_that_prints_amounts_is_not_read(outputs):
    """万里街道 2024 p.31: 故本表为空表 over a 三公 table printing 47.91 …; the prose of p.32 gives the values."""
    got = {i.concept: i for i in outputs["../shared/samples/corpus/上海市普陀区人民政府万里街道办事处24年预算.pdf"]
           if isinstance(i, Indicator)}
    ind = got["three_public_total"]
    assert (ind.value, ind.source, ind.prov.page) == (Decimal(479100), "prose", 32)


# ---------------------------------------------------------------- the corpus against indicators.json

#: counts over the 17 files × 22 concepts of ../shared/samples/corpus/indicators.json; raise them as it gets better
AT_LEAST = {"right": 361}
AT_MOST = {"wrong": 0, "extra": 11, "missing": 2}
#: where indicators.json looks wrong, checked on the page images (page, text as printed): the 收支预算总表 of these
#: Jiangsu budgets prints a 结转下年资金 row, blank, as it prints 上年结转资金 blank — indicators.json reads the one
#: as 0 and the other as not published; a blank printed row is 0 (issue 9), so carryover_end is 0 here; and
#: 江苏省政协办公厅2018年度部门预算 p.10 states 结转下年资金0万元 in its prose
DISPUTED = {
    ("2017年度部门预算公开表.pdf", "carryover_end"): (1, ""), ("2017年省检察院部门预算.pdf", "carryover_end"): (10, ""),
    ("2018年省检察院部门预算公开.pdf", "carryover_end"): (14, ""),
    ("江苏省人大办公厅2017年度预算公开.pdf", "carryover_end"): (9, ""),
    ("江苏省委办公厅2017年预算公开表格.pdf", "carryover_end"): (1, ""),
    ("江苏省委办公厅2018年度部门预算公开表.pdf", "carryover_end"): (3, ""),
    ("江苏省政协办公厅2018度部门预算公开表.pdf", "carryover_end"): (1, ""),
    ("江苏省政协办公厅2018年度部门预算.pdf", "carryover_end"): (10, "0万元"),
    ("省人大办公厅2018预算公开.pdf", "carryover_end"): (8, ""),
    ("省法院2017年度部门预算公开.pdf", "carryover_end"): (12, ""), ("省法院2018年度部门预算公开.pdf", "carryover_end"): (10, ""),
}
#: misses: indicators.json reads a 政府性基金 *expenditure* of 0 as the fund appropriation (income); the page
#: prints no fund income, and decextract does not infer one quantity from another
MISSES = {
    ("江苏省委办公厅2018年度部门预算公开文件.pdf", "government_fund_appropriation"):
        "p.11 prints 政府性基金支出预算支出0万元 (spending), no fund income",
    ("江苏省政协办公厅2017年度部门预算.pdf", "government_fund_appropriation"):
        "p.13 says of the 政府性基金支出预算表 本表数为零 (spending), no fund income",
}


def _corpus_score(outputs) -> tuple[dict[str, int], dict[tuple[str, str], tuple]]:
    truth = json.loads((CORPUS / "indicators.json").read_text(encoding="utf-8"))
    counts = dict.fromkeys(("right", "wrong", "extra", "missing"), 0)
    off = {}
    for name, expected in truth.items():
        got = {i.concept: i for i in outputs[f"../shared/samples/corpus/{name}"] if isinstance(i, Indicator)}
        for concept, exp in expected.items():
            ind = got.get(concept)
            have = None if ind is None else format(ind.value, "f")
            want = None if exp is None else exp["value"]
            kind = "right" if have == want else "missing" if ind is None else "extra" if want is None else "wrong"
            counts[kind] += 1
            if kind != "right":
                off[(name, concept)] = (kind, have, want, ind)
    return counts, off


def test_corpus_indicators_score_at_least_as_well_as_before(outputs):
    counts, off = _corpus_score(outputs)
    low = {k: (counts[k], n) for k, n in AT_LEAST.items() if counts[k] < n}
    high = {k: (counts[k], n) for k, n in AT_MOST.items() if counts[k] > n}
    assert not low and not high, "\n".join(f"{k}: {v[:3]}" for k, v in off.items())


def test_every_corpus_difference_is_disputed_or_a_known_miss(outputs):
    _, off = _corpus_score(outputs)
    unexplained = {k: v[:3] for k, v in off.items() if k not in DISPUTED and k not in MISSES}
    assert not unexplained, unexplained
    for key, (page, text) in DISPUTED.items():
        kind, have, _, ind = off[key]
        assert (kind, have, ind.text, ind.prov.page) == ("extra", "0", text, page), key
        assert "结转下年" in ind.location


@pytest.mark.parametrize("key", [pytest.param(k, marks=pytest.mark.xfail(strict=True, reason=why), id=k[0])
                                 for k, why in sorted(MISSES.items())])
def test_corpus_misses(outputs, key):
    _, off = _corpus_score(outputs)
    assert key not in off


# ---------------------------------------------------------------- the panel


@pytest.fixture(scope="module")
def corpus_panel(outputs):
    records = [r for name, recs in outputs.items() if name.startswith("../shared/samples/corpus/") for r in recs]
    return panel_of_records(records)


def test_the_corpus_panel_has_one_row_per_disclosure(corpus_panel):
    ids = [d.disclosure_id for d in corpus_panel.disclosures]
    assert len(ids) == len(set(ids)) == 13  # 17 files: four budgets published as a prose file and a tables file
    pairs = {d.disclosure_id: sorted(_name(x) for x in d.documents) for d in corpus_panel.disclosures
             if len(d.documents) == 2}
    assert pairs == {
        "江苏省委办公厅|2017|部门预算": ["江苏省委办公厅2017年部门预算.pdf", "江苏省委办公厅2017年预算公开表格.pdf"],
        "江苏省委办公厅|2018|部门预算": ["江苏省委办公厅2018年度部门预算公开文件.pdf", "江苏省委办公厅2018年度部门预算公开表.pdf"],
        "江苏省政协办公厅|2017|部门预算": ["2017年度部门预算公开表.pdf", "江苏省政协办公厅2017年度部门预算.pdf"],
        "江苏省政协办公厅|2018|部门预算": ["江苏省政协办公厅2018年度部门预算.pdf", "江苏省政协办公厅2018度部门预算公开表.pdf"],
    }


def _name(document: dict) -> str:
    return Path(document["source"]).name


def _expected_panel() -> dict[str, dict[str, str]]:
    """indicators.json by disclosure: the files of one disclosure agree where both print a value."""
    truth = json.loads((CORPUS / "indicators.json").read_text(encoding="utf-8"))
    by_file = {name: {k: v["value"] for k, v in exp.items() if v is not None} for name, exp in truth.items()}
    pairs = [("江苏省委办公厅2017年部门预算.pdf", "江苏省委办公厅2017年预算公开表格.pdf"),
             ("江苏省委办公厅2018年度部门预算公开文件.pdf", "江苏省委办公厅2018年度部门预算公开表.pdf"),
             ("江苏省政协办公厅2017年度部门预算.pdf", "2017年度部门预算公开表.pdf"),
             ("江苏省政协办公厅2018年度部门预算.pdf", "江苏省政协办公厅2018度部门预算公开表.pdf")]
    for prose, tables in pairs:
        by_file[tables] = {**by_file.pop(prose), **by_file[tables]}
    return by_file


def test_the_corpus_panel_opens_in_excel_and_as_csv_with_the_values(corpus_panel, tmp_path):
    from openpyxl import load_workbook

    xlsx = write_panel(corpus_panel, tmp_path / "panel.xlsx")
    book = load_workbook(xlsx, read_only=True)
    assert book.sheetnames == ["panel", "sources", "concepts"]
    rows = list(book["panel"].iter_rows(values_only=True))
    header = rows[0]
    body = [dict(zip(header, (*r, *(None,) * (len(header) - len(r))), strict=True)) for r in rows[1:]]
    assert len(body) == 13 and header[:3] == ("disclosure_id", "issuer", "issuer_printed")
    with open(write_panel(corpus_panel, tmp_path / "panel.csv"), encoding="utf-8-sig", newline="") as f:
        table = list(csv.DictReader(f))
    assert len(table) == 13 and list(table[0])[:2] == ["disclosure_id", "issuer"]
    expected = _expected_panel()
    by_files = {}
    for row, text in zip(body, table, strict=True):
        assert row["disclosure_id"] == text["disclosure_id"]
        files = row["files"].split("; ")
        want = expected[next(f for f in files if f in expected)]
        for concept, value in want.items():
            if (files[-1], concept) in DISPUTED or any((f, concept) in MISSES for f in files):
                continue
            assert text[column_name(concept)] == value, (files, concept)  # CSV: the exact decimal text
            assert Decimal(str(row[column_name(concept)])) == Decimal(value), (files, concept)  # XLSX: a number
            assert text[column_name(concept) + "_source"].startswith(tuple(files)), (files, concept)
        by_files[row["disclosure_id"]] = row
    both = by_files["江苏省委办公厅|2017|部门预算"]
    assert both["personnel_expenditure_source"].startswith("江苏省委办公厅2017年") and both["n_files"] == 2
    sources = list(book["sources"].iter_rows(values_only=True))
    assert sources[0][:4] == ("disclosure_id", "indicator", "name", "value")
    concepts = list(book["concepts"].iter_rows(values_only=True))
    assert len(concepts) - 1 == len(indicator_concepts())


def test_the_panel_as_parquet_and_stata(corpus_panel, tmp_path):
    import pandas as pd

    parquet = pd.read_parquet(write_panel(corpus_panel, tmp_path / "panel.parquet"))
    stata = pd.read_stata(write_panel(corpus_panel, tmp_path / "panel.dta"))
    assert len(parquet) == len(stata) == 13
    row = parquet[parquet["disclosure_id"] == "江苏省人民检察院|2017|部门预算"].iloc[0]
    assert row["total_income"] == Decimal("179966800")  # decimal128: exact
    assert float(stata.loc[stata["disclosure_id"] == "江苏省人民检察院|2017|部门预算", "total_income"].iloc[0]) \
        == 179966800.0


def test_a_bad_panel_suffix_is_an_error(tmp_path):
    from decextract.errors import SinkError

    with pytest.raises(SinkError, match="xlsx"):
        write_panel(build([], []), tmp_path / "panel.txt")


# ---------------------------------------------------------------- the database


def _loaded(tmp_path, paths) -> tuple:
    from decextract.sinks.sql import SqlSink

    sink = SqlSink(str(tmp_path / "out.sqlite"))
    records = []
    for path in paths:
        recs = records_of_file(path)
        sink.write_document(recs[0].sha256, [recs[0].source], recs, replace=False)
        records += recs
    return sink, records


def test_the_database_panel_and_view_are_the_panel_of_the_records(tmp_path):
    paths = [SAMPLES / f"{SEED}.{fmt}" for fmt in ("txt", "docx", "pdf")]
    if CORPUS.is_dir():
        paths += [CORPUS / "江苏省委办公厅2017年部门预算.pdf", CORPUS / "江苏省委办公厅2017年预算公开表格.pdf"]
    sink, records = _loaded(tmp_path, paths)
    try:
        from_db, from_records = panel_of_database(sink.engine).wide(), panel_of_records(records).wide()
        assert from_db.columns == from_records.columns
        assert list(from_db.rows()) == list(from_records.rows())
        with sink.engine.connect() as conn:
            view = conn.execute(sa.text("SELECT * FROM indicator_panel ORDER BY disclosure_id")).mappings().all()
            n = conn.execute(sa.text("SELECT count(*) FROM indicators")).scalar()
        assert n == sum(isinstance(r, Indicator) for r in records)
        wide = {row[0]: dict(zip(from_db.columns, row, strict=True)) for row in from_db.rows()}
        assert [v["disclosure_id"] for v in view] == sorted(wide)
        for v in view:
            for ind in indicator_concepts():
                col = column_name(ind.id)
                mine = wide[v["disclosure_id"]][col]
                assert (None if v[col] is None else Decimal(str(v[col]))) == mine, (v["disclosure_id"], col)
    finally:
        sink.close()


def test_migration_adds_the_indicators_table_and_the_view(tmp_path):
    sink, _ = _loaded(tmp_path, [SAMPLES / f"{SEED}.txt"])
    with sink.engine.begin() as conn:  # a database as the schema before issue 9 left it
        conn.execute(sa.text("DROP VIEW indicator_panel"))
        conn.execute(sa.text("DROP TABLE indicators"))
        conn.execute(sa.text("DROP INDEX ix_documents_disclosure_id"))
        conn.execute(sa.text("ALTER TABLE documents DROP COLUMN disclosure_id"))
    with sink.engine.begin() as conn:
        schema.add_missing(conn)
        inspector = sa.inspect(conn)
        assert inspector.has_table("indicators") and "indicator_panel" in inspector.get_view_names()
        assert "disclosure_id" in {c["name"] for c in inspector.get_columns("documents")}
    sink.close()


def test_an_older_database_without_indicators_is_a_clear_error(tmp_path):
    from decextract.errors import SinkError

    sink, _ = _loaded(tmp_path, [SAMPLES / f"{SEED}.txt"])
    with sink.engine.begin() as conn:
        conn.execute(sa.text("DROP VIEW indicator_panel"))
        conn.execute(sa.text("DROP TABLE indicators"))
    with pytest.raises(SinkError, match="no indicators table"):
        panel_of_database(sink.engine)
    sink.close()


# ---------------------------------------------------------------- command line and docs


def test_the_indicators_command_writes_a_panel_from_files_and_from_a_database(tmp_path, monkeypatch):
    monkeypatch.chdir(ROOT)
    out = tmp_path / "panel.csv"
    run = CliRunner().invoke(cli, ["indicators", f"samples/{SEED}.txt", f"samples/{SEED}.docx", "-o", str(out)])
    assert run.exit_code == 0, run.output
    with open(out, encoding="utf-8-sig", newline="") as f:
        [row] = list(csv.DictReader(f))
    assert (row["disclosure_id"], row["n_files"], row["total_income"]) == ("攀枝花市西区区委政法委员会|2020|部门决算",
                                                                           "2", "9401500")
    assert row["total_income_source"].startswith(f"{SEED}.") and "收、支总计" in row["total_income_source"]
    printed = CliRunner().invoke(cli, ["indicators", f"samples/{SEED}.txt"])
    assert printed.exit_code == 0 and "total_income" in printed.output and "9401500" in printed.output
    sink, _ = _loaded(tmp_path, [SAMPLES / f"{SEED}.txt"])
    sink.close()
    xlsx = tmp_path / "db.xlsx"
    run = CliRunner().invoke(cli, ["indicators", "--db", str(tmp_path / "out.sqlite"), "-o", str(xlsx)])
    assert run.exit_code == 0 and xlsx.is_file(), run.output


def test_a_file_that_cannot_be_read_is_reported_and_the_others_are_in_the_panel(tmp_path, monkeypatch):
    monkeypatch.chdir(ROOT)
    bad = tmp_path / "broken.pdf"
    bad.write_bytes(b"%PDF-1.7\n" + b"\x00garbage" * 50)
    out = tmp_path / "panel.csv"
    run = CliRunner().invoke(cli, ["indicators", f"samples/{SEED}.txt", str(bad), "-o", str(out), "--timeout", "60"])
    assert run.exit_code == 1 and "broken.pdf" in run.output, run.output
    with open(out, encoding="utf-8-sig", newline="") as f:
        assert [row["disclosure_id"] for row in csv.DictReader(f)] == ["攀枝花市西区区委政法委员会|2020|部门决算"]


@pytest.mark.parametrize("args, message", [
    (["indicators"], "give files or folders"),
    (["indicators", "x.txt", "--db", "x.sqlite"], "not both"),
    (["indicators", f"samples/{SEED}.txt", "-o", "panel.json"], ".xlsx"),
])
def test_the_indicators_command_refuses_bad_usage(args, message, monkeypatch):
    monkeypatch.chdir(ROOT)
    run = CliRunner().invoke(cli, args)
    assert run.exit_code == 2 and message in run.output


def test_the_researchers_example_builds_the_corpus_panel(outputs, monkeypatch):
    """docs/indicators.md: the corpus panel in a few lines (run on the records extracted above)."""
    import re

    import decextract

    [code] = re.findall(r"```python\n(.*?)```", (ROOT / "docs" / "indicators.md").read_text(encoding="utf-8"), re.S)
    monkeypatch.chdir(ROOT)
    monkeypatch.setattr(decextract, "extract", lambda path: outputs[str(path)])
    scope: dict = {}
    try:
        exec(compile(code, "docs/indicators.md", "exec"), scope)
        assert len(scope["wide"]) == 13 and scope["wide"]["total_income"].notna().all()
    finally:
        (ROOT / "corpus-panel.xlsx").unlink(missing_ok=True)


def test_the_concept_list_in_the_docs_is_the_data():
    from decextract.conceptdoc import concepts_markdown

    assert (ROOT / "docs" / "concepts.md").read_text(encoding="utf-8") == concepts_markdown(), \
        "regenerate: python -m decextract.conceptdoc > docs/concepts.md"


def test_every_indicator_has_a_definition_and_every_issue_concept_is_there():
    ids = {i.id for i in indicator_concepts()}
    issue = {"total_income", "total_expenditure", "income_this_year", "expenditure_this_year", "fiscal_appropriation",
             "general_public_budget_appropriation", "government_fund_appropriation", "state_capital_appropriation",
             "other_income", "basic_expenditure", "project_expenditure", "personnel_expenditure", "public_expenditure",
             "three_public_total", "three_public_overseas", "three_public_vehicle_purchase",
             "three_public_vehicle_operation", "three_public_reception", "agency_operation", "procurement_total",
             "carryover_begin", "carryover_end", "vehicles", "expenditure_by_function.201"}
    assert issue <= ids
    assert all(i.definition and i.name for i in indicator_concepts())
