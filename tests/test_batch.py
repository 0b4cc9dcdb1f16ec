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

from decextract import pipeline, workers
from decextract.batch import discover, extract_many, run_batch, to_dataframe
from decextract.limits import format_size
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


def test_largest_files_are_taken_first_ties_and_archive_members_in_the_order_found(tmp_path):
    import zipfile

    from decextract.inputs import Inputs

    for name, size in [("a.txt", 10), ("b.txt", 2000), ("c.txt", 10), ("d.txt", 40)]:
        (tmp_path / name).write_bytes(b"x" * size)
    with zipfile.ZipFile(tmp_path / "e.zip", "w", zipfile.ZIP_STORED) as z:  # each member as large as it unpacks
        z.writestr("one.txt", "y" * 200)
        z.writestr("two.txt", "z" * 200)
    inputs = Inputs([tmp_path, tmp_path / "missing.txt"])

    def names(paths):
        return [p.replace(str(tmp_path) + os.sep, "") for p in paths]

    assert names(inputs) == ["a.txt", "b.txt", "c.txt", "d.txt", "e.zip!/one.txt", "e.zip!/two.txt", "missing.txt"]
    assert names(inputs.largest_first()) == [
        "b.txt", "e.zip!/one.txt", "e.zip!/two.txt", "d.txt", "a.txt", "c.txt", "missing.txt"]


@pytest.mark.parametrize("compression", ["stored", "deflated"])
def test_the_same_bytes_in_a_file_and_an_archive_member_resolve_to_the_first_found_with_any_workers(
        tmp_path, compression):
    import zipfile

    body = "二〇二〇年部门决算收入总计100万元。\n".encode() * 40
    (tmp_path / "a.txt").write_bytes(body)  # found first
    method = zipfile.ZIP_STORED if compression == "stored" else zipfile.ZIP_DEFLATED
    with zipfile.ZipFile(tmp_path / "b.zip", "w", method) as z:  # its size on disk is not the member's
        z.writestr("same.txt", body)
    (tmp_path / "c.txt").write_bytes(body[:100])
    for jobs in (1, 2):
        results = {Path(r.path).name: (r.status, r.reason) for r in extract_many([tmp_path], workers=jobs)}
        assert results == {"a.txt": ("ok", None), "same.txt": ("skipped", "duplicate"), "c.txt": ("ok", None)}


def test_several_workers_start_on_the_largest_file_one_worker_takes_the_order_found(tmp_path, monkeypatch):
    from decextract import batch

    for name, size in [("a.txt", 10), ("b.txt", 300), ("c.txt", 40)]:
        (tmp_path / name).write_bytes("二〇二〇年".encode() * size)
    taken: dict[int, list[str]] = {}

    def record(items, workers, limits, **_):
        taken[workers] = [Path(t.path).name for t in items]
        return iter(())

    monkeypatch.setattr(batch, "run_local", record)
    list(extract_many([tmp_path], workers=2))
    list(extract_many([tmp_path], workers=1))
    assert taken == {2: ["b.txt", "c.txt", "a.txt"], 1: ["a.txt", "b.txt", "c.txt"]}


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


def test_rerun_skips_loaded_and_unchanged_failures_retry_failed_and_force_try_again(tmp_path):
    make_docs(tmp_path / "in", 3)
    (tmp_path / "in" / "zero.txt").write_bytes(b"")
    db = tmp_path / "out.sqlite"
    counts = []
    for options in ({}, {}, {"retry_failed": True}, {"force": True}):
        sinks = open_sinks(db=f"sqlite:///{db}")
        try:
            s = run_batch([tmp_path / "in"], sinks, workers=1, progress=False, **options)
        finally:
            for sink in sinks:
                sink.close()
        counts.append((s.succeeded, s.skipped, s.failed, s.not_retried))
        assert query(db, "SELECT count(*) FROM documents") == [(3,)]
        assert query(db, "SELECT count(*) FROM errors") == [(1,)]  # one row per path, the latest
        check_complete(db)
    # the second run does not try the unchanged failed file again; --retry-failed and --force do
    assert counts == [(3, 0, 1, 0), (0, 3, 0, 1), (0, 3, 1, 0), (3, 0, 1, 0)]


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
                if isinstance(obj, workers._Worker) and obj.task and obj.task.path.endswith("a-huge.txt"):
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
    from decextract.workers import extract_path as _extract_path

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


# ---------------------------------------------------------------- links, special files, limits, the parent's death


