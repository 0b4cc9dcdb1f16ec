"""Page-level checks of a PDF: which pages need the other parser or OCR, and what to tell the reader's user.

PDFium's characters are kept when they look like text.  A page is looked at again when

- it gives no text, or only a few characters, hardly any of them ideographs, over
  an image covering most of it (a scanned page with a stamped page number; a
  cover whose title is text over a picture keeps its text);
- its text looks garbled: many private-use, replacement or control characters,
  pdfminer's ``(cid:N)``, or ideographs that are almost all rare ones (a
  ToUnicode map that maps glyphs to random characters: real Chinese is mostly
  made of the 1500 most frequent characters, ``data/common_hanzi.txt``);
- PDFium cannot load it at all;
- on a machine without Chinese fonts, it may have lost characters drawn alone in a font the PDF does not
  embed (:mod:`.pdffonts`): pdfminer's characters where PDFium has none are added to PDFium's.

Such a page is tried with pdfminer (through pdfplumber), then with OCR
(:mod:`.ocr`) when installed; a page that renders white is blank, not a loss.
Every page that stays without text, garbled or unread, and every page whose text
came from OCR or pdfminer, is listed in a :class:`~decextract.records.Notice` on
the document (codes in docs/records.md).
"""

from __future__ import annotations

import io
import unicodedata
from collections import Counter
from functools import cache
from typing import NamedTuple

import regex

from .. import data
from ..model import OcrPage
from ..records import Notice
from . import ocr
from .pdftext import NO_SPACE, SPACE, Char, slanted

_FEW_CHARS = 40  # a page with fewer characters than this over a large image is a scan with a stamp on it …
_STAMP_HAN = 4  # … when they hold fewer ideographs than this (a page number), not a title over a cover picture
_IMAGE_COVER = 0.5  # share of the page an image must cover to be a scan
_BAD_SHARE = 0.25  # private-use, replacement or control characters beyond this share: garbled
_RARE_SHARE = 0.5  # ideographs outside the common ones beyond this share: garbled
_MIN_IDEOGRAPHS = 20  # fewer ideographs than this say nothing about rarity
_BLANK_INK = 0.001  # share of dark pixels below which a rendered page is blank
_CID = regex.compile(r"\(cid:\d+\)")


@cache
def _common() -> frozenset[str]:
    return frozenset(data.text("common_hanzi.txt").replace("\n", ""))


def garbled(text: str) -> bool:
    """Whether a page's text looks like a broken text layer rather than writing (see the module docstring)."""
    cids = len(_CID.findall(text)) if "(cid:" in text else 0
    if cids:
        text = _CID.sub("", text)
    counts = Counter(text)  # each distinct character judged once
    chars = sum(n for ch, n in counts.items() if not ch.isspace())
    if not chars and not cids:
        return False
    bad = cids + sum(n for ch, n in counts.items() if ch in _BAD_CHARS or (
        not ch.isspace() and unicodedata.category(ch) in _BAD_CATEGORIES))
    if bad > _BAD_SHARE * (chars + cids):
        return True
    han = {ch: n for ch, n in counts.items() if "\u4e00" <= ch <= "\u9fff" or "\u3400" <= ch <= "\u4dbf"}
    n_han = sum(han.values())
    if n_han >= _MIN_IDEOGRAPHS:
        common = _common()
        return sum(n for ch, n in han.items() if ch not in common) > _RARE_SHARE * n_han
    return False


_BAD_CHARS = frozenset("\ufffd")
_BAD_CATEGORIES = frozenset(("Co", "Cc", "Cn", "Cs"))


class Checked(NamedTuple):
    """A page's characters after the checks: ``edges`` are the table lines to use (None: the page's own)."""

    chars: list[Char]
    edges: list[dict] | None = None
    replaced: bool = False  # the characters are not PDFium's (no font to ask about bold)


