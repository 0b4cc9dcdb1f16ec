"""Chart labels: the figures a chart prints beside its slices and bars, as its text layer gives them.

A page with a pie chart carries the chart's labels as text: “项目支出, 40.01%”, “基本支出, 59.35%”, or a
label and its figure on two lines (“预留机动经费,” | “0.64%”).  They repeat figures the sentences
above already state (“项目支出11543.27万元，占40.01%”).  A block is a chart label when it holds
nothing but labels and figures, each label (two to twenty characters, no verb of a relation such as
占 or 增长) right before its figure.  :func:`chart_labels` finds them; decextract.figures gives them
``chart=True`` and, where the sentence figure they repeat exists, ``duplicate_of`` (its position
among the document's figures).
"""

from __future__ import annotations

from collections.abc import Sequence

import attrs
import regex

from .grammar import Quantity, find_quantities
from .model import Block, Paragraph
from .textview import TextView, view_of

_LABEL = regex.compile(r"^[\s,，:：、]*(?P<label>[\p{Han}A-Za-z“”]{2,20}?)[\s,，:：]*$")
_SEPARATED = regex.compile(r"[\s,，:：]$")  # a chart label is set apart from its figure: “项目支出, 40.01%”
_NOT_A_LABEL = regex.compile(r"占|增|减|下降|上升|提高|降低|比|较|为|是|完成|合计|其中|共|约")
_TRAILER = regex.compile(r"^[\s,，;；]*$")
_MAX_CHARS = 60  # a block longer than this is prose, not labels


@attrs.frozen
class ChartLabel:
    """One label of a chart: the block it is printed in, its quantity there, the label text."""

    block: Paragraph  # the block holding the figure (its context)
    view: TextView
    q: Quantity  # offsets into ``view.text``
    label: str  # in the document's characters


def _labelled(view: TextView, labels_before: str | None = None) -> list[tuple[str, Quantity]] | None:
    """The (label, quantity) pairs of a block made of chart labels only, else None."""
    text = view.text
    if len(text) > _MAX_CHARS or not any(ch.isdigit() for ch in text):
        return None
    found = [q for q in find_quantities(text) if q.kind != "number"]
    quantities = [q for q in found if q.kind in ("percent", "amount")]
    if not quantities or len(quantities) != len(found):
        return None
    pairs = []
    at = 0
    for k, q in enumerate(quantities):
        segment = text[at:q.start]
        printed = view.raw[view.raw_span(at, q.start)[0]:view.raw_span(q.start, q.end)[0]] if q.start > at else ""
        m = _LABEL.match(segment) if _SEPARATED.search(printed) else None
        if m:
            label = m.group("label")
        elif k == 0 and labels_before and not segment.strip(" ,，:："):
            label = labels_before  # “预留机动经费,” | “0.64%”
        else:
            return None
        if _NOT_A_LABEL.search(label):
            return None
        pairs.append((label, q))
        at = q.end
    if not _TRAILER.match(text[at:]):
        return None
    return pairs


def chart_labels(blocks: Sequence[Block], i: int) -> tuple[list[ChartLabel], int]:
    """The chart labels of ``blocks[i]`` (and of the block after it, when ``blocks[i]`` is a label alone
    whose figure is printed on the next line), with how many blocks they take; ``([], 0)`` for prose."""
    block = blocks[i]
    if not isinstance(block, Paragraph) or block.is_heading or len(block.text) > 2 * _MAX_CHARS:
        return [], 0
    view = view_of(block.raw or block.text)
    pairs = _labelled(view)
    if pairs:
        return [ChartLabel(block, view, q, view.unfold(label)) for label, q in pairs], 1
    nxt = blocks[i + 1] if i + 1 < len(blocks) else None
    alone = _LABEL.match(view.text)
    if alone and isinstance(nxt, Paragraph) and not nxt.is_heading and view.text.rstrip()[-1:] in ",，:：" \
            and not _NOT_A_LABEL.search(alone.group("label")):
        next_view = view_of(nxt.raw or nxt.text)
        pairs = _labelled(next_view, labels_before=alone.group("label"))
        if pairs and len(pairs) == 1:
            label, q = pairs[0]
            return [ChartLabel(nxt, next_view, q, view.unfold(label))], 2
    return [], 0