def _batch(folder: Path, db: Path, **options):
    sinks = open_sinks(db=f"sqlite:///{db}")
    try:
        return run_batch([folder], sinks, workers=1, progress=False, **options)
    finally:
        for sink in sinks:
            sink.close()


def _tree_with_links(tmp_path: Path) -> Path:
    """in/ with a file, a linked folder inside the tree, links leading outside, and a FIFO."""
    folder, outside = tmp_path / "in", tmp_path / "outside"
    make_docs(folder / "sub", 1)
    outside.mkdir(parents=True)
    (outside / "other.txt").write_text("2021年支出20万元。", encoding="utf-8")
    (outside / "secret.txt").write_text("2020年收入999万元。", encoding="utf-8")
    (folder / "linked-sub").symlink_to(folder / "sub")  # inside: walked, its file counted once
    (folder / "linked-outside").symlink_to(outside)  # a folder outside: reported
    (folder / "secret.txt").symlink_to(outside / "secret.txt")  # a file outside: reported
    (folder / "zero.pdf").symlink_to("/dev/zero")
    os.mkfifo(folder / "pipe.txt")
    return folder


def test_links_inside_the_inputs_are_walked_and_links_out_of_them_are_reported(tmp_path):
    folder = _tree_with_links(tmp_path)
    db = tmp_path / "out.sqlite"
    summary = _batch(folder, db, timeout=30)
    assert (summary.total, summary.succeeded, summary.failed) == (5, 1, 4)
    errors = {Path(p).name: (stage, cls, msg) for p, stage, cls, msg in
              query(db, "SELECT path, stage, error_class, message FROM errors")}
    assert {n: e[1] for n, e in errors.items()} == {
        "linked-outside": "LinkNotFollowedError", "secret.txt": "LinkNotFollowedError",
        "zero.pdf": "LinkNotFollowedError", "pipe.txt": "NotRegularFileError"}
    assert "--follow-links" in errors["secret.txt"][2] and "outside" in errors["linked-outside"][2]
    assert [Path(p).parent.name for (p,) in query(db, "SELECT path FROM sources")] == ["sub"]


def test_follow_links_reads_what_the_links_point_to(tmp_path):
    folder = _tree_with_links(tmp_path)
    db = tmp_path / "out.sqlite"
    summary = _batch(folder, db, timeout=30, follow_links=True)
    assert (summary.succeeded, summary.failed) == (3, 2)  # sub, outside/other, secret; the device and FIFO
    assert {cls for (cls,) in query(db, "SELECT error_class FROM errors")} == {"NotRegularFileError"}
    assert "secret.txt" in {Path(p).name for (p,) in query(db, "SELECT path FROM sources")}


def test_a_file_named_on_the_command_line_is_read_even_through_a_link(tmp_path):
    target = make_docs(tmp_path / "elsewhere", 1)[0]
    (tmp_path / "named.txt").symlink_to(target)
    results = list(extract_many([tmp_path / "named.txt"], workers=1))
    assert [r.status for r in results] == ["ok"]


def test_a_document_needing_more_memory_than_the_limit_is_an_error_naming_the_limit(tmp_path):
    small = make_docs(tmp_path / "probe", 1)[0]
    base = next(iter(extract_many([small], workers=1, max_memory=None))).peak_memory
    assert base and base > 30 << 20  # measured 46 MB: a warmed worker holds Python, the lexicons and pdfium
    big = tmp_path / "in" / "prose.txt"
    big.parent.mkdir()
    big.write_text("部门预算公开说明坚持高位推动高效运行。\n" * 1_000_000, encoding="utf-8")  # 58 MB
    limit = base + (150 << 20)  # its million paragraphs need several hundred MB more
    result = next(iter(extract_many([big], workers=1, max_memory=limit, timeout=120)))
    assert (result.status, result.failure.error_class) == ("failed", "MemoryLimitError")
    assert result.failure.stage == "read" and "prose.txt" not in result.failure.message  # the row names the file
    assert f"the memory limit of {format_size(limit)} (--max-memory)" in result.failure.message


def test_a_workers_peak_memory_is_its_own_not_its_parents():
    """ru_maxrss keeps, across the exec of a spawned worker, the size of the parent it was forked from."""
    ballast = bytearray(700 << 20)  # a big parent, as pytest is by the end of the suite
    ballast[::4096] = b"x" * len(ballast[::4096])  # touched, so it is resident
    result = next(iter(extract_many([SEED_TXT], workers=1)))
    assert result.status == "ok" and 30 << 20 < result.peak_memory < 600 << 20
    del ballast


