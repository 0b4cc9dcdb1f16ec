"""The hostile corpus: ~170 damaged and hostile files (tests/hostile.py) through `decextract batch -j 2`.

The batch runs as a subprocess under an address-space cap and a time limit, with an audit hook in every
process (``sitecustomize``) that records any network connection and any file opened outside the inputs.
Every file must end loaded or as an error row naming it, the seed files among them must load, nothing may
print a traceback, crash a worker, time out or reach the network, each worker's peak memory is measured
(and printed) under the limit, and a batch killed with SIGKILL then run again must leave the same database
as a clean run.
"""

from __future__ import annotations

import os
import re
import resource
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import sqlalchemy as sa
from hostile import make_corpus

from decextract.storable import stored_path

ROOT = Path(__file__).resolve().parents[1]
MAX_MEMORY = "1G"
CAP = 4 << 30  # the address space of the whole batch (the writer and the workers it starts)
RUN_TIMEOUT = 900  # seconds: a hang anywhere fails the test instead of blocking CI

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not sys.platform.startswith("linux"), reason="FIFOs, /dev/zero, RLIMIT_AS")]

_AUDIT = '''
import os, sys
_log = os.open(os.environ["DECEXTRACT_AUDIT_LOG"], os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
_outside = os.environ["DECEXTRACT_AUDIT_OUTSIDE"].encode()

def _hook(event, args):
    if event == "socket.connect" and isinstance(args[1], tuple):
        os.write(_log, f"connect {args[1]!r}\\n".encode())
    elif event == "open" and args and isinstance(args[0], (str, bytes)):
        path = os.fsencode(args[0])
        if path.startswith(_outside) or path == b"/etc/passwd":
            os.write(_log, b"open " + path + b"\\n")

sys.addaudithook(_hook)
'''


def _cap() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (CAP, CAP))


class Run:
    def __init__(self, tmp: Path, corpus: Path, written: dict[str, str], audit: Path):
        self.tmp, self.corpus, self.written, self.audit = tmp, corpus, written, audit

    def env(self) -> dict[str, str]:
        site = self.tmp / "site"
        site.mkdir(exist_ok=True)
        (site / "sitecustomize.py").write_text(_AUDIT, encoding="utf-8")
        return {**os.environ, "PYTHONPATH": f"{site}{os.pathsep}{ROOT}", "DECEXTRACT_AUDIT_LOG": str(self.audit),
                "DECEXTRACT_AUDIT_OUTSIDE": str(self.corpus.parent / f"{self.corpus.name}-outside")}

    def command(self, db: Path) -> list[str]:
        return [sys.executable, "-m", "decextract", "batch", str(self.corpus), "--db", f"sqlite:///{db}", "-j", "2",
                "--max-memory", MAX_MEMORY, "--timeout", "60"]

    def batch(self, db: Path) -> subprocess.CompletedProcess:
        return subprocess.run(self.command(db), env=self.env(), capture_output=True, text=True,
                              timeout=RUN_TIMEOUT, preexec_fn=_cap, cwd=self.tmp)


@pytest.fixture(scope="module")
def clean(tmp_path_factory):
    """The corpus and one clean batch over it: (run, database, completed process, seconds)."""
    tmp = tmp_path_factory.mktemp("hostile")
    corpus = tmp / "corpus"
    written = make_corpus(corpus)
    run = Run(tmp, corpus, written, tmp / "audit.log")
    db = tmp / "clean.sqlite"
    started = time.monotonic()
    proc = run.batch(db)
    return run, db, proc, time.monotonic() - started


def query(db: Path, sql: str) -> list[tuple]:
    engine = sa.create_engine(f"sqlite:///{db}")
    try:
        with engine.connect() as conn:
            return [tuple(r) for r in conn.execute(sa.text(sql))]
    finally:
        engine.dispose()


def test_the_corpus_is_large_and_varied(clean):
    run, *_ = clean
    classes = set(run.written.values())
    assert len(run.written) >= 150
    assert sum(1 for c in run.written.values() if c == "fuzz") >= 60
    assert {"enc", "zipbomb", "xlsx", "docx", "pdf", "line", "special", "name", "seed"} <= classes


def test_every_file_is_loaded_or_an_error_row_naming_it(clean):
    run, db, proc, seconds = clean
    assert proc.returncode == 1, proc.stderr[-3000:]  # some files failed, and the batch finished
    expected = {stored_path(run.corpus / name) for name in run.written}
    loaded = {p for (p,) in query(db, "SELECT path FROM sources")}
    errors = dict(query(db, "SELECT path, message FROM errors"))
    assert not loaded & set(errors), "a file both loaded and failed"
    # an archive of documents (a ZIP named .docx holding a text, say) is accounted for by its members
    accounted = {p.split("!/", 1)[0] for p in loaded | set(errors)}
    assert accounted == expected
    members = {p for p in loaded | set(errors) if "!/" in p}
    assert all(p.split("!/", 1)[0] not in loaded | set(errors) for p in members), "an archive and its members"
    assert all(message.strip() for message in errors.values())
    summary = re.search(r"total\s+(\d+)", proc.stdout)
    assert summary and int(summary.group(1)) == len(expected) - len({p.split("!/", 1)[0] for p in members}) \
        + len(members)


def test_the_seed_files_in_the_same_folder_load(clean):
    run, db, *_ = clean
    loaded = {Path(p).name for (p,) in query(db, "SELECT path FROM sources")}
    assert {"seed.txt", "seed.docx", "seed.pdf", "inner.txt"} <= loaded
    formats = dict(query(db, "SELECT s.path, d.format FROM sources s JOIN documents d ON d.sha256 = s.sha256"))
    assert formats[str(run.corpus / "seed.pdf")] == "pdf"


