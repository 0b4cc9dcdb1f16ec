"""Batch extraction: discovery, workers, exactly-once loading, bad files, timeouts, SIGKILL and resume, the CLI."""

from __future__ import annotations

import gc
import hashlib
import io
import os
import random
import re
import signal
import subprocess
import sys
import threading
import time
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa
from fixtures_pdf import encrypted_pdf

from decextract import batch, pipeline
from decextract.batch import discover, extract_many, run_batch, to_dataframe
from decextract.progress import Progress, Summary
from decextract.sinks import open_sinks

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "samples"
SEED_TXT = SAMPLES / "xiqu-zhengfawei-2020-juesuan.txt"


# ---------------------------------------------------------------- helpers shared with test_postgres / test_dask


def make_docs(folder: Path, n: int) -> list[Path]:
    """``n`` distinct text disclosures (the seed with a numbered note appended)."""
    folder.mkdir(parents=True, exist_ok=True)
    text = SEED_TXT.read_text(encoding="utf-8")
    paths = []
    for i in range(n):
        p = folder / f"doc-{i:03d}.txt"
        p.write_text(text + f"\n附注：第{i}份副本。\n", encoding="utf-8")
        paths.append(p)
    return paths


def make_bad_files(folder: Path) -> dict[str, Path]:
    """One file of each kind a batch must survive, by kind."""
    folder.mkdir(parents=True, exist_ok=True)
    pdf = (SAMPLES / "xiqu-zhengfawei-2020-juesuan.pdf").read_bytes()
    files = {
        "truncated_pdf": (folder / "truncated.pdf", pdf[: len(pdf) // 3]),
        "zero_bytes": (folder / "zero.txt", b""),
        "docx_not_zip": (folder / "report.docx", b"PK\x03\x04" + random.Random(1).randbytes(2000)),
        "random_bytes": (folder / "noise.bin", random.Random(2).randbytes(4096)),
        "encrypted_pdf": (folder / "locked.pdf", encrypted_pdf()),
    }
    for path, data in files.values():
        path.write_bytes(data)
    return {kind: path for kind, (path, _) in files.items()}


def run_cli(*args: str, cwd: Path, timeout: float = 120) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "decextract", "batch", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=timeout)


def query(db: Path | str, sql: str, **params) -> list[tuple]:
    """Rows of ``sql`` in a SQLite file (a Path) or the database at a SQLAlchemy URL."""
    engine = sa.create_engine(db if isinstance(db, str) else f"sqlite:///{db}")
    try:
        with engine.connect() as conn:
            return [tuple(row) for row in conn.execute(sa.text(sql), params)]
    finally:
        engine.dispose()


def check_complete(db: Path | str) -> None:
    """Every loaded document has exactly its records: n_records = 1 + rows in the record tables."""
    rows = query(db, """
        SELECT d.sha256, d.n_records,
               1 + (SELECT count(*) FROM figures f WHERE f.sha256 = d.sha256)
                 + (SELECT count(*) FROM tables t WHERE t.sha256 = d.sha256)
                 + (SELECT count(*) FROM table_rows r WHERE r.sha256 = d.sha256)
                 + (SELECT count(*) FROM performance_projects p WHERE p.sha256 = d.sha256)
                 + (SELECT count(*) FROM performance_indicators i WHERE i.sha256 = d.sha256)
                 + (SELECT count(*) FROM checks c WHERE c.sha256 = d.sha256)
                 + (SELECT count(*) FROM indicators k WHERE k.sha256 = d.sha256)
        FROM documents d""")
    assert rows
    for sha, declared, found in rows:
        assert declared == found, sha


# ---------------------------------------------------------------- discovery


def test_discover_walks_globs_skips_hidden_and_outputs(tmp_path):
    make_docs(tmp_path / "in" / "sub", 2)
    (tmp_path / "in" / ".DS_Store").write_bytes(b"\0\0")
    (tmp_path / "in" / ".git").mkdir()
    (tmp_path / "in" / ".git" / "x.txt").write_text("2020年")
    (tmp_path / "in" / "notes.md").write_text("2020年")
    (tmp_path / "in" / "out.sqlite").write_bytes(b"SQLite format 3\0")
    found = discover([tmp_path / "in", str(tmp_path / "in" / "sub" / "*.txt"), tmp_path / "missing.pdf"],
                     exclude=[tmp_path / "in" / "out.sqlite"])
    names = [Path(p).name for p in found]
    assert names == ["notes.md", "doc-000.txt", "doc-001.txt", "missing.pdf"]


# ---------------------------------------------------------------- Python API


def test_extract_many_yields_one_result_per_file(tmp_path):
    docs = make_docs(tmp_path, 3)
    (tmp_path / "again.txt").write_bytes(docs[0].read_bytes())
    (tmp_path / "zero.txt").write_bytes(b"")
    skip = {hashlib.sha256(docs[1].read_bytes()).hexdigest()}
    results = {Path(r.path).name: r for r in extract_many([tmp_path], workers=2, skip=skip)}
    assert set(results) == {"doc-000.txt", "doc-001.txt", "doc-002.txt", "again.txt", "zero.txt"}
    first, repeat = results["again.txt"], results["doc-000.txt"]  # sorted: again.txt comes first
    assert first.status == "ok" and first.records[0].TYPE == "document"
    assert len(first.records) == len(pipeline.extract(docs[0]))
    assert first.sha256 == repeat.sha256 == hashlib.sha256(docs[0].read_bytes()).hexdigest()
    assert (repeat.status, repeat.reason, repeat.records) == ("skipped", "duplicate", ())
    assert results["doc-002.txt"].status == "ok"
    assert results["doc-001.txt"].status == "skipped" and results["doc-001.txt"].reason == "loaded"
    failed = results["zero.txt"]
    assert failed.status == "failed" and failed.failure.stage == "read"
    assert failed.failure.error_class == "UnsupportedFormatError"


def test_to_dataframe_keeps_decimals_exact():
    records = pipeline.extract(SEED_TXT)
    df = to_dataframe(records)
    assert len(df) == len(records)
    assert df["type"].iloc[0] == "document"
    assert (df["sha256"] == records[0].sha256).all()
    figures = to_dataframe(records, type="figure")
    assert set(figures["type"]) == {"figure"}
    assert all(isinstance(v, Decimal) for v in figures["value"])
    assert "span_start" in figures.columns and "context" in figures.columns


def test_to_dataframe_without_pandas_says_how_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "pandas", None)
    with pytest.raises(ImportError, match="decextract\\[pandas\\]"):
        to_dataframe([])


