"""Standard tables from PDF layouts the corpus shows, drawn with Chinese text (reportlab), read end to end.

Each test builds one layout phenomenon (a continuation page without header or top rule, a 收支总表 whose header
is cut by the page break, split 类/款/项 code columns with a dropped leading zero, codes on another baseline,
wrapped titles and cells) and checks the ``table`` and ``table_row`` records, so the cases stay covered without
the real corpus.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from fixtures_pdf import cjk_pdf, page, ruled_rows, text

from decextract.metadata import document_info
from decextract.readers import read_bytes
from decextract.records import TableInfo, TableRow
from decextract.tables import annex_records, annotate

pytest.importorskip("reportlab")


def _records(pages):
    doc = annotate(read_bytes(cjk_pdf(pages), "layout.pdf"))
    return doc, annex_records(doc)


def _infos(records):
    return [r for r in records if isinstance(r, TableInfo)]


def _rows(records):
    return [r for r in records if isinstance(r, TableRow)]


CODES = [72, 160, 400, 520]


def _body(n: int, first: int = 1) -> list[list[str]]:
    """``n`` 项 rows of class 204, numbered from ``first``."""
    return [[f"20405{k:02d}", f"支出项目{k}", f"{k}.00"] for k in range(first, first + n)]


def test_continuation_without_header_or_top_rule_is_one_table_in_its_unit():
    first = page(
        text(150, 50, 14, "2018年度某某局一般公共预算支出预算表"),
        text(72, 80, 9, "部门：某某局"), text(470, 80, 9, "单位：万元"),
        ruled_rows(CODES, 100, [["科目编码", "科目名称", "金额"], ["204", "公共安全支出", "4,717.51"],
                                ["20405", "法院", "4,717.51"], *_body(28)]),
    )
    second = page(ruled_rows(CODES, 60, [["221", "住房保障支出", "4,716.51"], ["22102", "住房改革支出", "4,716.51"],
                                          ["", "合计", "9,434.02"]], top_rule=False))
    _, records = _records([first, second])
    (info,) = _infos(records)
    assert (info.table_id, info.pages, info.unit, info.warnings) == ("yusuan.general_expenditure", (1, 2), "万元", ())
    assert [b[0] for b in info.bboxes] == [1, 2]
    rows = _rows(records)
    assert len(rows) == 2 + 28 + 3
    housing = next(r for r in rows if r.code == "221")
    assert housing.values == {"金额": Decimal("47165100")} and housing.prov.page == 2
    x0, top, x1, bottom = housing.prov.bbox
    assert (round(x0), round(top), round(x1), round(bottom)) == (72, 60, 520, 80)


def test_two_sided_total_table_whose_header_is_cut_by_the_page_break():
    """收入 | 支出 at the foot of one page; the rest of the header, with a rule over its split 支出 cell only, and the
    body on the next (三栏 收支预算总表: the 支出 side lists by function and by use)."""
    xs = [72, 160, 220, 330, 390, 480, 540]
    first = page(text(72, 700, 12, "收支预算总表"), text(470, 722, 9, "单位：万元"),
                 ruled_rows([72, 220, 540], 740, [["收入", "支出"]]))
    header = page(ruled_rows(xs[:3], 60, [["项目名称", "金额"]], height=40, top_rule=False),
                  ruled_rows(xs[2:], 60, [["功能分类", None, "支出用途", None], ["功能科目名称", "金额", "项目名称", "金额"]]))
    body = ruled_rows(xs, 100, [["一、财政拨款", "30.00", "一、公共安全支出", "25.00", "一、基本支出", "20.00"],
                                ["二、其他资金", "", "二、住房保障支出", "5.00", "二、项目支出", "10.00"],
                                ["收入总计", "30.00", "支出总计", None, None, "30.00"]])
    _, records = _records([first, page(header, body)])
    (info,) = _infos(records)
    assert (info.table_id, info.pages) == ("yusuan.income_expenditure_total", (1, 2))
    rows = _rows(records)
    assert [(r.side, r.name) for r in rows] == [
        ("income", "一、财政拨款"), ("expenditure", "一、公共安全支出"), ("expenditure", "一、基本支出"),
        ("income", "二、其他资金"), ("expenditure", "二、住房保障支出"), ("expenditure", "二、项目支出"),
        ("income", "收入总计"), ("expenditure", "支出总计")]
    assert rows[-1].cells == {"支出/支出用途/金额": "30.00"}


def test_split_code_columns_with_a_dropped_leading_zero():
    xs = [72, 110, 140, 170, 400, 520]
    table = ruled_rows(xs, 120, [["类", "款", "项", "科目名称", "金额"], ["301", "", "", "工资福利支出", "30.00"],
                                 ["301", "01", "", "基本工资", "10.00"], ["301", "2", "", "津贴补贴", "20.00"],
                                 ["201", "13", "1", "行政运行", "5.00"], ["201", "13", "02", "一般行政管理事务", "1.00"]])
    _, records = _records([page(text(72, 80, 12, "一般公共预算基本支出预算表"), text(470, 100, 9, "单位：元"), table)])
    assert [(r.code, r.level) for r in _rows(records)] == [
        ("301", "类"), ("30101", "款"), ("30102", "款"), ("2011301", "项"), ("2011302", "项")]


def test_codes_a_few_points_off_the_baseline_of_their_row():
    """An unruled (three-line) table whose code cells sit 5 points above the name and amount cells."""
    rules = [(72, 100, 520, 100), (72, 120, 520, 120), (72, 200, 520, 200)]
    texts = [(80, 104, 9, "科目编码"), (200, 104, 9, "科目名称"), (450, 104, 9, "金额")]
    for k, (code, name, amount) in enumerate([("208", "社会保障和就业支出", "12.00"), ("20805", "行政事业单位养老支出", "12.00"),
                                               ("2080505", "机关事业单位基本养老保险缴费支出", "12.00"),
                                               ("", "合计", "12.00")]):
        top = 125 + 18 * k
        texts += [(80, top - 5, 9, code), (200, top, 9, name), (450, top, 9, amount)]
    _, records = _records([{"texts": [(72, 70, 12, "财政拨款支出预算表"), *texts], "lines": rules}])
    assert [(r.code, r.name, r.cells) for r in _rows(records)] == [
        ("208", "社会保障和就业支出", {"金额": "12.00"}), ("20805", "行政事业单位养老支出", {"金额": "12.00"}),
        ("2080505", "机关事业单位基本养老保险缴费支出", {"金额": "12.00"}), (None, "合计", {"金额": "12.00"})]


def test_wrapped_title_and_wrapped_cells():
    title = [text(72, 60, 26, "“三公”经费、会议费、培训费支出预算"), text(280, 90, 26, "表")]
    prose = [text(72, 600 + 16 * k, 10, "说明：本表反映部门当年一般公共预算安排的“三公”经费、会议费和培训费支出预算情况，单位为万元。")
             for k in range(4)]
    table = ruled_rows([72, 200, 330, 460, 540], 140, [["合计", "因公出国（境）费", "公务用车购置及运行维护费", "公务接待费"],
                                                       ["2.00", "0.50", "1.00", "0.50"]], height=30)
    wrapped = page(text(72, 300, 12, "财政拨款支出预算表"),
                   ruled_rows([72, 160, 250, 540], 330, [["科目编码", "科目名称", "金额"], ["2080505", "", "1.00"]], height=30),
                   text(163, 364, 9, "机关事业单位基本养"), text(163, 376, 9, "老保险缴费支出"))
    doc, records = _records([page(*title, text(470, 124, 9, "单位：万元"), table, wrapped, *prose)])
    infos = _infos(records)
    assert [(i.table, i.table_id) for i in infos] == [
        ("“三公”经费、会议费、培训费支出预算表", "yusuan.three_public"), ("财政拨款支出预算表", "yusuan.fiscal_expenditure")]
    assert [(r.code, r.name) for r in _rows(records) if r.table_id == "yusuan.fiscal_expenditure"] == [
        ("2080505", "机关事业单位基本养老保险缴费支出")]
    assert document_info(doc).kind == "预算"


def test_wrapped_name_in_a_table_ruled_only_across_is_one_row():
    rules = [(72, 100, 520, 100), (72, 120, 520, 120), (72, 200, 520, 200)]
    texts = [(80, 104, 9, "科目编码"), (200, 104, 9, "科目名称"), (450, 104, 9, "金额"),
             (80, 125, 9, "208"), (200, 125, 9, "社会保障和就业支出"), (450, 125, 9, "12.00"),
             (80, 139, 9, "2080505"), (200, 139, 9, "机关事业单位基本养老保险缴费"), (450, 139, 9, "12.00"),
             (200, 151, 9, "支出"),
             (80, 165, 9, "2080506"), (200, 165, 9, "机关事业单位职业年金缴费支出"), (450, 165, 9, "0.00"),
             (200, 179, 9, "合计"), (450, 179, 9, "12.00")]
    _, records = _records([{"texts": [(72, 70, 12, "财政拨款支出预算表"), *texts], "lines": rules}])
    assert [(r.code, r.name) for r in _rows(records)] == [
        ("208", "社会保障和就业支出"), ("2080505", "机关事业单位基本养老保险缴费支出"),
        ("2080506", "机关事业单位职业年金缴费支出"), (None, "合计")]


def test_title_drawn_after_its_table_in_the_content_stream():
    """Excel printed to PDF writes the cells first and the title last; the page shows it above the table."""
    table = ruled_rows(CODES, 120, [["科目编码", "科目名称", "金额"], ["204", "公共安全支出", "1.00"]])
    drawn = page(table, text(470, 100, 9, "单位：万元"), text(150, 60, 14, "2019年部门财政拨款支出预算表"))
    _, records = _records([drawn])
    (info,) = _infos(records)
    assert (info.table, info.table_id, info.unit) == ("2019年部门财政拨款支出预算表", "yusuan.fiscal_expenditure", "万元")


def test_continuation_across_running_header_and_footer():
    def margins(n):
        return [text(200, 30, 9, "某某局2018年度部门预算公开"), text(290, 800, 9, f"- {n} -")]

    prose = [text(72, 100 + 16 * k, 10, "一、部门主要职能：负责本部门的各项工作，组织实施相关政策，完成年度工作任务和目标。") for k in range(20)]
    first = page(*margins(1), *prose)
    second = page(*margins(2), text(150, 60, 14, "财政拨款支出预算表"), text(470, 84, 9, "单位：万元"),
                  ruled_rows(CODES, 100, [["科目编码", "科目名称", "金额"], *_body(30)]))
    third = page(*margins(3), ruled_rows(CODES, 60, [*_body(3, first=31), ["", "合计", "498.00"]], top_rule=False))
    _, records = _records([first, second, third, page(*margins(4), *prose)])
    (info,) = _infos(records)
    assert (info.table_id, info.pages, info.warnings) == ("yusuan.fiscal_expenditure", (2, 3), ())
    assert len(_rows(records)) == 34


def test_three_line_table_with_headers_flush_left_over_amounts_flush_right():
    """Only rules across; each header starts at its column's left, its amounts end at the column's right, so the
    text leaves a gap between a header and its own amounts: they are one column."""
    rules = [(60, 100, 560, 100), (60, 120, 560, 120), (60, 178, 560, 178)]
    texts = [(63, 105, 9, "科目编码"), (133, 105, 9, "科目名称"), (333, 105, 9, "合计"), (413, 105, 9, "基本支出"),
             (493, 105, 9, "项目支出")]
    for k, row in enumerate([("201", "一般公共服务支出", "1,334.56", "1,234.56", "100.00"),
                             ("2010301", "行政运行", "1,334.56", "1,234.56", "100.00"),
                             ("", "合计", "1,334.56", "1,234.56", "100.00")]):
        top = 125 + 18 * k
        texts += [(63, top, 9, row[0]), (133, top, 9, row[1])]
        texts += [(x - 3 - 4.5 * len(v), top, 9, v) for x, v in zip((410, 490, 560), row[2:], strict=True)]
    _, records = _records([{"texts": [(150, 70, 13, "一般公共预算财政拨款支出决算表"), *texts], "lines": rules}])
    assert [(r.code, r.name, r.cells) for r in _rows(records)] == [
        (code, name, {"合计": "1,334.56", "基本支出": "1,234.56", "项目支出": "100.00"})
        for code, name in [("201", "一般公共服务支出"), ("2010301", "行政运行"), (None, "合计")]]


def test_title_above_its_issuer_line_on_a_page_of_short_lines():
    """A spreadsheet printed to PDF: the title set flush left, the 编制单位 line under it, nothing wider on the page
    but the table, so the page's lines are no wider than the title and it seemed to run on into the next line."""
    table = ruled_rows(CODES, 120, [["科目编码", "科目名称", "决算数"], ["301", "工资福利支出", "12.00"],
                                    ["30101", "基本工资", "12.00"], ["", "合计", "12.00"]])
    lines = [text(72, 60, 11, "一般公共预算财政拨款基本支出决算表"), text(72, 76, 11, "编制单位：某区文化旅游局"),
             text(380, 76, 11, "金额单位：万元")]
    _, records = _records([page(*lines, table)])
    (info,) = _infos(records)
    assert (info.table, info.table_id, info.unit) == ("一般公共预算财政拨款基本支出决算表", "juesuan.general_basic", "万元")


