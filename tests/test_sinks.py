"""Sinks and schema: exact decimals, one transaction per document, migrations, torn writes, the docs' queries."""

from __future__ import annotations

import csv
import hashlib
import json
import os
import re
import sqlite3
from decimal import Decimal
from pathlib import Path

import pyarrow.dataset as ds
import pytest
import sqlalchemy as sa
from conftest import SAMPLES, SEED

from decextract import extract, schema
from decextract.errors import SinkError
from decextract.records import (
    Amounts,
    CellRef,
    DocumentInfo,
    Figure,
    Indicator,
    IndicatorPlace,
    PerformanceIndicator,
    PerformanceProject,
    Provenance,
    TableInfo,
    TableRow,
    to_json,
)
from decextract.sinks import CommitLog, open_sinks
from decextract.sinks.csv import CsvSink
from decextract.sinks.jsonl import JsonlSink
from decextract.sinks.parquet import ParquetSink
from decextract.sinks.sql import SqlSink, engine_url

DOCS = Path(__file__).resolve().parents[1] / "docs" / "batch.md"
BIG = Decimal("12345678901234567890.1234567891")  # more digits than a float holds


def synthetic_document(issuer: str, year: int, sangong_yuan: str = "123456.78") -> list:
    """A hand-made document with one record of each type and known values."""
    sha = hashlib.sha256(f"{issuer}-{year}".encode()).hexdigest()
    source = f"/data/{issuer}-{year}.pdf"

    def prov(context: str, start=None, end=None, cell=None, page=3):
        return Provenance(source=source, sha256=sha, format="pdf", page=page, block=7,
                          section=("第二部分", "七、“三公”经费"), context=context, start=start, end=end, cell=cell,
                          bbox=(72.0, 100.5, 140.25, 112.0))

    sentence = f"{year}年“三公”经费财政拨款支出决算为{sangong_yuan}元。"
    text = f"{sangong_yuan}元"
    row_context = "因公出国（境）费 | 1.50 | 1.20"
    return [
        DocumentInfo(source=source, sha256=sha, format="pdf", pages=12, title=f"{issuer}{year}年度部门决算",
                     issuer=issuer, fiscal_year=year, kind="决算", size=1234,
                     disclosure_id=f"{issuer}|{year}|部门决算", issuer_normalized=issuer, level="部门"),
        Figure(text=text, value=Decimal(sangong_yuan), unit="元", kind="amount", approx=None,
               label="三公经费财政拨款支出决算", year=year, relation="value", direction=None,
               prov=prov(sentence, sentence.index(text), sentence.index(text) + len(text))),
        Figure(text="x", value=BIG, unit="元", kind="amount", approx=None, label="一般公共预算财政拨款支出",
               year=year, relation="value", direction=None, prov=prov("x", 0, 1)),
        TableInfo(table="十、“三公”经费支出决算表", table_id="juesuan.three_public", unit="万元", pages=(8, 9),
                  n_rows=4, n_cols=3, empty=False, prov=prov("十、“三公”经费支出决算表", page=8)),
        TableRow(table="十、“三公”经费支出决算表", table_id="juesuan.three_public", unit="万元", code=None,
                 level=None, name="因公出国（境）费", side=None, cells={"预算数": "1.50", "决算数": "1.20"},
                 values={"预算数": Decimal("15000"), "决算数": Decimal("12000")},
                 prov=prov(row_context, 0, 8, cell=CellRef(table=7, row=2, col=0), page=8)),
        TableRow(table="三、支出决算表", table_id="juesuan.expenditure", unit="万元", code="201", level="类",
                 name="一般公共服务支出", side=None, cells={"科目编码": "201", "合计": "349.84", "备注": "—"},
                 values={"科目编码": None, "合计": Decimal("3498400"), "备注": None},
                 prov=prov("201 | 一般公共服务支出 | 349.84", 0, 3, cell=CellRef(table=5, row=3, col=0), page=5)),
        PerformanceProject(project="平安建设专项经费", unit=issuer, year=year,
                           budget=Amounts(total=Decimal("100000"), fiscal=Decimal("100000")),
                           executed=Amounts(total=Decimal("80000"), fiscal=Decimal("80000")),
                           goal_expected="完成", goal_actual="基本完成", execution_rate=Decimal("80"),
                           table="项目绩效目标完成情况表"),
        PerformanceIndicator(project="平安建设专项经费", level1="产出指标", level2="数量指标", level3="巡逻次数",
                             expected="≥100次", actual="120次", weight=Decimal("10"), score=Decimal("9.5")),
        Indicator(concept="three_public_total", name="“三公”经费合计", value=Decimal("12000"), unit="元", year=year,
                  basis="决算数", scope="fiscal", source="table", location="十、“三公”经费支出决算表 / 因公出国（境）费 [决算数]",
                  text="1.20", printed_unit="万元", table_id="juesuan.three_public",
                  prov=prov(row_context, 12, 16, cell=CellRef(table=7, row=2, col=2), page=8), agrees=False, places=2,
                  disagreements=(IndicatorPlace(text="1.3万元", value=Decimal("13000"), source="prose",
                                                location="prose: 因公出国（境）费", prov=prov("因公出国（境）费1.3万元。", 8, 13)),),
                  disclosure_id=f"{issuer}|{year}|部门决算"),
    ]