# ---------------------------------------------------------------- progress and summary


def test_progress_prints_plain_lines_when_not_a_terminal():
    summary = Summary(total=2)
    out = io.StringIO()
    with Progress(summary, stream=out, tty=False, interval=0) as bar:
        summary.count("ok")
        bar.update()
        summary.count("failed", "DamagedFileError")
        bar.update()
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("decextract: 1/2 documents (50%), 0 failed")
    assert lines[-1].startswith("decextract: 2/2 documents (100%), 1 failed, 0 skipped")
    assert "ETA" in lines[0] and "docs/s" in lines[0]


def test_progress_bar_on_a_terminal():
    summary = Summary(total=3)
    out = io.StringIO()
    with Progress(summary, stream=out, tty=True) as bar:
        for _ in range(3):
            summary.count("skipped")
            bar.update()
    assert "3/3" in out.getvalue() and "skipped=3" in out.getvalue()


def test_summary_counts_and_lists_failures():
    summary = Summary(total=4, outputs=("sqlite:///x.sqlite",))
    for status, cls in [("ok", None), ("failed", "DamagedFileError"), ("failed", "DamagedFileError"),
                        ("skipped", None)]:
        summary.count(status, cls)
    text = summary.format()
    assert re.search(r"succeeded\s+1", text) and re.search(r"failed\s+2", text)
    assert re.search(r"skipped\s+1", text) and re.search(r"DamagedFileError\s+2", text)
    assert "sqlite:///x.sqlite" in text


