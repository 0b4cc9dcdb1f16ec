"""Rows for a person at a terminal: an aligned text table (Chinese counted double width), CSV or JSON Lines.

Values print as a person reads them: decimals in plain notation, JSON with Chinese as is, NULL as an
empty cell (``null`` in JSON).
"""

from __future__ import annotations

import csv
import json
import sys
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal
from typing import Any, TextIO

from .records import compact_json, decimal_text

#: characters of a cell in the text table before it is cut with "…"
MAX_WIDTH = 60


def cell_text(value: Any, dumps: Callable[[Any], str] | None = None) -> str:
    """A value as text (a terminal's table, CSV): decimals plain, JSON compact with Chinese kept (or as
    ``dumps`` writes it), ``true``/``false``, a whole float without ``.0``, bytes in hexadecimal, NULL empty."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return decimal_text(value)
    if isinstance(value, (dict, list)):
        return (dumps or compact_json)(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, bytes):
        return value.hex()
    return str(value)


def width(text: str) -> int:
    """Columns ``text`` takes in a terminal: wide (CJK) characters count two, combining marks none."""
    return sum(0 if unicodedata.combining(c) else 2 if unicodedata.east_asian_width(c) in "WF" else 1
               for c in text)


def _cut(text: str, limit: int) -> str:
    text = " ".join(text.split())  # one line per row
    if width(text) <= limit:
        return text
    out, used = [], 0
    for c in text:
        w = width(c)
        if used + w > limit - 1:
            break
        out.append(c)
        used += w
    return "".join(out) + "…"


def _pad(text: str, to: int, right: bool) -> str:
    gap = " " * (to - width(text))
    return gap + text if right else text + gap


def print_rows(columns: Sequence[str], rows: Iterable[Sequence[Any]], style: str = "table",
               out: TextIO | None = None, max_width: int = MAX_WIDTH) -> int:
    """Print ``rows`` under ``columns`` as ``table``, ``csv`` or ``json``; return the number of rows."""
    out = out or sys.stdout
    if style == "csv":
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(columns)
        n = 0
        for row in rows:
            writer.writerow([cell_text(v) for v in row])
            n += 1
        return n
    if style == "json":
        n = 0
        for row in rows:
            obj = {c: (decimal_text(v) if isinstance(v, Decimal) else v) for c, v in zip(columns, row, strict=True)}
            out.write(json.dumps(obj, ensure_ascii=False, default=str) + "\n")
            n += 1
        return n
    raw = [list(row) for row in rows]
    texts = [[_cut(cell_text(v), max_width) for v in row] for row in raw]
    numeric = [all(isinstance(r[i], (int, float, Decimal)) and not isinstance(r[i], bool) or r[i] is None
                   for r in raw) and any(r[i] is not None for r in raw) for i in range(len(columns))]
    widths = [max([width(c)] + [width(r[i]) for r in texts]) for i, c in enumerate(columns)]
    if columns:
        out.write("  ".join(_pad(c, w, False) for c, w in zip(columns, widths, strict=True)).rstrip() + "\n")
        out.write("  ".join("-" * w for w in widths) + "\n")
    for row in texts:
        out.write("  ".join(_pad(v, w, right) for v, w, right in zip(row, widths, numeric, strict=True)).rstrip()
                  + "\n")
    out.write(f"({len(texts)} row{'' if len(texts) == 1 else 's'})\n")
    return len(texts)
