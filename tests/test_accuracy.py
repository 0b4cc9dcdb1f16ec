"""Accuracy of the figures on the seed, scored with the project's copy of the shared scorer.

Thresholds are the issue's: recall and precision >= 0.98, label >= 0.90,
year and relation >= 0.97, direction and approx >= 0.98, no span errors.
"""

from __future__ import annotations

import json
import subprocess
import sys
from functools import cache

import pytest
from conftest import DATA, ROOT, SAMPLES, SEED, write_jsonl

from decextract import extract

THRESHOLDS = {"recall": 0.98, "precision": 0.98, "label": 0.90, "year": 0.97,
              "relation": 0.97, "direction": 0.98, "approx": 0.98}


@cache
def _score(fmt: str, tmp: str) -> dict:
    from pathlib import Path

    out = write_jsonl(extract(SAMPLES / f"{SEED}.{fmt}"), Path(tmp) / f"{fmt}.jsonl")
    run = subprocess.run(
        [sys.executable, str(ROOT / "tests" / "score.py"), "figures", "--json", "--quiet",
         "--gold", str(DATA / f"{SEED}.figures.json"), "--text", str(SAMPLES / f"{SEED}.txt"), str(out)],
        capture_output=True, text=True, check=True,
    )
    counts = json.loads(run.stdout.splitlines()[-2])
    matched = counts["tp"]
    return {
        "recall": counts["tp"] / counts["gold"],
        "precision": counts["good"] / counts["counted"] if counts["counted"] else 0.0,
        "label": counts["label_ok"] / matched if matched else 0.0,
        "year": counts["year_ok"] / matched if matched else 0.0,
        "relation": counts["relation_ok"] / matched if matched else 0.0,
        "direction": counts["direction_ok"] / matched if matched else 0.0,
        "approx": counts["approx_ok"] / matched if matched else 0.0,
        "span_errors": counts["span_errors"],
        "summary": run.stdout.splitlines()[-1],
    }


@pytest.fixture(scope="module")
def scores(tmp_path_factory):
    tmp = str(tmp_path_factory.mktemp("accuracy"))
    return lambda fmt: _score(fmt, tmp)


@pytest.mark.parametrize("fmt", ["txt", "docx", "pdf"])
@pytest.mark.parametrize("metric", sorted(THRESHOLDS))
def test_seed_accuracy(scores, fmt, metric):
    s = scores(fmt)
    assert s[metric] >= THRESHOLDS[metric], f"{fmt} {metric} {s[metric]:.3f} < {THRESHOLDS[metric]}: {s['summary']}"


@pytest.mark.parametrize("fmt", ["txt", "docx", "pdf"])
def test_seed_no_span_errors(scores, fmt):
    assert scores(fmt)["span_errors"] == 0, scores(fmt)["summary"]
