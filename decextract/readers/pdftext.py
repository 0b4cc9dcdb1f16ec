"""PDF text geometry: characters from PDFium, grouped into lines, lines joined into text.

Characters come from PDFium's text page with their loose boxes (font ascent to
descent, so every glyph of a line has the same height), mapped to the page as
displayed with a top-left origin (pdfplumber's convention).  Characters the
reader cannot see are left out: off the crop box, clipped away, or slanted
(watermarks).  Whitespace characters are not kept; a space is put back only
between non-CJK characters (see :func:`join_lines`), so no space ever appears
between CJK characters, and a number or unit wrapped onto the next line is
joined back (“940.” + “15万元”).
"""

from __future__ import annotations

import ctypes
import unicodedata
from collections.abc import Sequence
from operator import itemgetter
from typing import NamedTuple

import pypdfium2.raw as pdfium_c
import regex

from ..model import Box
from . import pdfraw

#: Han ideographs, CJK punctuation and full-width forms: no space is ever put next to them.
_CJK = regex.compile(
    r"""[\p{Han}\p{Hiragana}\p{Katakana}\p{Hangul}\u3000-\u303f\uff00-\uffef\u2018-\u201f\u2026\u2014\u00b7]
    # ideographs and kana; CJK symbols and punctuation (、。「」【】); full-width forms (，：（）％);
    # curly quotes, ellipsis, em dash, middle dot
    """,
    regex.VERBOSE,
)
_BOLD_FONT = regex.compile(r"bold|heavy|black|demi|semibold|粗|黑体|hei", regex.IGNORECASE)


class Char(NamedTuple):
    """One visible character: its text, box (top-left origin, points), font size on the page, PDFium index."""

    text: str
    x0: float
    top: float
    x1: float
    bottom: float
    size: float
    index: int
    space_before: int  # NO_SPACE, or a SPACE in the text right before it, or a GAP PDFium saw there


def ideograph(ch: str) -> str:
    """The unified ideograph for a Kangxi radical or CJK compatibility ideograph (“⽀” → “支”), else ``ch``.

    Some fonts map their glyphs to these code points, so text extraction returns
    them for ordinary characters; the replacement is always one character.
    """
    if "\u2f00" <= ch <= "\u2fdf" or "\uf900" <= ch <= "\ufaff" or "\u2e80" <= ch <= "\u2eff":
        unified = unicodedata.normalize("NFKC", ch)
        if len(unified) == 1:
            return unified
    return ch


NO_SPACE, GAP, SPACE = 0, 1, 2  # what separates a character from the one before it


def is_cjk(ch: str) -> bool:
    known = _CJK_KNOWN.get(ch)
    if known is None:
        known = bool(_CJK.match(ch))
        if len(ch) == 1:
            _CJK_KNOWN[ch] = known
    return known


_CJK_KNOWN: dict[str, bool] = {}  # is_cjk of each character seen (at most every code point)


def round2(v: float) -> float:
    """``round(v, 2)``, exactly, at half its cost for the coordinates of a page.

    When ``100 v`` lies clearly away from a half (computed in floating point, its error is far below
    0.01 for |v| < 1e9), the correctly rounded two-decimal value is ``n / 100`` for the nearest
    integer ``n``, and IEEE division gives the double nearest to it — what ``round`` returns.  Near a
    half, at zero (``round`` keeps the sign of -0.001) and for huge values, ``round`` itself decides.
    """
    scaled = v * 100.0
    if -1e11 < scaled < 1e11:  # (not inf or NaN)
        n = round(scaled)
        if n and -0.49 < scaled - n < 0.49:
            return n / 100
    return round(v, 2)


class PageFrame:
    """Maps PDF user space (bottom-left origin, unrotated) to the page as displayed (top-left origin, rotated).

    ``box`` is the crop box ``(left, bottom, right, top)`` in user space, ``rotation``
    the page's /Rotate (0, 90, 180, 270, clockwise); ``width`` and ``height`` are
    the displayed size.
    """

    def __init__(self, box: tuple[float, float, float, float], rotation: int):
        self.box = box
        self.rotation = rotation % 360
        left, bottom, right, top = box
        turned = self.rotation in (90, 270)
        self.width = (top - bottom) if turned else (right - left)
        self.height = (right - left) if turned else (top - bottom)

    def point(self, x: float, y: float) -> tuple[float, float]:
        """Displayed ``(x, top)`` of the user-space point ``(x, y)``."""
        left, bottom, right, top = self.box
        if self.rotation == 90:
            return y - bottom, x - left
        if self.rotation == 180:
            return right - x, y - bottom
        if self.rotation == 270:
            return top - y, right - x
        return x - left, top - y

    def rect(self, x0: float, y0: float, x1: float, y1: float) -> tuple[float, float, float, float]:
        """Displayed ``(x0, top, x1, bottom)`` of a user-space rectangle given by two corners."""
        (ax, ay), (bx, by) = self.point(x0, y0), self.point(x1, y1)
        return min(ax, bx), min(ay, by), max(ax, bx), max(ay, by)


