"""OCR of page images: characters with boxes and confidences, and the ruling lines of tables.

The engine is RapidOCR (``pip install 'decextract[ocr]'``: the PP-OCRv4 Chinese
detection and recognition models ship inside the ``rapidocr_onnxruntime`` wheel,
so nothing is downloaded at run time).  It was chosen over Tesseract with
Debian's ``chi_sim`` data on the seed rendered at 150 dpi: 0.98 against 0.96 of
the prose characters recovered, at a similar speed, and it gives a box per
character (see ``benchmarks/bench_ocr.py``).

A page is rendered at :data:`DPI` in grey.  Its ruling lines are found in the
image (long thin runs of ink, by morphological opening with a line-shaped kernel)
and returned as edges for the PDF table finder, so a scanned table is rebuilt from
its own lines like a drawn one; the lines are then erased so the text detector
sees only text.  Each recognised line gives one :class:`~.pdftext.Char` per
character, with the engine's box for it (spread evenly over the line when the
engine gives none), the line's height as font size and its confidence, in the
page's points (top-left origin, as displayed).

``DECEXTRACT_OCR=0`` in the environment turns OCR off; ``DECEXTRACT_OCR_THREADS``
sets the engine's threads (default: 1 in a batch worker process, where the
workers already use the cores, else up to 4).
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import threading
from functools import cache
from typing import NamedTuple

from ..limits import DEFAULT_MAX_MEMORY, address_space, format_size, worker_room
from ..model import OcrPage
from .pdftext import GAP, NO_SPACE, SPACE, Char, is_cjk

ENGINE = "rapidocr"
DPI = 150
INSTALL = "pip install 'decextract[ocr]'"
_SCALE = DPI / 72
_LOCK = threading.Lock()  # one recognition at a time per process: the engine is shared
_MIN_LINE = 0.04  # shortest ruling line, as a share of the page's width or height
_PALE_INK = 200  # ruling ink on a straightened page (deskew.INK elsewhere): a turned line spreads over two paler rows
_ONE_LINE = 1.5  # points across: pieces of ruling this close are one line
_LINE_GAP = 4.0  # points along: the widest break in one ruling line
_SIZE_OF_BOX = 0.85  # font size as a share of the detected line box's height
#: address space the engine takes on top of a process that has read PDFs, with one thread, and per further
#: thread (measured on the seed's scan: the peak grows by 1.01 GB with 1 thread, 1.25 with 2, 1.31 with 4);
#: under a smaller memory cap it aborts the process instead of failing.  A batch worker (one thread, 2 GB cap
#: by default, ~0.5 GB used) has room for it.
OCR_ADDRESS_SPACE = 1_150_000_000
OCR_ADDRESS_SPACE_PER_THREAD = 120_000_000


class Recognised(NamedTuple):
    """What OCR read on one page: characters, ruling edges (pdfplumber's dicts), the confidences."""

    chars: list[Char]
    edges: list[dict]
    page: OcrPage


def unavailable() -> str | None:
    """Why OCR cannot run here (a sentence naming what to install), or None when it can.

    Raises :class:`~decextract.limits.StaleWorker` in a worker that has read other documents first where OCR
    would fit in a fresh one."""
    if os.environ.get("DECEXTRACT_OCR", "1").strip().lower() in ("0", "no", "off", "false"):
        return "OCR is turned off (DECEXTRACT_OCR=0)"
    try:
        import cv2  # noqa: F401
        import rapidocr_onnxruntime  # noqa: F401
    except ImportError:
        return f"OCR is not installed ({INSTALL})"
    limit, size = address_space()
    need = OCR_ADDRESS_SPACE + OCR_ADDRESS_SPACE_PER_THREAD * (_threads() - 1)
    if limit is not None and size is not None and limit - size < need and not _engine.cache_info().currsize:
        worker_room(limit, need)  # raises StaleWorker where a fresh worker has the room
        # the sentence names no measured room: it goes into the document's warnings, which must be the same
        # whatever the worker read before
        return (f"OCR needs about {need / 1e9:.1f} GB of address space beyond what reading the file takes, more "
                f"than the memory limit leaves (raise --max-memory, whose default {format_size(DEFAULT_MAX_MEMORY)} "
                f"has room, to read scanned pages)")
    return None


def _threads() -> int:
    named = os.environ.get("DECEXTRACT_OCR_THREADS", "").strip()
    if named.isdigit() and int(named) > 0:
        return int(named)
    return 1 if multiprocessing.parent_process() is not None else max(1, min(4, os.cpu_count() or 1))


@cache
def _engine():
    from rapidocr_onnxruntime import RapidOCR

    from .ocrfix import AlternativeDecoder

    logging.getLogger("RapidOCR").setLevel(logging.ERROR)
    threads = _threads()
    engine = RapidOCR(intra_op_num_threads=threads, inter_op_num_threads=1, print_verbose=False)
    engine.text_rec.postprocess_op = AlternativeDecoder(engine.text_rec.postprocess_op)
    return engine


def render(page, dpi: int = DPI):
    """The page as displayed, in grey, as a numpy array (rows x columns, 0 = black)."""
    bitmap = page.render(scale=dpi / 72, grayscale=True)
    try:
        return bitmap.to_numpy().copy()
    finally:
        bitmap.close()


def recognise_page(page, page_no: int) -> Recognised:
    """OCR a PDFium page: its characters and ruling edges in points, and each character's confidence."""
    return recognise_image(render(page), page_no, _SCALE)


def recognise_image(gray, page_no: int, scale: float) -> Recognised:
    """OCR a grey image of page ``page_no`` rendered at ``scale`` pixels per point."""
    import cv2

    from . import deskew

    gray, tilt = deskew.level(gray)
    edges, mask = ruling_lines(gray, scale, straightened=bool(tilt))
    clean = gray.copy()
    clean[mask > 0] = 255
    with _LOCK:
        found, _ = _engine()(cv2.cvtColor(clean, cv2.COLOR_GRAY2BGR), use_cls=False, return_word_box=True)
    chars: list[Char] = []
    confidences: list[tuple[float, float, float, float, float]] = []
    for item in found or ():
        box, text, score = item[0], item[1], float(item[2])
        words = item[3] if len(item) > 3 else None
        for ch in _line_chars(text, box, words, scale):
            chars.append(ch)
            confidences.append((round(ch.x0, 2), round(ch.top, 2), round(ch.x1, 2), round(ch.bottom, 2),
                                round(score, 4)))
    size = (gray.shape[1] / scale, gray.shape[0] / scale) if tilt else None
    return Recognised(chars, edges, OcrPage(page=page_no, engine=ENGINE, chars=tuple(confidences), skew=tilt,
                                            size=size))


def _line_chars(text: str, box, words, scale: float) -> list[Char]:
    """One Char per visible character of a recognised line."""
    from .ocrfix import fix_text

    text = fix_text(text)
    xs = [p[0] for p in box]
    ys = [p[1] for p in box]
    x0, x1, top, bottom = min(xs) / scale, max(xs) / scale, min(ys) / scale, max(ys) / scale
    visible = [(k, ch) for k, ch in enumerate(text) if not ch.isspace()]
    if not visible:
        return []
    if words and len(words) == len(visible):
        spans = [(min(p[0] for p in w) / scale, max(p[0] for p in w) / scale) for w in words]
    else:  # no box per character: spread the line's width by character widths (CJK full, others half)
        weights = [1.0 if is_cjk(ch) else 0.55 for _, ch in visible]
        unit = (x1 - x0) / sum(weights)
        spans, left = [], x0
        for w in weights:
            spans.append((left, left + w * unit))
            left += w * unit
    size = (bottom - top) * _SIZE_OF_BOX
    out: list[Char] = []
    for n, ((k, ch), (left, right)) in enumerate(zip(visible, spans, strict=True)):
        if n == 0:
            space = NO_SPACE
        elif text[k - 1].isspace():
            space = SPACE
        else:
            space = GAP if left - out[-1].x1 > 0.5 * size else NO_SPACE
        out.append(Char(ch, left, top, max(right, left + 0.1), bottom, size, -1, space))
    return out


def ruling_lines(gray, scale: float, straightened: bool = False) -> tuple[list[dict], object]:
    """Horizontal and vertical ruling lines of a page image: edges in points, and the mask of their ink.

    A page ``straightened`` from a tilt has its thin lines spread over two rows of paler grey by the turn, so
    paler grey counts as a line's ink there."""
    import cv2
    import numpy as np

    from .deskew import INK

    ink = (gray < (_PALE_INK if straightened else INK)).astype(np.uint8) * 255
    h, w = ink.shape
    edges: list[dict] = []
    mask = np.zeros_like(ink)
    for orientation, length in (("h", max(20, int(w * _MIN_LINE))), ("v", max(20, int(h * _MIN_LINE)))):
        kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (length, 1) if orientation == "h" else (1, length))
        lines = cv2.morphologyEx(ink, cv2.MORPH_OPEN, kernel)
        count, _, stats, _ = cv2.connectedComponentsWithStats(lines, connectivity=8)
        for k in range(1, count):
            x, y, bw, bh = (int(v) for v in stats[k][:4])
            long_side, short_side = (bw, bh) if orientation == "h" else (bh, bw)
            if long_side < length or short_side > max(6, long_side // 20):
                continue  # a blob of ink (a stamp, a photo), not a line
            if orientation == "h":
                mid = (y + bh / 2) / scale
                edges.append(_edge(x / scale, mid, (x + bw) / scale, mid, "h"))
            else:
                mid = (x + bw / 2) / scale
                edges.append(_edge(mid, y / scale, mid, (y + bh) / scale, "v"))
        mask |= lines
    if edges:
        mask = cv2.dilate(mask, cv2.getStructuringElement(cv2.MORPH_RECT, (3, 3)))
    return _joined(edges), mask


def _joined(edges: list[dict]) -> list[dict]:
    """Pieces of one ruling line joined: collinear (within :data:`_ONE_LINE` points) and apart by no more
    than :data:`_LINE_GAP` (a line straightened from a tilted scan comes back in pieces where it is faint)."""
    out: list[dict] = []
    for orientation, along, across in (("h", ("x0", "x1"), "top"), ("v", ("top", "bottom"), "x0")):
        pieces = sorted((e for e in edges if e["orientation"] == orientation), key=lambda e: (e[along[0]], e[across]))
        lines: list[list[float]] = []  # [position across, start, end]
        for e in pieces:
            for line in lines:
                if abs(line[0] - e[across]) <= _ONE_LINE and e[along[0]] - line[2] <= _LINE_GAP:
                    line[2] = max(line[2], e[along[1]])
                    break
            else:
                lines.append([e[across], e[along[0]], e[along[1]]])
        for at, start, end in sorted(lines):
            out.append(_edge(start, at, end, at, "h") if orientation == "h" else _edge(at, start, at, end, "v"))
    return out


def _edge(x0: float, top: float, x1: float, bottom: float, orientation: str) -> dict:
    """An edge as pdfplumber's table finder reads it (the PDF reader's own edges have the same keys)."""
    return {"x0": x0, "x1": x1, "top": top, "bottom": bottom, "doctop": top, "width": x1 - x0,
            "height": bottom - top, "orientation": orientation, "object_type": "line"}
