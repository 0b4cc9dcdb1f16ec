"""Every format a crawl meets, read into the same model: web pages, saved pages, DOC/WPS/RTF, XLS/ET, office errors.

The seed is converted (LibreOffice: DOCX → DOC and HTML; a saved MHTML page
wrapped around that HTML in GB2312; its performance tables laid out in a
workbook and saved as XLS) and scored with the shared scorer: the thresholds of
tests/test_accuracy.py hold on each, and the performance tables come back whole.
"""

from __future__ import annotations

import subprocess
import sys
from functools import cache
from pathlib import Path

import pytest
from conftest import DATA, ROOT, SAMPLES, SEED, score_figures, write_jsonl
from fixtures_formats import libreoffice, mhtml, need_soffice, ole_file, performance_xlsx, seed
from test_accuracy import THRESHOLDS

from decextract import extract
from decextract.errors import UnsupportedFormatError
from decextract.model import Paragraph, Table
from decextract.readers import read_bytes, read_document
from decextract.readers.sniff import sniff

PERFECT = "performance: project_fields=50/50 indicators=46/46 extra_indicators=0 projects_found=5/5"


@pytest.fixture(scope="module")
def converted(tmp_path_factory):
    """Seed files in the formats LibreOffice writes, made once for the module."""
    out = tmp_path_factory.mktemp("converted")
    made: dict[str, Path] = {}

    def get(fmt: str) -> Path:
        if fmt not in made:
            if fmt in ("doc", "html", "rtf", "odt"):
                made[fmt] = libreoffice(seed("docx"), fmt, out)
            elif fmt == "mhtml":
                made[fmt] = out / "seed.mht"
                made[fmt].write_bytes(mhtml(get("html").read_bytes().replace(b"charset=utf-8", b"charset=gb2312")))
            elif fmt in ("xlsx", "xls"):
                xlsx = out / "performance.xlsx"
                xlsx.write_bytes(performance_xlsx(seed("docx")))
                made["xlsx"] = xlsx
                if fmt == "xls":
                    made["xls"] = libreoffice(xlsx, "xls", out)
        return made[fmt]

    return get


@cache
def _figure_scores(path: Path, tmp: Path) -> dict:
    out = write_jsonl(extract(path), tmp / f"{path.name}.jsonl")
    return score_figures(out, DATA / f"{SEED}.figures.json", SAMPLES / f"{SEED}.txt")


def _performance(path: Path, tmp: Path) -> str:
    out = write_jsonl(extract(path), tmp / f"{path.name}.perf.jsonl")
    run = subprocess.run([sys.executable, str(ROOT / "tests" / "score.py"), "perf", "--gold",
                          str(DATA / f"{SEED}.performance.json"), str(out)], capture_output=True, text=True, check=True)
    return run.stdout.strip().splitlines()[-1]


@pytest.mark.parametrize("fmt", ["doc", "html", "mhtml", "rtf"])
def test_seed_in_other_formats_meets_the_seed_thresholds(converted, fmt, tmp_path):
    path = converted(fmt)
    scores = _figure_scores(path, tmp_path)
    for metric, threshold in THRESHOLDS.items():
        assert scores[metric] >= threshold, f"{fmt} {metric} {scores[metric]:.3f}: {scores['summary']}"
    assert scores["span_errors"] == 0, scores["summary"]
    assert _performance(path, tmp_path) == PERFECT


@pytest.mark.parametrize("fmt", ["xlsx", "xls"])
def test_seed_performance_tables_in_a_workbook_read_whole(converted, fmt, tmp_path):
    assert _performance(converted(fmt), tmp_path) == PERFECT


def test_xls_gives_the_blocks_of_the_same_workbook_as_xlsx(converted):
    def texts(path):
        return [b.text if isinstance(b, Paragraph) else b.text_rows() for b in read_document(path).blocks]

    xls = read_document(converted("xls"))
    assert xls.format == "xls" and xls.converted is None  # read by xlrd, not converted
    assert texts(converted("xls")) == texts(converted("xlsx"))