def test_no_traceback_no_crash_no_timeout(clean):
    run, db, proc, _ = clean
    assert "Traceback" not in proc.stderr, proc.stderr[-3000:]
    classes = {c for (c,) in query(db, "SELECT error_class FROM errors")}
    assert not classes & {"WorkerCrashed", "ExtractionTimeout", "ExtractionError", "SinkError"}, classes
    by_name = {Path(p).name: c for p, c in query(db, "SELECT path, error_class FROM errors")}
    for name, cls in [("zipbomb-1g.docx", "MemoryLimitError"), ("zipbomb-lying-header.docx", "MemoryLimitError"),
                      ("pdf-flate-bomb-1g.pdf", "MemoryLimitError"), ("pdf-double-flate-bomb-2g.pdf", "MemoryLimitError"),
                      ("special-fifo.txt", "NotRegularFileError"), ("special-dev-zero.pdf", "LinkNotFollowedError"),
                      ("special-outside-link.txt", "LinkNotFollowedError")]:
        assert by_name.get(name) == cls, (name, by_name.get(name))


def test_hostile_grids_numbering_and_lines_load(clean):
    run, db, *_ = clean
    loaded = {Path(p).name for (p,) in query(db, "SELECT path FROM sources")}
    for name in run.written:
        if name.startswith(("xlsx-merged", "xlsx-sparse", "docx-grid", "docx-numbering", "line-", "enc-utf16",
                            "enc-cut", "enc-surrogate", "docx-xxe", "docx-external", "sql-")):
            assert name in loaded, name


def test_nothing_outside_the_inputs_is_read_and_nothing_reaches_the_network(clean):
    run, db, *_ = clean
    audit = run.audit.read_text(encoding="utf-8", errors="replace") if run.audit.exists() else ""
    assert audit == ""
    contexts = " ".join(c or "" for (c,) in query(db, "SELECT context FROM figures"))
    assert "999万元" not in contexts and "root:" not in contexts  # the linked secret, /etc/passwd
    sql = query(db, "SELECT count(*) FROM figures WHERE context LIKE '%DROP TABLE documents%'")
    assert sql[0][0] >= 1  # SQL in a document is stored as text, verbatim


def test_peak_worker_memory_is_measured_and_under_the_limit(clean, capsys):
    run, db, proc, seconds = clean
    m = re.search(r"memory\s+([\d.]+) (MB|GB)\s+peak of a worker \(limit 1 GB\)", proc.stdout)
    assert m, proc.stdout
    peak_mb = float(m.group(1)) * (1024 if m.group(2) == "GB" else 1)
    with capsys.disabled():
        print(f"\nhostile corpus: {len(run.written)} files in {seconds:.0f} s with -j 2; "
              f"peak worker memory {peak_mb:.0f} MB (limit {MAX_MEMORY})")
    assert 50 < peak_mb < 1024


def test_no_damaged_pdf_loads_without_a_warning(clean):
    """A fuzzed copy of a PDF that loaded with fewer records than its original lost something: it must
    say so in its warnings."""
    run, db, *_ = clean
    from decextract import extract

    originals = {}
    silent = []
    for path, n, warnings in query(db, "SELECT s.path, d.n_records, d.warnings_json FROM sources s "
                                       "JOIN documents d ON d.sha256 = s.sha256 WHERE d.format = 'pdf'"):
        name = Path(path).name
        if not name.startswith("fuzz-"):
            continue
        stem = name.split("-", 2)[2].rsplit(".", 1)[0]
        source = next(p for p in _fuzz_sources() if p.stem.startswith(stem))
        if source not in originals:
            originals[source] = len(extract(source))
        if n < originals[source] and warnings in (None, "[]"):
            silent.append((name, n, originals[source]))
    assert not silent


def _fuzz_sources():
    from hostile import fuzz_sources

    return fuzz_sources()


def test_kill_9_mid_run_then_rerun_leaves_the_clean_database(clean):
    run, clean_db, *_ = clean
    db = run.tmp / "killed.sqlite"
    proc = subprocess.Popen(run.command(db) + ["-q"], env=run.env(), stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True, preexec_fn=_cap, cwd=run.tmp)
    deadline = time.monotonic() + RUN_TIMEOUT
    loaded = 0
    while time.monotonic() < deadline and proc.poll() is None and loaded < 40:
        try:
            loaded = query(db, "SELECT count(*) FROM documents")[0][0] if db.exists() else 0
        except sa.exc.OperationalError:
            loaded = 0
        time.sleep(0.1)
    assert proc.poll() is None, "the batch ended before it could be killed"
    os.kill(proc.pid, signal.SIGKILL)
    proc.communicate(timeout=30)
    rerun = run.batch(db)
    assert "Traceback" not in rerun.stderr, rerun.stderr[-3000:]
    killed, clean_run = _snapshot(db), _snapshot(clean_db)
    # only what differs, so that a failure shows its cause (the whole snapshot is too long for a CI log)
    assert {k: (sorted(killed[k] - clean_run[k]), sorted(clean_run[k] - killed[k]))
            for k in killed if killed[k] != clean_run[k]} == {}


def _snapshot(db: Path) -> dict:
    """What a database holds, without timestamps and measured sizes."""
    tables = ["figures", "tables", "table_rows", "table_cells", "performance_projects", "performance_indicators",
              "checks"]
    return {
        "documents": set(query(db, "SELECT sha256, n_records, format, fiscal_year, warnings_json FROM documents")),
        "sources": set(query(db, "SELECT sha256, path FROM sources")),
        "errors": set(query(db, "SELECT path, sha256, stage, error_class FROM errors")),
        **{t: set(query(db, f"SELECT sha256, count(*) FROM {t} GROUP BY sha256")) for t in tables},
    }
