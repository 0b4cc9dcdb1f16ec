"""The command line: extract and tables, per-file errors, exit status, python -m."""

from __future__ import annotations

import fnmatch
import json
import os
import re
import sqlite3
import subprocess
import sys

import pytest
from click.testing import CliRunner
from conftest import ROOT, SAMPLES, SEED

from decextract.cli import cli

TXT = str(SAMPLES / f"{SEED}.txt")
DOCX = str(SAMPLES / f"{SEED}.docx")


def test_extract_writes_one_json_record_a_line():
    result = CliRunner().invoke(cli, ["extract", TXT])
    assert result.exit_code == 0, result.output
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert records[0]["type"] == "document" and records[0]["fiscal_year"] == 2020
    types = {r["type"] for r in records}
    assert {"figure", "table", "performance_project", "performance_indicator"} <= types


def test_a_bad_file_is_reported_and_the_others_still_run(tmp_path):
    bad = tmp_path / "broken.docx"
    bad.write_bytes(b"PK\x03\x04 not really a zip")
    empty = tmp_path / "empty.pdf"
    empty.write_bytes(b"")
    result = CliRunner().invoke(cli, ["extract", str(bad), TXT, str(empty)])
    assert result.exit_code == 1
    assert "broken.docx" in result.stderr and "empty.pdf" in result.stderr
    assert "2 of 3 file(s) failed" in result.stderr
    docs = [json.loads(line) for line in result.stdout.splitlines() if '"type":"document"' in line]
    assert [d["source"] for d in docs] == [TXT]


def test_extract_to_a_file(tmp_path):
    out = tmp_path / "out.jsonl"
    result = CliRunner().invoke(cli, ["extract", TXT, "-o", str(out)])
    assert result.exit_code == 0 and result.stdout == ""
    assert json.loads(out.read_text(encoding="utf-8").splitlines()[0])["type"] == "document"


def test_tables_lists_what_was_recognised_and_writes_csv(tmp_path):
    result = CliRunner().invoke(cli, ["tables", DOCX, "--csv", str(tmp_path)])
    assert result.exit_code == 0, result.output
    lines = [line for line in result.stdout.splitlines() if "project_goal_completion " in line]
    assert len(lines) == 5 and all("项目绩效目标完成情况表" in line and "万元" in line for line in lines)
    csvs = sorted(tmp_path.glob("*.csv"))
    assert len(csvs) == 5
    first = csvs[0].read_text(encoding="utf-8-sig").splitlines()[0]
    assert first.startswith("项目名称,矛盾纠纷多元化解（大调解）专项经费")


def test_python_dash_m_runs_the_cli():
    run = subprocess.run([sys.executable, "-m", "decextract", "--version"], capture_output=True, text=True)
    assert run.returncode == 0 and "decextract" in run.stdout


# --- like the tools researchers know -------------------------------------------------------------------------------


def test_version_names_the_package_and_the_schema():
    from decextract import __version__
    from decextract.schema import SCHEMA_VERSION

    result = CliRunner().invoke(cli, ["--version"])
    assert result.exit_code == 0
    assert result.stdout.strip() == f"decextract {__version__} (database schema {SCHEMA_VERSION})"