def page_chars(textpage, frame: PageFrame) -> list[Char]:
    """The visible characters of a PDFium text page, in content order, boxes as displayed.

    Characters off the crop box, cut off by a clip path or set at a slant (watermarks)
    are left out.
    """
    n = pdfium_c.FPDFText_CountChars(textpage)
    if n <= 0:
        return []
    text = textpage.get_text_range(0, n)
    if len(text) != n:  # characters outside the BMP: fall back to one code point per index
        text = "".join(chr(pdfium_c.FPDFText_GetUnicode(textpage, i) or 0xFFFD) for i in range(n))
    text = text.translate(_IDEOGRAPHS)
    tp = pdfraw.handle(textpage)
    rect = pdfraw.Rect()
    ref = ctypes.byref(rect)
    unpack = pdfraw.RECT.unpack_from
    get_box, get_object, is_generated = pdfraw.get_loose_char_box, pdfraw.get_text_object, pdfraw.is_generated
    # Size and slant are the text object's (PDFium gives every character of an object its matrix and
    # font size): read once per object where objects hold several characters; office exports draw
    # each character as its own object, and there asking for the object costs more than it saves.
    styles: dict[int, float | None] = {}
    by_object, hits = True, 0
    last_obj, last_size = None, None
    # Reading a clip path is slow, so the area found for one character is trusted for the next ones
    # that fall inside it.
    left = bottom = right = top = 0.0
    clips: dict = {}
    crop_left, _, _, crop_top = frame.box
    upright = frame.rotation == 0
    new = tuple.__new__
    matrix, mref, munpack = _MATRIX, _MATRIX_REF, pdfraw.MATRIX.unpack_from
    get_matrix, get_size = pdfraw.get_matrix, pdfraw.get_font_size
    skipped, spaces = _SKIPPED, _SPACES
    chars: list[Char] = []
    space = NO_SPACE
    for i, ch in enumerate(text):
        if ch in skipped:
            if ch in spaces:
                space = max(space, GAP if is_generated(tp, i) == 1 else SPACE)
            continue
        get_box(tp, i, ref)
        r_left, r_top, r_right, r_bottom = unpack(rect)
        x, y = (r_left + r_right) / 2, (r_top + r_bottom) / 2
        if not (left <= x <= right and bottom <= y <= top):
            left, bottom, right, top = _visible_area(get_object(tp, i), frame.box, clips)
            if not (left <= x <= right and bottom <= y <= top):
                continue  # off the page, or cut off by a clipping path (text overflowing its frame)
        if by_object:
            obj = get_object(tp, i)
            if obj and obj == last_obj:  # (the object of the character before: the one asked last)
                size = last_size
                hits += 1
            else:
                size = styles.get(obj, _UNREAD) if obj else _UNREAD
                if size is _UNREAD:
                    size = _style(tp, i)
                    if obj:
                        styles[obj] = size
                else:
                    hits += 1
                last_obj, last_size = obj, size
                if len(styles) == _TRIAL and hits < _TRIAL:
                    by_object = False  # one object a character (or nearly)
        else:  # _style, inline
            get_matrix(tp, i, mref)
            a, b, c, d, _, _ = munpack(matrix)
            if min(abs(a), abs(b)) > 0.2 * max(abs(a), abs(b)):  # (slanted, inlined: once per character)
                continue
            size = get_size(tp, i) * abs(a * d - b * c) ** 0.5
        if size is None:
            continue  # set at a slant: a watermark (“样张”) laid across the page, not text of it
        if upright:
            if r_left <= r_right:
                x0, x1 = r_left - crop_left, r_right - crop_left
            else:
                x0, x1 = r_right - crop_left, r_left - crop_left
            if r_top >= r_bottom:
                top_, bottom_ = crop_top - r_top, crop_top - r_bottom
            else:
                top_, bottom_ = crop_top - r_bottom, crop_top - r_top
        else:
            x0, top_, x1, bottom_ = frame.rect(r_left, r_bottom, r_right, r_top)
        chars.append(new(Char, (ch, x0, top_, x1, bottom_, size, i, space)))
        space = NO_SPACE
    return chars


