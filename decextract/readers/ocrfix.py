"""What the recogniser nearly read: its near-tie alternatives chosen by a lexicon, and its known misreadings.

PP-OCR's recogniser gives, for each frame (a thin vertical slice of the line),
a probability for every character and for *blank* (no character); the engine's
greedy decoding keeps the most probable one per frame.  Where a faint or dense
glyph splits the vote, greedy decoding drops it (blank wins 0.36 to 0.24) or
takes a look-alike (慨 0.24 over 慑 0.15), with a line confidence that stays
high.  :class:`AlternativeDecoder` replaces the engine's decoder: in each frame
where the winner is uncertain it weighs the runner-up characters
(``data/ocr_alternatives.json``):

* a runner-up holding at least ``min_share`` of the winner's probability (and
  ``min_probability``) is a candidate; look-alikes of one character (丶 and 、,
  ``data/ocr_fixes.json``) pool their probability;
* a Chinese character is taken when it makes a word of jieba's dictionary with
  its neighbours and the reading it replaces makes none there (a dropped
  character: no word across the gap it fills);
* a punctuation mark of ``marks`` is taken on the probabilities alone, never
  beside another mark;
* digits and letters are never changed: a figure is read or not, not guessed.

A chosen character takes the frame it was seen in, so the engine's per-character
boxes (from the frames' columns) hold for it as for the others; its confidence is
its own probability, so the line's confidence drops where a choice was made.

:func:`fix_text` then puts right what the engine reads for something else that
looks the same in print (``data/ocr_fixes.json``), character for character.
"""

from __future__ import annotations

import logging
from functools import cache

import numpy as np
import regex

from .. import data

log = logging.getLogger("decextract")
_SURE = 0.9  # a frame whose winner has this probability is not looked at again
_TOP = 4  # runner-ups weighed per frame
_HAN = regex.compile(r"\p{Han}")


def _is_han(ch: str) -> bool:
    return bool(_HAN.fullmatch(ch))


@cache
def _fixes() -> dict[str, str]:
    return data.load("ocr_fixes.json")["characters"]


@cache
def _word_fixes() -> tuple[regex.Pattern, dict[str, str]] | None:
    words = data.load("ocr_fixes.json").get("words", {})
    if not words:
        return None
    return regex.compile("|".join(map(regex.escape, sorted(words, key=len, reverse=True)))), words


def fix_text(text: str) -> str:
    """A recognised line with the engine's known misreadings put right (``data/ocr_fixes.json``), character
    for character, so each keeps its box."""
    fixes = _fixes()
    text = "".join(fixes.get(ch, ch) for ch in text)
    words = _word_fixes()
    if words is not None:
        text = words[0].sub(lambda m: words[1][m.group()], text)
    if '"' in text and "“" in text:
        text = _close_quotes(text)
    return text


def _close_quotes(text: str) -> str:
    """A straight quote closing a curly one the engine read (“三公"经费) is the closing curly quote."""
    out, open_ = [], False
    for ch in text:
        if ch == "“":
            open_ = True
        elif ch in '"”' and open_:
            ch, open_ = "”", False
        out.append(ch)
    return "".join(out)


@cache
def _rules() -> dict:
    return data.load("ocr_alternatives.json")


def _in_lexicon(word: str) -> bool:
    from ..segmenter import segmenter

    return bool(segmenter().freq(word))


def _makes_word(text: str, lo: int, hi: int) -> bool:
    """Whether a word of the lexicon (2-4 Chinese characters) in ``text`` covers ``text[lo:hi]`` (a character,
    or the junction of two when ``hi - lo == 2``)."""
    longest = _rules()["longest_word"]
    for start in range(max(0, hi - longest), lo + 1):
        for end in range(max(hi, start + 2), min(len(text), start + longest) + 1):
            word = text[start:end]
            if all(map(_is_han, word)) and _in_lexicon(word):
                return True
    return False


