"""Exports for researchers: XLSX, CSV with BOM and Stata give back the JSONL's values; decimals never show
an exponent (str of values, JSON, CSV, XLSX); JSON in SQLite is readable; export from a batch database."""

from __future__ import annotations

import csv
import json
import os
import re
import sqlite3
import zipfile
from decimal import Decimal
from pathlib import Path

import attrs
import openpyxl
import pytest
from click.testing import CliRunner
from conftest import SAMPLES, SEED
from hypothesis import given, settings
from hypothesis import strategies as st

import decextract
from decextract import exports
from decextract.cli import cli
from decextract.records import Amounts, Check, Figure, Provenance, decimal_text, plain_decimal, to_json

pd = pytest.importorskip("pandas", reason="pandas is not installed (pip install 'decextract[pandas]')")

DOCX = SAMPLES / f"{SEED}.docx"
_E = re.compile(r"\d[eE][+-]?\d")


@pytest.fixture(scope="module")
def seed_records():
    return {fmt: decextract.extract(SAMPLES / f"{SEED}.{fmt}") for fmt in ("txt", "docx", "pdf")}


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    """``extract`` of the seed DOCX to JSONL, XLSX, CSV and Stata at once."""
    out = tmp_path_factory.mktemp("exports")
    result = CliRunner().invoke(cli, ["extract", str(DOCX), "-o", str(out / "seed.jsonl"), "--xlsx",
                                      str(out / "seed.xlsx"), "--csv", str(out / "csv"), "--dta", str(out / "dta")])
    assert result.exit_code == 0, result.output
    records = [json.loads(line) for line in (out / "seed.jsonl").read_text(encoding="utf-8").splitlines()]
    return out, records


def _walk_decimals(value):
    if isinstance(value, Decimal):
        yield value
    elif attrs.has(type(value)):
        for f in attrs.fields(type(value)):
            yield from _walk_decimals(getattr(value, f.name))
    elif isinstance(value, dict):
        for v in value.values():
            yield from _walk_decimals(v)
    elif isinstance(value, (list, tuple)):
        for v in value:
            yield from _walk_decimals(v)


# --- the same values in every format -----------------------------------------------------------------------------


def _by_type(records, kind):
    return [r for r in records if r["type"] == kind]


def test_xlsx_gives_back_the_jsonl_values(exported):
    out, records = exported
    book = openpyxl.load_workbook(out / "seed.xlsx", read_only=True)
    assert book.sheetnames[:4] == ["documents", "figures", "tables", "table_rows"]
    rows = list(book["figures"].iter_rows(values_only=True))
    header, body = rows[0], rows[1:]
    figures = _by_type(records, "figure")
    assert len(body) == len(figures)
    col = {name: i for i, name in enumerate(header)}
    for row, figure in zip(body, figures, strict=True):
        assert Decimal(row[col["value_text"]]) == Decimal(figure["value"])  # the exact text
        assert row[col["value"]] == pytest.approx(float(figure["value"]))  # and a number that sums
        assert row[col["label"]] == figure["label"] and row[col["text"]] == figure["text"]
        assert (row[col["span_start"]], row[col["span_end"]]) == (figure["prov"]["start"], figure["prov"]["end"])
    projects = list(book["performance_projects"].iter_rows(values_only=True))
    col = {name: i for i, name in enumerate(projects[0])}
    for row, project in zip(projects[1:], _by_type(records, "performance_project"), strict=True):
        assert Decimal(row[col["budget_total_text"]]) == Decimal(project["budget"]["total"])
        assert isinstance(row[col["budget_total"]], (int, float))


def test_xlsx_number_cells_show_their_digits_without_exponent(exported):
    out, _ = exported
    book = openpyxl.load_workbook(out / "seed.xlsx")
    ws = book["checks"]
    header = [c.value for c in ws[1]]
    cells = [row[header.index("expected")] for row in ws.iter_rows(min_row=2)]
    assert cells and all(isinstance(c.value, (int, float)) for c in cells)
    assert all("E" not in c.number_format and c.number_format.startswith("0") for c in cells)
    with zipfile.ZipFile(out / "seed.xlsx") as z:  # nor in the stored numbers
        for name in z.namelist():
            if name.startswith("xl/worksheets/"):
                values = re.findall(r"<v>([^<]*)</v>", z.read(name).decode("utf-8"))
                assert not [v for v in values if _E.search(v)], name


