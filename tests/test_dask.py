"""The Dask engine against a real ``dask.distributed.LocalCluster``: same results, errors and resume as local."""

from __future__ import annotations

import re

import pytest
from test_batch import check_complete, make_bad_files, make_docs, query, run_cli

from decextract import pipeline
from decextract.batch import extract_many, run_batch
from decextract.sinks import open_sinks

distributed = pytest.importorskip("distributed", reason="dask.distributed is not installed (pip install "
                                                        "'decextract[dask]')")


@pytest.fixture(scope="module")
def cluster():
    """A light in-process cluster reachable over TCP (one worker, one thread)."""
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=False, protocol="tcp",
                                  dashboard_address=None) as cluster:
        yield cluster


def test_extract_many_on_dask_matches_local_extraction(cluster, tmp_path):
    docs = make_docs(tmp_path / "in", 2)
    (tmp_path / "in" / "zero.txt").write_bytes(b"")
    with distributed.Client(cluster) as client:
        results = {r.path: r for r in extract_many([tmp_path / "in"], engine="dask", scheduler=client)}
    assert len(results) == 3
    for doc in docs:
        result = results[str(doc)]
        assert result.status == "ok"
        assert len(result.records) == len(pipeline.extract(doc))
        assert result.records[0].sha256 == result.sha256
    failed = results[str(tmp_path / "in" / "zero.txt")]
    assert (failed.status, failed.failure.stage, failed.failure.error_class) == (
        "failed", "read", "UnsupportedFormatError")


def test_batch_on_dask_loads_once_and_records_errors(cluster, tmp_path):
    make_docs(tmp_path / "in", 3)
    bad = make_bad_files(tmp_path / "in")
    db = tmp_path / "out.sqlite"
    with open_sinks(db=f"sqlite:///{db}")[0] as sink:
        summary = run_batch([tmp_path / "in"], [sink], engine="dask", scheduler=cluster.scheduler_address,
                            progress=False)
    assert (summary.succeeded, summary.failed, summary.skipped) == (3, len(bad), 0)
    assert query(db, "SELECT count(*) FROM documents") == [(3,)]
    assert sorted(p for (p,) in query(db, "SELECT path FROM errors")) == sorted(str(p) for p in bad.values())
    check_complete(db)
    proc = run_cli("in", "--db", f"sqlite:///{db}", "--engine", "dask", "--scheduler", cluster.scheduler_address,
                   "-q", cwd=tmp_path)
    assert proc.returncode == 1, proc.stderr  # the bad files are still failed, and not tried again
    assert re.search(r"skipped\s+3", proc.stdout) and re.search(rf"not retried\s+{len(bad)}", proc.stdout)
    assert query(db, "SELECT count(*) FROM documents") == [(3,)]


def test_dask_engine_needs_a_scheduler(tmp_path):
    proc = run_cli("in", "--engine", "dask", cwd=tmp_path)
    assert proc.returncode == 2 and "--scheduler" in proc.stderr


def test_a_document_over_the_time_limit_fails_on_dask(cluster, tmp_path):
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "huge.txt").write_bytes(("收入1234.56万元，增长12.3%。\n" * 20000).encode("utf-8"))
    db = tmp_path / "out.sqlite"
    with open_sinks(db=f"sqlite:///{db}")[0] as sink:
        summary = run_batch([tmp_path / "in"], [sink], engine="dask", scheduler=cluster.scheduler_address,
                            timeout=0.5, progress=False)
    assert (summary.succeeded, summary.failed) == (0, 1)
    assert query(db, "SELECT stage, error_class FROM errors") == [("timeout", "ExtractionTimeout")]
