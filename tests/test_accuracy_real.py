"""Held-out accuracy of figure meaning on the prose of two real PDFs.

The gold in tests/data/real-prose/ was labelled by hand from the page images
(see NOTES.md there). Only figure records from the labelled pages and outside
table cells are scored, with the project's copy of the shared scorer.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest
from conftest import DATA, score_figures, write_jsonl

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
    return score_figures(out, PROSE / f"{name}.figures.json", PROSE / f"{name}.txt")


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
