"""Shared fixtures: paths of the project's samples and of the shared real samples."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "samples"
DATA = ROOT / "tests" / "data"
SHARED = ROOT.parent / "shared"
REAL = SHARED / "samples" / "real"
SEED = "xiqu-zhengfawei-2020-juesuan"


@pytest.fixture(scope="session")
def real_dir() -> Path:
    if not REAL.is_dir():
        pytest.skip(f"real samples not found at {REAL} (the shared folder beside the checkout)")
    return REAL


def write_jsonl(records, path: Path) -> Path:
    from decextract.records import to_json

    path.write_text("".join(to_json(r) + "\n" for r in records), encoding="utf-8")
    return path


def load_json(path: Path):
    return json.loads(path.read_text(encoding="utf-8"))


def score_figures(out: Path, gold: Path, text: Path) -> dict:
    """Run the shared scorer (``tests/score.py figures``) on a JSONL of figure records: the rates it
    reports, the span error count and its summary line."""
    import subprocess
    import sys

    run = subprocess.run(
        [sys.executable, str(ROOT / "tests" / "score.py"), "figures", "--json", "--quiet",
         "--gold", str(gold), "--text", str(text), str(out)],
        capture_output=True, text=True, check=True,
    )
    counts = json.loads(run.stdout.splitlines()[-2])
    matched = counts["tp"]

    def share(ok: int) -> float:
        return ok / matched if matched else 0.0

    return {
        "recall": counts["tp"] / counts["gold"],
        "precision": counts["good"] / counts["counted"] if counts["counted"] else 0.0,
        "label": share(counts["label_ok"]),
        "year": share(counts["year_ok"]),
        "relation": share(counts["relation_ok"]),
        "direction": share(counts["direction_ok"]),
        "approx": share(counts["approx_ok"]),
        "span_errors": counts["span_errors"],
        "summary": run.stdout.splitlines()[-1],
    }
