"""OCR speed and accuracy on the seed rendered as a scan, and OCR's share of a batch's time.

It renders the seed PDF's pages to grey images at the OCR resolution, wraps them
as an image-only PDF, and measures, in the same process:

- OCR pages per second (RapidOCR as decextract runs it: the page levelled, ruling
  lines found and erased, then detection and recognition), against PDFium reading
  the same pages' text layer (the ratio says how much dearer a scanned page is);
- CPU seconds per page without and with deskew and the near-tie alternatives of
  the recogniser's output (their cost as a ratio);
- the characters OCR recovers of each page's text layer (recall over the page's
  characters, whitespace ignored), and the same for Tesseract with Debian's
  ``chi_sim`` data when the ``tesseract`` program is installed — the measurement
  behind the choice of engine;
- a batch over the seed's TXT, DOCX, PDF and the scan with ``-j 2``: the scan's
  share of the batch's time.

Usage: ``python benchmarks/bench_ocr.py [--pages N]`` (2 cores: set
``DECEXTRACT_OCR_THREADS`` to compare thread counts).
"""

from __future__ import annotations

import argparse
import difflib
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

import pypdfium2 as pdfium  # noqa: E402
from fixtures_formats import scanned_pdf  # noqa: E402

from decextract.batch import extract_many  # noqa: E402
from decextract.readers import ocr  # noqa: E402

SEED = "xiqu-zhengfawei-2020-juesuan"


def seed_path(suffix: str) -> Path:
    for folder in (ROOT / "samples", ROOT.parent / "shared" / "samples" / "seed"):
        if (folder / (SEED + suffix)).exists():
            return folder / (SEED + suffix)
    raise SystemExit(f"seed {SEED}{suffix} not found")


def recall(reference: str, found: str) -> float:
    ref, hyp = "".join(reference.split()), "".join(found.split())
    matcher = difflib.SequenceMatcher(None, ref, hyp, autojunk=False)
    return sum(b.size for b in matcher.get_matching_blocks()) / max(1, len(ref))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=0, help="only the first N pages (default: all)")
    args = parser.parse_args()
    why = ocr.unavailable()
    if why:
        raise SystemExit(why)
    text_pdf = pdfium.PdfDocument(str(seed_path(".pdf")))
    pages = range(1, (args.pages or len(text_pdf)) + 1)
    with tempfile.TemporaryDirectory() as tmp:
        scan_path = scanned_pdf(seed_path(".pdf"), Path(tmp) / "scan.pdf", dpi=ocr.DPI, pages=pages)
        scan = pdfium.PdfDocument(str(scan_path))
        ocr.recognise_page(scan[0], 1)  # load the models once, as a worker does
        started = time.perf_counter()
        read = [ocr.recognise_page(scan[k - 1], k) for k in pages]
        ocr_seconds = time.perf_counter() - started
        started = time.perf_counter()
        layer = [text_pdf[k - 1].get_textpage().get_text_range() for k in pages]
        text_seconds = time.perf_counter() - started
        plain, full = _mechanisms(scan, pages)
        print(f"CPU s/page: greedy decoding, no deskew {plain:.2f}; with the near-tie alternatives and deskew "
              f"{full:.2f}; ratio {full / plain:.3f}")
        rapid = [recall(t, "".join(c.text for c in r.chars)) for t, r in zip(layer, read, strict=True)]
        print(f"pages: {len(pages)} at {ocr.DPI} dpi, threads per engine {ocr._threads()}")
        print(f"OCR (RapidOCR): {len(pages) / ocr_seconds:.2f} pages/s, {ocr_seconds / len(pages):.2f} s/page; "
              f"text layer: {len(pages) / text_seconds:.0f} pages/s; ratio {ocr_seconds / text_seconds:.0f}x")
        print(f"characters recovered, RapidOCR: mean {sum(rapid) / len(rapid):.3f} (prose pages 1-6, 15-21: "
              f"{_prose(rapid, pages):.3f})")
        if shutil.which("tesseract"):
            tess, started = [], time.perf_counter()
            for k, t in zip(pages, layer, strict=True):
                png = Path(tmp) / f"p{k}.png"
                scan[k - 1].render(scale=ocr.DPI / 72, grayscale=True).to_pil().save(png)
                out = subprocess.run(["tesseract", str(png), "-", "-l", "chi_sim", "--psm", "6"],
                                     capture_output=True, text=True).stdout
                tess.append(recall(t, out))
            seconds = time.perf_counter() - started
            print(f"characters recovered, Tesseract chi_sim: mean {sum(tess) / len(tess):.3f} (prose pages: "
                  f"{_prose(tess, pages):.3f}); {len(pages) / seconds:.2f} pages/s")
        files = [str(seed_path(s)) for s in (".txt", ".docx", ".pdf")] + [str(scan_path)]
        started = time.perf_counter()
        results = list(extract_many(files, workers=2))
        total = time.perf_counter() - started
        spent = {Path(r.path).name: r.seconds for r in results}
        print(f"batch -j 2 over {len(files)} files: {total:.1f} s wall; per document: "
              + ", ".join(f"{k} {v:.1f} s" for k, v in spent.items()))
        print(f"the scan's share of the documents' time: {spent['scan.pdf'] / sum(spent.values()):.0%}")


def _mechanisms(scan, pages: range) -> tuple[float, float]:
    """CPU seconds per page of OCR as before the near-tie alternatives (readers/ocrfix.py) and deskew
    (readers/deskew.py), and as now: the engine's own greedy decoder and no levelling, then both, each run
    twice alternately and the best kept."""
    from decextract.readers import deskew

    engine = ocr._engine()
    decoder, level = engine.text_rec.postprocess_op, deskew.level
    best = {"plain": float("inf"), "full": float("inf")}
    for _ in range(2):
        for name in ("plain", "full"):
            if name == "plain":
                engine.text_rec.postprocess_op, deskew.level = decoder.base, (lambda gray: (gray, 0.0))
            started = time.process_time()
            for k in pages:
                ocr.recognise_page(scan[k - 1], k)
            best[name] = min(best[name], (time.process_time() - started) / len(pages))
            engine.text_rec.postprocess_op, deskew.level = decoder, level
    return best["plain"], best["full"]


def _prose(scores: list[float], pages: range) -> float:
    kept = [s for k, s in zip(pages, scores, strict=True) if k <= 6 or k >= 15]
    return sum(kept) / max(1, len(kept))


if __name__ == "__main__":
    main()
