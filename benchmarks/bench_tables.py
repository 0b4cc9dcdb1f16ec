"""The PDF reader's table path, this checkout against another source tree, phase by phase, in one process.

For each PDF: the ruling lines (``ruling_edges``), the table finder (``find_parts`` given those lines),
the characters into cells (``fill_parts``) and the grids (``build_table``, on the tables a real read
hands it), each timed with this checkout's ``decextract/readers/{pdftext,rulings,pdftables}.py`` and with
``--base``'s (loaded beside them as other modules, the rest of the package shared), on the same inputs,
the two interleaved page by page (table by table), the least CPU time of ``--repeat`` runs each, summed.
Ratios are to the PDFium char pass of the same file (as in ``bench_speed.py``), and ``(new ÷ base)``.
The outputs of both must be equal, or the script stops: a speed change must not alter a table.

A whole-extraction run moves by ±20 % on a loaded machine; these phases, interleaved at this grain, by a
few per cent — the grain a change of one of them needs.

    .venv/bin/python benchmarks/bench_tables.py --base /tmp/base [--repeat 9] FILE.pdf ...
"""

from __future__ import annotations

import argparse
import copy
import sys
import time
import types
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import pypdfium2 as pdfium  # noqa: E402
from bench_speed import cpu_best, pdfium_char_pass  # noqa: E402

import decextract.readers as readers  # noqa: E402
import decextract.readers.pdf as pdf_reader  # noqa: E402
import decextract.readers.pdftables as new  # noqa: E402
from decextract.readers.pdftext import PageFrame, page_chars  # noqa: E402


def load_base(tree: Path):
    """``pdftables`` of the tree at ``tree``, with that tree's ``rulings`` and ``pdftext``."""
    names = {"rulings": "_base_rulings", "pdftext": "_base_pdftext", "pdftables": "_base_pdftables"}
    for name, alias in names.items():
        path = tree / "decextract" / "readers" / f"{name}.py"
        source = path.read_text(encoding="utf-8")
        for other, other_alias in names.items():
            source = source.replace(f"from .{other} import", f"from .{other_alias} import")
        module = types.ModuleType(f"decextract.readers.{alias}")
        module.__package__, module.__file__ = "decextract.readers", str(path)
        sys.modules[module.__name__] = module
        exec(compile(source, str(path), "exec"), module.__dict__)
    return sys.modules["decextract.readers._base_pdftables"]


def tables_read(path: Path) -> list:
    """The lists of parts ``build_table`` gets in a real read of ``path``."""
    got, real = [], pdf_reader.build_table

    def keep(parts):
        got.append(copy.deepcopy(list(parts)))
        return real(parts)

    pdf_reader.build_table = keep
    try:
        readers.read_bytes(path.read_bytes(), str(path))
    finally:
        pdf_reader.build_table = real
    return got


def interleaved(repeat: int, items, base_run, new_run, prepare=None) -> tuple[float, float]:
    """Summed over ``items``: the least CPU time of each run on the item, the two taking turns."""
    total = [0.0, 0.0]
    for item in items:
        best = [float("inf")] * 2
        for _ in range(repeat):
            for k, run in enumerate((base_run, new_run)):
                arg = prepare(item) if prepare else item
                start = time.process_time()
                run(arg)
                best[k] = min(best[k], time.process_time() - start)
        total[0] += best[0]
        total[1] += best[1]
    return total[0], total[1]


def _cells(parts_of_pages) -> list:
    return [[(p.page, p.bbox, [(c.bbox, [line.chars for line in c.lines]) for c in p.cells]) for p in parts]
            for parts in parts_of_pages]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base", type=Path, required=True, help="a source tree to compare with (e.g. a worktree of main)")
    parser.add_argument("--repeat", type=int, default=9)
    parser.add_argument("files", nargs="+", type=Path)
    args = parser.parse_args()
    base = load_base(args.base)
    phases = ("ruling lines", "table finder", "chars into cells", "table grids")
    sums = {ph: [0.0, 0.0] for ph in phases}
    floors = 0.0
    print(f"{'file':40} {'char pass':>9}  " + "  ".join(f"{ph:>22}" for ph in phases))
    for path in args.files:
        doc = pdfium.PdfDocument(path)
        pages = []
        for i in range(len(doc)):
            page = doc[i]
            frame = PageFrame(page.get_cropbox(), page.get_rotation())
            pages.append((page, i + 1, frame, page_chars(page.get_textpage(), frame)))
        edges = [new.ruling_edges(page, frame) for page, _, frame, _ in pages]
        if edges != [base.ruling_edges(page, frame) for page, _, frame, _ in pages]:
            sys.exit(f"{path.name}: the ruling lines differ")
        items = list(zip(pages, edges, strict=True))
        found = {m: [m.find_parts(p, n, f, c, edges=e) for (p, n, f, c), e in items] for m in (base, new)}
        if _cells(found[base]) != _cells(found[new]):
            sys.exit(f"{path.name}: the tables found differ")
        filled = {m: [m.fill_parts(m.find_parts(p, n, f, c, edges=e), c) for (p, n, f, c), e in items] for m in (base, new)}
        if [(_cells([t]), o) for t, o in filled[base]] != [(_cells([t]), o) for t, o in filled[new]]:
            sys.exit(f"{path.name}: the cells' characters differ")
        tables = tables_read(path)
        if [(repr(c), r, k) for c, r, k in map(base.build_table, tables)] != \
                [(repr(c), r, k) for c, r, k in map(new.build_table, tables)]:
            sys.exit(f"{path.name}: the grids differ")
        floor = cpu_best(args.repeat, lambda p=path: pdfium_char_pass(p))[0]
        floors += floor
        row = {
            "ruling lines": interleaved(args.repeat, pages, lambda q: base.ruling_edges(q[0], q[2]),
                                        lambda q: new.ruling_edges(q[0], q[2])),
            "table finder": interleaved(args.repeat, items, lambda q: base.find_parts(*q[0], edges=q[1]),
                                        lambda q: new.find_parts(*q[0], edges=q[1])),
            "chars into cells": interleaved(args.repeat, items, lambda q: base.fill_parts(*q), lambda q: new.fill_parts(*q),
                                            prepare=lambda q: (new.find_parts(*q[0], edges=q[1]), q[0][3])),
            "table grids": interleaved(args.repeat, tables, base.build_table, new.build_table),
        }
        for ph, (a, b) in row.items():
            sums[ph][0] += a
            sums[ph][1] += b
        print(f"{path.name[:40]:40} {floor * 1000 / len(doc):6.2f} ms/p  "
              + "  ".join(_ratios(a, b, floor) for a, b in row.values()), flush=True)
        doc.close()
    a, b = sum(v[0] for v in sums.values()), sum(v[1] for v in sums.values())
    print(f"{'all files':40} {'':>9}  " + "  ".join(_ratios(x, y, floors) for x, y in sums.values()))
    print(f"the four phases: {_ratios(a, b, floors)} of the char pass")


def _ratios(base: float, new: float, floor: float) -> str:
    """``base→new`` as multiples of ``floor``, and new ÷ base (none without a table to time)."""
    return f"{base / floor:5.3f}→{new / floor:5.3f}x ({new / base:4.2f})" if base else f"{'no tables':>22}"


if __name__ == "__main__":
    main()
