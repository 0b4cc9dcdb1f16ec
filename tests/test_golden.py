"""Golden outputs: the whole JSON Lines of each seed sample, record for record.

Any change to what decextract emits for the seed shows up here as a diff to
review.  After a deliberate change, regenerate with
``DECEXTRACT_UPDATE_GOLDEN=1 python -m pytest tests/test_golden.py`` and commit
the new files with the change that explains them.
"""

from __future__ import annotations

import json
import os

import pytest
from conftest import ROOT, SEED

from decextract import extract, to_json

GOLDEN = ROOT / "tests" / "golden"


@pytest.mark.parametrize("fmt", ["txt", "docx", "pdf"])
def test_seed_output_is_unchanged(fmt, monkeypatch):
    monkeypatch.chdir(ROOT)  # sources are recorded as given: keep them relative
    lines = [to_json(r) for r in extract(f"samples/{SEED}.{fmt}")]
    golden = GOLDEN / f"{SEED}.{fmt}.jsonl"
    if os.environ.get("DECEXTRACT_UPDATE_GOLDEN"):
        golden.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    want = golden.read_text(encoding="utf-8").splitlines()
    for n, (have, expected) in enumerate(zip(lines, want, strict=False), 1):
        if have != expected:
            a, b = json.loads(have), json.loads(expected)
            fields = sorted(k for k in a.keys() | b.keys() if a.get(k) != b.get(k))
            pytest.fail(f"record {n} differs in {fields}:\n  now:    {have[:300]}\n  golden: {expected[:300]}")
    assert len(lines) == len(want), f"{len(lines)} records now, {len(want)} in {golden.name}"