def test_a_worker_lost_near_its_memory_limit_is_reported_as_out_of_memory():
    from decextract.limits import Limits
    from decextract.workers import Task, _lost

    class Dead:
        def __init__(self, code):
            self.exitcode = code

        def is_alive(self):
            return False

    class Lost:
        def __init__(self, code, peak):
            self.task, self.process, self.peak_size = Task("/in/a.pdf", "0" * 64, None), Dead(code), peak

        def kill(self):
            pass

    limits = Limits(max_memory=1 << 30)
    near = _lost(Lost(-signal.SIGABRT, 900 << 20), limits)  # PDFium aborts when an allocation fails
    assert (near.failure.error_class, near.failure.stage) == ("MemoryLimitError", "extract")
    assert "1 GB" in near.failure.message and "900 MB" in near.failure.message
    crashed = _lost(Lost(-signal.SIGSEGV, 300 << 20), limits)
    assert crashed.failure.error_class == "WorkerCrashed" and "SIGSEGV" in crashed.failure.message
    assert "300 MB of the 1 GB limit" in crashed.failure.message


def _children(pid: int) -> set[int]:
    out = set()
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                out.add(int(entry))
    return out


def _descendants(pid: int) -> set[int]:
    out, todo = set(), [pid]
    while todo:
        found = _children(todo.pop()) - out
        out |= found
        todo += found
    return out


@pytest.mark.slow
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_killing_the_batch_ends_its_workers(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "busy.txt").write_bytes(("收入1234.56万元，增长12.3%。\n" * 400000).encode("utf-8"))
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, "-m", "decextract", "batch", str(folder), "--db",
                             f"sqlite:///{tmp_path / 'out.sqlite'}", "-j", "1", "-q", "--timeout", "0"], env=env)
    workers: set[int] = set()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not workers - _children(proc.pid):
        # the batch's processes: the fork server and its workers (its children), the resource tracker
        workers = {p for p in _descendants(proc.pid) if "decextract-worker" in _cmdline(p) or _is_python(p)}
        time.sleep(0.2)
    assert workers - _children(proc.pid), "no worker forked by the fork server"
    time.sleep(1.0)  # the worker is busy on the document
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(os.path.exists(f"/proc/{w}") and not _zombie(w) for w in workers):
        time.sleep(0.1)
    alive = [w for w in workers if os.path.exists(f"/proc/{w}") and not _zombie(w)]
    for w in alive:  # do not leave an orphan behind even when the test fails
        os.kill(w, signal.SIGKILL)
    assert not alive, "a worker outlived the batch"