# ---------------------------------------------------------------- run_batch into SQLite


def test_bad_files_become_errors_and_the_batch_goes_on(tmp_path):
    make_docs(tmp_path / "in", 2)
    bad = make_bad_files(tmp_path / "in")
    (tmp_path / "in" / ".DS_Store").write_bytes(b"\0\0\0\1Bud1")
    db = tmp_path / "out.sqlite"
    sinks = open_sinks(db=f"sqlite:///{db}")
    try:
        summary = run_batch([tmp_path / "in"], sinks, workers=2, progress=False)
    finally:
        for s in sinks:
            s.close()
    assert (summary.total, summary.succeeded, summary.failed, summary.skipped) == (7, 2, 5, 0)
    errors = {Path(p).name: (stage, cls) for p, stage, cls in query(db, "SELECT path, stage, error_class FROM errors")}
    assert set(errors) == {p.name for p in bad.values()}
    assert errors["zero.txt"] == ("read", "UnsupportedFormatError")
    assert errors["report.docx"] == ("read", "DamagedFileError")
    assert errors["noise.bin"] == ("read", "UnsupportedFormatError")
    assert errors["locked.pdf"] == ("read", "EncryptedFileError")
    assert errors["truncated.pdf"][0] == "read"
    assert query(db, "SELECT count(*) FROM documents") == [(2,)]
    assert all(sha for (sha,) in query(db, "SELECT sha256 FROM errors"))
    check_complete(db)


def test_encrypted_pdf_helper_is_really_password_protected():
    import pypdfium2

    data = encrypted_pdf()
    with pytest.raises(pypdfium2.PdfiumError, match="[Pp]assword"):
        pypdfium2.PdfDocument(data)
    assert len(pypdfium2.PdfDocument(data, password="secret")) == 1


def test_rerun_skips_loaded_retries_failed_and_force_replaces(tmp_path):
    make_docs(tmp_path / "in", 3)
    (tmp_path / "in" / "zero.txt").write_bytes(b"")
    db = tmp_path / "out.sqlite"
    counts = []
    for force in (False, False, True):
        sinks = open_sinks(db=f"sqlite:///{db}")
        try:
            s = run_batch([tmp_path / "in"], sinks, workers=1, progress=False, force=force)
        finally:
            for sink in sinks:
                sink.close()
        counts.append((s.succeeded, s.skipped, s.failed))
        assert query(db, "SELECT count(*) FROM documents") == [(3,)]
        assert query(db, "SELECT count(*) FROM errors") == [(1,)]  # retried each run, one row per path
        check_complete(db)
    assert counts == [(3, 0, 1), (0, 3, 1), (3, 0, 1)]


