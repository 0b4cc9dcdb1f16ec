"""The text of a paragraph as the grammar reads it, every character mapped back to the printed text.

Text copied out of PDFs is hard-wrapped (“支\\n出”, “91.91\\n万元”) and keeps the PDF's spaces
(“2041.17 万元”, letter-spaced “基 本 支出”); disclosures are printed in simplified or traditional
script, in half- or full-width forms.  :class:`TextView` reads one printed text (``raw``) as

- line breaks joined, with the spaces around them (a space is kept only between two Latin letters);
- spaces, tabs and ideographic spaces next to a CJK character dropped (no space carries meaning
  beside an ideograph: “较 2022 年度” is “较2022年度”);
- traditional characters folded to simplified ones and full-width forms to ASCII, one character
  for one (data/traditional.txt): 與上年相比減少 reads as 与上年相比减少, ９７．０９％ as 97.09%.

``view.text`` is what the lexicons and the grammar see; :meth:`TextView.raw_span` maps a span of
it back to the printed text, so a figure keeps ``context[start:end] == text`` with the context
and the text as printed.  :meth:`TextView.unfold` gives a phrase cut from the view back in the
document's own characters (a label read from 與上年相比 is given as printed).
"""

from __future__ import annotations

from functools import cache, lru_cache

from . import data

_SPACES = frozenset(" \t\u3000\u00a0\r")
_BREAKS = frozenset("\n\f\v\u2028\u2029")
_BLANKS = _SPACES | _BREAKS


def is_cjk(ch: str) -> bool:
    """Han ideographs, kana, CJK punctuation and full-width forms: no space is meaningful next to them."""
    o = ord(ch)
    return (0x2E80 <= o <= 0x9FFF or 0xF900 <= o <= 0xFAFF or 0xFE30 <= o <= 0xFE4F
            or 0xFF00 <= o <= 0xFFEF or 0x20000 <= o <= 0x3FFFF or ch in "“”‘’…—·")


@cache
def _fold_table() -> dict[int, str]:
    table = {}
    for line in data.text("traditional.txt").splitlines():
        if line and not line.startswith("#"):
            trad, simp = line.split("\t")
            table[ord(trad)] = simp
    for o in range(0xFF01, 0xFF5F):  # full-width ASCII forms: ９７．０９％ -> 97.09%
        table[o] = chr(o - 0xFEE0)
    return table


def fold(text: str) -> str:
    """``text`` with traditional characters and full-width forms folded, one character for one."""
    return text.translate(_fold_table())


def _latin(ch: str) -> bool:
    return ch.isascii() and ch.isalpha()


class TextView:
    """A printed text (``raw``) as the grammar reads it (``text``), with the map between the two."""

    __slots__ = ("raw", "text", "_raw_of", "_unfold")

    def __init__(self, raw: str):
        self.raw = raw
        self._unfold: dict[str, str] | None = None
        if _BLANKS.isdisjoint(raw):  # nothing to drop or join (most cells and PDF paragraphs)
            self.text = fold(raw)
            self._raw_of = list(range(len(raw)))
            if self.text == raw:
                self._unfold = {}  # nothing folded: nothing to unfold
            return
        kept: list[int] = []  # raw offset of every character of the view
        spaced: list[int] = []  # raw offsets of the spaces put back between two Latin letters
        n = len(raw)
        i = 0
        while i < n:
            ch = raw[i]
            if ch in _SPACES or ch in _BREAKS:
                j = i
                while j < n and (raw[j] in _SPACES or raw[j] in _BREAKS):
                    j += 1
                run = raw[i:j]
                before = raw[kept[-1]] if kept else ""
                after = raw[j] if j < n else ""
                wrap = any(c in _BREAKS for c in run)
                if before and after and not is_cjk(before) and not is_cjk(after) \
                        and (not wrap or (_latin(before) and _latin(after))):
                    first = next((k for k in range(i, j) if raw[k] in _SPACES), i)
                    kept.append(first)  # one space stands for the run (the printed one where there is one)
                    spaced.append(first)
                i = j
                continue
            kept.append(i)
            i += 1
        spaces = set(spaced)
        view = "".join(" " if k in spaces else raw[k] for k in kept)
        self.text = fold(view)
        self._raw_of = kept
        if self.text == view:
            self._unfold = {}  # nothing folded (the spaces put back are blanks as printed): nothing to unfold

    def raw_span(self, start: int, end: int) -> tuple[int, int]:
        """The printed span of view characters ``[start, end)``: from the first to the last one."""
        if end <= start:
            k = self._raw_of[start] if start < len(self._raw_of) else len(self.raw)
            return k, k
        return self._raw_of[start], self._raw_of[end - 1] + 1

    def raw_bounds(self, start: int, end: int) -> tuple[int, int]:
        """Like :meth:`raw_span`, but stretched back over what the view left out before it (a
        sentence's context keeps the spaces and line breaks it opens with as printed) and, at the
        end of the text, over what follows its last character unless that ends a sentence."""
        lo = self._raw_of[start - 1] + 1 if start > 0 else 0
        hi = self._raw_of[end - 1] + 1 if end > start else lo
        if end >= len(self._raw_of) and self.text[-1:] not in "。！？!?":
            hi = len(self.raw)
        return lo, hi

    def unfold(self, phrase: str | None) -> str | None:
        """``phrase`` (cut from the view) in the characters the text prints: each folded character
        back to the printed one it stands for in this text."""
        if not phrase:
            return phrase
        if self._unfold is None:
            pairs: dict[str, str] = {}
            for pos, k in enumerate(self._raw_of):
                printed, folded = self.raw[k], self.text[pos]
                if printed != folded and not printed.isspace():
                    pairs.setdefault(folded, printed)
            self._unfold = pairs
        if not self._unfold:
            return phrase
        return "".join(self._unfold.get(ch, ch) for ch in phrase)


@lru_cache(maxsize=1024)  # a paragraph is read by the chart finder, the figures and the indicators
def view_of(raw: str) -> TextView:
    """The :class:`TextView` of ``raw``, made once per text (a view never changes once made)."""
    return TextView(raw)
