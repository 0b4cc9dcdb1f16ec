"""The planted-error suite: errors planted into real disclosures are flagged where they were planted.

Each real PDF is read once; its document model is planted many times (tests/planting.py) and each planted
model goes through the pipeline.  The seed is planted as text (TXT) and with python-docx (DOCX) and read
again.  A planting counts as flagged when the planted document has a failing check — one that did not
fail before — whose checked figure or one of whose inputs is the planted place.  The test prints every
miss and asserts the rate over at least 200 plantings across at least 6 documents.
"""

from __future__ import annotations

from collections import Counter, defaultdict

import pytest
from conftest import REAL, SAMPLES, SEED
from planting import KINDS, Planting, docx_edit, docx_project_totals, key, model_plantings, points_at, seed_plantings

from decextract.pipeline import records_of
from decextract.readers import read_bytes, read_document
from decextract.records import Check
from decextract.tables import annotate

REAL_DOCS = ("putuo-shehuigongzuobu-2024-juesuan.pdf", "putuo-shangwuwei-2025-yusuan.pdf",
             "jiangsu-jianchayuan-2019-yusuan.pdf", "putuo-sifaju-2026-yusuan.pdf")
RATE = 0.95


def _failing(records) -> list[Check]:
    return [r for r in records if isinstance(r, Check) and not r.ok]


def _flagged(records, baseline: set, planting: Planting) -> bool:
    return any(points_at(c, planting.target) for c in _failing(records) if key(c) not in baseline)


def _model_results(path) -> list[tuple[str, Planting, bool]]:
    doc = annotate(read_document(path))
    records = records_of(doc)
    baseline = {key(c) for c in _failing(records)}
    return [(path.name, p, _flagged(records_of(p.make()), baseline, p)) for p in model_plantings(doc, records)]


def _seed_results(fmt: str) -> list[tuple[str, Planting, bool]]:
    path = SAMPLES / f"{SEED}.{fmt}"
    data = path.read_bytes()
    records = records_of(read_bytes(data, str(path)))
    baseline = {key(c) for c in _failing(records)}
    text = data.decode("utf-8") if fmt == "txt" else "\n".join(p.text for p in read_bytes(data, str(path)).paragraphs())
    out = []
    for planting, old, new in seed_plantings(text, records):
        planted = (data.decode("utf-8").replace(old, new, 1).encode("utf-8") if fmt == "txt"
                   else docx_edit(data, old, new))
        if planted is None:
            continue
        out.append((path.name, planting, _flagged(records_of(read_bytes(planted, str(path))), baseline, planting)))
    if fmt == "docx":
        for planting, planted in docx_project_totals(data, records):
            out.append((path.name, planting, _flagged(records_of(read_bytes(planted, str(path))), baseline, planting)))
    return out


@pytest.fixture(scope="module")
def results():
    if not REAL.is_dir():
        pytest.skip(f"real samples not found at {REAL} (the shared folder beside the checkout)")
    out = _seed_results("txt") + _seed_results("docx")
    for name in REAL_DOCS:
        out += _model_results(REAL / name)
    return out


def test_planted_errors_are_flagged_where_they_were_planted(results):
    misses = [(doc, p.kind, p.where) for doc, p, flagged in results if not flagged]
    by_kind: dict[str, Counter] = defaultdict(Counter)
    for _, p, flagged in results:
        by_kind[p.kind][flagged] += 1
    print(f"\nplanted {len(results)} errors in {len({d for d, _, _ in results})} documents; "
          f"flagged {len(results) - len(misses)}")
    for kind in KINDS:
        print(f"  {kind:<14} {by_kind[kind][True]:>3} of {sum(by_kind[kind].values())}")
    for miss in misses:
        print("  MISSED", *miss)
    assert len(results) >= 200
    assert len({doc for doc, _, _ in results}) >= 6
    assert set(by_kind) == set(KINDS), "every kind of error is planted"
    assert (len(results) - len(misses)) / len(results) >= RATE, misses
