"""Scale benchmark of ``decextract batch``: documents per second with 1, 2 and N workers, and memory per worker.

Makes a folder of at least 200 distinct documents from copies of ``samples/*`` (each copy's bytes differ:
a note appended to text, a ZIP comment on DOCX, a comment after ``%%EOF`` in PDF), then runs the whole
batch (walk, hash, extract in workers, write SQLite) once per worker count, each in a fresh process into a
fresh database.  Prints a table with the rate, the speed-up over one worker, how many cores the workers kept
busy (their CPU seconds per second: below the worker count when the machine is shared or the writer
lags) and the peak resident memory of the largest worker.  A script, not a test: numbers depend on the machine.

    .venv/bin/python benchmarks/bench_batch.py [--docs 210] [--workers 1,2,4]
"""

from __future__ import annotations

import argparse
import io
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "samples"


def distinct_copy(src: Path, dst: Path, i: int) -> None:
    """Copy ``src`` to ``dst`` with bytes made unique by ``i`` without changing what is extracted."""
    data = src.read_bytes()
    if data.startswith(b"%PDF-"):
        data += b"\n%%decextract-bench-%d\n" % i
    elif data.startswith(b"PK\x03\x04"):
        out = io.BytesIO()
        with zipfile.ZipFile(io.BytesIO(data)) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
            for item in zin.infolist():
                zout.writestr(item, zin.read(item.filename))
            zout.comment = b"decextract-bench-%d" % i
        data = out.getvalue()
    else:
        data += f"\n附注：第{i}份副本。\n".encode()
    dst.write_bytes(data)


def make_corpus(folder: Path, n: int) -> int:
    samples = sorted(p for p in SAMPLES.iterdir() if p.is_file() and not p.name.startswith("."))
    for i in range(n):
        src = samples[i % len(samples)]
        distinct_copy(src, folder / f"{src.stem}-{i:04d}{src.suffix}", i)
    return n


def run_one(folder: str, workers: int, db: str) -> None:
    """Child mode: one batch, then a JSON line with time and memory."""
    sys.path.insert(0, str(ROOT))
    from decextract.batch import run_batch
    from decextract.sinks import open_sinks

    sinks = open_sinks(db=f"sqlite:///{db}")
    own = resource.getrusage(resource.RUSAGE_SELF)
    started = time.perf_counter()
    summary = run_batch([folder], sinks, workers=workers, progress=False)
    seconds = time.perf_counter() - started
    for sink in sinks:
        sink.close()
    # the workers are the fork server's children: their CPU time reaches this process's when the server,
    # which has reaped them, is reaped in turn (it would otherwise stay, idle, until this process ends)
    from multiprocessing import forkserver

    stop = getattr(getattr(forkserver, "_forkserver", None), "_stop", None)
    if stop is not None:
        stop()
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    worker_kb = children.ru_maxrss
    parent = resource.getrusage(resource.RUSAGE_SELF)
    parent_kb = parent.ru_maxrss
    writer_cpu = (parent.ru_utime - own.ru_utime) + (parent.ru_stime - own.ru_stime)  # walk, hash, write
    print(json.dumps({"workers": workers, "seconds": seconds, "succeeded": summary.succeeded,
                      "failed": summary.failed, "failures": dict(summary.failures),
                      "worker_cpu": children.ru_utime + children.ru_stime, "writer_cpu": writer_cpu,
                      "worker_peak_mb": worker_kb / 1024, "writer_peak_mb": parent_kb / 1024}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=210, help="number of documents (at least 200)")
    parser.add_argument("--workers", default=None, help="comma-separated worker counts (default 1,2,cores)")
    parser.add_argument("--one", nargs=3, metavar=("FOLDER", "WORKERS", "DB"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        run_one(args.one[0], int(args.one[1]), args.one[2])
        return
    cores = os.cpu_count() or 1
    counts = sorted({int(w) for w in args.workers.split(",")} if args.workers else {1, 2, cores})
    with tempfile.TemporaryDirectory(prefix="decextract-bench-") as tmp:
        folder = Path(tmp) / "docs"
        folder.mkdir()
        n = make_corpus(folder, max(args.docs, 200))
        print(f"{n} documents ({', '.join(sorted({p.suffix for p in folder.iterdir()}))}), {cores} cores, "
              f"SQLite output, whole batch per run")
        rows = []
        for w in counts:
            out = subprocess.run([sys.executable, __file__, "--one", str(folder), str(w), f"{tmp}/out-{w}.sqlite"],
                                 capture_output=True, text=True, check=True)
            rows.append(json.loads(out.stdout.strip().splitlines()[-1]))
        base = rows[0]["seconds"] * rows[0]["workers"] if rows[0]["workers"] == 1 else None
        print(f"{'workers':>7} {'seconds':>8} {'docs/s':>7} {'speed-up':>8} {'cores busy':>10} {'worker peak MB':>14} "
              f"{'writer MB':>9}")
        for r in rows:
            rate = r["succeeded"] / r["seconds"]
            speedup = f"{base / r['seconds']:.2f}x" if base else "-"
            busy = r["worker_cpu"] / r["seconds"]  # CPU seconds of the workers per second: < workers when starved
            print(f"{r['workers']:>7} {r['seconds']:>8.1f} {rate:>7.2f} {speedup:>8} {busy:>10.2f} "
                  f"{r['worker_peak_mb']:>14.0f} {r['writer_peak_mb']:>9.0f}")
            if r["failed"]:
                print(f"        ({r['failed']} documents failed: {r['failures']})")


if __name__ == "__main__":
    main()
