"""Every fast path equals the plain code it replaces: same values, bit for bit.

The speed work keeps outputs identical; where a cheaper computation stands in for a library call or
a scan, these properties hold it to the original on arbitrary inputs.
"""

from __future__ import annotations

import math
import struct
from decimal import Decimal
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from decextract import labels
from decextract.readers.pdftables import _clusters, _index, _Nearest, _Rounded
from decextract.readers.pdftext import GAP, NO_SPACE, SPACE, Char, Line, join_lines, join_text, round2
from decextract.records import CellRef, Notice

SEED_TXT = Path(__file__).resolve().parents[1] / "samples" / "xiqu-zhengfawei-2020-juesuan.txt"

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


@settings(max_examples=300)
@given(st.lists(st.one_of(coordinates, st.sampled_from([0.0, -0.0])), min_size=1, max_size=30))
def test_memo_of_round2_is_round2_with_the_sign_of_zero(values):
    rounded = _Rounded()
    for v in values * 2:  # each value looked up again once known
        got = rounded[v]
        assert got == round2(v) and math.copysign(1, got) == math.copysign(1, round2(v))


@settings(max_examples=300)
@given(st.lists(st.floats(min_value=0, max_value=900), min_size=1, max_size=40),
       st.lists(st.floats(min_value=-10, max_value=910), min_size=1, max_size=20))