def test_a_file_fixed_after_failing_loses_its_error(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    target = folder / "late.txt"
    target.write_bytes(b"")
    db = tmp_path / "out.sqlite"
    with open_sinks(db=f"sqlite:///{db}")[0] as sink:
        run_batch([folder], [sink], workers=1, progress=False)
    assert query(db, "SELECT count(*) FROM errors") == [(1,)]
    target.write_bytes(SEED_TXT.read_bytes())
    with open_sinks(db=f"sqlite:///{db}")[0] as sink:
        summary = run_batch([folder], [sink], workers=1, progress=False)
    assert summary.succeeded == 1
    assert query(db, "SELECT count(*) FROM errors") == [(0,)]


@pytest.mark.slow
def test_a_document_over_the_time_limit_is_stopped(tmp_path):
    make_docs(tmp_path / "in", 1)
    big = ("一般公共预算财政拨款支出1234.56万元，比上年增长12.3%。\n" * 80000).encode("utf-8")
    (tmp_path / "in" / "huge.txt").write_bytes(big)  # sorted after doc-000.txt
    db = tmp_path / "out.sqlite"
    with open_sinks(db=f"sqlite:///{db}")[0] as sink:
        summary = run_batch([tmp_path / "in"], [sink], workers=1, timeout=1, progress=False)
    assert (summary.succeeded, summary.failed) == (1, 1)
    assert query(db, "SELECT path, stage, error_class FROM errors") == [
        (str(tmp_path / "in" / "huge.txt"), "timeout", "ExtractionTimeout")]


def test_a_worker_that_dies_fails_only_its_document(tmp_path):
    make_docs(tmp_path / "in", 1)
    (tmp_path / "in" / "a-huge.txt").write_bytes(("收入1234.56万元，增长12.3%。\n" * 80000).encode("utf-8"))
    done = threading.Event()

    def kill_the_worker_on_the_huge_file():  # as a crash inside a PDF library would
        while not done.is_set():
            for obj in gc.get_objects():
                if isinstance(obj, batch._Worker) and obj.task and obj.task.path.endswith("a-huge.txt"):
                    os.kill(obj.process.pid, signal.SIGKILL)
                    return
            time.sleep(0.05)

    killer = threading.Thread(target=kill_the_worker_on_the_huge_file)
    killer.start()
    try:
        results = {Path(r.path).name: r for r in extract_many([tmp_path / "in"], workers=1, timeout=None)}
    finally:
        done.set()
        killer.join()
    crashed = results["a-huge.txt"]
    assert (crashed.status, crashed.failure.stage, crashed.failure.error_class) == ("failed", "extract",
                                                                                 "WorkerCrashed")
    assert "exit code -9" in crashed.failure.message
    assert results["doc-000.txt"].status == "ok"  # a new worker took over


# ---------------------------------------------------------------- the CLI


def test_cli_fills_default_sqlite_with_one_document_per_content(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    for f in SAMPLES.iterdir():
        (folder / f.name).write_bytes(f.read_bytes())
    (folder / "copy-of-seed.txt").write_bytes(SEED_TXT.read_bytes())
    proc = run_cli("in", "-j", "2", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert re.search(r"succeeded\s+3", proc.stdout) and re.search(r"skipped\s+1", proc.stdout)
    assert "decextract: 4/4 documents (100%)" in proc.stderr  # plain progress lines when not a terminal
    db = tmp_path / "decextract.sqlite"
    assert query(db, "SELECT count(*) FROM documents") == [(3,)]
    assert sorted(f for (f,) in query(db, "SELECT format FROM documents")) == ["docx", "pdf", "txt"]
    seed_sha = hashlib.sha256(SEED_TXT.read_bytes()).hexdigest()
    assert sorted(Path(p).name for (p,) in query(db, "SELECT path FROM sources WHERE sha256 = :sha", sha=seed_sha)) == [
        "copy-of-seed.txt", SEED_TXT.name]
    check_complete(db)
    again = run_cli("in", "-q", cwd=tmp_path)
    assert again.returncode == 0 and re.search(r"skipped\s+4", again.stdout)
    assert again.stderr == ""


def test_cli_exit_status_says_some_failed(tmp_path):
    make_docs(tmp_path / "in", 1)
    (tmp_path / "in" / "zero.txt").write_bytes(b"")
    proc = run_cli("in", "--db", "sqlite:///out.sqlite", "-q", cwd=tmp_path)
    assert proc.returncode == 1
    assert re.search(r"failed\s+1", proc.stdout) and "UnsupportedFormatError" in proc.stdout


def test_cli_rejects_a_bad_database_url(tmp_path):
    make_docs(tmp_path / "in", 1)
    proc = run_cli("in", "--db", "not a url://", cwd=tmp_path)
    assert proc.returncode == 2 and "not a database URL" in proc.stderr


def _start_and_stop(folder: Path, db: Path, sig: int, at_least: int) -> subprocess.CompletedProcess:
    """Start ``decextract batch``, send ``sig`` once ``at_least`` documents are in the database."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, "-m", "decextract", "batch", str(folder), "--db", f"sqlite:///{db}",
                             "-j", "1", "-q"], env=env, stderr=subprocess.PIPE, text=True)
    loaded = 0
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None and loaded < at_least:
        if db.exists():
            try:
                loaded = query(db, "SELECT count(*) FROM documents")[0][0]
            except sa.exc.OperationalError:
                loaded = 0  # tables not created yet
        time.sleep(0.02)
    assert proc.poll() is None, "the batch ended before it could be stopped"
    os.kill(proc.pid, sig)
    _, stderr = proc.communicate(timeout=30)
    return subprocess.CompletedProcess(proc.args, proc.returncode, "", stderr)


@pytest.mark.slow
def test_interrupt_and_sigkill_mid_batch_then_rerun_loads_every_document_once(tmp_path):
    docs = make_docs(tmp_path / "in", 30)
    db = tmp_path / "out.sqlite"
    interrupted = _start_and_stop(tmp_path / "in", db, signal.SIGINT, 3)
    assert interrupted.returncode == 130 and "run the same command again" in interrupted.stderr
    after_interrupt = query(db, "SELECT count(*) FROM documents")[0][0]
    check_complete(db)
    killed = _start_and_stop(tmp_path / "in", db, signal.SIGKILL, after_interrupt + 3)
    assert killed.returncode == -signal.SIGKILL
    before = query(db, "SELECT count(*) FROM documents")[0][0]
    assert after_interrupt + 3 <= before < len(docs)
    check_complete(db)
    rerun = run_cli("in", "--db", f"sqlite:///{db}", "-j", "2", "-q", cwd=tmp_path)
    assert rerun.returncode == 0, rerun.stderr
    assert re.search(rf"skipped\s+{before}\b", rerun.stdout)
    assert query(db, "SELECT count(*), count(DISTINCT sha256) FROM documents") == [(len(docs), len(docs))]
    assert query(db, "SELECT count(*) FROM sources") == [(len(docs),)]
    check_complete(db)


def test_a_file_changed_after_it_was_hashed_fails_under_its_planned_identity(tmp_path):
    from decextract.batch import _extract_path

    path = tmp_path / "a.txt"
    path.write_text("2020年收入10万元。", encoding="utf-8")
    result = _extract_path(str(path), "0" * 64)  # the parent hashed other bytes
    assert (result.status, result.sha256, result.failure.stage) == ("failed", "0" * 64, "open")
    assert "changed" in result.failure.message
    (tmp_path / "gone.txt").write_text("x", encoding="utf-8")
    (tmp_path / "gone.txt").unlink()
    gone = _extract_path(str(tmp_path / "gone.txt"), "1" * 64)
    assert (gone.status, gone.sha256) == ("failed", "1" * 64)


def test_a_symlink_loop_is_an_error_row_not_a_crash(tmp_path):


    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a").symlink_to(folder / "b")
    (folder / "b").symlink_to(folder / "a")
    (folder / "ok.txt").write_text("2020年收入10万元。", encoding="utf-8")
    found = discover([folder])
    assert sorted(os.path.basename(p) for p in found) == ["a", "b", "ok.txt"]
    results = {os.path.basename(r.path): r for r in extract_many([folder], workers=1)}
    assert results["ok.txt"].status == "ok"
    assert results["a"].status == results["b"].status == "failed"


def test_to_dataframe_keeps_integers_with_gaps_as_integers():
    df = to_dataframe(pipeline.extract(SAMPLES / "xiqu-zhengfawei-2020-juesuan.txt"), type="figure")
    assert str(df["year"].dtype) == "Int64" and str(df["cell_row"].dtype) == "Int64"
    assert df["cell_row"].isna().any() and not df["cell_row"].dropna().empty