_TRIAL = 64  # objects read before deciding whether characters share them
_UNREAD = object()
_SPACES = frozenset(" \u3000\t")
#: whitespace (``str.isspace``: none lies above U+3000) and the markers PDFium puts in text: not characters
#: of the page
_SKIPPED = frozenset(ch for ch in map(chr, range(0x3001)) if ch.isspace()) | frozenset("\x00\x02\ufffe\uffff\u00ad")
#: Kangxi radicals and compatibility ideographs read as the unified ideograph (see :func:`ideograph`)
_IDEOGRAPHS = {k: ideograph(chr(k)) for r in ((0x2E80, 0x2EFF), (0x2F00, 0x2FDF), (0xF900, 0xFAFF))
               for k in range(r[0], r[1] + 1) if ideograph(chr(k)) != chr(k)}


_MATRIX = pdfraw.Matrix()  # filled by each call of _style (PDFium runs one document at a time)
_MATRIX_REF = ctypes.byref(_MATRIX)


def slanted(a: float, b: float) -> bool:
    """Whether a character whose matrix starts ``a b`` is set at a slant (a watermark laid across the page),
    not upright or turned a quarter: such characters are not text of the page."""
    return min(abs(a), abs(b)) > 0.2 * max(abs(a), abs(b))


def _style(tp, i: int) -> float | None:
    """The font size on the page of character ``i`` (its text space size scaled by its matrix),
    or None when it is set at a slant."""
    pdfraw.get_matrix(tp, i, _MATRIX_REF)
    a, b, c, d, _, _ = pdfraw.MATRIX.unpack_from(_MATRIX)
    if slanted(a, b):
        return None
    return pdfraw.get_font_size(tp, i) * abs(a * d - b * c) ** 0.5


def _visible_area(obj, box: tuple[float, float, float, float], known: dict) -> tuple[float, float, float, float]:
    """``(left, bottom, right, top)`` in user space where a text object can show: the crop box within its clip paths.

    Each clip path is taken as its bounding box (clip paths of office exports are rectangles).  ``known``
    holds the boxes of the paths read on this page, by the address of their points: the objects drawn
    under one clipping state share its paths (a page's own clip path comes back with every cell's).
    """
    area = [box[0] - 1, box[1] - 1, box[2] + 1, box[3] + 1]
    clip = pdfraw.object_get_clip_path(obj) if obj else None
    if not clip:
        return area[0], area[1], area[2], area[3]
    count_segments, get_segment, get_point = pdfraw.clip_count_segments, pdfraw.clip_get_segment, pdfraw.segment_get_point
    point, pref = _POINT, _POINT_REF
    x, y = pref
    unpack = pdfraw.POINT.unpack_from
    for k in range(pdfraw.clip_count_paths(clip)):
        n = count_segments(clip, k)
        first = get_segment(clip, k, 0).value if n > 0 else None
        bounds = known.get((first, n)) if first else None
        if bounds is None:
            xs, ys = [], []
            for j in range(n):
                seg = get_segment(clip, k, j)
                if seg and get_point(seg, x, y):
                    px, py = unpack(point)
                    xs.append(px)
                    ys.append(py)
            bounds = (min(xs), min(ys), max(xs), max(ys)) if xs else ()
            if first:
                known[(first, n)] = bounds
        if bounds:
            area = [max(area[0], bounds[0] - 1), max(area[1], bounds[1] - 1),
                    min(area[2], bounds[2] + 1), min(area[3], bounds[3] + 1)]
    return area[0], area[1], area[2], area[3]


_POINT = pdfraw.Point()  # filled by _visible_area's point calls (PDFium runs one document at a time)
_POINT_REF = (ctypes.byref(_POINT), ctypes.byref(_POINT, 4))


def font_is_bold(textpage, index: int) -> bool:
    """Whether the character at ``index`` is set in a bold (or heavy, 黑体) face (``textpage``: a PDFium text
    page, or its :func:`~.pdfraw.handle`)."""
    tp = textpage if isinstance(textpage, ctypes.c_void_p) else pdfraw.handle(textpage)
    buf = _FONT_NAME
    buf[0] = 0  # (PDFium leaves the buffer as it is when the name does not fit: then no name)
    pdfraw.get_font_info(tp, index, buf, len(buf), _FONT_FLAGS_REF)
    name = buf.value.decode("latin-1", "replace")
    return bool(_BOLD_FONT.search(name)) or pdfraw.get_font_weight(tp, index) >= 600