def test_two_sided_three_line_table_with_headers_flush_left():
    """收入 | 支出 over 项目 | 决算数 twice, ruled only across (the rule under 收入/支出 too), amounts flush right."""
    xs = [60, 230, 310, 480, 560]
    rules = [(60, 120, 560, 120), (60, 138, 560, 138), (60, 156, 560, 156), (60, 192, 560, 192)]
    texts = [(120, 124, 9, "收入"), (370, 124, 9, "支出")]
    texts += [(x + 3, 142, 9, h) for x, h in zip(xs, ["项目", "决算数", "项目", "决算数"], strict=False)]
    for k, (a, b, c, d) in enumerate([("一、一般公共预算财政拨款收入", "12.00", "一、一般公共服务支出", "12.00"),
                                      ("本年收入合计", "12.00", "本年支出合计", "12.00")]):
        top = 160 + 18 * k
        texts += [(63, top, 9, a), (307 - 4.5 * len(b), top, 9, b), (313, top, 9, c), (557 - 4.5 * len(d), top, 9, d)]
    _, records = _records([{"texts": [(200, 80, 13, "收入支出决算总表"), (480, 105, 9, "单位：万元"), *texts], "lines": rules}])
    (info,) = _infos(records)
    assert (info.table_id, info.n_cols) == ("juesuan.income_expenditure_total", 4)
    assert [(r.side, r.name, r.cells) for r in _rows(records)] == [
        ("income", "一、一般公共预算财政拨款收入", {"决算数": "12.00"}), ("expenditure", "一、一般公共服务支出", {"决算数": "12.00"}),
        ("income", "本年收入合计", {"决算数": "12.00"}), ("expenditure", "本年支出合计", {"决算数": "12.00"})]


@pytest.mark.xfail(strict=True, reason="a table printed without any rule (a sheet printed without borders or gridlines)"
                   " is read as lines of text: tables are found from ruling lines only, and finding one from the"
                   " alignment of text alone is not built")
def test_table_without_any_rule():
    texts = [(150, 70, 13, "一般公共预算财政拨款支出决算表"), (480, 90, 9, "单位：万元"),
             (63, 105, 9, "科目编码"), (133, 105, 9, "科目名称"), (380, 105, 9, "合计")]
    for k, (code, name, amount) in enumerate([("201", "一般公共服务支出", "1,334.56"), ("2010301", "行政运行", "1,334.56"),
                                               ("", "合计", "1,334.56")]):
        top = 125 + 18 * k
        texts += [(63, top, 9, code), (133, top, 9, name), (398 - 4.5 * len(amount), top, 9, amount)]
    _, records = _records([{"texts": texts, "lines": []}])
    assert [(r.code, r.name, r.cells) for r in _rows(records)] == [
        ("201", "一般公共服务支出", {"合计": "1,334.56"}), ("2010301", "行政运行", {"合计": "1,334.56"}),
        (None, "合计", {"合计": "1,334.56"})]