@pytest.mark.parametrize("command", [
    ["extract", "{missing}", TXT, "-o", "{out}"],
    ["extract", TXT, "{missing}", "--xlsx", "{out}"],
    ["tables", "{missing}", "--csv", "{out}"],
    ["batch", "{missing}", "--db", "{out}"],
    ["batch", TXT, "{missing}"],  # not even the default database in the working directory
    ["review", "{missing}", "-o", "{out}"],
    ["show", "{missing}", "--page", "1", "--png", "{out}"],
], ids=lambda c: " ".join(c[:2]).replace(TXT, "FILE"))
def test_a_path_that_does_not_exist_is_a_usage_error_and_creates_nothing(command, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    args = [a.format(missing=tmp_path / "missing", out=tmp_path / "out") for a in command]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 2, result.output
    assert "no such file or folder" in result.output and "missing" in result.output
    assert list(tmp_path.iterdir()) == []  # no database, no output file, no folder


def test_a_glob_that_matches_nothing_is_a_usage_error(tmp_path):
    result = CliRunner().invoke(cli, ["extract", str(tmp_path / "*.pdf")])
    assert result.exit_code == 2 and "no such file or folder" in result.output


def test_extract_and_tables_take_folders_and_globs(tmp_path, monkeypatch):
    (tmp_path / "in" / "sub").mkdir(parents=True)
    (tmp_path / "in" / "a.txt").write_bytes(SAMPLES.joinpath(f"{SEED}.txt").read_bytes())
    (tmp_path / "in" / "sub" / "b.docx").write_bytes(SAMPLES.joinpath(f"{SEED}.docx").read_bytes())
    (tmp_path / "in" / ".hidden.txt").write_text("2020年收入100万元。", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    folder = runner.invoke(cli, ["extract", "in"])
    assert folder.exit_code == 0, folder.output
    sources = [json.loads(line)["source"] for line in folder.stdout.splitlines() if '"type":"document"' in line]
    assert sources == [os.path.join("in", "a.txt"), os.path.join("in", "sub", "b.docx")]  # relative, as given
    globbed = runner.invoke(cli, ["tables", "in/**/*.docx"])
    assert globbed.exit_code == 0 and globbed.stdout.startswith(os.path.join("in", "sub", "b.docx") + ": 5 table(s)")
    both = runner.invoke(cli, ["extract", "in/a.txt", "in"])  # a file named twice is read once
    assert both.stdout.count('"type":"document"') == 2


def test_log_levels(tmp_path):
    quiet_doc = tmp_path / "nothing.txt"
    quiet_doc.write_text("本部门没有需要说明的事项。\n", encoding="utf-8")
    runner = CliRunner()
    default = runner.invoke(cli, ["extract", str(quiet_doc)])
    assert default.exit_code == 0 and "warning: " in default.stderr and "no figures or tables" in default.stderr
    assert "info:" not in default.stderr
    verbose = runner.invoke(cli, ["-v", "extract", str(quiet_doc)])
    assert re.search(r"info: .*nothing\.txt: 1 records in [0-9.]+ s", verbose.stderr)
    for quiet in (["-q"], ["--log-level", "error"], ["--log-level", "ERROR"]):
        result = runner.invoke(cli, [*quiet, "extract", str(quiet_doc)])
        assert result.exit_code == 0 and result.stderr == "", quiet
    info = runner.invoke(cli, ["--log-level", "info", "extract", str(quiet_doc)])
    assert "info: " in info.stderr and "debug: " not in info.stderr
    debug = runner.invoke(cli, ["-vv", "extract", str(quiet_doc)])
    assert f"debug: reading {quiet_doc}" in debug.stderr
    assert runner.invoke(cli, ["--log-level", "loud", "extract", str(quiet_doc)]).exit_code == 2


def test_batch_takes_a_plain_path_for_the_database(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["-q", "batch", TXT, "--db", "out.sqlite", "-j", "1"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "out.sqlite").is_file()
    listed = CliRunner().invoke(cli, ["query", "--db", "out.sqlite", "SELECT fiscal_year, kind FROM documents"])
    assert listed.exit_code == 0 and re.search(r"2020\s+决算", listed.stdout)


@pytest.fixture(scope="module")
def seed_db(tmp_path_factory):
    db = tmp_path_factory.mktemp("q") / "seed.sqlite"
    result = CliRunner().invoke(cli, ["-q", "batch", TXT, "--db", str(db), "-j", "1"])
    assert result.exit_code == 0, result.output
    return db


def test_query_prints_a_table_csv_or_json(seed_db):
    runner = CliRunner()
    sql = "SELECT label, value, relation FROM figures WHERE label = :label ORDER BY seq"
    table = runner.invoke(cli, ["query", "--db", str(seed_db), sql, "-p", "label", "一般公共预算财政拨款收入"])
    assert table.exit_code == 0, table.output
    lines = table.stdout.splitlines()
    assert lines[0].split() == ["label", "value", "relation"] and set(lines[1]) == {"-", " "}
    assert re.match(r"一般公共预算财政拨款收入\s+3398400\s+value", lines[2]) and lines[-1].endswith("rows)")
    widths = {len(line.rstrip()) for line in lines[:1]}
    assert widths  # header printed
    as_csv = runner.invoke(cli, ["query", "--db", str(seed_db), sql, "--csv", "-p", "label", "一般公共预算财政拨款收入"])
    assert as_csv.stdout.splitlines()[:2] == ["label,value,relation", "一般公共预算财政拨款收入,3398400,value"]
    as_json = runner.invoke(cli, ["query", "--db", str(seed_db), "SELECT warnings_json FROM documents", "--json"])
    assert json.loads(as_json.stdout.splitlines()[0]) == {"warnings_json": "[]"}


def test_query_errors_and_the_database_is_only_read(seed_db, tmp_path):
    runner = CliRunner()
    bad = runner.invoke(cli, ["query", "--db", str(seed_db), "SELECT nope FROM figures"])
    assert bad.exit_code == 1 and "query failed" in bad.stderr and "nope" in bad.stderr
    write = runner.invoke(cli, ["query", "--db", str(seed_db), "DELETE FROM figures"])
    assert write.exit_code == 1 and "readonly" in write.stderr.replace("-", "").replace(" ", "").lower()
    missing = runner.invoke(cli, ["query", "--db", str(tmp_path / "none.sqlite"), "SELECT 1"])
    assert missing.exit_code == 2 and "no such database file" in missing.stderr
    assert not (tmp_path / "none.sqlite").exists()
    other = tmp_path / "other.sqlite"
    sqlite3.connect(other).close()
    foreign = runner.invoke(cli, ["query", "--db", str(other), "SELECT 1"])
    assert foreign.exit_code == 2 and "not a decextract database" in foreign.stderr


def test_parquet_without_pyarrow_names_the_extra(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "pyarrow", None)  # as if pyarrow were not installed
    monkeypatch.delitem(sys.modules, "decextract.sinks.parquet", raising=False)
    result = CliRunner().invoke(cli, ["-q", "batch", TXT, "--parquet", str(tmp_path / "pq")])
    assert result.exit_code == 2
    assert "pip install 'decextract[parquet]'" in result.stderr


def test_core_modules_do_not_need_pyarrow():
    code = ("import sys; sys.modules['pyarrow'] = None; import decextract, decextract.cli, decextract.batch, "
            "decextract.exports, decextract.review, decextract.sinks.sql, decextract.sinks.csv, "
            "decextract.sinks.jsonl; print('ok')")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert run.returncode == 0 and run.stdout.strip() == "ok", run.stderr


def test_py_typed_and_assets_are_shipped():
    import configparser

    config = configparser.ConfigParser()
    config.read(ROOT / "setup.cfg", encoding="utf-8")
    package_data = {k: [p.strip() for p in v.split(",")] for k, v in config["options.package_data"].items()}
    assert (ROOT / "decextract" / "py.typed").is_file() and "py.typed" in package_data["decextract"]
    for path in (ROOT / "decextract").rglob("*"):  # every file that is not Python code is listed
        if path.is_file() and path.suffix not in (".py", ".pyc") and "__pycache__" not in path.parts:
            package = ".".join(path.parent.relative_to(ROOT).parts)
            patterns = package_data.get(package, [])
            assert any(fnmatch.fnmatch(path.name, p) for p in patterns), f"{path} is not in package_data"


def test_changelog_names_this_version_and_schema():
    from decextract import __version__
    from decextract.schema import SCHEMA_VERSION

    text = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    first = re.search(r"^## (\S+)", text, re.M)
    assert first and first.group(1) == __version__
    section = text.split("\n## ", 2)[1]
    assert f"schema {SCHEMA_VERSION}" in section.lower()


def test_extract_walks_a_folder_and_reports_each_file_it_cannot_read(tmp_path):
    import os

    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.txt").write_bytes((SAMPLES / f"{SEED}.txt").read_bytes())
    (folder / "empty.txt").write_bytes(b"")
    os.mkfifo(folder / "pipe.txt")
    (folder / "dangling.pdf").symlink_to(folder / "gone.pdf")
    result = CliRunner().invoke(cli, ["extract", str(folder), TXT])
    assert result.exit_code == 1
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 3 and any("pipe.txt" in e and "FIFO" in e for e in errors)
    assert "3 of 5 file(s) failed" in result.stderr
    docs = [json.loads(line) for line in result.stdout.splitlines() if '"type":"document"' in line]
    assert [d["source"] for d in docs] == [str(folder / "a.txt"), TXT]


def test_extract_stops_a_document_at_the_time_limit(tmp_path):
    big = tmp_path / "huge.txt"
    big.write_bytes(("一般公共预算财政拨款支出1234.56万元，比上年增长12.3%。\n" * 80000).encode("utf-8"))
    result = CliRunner().invoke(cli, ["extract", str(big), TXT, "--timeout", "1"])
    assert result.exit_code == 1
    assert "huge.txt" in result.stderr and "longer than 1 s" in result.stderr
    assert '"type":"document"' in result.stdout  # the next file still ran


def test_extract_refuses_a_file_over_the_size_limit(tmp_path):
    result = CliRunner().invoke(cli, ["extract", TXT, "--max-size", "10k"])
    assert result.exit_code == 1 and "larger than the size limit of 10 kB" in result.stderr
    bad = CliRunner().invoke(cli, ["extract", TXT, "--max-size", "lots"])
    assert bad.exit_code == 2 and "not a size" in bad.stderr


def test_extract_output_is_json_for_text_no_output_can_encode(tmp_path):
    from hostile import pdf_lone_surrogate

    path = tmp_path / "glyphs.pdf"
    path.write_bytes(pdf_lone_surrogate())
    result = CliRunner().invoke(cli, ["extract", str(path)])
    assert result.exit_code == 0, result.output
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert records[0]["warnings"][0]["code"] == "replaced_characters"
    assert [r["text"] for r in records if r["type"] == "figure"] == ["12.5%", "30%"]


def test_extract_forks_its_worker_and_keeps_its_memory_limit(tmp_path):
    """The worker of a one-shot ``extract`` is forked from the CLI (no second interpreter) and keeps issue 10's
    guarantees: a document beyond --max-memory is an error naming the file and the limit, the next file is
    still extracted, the exit status says a file failed."""
    import multiprocessing

    if "fork" not in multiprocessing.get_all_start_methods():  # (the CLI, a fresh process, runs no thread)
        pytest.skip("this platform cannot fork")
    big = tmp_path / "prose.txt"
    big.write_text("部门预算公开说明坚持高位推动高效运行。\n" * 1_000_000, encoding="utf-8")  # 58 MB
    probe = (
        "import sys, decextract.cli as c, decextract.workers as w\n"
        "made = []\n"
        "real = w._Worker.__init__\n"
        "def spy(self, ctx, limits, *rest):\n"
        "    made.append(ctx.get_start_method())\n"
        "    real(self, ctx, limits, *rest)\n"
        "w._Worker.__init__ = spy\n"
        "try:\n"
        "    c.cli(sys.argv[1:], standalone_mode=False)\n"
        "except SystemExit as stop:\n"
        "    print('methods', made, 'exit', stop.code, file=sys.stderr)\n"
    )
    # --timeout 0: only the memory limit may stop the big file (on a loaded machine the 120 s default came first)
    proc = subprocess.run([sys.executable, "-c", probe, "extract", "--max-memory", "350M", "--timeout", "0", str(big),
                           TXT], capture_output=True, text=True, timeout=900, cwd=tmp_path)
    assert "Traceback" not in proc.stderr, proc.stderr[-3000:]
    assert re.search(r"error: .*prose\.txt.*the memory limit of 350 MB \(--max-memory\)", proc.stderr), proc.stderr
    assert "methods ['fork'" in proc.stderr and "exit 1" in proc.stderr, proc.stderr
    records = [json.loads(line) for line in proc.stdout.splitlines()]
    assert records and {r["source"] for r in records if r["type"] == "document"} == {TXT}


def test_reading_a_text_loads_no_image_or_database_library():
    """A cold ``extract`` of a TXT pays for what it imports (issue 14: ≤ 2× the dependencies' import): the
    CLI, the pipeline and the workers import neither numpy nor OpenCV (OCR's, imported when a page needs it)
    nor SQLAlchemy (the batch's sinks).  Importing OCR from the worker loop once cost every run 70 ms."""
    code = ("import sys, decextract, decextract.cli, decextract.workers, decextract.batch\n"
            f"decextract.extract({TXT!r})\n"
            "print(sorted(m for m in ('numpy', 'cv2', 'sqlalchemy', 'rapidocr_onnxruntime') if m in sys.modules))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip() == "[]"


_WITHOUT_OCR_PACKAGES = """
import sys
for name in ("numpy", "cv2", "rapidocr_onnxruntime"):  # as in `pip install decextract`, without the ocr extra
    sys.modules[name] = None
"""


def test_the_base_install_reads_every_sample_without_the_ocr_packages(tmp_path):
    """The README's first command installs decextract without extras and runs ``batch samples/``: the PDF
    reader must not need numpy or OpenCV (OCR's), which it once imported with the OCR module and failed
    every PDF with ``No module named 'numpy'``.  A scan is then left unread with the reason."""
    from fixtures_formats import scanned_pdf

    site = tmp_path / "site"
    site.mkdir()
    (site / "sitecustomize.py").write_text(_WITHOUT_OCR_PACKAGES, encoding="utf-8")
    folder = tmp_path / "in"
    folder.mkdir()
    for f in SAMPLES.glob(f"{SEED}.*"):
        (folder / f.name).write_bytes(f.read_bytes())
    scanned_pdf(SAMPLES / f"{SEED}.pdf", folder / "scan.pdf", dpi=60, pages=range(1, 2))
    env = {**os.environ, "PYTHONPATH": f"{site}{os.pathsep}{ROOT}"}
    out = subprocess.run([sys.executable, "-m", "decextract", "batch", str(folder), "--jsonl",
                          str(tmp_path / "o.jsonl"), "-j", "1"], capture_output=True, text=True, timeout=300,
                         env=env, cwd=tmp_path)
    assert out.returncode == 0, out.stdout[-2000:] + out.stderr[-2000:]
    records = [json.loads(line) for line in (tmp_path / "o.jsonl").read_text("utf-8").splitlines()]
    docs = {r["source"].rsplit("/", 1)[-1]: r for r in records if r["type"] == "document"}
    assert {f"{SEED}.pdf", f"{SEED}.txt", f"{SEED}.docx", "scan.pdf"} <= set(docs)
    figures = [r for r in records if r["type"] == "figure" and r["prov"]["source"].endswith(f"{SEED}.pdf")]
    assert len(figures) > 100
    notice = next(w for w in docs["scan.pdf"]["warnings"] if w["code"] == "no_text_pages")
    assert "OCR is not installed" in notice["message"]
