"""PostgreSQL, a real server: NUMERIC money, one transaction per document, resume, the docs' queries.

Needs ``DECEXTRACT_TEST_POSTGRES`` (a SQLAlchemy URL of a database the tests may wipe; ``.ci/postgres.sh``
starts a server and sets it).  Without it the tests skip, except under CI where they fail.
"""

from __future__ import annotations

import os
import re
from decimal import Decimal

import attrs
import pytest
import sqlalchemy as sa
from test_batch import check_complete, make_bad_files, make_docs, query, run_cli
from test_sinks import (
    BIG,
    GBK_NAME,
    GBK_STORED,
    check_docs_queries,
    hostile_document,
    load_synthetic,
    synthetic_document,
)

from decextract import schema
from decextract.batch import run_batch
from decextract.errors import SinkError
from decextract.sinks import open_sinks
from decextract.sinks.sql import SqlSink

pytestmark = pytest.mark.postgres


@pytest.fixture
def pg_url() -> str:
    """The test database's URL, emptied of decextract's tables."""
    url = os.environ.get("DECEXTRACT_TEST_POSTGRES")
    if not url:
        if os.environ.get("CI"):
            pytest.fail("CI is set but DECEXTRACT_TEST_POSTGRES is not: source .ci/postgres.sh first")
        pytest.skip("DECEXTRACT_TEST_POSTGRES is not set (a SQLAlchemy URL such as "
                    "postgresql+psycopg://postgres:pw@127.0.0.1:5432/decextract_test; see .ci/postgres.sh)")
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        schema.metadata.drop_all(conn)
    engine.dispose()
    return url


def test_money_is_numeric_and_exact(pg_url):
    sink = SqlSink(pg_url)
    records = synthetic_document("区委政法委", 2020)
    sink.write_document(records[0].sha256, ["/in/a.pdf"], records, replace=False)
    sink.close()
    types = dict(query(pg_url, "SELECT column_name, data_type FROM information_schema.columns "
                               "WHERE table_name = 'figures'"))
    assert types["value"] == "numeric" and types["year"] == "integer"
    assert query(pg_url, "SELECT value FROM figures ORDER BY seq") == [(Decimal("123456.78"),), (BIG,)]
    assert query(pg_url, "SELECT cells_json ->> '预算数', values_json ->> '合计' FROM table_rows ORDER BY seq") == [
        ("1.50", None), (None, "3498400")]
    assert query(pg_url, "SELECT version FROM schema_version") == [(schema.SCHEMA_VERSION,)]


def test_a_failed_document_leaves_nothing(pg_url):
    sink = SqlSink(pg_url)
    records = synthetic_document("区委政法委", 2020)
    broken = records + [attrs.evolve(records[1], value=None)]  # NOT NULL value: fails after the first inserts
    with pytest.raises(SinkError, match="cannot write document"):
        sink.write_document(records[0].sha256, ["/in/a.pdf"], broken, replace=False)
    sink.close()
    assert query(pg_url, "SELECT count(*) FROM documents") == [(0,)]
    assert query(pg_url, "SELECT count(*) FROM figures") == [(0,)]


def test_docs_queries_run_on_postgresql(pg_url):
    sink = SqlSink(pg_url)
    load_synthetic(sink)
    check_docs_queries(sink.engine)
    sink.close()


def test_batch_into_postgresql_with_bad_files_and_resume(pg_url, tmp_path):
    make_docs(tmp_path / "in", 3)
    make_bad_files(tmp_path / "in")
    sinks = open_sinks(db=pg_url)
    try:
        summary = run_batch([tmp_path / "in"], sinks, workers=2, progress=False)
    finally:
        for s in sinks:
            s.close()
    assert (summary.succeeded, summary.failed, summary.skipped) == (3, 5, 0)
    assert query(pg_url, "SELECT count(*) FROM documents") == [(3,)]
    assert query(pg_url, "SELECT count(*) FROM errors") == [(5,)]
    check_complete(pg_url)
    plain_url = re.sub(r"^postgresql\+psycopg://", "postgresql://", pg_url)  # the CLI picks psycopg itself
    again = run_cli("in", "--db", plain_url, "-q", cwd=tmp_path)
    assert again.returncode == 1  # the bad files are still failed, and not tried again while unchanged
    assert re.search(r"skipped\s+3", again.stdout) and re.search(r"not retried\s+5", again.stdout)
    assert query(pg_url, "SELECT count(*) FROM documents") == [(3,)]
    assert query(pg_url, "SELECT count(*) FROM errors") == [(5,)]


def test_a_nul_character_in_the_text_does_not_lose_the_document(pg_url, tmp_path):
    """PostgreSQL text cannot hold NUL: it is stored as U+FFFD, one character for one, offsets intact."""
    from decextract import extract

    path = tmp_path / "nul.txt"
    lead = "坚持高位推动、高速落实、高效运行。\n" * 40  # past the bytes the format is sniffed from
    path.write_bytes((lead + "2020年收入合计10万元，其中：\x00其他收入2万元。").encode())
    records = extract(path)
    sink = SqlSink(pg_url)
    sink.write_document(records[0].sha256, [str(path)], records, replace=False)
    sink.close()
    rows = query(pg_url, "SELECT text, context, span_start, span_end FROM figures ORDER BY seq")
    assert [r[0] for r in rows] == ["10万元", "2万元"]
    assert all(context[start:end] == text for text, context, start, end in rows)
    assert "\ufffd" in rows[1][1]


def test_any_str_and_file_names_that_are_not_utf8_in_postgresql(pg_url):
    """Lone surrogates become U+FFFD; a GBK file name is stored as text with \\xNN and exactly in path_bytes."""
    sink = SqlSink(pg_url)
    records = hostile_document()
    sink.write_document(records[0].sha256, [GBK_NAME], records, replace=False)
    sink.write_error(GBK_NAME + ".2", "f" * 64, "read", "DamagedFileError", "bad \udcff\x00 byte")
    assert sink.failed() == {"f" * 64: {GBK_STORED + ".2": ("read", "DamagedFileError", "bad \ufffd\ufffd byte", None)}}
    sink.close()
    assert query(pg_url, "SELECT path, path_bytes FROM sources") == [(GBK_STORED, os.fsencode(GBK_NAME))]
    assert query(pg_url, "SELECT label, context FROM figures") == [("支出\ufffd决算", "收入\ufffd123456.78元")]
