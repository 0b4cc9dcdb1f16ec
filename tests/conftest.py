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
