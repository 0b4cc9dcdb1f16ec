"""Tables as plain grids and CSV files, for a person to open in a spreadsheet."""

from __future__ import annotations

import csv
from pathlib import Path

import regex

from ..model import Table

_UNSAFE = regex.compile(r"[^\w.\-]+")


def table_grid(table: Table) -> list[list[str]]:
    """The grid as printed: a merged cell's text in its top-left slot, the slots it covers empty."""
    rows = [[""] * table.n_cols for _ in range(table.n_rows)]
    for cell in table.cells:
        rows[cell.row][cell.col] = cell.text
    return rows


def write_table_csv(table: Table, directory: Path, stem: str) -> Path:
    """Write ``table`` as ``directory/stem.csv`` (UTF-8 with BOM, so spreadsheets read the Chinese)."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{_UNSAFE.sub('_', stem)}.csv"
    with open(path, "w", encoding="utf-8-sig", newline="") as f:
        csv.writer(f).writerows(table_grid(table))
    return path
