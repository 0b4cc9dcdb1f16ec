"""Text as copied out of PDFs and web pages: hard wraps, PDF spaces, traditional and full-width
characters, tables flattened into lines; and the view of it the grammar reads (decextract.textview)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from decextract.figures import figures_of
from decextract.model import Table
from decextract.readers import text as text_reader
from decextract.readers.textlayout import Wrapping, display_width, join, pipe_cells, spaced_cells
from decextract.tables import annotate
from decextract.textview import TextView, fold

SEED = Path(__file__).resolve().parents[1] / "samples" / "xiqu-zhengfawei-2020-juesuan.txt"


def _read(text: str):
    return annotate(text_reader.read(text.encode("utf-8"), "t.txt", "0" * 64))


def _figures(text: str, year: int | None = 2020):
    return list(figures_of(_read(text), year))


# ---------------------------------------------------------------- the view


def test_view_joins_wraps_and_drops_spaces_next_to_cjk():
    raw = "较 2022 年度决算数增\n加 0.00 万元,增长 0%"
    view = TextView(raw)
    assert view.text == "较2022年度决算数增加0.00万元,增长0%"
    start = view.text.index("0.00")
    s, e = view.raw_span(start, start + len("0.00万元"))
    assert raw[s:e] == "0.00 万元"


def test_view_keeps_a_space_between_latin_words_and_joins_split_numbers():
    assert TextView("LED\ndisplay 12\n34").text == "LED display 1234"


def test_view_folds_traditional_and_full_width_one_for_one():
    raw = "與上年相比減少９７．０９％"
    view = TextView(raw)
    assert view.text == "与上年相比减少97.09%"
    assert len(view.text) == len(raw) and fold(raw) == view.text
    assert view.unfold("上年减少") == "上年減少"  # a label cut from the view, in the printed script


def test_view_bounds_keep_what_surrounds_a_sentence():
    raw = "　　公用经费24.12万元。 下"
    view = TextView(raw)
    assert view.text == "公用经费24.12万元。下"
    assert view.raw_bounds(0, view.text.index("。") + 1) == (0, raw.index("。") + 1)
    assert view.raw_bounds(view.text.index("下"), len(view.text)) == (raw.index("。") + 1, len(raw))


# ---------------------------------------------------------------- paragraphs


def test_hard_wrapped_paragraph_is_one_block_with_its_lines_as_raw():
    text = ("1.一般公共预算财政拨款收入382.17万元,为市本级财政\n"
            "当年拨付的资金。较2020年度决算数减少157.86万元,下降\n"
            "29.2%,主要原因是军休人员自然减员。\n"
            "2.上级补助收入8.38万元。\n")
    doc = _read(text)
    paras = list(doc.paragraphs())
    assert [p.text for p in paras] == [
        "1.一般公共预算财政拨款收入382.17万元,为市本级财政当年拨付的资金。较2020年度决算数减少157.86万元,"
        "下降29.2%,主要原因是军休人员自然减员。", "2.上级补助收入8.38万元。"]
    assert paras[0].raw == "\n".join(text.split("\n")[:3])
    figs = list(figures_of(doc, 2021))
    change = next(f for f in figs if f.text == "157.86万元")
    assert (change.label, change.relation, change.direction, change.year) == (
        "一般公共预算财政拨款收入", "change", "decrease", 2021)
    rate = next(f for f in figs if f.text == "29.2%")
    assert rate.prov.context.count("\n") == 1 and rate.prov.context[rate.prov.start:rate.prov.end] == "29.2%"


def test_a_number_split_from_its_unit_is_one_figure_as_printed():
    figs = _figures("1.社会保障和就业支出467.99万元,较2020年度决算数减少91.91\n万元,下降16.4%。", 2021)
    change = next(f for f in figs if f.relation == "change")
    assert change.text == "91.91\n万元" and change.value == 919100
    assert change.prov.context[change.prov.start:change.prov.end] == change.text


def test_short_lines_without_a_stop_stay_headings_and_captions():
    doc = _read("一、收入决算情况说明\n2020年本年收入合计350.01万元。\n单位：万元\n")
    assert [(b.kind, b.text) for b in doc.paragraphs()] == [
        ("heading", "一、收入决算情况说明"), ("paragraph", "2020年本年收入合计350.01万元。"),
        ("paragraph", "单位：万元")]


def test_numbered_indented_and_page_number_lines_start_a_block():
    wrapping = Wrapping(["甲" * 30] * 6)
    assert wrapping.wrapped
    assert not wrapping.continues("甲" * 30, "甲" * 30, "（二）支出情况")
    assert not wrapping.continues("甲" * 30, "甲" * 30, "　　另起一段")
    assert not wrapping.continues("甲" * 30, "甲" * 30, "—10—")
    assert wrapping.continues("甲" * 30, "甲" * 30, "乙乙")
    assert not wrapping.continues("甲" * 30, "甲" * 29 + "。", "乙乙")


def test_a_page_number_between_two_halves_does_not_break_the_paragraph():
    lines = ["本单位2021年度总收入581.45万元,其中本年收入390.55万元,较上年减少", "—5—",
             "175.26万元,下降31%。"]
    doc = _read("\n".join(lines))
    assert [p.text for p in doc.paragraphs()] == [
        "—5—", "本单位2021年度总收入581.45万元,其中本年收入390.55万元,较上年减少175.26万元,下降31%。"]


def test_join_drops_the_break_and_the_spaces_around_it():
    assert join(["收入 ", "  合计 5 万元"]) == "收入合计 5 万元"
    assert join(["the LED", "display"]) == "the LED display"
    assert display_width("ab支出") == 6


# ---------------------------------------------------------------- flattened tables


def test_pipe_rows_are_a_table_with_the_unit_of_the_caption_above():
    text = ("资金情况 (万元) |\n"
            "全年预算数(A) | 全年执行数(B) | 分值 | 执行率(B/A) | 得分 | |||||\n"
            "年度资金总额: | 9.48 | 9.48 | 10 | 100% | 10 | |||||\n")
    doc = _read(text)
    table = next(doc.tables())
    assert isinstance(table, Table) and table.unit == "万元" and table.n_cols == 6
    assert [c.text for c in table.row(0)] == ["全年预算数(A)", "全年执行数(B)", "分值", "执行率(B/A)", "得分"]
    assert table.row(0)[0].col == 1  # a shorter header row lacks the cells merged over it from the left
    figs = list(figures_of(doc, 2023))
    budget, rate = figs[0], next(f for f in figs if f.unit == "%")
    assert (budget.value, budget.unit) == (94800, "元") and "年度资金总额" in budget.label
    assert rate.relation == "completion_rate"


def test_pipe_cells_and_spaced_cells():
    assert pipe_cells("其中桃树种植面积 | 1.5亩 | 1.5亩 | ||||||||") == ["其中桃树种植面积", "1.5亩", "1.5亩"]
    assert pipe_cells("收入合计 | 5万元") is None  # one separator is prose
    assert spaced_cells("项目      预算数    决算数") == [(0, "项目"), (10, "预算数"), (20, "决算数")]
    assert spaced_cells("收入合计 5万元，支出合计 4万元。") is None


def test_space_aligned_rows_are_a_table():
    text = "单位：万元\n项目          预算数      决算数\n基本支出      292.56      290.10\n项目支出      297.58      300.00\n"
    doc = _read(text)
    table = next(doc.tables())
    assert table.n_rows == 3 and table.n_cols == 3 and table.unit == "万元"
    assert [c.text for c in table.row(2)] == ["项目支出", "297.58", "300.00"]
    assert any(f.value == 2925600 and "基本支出" in f.label for f in figures_of(doc, 2020))


# ---------------------------------------------------------------- wrapped variants of the seed


@cache
def _seed() -> tuple[str, tuple]:
    text = SEED.read_text("utf-8-sig")
    return text, tuple((f.value, f.unit, f.kind, f.text) for f in _figures(text) if f.prov.cell is None)


def _hard_wrap(text: str, width: int) -> str:
    """Every prose line cut into lines of at most ``width`` display columns, anywhere (inside words,
    numbers, between a number and its unit), as a PDF's text layer copied out line by line."""
    out = []
    for line in text.split("\n"):
        if line.startswith("\t") or display_width(line) <= width:
            out.append(line)
            continue
        chunk, w = "", 0
        for ch in line:
            cw = display_width(ch)
            if w + cw > width and chunk:
                out.append(chunk)
                chunk, w = "", 0
            chunk += ch
            w += cw
        out.append(chunk)
    return "\n".join(out)


@settings(max_examples=8, deadline=None)
@given(st.integers(min_value=16, max_value=300))
def test_hard_wrapped_seed_gives_the_same_figures(width):
    """Hard-wrapping the seed's prose at any width gives the same figures, the same values, and each
    figure's context and offsets point into the wrapped text, breaks included."""
    text, want = _seed()
    wrapped = _hard_wrap(text, width)
    got = [f for f in _figures(wrapped) if f.prov.cell is None]
    assert [(f.value, f.unit, f.kind) for f in got] == [w[:3] for w in want]
    for f, w in zip(got, want, strict=True):
        assert f.prov.context[f.prov.start:f.prov.end] == f.text
        assert f.text.replace("\n", "") == w[3]
        assert f.prov.context in wrapped
