"""Speed of decextract's PDF extraction against pdfplumber's bare text pass, in the same process.

For the seed PDF (and each real PDF found beside the checkout) it times
``decextract.extract(path)`` — the whole pipeline: read, tables, figures — and
pdfplumber's ``extract_text()`` over every page, takes the best of several
repetitions of each, and prints their ratio (target: below 1.0).  It also times
the reader alone and the seed's TXT and DOCX extraction.  A warm-up run first
loads what every run shares (jieba's dictionary, imports), as a long batch would.

Usage: ``python benchmarks/bench_pdf.py [--repeat N] [FILE.pdf ...]``
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import pdfplumber  # noqa: E402

import decextract  # noqa: E402
from decextract.readers import read_document  # noqa: E402

SHARED = ROOT.parent / "shared" / "samples"
SEED = "xiqu-zhengfawei-2020-juesuan"


def seed_path(suffix: str) -> Path:
    for folder in (ROOT / "samples", SHARED / "seed"):
        if (folder / (SEED + suffix)).exists():
            return folder / (SEED + suffix)
    raise SystemExit(f"seed {SEED}{suffix} not found in samples/ or {SHARED / 'seed'}")


def best_of(repeat: int, run) -> float:
    """The fastest of ``repeat`` runs, in seconds (the least disturbed by the machine)."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return min(times)


def plumber_text(path: Path) -> None:
    with pdfplumber.open(path) as pdf:
        for page in pdf.pages:
            page.extract_text()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="*", type=Path, help="PDFs to compare (default: the seed and the real samples)")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    pdfs = args.files or [seed_path(".pdf"), *sorted((SHARED / "real").glob("*.pdf"))]

    decextract.extract(seed_path(".txt"))  # warm-up: imports, jieba dictionary, lexicons
    print(f"{'file':42} {'decextract':>11} {'reader':>8} {'pdfplumber':>11} {'ratio':>6}")
    for path in pdfs:
        whole = best_of(args.repeat, lambda p=path: decextract.extract(p))
        reader = best_of(args.repeat, lambda p=path: read_document(p))
        plumber = best_of(args.repeat, lambda p=path: plumber_text(p))
        print(f"{path.name:42} {whole:10.3f}s {reader:7.3f}s {plumber:10.3f}s {whole / plumber:6.2f}")
    for suffix in (".txt", ".docx"):
        path = seed_path(suffix)
        took = best_of(args.repeat, lambda p=path: decextract.extract(p))
        print(f"{path.name:42} {took:10.3f}s")


if __name__ == "__main__":
    main()