_FONT_NAME = ctypes.create_string_buffer(128)  # filled by font_is_bold (PDFium runs one document at a time)
_FONT_FLAGS_REF = ctypes.byref(ctypes.c_int())


class Line:
    """Characters sharing a baseline, left to right."""

    __slots__ = ("chars", "page", "x0", "top", "x1", "bottom", "size", "bold")

    def __init__(self, chars: list[Char], page: int):
        self._measure(chars, page, min(map(_X0, chars)))

    @classmethod
    def of_run(cls, chars: list[Char], page: int) -> Line:
        """The line of ``chars`` already in order of their left edges (``x0`` is the first one's)."""
        line = cls.__new__(cls)
        line._measure(chars, page, chars[0][1])
        return line

    def _measure(self, chars: list[Char], page: int, x0: float) -> None:
        self.chars = chars
        self.page = page
        self.x0 = x0
        if len(chars) == 1:
            c = chars[0]
            self.x1, self.top, self.bottom, self.size = c[3], c[2], c[4], c[5]
        else:
            self.x1 = max(map(_X1, chars))
            self.top = min(map(_TOP, chars))
            self.bottom = max(map(_BOTTOM, chars))
            sizes = sorted(map(_SIZE, chars))
            self.size = sizes[len(sizes) // 2]
        self.bold = False

    @property
    def text(self) -> str:
        return "".join(map(_TEXT, self.chars))

    def __repr__(self) -> str:
        return f"Line(p{self.page} {self.x0:.0f},{self.top:.0f}-{self.x1:.0f},{self.bottom:.0f} {self.text!r})"


_TEXT, _X0, _TOP, _X1, _BOTTOM, _SIZE = (itemgetter(k) for k in range(6))  # Char's fields, fast


def group_lines(chars: Sequence[Char], page: int, split_gap: float = 3.0) -> list[Line]:
    """Group characters into lines, top to bottom, each left to right.

    A character joins the current line when its vertical centre lies within the
    line's band.  Within a line, a horizontal gap wider than ``split_gap`` em
    splits it into separate lines (side-by-side fields such as “编制部门：…” and
    “单位：元”).  Exact duplicates (text drawn twice to fake bold) are dropped.
    """
    if not chars:
        return []
    if len(chars) == 1:
        return [Line.of_run([chars[0]], page)]
    top, bottom = chars[0][2], chars[0][4]
    if all(c[2] == top and c[4] == bottom for c in chars):  # set on one line (a cell's number, a heading)
        bands = [list(chars)]  # (all centres equal: one band, the characters in their order)
    else:
        bands = _bands(chars)
    lines: list[Line] = []
    line_of = Line.of_run  # (each band is sorted by x0, each run a stretch of it)
    splits = split_gap != float("inf")  # (no gap is wider than infinity: a cell's lines are never split)
    for band in bands:
        if len(band) > 1:
            band.sort(key=_X0)
        run: list[Char] = [band[0]]
        last = band[0]
        for c in band[1:]:
            if c[0] == last[0] and abs(c[1] - last[1]) < 1 and abs(c[2] - last[2]) < 1:
                continue
            if splits and c[1] - last[3] > split_gap * max(last[5], c[5], 1.0):
                lines.append(line_of(run, page))
                run = []
            run.append(c)
            last = c
        lines.append(line_of(run, page))
    return lines


def _bands(chars: Sequence[Char]) -> list[list[Char]]:
    """The characters by band, top to bottom: a character joins the band whose middle part holds its centre."""
    mids = [(c[2] + c[4]) / 2 for c in chars]
    bands: list[list[Char]] = []
    band_top = band_bottom = 0.0
    for k in sorted(range(len(chars)), key=mids.__getitem__):
        c, mid = chars[k], mids[k]
        if bands and band_top <= mid <= band_bottom:
            bands[-1].append(c)
            continue
        bands.append([c])
        top, bottom = c[2], c[4]
        band_top, band_bottom = top + 0.15 * (bottom - top), bottom - 0.15 * (bottom - top)
        band_top, band_bottom = min(band_top, mid), max(band_bottom, mid)
    return bands


def _keeps_space(left: str, right: str, space: int, wrap: bool) -> bool:
    """Whether a space goes between ``left`` and ``right``.

    Never next to CJK.  Across a line break, only between two Latin letters (words);
    digits and units split by a wrap join up.  Within a line, where the text has a
    space, or where PDFium saw a gap that does not fall between two digits (letter
    spacing in “2 0 2 0” is not a separator).
    """
    if is_cjk(left) or is_cjk(right):
        return False
    if wrap:
        return left.isalpha() and right.isalpha()
    return space == SPACE or (space == GAP and not (left.isdigit() and right.isdigit()))


class CharBoxes(Sequence):
    """One box ``(page, x0, top, x1, bottom)`` per character of a joined text (``None`` for an inserted
    space), rounded to 0.01 pt when read.

    Most boxes are never read (a figure reads the few under its span), so the rounding — the most
    costly step of joining text — waits until then.  Slices are tuples of boxes; a pickled sequence
    comes back as a tuple.
    """

    __slots__ = ("_chars", "_pages")

    def __init__(self, chars: list[Char | None], pages: list[int | None]):
        self._chars = chars
        self._pages = pages

    def __len__(self) -> int:
        return len(self._chars)

    def _box(self, i: int) -> Box | None:
        c = self._chars[i]
        if c is None:
            return None
        return (self._pages[i], round2(c[1]), round2(c[2]), round2(c[3]), round2(c[4]))

    def __getitem__(self, key):
        if isinstance(key, slice):
            return tuple([self._box(i) for i in range(*key.indices(len(self._chars)))])
        if key < 0:
            key += len(self._chars)
        if not 0 <= key < len(self._chars):
            raise IndexError("box index out of range")
        return self._box(key)

    def __iter__(self):
        return (self._box(i) for i in range(len(self._chars)))

    def span(self, start: int, end: int) -> tuple[int | None, tuple | None]:
        """:func:`decextract.model.span_box` of ``self[start:end]``, computed without building the boxes.

        Rounding is monotonic, so the least (greatest) of the rounded coordinates is the rounded least
        (greatest): the bounds are taken from the coordinates as read and rounded once."""
        chars, pages = self._chars, self._pages
        page = None
        for i in range(*slice(start, end).indices(len(chars))):
            c = chars[i]
            if c is None:
                continue
            if page is None:
                page = pages[i]
                x0, top, x1, bottom = c[1], c[2], c[3], c[4]
            elif pages[i] == page:
                if c[1] < x0:
                    x0 = c[1]
                if c[2] < top:
                    top = c[2]
                if c[3] > x1:
                    x1 = c[3]
                if c[4] > bottom:
                    bottom = c[4]
        if page is None:
            return None, None
        bbox = (round2(x0), round2(top), round2(x1), round2(bottom))
        if 0.0 in bbox:  # a bound that rounds to zero keeps the sign of the first such character, as min does
            bbox = tuple(self._first_zero(start, end, page, k) if v == 0.0 else v for k, v in enumerate(bbox, 1))
        return page, bbox

    def _first_zero(self, start: int, end: int, page: int, k: int) -> float:
        """The rounded coordinate ``k`` (1 = x0 … 4 = bottom) of the first character of the span on ``page``
        whose coordinate rounds to zero: ``0.0`` or ``-0.0``."""
        for i in range(*slice(start, end).indices(len(self._chars))):
            c = self._chars[i]
            if c is not None and self._pages[i] == page and round2(c[k]) == 0.0:
                return round2(c[k])
        return 0.0

    def __eq__(self, other) -> bool:
        return isinstance(other, Sequence) and tuple(self) == tuple(other)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"CharBoxes({tuple(self)!r})"

    def __reduce__(self):
        return tuple, (tuple(self),)


def join_lines(lines: Sequence[Line]) -> tuple[str, CharBoxes]:
    """Text of consecutive lines read as one run, and one box per character (``None`` for inserted spaces).

    Spaces follow :func:`_keeps_space`, so CJK text and numbers split by a wrap
    join seamlessly.
    """
    out: list[str] = []
    chars: list[Char | None] = []
    pages: list[int | None] = []
    prev = None
    for line in lines:
        page = line.page
        wrap = True
        for c in line.chars:
            ch = c[0]
            if prev is not None and (wrap or c[7] != NO_SPACE) and _keeps_space(prev, ch, c[7], wrap):
                out.append(" ")
                chars.append(None)
                pages.append(None)
            out.append(ch)
            chars.append(c)
            pages.append(page)
            prev, wrap = ch, False
    return "".join(out), CharBoxes(chars, pages)


def join_text(lines: Sequence[Line]) -> str:
    """The text of :func:`join_lines` alone (no boxes): for comparing and testing cell texts."""
    out: list[str] = []
    prev = None
    for line in lines:
        wrap = True
        for c in line.chars:
            ch = c[0]
            if prev is not None and (wrap or c[7] != NO_SPACE) and _keeps_space(prev, ch, c[7], wrap):
                out.append(" ")
            out.append(ch)
            prev, wrap = ch, False
    return "".join(out)