class PageReview:
    """Checks the pages of one PDF as they are read, and collects the notices and OCR'd pages."""

    def __init__(self, data_: bytes, source: str):
        self.data = data_
        self.source = source
        self._plumber = None
        self.ocr_pages: list[OcrPage] = []
        self.found: dict[str, list[int]] = {}  # notice code -> pages
        self._why_no_ocr: str | None = None
        self._ocr_failure: str | None = None

    # -- per page ---------------------------------------------------------------------------------------------
    def page(self, page, page_no: int, chars: list[Char]) -> Checked:
        """Check PDFium's ``chars`` of ``page``; the characters to read instead when they are not text."""
        text = "".join([c[0] for c in chars])  # (Char.text)
        problem = None
        if garbled(text):
            problem = "garbled_pages"
        elif not chars or (len(chars) < _FEW_CHARS and sum(_is_han(c.text) for c in chars) < _STAMP_HAN
                           and _image_cover(page) >= _IMAGE_COVER):
            problem = "no_text_pages"
        if problem is None:
            return Checked(chars)
        if problem == "no_text_pages" and not chars and _blank(page):
            return Checked(chars)  # a blank page: nothing on it to lose
        other = self._pdfminer(page_no) if problem == "garbled_pages" or not chars else []
        if other and not garbled("".join(c.text for c in other)) and len(other) >= _FEW_CHARS // 4:
            self.found.setdefault("fallback_text_pages", []).append(page_no)
            return Checked(other, replaced=True)
        recognised = self._ocr(page, page_no, keep=chars if problem == "no_text_pages" else [])
        if recognised is not None:
            return recognised
        self.found.setdefault(problem, []).append(page_no)
        return Checked(chars)

    def lost_text(self, page, page_no: int, chars: list[Char]) -> Checked | None:
        """PDFium may have left text of the page out (a font neither embedded nor installed:
        readers/pdffonts.py): its characters with those pdfminer reads where PDFium has none of that text
        (upright, on the page), else None.  Only on a page whose crop box is its media box: pdfminer's
        boxes are the media box's, PDFium's the crop box's."""
        if any(abs(a - b) > 0.5 for a, b in zip(page.get_cropbox(), page.get_mediabox(), strict=True)):
            return None
        width, height = page.get_size()
        other = [o for o in self._pdfminer(page_no, upright=True)
                 if 0 <= (o.x0 + o.x1) / 2 <= width and 0 <= (o.top + o.bottom) / 2 <= height]
        added = _lost(chars, other)
        if not added or garbled("".join(c.text for c in other)):
            return None
        self.found.setdefault("fallback_text_pages", []).append(page_no)
        return Checked(chars + added)

    def unreadable(self, page_no: int) -> list[Char]:
        """A page PDFium cannot load: pdfminer's characters for it, or none (noted either way)."""
        other = self._pdfminer(page_no)
        if other and not garbled("".join(c.text for c in other)):
            self.found.setdefault("fallback_text_pages", []).append(page_no)
            return other
        self.found.setdefault("unreadable_pages", []).append(page_no)
        return []

    # -- the other readers ------------------------------------------------------------------------------------
    def _ocr(self, page, page_no: int, keep: list[Char]) -> Checked | None:
        """OCR's characters for the page, after the text layer's own ``keep`` (a stamp over a scan): where
        the text layer has a character, OCR's reading of the same spot is not added."""
        if self._why_no_ocr is None:
            self._why_no_ocr = ocr.unavailable() or ""
        if self._why_no_ocr:
            return None
        try:
            recognised = ocr.recognise_page(page, page_no)
        except Exception as exc:  # noqa: BLE001 - the engine's own failures (std::bad_alloc under the memory cap …)
            self._ocr_failure = self._ocr_failure or _reason(exc)
            self.found.setdefault("ocr_failed_pages", []).append(page_no)
            return None  # the page stays unread, and says so: the document goes on
        added = [c for c in recognised.chars if not any(_covers(k, c) for k in keep)]
        if not added:
            return None
        self.ocr_pages.append(recognised.page)
        self.found.setdefault("ocr_pages", []).append(page_no)
        return Checked(list(keep) + added, recognised.edges, replaced=True)

    def _pdfminer(self, page_no: int, upright: bool = False) -> list[Char]:
        """The page's characters as pdfminer reads them (through pdfplumber), or [] when it cannot; with
        ``upright``, only those the PDFium reader would keep (not a slanted watermark: ``pdftext.slanted``)."""
        try:
            if self._plumber is None:
                import pdfplumber

                self._plumber = pdfplumber.open(io.BytesIO(self.data))
            if page_no > len(self._plumber.pages):
                return []
            raw = self._plumber.pages[page_no - 1].chars
            if upright:
                raw = [c for c in raw if not (c.get("matrix") and slanted(*c["matrix"][:2]))]
        except Exception:  # pdfminer fails in its own ways on damaged files: then it has nothing to offer
            return []
        out = [Char(c["text"], float(c["x0"]), float(c["top"]), float(c["x1"]), float(c["bottom"]),
                    float(c.get("size") or 10.0), -1, NO_SPACE) for c in raw if (c.get("text") or "").strip()]
        return _mark_spaces(out, raw)

    def close(self) -> None:
        if self._plumber is not None:
            self._plumber.close()
            self._plumber = None

    # -- what to tell -----------------------------------------------------------------------------------------
    def notices(self) -> tuple[Notice, ...]:
        why = self._why_no_ocr or ocr.unavailable() or ""
        messages = {
            "no_text_pages": "pages with no text layer (scanned?) gave no text" + (f": {why}" if why else ""),
            "garbled_pages": "pages whose text layer is garbled (unmapped or private-use characters, or random "
                             "ideographs) could not be read otherwise" + (f": {why}" if why else ""),
            "unreadable_pages": "pages that failed to parse were left out",
            "ocr_pages": f"pages read by OCR ({ocr.ENGINE}, {ocr.DPI} dpi): their records carry prov.ocr and the "
                         "engine's confidence; check doubtful figures against the page",
            "fallback_text_pages": "pages where PDFium gave no text, garbled text or left text out were read with pdfminer",
            "ocr_failed_pages": f"pages OCR was needed for failed in the OCR engine: {self._ocr_failure}",
        }
        return tuple(Notice(code, f"{messages[code]} ({_pages(pages)})", tuple(pages))
                     for code, pages in self.found.items())


