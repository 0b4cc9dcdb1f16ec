"""Lists in prose: figures printed one after another that share a unit, a relation or their subjects.

“收、支总计各是4125.49,4143.91万元” prints the unit once for two amounts; “分别增长23%、21.3%和46%”
prints the relation once for three rates; “货物、工程、服务政府采购规模分别为0.72亿元、0.02亿元和0.59亿元”
names three subjects for three amounts, in order, with their shared head (政府采购规模) once.
A list is a run of figures with nothing but separators (、 , ， 和 及 与 以及) between them.

- :func:`share_units`: a bare number in a list takes the multiplier and unit of the next figure
  that prints one (4125.49 is 4125.49万元).
- :func:`runs`: the lists among a sentence's figures.
- :func:`distribute`: the labels of a subject list (“教育、科学技术、住房保障支出”) for as many
  figures: each item with the head the last item carries (教育支出, 科学技术支出, 住房保障支出).
"""

from __future__ import annotations

from collections.abc import Sequence

import attrs
import regex

from . import data
from .grammar import Quantity, find_quantities

_SEPARATOR = regex.compile(r"^\s*(?:[、,，]|以及|和|及|与)\s*$")
_CONJUNCTION = regex.compile(r"\s*(?:以及|和|及|与)\s*")
#: words after a subject list that say its figures go with the subjects one by one
_RESPECTIVELY = regex.compile(r"(?:分别|各自|各)(?:为|是|达|达到|占|增加|减少|增长|下降|降低|提高|完成)?")


_CHANGE_BETWEEN = regex.compile(r"^\s*(?:增加|减少|增长|下降|降低|提高|上升|少|多)了?\s*$")
_BASE_BEFORE = regex.compile(r"(?:较|比|与|同)\s*(?:上年|去年|上一年|上年度|(?:19|20)\d{2}\s*年\s*度?)(?:同期)?\s*$")


def is_separator(text: str) -> bool:
    """Whether ``text`` (between two figures) only separates items of a list."""
    return bool(_SEPARATOR.match(text))


def share_units(text: str, quantities: Sequence[Quantity]) -> list[Quantity]:
    """``quantities`` with every bare number that stands in a list before a figure printing a unit
    given that figure's multiplier and unit (“4125.49,4143.91万元”: 4125.49 is 41254900 元), and
    a comparison base printed bare right before its change (“较上年2.08减少0.03万元”)."""
    out = list(quantities)
    for i in range(len(out) - 2, -1, -1):
        q, nxt = out[i], out[i + 1]
        if q.kind != "number" or nxt.printed_unit is None or nxt.kind == "number":
            continue
        if not (is_separator(text[q.end:nxt.start])
                or _CHANGE_BETWEEN.match(text[q.end:nxt.start]) and _BASE_BEFORE.search(text, 0, q.start)):
            continue  # not a list, nor a base printed bare before its change (较上年2.08减少0.03万元)
        joined = find_quantities(q.text + nxt.printed_unit)
        if len(joined) == 1 and joined[0].unit == nxt.unit:
            j = joined[0]
            out[i] = attrs.evolve(q, value=j.value, unit=j.unit, kind=j.kind, approx=q.approx or j.approx)
    return out


def runs(text: str, spans: Sequence[tuple[int, int]]) -> list[list[int]]:
    """Indices of the figures (``spans`` in ``text``) that form lists of two or more."""
    out: list[list[int]] = []
    current = [0] if spans else []
    for i in range(1, len(spans)):
        if is_separator(text[spans[i - 1][1]:spans[i][0]]):
            current.append(i)
        else:
            if len(current) > 1:
                out.append(current)
            current = [i]
    if len(current) > 1:
        out.append(current)
    return out


def subjects(words: str, n: int) -> list[str] | None:
    """The ``n`` subjects in the words before a list of ``n`` figures, when the words say the figures
    go with them one by one (“货物、工程、服务政府采购规模分别为”), else None.

    Items are split at 、; the last one at its last 和/及/与 when one item is missing (“…、医疗卫生和
    住房保障支出”), so a 与 inside a name (文化体育与传媒) stays.
    """
    matches = list(_RESPECTIVELY.finditer(words))
    m = matches[-1] if matches else None
    if m is None or words[m.end():].strip(" ：:为是"):
        return None
    items = [x.strip() for x in words[: m.start()].split("、")]
    if len(items) == n - 1:
        joints = list(_CONJUNCTION.finditer(items[-1]))
        if joints:
            last = items[-1]
            items[-1:] = [last[: joints[-1].start()], last[joints[-1].end():]]
    items = [x for x in items if x]
    return items if len(items) == n else None


def distribute(items: Sequence[str], tokens=None) -> list[str]:
    """Labels for a subject list: each item with the head that the last item carries.

    The last item is cut where its first part is about as long as the other items
    (住房保障|支出 after 教育、科学技术; 服务|政府采购规模 after 货物、工程), at a word boundary
    (``tokens`` cuts a phrase into words, jieba's by default).  One-character items that abbreviate
    a word (收、支总计) are written out (data/label_words.json abbreviations).
    """
    from .labels import tokens as jieba_tokens

    cut = tokens or (lambda s: [w for w, _ in jieba_tokens(s)])
    *rest, last = items
    avg = sum(map(len, rest)) / len(rest)
    words = cut(last)
    best_core, best_tail = last, ""
    best = abs(len(last) - avg)
    for k in range(1, len(words)):
        core = "".join(words[:k])
        d = abs(len(core) - avg)
        if d < best or d == best and len(core) < len(best_core):
            best, best_core, best_tail = d, core, "".join(words[k:])
    abbreviations = data.load("label_words.json").get("abbreviations", {})
    cores = [*rest, best_core]
    out = []
    for c in cores:
        c = abbreviations.get(c, c) if len(c) == 1 else c
        out.append(c if best_tail and c.endswith(best_tail) else c + best_tail)  # 工资福利支出 keeps one 支出
    return out