def test_csv_has_a_bom_and_gives_back_the_jsonl_values(exported):
    out, records = exported
    path = out / "csv" / "figures.csv"
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")  # Excel on Chinese Windows reads it as UTF-8
    with open(path, encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    figures = _by_type(records, "figure")
    assert [r["value"] for r in rows] == [f["value"] for f in figures]  # exact text, as in the JSON
    assert [r["label"] for r in rows] == [f["label"] or "" for f in figures]
    frame = pd.read_csv(out / "csv" / "table_cells.csv", encoding="utf-8-sig", dtype=str)
    assert list(frame.columns[:3]) == ["sha256", "row_seq", "header"]


def test_stata_gives_back_the_jsonl_values(exported):
    out, records = exported
    frame = pd.read_stata(out / "dta" / "figures.dta")
    figures = _by_type(records, "figure")
    assert len(frame) == len(figures)
    assert [Decimal(v) for v in frame["value_text"]] == [Decimal(f["value"]) for f in figures]
    assert list(frame["value"]) == pytest.approx([float(f["value"]) for f in figures])
    assert list(frame["label"]) == [f["label"] or "" for f in figures]  # UTF-8 strings (format 118)
    checks = pd.read_stata(out / "dta" / "checks.dta")
    assert list(checks["ok"]) == [int(c["ok"]) for c in _by_type(records, "check")]
    with pd.io.stata.StataReader(out / "dta" / "checks.dta") as reader:
        assert reader.variable_labels()["expected_text"] == "expected: exact decimal text"


def test_stata_names_are_ascii_unique_and_keep_the_original_as_label(tmp_path):
    names = exports.stata_names(["本年收入合计", "value", "2020年", "in", "a-b", "a b", "x" * 40])
    assert all(n.isascii() and len(n) <= 32 and not n[0].isdigit() for n in names.values())
    assert len(set(names.values())) == len(names)
    assert names["value"] == "value" and names["in"] != "in" and (names["a-b"], names["a b"]) == ("a_b", "a_b_2")
    sheet = exports.Sheet("cells", ("本年收入合计", "金额"), ("text", "decimal"),
                          lambda: iter([("一般公共预算", Decimal("339.84")), ("其他", None)]))
    exports.write_dta([sheet], tmp_path)
    frame = pd.read_stata(tmp_path / "cells.dta")
    with pd.io.stata.StataReader(tmp_path / "cells.dta") as reader:
        labels = reader.variable_labels()
    assert list(frame.iloc[:, 0]) == ["一般公共预算", "其他"]
    assert sorted(labels.values()) == ["本年收入合计", "金额", "金额: exact decimal text"]
    assert frame.iloc[0, 2] == "339.84" and pd.isna(frame.iloc[1, 1])


def test_extract_output_suffix_picks_the_format(tmp_path):
    runner = CliRunner()
    result = runner.invoke(cli, ["extract", str(DOCX), "-o", str(tmp_path / "x.xlsx")])
    assert result.exit_code == 0 and result.stdout == ""
    assert "figures" in openpyxl.load_workbook(tmp_path / "x.xlsx", read_only=True).sheetnames
    refused = runner.invoke(cli, ["extract", str(DOCX), "-o", str(tmp_path / "x.csv")])
    assert refused.exit_code == 2 and "--csv DIR" in refused.output and not (tmp_path / "x.csv").exists()


def test_tables_xlsx_has_each_table_as_printed(tmp_path):
    out = tmp_path / "tables.xlsx"
    result = CliRunner().invoke(cli, ["tables", str(DOCX), "--xlsx", str(out)])
    assert result.exit_code == 0, result.output
    book = openpyxl.load_workbook(out)
    index = list(book["tables"].iter_rows(values_only=True))
    assert index[0][:3] == ("sheet", "source", "pages") and len(index) == 6
    first = book[index[1][0]]
    assert first["A1"].value == "项目绩效目标完成情况表"
    assert (first["A2"].value, first["B2"].value) == ("项目名称", "矛盾纠纷多元化解（大调解）专项经费")
    assert first.merged_cells.ranges  # merged cells stay merged


# --- from a batch database ---------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def seed_db(tmp_path_factory):
    from decextract.batch import run_batch
    from decextract.sinks import open_sinks

    db = tmp_path_factory.mktemp("db") / "seed.sqlite"
    sinks = open_sinks(db=str(db))
    try:
        run_batch([str(DOCX)], sinks, workers=1, progress=False)
    finally:
        for sink in sinks:
            sink.close()
    return db


def test_json_columns_in_sqlite_are_readable(tmp_path):
    from decextract.records import CellRef, DocumentInfo, Notice, TableRow
    from decextract.sinks.sql import SqlSink

    sha = "a" * 64
    prov = Provenance("x.pdf", sha, "pdf", 6, 3, (), "2013901 | 行政运行 | 51.32", None, None, CellRef(3, 1, 0))
    records = [DocumentInfo("x.pdf", sha, "pdf", 9, None, "区委政法委", 2020, "决算",
                            warnings=(Notice("empty_pages", "第3页没有文字", (3,)),)),
               TableRow("收入决算表", "juesuan.income", "万元", "2013901", "项", "行政运行", None,
                        {"本年收入合计": "51.32"}, {"本年收入合计": Decimal("513200")}, prov)]
    sink = SqlSink(str(tmp_path / "x.sqlite"))  # a plain path is an SQLite file
    sink.write_document(sha, ["x.pdf"], records, replace=False)
    sink.close()
    with sqlite3.connect(tmp_path / "x.sqlite") as conn:  # as sqlite3 or DB Browser shows it
        warnings = conn.execute("SELECT warnings_json FROM documents").fetchone()[0]
        cells, values = conn.execute("SELECT cells_json, values_json FROM table_rows").fetchone()
    assert "第3页没有文字" in warnings and "\\u" not in warnings
    assert json.loads(cells) == {"本年收入合计": "51.32"} and "本年收入合计" in cells
    assert json.loads(values) == {"本年收入合计": "513200"}


def test_export_from_a_database_gives_the_extract_values(seed_db, exported, tmp_path):
    _, records = exported
    result = CliRunner().invoke(cli, ["export", "--db", str(seed_db), "--xlsx", str(tmp_path / "db.xlsx"),
                                      "--csv", str(tmp_path / "csv"), "--dta", str(tmp_path / "dta")])
    assert result.exit_code == 0, result.output
    book = openpyxl.load_workbook(tmp_path / "db.xlsx", read_only=True)
    assert {"sources", "errors", "figures", "checks"} <= set(book.sheetnames)
    rows = list(book["figures"].iter_rows(values_only=True))
    col = rows[0].index("value_text")
    assert [Decimal(r[col]) for r in rows[1:]] == [Decimal(f["value"]) for f in _by_type(records, "figure")]
    with open(tmp_path / "csv" / "checks.csv", encoding="utf-8-sig", newline="") as f:
        checks = list(csv.DictReader(f))
    assert [c["formula"] for c in checks] == [c["formula"] for c in _by_type(records, "check")]
    assert [c["ok"] for c in checks] == ["true" if c["ok"] else "false" for c in _by_type(records, "check")]
    frame = pd.read_stata(tmp_path / "dta" / "performance_projects.dta")
    assert list(frame["project"]) == [p["project"] for p in _by_type(records, "performance_project")]


def test_export_one_table_and_errors(seed_db, tmp_path):
    runner = CliRunner()
    one = runner.invoke(cli, ["export", "--db", str(seed_db), "--table", "checks", "--csv", str(tmp_path / "c")])
    assert one.exit_code == 0 and [p.name for p in (tmp_path / "c").iterdir()] == ["checks.csv"]
    unknown = runner.invoke(cli, ["export", "--db", str(seed_db), "--table", "nope", "--csv", str(tmp_path / "d")])
    assert unknown.exit_code == 2 and "no table nope" in unknown.output
    nothing = runner.invoke(cli, ["export", "--db", str(seed_db)])
    assert nothing.exit_code == 2 and "--xlsx" in nothing.output
    missing = runner.invoke(cli, ["export", "--db", str(tmp_path / "none.sqlite"), "--csv", str(tmp_path / "e")])
    assert missing.exit_code == 2 and "no such database file" in missing.output
    assert not (tmp_path / "none.sqlite").exists() and not (tmp_path / "e").exists()


# --- decimals in plain notation, everywhere a person reads them ----------------------------------------------------


def test_no_exponent_in_any_seed_value(seed_records, tmp_path):
    for fmt, records in seed_records.items():
        values = [v for r in records for v in _walk_decimals(r)]
        assert values, fmt
        assert not [str(v) for v in values if "E" in str(v)], fmt  # str of every value
        written = [w for r in records for w in _json_decimals(r, json.loads(to_json(r)))]
        assert len(written) == len(values) and not [w for w in written if _E.search(w)], fmt  # JSON
        formulas = [r.formula for r in records if r.TYPE == "check"]
        assert formulas and not [f for f in formulas if _E.search(f)], fmt  # the arithmetic as shown
        sheets = exports.sheets_of_records(records)
        with zipfile.ZipFile(exports.write_xlsx(sheets, tmp_path / f"{fmt}.xlsx")) as z:  # XLSX
            stored = [v for name in z.namelist() if name.startswith("xl/worksheets/")
                      for v in re.findall(r"<v>([^<]*)</v>", z.read(name).decode("utf-8"))]
            formats = re.findall(r'formatCode="([^"]*)"', z.read("xl/styles.xml").decode("utf-8"))
        assert stored and not [v for v in stored if _E.search(v)] and not [f for f in formats if "E" in f], fmt
        for path in exports.write_csv(sheets, tmp_path / fmt):  # CSV
            decimal_columns = [c for c, k in zip(*_sheet_types(sheets, path.stem), strict=True) if k == "decimal"]
            with open(path, encoding="utf-8-sig", newline="") as f:
                for row in csv.DictReader(f):
                    assert not [row[c] for c in decimal_columns if _E.search(row[c])], path.name


def _json_decimals(value, written):
    """The JSON text of every Decimal in a record, found by walking the record and its JSON together."""
    if isinstance(value, Decimal):
        yield written
    elif attrs.has(type(value)):
        for f in attrs.fields(type(value)):
            yield from _json_decimals(getattr(value, f.name), written[f.name])
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from _json_decimals(v, written[k])
    elif isinstance(value, (list, tuple)):
        for v, w in zip(value, written, strict=True):
            yield from _json_decimals(v, w)


def _sheet_types(sheets, name):
    sheet = next(s for s in sheets if s.name == name)
    return sheet.columns, sheet.types


_prov = Provenance("x.txt", "0" * 64, "txt", None, 0, (), "x", 0, 1)

# every magnitude a disclosure prints (str of a Decimal under 1e-6 has an exponent whatever its form)
decimals = st.decimals(allow_nan=False, allow_infinity=False, min_value=Decimal("-1e15"),
                       max_value=Decimal("1e15"), places=None)
exponents = st.builds(lambda d, e: d.scaleb(e).normalize(), decimals, st.integers(-4, 8))
printable = st.one_of(decimals, exponents).filter(lambda d: d == 0 or abs(d) >= Decimal("1e-6"))


@settings(max_examples=200, deadline=None)
@given(printable)
def test_no_exponent_for_any_decimal(value):
    figure = Figure("x", value, "元", "amount", None, None, None, "value", None, _prov)
    check = Check("share", True, value, value, Decimal(0), value, "f", None, _prov)
    assert figure.value == value and Amounts(total=value).total == value  # the same number …
    for v in (figure.value, check.expected, check.tolerance, Amounts(total=value).total, plain_decimal(value)):
        assert "E" not in str(v) and "e" not in str(v)  # … in plain notation
    assert not _E.search(json.loads(to_json(figure))["value"]) and not _E.search(json.loads(to_json(check))["tolerance"])
    assert not _E.search(exports.text_value(value)) and not _E.search(decimal_text(value))
    assert "E" not in exports.number_format(value)
    number = exports.number_value(value)
    assert isinstance(number, int) or abs(number - float(value)) <= abs(float(value)) * 1e-15


def test_xlsx_write_reads_back_a_long_table_across_sheets(tmp_path, monkeypatch):
    monkeypatch.setattr(exports, "XLSX_MAX_ROWS", 3)
    sheet = exports.Sheet("many", ("n",), ("int",), lambda: iter([(i,) for i in range(7)]))
    exports.write_xlsx([sheet], tmp_path / "m.xlsx")
    book = openpyxl.load_workbook(tmp_path / "m.xlsx", read_only=True)
    assert book.sheetnames == ["many", "many (2)", "many (3)"]
    got = [r[0] for name in book.sheetnames for r in list(book[name].iter_rows(values_only=True))[1:]]
    assert got == list(range(7))


def test_illegal_characters_do_not_break_the_workbook(tmp_path):
    sheet = exports.Sheet("t", ("text",), ("text",), lambda: iter([("a\x01b\x0bc",)]))
    exports.write_xlsx([sheet], tmp_path / "t.xlsx")
    value = list(openpyxl.load_workbook(tmp_path / "t.xlsx").active.iter_rows(values_only=True))[1][0]
    assert value == "a\ufffdb\ufffdc"  # one for one: offsets stay true


def test_extract_exports_several_files_and_folders(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    for fmt in ("txt", "docx"):
        (folder / f"{SEED}.{fmt}").write_bytes((SAMPLES / f"{SEED}.{fmt}").read_bytes())
    result = CliRunner().invoke(cli, ["extract", str(folder), "--csv", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    with open(tmp_path / "out" / "documents.csv", encoding="utf-8-sig", newline="") as f:
        docs = list(csv.DictReader(f))
    assert sorted(Path(d["source"]).suffix for d in docs) == [".docx", ".txt"]


def test_export_and_query_a_postgresql_database(tmp_path):
    """The same commands on PostgreSQL (NUMERIC money, JSONB): exact values out, and only reading."""
    url = os.environ.get("DECEXTRACT_TEST_POSTGRES")
    if not url:
        if os.environ.get("CI"):
            pytest.fail("CI is set but DECEXTRACT_TEST_POSTGRES is not: source .ci/postgres.sh first")
        pytest.skip("DECEXTRACT_TEST_POSTGRES is not set (see .ci/postgres.sh)")
    import sqlalchemy as sa

    from decextract import schema
    from decextract.sinks.sql import SqlSink

    engine = sa.create_engine(url)
    with engine.begin() as conn:
        schema.metadata.drop_all(conn)
    engine.dispose()
    records = decextract.extract(DOCX)
    sink = SqlSink(url)
    sink.write_document(records[0].sha256, [str(DOCX)], records, replace=False)
    sink.close()
    runner = CliRunner()
    result = runner.invoke(cli, ["export", "--db", url, "--csv", str(tmp_path / "csv"), "--xlsx", str(tmp_path / "x.xlsx")])
    assert result.exit_code == 0, result.output
    with open(tmp_path / "csv" / "figures.csv", encoding="utf-8-sig", newline="") as f:
        values = [Decimal(r["value"]) for r in csv.DictReader(f)]
    assert values == [r.value for r in records if r.TYPE == "figure"]
    with open(tmp_path / "csv" / "table_rows.csv", encoding="utf-8-sig", newline="") as f:
        assert all("\\u" not in r["cells_json"] for r in csv.DictReader(f))
    shown = runner.invoke(cli, ["query", "--db", url, "SELECT value FROM figures ORDER BY seq LIMIT 1", "--csv"])
    assert shown.exit_code == 0 and Decimal(shown.stdout.splitlines()[1]) == values[0]
    write = runner.invoke(cli, ["query", "--db", url, "DELETE FROM figures"])
    assert write.exit_code == 1 and "read-only" in write.stderr