def test_converted_documents_say_so_in_provenance(converted):
    records = extract(converted("doc"))
    doc = records[0]
    assert (doc.format, doc.converted) == ("doc", "docx")
    figure = next(r for r in records if r.TYPE == "figure")
    assert figure.prov.format == "doc" and figure.prov.converted == "docx"
    assert figure.prov.context[figure.prov.start:figure.prov.end] == figure.text


def test_html_blocks_carry_their_element_path(converted):
    records = extract(converted("html"))
    figure = next(r for r in records if r.TYPE == "figure")
    assert figure.prov.element and figure.prov.element.startswith("/html/body")


# --- web pages: article body, charset, tables ---------------------------------------------------------------------

PAGE = """<!DOCTYPE html><html><head><meta http-equiv="Content-Type" content="text/html; charset=gb2312">
<title>某区财政局2021年部门决算公开</title></head><body>
<div class="header"><a href="/">首页</a> <a href="/zwgk">政务公开</a> 欢迎访问某区人民政府网站</div>
<div class="nav"><ul><li><a href="/a">机构概况</a></li><li><a href="/b">政策文件</a></li></ul></div>
<div class="main"><div class="left-menu"><a href="/c">通知公告</a><a href="/d">财政预决算</a></div>
<div class="article-title"><h2>某区财政局2021年度部门决算</h2></div>
<div class="TRS_Editor">
<p>一、收入支出决算总体情况说明</p>
<p>2021年度收入总计1,234.56万元，
比上年增加12.5万元。</p>
<p>2021年度支出总计1,200.00万元<br>其中基本支出800.00万元。</p>
<table border="1"><tr><th rowspan="2">项目</th><th colspan="2">金额</th></tr>
<tr><th>预算数</th><th>决算数</th></tr>
<tr><td>基本支出</td><td>800</td><td>800.00</td></tr>
<tr><td>项目支出</td><td>400</td><td>400.00</td></tr></table>
</div></div>
<div class="footer">版权所有：某区人民政府 地址：某路1号 电话：0812-1234567</div>
<script>var x = "收入总计999万元";</script>
</body></html>"""


def test_web_page_gives_the_article_not_the_site_around_it():
    doc = read_bytes(PAGE.encode("gb2312"), "page.html")
    assert doc.format == "html" and doc.title == "某区财政局2021年部门决算公开"
    texts = [b.text for b in doc.blocks if isinstance(b, Paragraph)]
    assert texts == ["某区财政局2021年度部门决算", "一、收入支出决算总体情况说明",
                     "2021年度收入总计1,234.56万元，比上年增加12.5万元。", "2021年度支出总计1,200.00万元",
                     "其中基本支出800.00万元。"]
    table = next(b for b in doc.blocks if isinstance(b, Table))
    assert (table.n_rows, table.n_cols) == (4, 3)
    assert table.text_rows() == [["项目", "金额", "金额"], ["项目", "预算数", "决算数"],
                                 ["基本支出", "800", "800.00"], ["项目支出", "400", "400.00"]]
    assert table.section == ("一、收入支出决算总体情况说明",)


@pytest.mark.parametrize("encoding, declared", [("utf-8", "utf-8"), ("gbk", "gbk"), ("gb18030", "gb2312"),
                                                 ("utf-8", None), ("gb18030", None)])
def test_web_page_charset_from_meta_or_bytes(encoding, declared):
    meta = f'<meta charset="{declared}">' if declared else ""
    page = f"<html><head>{meta}</head><body><p>一般公共预算财政拨款支出339.84万元。</p></body></html>"
    doc = read_bytes(page.encode(encoding), "p.htm")
    assert [b.text for b in doc.blocks] == ["一般公共预算财政拨款支出339.84万元。"]


def test_saved_page_mhtml_is_read_like_the_page():
    doc = read_bytes(mhtml(PAGE.encode("utf-8").replace(b"gb2312", b"utf-8")), "page.mht")
    assert doc.format == "mhtml"
    assert read_bytes(PAGE.encode("gb2312"), "page.html").blocks == doc.blocks


