"""The command line: extract and tables, per-file errors, exit status, python -m."""

from __future__ import annotations

import json
import subprocess
import sys

from click.testing import CliRunner
from conftest import SAMPLES, SEED

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
    result = CliRunner().invoke(cli, ["extract", str(bad), TXT, str(tmp_path / "missing.pdf")])
    assert result.exit_code == 1
    assert "broken.docx" in result.stderr and "missing.pdf" in result.stderr
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
