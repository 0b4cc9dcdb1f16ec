"""Annex tables of real samples scored against hand-made gold with ``tests/score.py tables``.

The gold files in ``tests/data`` were typed from the page images (rendered with
pypdfium2), not taken from the extractor's output. Names of rows under a label
cell merged down the left (收入预算总表) or printed across several label columns
(政府采购支出预算表) are the row's distinct label texts, left to right, joined with "/".
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from functools import cache
from pathlib import Path

import pytest
from conftest import DATA, ROOT, load_json, write_jsonl
from score import norm, title_key

import decextract
from decextract.records import TableInfo, TableRow

JIANGSU = "jiangsu-jianchayuan-2019-yusuan"
PUTUO = "putuo-shehuigongzuobu-2024-juesuan"


def _gold_path(stem: str) -> Path:
    return DATA / f"{stem}.tables.json"


@cache
def _records(path: Path) -> tuple:
    return tuple(decextract.extract(path))


def _score(gold: Path, records, out: Path) -> str:
    """The summary line of ``score.py tables`` for these records."""
    write_jsonl(records, out)
    run = subprocess.run(
        [sys.executable, str(ROOT / "tests" / "score.py"), "tables", "--gold", str(gold), str(out), "--quiet"],
        capture_output=True,
        text=True,
        check=True,
    )
    return run.stdout.strip().splitlines()[-1]


def test_jiangsu_every_gold_row_and_table_found_and_nothing_else(real_dir, tmp_path):
    gold = _gold_path(JIANGSU)
    n_rows = sum(len(t["rows"]) for t in load_json(gold))
    n_tables = len(load_json(gold))
    line = _score(gold, _records(real_dir / f"{JIANGSU}.pdf"), tmp_path / "out.jsonl")
    assert line == f"tables: rows={n_rows}/{n_rows} tables_found={n_tables}/{n_tables} table_rows_emitted={n_rows}"


def test_jiangsu_fund_table_is_declared_empty(real_dir):
    """公开10表 (p20) holds only “此表为空”: a table record marked empty and no rows."""
    records = _records(real_dir / f"{JIANGSU}.pdf")
    title = "政府性基金预算财政拨款支出预算表"
    infos = [r for r in records if isinstance(r, TableInfo)]
    assert [(i.table, i.table_id, i.empty, i.prov.page) for i in infos if i.empty] == [(title, "yusuan.fund", True, 20)]
    assert not [r for r in records if isinstance(r, TableRow) and r.table == title]


def _gold_tables():
    for stem in (JIANGSU, PUTUO):
        for n, table in enumerate(load_json(_gold_path(stem)), 1):
            yield pytest.param(stem, table, id=f"{stem.split('-')[1]}-{n:02d}")


@pytest.mark.parametrize("stem, table", list(_gold_tables()))
def test_each_gold_table_alone(real_dir, tmp_path, stem, table):
    """Each table scored against only the rows of the table with exactly its title.

    score.py also takes rows from tables whose title contains the gold title
    (收支预算总表 in 财政拨款收支预算总表); this keeps the tables apart and checks sides,
    which score.py lets pass when a row has none.
    """
    key = title_key(table["table"])
    rows = [r for r in _records(real_dir / f"{stem}.pdf") if isinstance(r, TableRow) and title_key(r.table) == key]
    gold = tmp_path / "gold.json"
    gold.write_text(json.dumps([table], ensure_ascii=False), encoding="utf-8")
    n = len(table["rows"])
    assert _score(gold, rows, tmp_path / "out.jsonl") == f"tables: rows={n}/{n} tables_found=1/1 table_rows_emitted={n}"
    assert Counter((norm(r.name), r.side) for r in rows) == Counter((norm(g["name"]), g["side"]) for g in table["rows"])