def test_layout_tables_are_read_as_flow():
    page = ("<html><body><table><tr><td><p>第一部分 部门概况</p><table><tr><td>项目</td><td>金额</td></tr>"
            "<tr><td>合计</td><td>5.00</td></tr></table></td></tr></table></body></html>")
    doc = read_bytes(page.encode(), "layout.html")
    assert [type(b).__name__ for b in doc.blocks] == ["Paragraph", "Table"]
    assert doc.blocks[1].text_rows() == [["项目", "金额"], ["合计", "5.00"]]


def test_a_huge_span_is_clipped_to_the_table():
    page = '<table><tr><td colspan="1000000" rowspan="99999">甲</td><td>乙</td></tr><tr><td>丙</td></tr></table>'
    doc = read_bytes(page.encode(), "bomb.html")
    table = doc.blocks[0]
    assert table.n_rows == 2 and table.n_cols <= 1001


# --- detection of OLE2 and office formats ---------------------------------------------------------------------------


@pytest.mark.parametrize("streams, fmt", [
    ({"WordDocument": b"w", "1Table": b"t"}, "doc"),
    ({"Workbook": b"b"}, "xls"),
    ({"Book": b"b"}, "xls"),
])
def test_ole2_files_told_apart_by_their_streams(streams, fmt):
    assert sniff(ole_file(streams), "x") == fmt


@pytest.mark.parametrize("streams, fmt", [({"WordDocument": b"w"}, "wps"), ({"Workbook": b"b"}, "et")])
def test_ole2_files_written_by_wps_office(monkeypatch, streams, fmt):
    import importlib

    monkeypatch.setattr(importlib.import_module("decextract.readers.sniff"), "_creator", lambda ole: b"WPS Office")
    assert sniff(ole_file(streams), "x") == fmt


@pytest.mark.parametrize("data, reason", [
    (ole_file({"PowerPoint Document": b"p", "Current User": b"u"}), "PowerPoint"),
    (ole_file({"Something": b"s"}), "neither a Word, Excel nor WPS"),
])
def test_unsupported_files_are_refused_with_a_reason(data, reason):
    with pytest.raises(UnsupportedFormatError, match=reason):
        read_bytes(data, "file")


def test_web_page_named_like_office_file_is_read():
    """Word and Excel save web pages as .doc/.xls: the bytes decide."""
    assert read_bytes(PAGE.encode("gb2312"), "决算.doc").format == "html"


def test_without_libreoffice_a_doc_is_refused_naming_what_to_install(monkeypatch):
    monkeypatch.setenv("DECEXTRACT_SOFFICE", "/nonexistent/soffice")
    with pytest.raises(UnsupportedFormatError, match="needs LibreOffice.*apt-get install libreoffice"):
        read_bytes(ole_file({"WordDocument": b"w"}), "old.doc")


def test_a_conversion_that_overruns_is_stopped(monkeypatch, tmp_path):
    from decextract.errors import ExtractionTimeout

    need_soffice()
    slow = tmp_path / "soffice"
    slow.write_text("#!/bin/sh\nsleep 30\n")
    slow.chmod(0o755)
    monkeypatch.setenv("DECEXTRACT_SOFFICE", str(slow))
    monkeypatch.setenv("DECEXTRACT_CONVERT_TIMEOUT", "1")
    with pytest.raises(ExtractionTimeout, match="longer than 1 s"):
        read_bytes(ole_file({"WordDocument": b"w"}), "slow.doc")


def test_a_damaged_doc_is_an_error_naming_the_file(converted):
    from decextract.errors import DamagedFileError

    data = converted("doc").read_bytes()
    broken = data[:4096] + b"\xff" * (len(data) - 4096)
    with pytest.raises((DamagedFileError, UnsupportedFormatError)) as err:
        read_bytes(broken, "broken.doc")
    assert "broken.doc" in str(err.value)
