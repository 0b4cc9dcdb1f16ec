"""Prose reading scales linearly: figures of one huge line, at 1×, 4× and 16× its size.

A table flattened into one line, or a hostile file of megabytes of digits, commas and 万, is one
“sentence”; decextract reads it in bounded windows (figures._MAX_SENTENCE), so the time per character
stays flat as the line grows.  Prints, for each kind of line, the seconds and the time per character
relative to the smallest size (about 1.0 is linear; a quadratic reading would show 4 and 16).  The
tokenizer is loaded before timing.  A script, not a test: numbers depend on the machine.

    .venv/bin/python benchmarks/bench_prose.py [--chars 20000]
"""

from __future__ import annotations

import argparse
import time

from decextract.figures import figures_of
from decextract.model import Document, Paragraph

LINES = {"digits, commas and 万": "1,2万,", "amounts in clauses": "收入5万元，", "shares in a list": "占5%、"}


def seconds(text: str) -> tuple[float, int]:
    doc = Document(source="bench", sha256="0" * 64, format="txt", blocks=(Paragraph(0, text),))
    t = time.perf_counter()
    n = sum(1 for _ in figures_of(doc, 2020))
    return time.perf_counter() - t, n


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--chars", type=int, default=20000, help="characters of the smallest line")
    args = ap.parse_args()
    seconds("收入5万元，支出4万元。")  # load the tokenizer and the lexicons
    print(f"{'line':24} {'chars':>9} {'figures':>8} {'seconds':>8} {'per char vs 1x':>15}")
    for name, unit in LINES.items():
        base = None
        for factor in (1, 4, 16):
            text = unit * (args.chars * factor // len(unit))
            s, n = seconds(text)
            per_char = s / len(text)
            base = base or per_char
            print(f"{name:24} {len(text):9} {n:8} {s:8.2f} {per_char / base:15.2f}")


if __name__ == "__main__":
    main()