def sqlite_sink(tmp_path: Path) -> SqlSink:
    return SqlSink(f"sqlite:///{tmp_path / 'out.sqlite'}")


def docs_queries() -> list[str]:
    """The SQL blocks of docs/batch.md."""
    return re.findall(r"```sql\n(.*?)```", DOCS.read_text(encoding="utf-8"), flags=re.S)


def load_synthetic(sink) -> list[list]:
    docs = [synthetic_document("区委政法委", 2020), synthetic_document("区委政法委", 2021, "98765.4"),
            synthetic_document("区司法局", 2020, "5000")]
    for records in docs:
        sink.write_document(records[0].sha256, [records[0].source], records, replace=False)
    return docs


def check_docs_queries(engine: sa.Engine) -> None:
    """Every query of the docs runs and finds the synthetic rows it is about."""
    queries = docs_queries()
    assert len(queries) == 10
    with engine.connect() as conn:
        results = [conn.execute(sa.text(q)).all() for q in queries]
    assert all(results[:5]) and all(results[6:8]), [len(r) for r in results]
    sangong = [(r.department, r.fiscal_year, Decimal(str(r.wan_yuan))) for r in results[0]]
    assert sangong == [("区司法局", 2020, Decimal("0.5")), ("区委政法委", 2020, Decimal("12.35")),
                       ("区委政法委", 2021, Decimal("9.88"))]
    assert {(r.item, r.column_header, Decimal(str(r.yuan))) for r in results[1]} == {
        ("因公出国（境）费", "预算数", Decimal("15000")), ("因公出国（境）费", "决算数", Decimal("12000"))}
    assert {(r.code, Decimal(str(r.yuan))) for r in results[2]} == {("201", Decimal("3498400"))}
    assert [float(r.executed_pct) for r in results[3]] == [80.0, 80.0, 80.0]
    assert {r.page for r in results[4]} == {3}
    panel = [(r.disclosure_id, r.issuer, r.fiscal_year, Decimal(str(r.three_public_total))) for r in results[6]]
    assert panel == [(f"{name}|{year}|部门决算", name, year, Decimal(12000))
                     for name, year in (("区司法局", 2020), ("区委政法委", 2020), ("区委政法委", 2021))]
    places = results[7]
    assert [(r.concept, Decimal(str(r.yuan)), r.page, bool(r.agrees)) for r in places][:1] == [
        ("three_public_total", Decimal("12000"), 8, False)]


# ---------------------------------------------------------------- SQL sink


def test_sql_sink_stores_records_with_exact_decimals(tmp_path):
    sink = sqlite_sink(tmp_path)
    records = synthetic_document("区委政法委", 2020)
    sha = records[0].sha256
    sink.write_document(sha, ["/in/a.pdf"], records, replace=False)
    assert sink.loaded() == {sha}
    with sink.engine.connect() as conn:
        values = conn.execute(sa.select(schema.figures.c.value).order_by(schema.figures.c.seq)).scalars().all()
        doc = conn.execute(sa.select(schema.documents)).one()
        cells = conn.execute(sa.select(schema.table_cells.c.header, schema.table_cells.c.value)
                             .order_by(schema.table_cells.c.row_seq, schema.table_cells.c.position)).all()
        row = conn.execute(sa.select(schema.table_rows).where(schema.table_rows.c.code == "201")).one()
        project = conn.execute(sa.select(schema.performance_projects)).one()
    assert values == [Decimal("123456.78"), BIG]
    assert (doc.issuer, doc.fiscal_year, doc.n_records, doc.source) == ("区委政法委", 2020, len(records), records[0].source)
    assert cells == [("预算数", Decimal("15000")), ("决算数", Decimal("12000")), ("科目编码", None),
                     ("合计", Decimal("3498400")), ("备注", None)]
    assert row.values_json == {"科目编码": None, "合计": "3498400", "备注": None}
    assert (row.cell_table, row.cell_row, row.cell_col, row.page, row.x1) == (5, 3, 0, 5, 140.25)
    assert row.section == "第二部分 > 七、“三公”经费"
    assert (project.budget_total, project.executed_fiscal, project.budget_other) == (
        Decimal("100000"), Decimal("80000"), None)
    raw = sqlite3.connect(tmp_path / "out.sqlite")
    assert raw.execute("SELECT typeof(value), value FROM figures ORDER BY seq").fetchall() == [
        ("text", "123456.78"), ("text", str(BIG))]
    sink.close()


def test_sql_sink_writes_a_document_all_or_nothing(tmp_path):
    sink = sqlite_sink(tmp_path)
    records = synthetic_document("区委政法委", 2020)
    broken = Figure(text="?", value=None, unit=None, kind="amount", approx=None, label=None, year=None,
                    relation="value", direction=None, prov=records[1].prov)  # NOT NULL value: fails mid-insert
    with pytest.raises(SinkError, match="cannot write document"):
        sink.write_document(records[0].sha256, ["/in/a.pdf"], records + [broken], replace=False)
    with sink.engine.connect() as conn:
        for table in schema.DATA_TABLES:
            assert conn.execute(sa.select(sa.func.count()).select_from(table)).scalar() == 0, table.name
    sink.close()


