"""Annex tables of the 普陀区商务委员会 2025 部门预算 PDF against hand-made gold.

The gold (tests/data/putuo-shangwuwei-2025-yusuan.tables.json) was typed from the rendered
pages 9-21 and cross-checked by the tables' own sums; the two tables declared empty
(“故本表为空表”, pp. 17-18) have no rows to score and are checked as TableInfo records.
"""

from __future__ import annotations

import subprocess
import sys

import pytest
from conftest import DATA, ROOT, load_json, write_jsonl

import decextract
from decextract.records import TableInfo, TableRow

PDF = "putuo-shangwuwei-2025-yusuan.pdf"
GOLD = DATA / "putuo-shangwuwei-2025-yusuan.tables.json"


@pytest.fixture(scope="module")
def records(real_dir):
    return decextract.extract(real_dir / PDF)


def test_every_gold_row_and_table_is_found(records, tmp_path):
    out = write_jsonl(records, tmp_path / "out.jsonl")
    run = subprocess.run(
        [sys.executable, str(ROOT / "tests" / "score.py"), "tables", "--gold", str(GOLD), str(out), "--quiet"],
        capture_output=True,
        text=True,
        check=True,
    )
    gold = load_json(GOLD)
    n_rows = sum(len(t["rows"]) for t in gold)
    assert run.stdout.strip().splitlines()[-1] == (
        f"tables: rows={n_rows}/{n_rows} tables_found={len(gold)}/{len(gold)} table_rows_emitted={n_rows}"
    )


def test_declared_empty_tables(records):
    empty = {r.table: (r.table_id, r.pages) for r in records if isinstance(r, TableInfo) and r.empty}
    assert empty == {
        "2025年部门政府性基金预算支出功能分类预算表": ("yusuan.fund", (17,)),
        "2025年部门国有资本经营预算支出功能分类预算表": ("yusuan.state_capital", (18,)),
    }
    assert not [r for r in records if isinstance(r, TableRow) and r.table in empty]


def test_gold_tables_are_the_non_empty_ones(records):
    found = [r.table for r in records if isinstance(r, TableInfo) and not r.empty]
    assert found == [t["table"] for t in load_json(GOLD)]