def _cmdline(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return f.read().decode(errors="replace")
    except OSError:
        return ""


def _is_python(pid: int) -> bool:
    return "multiprocessing" in _cmdline(pid)


def _zombie(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] == "Z"
    except OSError:
        return True


def test_a_name_with_a_newline_cannot_forge_a_log_line(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "bad\nfailed: forged.txt").write_bytes(b"")
    (folder / "ok.txt").write_text("2020年收入10万元。", encoding="utf-8")
    proc = run_cli("in", "--db", "sqlite:///out.sqlite", cwd=tmp_path)
    assert proc.returncode == 1
    failures = [line for line in proc.stderr.splitlines() if line.startswith("failed:")]
    assert failures == ["failed: " + repr(str(folder / "bad\nfailed: forged.txt"))
                        + ": UnsupportedFormatError: empty file"]


def test_the_summary_counts_documents_loaded_with_warnings(tmp_path):
    from hostile import pdf_lone_surrogate

    folder = tmp_path / "in"
    make_docs(folder, 1)
    (folder / "glyphs.pdf").write_bytes(pdf_lone_surrogate())
    (folder / "cut.txt").write_bytes(SEED_TXT.read_bytes() + "收".encode()[:2])
    proc = run_cli("in", "--db", "sqlite:///out.sqlite", "-q", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert re.search(r"succeeded\s+3", proc.stdout) and re.search(r"with warnings\s+2", proc.stdout)
    assert re.search(r"replaced_characters\s+1", proc.stdout) and re.search(r"truncated_character\s+1", proc.stdout)
    assert re.search(r"memory\s+\d+(\.\d)? MB\s+peak of a worker \(limit 2 GB\)", proc.stdout)


def test_a_memory_limit_below_what_a_worker_needs_stops_the_batch_with_a_clear_error(tmp_path):
    make_docs(tmp_path / "in", 1)
    proc = run_cli("in", "--db", "sqlite:///out.sqlite", "--max-memory", "20M", "-q", cwd=tmp_path)
    assert proc.returncode == 2
    assert "--max-memory 20 MB is less than a worker needs to start" in proc.stderr
    assert "Traceback" not in proc.stderr


# ---------------------------------------------------------------- rows prepared in the workers


def _table_dump(db: Path) -> list[tuple]:
    """Every row of every decextract table, with its values' types, the times blanked, sorted."""
    import sqlite3

    con = sqlite3.connect(db)
    out = []
    for (name,) in con.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name != 'schema_version'"):
        cur = con.execute(f"SELECT * FROM {name}")
        columns = [c[0] for c in cur.description]
        for row in cur:
            out.append((name, *((c, type(v).__name__, "-" if c in ("extracted_at", "added_at", "id") else v)
                                for c, v in zip(columns, row, strict=True))))
    con.close()
    return sorted(out, key=repr)


def _without_times(text: str) -> list[str]:
    return sorted(re.sub(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", "-", line) for line in text.splitlines())


def test_rows_the_workers_prepare_are_what_each_sink_writes_from_the_records(tmp_path):
    """A batch's workers make every document into what each sink writes (SQL rows as the driver takes
    them, JSON Lines and CSV bytes); the outputs are those made from the records in this process (the
    database's: by SQLAlchemy Core's inserts, with their own conversion of every value)."""
    import decextract
    from decextract import schema
    from decextract.sinks.sql import create_engine

    folder = tmp_path / "in"
    docs = make_docs(folder, 2) + [folder / "seed.pdf"]
    docs[-1].write_bytes((SAMPLES / "xiqu-zhengfawei-2020-juesuan.pdf").read_bytes())
    spec = {"db": f"sqlite:///{tmp_path / 'batch.sqlite'}", "jsonl": str(tmp_path / "batch.jsonl"),
            "csv": str(tmp_path / "batch-csv")}
    sinks = open_sinks(**spec)
    try:
        summary = run_batch([folder], sinks, workers=2, progress=False)
    finally:
        for s in sinks:
            s.close()
    assert summary.succeeded == 3
    direct = open_sinks(**{k: v.replace("batch", "direct") for k, v in spec.items() if k != "db"})
    core = create_engine(f"sqlite:///{tmp_path / 'direct.sqlite'}")  # SQLAlchemy Core's inserts: the reference
    try:
        for path in docs:
            records = decextract.extract(path)
            for sink in direct:
                sink.write_document(records[0].sha256, [str(path)], records, replace=False)
            with core.begin() as conn:
                for name, rows in schema.rows_of(records[0].sha256, records, version=decextract.__version__).items():
                    if rows:
                        conn.execute(schema.metadata.tables[name].insert(), rows)
                conn.execute(schema.sources.insert(), schema.source_row(records[0].sha256, str(path)))
    finally:
        for s in direct:
            s.close()
        core.dispose()
    assert _table_dump(tmp_path / "batch.sqlite") == _table_dump(tmp_path / "direct.sqlite")
    assert len(_table_dump(tmp_path / "batch.sqlite")) > 1000
    assert (_without_times((tmp_path / "batch.jsonl").read_text("utf-8"))
            == _without_times((tmp_path / "direct.jsonl").read_text("utf-8")))
    for f in sorted((tmp_path / "batch-csv").glob("*.csv")):
        assert (_without_times(f.read_text("utf-8-sig"))
                == _without_times((tmp_path / "direct-csv" / f.name).read_text("utf-8-sig"))), f.name


def test_with_encoders_a_result_carries_the_sinks_rows_and_only_the_records_a_batch_counts(tmp_path):
    from decextract.sinks.jsonl import JsonlSink
    from decextract.sinks.sql import SqlSink

    make_docs(tmp_path / "in", 1)
    with SqlSink(f"sqlite:///{tmp_path / 'out.sqlite'}") as sql, JsonlSink(tmp_path / "out.jsonl") as jsonl:
        encoders = [sql.encoder(), jsonl.encoder()]
        (result,) = extract_many([tmp_path / "in"], 1, encoders=encoders)
    rows, lines = result.encoded
    assert {r.TYPE for r in result.records} <= workers.SUMMARY_TYPES and result.records[0].TYPE == "document"
    assert len(rows["figures"]) > 10 and all(isinstance(row, tuple) for row in rows["figures"])
    assert all(isinstance(row[3], str) for row in rows["figures"])  # a decimal as text in SQLite
    (data,) = lines.values()
    assert data.count(b"\n") == len(rows["figures"]) + sum(len(rows[t]) for t in rows if t not in (
        "figures", "table_cells", "sources"))


class FailingRows:
    """An encoder failing on one document (picklable: a worker unpickles it)."""

    def __call__(self, sha256, records):
        if records[0].source.endswith("doc-001.txt"):
            raise ValueError("cannot prepare this one")
        return None


class FailingSink:
    name = "failing"
    outputs = ()

    def __init__(self):
        self.written = []

    def encoder(self):
        return FailingRows()

    def loaded(self):
        return set()

    def failed(self):
        return {}

    def write_document(self, sha256, paths, records, *, replace, encoded=None):
        self.written.append(paths[0])

    def add_sources(self, sha256, paths):
        pass

    def write_error(self, path, sha256, stage, error_class, message, location=None):
        self.written.append((Path(path).name, stage, error_class, message))

    def close(self):
        pass


def test_an_encoder_failing_in_the_worker_fails_that_document_at_the_write_stage_and_the_batch_goes_on(tmp_path):
    make_docs(tmp_path / "in", 3)
    sink = FailingSink()
    summary = run_batch([tmp_path / "in"], [sink], workers=1, progress=False)
    assert (summary.succeeded, summary.failed) == (2, 1)
    assert ("doc-001.txt", "write", "ValueError", "cannot prepare this one") in sink.written
    assert sum(isinstance(w, str) for w in sink.written) == 2


def test_workers_take_the_environment_and_folder_of_the_batch_that_asks_for_them(tmp_path, monkeypatch):
    """Workers are forked from a server started with an earlier batch: each takes on the environment and
    working directory of the batch that asks for it, as a spawned worker would (DECEXTRACT_OCR=0 set after
    the server started turns OCR off; a relative path is the asking batch's)."""
    from fixtures_formats import scanned_pdf

    seed_pdf = ROOT / "samples" / "xiqu-zhengfawei-2020-juesuan.pdf"
    first = tmp_path / "first.txt"
    first.write_text("2020年度部门决算。一般公共预算财政拨款支出1.5万元。", encoding="utf-8")
    assert [r.status for r in extract_many([first], 1)] == ["ok"]  # the fork server runs from here on
    folder = tmp_path / "later"
    folder.mkdir()
    scanned_pdf(seed_pdf, folder / "scan.pdf", dpi=60, pages=range(1, 2))
    monkeypatch.setenv("DECEXTRACT_OCR", "0")
    monkeypatch.chdir(folder)
    (result,) = extract_many(["scan.pdf"], 1)
    assert result.status == "ok", result.failure
    doc = result.records[0]
    assert "OCR is turned off" in next(n.message for n in doc.warnings if n.code == "no_text_pages")


_STUCK_AT_THE_CAP = """
import mmap, os, resource, time
from decextract import workers

_kept = []


def extract_path(*args, **kwargs):  # fill the address space to 1 MB under the cap, then never answer
    soft, _ = resource.getrlimit(resource.RLIMIT_AS)
    with open("/proc/self/statm", "rb") as f:
        size = int(f.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    _kept.append(mmap.mmap(-1, soft - size - (1 << 20)))
    time.sleep(600)


workers.extract_path = extract_path
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="RLIMIT_AS, /proc")
def test_a_worker_stuck_at_its_memory_cap_is_out_of_memory(tmp_path):
    """With no room left under its cap, a worker can loop in place (each new exception needs memory it cannot
    get) and never report: one whose address space stays at the cap is stopped and its document fails on
    memory, even without a timeout."""
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.txt").write_text("2020年度部门决算。一般公共预算财政拨款支出1.5万元。", encoding="utf-8")
    site = tmp_path / "site"
    site.mkdir()
    (site / "sitecustomize.py").write_text(_STUCK_AT_THE_CAP, encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": f"{site}{os.pathsep}{ROOT}"}
    started = time.monotonic()
    proc = subprocess.run([sys.executable, "-m", "decextract", "batch", str(folder), "--jsonl",
                           str(tmp_path / "o.jsonl"), "-j", "1", "--timeout", "0", "--max-memory", "400M"],
                          capture_output=True, text=True, timeout=300, env=env, cwd=tmp_path)
    assert proc.returncode == 1, proc.stderr[-2000:]
    assert re.search(r"a\.txt.*the memory limit of 400 MB", proc.stdout + proc.stderr), proc.stdout + proc.stderr
    assert time.monotonic() - started < 120