def test_sql_sink_sources_errors_and_replace(tmp_path):
    sink = sqlite_sink(tmp_path)
    records = synthetic_document("区委政法委", 2020)
    sha = records[0].sha256
    sink.write_error("/in/b.pdf", sha, "timeout", "ExtractionTimeout", "too slow")
    sink.write_error("/in/b.pdf", sha, "timeout", "ExtractionTimeout", "too slow again")
    with sink.engine.connect() as conn:
        assert conn.execute(sa.select(schema.errors.c.message)).scalars().all() == ["too slow again"]
    sink.write_document(sha, ["/in/a.pdf"], records, replace=False)
    sink.add_sources(sha, ["/in/a.pdf", "/in/b.pdf"])
    sink.write_document(sha, ["/in/c.pdf"], records[:2], replace=False)  # loaded already: only a source
    with sink.engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(schema.errors)).scalar() == 0
        assert sorted(conn.execute(sa.select(schema.sources.c.path)).scalars()) == [
            "/in/a.pdf", "/in/b.pdf", "/in/c.pdf"]
        assert conn.execute(sa.select(sa.func.count()).select_from(schema.figures)).scalar() == 2
    sink.write_document(sha, ["/in/a.pdf"], records[:2], replace=True)
    with sink.engine.connect() as conn:
        assert conn.execute(sa.select(schema.documents.c.n_records)).scalar() == 2
        assert conn.execute(sa.select(sa.func.count()).select_from(schema.figures)).scalar() == 1
        assert conn.execute(sa.select(sa.func.count()).select_from(schema.table_cells)).scalar() == 0
        assert conn.execute(sa.select(sa.func.count()).select_from(schema.sources)).scalar() == 3
    sink.close()


def test_docs_queries_run_on_sqlite(tmp_path):
    sink = sqlite_sink(tmp_path)
    load_synthetic(sink)
    check_docs_queries(sink.engine)
    sink.close()


def test_docs_query_of_failed_checks_finds_the_seeds_inconsistent_shares(tmp_path):
    sink = sqlite_sink(tmp_path)
    records = extract(SAMPLES / f"{SEED}.txt")
    sink.write_document(records[0].sha256, [records[0].source], records, replace=False)
    failed_checks = docs_queries()[5]
    with sink.engine.connect() as conn:
        rows = conn.execute(sa.text(failed_checks)).all()
    sink.close()
    assert [(r.rule, r.formula, Decimal(str(r.printed))) for r in rows] == [
        ("share", "19.42万元 / 349.84万元 × 100 = 5.55%, printed 3.29%", Decimal("3.29")),
        ("share", "117.47万元 / 349.84万元 × 100 = 33.58%, printed 19.92%", Decimal("19.92")),
    ]


def test_postgresql_urls_use_psycopg_and_bad_urls_are_sink_errors():
    assert engine_url("postgresql://u@h/db").drivername == "postgresql+psycopg"
    assert engine_url("sqlite:///x.sqlite").drivername == "sqlite"
    for bad in ("not a url://", "postgresql://u@h:port/db"):
        with pytest.raises(SinkError, match="not a database URL"):
            engine_url(bad)


def test_a_database_given_as_a_plain_path_is_an_sqlite_file():
    for path in ("decextract.sqlite", "out/x.db", "C:\\data\\x.sqlite"):
        url = engine_url(path)
        assert (url.drivername, url.database) == ("sqlite", path)


def test_default_sink_is_sqlite_in_the_working_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    [sink] = open_sinks()
    assert sink.engine.dialect.name == "sqlite"
    assert (tmp_path / "decextract.sqlite").exists()
    assert tmp_path / "decextract.sqlite" in sink.outputs
    sink.close()


# ---------------------------------------------------------------- schema versions


def test_schema_version_is_recorded_and_migrations_apply_in_order(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'm.sqlite'}"
    SqlSink(url).close()
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        assert schema.current_version(conn) == schema.SCHEMA_VERSION

    def add_notes(conn):
        conn.execute(sa.text("CREATE TABLE notes (sha256 VARCHAR(64), note TEXT)"))

    monkeypatch.setattr(schema, "SCHEMA_VERSION", schema.SCHEMA_VERSION + 1)
    monkeypatch.setitem(schema.MIGRATIONS, schema.SCHEMA_VERSION, ("add notes", add_notes))
    assert schema.ensure_schema(engine) == schema.SCHEMA_VERSION
    with engine.connect() as conn:
        assert sa.inspect(conn).has_table("notes")
        assert conn.execute(sa.text("SELECT version, description FROM schema_version ORDER BY version")).all()[-1] \
            == (schema.SCHEMA_VERSION, "add notes")
    engine.dispose()


def test_a_version_1_database_gains_the_checks_table_and_takes_checks(tmp_path):
    """Schema 2 added ``checks``: a database made by schema 1 is migrated in place, its rows kept."""
    url = f"sqlite:///{tmp_path / 'v1.sqlite'}"
    engine = sa.create_engine(url)
    v1_tables = [t for t in schema.metadata.sorted_tables if t.name != "checks"]
    with engine.begin() as conn:
        schema.metadata.create_all(conn, tables=v1_tables)
        conn.execute(schema.schema_version.insert(), {"version": 1, "applied_at": "x", "description": "create tables"})
    with engine.connect() as conn:
        assert not sa.inspect(conn).has_table("checks")
    records = extract(SAMPLES / f"{SEED}.txt")
    sink = SqlSink(url)
    sink.write_document(records[0].sha256, [records[0].source], records, replace=False)
    sink.close()
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT version, description FROM schema_version ORDER BY version")).all() \
            == [(1, "create tables"), (2, "add checks"),
                (3, schema.MIGRATIONS[3][0])]
        assert "indicators" in schema.MIGRATIONS[3][0]
        assert conn.execute(sa.text("SELECT count(*) FROM checks WHERE NOT ok")).scalar() == 2
        assert conn.execute(sa.text("SELECT count(*) FROM checks")).scalar() >= 40
    engine.dispose()


