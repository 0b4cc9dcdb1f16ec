"""decextract's speed against the physical floor, in one run, as ratios.

Prints four tables (each can be skipped):

1. **PDF** — for the seed PDF, every PDF of ``../shared/samples/real`` and of the corpus: decextract's
   whole extraction (read, tables, figures, audit: ``decextract.extract``) and its reader alone, each ÷
   the *PDFium char pass* (open the document, load each page and its text page, read every character's
   text and box: the least any PDF text extractor does), and ÷ pdfplumber's ``extract_text()``; the worst
   file last.  CPU time of this process (``time.process_time``), the fastest of ``--repeat`` runs, the
   candidates interleaved, after a warm-up that loads what every run shares (imports, lexicons, the word
   dictionary); decextract's per-text memo caches are emptied before each run, so every run reads the
   document as if it were the first.
2. **Cold start** — a fresh ``decextract extract`` of the seed TXT ÷ a fresh
   ``python -c "import pdfplumber, pypdfium2, regex, attrs, docx"`` (CPU time of the child processes,
   the fastest of ``--repeat`` runs each, interleaved), and ``decextract --help``.
3. **Batch** — ``decextract batch`` over copies of the corpus into SQLite with 1, 2 (and, on bigger
   machines, all) workers: documents per second, the speed-up over one worker by wall clock and by the
   workers' CPU time (the machine's other load slows the wall clock, not the CPU work), how many cores the
   workers kept busy, the writer's (the parent process's) share of the time and its CPU milliseconds per
   document, and the peak memory of a worker; ``--batch-rounds N`` runs each count N times, interleaved,
   and shows the fastest.

Python modules are byte-compiled first (as ``pip install`` does), so a cold start measures decextract,
not the compiler.  A script, not a test: the numbers depend on the machine, which it names.

    .venv/bin/python benchmarks/bench_speed.py [--repeat 5] [--skip pdf,cold,batch] [--phases] [FILE.pdf ...]
"""

from __future__ import annotations

import argparse
import compileall
import ctypes
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SHARED = ROOT.parent / "shared" / "samples"
SEED = ROOT / "samples" / "xiqu-zhengfawei-2020-juesuan"
DEPS = "import pdfplumber, pypdfium2, regex, attrs, docx"


