"""Section headings: recognising them and tracking the section path.

Headings are recognised from the numbering patterns of the Ministry of Finance
template (第X部分, 一、, （一）, 1., （1）), kept in ``data/headings.json``, or from
a reader's own evidence (a Word heading style).  :class:`Outline` keeps the path
of headings above the current block.
"""

from __future__ import annotations

from functools import lru_cache

import regex

from . import data
from .model import Paragraph


@lru_cache(maxsize=1)
def _patterns() -> tuple[tuple[int, regex.Pattern, int], ...]:
    spec = data.load("headings.json")
    return tuple((p["level"], regex.compile(p["regex"]), p["max_len"]) for p in spec["patterns"])


_AMOUNT = regex.compile(r"\d[\d.,]*\s*(万元|元|亿元|%|％)")
_DEFINITION = regex.compile(r"[：:]\s*\S{2}")


def numbering_level(text: str) -> int | None:
    """Level implied by the heading numbering at the start of ``text`` (ignoring length)."""
    for level, pattern, _ in _patterns():
        if pattern.match(text):
            return level
    return None


def heading_level(text: str) -> int | None:
    """Level of ``text`` if it reads as a numbered heading, else None.

    A numbered line is a heading only when it is short and not a full sentence
    (list items such as “1.深入贯彻……。” are prose).
    """
    stripped = text.strip()
    for level, pattern, max_len in _patterns():
        if pattern.match(stripped):
            if len(stripped) > max_len:
                return None
            if stripped.endswith(("；", ";", "，")):
                return None
            if _AMOUNT.search(stripped):
                return None  # a sentence carrying amounts is prose, not a heading
            if _DEFINITION.search(stripped):
                return None  # “1.财政拨款收入：指……” defines a term, it does not head a section
            return level
    return None


class Outline:
    """The path of headings above the current block."""

    def __init__(self) -> None:
        self._stack: list[tuple[int, str]] = []
        self._lists: set[int] = set()  # numbering levels running as prose lists in the current section

    def classify(self, text: str) -> int | None:
        """Heading level of ``text`` at this point of the document, else None.

        Like :func:`heading_level`, but a short numbered line whose earlier
        siblings (same numbering level, same section) were prose list items is
        prose too: “10.完成区委交办的其他任务。” after nine long items.
        """
        numbered = numbering_level(text)
        if numbered is None:
            return None
        level = heading_level(text)
        if level is not None and level in self._lists:
            level = None
        if level is None:
            self._lists.add(numbered)
        return level

    def push(self, text: str, level: int) -> None:
        while self._stack and self._stack[-1][0] >= level:
            self._stack.pop()
        self._stack.append((level, text.strip()))
        self._lists = {n for n in self._lists if n < level}

    def paragraph(self, index: int, text: str, level: int | None, **fields) -> Paragraph:
        """The block for ``text`` at this point: a heading when ``level`` is given (it enters the
        outline, and its section is its parents), else a paragraph in the current section."""
        if level is None:
            return Paragraph(index=index, text=text, section=self.path, **fields)
        self.push(text, level)
        return Paragraph(index=index, text=text, kind="heading", level=level, section=self.path[:-1], **fields)

    @property
    def path(self) -> tuple[str, ...]:
        return tuple(t for _, t in self._stack)
