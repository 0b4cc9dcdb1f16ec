"""Accuracy of the figures on the seed, scored with the project's copy of the shared scorer.

Thresholds are the issue's: recall and precision >= 0.98, label >= 0.90,
year and relation >= 0.97, direction and approx >= 0.98, no span errors.
"""

from __future__ import annotations

from functools import cache

import pytest
from conftest import DATA, SAMPLES, SEED, score_figures, write_jsonl

from decextract import extract

THRESHOLDS = {"recall": 0.98, "precision": 0.98, "label": 0.90, "year": 0.97,
              "relation": 0.97, "direction": 0.98, "approx": 0.98}


@cache
def _score(fmt: str, tmp: str) -> dict:
    from pathlib import Path

    out = write_jsonl(extract(SAMPLES / f"{SEED}.{fmt}"), Path(tmp) / f"{fmt}.jsonl")
    return score_figures(out, DATA / f"{SEED}.figures.json", SAMPLES / f"{SEED}.txt")


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