def accept(text: str, pos: int, alternative: str, insert: bool) -> bool:
    """Whether ``alternative`` (already put right by :func:`fix_text`'s characters) is the better reading at
    ``pos`` of ``text``: inserted before ``text[pos]`` (a character the greedy reading dropped) or in place of
    it."""
    marks = _rules()["marks"]
    after = text[:pos] + alternative + text[pos + (0 if insert else 1):]
    if alternative in marks:
        left = after[pos - 1] if pos > 0 else ""
        right = after[pos + 1] if pos + 1 < len(after) else ""
        follows = _rules()["marks_follow"]
        if not (left.isalnum() or (left and left in follows)) or not (not right or right.isalnum()):
            return False  # only after a word, a number (or %) and before one or the line's end
        return insert  # a mark read as another is left as read
    if not _is_han(alternative):
        return False  # digits, letters, symbols: never guessed
    if not _makes_word(after, pos, pos + 1):
        return False
    if insert:  # the reading without it: no word across the gap
        return pos == 0 or pos == len(text) or not _makes_word(text, pos - 1, pos + 1)
    return not _makes_word(text, pos, pos + 1)


class AlternativeDecoder:
    """The engine's CTC decoder (``TextRecognizer.postprocess_op``) with near-tie alternatives chosen as the
    module says; called like it, returns what it returns."""

    def __init__(self, base):
        self.base = base
        self.character = base.character
        fixes = _fixes()
        self._shown = [fixes.get(ch, ch) for ch in self.character]

    def __call__(self, preds, return_word_box: bool = False, **kwargs):
        index = preds.argmax(axis=2)
        prob = preds.max(axis=2)
        for b in range(len(index)):
            self._revise(index[b], prob[b], preds[b])
        result = self.base.decode(index, prob, return_word_box, is_remove_duplicate=True)
        if return_word_box:  # as the engine's own decoder: the columns of a line padded to the batch's width
            for k, rec in enumerate(result):
                rec[2][0] = rec[2][0] * (kwargs["wh_ratio_list"][k] / kwargs["max_wh_ratio"])
        return result

    def _revise(self, index, prob, frames) -> None:
        """Put chosen alternatives into one line's per-frame winners (``index``, ``prob``: changed in place)."""
        uncertain = np.flatnonzero(prob < _SURE)
        if not len(uncertain):
            return
        kept = [f for f in range(len(index)) if index[f] and (f == 0 or index[f] != index[f - 1])]
        text = "".join(self._shown[index[f]] for f in kept)
        rules = _rules()
        chosen: dict[int, tuple[int, float]] = {}  # frame -> (character index, probability)
        done: set[tuple[int, bool]] = set()
        for f in uncertain:
            f = int(f)
            blank = index[f] == 0
            if not blank and f > 0 and index[f - 1] == index[f]:
                continue  # a repeat of the frame before: its character is judged there
            pos = int(np.searchsorted(kept, f)) if blank else kept.index(f)
            if (pos, blank) in done:
                continue
            pooled: dict[str, tuple[float, int]] = {}
            for c in np.argpartition(frames[f], -_TOP)[-_TOP:]:
                c = int(c)
                if c == 0 or c == index[f]:
                    continue
                shown = self._shown[c]
                total, best = pooled.get(shown, (0.0, c))
                pooled[shown] = (total + float(frames[f][c]), best if frames[f][best] >= frames[f][c] else c)
            winner = float(prob[f])
            for shown, (p, c) in sorted(pooled.items(), key=lambda kv: -kv[1][0]):
                if p < rules["min_probability"] or p < rules["min_share"] * winner:
                    break
                if shown == self._shown[index[f]]:
                    continue
                neighbours = {text[pos - 1] if pos > 0 else "", text[pos] if pos < len(text) and blank else ""}
                if blank and shown in neighbours:
                    continue  # an echo of the character beside the gap
                if accept(text, pos, shown, insert=blank):
                    chosen[f] = (c, p)
                    done.add((pos, blank))
                    break
        if not chosen:
            return
        for f, (c, p) in chosen.items():
            was, g = index[f], f
            while g < len(index) and (g == f or (was and index[g] == was)):  # a character's every frame
                index[g], prob[g] = c, p
                g += 1
        if log.isEnabledFor(logging.DEBUG):
            after = [g for g in range(len(index)) if index[g] and (g == 0 or index[g] != index[g - 1])]
            log.debug("OCR alternative taken: %s -> %s", text, "".join(self._shown[index[g]] for g in after))