def test_memo_of_nearest_boundary_is_index(values, looked_up):
    bounds = _clusters(values)
    nearest = _Nearest(bounds)
    assert [nearest[v] for v in looked_up * 2] == [_index(bounds, v) for v in looked_up * 2]


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
        made = [Char(t, 10.0 * k * (row % 2) + shift * (-1) ** k, 20.0 * row + shift * (-1) ** (k // 2),
                     10.0 * k + 9.5, 20.0 * row + 12, 12.0, k, sp)
                for k, (t, sp) in enumerate(chars)]
        lines.append(Line(made, 1 + row // 2))
    boxes = join_lines(lines)[1]
    got, expected = span_box(boxes, start, end), span_box(tuple(boxes), start, end)
    assert got == expected and repr(got) == repr(expected)


def _clean_as_it_was(phrase: str) -> str:
    """labels.clean before its word loops skipped the words that cannot match."""
    words = labels._words()
    text = labels._ASIDE.sub("", phrase)
    if not text.strip(labels._EDGE_PUNCT):
        return "" if len(phrase) <= 4 else phrase.strip(labels._EDGE_PUNCT)  # “(次)” alone names nothing
    # a year that is a comparison base (…支出决算数比2016年度减少) is not the issuer's year
    inside = [m for m in labels._YEAR_INSIDE.finditer(text) if not labels._BASE_BEFORE.search(text, 0, m.start())]
    if inside and len(text[inside[-1].end():].strip(labels._EDGE_PUNCT)) >= 2:
        year = inside[-1]
        if text[: year.start()].rstrip().endswith("的"):  # 编报绩效目标的2024年度项目: keep the modifier
            text = text[: year.start()] + text[year.end():]
        else:
            text = text[year.end():]
    text = text.strip(labels._EDGE_PUNCT)
    changed = True
    while changed and text:
        changed = False
        if text in labels._fiscal_terms():
            break  # a term of the fiscal dictionary is a whole label: 对附属单位补助支出
        for pattern in (labels._ORDINAL, labels._CODE, labels._COMPARISON, labels._TIME):
            m = pattern.match(text)
            if m and m.end():
                text = text[m.end():].strip(labels._EDGE_PUNCT)
                changed = True
        m = labels._TIME_AT_END.search(text)
        if m and m.start():
            text = text[: m.start()].strip(labels._EDGE_PUNCT)
            changed = True
        for w in labels._by_length("leading"):
            if text.startswith(w) and len(text) > len(w):
                text = text[len(w):].strip(labels._EDGE_PUNCT)
                changed = True
        for w in labels._by_length("trailing"):
            if text.endswith(w) and len(text) > len(w):
                text = text[: -len(w)].strip(labels._EDGE_PUNCT)
                changed = True
        words = labels._words()
        if text in words["trailing"] or text in words["leading"] or text in words["bare"]:
            return ""  # nothing but a connective or a time word (“提升到”, “与”, “上年”): no label of its own
    return labels._balance_quotes(text)



_PHRASE_PARTS = sorted(set(labels._by_length("leading") + labels._by_length("trailing") + tuple(labels._words()["bare"][:10])
                           + ("一般公共预算", "支出", "2020年度", "（类）", "，", "、", "“", "”", "增长", "比上年", "1.")))


@settings(max_examples=600)
@given(st.lists(st.sampled_from(_PHRASE_PARTS), min_size=1, max_size=7).map("".join))
def test_label_clean_is_what_it_was(phrase):
    assert labels.clean.__wrapped__(phrase) == _clean_as_it_was(phrase)


# deep_encodable: a row with nothing to replace comes back as it is, one with lone surrogates is rebuilt
_texts = st.text(alphabet=st.sampled_from(["a", "好", "\ud800", "\udcff", "\n", "\x00", " ", "€"]), max_size=6)
_leaves = st.one_of(_texts, st.integers(), st.none(), st.booleans(), st.decimals(allow_nan=False),
                    st.floats(allow_nan=False))
_values = st.recursive(_leaves, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.lists(inner, max_size=4).map(tuple),
    st.dictionaries(st.one_of(_texts, st.integers(), st.tuples(st.integers()), st.tuples(_texts, st.integers())),
                    inner, max_size=4)), max_leaves=12)


@settings(max_examples=1500)
@given(_values)
def test_deep_encodable_is_the_plain_recursion(value):
    from decextract.storable import _deep_encodable, deep_encodable

    got, expected = deep_encodable(value), _deep_encodable(value)
    assert got == expected and repr(got) == repr(expected)


def test_deep_encodable_of_shared_and_cyclic_containers():
    from decextract.storable import deep_encodable

    shared = {"k": "收入"}
    rows = [shared, shared, [shared]]
    assert deep_encodable(rows) is rows  # nothing to replace: the value itself, each container looked at once
    cyclic: dict = {"k": "收入"}
    cyclic["self"] = cyclic
    assert deep_encodable(cyclic) is cyclic  # (no endless walk)


# to_dict: field names looked up once per class, values of the plain types passed through as they are
def _plain_as_it_was(value):
    import attrs

    from decextract.records import decimal_text

    if isinstance(value, Decimal):
        return decimal_text(value)
    if attrs.has(type(value)):
        return {f.name: _plain_as_it_was(getattr(value, f.name)) for f in attrs.fields(type(value))}
    if isinstance(value, (list, tuple)):
        return [_plain_as_it_was(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain_as_it_was(v) for k, v in value.items()}
    return value


class _Text(str):
    pass


class _Amount(Decimal):
    pass


_record_leaves = st.one_of(_leaves, _texts.map(_Text), st.decimals(allow_nan=False).map(_Amount),
                           st.builds(CellRef, st.integers(), st.integers(), st.integers()))
_record_values = st.recursive(_record_leaves, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.lists(inner, max_size=4).map(tuple), st.dictionaries(_texts, inner, max_size=4),
    st.builds(Notice, _texts, _texts, st.lists(st.integers(), max_size=3).map(tuple)),
    st.builds(lambda c, v: Notice("x", c, v), inner, inner)), max_leaves=12)


@settings(max_examples=1500)
@given(_record_values)
def test_to_dict_is_the_plain_recursion(value):
    from decextract.records import _plain

    got, expected = _plain(value), _plain_as_it_was(value)
    assert got == expected and repr(got) == repr(expected)


def test_to_dict_of_every_seed_record_is_the_plain_recursion():
    from decextract import extract
    from decextract.records import to_dict

    for record in extract(SEED_TXT):
        assert to_dict(record) == {"type": record.TYPE, **_plain_as_it_was(record)}
