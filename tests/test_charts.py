"""Chart labels in a page's text layer: figures of their own, marked, linked to the prose figure they repeat."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from conftest import SHARED

from decextract import extract
from decextract.figures import figures_of
from decextract.model import Document, Paragraph

CORPUS = SHARED / "samples" / "corpus"


def _doc(*texts: str) -> Document:
    return Document(source="t.pdf", sha256="0" * 64, format="pdf",
                    blocks=tuple(Paragraph(i, t, section=("三、支出预算情况说明",)) for i, t in enumerate(texts)))


PAGE = (
    "本年支出预算合计28849.38万元，其中：基本支出17123.19万元，占59.35%；",
    "项目支出11543.27万元，占40.01%；",
    "单位预留机动经费182.92万元，占0.64%；",
    "预留机动经费,",  # a label and its figure on two lines of the chart
    "0.64%",
    "项目支出, 40.01%",
    "基本支出, 59.35%",
    "基本支出项目支出预留机动经费",  # the legend: no figures
)


def test_chart_labels_repeat_the_sentence_figures():
    figs = list(figures_of(_doc(*PAGE), 2017))
    prose = [f for f in figs if not f.chart]
    charts = [f for f in figs if f.chart]
    assert [(f.text, f.label, f.relation) for f in charts] == [
        ("0.64%", "预留机动经费", "share"), ("40.01%", "项目支出", "share"), ("59.35%", "基本支出", "share")]
    for c in charts:
        original = figs[c.duplicate_of]
        assert not original.chart and original.value == c.value and original.relation == "share"
        assert c.prov.context[c.prov.start:c.prov.end] == c.text
    assert all(f.duplicate_of is None for f in prose)


def test_a_chart_label_with_no_sentence_figure_is_kept_unlinked():
    figs = list(figures_of(_doc("项目支出, 41.20%", "基本支出, 58.80%"), 2020))
    assert [(f.label, f.chart, f.duplicate_of, f.relation) for f in figs] == [
        ("项目支出", True, None, "share"), ("基本支出", True, None, "share")]


@pytest.mark.parametrize("text", [
    "公务用车运行维护费支出0万元。",  # a sentence: no separator, and a full stop
    "（一）人员经费4,704.35万元",  # a heading-like line
    "第一季度用款计划15万元，第二季度用款计划15万元",  # a list in prose
    "占本年支出合计的40.01%",  # a relation word is no chart label
])
def test_prose_lines_are_not_chart_labels(text):
    assert not any(f.chart for f in figures_of(_doc(text), 2020))


def test_chart_labels_of_a_real_pie_chart():
    pdf = CORPUS / "省法院2017年度部门预算公开.pdf"
    if not Path(pdf).exists():
        pytest.skip(f"corpus not found at {CORPUS}")
    figs = [r for r in extract(pdf) if r.TYPE == "figure"]
    charts = [f for f in figs if f.chart]
    assert {(f.label, f.value) for f in charts} == {
        ("预留机动经费", Decimal("0.64")), ("项目支出", Decimal("40.01")), ("基本支出", Decimal("59.35"))}
    assert all(c.prov.page == 20 and figs[c.duplicate_of].prov.page == 20 for c in charts)
