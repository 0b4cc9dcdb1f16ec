"""Does a change leave every output as it was?  Extract the same files with two source trees and compare.

A speed change must not alter a single record.  This script runs ``decextract``'s extraction of every
file given (by default: the seed in each format, every file of ``../shared/samples/real`` and of
``../shared/samples/corpus``) once with the checkout it lives in and once with another source tree
(``--base``, e.g. ``git worktree add /tmp/base main`` or ``git archive main | tar -x -C /tmp/base``),
each in a fresh process, writes the JSON Lines of each file under ``--out`` and compares them byte for
byte.  It prints one line per file that differs, with the first differing record, and exits 1 if any
does.  ``--reuse-base`` keeps the base's outputs from an earlier run (they do not change).

Usage: ``python benchmarks/same_output.py --base /tmp/base [--out /tmp/same] [FILE ...]``
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "samples"
SEED = "xiqu-zhengfawei-2020-juesuan"

_WORKER = r"""
import sys
from pathlib import Path
from decextract import extract, to_json
from decextract.errors import DecExtractError
out = Path(sys.argv[1])
for i, name in enumerate(sys.argv[2:]):
    try:
        text = "".join(to_json(r) + "\n" for r in extract(name))
    except DecExtractError as exc:
        text = f"error: {exc}\n"
    (out / f"{i:03d}.jsonl").write_text(text, encoding="utf-8")
"""


def default_files() -> list[Path]:
    files = [ROOT / "samples" / (SEED + s) for s in (".txt", ".docx", ".pdf")]
    for folder in (SHARED / "real", SHARED / "corpus"):
        files += sorted(p for p in folder.glob("*") if p.suffix.lower() in (".pdf", ".xlsx", ".docx", ".txt")
                        and p.name != "README.md")
    return [f for f in files if f.exists()]


def run(tree: Path, out: Path, files: list[Path]) -> None:
    out.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, PYTHONPATH=str(tree))
    # Paths relative to this checkout, as a user would give them: both trees print the same source.
    names = [os.path.relpath(f, ROOT) for f in files]
    subprocess.run([sys.executable, "-c", _WORKER, str(out), *names], cwd=ROOT, env=env, check=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="*", type=Path)
    parser.add_argument("--base", type=Path, required=True, help="the other source tree (holding decextract/)")
    parser.add_argument("--out", type=Path, default=Path("/tmp/decextract-same"))
    parser.add_argument("--reuse-base", action="store_true", help="keep the base outputs of an earlier run")
    args = parser.parse_args()
    files = [f.resolve() for f in args.files] or default_files()
    if not (args.reuse_base and (args.out / "base" / f"{len(files) - 1:03d}.jsonl").exists()):
        run(args.base.resolve(), args.out / "base", files)
    run(ROOT, args.out / "this", files)
    differ = 0
    for i, path in enumerate(files):
        old = (args.out / "base" / f"{i:03d}.jsonl").read_text(encoding="utf-8").splitlines()
        new = (args.out / "this" / f"{i:03d}.jsonl").read_text(encoding="utf-8").splitlines()
        if old == new:
            continue
        differ += 1
        first = next((j for j, (a, b) in enumerate(zip(old, new, strict=False)) if a != b), min(len(old), len(new)))
        print(f"DIFFERS {path.name}: {len(old)} → {len(new)} records, first at line {first + 1}")
        print(f"  base: {old[first][:300] if first < len(old) else '(none)'}")
        print(f"  this: {new[first][:300] if first < len(new) else '(none)'}")
    print(f"{len(files) - differ}/{len(files)} files identical")
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
