"""Every fast path equals the plain code it replaces: same values, bit for bit.

The speed work keeps outputs identical; where a cheaper computation stands in for a library call or
a scan, these properties hold it to the original on arbitrary inputs.
"""

from __future__ import annotations

import math
import struct

from hypothesis import given, settings
from hypothesis import strategies as st

from decextract.readers.pdftables import _clusters, _index
from decextract.readers.pdftext import GAP, NO_SPACE, SPACE, Char, Line, join_lines, join_text, round2

coordinates = st.one_of(
    st.floats(allow_nan=False, allow_infinity=True),
    st.floats(min_value=-50, max_value=2000),
    st.integers(-200000, 200000).map(lambda n: n / 1000),  # three decimals: ties at the half cent
    st.integers(-200000, 200000).map(lambda n: n / 200),  # exact halves of a cent
    st.floats(min_value=-50, max_value=2000, width=32).map(lambda v: struct.unpack("f", struct.pack("f", v))[0] - 36.5),
)


@settings(max_examples=3000)
@given(coordinates)
def test_round2_is_round_to_two_places(v):
    expected = round(v, 2)
    got = round2(v)
    assert got == expected and math.copysign(1, got) == math.copysign(1, expected)


def test_round2_at_the_edges():
    for v in (0.0, -0.0, -0.001, 0.005, 0.015, 0.125, 2.675, 1e10, -1e10, 1e300, float("inf"), float("-inf")):
        assert round2(v) == round(v, 2) and math.copysign(1, round2(v)) == math.copysign(1, round(v, 2))
    assert math.isnan(round2(float("nan")))


@settings(max_examples=500)
@given(st.lists(st.floats(min_value=0, max_value=900), min_size=1, max_size=40), st.floats(min_value=-10, max_value=910))
def test_nearest_boundary_is_the_first_nearest(values, v):
    bounds = _clusters(values)
    assert _index(bounds, v) == min(range(len(bounds)), key=lambda i: abs(bounds[i] - v))


def _eager_join(lines):
    """join_lines as it was before its boxes waited to be read: every box rounded at once."""
    from decextract.readers.pdftext import _keeps_space

    out, boxes = [], []
    for line in lines:
        for j, c in enumerate(line.chars):
            if out and _keeps_space(out[-1], c.text, c.space_before, wrap=j == 0):
                out.append(" ")
                boxes.append(None)
            out.append(c.text)
            boxes.append((line.page, round(c.x0, 2), round(c.top, 2), round(c.x1, 2), round(c.bottom, 2)))
    return "".join(out), boxes


_CHARS = st.tuples(st.sampled_from(list("支出12.5万元ABab%（）， ") + ["\u3000"]), st.sampled_from([NO_SPACE, GAP, SPACE]))


@settings(max_examples=300)
@given(st.lists(st.lists(_CHARS, min_size=1, max_size=8), min_size=1, max_size=4))
def test_join_text_is_the_text_of_join_lines(spec):
    lines = []
    for row, chars in enumerate(spec):
        made = [Char(t, 10.0 * k, 20.0 * row, 10.0 * k + 9.5, 20.0 * row + 12, 12.0, k, sp)
                for k, (t, sp) in enumerate(chars)]
        lines.append(Line(made, 1))
    text, boxes = join_lines(lines)
    assert join_text(lines) == text == _eager_join(lines)[0]
    eager = _eager_join(lines)[1]
    assert len(boxes) == len(text) == len(eager)
    assert tuple(boxes) == tuple(eager) == boxes[:] and list(boxes) == eager
    assert all(boxes[i] == eager[i] and boxes[i - len(eager)] == eager[i] for i in range(len(eager)))
    assert boxes[1:3] + boxes[3:] == tuple(eager[1:])


@settings(max_examples=300)
@given(st.lists(st.lists(_CHARS, min_size=1, max_size=8), min_size=1, max_size=4),
       st.integers(-3, 40), st.integers(-3, 40), st.floats(min_value=-0.02, max_value=0.02))
def test_span_box_of_char_boxes_is_span_box_of_their_tuple(spec, start, end, shift):
    from decextract.model import span_box

    lines = []
    for row, chars in enumerate(spec):  # boxes near zero too: the sign of a rounded -0.001 must survive
        made = [Char(t, 10.0 * k * (row % 2) + shift, 20.0 * row + shift, 10.0 * k + 9.5, 20.0 * row + 12, 12.0, k, sp)
                for k, (t, sp) in enumerate(chars)]
        lines.append(Line(made, 1 + row // 2))
    boxes = join_lines(lines)[1]
    got, expected = span_box(boxes, start, end), span_box(tuple(boxes), start, end)
    assert got == expected and repr(got) == repr(expected)
