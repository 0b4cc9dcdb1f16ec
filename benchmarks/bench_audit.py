"""What the audit adds to the time of ``extract``, in the same process.

For the seed (TXT, DOCX, PDF) and each real PDF found beside the checkout it times
``decextract.extract(path)`` — the whole pipeline, the audit included — and the audit alone
(:func:`decextract.checks.audit` over the same records and annotated document), takes the best of
several repetitions of each, and prints the audit's share of the extraction (target: at most 0.10).
A warm-up run first loads what every run shares (jieba's dictionary, imports, data files).

Usage: ``python benchmarks/bench_audit.py [--repeat N] [FILE ...]``
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import decextract  # noqa: E402
import decextract.checks.concepts as concept_map  # noqa: E402
import decextract.checks.prose as prose_rules  # noqa: E402
from decextract.checks import audit  # noqa: E402
from decextract.readers import read_document  # noqa: E402
from decextract.records import Check  # noqa: E402
from decextract.tables import annotate  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_pdf import best_of  # noqa: E402  (the same timing as the PDF benchmark)

SHARED = ROOT.parent / "shared" / "samples"
SEED = "xiqu-zhengfawei-2020-juesuan"


def cold_audit(records, doc) -> None:
    """The audit as a new document meets it: the per-label caches emptied first."""
    for cached in (concept_map._normal_label, prose_rules._clean):
        cached.cache_clear()
    audit(records, doc)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="*", type=Path, help="files to time (default: the seed and the real PDFs)")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    files = args.files or [ROOT / "samples" / f"{SEED}.{fmt}" for fmt in ("txt", "docx", "pdf")]
    if not args.files:
        files += sorted((SHARED / "real").glob("*.pdf"))
    decextract.extract(files[0])  # warm-up
    total_extract = total_audit = 0.0
    print(f"{'file':<44} {'extract s':>10} {'audit s':>9} {'ratio':>7} {'checks':>7}")
    for path in files:
        records = decextract.extract(path)
        plain = [r for r in records if not isinstance(r, Check)]
        doc = annotate(read_document(path))
        extract_s = best_of(args.repeat, lambda p=path: decextract.extract(p))
        audit_s = best_of(args.repeat, lambda r=plain, d=doc: cold_audit(r, d))
        total_extract += extract_s
        total_audit += audit_s
        n = sum(isinstance(r, Check) for r in records)
        print(f"{path.name[:44]:<44} {extract_s:>10.3f} {audit_s:>9.3f} {audit_s / extract_s:>7.3f} {n:>7}")
    print(f"{'all':<44} {total_extract:>10.3f} {total_audit:>9.3f} {total_audit / total_extract:>7.3f}")


if __name__ == "__main__":
    main()