def machine() -> str:
    cpu = "?"
    try:
        cpu = next(line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                   if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    try:
        load = " load {:.1f} {:.1f} {:.1f}".format(*os.getloadavg())
    except OSError:
        load = ""
    return f"{platform.node()}: {os.cpu_count()} cores ({cpu}), Python {platform.python_version()},{load}"


def cpu_best(repeat: int, *runs):
    """The least CPU seconds of each run over ``repeat`` interleaved rounds."""
    best = [float("inf")] * len(runs)
    for _ in range(repeat):
        for k, run in enumerate(runs):
            start = time.process_time()
            run()
            best[k] = min(best[k], time.process_time() - start)
    return best


def text_caches() -> list:
    """decextract's per-text memo caches (``lru_cache`` with a size: phrases, cell texts, titles), not the
    lexicons and dictionaries loaded once (``cache``, size 1)."""
    found = []
    for name, module in list(sys.modules.items()):
        if name == "decextract" or name.startswith("decextract."):
            for obj in vars(module).values():
                info = getattr(obj, "cache_info", None)
                if info and getattr(obj, "__module__", None) == name and info().maxsize not in (None, 1):
                    found.append(obj)
    return found


def cold_caches(run):
    """``run`` with decextract's per-text caches emptied first: each document timed as if seen first."""
    caches = text_caches()

    def cleared():
        for cache in caches:
            cache.cache_clear()
        run()

    return cleared


def pdfium_char_pass(path: Path) -> int:
    """The floor: every character of every page with its text and box, through PDFium."""
    import pypdfium2 as pdfium
    import pypdfium2.raw as pdfium_c

    pdf = pdfium.PdfDocument(path)
    left, right, bottom, top = (ctypes.c_double() for _ in range(4))
    refs = [ctypes.byref(v) for v in (left, right, bottom, top)]
    n_chars = 0
    for i in range(len(pdf)):
        page = pdf[i]
        textpage = page.get_textpage()
        n = pdfium_c.FPDFText_CountChars(textpage)
        textpage.get_text_range(0, n)
        boxes = []
        for k in range(n):
            pdfium_c.FPDFText_GetCharBox(textpage, k, *refs)
            boxes.append((left.value, bottom.value, right.value, top.value))
        n_chars += n
        textpage.close()
        page.close()
    pdf.close()
    return n_chars


def pdfplumber_text(path: Path) -> None:
    import pdfplumber

    with pdfplumber.open(path) as pdf:
        for page in pdf.pages:
            page.extract_text()


def pdf_table(files: list[Path], repeat: int) -> None:
    import decextract
    from decextract.readers import read_document

    decextract.extract(SEED.with_suffix(".txt"))  # warm-up: imports, lexicons, the segmenter
    decextract.extract(SEED.with_suffix(".pdf"))
    print(f"\nPDF: CPU time, fastest of {repeat} (pdfplumber: of {max(1, repeat // 2)}); ratios to the PDFium char pass")
    print(f"{'file':44} {'pages':>5} {'char pass':>10} {'reader':>7} {'whole':>7} {'÷ pdfplumber':>12}")
    worst = (0.0, "")
    ratios = []
    for path in files:
        import pypdfium2 as pdfium

        pages = len(pdfium.PdfDocument(path))
        floor, whole, reader = cpu_best(repeat, lambda p=path: pdfium_char_pass(p),
                                        cold_caches(lambda p=path: decextract.extract(p)),
                                        cold_caches(lambda p=path: read_document(p)))
        (plumber,) = cpu_best(max(1, repeat // 2), lambda p=path: pdfplumber_text(p))
        ratio = whole / floor
        ratios.append(ratio)
        worst = max(worst, (ratio, path.name))
        print(f"{path.name[:44]:44} {pages:>5} {floor * 1000 / pages:>7.2f} ms/p {reader / floor:>6.2f}x "
              f"{ratio:>6.2f}x {whole / plumber:>11.2f}x")
    if ratios:
        print(f"worst: {worst[0]:.2f}x ({worst[1]}); median {sorted(ratios)[len(ratios) // 2]:.2f}x")


#: (phase, module, functions): a sample goes to the first phase, in this order, with a function on the stack
PHASES = (
    ("PDFium: load and close pages", "pypdfium2", ("get_page", "get_textpage", "close", "__getitem__", "get_cropbox",
                                                   "get_rotation", "get_metadata_dict", "__init__")),
    ("bomb check: inflate the streams", "decextract.limits", ("scan_pdf_streams",)),
    ("characters (page_chars)", "decextract.readers.pdftext", ("page_chars",)),
    ("page checks (garbled, scans)", "decextract.readers.pagecheck", ("page",)),
    ("ruling lines from paths", "decextract.readers.pdftables", ("ruling_edges",)),
    ("table finder (rulings)", "decextract.readers.pdftables", ("find_parts",)),
    ("characters into cells", "decextract.readers.pdftables", ("fill_parts",)),
    ("table grids (build_table)", "decextract.readers.pdftables", ("build_table",)),
    ("prose lines (group_lines, bold)", "decextract.readers.pdf", ("_read_page",)),
    ("paragraphs, headings, running lines", "decextract.readers.pdf", ("blocks", "_drop_running_lines", "_title",
                                                                       "__init__")),
    ("reader: the rest", "decextract.readers", ("read_bytes",)),
    ("after the reader (tables, figures, checks)", "decextract", ("extract",)),
)


def phase_table(files: list[Path], repeat: int) -> None:
    """Where the whole extraction's CPU time goes, by sampling (see the module docstring)."""
    import signal
    from collections import Counter

    import decextract

    codes = {}  # code object -> phase, filled as frames are first seen
    counts: Counter[str] = Counter()

    def phase_of(code) -> str | None:
        if code not in codes:
            module = next((m for m in sys.modules.values() if getattr(m, "__file__", None) == code.co_filename), None)
            name = getattr(module, "__name__", "")
            codes[code] = next((ph for ph, prefix, fns in PHASES if name.startswith(prefix) and code.co_name in fns),
                               None)
        return codes[code]

    def sample(signum, frame) -> None:
        found = []
        while frame is not None:
            ph = phase_of(frame.f_code)
            if ph is not None:
                found.append(ph)
            frame = frame.f_back
        order = [ph for ph, _, _ in PHASES]
        counts[min(found, key=order.index) if found else "other"] += 1

    decextract.extract(SEED.with_suffix(".txt"))  # warm-up, as for the PDF table
    decextract.extract(SEED.with_suffix(".pdf"))
    floor = sum(cpu_best(repeat, lambda p=path: pdfium_char_pass(p))[0] for path in files)
    old = signal.signal(signal.SIGPROF, sample)
    signal.setitimer(signal.ITIMER_PROF, 0.001, 0.001)
    start = time.process_time()
    try:
        for path in files:
            run = cold_caches(lambda p=path: decextract.extract(p))
            for _ in range(repeat):
                run()
    finally:
        signal.setitimer(signal.ITIMER_PROF, 0, 0)
        signal.signal(signal.SIGPROF, old)
    spent = (time.process_time() - start) / repeat
    total = sum(counts.values()) or 1
    print(f"\nPhases of the whole PDF extraction over {len(files)} files: {sum(counts.values())} samples, "
          f"{spent / floor:.2f}x the char pass in all")
    for ph, n in counts.most_common():
        print(f"{ph:44} {n / total:6.1%} {n / total * spent / floor:6.2f}x")


def _child_cpu(argv: list[str]) -> float:
    """CPU seconds (user + system) of one child process running ``argv``."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True, cwd=ROOT)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def cold_table(repeat: int) -> None:
    cli = [sys.executable, "-m", "decextract"]
    runs = {
        "dependencies' import": [sys.executable, "-c", DEPS],
        "decextract --help": [*cli, "--help"],
        "decextract extract seed.txt": [*cli, "extract", str(SEED.with_suffix(".txt"))],
    }
    subprocess.run(runs["decextract extract seed.txt"], stdout=subprocess.DEVNULL, check=True, cwd=ROOT)  # builds caches
    best = {name: float("inf") for name in runs}
    for _ in range(repeat):
        for name, argv in runs.items():
            best[name] = min(best[name], _child_cpu(argv))
    base = best["dependencies' import"]
    print(f"\nCold start: CPU time of a fresh process, fastest of {repeat}; ratio to `python -c \"{DEPS}\"`")
    for name, seconds in best.items():
        print(f"{name:32} {seconds:6.3f} s {seconds / base:6.2f}x")


def batch_table(copies: int, workers: list[int], rounds: int = 1) -> None:
    corpus = sorted((SHARED / "corpus").glob("*.pdf"))
    if not corpus:
        print(f"\nBatch: no corpus in {SHARED / 'corpus'}")
        return
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from bench_batch import distinct_copy

    with tempfile.TemporaryDirectory(prefix="decextract-bench-") as tmp:
        folder = Path(tmp) / "docs"
        folder.mkdir()
        for i in range(copies):
            for src in corpus:
                distinct_copy(src, folder / f"{src.stem}-{i}{src.suffix}", i)
        n = len(corpus) * copies
        best: dict[int, dict] = {}
        for _ in range(rounds):  # interleaved: a burst of the machine's other load hits every count alike
            for w in workers:
                db = Path(tmp) / f"out-{w}.sqlite"
                for f in Path(tmp).glob(f"out-{w}.sqlite*"):
                    f.unlink()
                out = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "bench_batch.py"), "--one",
                                      str(folder), str(w), str(db)], capture_output=True, text=True, check=True)
                r = json.loads(out.stdout.strip().splitlines()[-1])
                if w not in best or r["seconds"] < best[w]["seconds"]:
                    best[w] = r
        rows = [best[w] for w in workers]
        pool: dict[int, float] = {}
        for _ in range(rounds):
            for w in workers:
                out = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--pool", str(folder), str(w)],
                                     capture_output=True, text=True, check=True)
                pool[w] = min(pool.get(w, float("inf")), float(out.stdout.strip().splitlines()[-1]))
        print(f"\nBatch: {n} documents ({copies} copies of the corpus's {len(corpus)} PDFs) into SQLite, "
              f"fastest of {rounds} interleaved run{'s' if rounds > 1 else ''}")
        print(f"{'workers':>7} {'seconds':>8} {'docs/s':>7} {'speed-up':>8} {'by CPU':>7} {'cores busy':>10} "
              f"{'writer':>7} {'writer ms/doc':>13} {'worker peak MB':>14}")
        one = rows[0]
        for r in rows:
            wall = one["seconds"] / r["seconds"] if one["workers"] == 1 else float("nan")
            per_cpu = (one["worker_cpu"] / r["worker_cpu"]) * r["workers"] if one["workers"] == 1 else float("nan")
            writer = r.get("writer_cpu", 0.0) / r["seconds"]
            per_doc = r.get("writer_cpu", 0.0) * 1000 / max(1, r["succeeded"])
            print(f"{r['workers']:>7} {r['seconds']:>8.1f} {r['succeeded'] / r['seconds']:>7.2f} {wall:>7.2f}x "
                  f"{per_cpu:>6.2f}x {r['worker_cpu'] / r['seconds']:>10.2f} {writer:>6.0%} {per_doc:>13.1f} "
                  f"{r['worker_peak_mb']:>14.0f}")
        spin = {w: min(_spin_run(w, max(workers)) for _ in range(max(3, rounds))) for w in workers}
        print(f"machine: the same pure-Python work ({max(workers) * 2} equal loops) in 1 … {max(workers)} processes: "
              + ", ".join(f"{w} → {spin[workers[0]] / spin[w]:.2f}x" for w in workers)
              + " (what this machine's cores give at best, in this run)")
        print(f"floor: the same documents through a plain multiprocessing pool of decextract.extract (forked after "
              f"a warm-up, no sinks, no limits, records dropped) — what {max(workers)} processes on this machine "
              f"give the same work")
        for w in workers:
            ratio = pool[workers[0]] / pool[w] if workers[0] == 1 else float("nan")
            batch = one["seconds"] / best[w]["seconds"] if workers[0] == 1 else float("nan")
            print(f"{w:>7} {pool[w]:>8.1f} {n / pool[w]:>7.2f} {ratio:>7.2f}x   batch speed-up ÷ pool speed-up "
                  f"{batch / ratio:.2f}")


def _spin(n: int) -> int:
    total = 0
    for i in range(n):
        total += i * i % 7
    return total


def _spin_run(workers: int, most: int) -> float:
    """Seconds for ``workers`` forked processes to run ``2 * most`` equal pure-Python loops."""
    import multiprocessing

    start = time.perf_counter()
    with multiprocessing.get_context("fork").Pool(workers) as pool:
        pool.map(_spin, [3_000_000] * (2 * most))
    return time.perf_counter() - start


def _pool_run(folder: str, workers: int) -> float:
    """Seconds for a plain fork pool of ``workers`` processes to extract every file of ``folder``."""
    import multiprocessing

    from decextract import extract

    files = sorted(str(f) for f in Path(folder).iterdir())
    extract(files[0])  # lexicons and dictionary loaded before the fork, as the batch's workers load them once
    start = time.perf_counter()
    with multiprocessing.get_context("fork").Pool(workers) as pool:
        for _ in pool.imap_unordered(_count, files):
            pass
    return time.perf_counter() - start


def _count(path: str) -> int:
    from decextract import extract

    return len(extract(path))


def main() -> None:
    if sys.argv[1:2] == ["--pool"]:
        print(_pool_run(sys.argv[2], int(sys.argv[3])))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="*", type=Path, help="PDFs (default: the seed, the shared real and corpus PDFs)")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--skip", default="", help="comma-separated: pdf, cold, batch")
    parser.add_argument("--phases", action="store_true", help="also print where the PDF extraction's time goes")
    parser.add_argument("--copies", type=int, default=3, help="copies of the corpus in the batch (default 3)")
    parser.add_argument("--workers", default=None, help="comma-separated worker counts (default 1,2[,cores])")
    parser.add_argument("--batch-rounds", type=int, default=1,
                        help="batch runs per worker count, interleaved; the fastest is shown (default 1)")
    args = parser.parse_args()
    skip = set(filter(None, args.skip.split(",")))
    print(machine())
    compileall.compile_dir(str(ROOT / "decextract"), quiet=1)  # byte-code, as pip install writes it
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    files = args.files or [SEED.with_suffix(".pdf"), *sorted((SHARED / "real").glob("*.pdf")),
                           *sorted((SHARED / "corpus").glob("*.pdf"))]
    files = [f for f in files if f.exists()]
    if "pdf" not in skip:
        pdf_table(files, args.repeat)
    if args.phases:
        phase_table(files, args.repeat)
    if "cold" not in skip:
        cold_table(args.repeat)
    if "batch" not in skip:
        cores = os.cpu_count() or 1
        counts = sorted({int(w) for w in args.workers.split(",")} if args.workers else {1, 2, cores})
        batch_table(args.copies, counts, args.batch_rounds)
    shutil.rmtree(ROOT / "benchmarks" / "__pycache__", ignore_errors=True)


if __name__ == "__main__":
    main()