def _reason(exc: BaseException) -> str:
    """One line saying why the OCR engine failed (its messages can carry a whole traceback)."""
    text = f"{type(exc).__name__}: {exc}"
    if isinstance(exc, MemoryError) or "bad_alloc" in text:
        return "out of memory (a worker's --max-memory limit counts the engine's address space)"
    line = next((part.strip() for part in reversed(text.splitlines()) if part.strip()), type(exc).__name__)
    return line[:200]


def _mark_spaces(chars: list[Char], raw: list[dict]) -> list[Char]:
    """Spaces pdfminer printed between characters, as the PDFium reader marks them."""
    out: list[Char] = []
    spaced = False
    k = 0
    for c in raw:
        if not (c.get("text") or "").strip():
            spaced = bool(out)
            continue
        ch = chars[k]
        k += 1
        out.append(ch._replace(space_before=SPACE) if spaced else ch)
        spaced = False
    return out


def _lost(chars: list[Char], other: list[Char]) -> list[Char]:
    """The characters of ``other`` whose centre no character of ``chars`` with their text covers."""
    at: dict[str, list[Char]] = {}
    for c in chars:
        at.setdefault(c.text, []).append(c)
    return [o for o in other if not any(_covers(c, o, slack=1.0) for c in at.get(o.text, ()))]


def _is_han(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def _covers(a: Char, b: Char, slack: float = 0.0) -> bool:
    """Whether ``b``'s centre lies in ``a``'s box (grown by ``slack`` points each side)."""
    x, y = (b.x0 + b.x1) / 2, (b.top + b.bottom) / 2
    return a.x0 - slack <= x <= a.x1 + slack and a.top - slack <= y <= a.bottom + slack


def _pages(pages: list[int]) -> str:
    return ("page " if len(pages) == 1 else "pages ") + ", ".join(str(p) for p in pages)


def _image_cover(page) -> float:
    """The largest share of the page covered by one image object."""
    import pypdfium2.raw as pdfium_c

    width, height = page.get_width(), page.get_height()
    area = max(width * height, 1.0)
    best = 0.0
    for obj in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_IMAGE], max_depth=3):
        bounds = obj.get_bounds() if hasattr(obj, "get_bounds") else obj.get_pos()  # pypdfium2 5 / 4
        left, bottom, right, top = bounds
        best = max(best, max(0.0, right - left) * max(0.0, top - bottom) / area)
    return min(best, 1.0)


def _blank(page) -> bool:
    """Whether the page renders (almost) white."""
    bitmap = page.render(scale=36 / 72, grayscale=True)
    try:
        histogram = bitmap.to_pil().convert("L").histogram()
    finally:
        bitmap.close()
    return sum(histogram[:128]) < _BLANK_INK * max(sum(histogram), 1)