def test_a_version_2_database_gains_the_new_columns_and_keeps_its_rows(tmp_path):
    """Schema 3 added columns: the additive migration adds them to a version-2 database, old rows NULL."""
    url = f"sqlite:///{tmp_path / 'v2.sqlite'}"
    records = extract(SAMPLES / f"{SEED}.txt")
    sink = SqlSink(url)
    sink.write_document(records[0].sha256, [records[0].source], records, replace=False)
    sink.close()
    engine = sa.create_engine(url)
    with engine.begin() as conn:  # make it what version 2 wrote
        for table, column in (("documents", "warnings_json"), ("tables", "warnings_json"), ("tables", "bboxes_json")):
            conn.execute(sa.text(f"ALTER TABLE {table} DROP COLUMN {column}"))
        conn.execute(sa.text("UPDATE schema_version SET version = 2"))
    assert schema.ensure_schema(engine) == schema.SCHEMA_VERSION
    with engine.connect() as conn:
        columns = {c["name"] for c in sa.inspect(conn).get_columns("tables")}
        assert {"warnings_json", "bboxes_json"} <= columns
        assert conn.execute(sa.text("SELECT count(*), count(bboxes_json) FROM tables")).one() == (
            sum(r.TYPE == "table" for r in records), 0)
    engine.dispose()


def test_a_database_from_a_newer_version_is_refused(tmp_path):
    url = f"sqlite:///{tmp_path / 'n.sqlite'}"
    SqlSink(url).close()
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(schema.schema_version.insert(), {"version": 99, "applied_at": "x", "description": "future"})
    with pytest.raises(SinkError, match="schema version 99 is newer"):
        SqlSink(url)
    engine.dispose()


# ---------------------------------------------------------------- commit log (JSONL / CSV)


def test_commit_log_cuts_a_torn_tail(tmp_path):
    data, manifest = tmp_path / "d.jsonl", tmp_path / "d.commits"
    log = CommitLog(manifest, [data])
    log.append("a", "document", {data: b'{"n":1}\n'})
    with open(data, "ab") as f:  # a crash in the middle of the next document ...
        f.write(b'{"n":2}\n{"n":')
    with open(manifest, "ab") as f:  # ... and of its manifest line
        f.write(b'{"key": "b", "kind": "docu')
    log = CommitLog(manifest, [data])
    assert log.keys("document") == {"a"}
    assert data.read_bytes() == b'{"n":1}\n'
    log.append("b", "document", {data: b'{"n":2}\n'})
    assert CommitLog(manifest, [data]).keys("document") == {"a", "b"}


def test_commit_log_compaction_interrupted_is_finished_on_open(tmp_path, monkeypatch):
    data, manifest = tmp_path / "d.jsonl", tmp_path / "d.commits"
    log = CommitLog(manifest, [data])
    for key, text in [("a", b"A1\n"), ("b", b"B1\n"), ("a", b"A2\n")]:
        log.append(key, "document", {data: text})
    real_replace = os.replace
    calls = []

    def crash_after_first(src, dst):
        calls.append(src)
        if len(calls) > 1:
            raise KeyboardInterrupt  # the process dies between the renames
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", crash_after_first)
    with pytest.raises(KeyboardInterrupt):
        log.compact("document")
    monkeypatch.setattr(os, "replace", real_replace)
    log = CommitLog(manifest, [data])
    assert data.read_bytes() == b"B1\nA2\n"
    assert [e["key"] for e in log.entries] == ["b", "a"]


def test_jsonl_sink_lines_resume_and_replace(tmp_path):
    path = tmp_path / "out.jsonl"
    records = synthetic_document("区委政法委", 2020)
    sha = records[0].sha256
    with JsonlSink(path) as sink:
        sink.write_document(sha, ["/in/a.pdf"], records, replace=False)
        sink.write_error("/in/bad.pdf", None, "open", "DamagedFileError", "cannot open")
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[: len(records)] == [to_json(r) for r in records]
    assert [json.loads(x)["type"] for x in lines[len(records):]] == ["source", "error"]
    with JsonlSink(path) as sink:
        assert sink.loaded() == {sha}
        sink.write_document(sha, ["/in/a.pdf"], records, replace=True)
    types = [json.loads(x)["type"] for x in path.read_text(encoding="utf-8").splitlines()]
    assert types.count("document") == 1 and types.count("figure") == 2 and types.count("source") == 1


