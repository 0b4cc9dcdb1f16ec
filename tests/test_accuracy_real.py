"""Held-out accuracy of figure meaning on the prose of two real PDFs.

The gold in tests/data/real-prose/ was labelled by hand from the page images
(see NOTES.md there). Only figure records from the labelled pages and outside
table cells are scored, with the project's copy of the shared scorer.
"""

from __future__ import annotations

import json
import subprocess
import sys
from functools import cache
from pathlib import Path

import pytest
from conftest import DATA, ROOT, write_jsonl

from decextract import extract
from decextract.records import Figure

PROSE = DATA / "real-prose"
DOCS = {
    "putuo-shehuigongzuobu-2024-juesuan": range(17, 23),
    "jiangsu-jianchayuan-2019-yusuan": range(25, 33),
}
FLOOR = {"recall": 0.95, "precision": 0.95, "label": 0.85, "year": 0.95,
         "relation": 0.95, "direction": 0.95, "approx": 0.95}
# One error below what decextract scores (when the gold was made: Putuo label 80/89 = 0.899,
# Jiangsu 109/112 = 0.973; after the label fixes it prompted: 89/89 and 111/112; every other
# metric 1.000 on both); never below FLOOR.
THRESHOLDS = {
    "putuo-shehuigongzuobu-2024-juesuan": {"recall": 0.98, "precision": 0.98, "label": 0.98, "year": 0.98,
                                           "relation": 0.98, "direction": 0.98, "approx": 0.98},
    "jiangsu-jianchayuan-2019-yusuan": {"recall": 0.98, "precision": 0.98, "label": 0.98, "year": 0.98,
                                        "relation": 0.98, "direction": 0.98, "approx": 0.98},
}


def prose_figures(records, pages: range) -> list[Figure]:
    """The figure records from ``pages`` that do not come from a table cell."""
    return [r for r in records if isinstance(r, Figure) and r.prov.page in pages and r.prov.cell is None]


@cache
def _score(name: str, real: str, tmp: str) -> dict:
    pages = DOCS[name]
    records = extract(Path(real) / f"{name}.pdf")
    out = write_jsonl(prose_figures(records, pages), Path(tmp) / f"{name}.jsonl")
    run = subprocess.run(
        [sys.executable, str(ROOT / "tests" / "score.py"), "figures", "--json", "--quiet",
         "--gold", str(PROSE / f"{name}.figures.json"), "--text", str(PROSE / f"{name}.txt"), str(out)],
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


@pytest.fixture(scope="module")
def scores(real_dir, tmp_path_factory):
    tmp = str(tmp_path_factory.mktemp("accuracy-real"))
    return lambda name: _score(name, str(real_dir), tmp)


@pytest.mark.parametrize("metric", sorted(FLOOR))
@pytest.mark.parametrize("name", list(DOCS))
def test_real_prose_accuracy(scores, name, metric):
    s = scores(name)
    want = THRESHOLDS[name][metric]
    assert s[metric] >= want, f"{name} {metric} {s[metric]:.3f} < {want}: {s['summary']}"


@pytest.mark.parametrize("name", list(DOCS))
def test_real_prose_no_span_errors(scores, name):
    assert scores(name)["span_errors"] == 0, scores(name)["summary"]


def test_thresholds_never_below_floor():
    for name, limits in THRESHOLDS.items():
        for metric, floor in FLOOR.items():
            assert limits[metric] >= floor, (name, metric)