def test_csv_sink_tables_with_exact_text(tmp_path):
    records = synthetic_document("区委政法委", 2020)
    sha = records[0].sha256
    with CsvSink(tmp_path / "csv") as sink:
        sink.write_document(sha, ["/in/a.pdf"], records, replace=False)
    with CsvSink(tmp_path / "csv") as sink:
        assert sink.loaded() == {sha}
        sink.write_document(sha, ["/in/a.pdf"], records, replace=True)
    with open(tmp_path / "csv" / "figures.csv", encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    assert list(rows[0]) == list(schema.figures.columns.keys())
    assert [r["value"] for r in rows] == ["123456.78", str(BIG)]
    with open(tmp_path / "csv" / "table_rows.csv", encoding="utf-8-sig", newline="") as f:
        table_rows = list(csv.DictReader(f))
    assert json.loads(table_rows[1]["values_json"]) == {"科目编码": None, "合计": "3498400", "备注": None}
    with open(tmp_path / "csv" / "tables.csv", encoding="utf-8-sig", newline="") as f:
        assert [(r["pages"], r["empty"]) for r in csv.DictReader(f)] == [("8,9", "false")]
    with open(tmp_path / "csv" / "documents.csv", encoding="utf-8-sig", newline="") as f:
        assert len(list(csv.DictReader(f))) == 1


# ---------------------------------------------------------------- Parquet


def test_parquet_sink_parts_commit_and_replace(tmp_path):
    folder = tmp_path / "pq"
    docs = [synthetic_document("区委政法委", 2020), synthetic_document("区司法局", 2021)]
    with ParquetSink(folder) as sink:
        sink.write_document(docs[0][0].sha256, ["/in/a.pdf"], docs[0], replace=False)
    with ParquetSink(folder) as sink:
        assert sink.loaded() == {docs[0][0].sha256}
        sink.write_document(docs[1][0].sha256, ["/in/b.pdf"], docs[1], replace=False)
        sink.write_document(docs[0][0].sha256, ["/in/a.pdf"], docs[0], replace=True)
    figures = ds.dataset(folder / "figures").to_table()
    assert figures.num_rows == 4
    assert sorted(figures.column("value").to_pylist()) == sorted([Decimal("123456.78"), BIG] * 2)
    assert ds.dataset(folder / "documents").to_table().num_rows == 2
    assert ds.dataset(folder / "sources").to_table().num_rows == 2
    cells = ds.dataset(folder / "table_cells").to_table().to_pylist()
    assert {(c["header"], c["value"]) for c in cells} >= {("合计", Decimal("3498400"))}


def test_parquet_sink_drops_uncommitted_parts(tmp_path):
    folder = tmp_path / "pq"
    records = synthetic_document("区委政法委", 2020)
    sink = ParquetSink(folder)
    sink.write_document(records[0].sha256, ["/in/a.pdf"], records, replace=False)
    sink.flush()
    commit = folder / "_commits" / "part-000001.json"
    commit.unlink()  # as if the process died before committing the part
    sink = ParquetSink(folder)
    assert sink.loaded() == set()
    assert not list(folder.glob("*/part-*.parquet"))


def test_parquet_refuses_to_round_a_decimal(tmp_path):
    records = synthetic_document("区委政法委", 2020)
    tiny = Figure(text="x", value=Decimal("0.00000000001"), unit="元", kind="amount", approx=None, label=None,
                  year=None, relation="value", direction=None, prov=records[1].prov)
    with ParquetSink(tmp_path / "pq") as sink, pytest.raises(SinkError, match="more than 10 decimal places"):
        sink.write_document(records[0].sha256, ["/in/a.pdf"], records + [tiny], replace=False)


def test_a_path_that_loads_now_loses_its_old_error(tmp_path):
    sink = sqlite_sink(tmp_path)
    records = synthetic_document("区委政法委", 2020)
    sha = records[0].sha256
    sink.write_document(sha, ["/in/a.pdf"], records, replace=False)
    sink.write_error("/in/b.pdf", None, "read", "DamagedFileError", "truncated")
    sink.add_sources(sha, ["/in/b.pdf"])  # b.pdf was fixed: now it holds a.pdf's bytes, already loaded
    with sink.engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM errors")).scalar() == 0
    sink.close()


def test_two_first_runs_on_one_database_both_go_on(tmp_path, monkeypatch):
    """The second run to create the schema finds it made by the first instead of failing."""
    url = f"sqlite:///{tmp_path / 'race.sqlite'}"
    SqlSink(url).close()  # the first run made the tables
    real, looked = schema.current_version, []

    def stale_then_real(conn):  # the second run looked before the first had made them
        looked.append(conn)
        return 0 if len(looked) == 1 else real(conn)

    monkeypatch.setattr(schema, "current_version", stale_then_real)
    engine = sa.create_engine(url)
    assert schema.ensure_schema(engine) == schema.SCHEMA_VERSION
    engine.dispose()


def test_an_output_deleted_behind_its_manifest_is_an_error_not_a_silent_skip(tmp_path):
    out = tmp_path / "out.jsonl"
    records = synthetic_document("区委政法委", 2020)
    with JsonlSink(out) as sink:
        sink.write_document(records[0].sha256, ["/in/a.pdf"], records, replace=False)
    out.unlink()
    with pytest.raises(SinkError, match="shorter than its commit manifest"):
        JsonlSink(out)


def _excel_save(path: Path) -> None:
    """What Excel's "save as CSV UTF-8" does to a file: a BOM in front (kept if there), CRLF line ends."""
    text = path.read_bytes().decode("utf-8-sig")
    path.write_bytes("\ufeff".encode() + text.replace("\n", "\r\n").encode())


def test_batch_csvs_start_with_a_bom_for_excel(tmp_path):
    with CsvSink(tmp_path / "csv") as sink:
        records = synthetic_document("区委政法委", 2020)
        sink.write_document(records[0].sha256, ["/in/a.pdf"], records, replace=False)
    for name in ("documents", "figures", "sources", "errors"):
        assert (tmp_path / "csv" / f"{name}.csv").read_bytes().startswith("\ufeff".encode()), name


@pytest.mark.parametrize("name", ["documents.csv", "figures.csv", "errors.csv"])
def test_a_batch_csv_saved_by_excel_is_refused_not_appended_to(tmp_path, name):
    """Opened in Excel and saved (BOM + CRLF), a CSV no longer matches what was committed: the next run stops
    with a message naming the file, and the file is left as the user saved it (no row lost or glued on)."""
    first, second = synthetic_document("区委政法委", 2020), synthetic_document("区财政局", 2021)
    with CsvSink(tmp_path / "csv") as sink:
        sink.write_document(first[0].sha256, ["/in/a.pdf"], first, replace=False)
        sink.write_error("/in/bad.pdf", None, "read", "DamagedFileError", "truncated")
    path = tmp_path / "csv" / name
    _excel_save(path)
    saved = path.read_bytes()
    with pytest.raises(SinkError, match=f"{re.escape(name)} was changed since decextract wrote it"):
        with CsvSink(tmp_path / "csv") as sink:
            sink.write_document(second[0].sha256, ["/in/b.pdf"], second, replace=False)
    assert path.read_bytes() == saved


def test_an_edited_cell_of_the_same_length_is_detected(tmp_path):
    """Not only a file that got shorter or longer: any change to a committed byte."""
    out = tmp_path / "out.jsonl"
    records = synthetic_document("区委政法委", 2020)
    with JsonlSink(out) as sink:
        sink.write_document(records[0].sha256, ["/in/a.pdf"], records, replace=False)
    data = out.read_bytes()
    at = data.index("区委政法委".encode())
    out.write_bytes(data[:at] + "区委政法办".encode() + data[at + len("区委政法委".encode()):])
    with pytest.raises(SinkError, match="was changed since decextract wrote it"):
        JsonlSink(out)


def test_a_torn_tail_is_still_dropped_and_the_next_run_appends(tmp_path):
    """The check reads the committed bytes only: a crash's partial write after them is cut as before, and
    runs go on appending and verifying (also after --force compaction)."""
    first, second = synthetic_document("区委政法委", 2020), synthetic_document("区财政局", 2021)
    with CsvSink(tmp_path / "csv") as sink:
        sink.write_document(first[0].sha256, ["/in/a.pdf"], first, replace=False)
    with open(tmp_path / "csv" / "figures.csv", "ab") as f:
        f.write(b"half a row,")
    with CsvSink(tmp_path / "csv") as sink:
        sink.write_document(second[0].sha256, ["/in/b.pdf"], second, replace=False)
        sink.write_document(first[0].sha256, ["/in/a.pdf"], first, replace=True)
    with CsvSink(tmp_path / "csv") as sink:
        assert sink.loaded() == {first[0].sha256, second[0].sha256}
    text = (tmp_path / "csv" / "figures.csv").read_text(encoding="utf-8-sig")
    assert "half a row" not in text


@pytest.mark.parametrize("make", [lambda p: JsonlSink(p / "out.jsonl"), lambda p: CsvSink(p / "csv")],
                         ids=["jsonl", "csv"])
def test_file_sinks_drop_the_error_of_a_path_that_loads_later(tmp_path, make):
    records = synthetic_document("区委政法委", 2020)
    with make(tmp_path) as sink:
        sink.write_error("/in/b.pdf", None, "read", "DamagedFileError", "truncated")
        sink.write_error("/in/c.pdf", None, "read", "DamagedFileError", "truncated")
        sink.write_document(records[0].sha256, ["/in/b.pdf"], records, replace=False)  # b.pdf was fixed
    with make(tmp_path) as sink:
        assert [e["key"] for e in sink.log.entries if e["kind"] == "error"] == ["/in/c.pdf"]


# ---------------------------------------------------------------- any str, any file name


GBK_NAME = os.fsdecode(b"/in/\xca\xd5\xc8\xeb-" + "决算".encode("gbk") + b".pdf")  # a GBK name from a Windows ZIP
GBK_STORED = "/in/\\xca\\xd5\\xc8\\xeb-\\xbe\\xf6\\xcb\\xe3.pdf"


def hostile_document():
    """A document whose text holds a lone surrogate and whose source name is not UTF-8."""
    records = synthetic_document("区委政法委", 2020)
    figure = records[1]
    bad = Figure(text=figure.text, value=figure.value, unit=figure.unit, kind=figure.kind, approx=None,
                 label="支出\ud800决算", year=2020, relation="value", direction=None,
                 prov=Provenance(source=GBK_NAME, sha256=figure.prov.sha256, format="pdf", page=1, block=1,
                                 section=("\udcff",), context="收入\udc80" + figure.text, start=3,
                                 end=3 + len(figure.text)))
    return [records[0], bad]


def _all_sinks(tmp_path):
    return {"sqlite": SqlSink(f"sqlite:///{tmp_path / 'out.sqlite'}"), "jsonl": JsonlSink(tmp_path / "out.jsonl"),
            "csv": CsvSink(tmp_path / "csv"), "parquet": ParquetSink(tmp_path / "pq")}


@pytest.mark.parametrize("kind", ["sqlite", "jsonl", "csv", "parquet"])
def test_every_sink_takes_any_str_and_keeps_file_names_that_are_not_utf8(tmp_path, kind):
    sink = _all_sinks(tmp_path)[kind]
    records = hostile_document()
    sha = records[0].sha256
    sink.write_document(sha, [GBK_NAME], records, replace=False)
    sink.write_error(GBK_NAME.replace(".pdf", "-2.pdf"), "f" * 64, "read", "DamagedFileError", "bad \udcff byte")
    sink.close()
    exact = os.fsencode(GBK_NAME)
    if kind == "sqlite":
        sources = query_sqlite(tmp_path / "out.sqlite", "SELECT path, path_bytes FROM sources")
        errors = query_sqlite(tmp_path / "out.sqlite", "SELECT path, path_bytes, message FROM errors")
        label = query_sqlite(tmp_path / "out.sqlite", "SELECT label, context FROM figures")[0]
    elif kind == "jsonl":
        lines = [json.loads(line) for line in (tmp_path / "out.jsonl").read_bytes().decode("utf-8").splitlines()]
        sources = [(r["path"], bytes.fromhex(r["path_bytes"])) for r in lines if r["type"] == "source"]
        errors = [(r["path"], bytes.fromhex(r["path_bytes"]), r["message"]) for r in lines if r["type"] == "error"]
        fig = next(r for r in lines if r["type"] == "figure")
        label = (fig["label"], fig["prov"]["context"])
    elif kind == "csv":
        def rows(name):
            with open(tmp_path / "csv" / f"{name}.csv", encoding="utf-8-sig", newline="") as f:
                return list(csv.DictReader(f))
        sources = [(r["path"], bytes.fromhex(r["path_bytes"])) for r in rows("sources")]
        errors = [(r["path"], bytes.fromhex(r["path_bytes"]), r["message"]) for r in rows("errors")]
        label = next((r["label"], r["context"]) for r in rows("figures"))
    else:
        def rows(name):
            return ds.dataset(tmp_path / "pq" / name).to_table().to_pylist()
        sources = [(r["path"], r["path_bytes"]) for r in rows("sources")]
        errors = [(r["path"], r["path_bytes"], r["message"]) for r in rows("errors")]
        label = next((r["label"], r["context"]) for r in rows("figures"))
    assert sources == [(GBK_STORED, exact)]
    assert errors == [(GBK_STORED.replace(".pdf", "-2.pdf"), os.fsencode(GBK_NAME.replace(".pdf", "-2.pdf")),
                       "bad \ufffd byte")]
    if kind == "jsonl":  # JSON can say a lone surrogate (\udc80): the records read back exactly
        assert label == ("支出\ud800决算", "收入\udc80123456.78元")
    else:  # other outputs cannot: U+FFFD stands in, one character for one, so offsets stay true
        assert label == ("支出\ufffd决算", "收入\ufffd123456.78元")
    os.fsdecode(exact)  # the exact bytes give the path back to open the file


def query_sqlite(path: Path, sql: str) -> list[tuple]:
    conn = sqlite3.connect(path)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


@pytest.mark.parametrize("kind", ["sqlite", "jsonl", "csv", "parquet"])
def test_failures_recorded_with_their_bytes_are_known_to_the_next_run(tmp_path, kind):
    sink = _all_sinks(tmp_path)[kind]
    sink.write_error("/in/bad.pdf", "a" * 64, "read", "DamagedFileError", "cut short", "page 3")
    sink.write_error("/in/gone.pdf", None, "open", "DamagedFileError", "cannot open")
    sink.write_error(GBK_NAME, "b" * 64, "timeout", "ExtractionTimeout", "took longer than 120 s")
    sink.close()
    again = _all_sinks(tmp_path)[kind]
    assert again.failed() == {
        "a" * 64: {"/in/bad.pdf": ("read", "DamagedFileError", "cut short", "page 3")},
        "b" * 64: {GBK_STORED: ("timeout", "ExtractionTimeout", "took longer than 120 s", None)},
    }
    records = synthetic_document("区委政法委", 2020)
    fixed = records[0].sha256
    again.write_error("/in/fixed.pdf", fixed, "read", "DamagedFileError", "was bad")
    again.write_document(fixed, ["/in/fixed.pdf"], records, replace=False)  # it loads: no longer failed
    if kind == "parquet":
        again.flush()
    assert fixed not in again.failed()
    again.close()


def test_a_database_holding_names_that_are_not_utf8_exports_them_as_hex(tmp_path):
    pytest.importorskip("pandas")
    from click.testing import CliRunner

    from decextract.cli import cli

    sink = SqlSink(f"sqlite:///{tmp_path / 'out.sqlite'}")
    records = hostile_document()
    sink.write_document(records[0].sha256, [GBK_NAME], records, replace=False)
    sink.write_error(GBK_NAME + ".2", None, "open", "DamagedFileError", "cannot open")
    sink.close()
    result = CliRunner().invoke(cli, ["export", "--db", str(tmp_path / "out.sqlite"), "--xlsx",
                                      str(tmp_path / "x.xlsx"), "--csv", str(tmp_path / "csv"), "--dta",
                                      str(tmp_path / "dta")])
    assert result.exit_code == 0, result.output
    exact = os.fsencode(GBK_NAME).hex()
    import openpyxl
    import pandas as pd

    assert [c.value for c in openpyxl.load_workbook(tmp_path / "x.xlsx")["sources"][2]][1:4:2] == [GBK_STORED, exact]
    assert pd.read_stata(tmp_path / "dta" / "sources.dta").iloc[0]["path_bytes"] == exact
    assert exact in (tmp_path / "csv" / "sources.csv").read_text(encoding="utf-8-sig")


def test_the_batch_command_refuses_a_csv_saved_by_excel_with_a_usage_error(tmp_path):
    from click.testing import CliRunner

    from decextract.cli import cli

    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.txt").write_text("2020年度部门决算。本年收入合计100.00万元。", encoding="utf-8")
    out = tmp_path / "csv"
    first = CliRunner().invoke(cli, ["batch", str(folder), "--csv", str(out), "-j", "1", "-q"])
    assert first.exit_code == 0, first.output
    _excel_save(out / "documents.csv")
    saved = (out / "documents.csv").read_bytes()
    (folder / "b.txt").write_text("2021年度部门决算。本年收入合计200.00万元。", encoding="utf-8")
    second = CliRunner().invoke(cli, ["batch", str(folder), "--csv", str(out), "-j", "1", "-q"])
    assert second.exit_code == 2
    assert "documents.csv was changed since decextract wrote it" in second.output
    assert (out / "documents.csv").read_bytes() == saved


@pytest.mark.parametrize("driver", ["sqlite+pysqlite", "postgresql+psycopg"])
def test_the_workers_conversion_of_every_column_is_sqlalchemys(driver):
    """A batch's workers convert values without SQLAlchemy (decextract.sinks.encoders.CONVERT); for every
    column of every table, what they make is what SQLAlchemy's own bind processor makes of the same value."""
    import json
    from decimal import Decimal

    import sqlalchemy as sa

    from decextract import schema
    from decextract.sinks.encoders import CONVERT
    from decextract.sinks.sql import _dialect, converters

    dialect = _dialect(driver)
    samples = {"decimal": [Decimal("1.50"), Decimal("-0.0001"), None], "json": [{"a": "中"}, ["x", None], None],
               "float": [1, 2.5, None], "bool": [True, False, None], "other": ["中文", 3, b"\xff", None]}
    seen = set()
    for name, how in converters(dialect).items():
        for column, code in zip(schema.metadata.tables[name].columns, how, strict=True):
            kind = column.type
            values = (samples["decimal"] if isinstance(kind, schema.ExactDecimal) else samples["json"]
                      if isinstance(kind, sa.JSON) else samples["float"] if isinstance(kind, sa.Float)
                      else samples["bool"] if isinstance(kind, sa.Boolean) else samples["other"])
            bind = kind.dialect_impl(dialect).bind_processor(dialect)
            for value in values:
                ours = CONVERT[code](value) if code else value
                theirs = bind(value) if bind else value
                if type(theirs).__name__ == "Jsonb":  # psycopg's wrapper: the JSON text goes with a ::JSONB cast
                    theirs = json.dumps(theirs.obj, ensure_ascii=False, separators=(",", ":"))
                if isinstance(theirs, memoryview):  # sqlite3.Binary: the same bytes
                    theirs = bytes(theirs)
                assert (type(ours), ours) == (type(theirs), theirs), (name, column.name, value)
            seen.add(code)
    assert seen == ({"decimal", "json", "float", "int", None} if driver.startswith("sqlite") else {"json", None})


def test_a_worker_makes_every_sinks_rows_without_loading_sqlalchemy(tmp_path):
    """The encoders a batch sends its workers hold plain data, and what they run imports no SQLAlchemy (a
    worker starts faster and smaller); the rows they make are those the sinks write."""
    import pickle
    import subprocess
    import sys

    sinks = open_sinks(db=f"sqlite:///{tmp_path / 'out.sqlite'}", jsonl=str(tmp_path / "out.jsonl"),
                       csv=str(tmp_path / "csv"))
    try:
        (tmp_path / "encoders.pickle").write_bytes(pickle.dumps([s.encoder() for s in sinks]))
    finally:
        for s in sinks:
            s.close()
    probe = (
        "import pickle, sys\n"
        "from decextract.workers import extract_bytes\n"
        f"encoders = pickle.loads(open({str(tmp_path / 'encoders.pickle')!r}, 'rb').read())\n"
        f"result = extract_bytes(open({str(SAMPLES / (SEED + '.txt'))!r}, 'rb').read(), 'seed.txt', encoders=encoders)\n"
        "rows, lines, files = result.encoded\n"
        "print(result.status, 'sqlalchemy' in sys.modules, len(rows['figures']), sum(map(len, files.values())) > 0)\n"
    )
    proc = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    status, loaded, figures, csv_written = proc.stdout.split()
    assert (status, loaded, csv_written) == ("ok", "False", "True")
    assert int(figures) == sum(r.TYPE == "figure" for r in extract(SAMPLES / (SEED + ".txt")))
