"""The number grammar: spec cases, numeral parsing, properties, and the seed disclosure."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from decextract.grammar import Quantity, find_quantities, is_placeholder, parse_number

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
CASES = json.loads((HERE / "spec" / "numbers.json").read_text("utf-8"))


def _case_ids(cases: list[dict]) -> list[str]:
    """ASCII ids (pytest escapes CJK in ids): the case's group and its number within the group."""
    ids, seen = [], {}
    for case in cases:
        seen[case["group"]] = seen.get(case["group"], 0) + 1
        ids.append(f"{case['group']}-{seen[case['group']]:02d}")
    return ids


def _as_spec(q: Quantity) -> dict:
    return {
        "text": q.text,
        "start": q.start,
        "end": q.end,
        "value": q.value,
        "unit": q.unit,
        "kind": q.kind,
        "approx": q.approx,
    }


@pytest.mark.parametrize("case", CASES, ids=_case_ids(CASES))
def test_spec_case(case):
    want = [{**r, "value": Decimal(r["value"])} for r in case["results"]]
    got = [_as_spec(q) for q in find_quantities(case["input"])]
    assert got == want, f"input: {case['input']!r}"


def test_spec_file_is_large_and_covers_every_kind():
    assert len(CASES) >= 150
    kinds = {r["kind"] for c in CASES for r in c["results"]}
    approx = {r["approx"] for c in CASES for r in c["results"]}
    assert kinds == {"amount", "percent", "count", "ratio", "number"}
    assert approx == {None, "more_than", "about", "nearly", "less_than"}
    assert sum(1 for c in CASES if not c["results"]) >= 40  # non-quantities are specified too


@pytest.mark.parametrize(
    ("text", "number", "printed_unit"),
    [
        ("940.15万元", "940.15", "万元"),
        ("5万余户次", "5", "万户次"),
        ("９７．０９％", "97.09", "％"),
        ("五万元", "5", "万元"),
        ("三万五千元", "35000", "元"),
        ("百分之五", "5", "百分之"),
        ("11.7万", "11.7", "万"),
        ("134.31", "134.31", None),
        ("(1.00)", "-1.00", None),
    ],
)
def test_number_and_printed_unit(text, number, printed_unit):
    (q,) = find_quantities(text)
    assert (q.number, q.printed_unit) == (Decimal(number), printed_unit)
    assert str(q.number) == number  # the numeral keeps its printed precision


@pytest.mark.parametrize(
    ("s", "want"),
    [
        ("９４０．１５", "940.15"),
        ("1,234.5", "1234.5"),
        ("(1.00)", "-1.00"),
        ("（1.00）", "-1.00"),
        ("-3", "-3"),
        ("负3", "-3"),
        ("+7", "7"),
        ("0", "0"),
        (" 12 ", "12"),
        ("一百二十", "120"),
        ("两", "2"),
        ("十", "10"),
        ("十二", "12"),
        ("二十", "20"),
        ("一百零五", "105"),
        ("一百二", "120"),
        ("三万五千", "35000"),
        ("三万五", "35000"),
        ("一〇八", "108"),
        ("二〇二〇", "2020"),
        ("零", "0"),
        ("壹佰贰拾叁", "123"),
        ("壹仟零伍拾", "1050"),
        ("一亿二千万", "120000000"),
        ("一万亿", "1000000000000"),
        ("九十九点五", "99.5"),
    ],
)
def test_parse_number(s, want):
    got = parse_number(s)
    assert got == Decimal(want) and str(got) == want


@pytest.mark.parametrize(
    "s", ["", "--", "-", "—", "空", "abc", "5万元", "3.2%", "1.2.3", "一二百", "1,23", "12a", "万", "百万"]
)
def test_parse_number_rejects_non_numbers(s):
    assert parse_number(s) is None


@pytest.mark.parametrize("s", ["", " ", "-", "--", "—", "——", "空", "无"])
def test_placeholders(s):
    assert is_placeholder(s)


@pytest.mark.parametrize("s", ["0", "0.00", "5", "一", "(1.00)", "其他"])
def test_not_placeholders(s):
    assert not is_placeholder(s)


# --- properties -------------------------------------------------------------

_ALPHABET = list("0123456789０１２３４５６７８９.．,-－()（）%％ 　\t\n")
_ALPHABET += list("一二三四五六七八九十百千万亿两零〇壹贰叁拾佰仟第年月日号表元个人次余多约近以上下左右不足超过")
_ALPHABET += list("“”《》〔〕[]【】、，。；：+・负之分点级届会")


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=_ALPHABET, max_size=60))
def test_spans_are_consistent_for_any_text(text):
    found = find_quantities(text)
    for q in found:
        assert q.text == text[q.start : q.end]
        assert 0 <= q.start < q.end <= len(text)
        assert isinstance(q.value, Decimal) and isinstance(q.number, Decimal)
        assert q.kind in {"amount", "percent", "count", "number"}
        assert q.approx in {None, "more_than", "about", "nearly", "less_than"}
        assert (q.unit is None) == (q.kind == "number")
    for a, b in zip(found, found[1:], strict=False):
        assert a.end <= b.start  # in order, never overlapping


_FACTORS = {
    "元": 1,
    "万元": 10**4,
    "亿元": 10**8,
    "千元": 10**3,
    "%": 1,
    "％": 1,
    "个百分点": 1,
    "人次": 1,
    "万人次": 10**4,
}
_DECIMALS = st.decimals(min_value=0, max_value=10**9, places=2, allow_nan=False, allow_infinity=False)


@settings(max_examples=300, deadline=None)
@given(_DECIMALS, st.sampled_from(sorted(_FACTORS)), st.booleans())
def test_formatted_decimal_round_trips(d, unit, fullwidth):
    printed = format(d, "f")
    if fullwidth:
        printed = printed.translate(str.maketrans("0123456789.", "０１２３４５６７８９．"))
    text = f"其中：支出{printed}{unit}，"
    (q,) = find_quantities(text)
    assert q.text == printed + unit
    assert q.value == d * _FACTORS[unit]
    assert q.number == d


@settings(max_examples=200, deadline=None)
@given(_DECIMALS)
def test_thousands_separators_round_trip(d):
    printed = format(d, ",f")
    assert parse_number(printed) == d
    (q,) = find_quantities(f"合计{printed}元")
    assert (q.value, q.unit, q.kind) == (d, "元", "amount")


def _chinese(n: int) -> str:
    """n (0 <= n < 10**12) written in Chinese numerals, the way the disclosures print them."""
    digits = "零一二三四五六七八九"
    if n == 0:
        return "零"

    def below_10000(k: int) -> str:
        out, zero = "", False
        for unit, name in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
            d, k = divmod(k, unit)
            if d:
                out += ("零" if zero and out else "") + digits[d] + name
                zero = False
            else:
                zero = True
        return out

    text, zero = "", False
    for group, name in ((n // 10**8, "亿"), (n // 10**4 % 10**4, "万"), (n % 10**4, "")):
        if group:
            text += ("零" if text and (zero or group < 1000) else "") + below_10000(group) + name
            zero = False
        else:
            zero = True
    return text[1:] if text.startswith("一十") else text


@settings(max_examples=300, deadline=None)
@given(st.integers(min_value=0, max_value=10**12 - 1))
def test_chinese_numerals_round_trip(n):
    assert parse_number(_chinese(n)) == n
    (q,) = find_quantities(f"共有{_chinese(n)}个")
    assert (q.value, q.unit) == (n, "个")
    (q,) = find_quantities(f"拨款{_chinese(n)}元")  # 五万元 splits into 5 × 万元, 一亿五千万元 does not
    assert (q.value, q.unit, q.kind) == (n, "元", "amount")


# --- the seed disclosure --------------------------------------------------------

SEED_TEXT = REPO / "samples" / "xiqu-zhengfawei-2020-juesuan.txt"
SEED_GOLD = HERE / "data" / "xiqu-zhengfawei-2020-juesuan.figures.json"


def _seed_spans():
    if not (SEED_TEXT.exists() and SEED_GOLD.exists()):
        pytest.skip("seed text or gold not in the checkout (samples/, tests/data/)")
    text = SEED_TEXT.read_text("utf-8")
    gold = json.loads(SEED_GOLD.read_text("utf-8"))
    spans, offset = [], 0
    for line in text.split("\n"):
        spans += [(q.start + offset, q.end + offset, q) for q in find_quantities(line)]
        offset += len(line) + 1
    return text, gold, spans


def test_seed_finds_every_gold_figure_and_no_false_token():
    text, gold, spans = _seed_spans()

    def covering(offset):
        return [q for s, e, q in spans if s <= offset < e]

    def matches(g, q):
        want = Decimal(g["value"])
        if q.kind == "number" and g["unit"] == "元":  # a table cell: the table's 万元 is applied later
            return q.value * 10000 == want and q.approx == g["approx"]
        return (q.value, q.unit, q.approx) == (want, g["unit"], g["approx"])

    true = [g for g in gold if g["figure"] is True]
    missed = [g["quote"] for g in true if not any(matches(g, q) for q in covering(g["offset"]))]
    false = [g["token"] for g in gold if g["figure"] is False and covering(g["offset"])]
    labelled = {g["offset"] for g in gold}
    unlabelled = [q.text for s, e, q in spans if not any(s <= o < e for o in labelled)]
    assert len(true) == 332
    assert missed == []
    assert false == []
    assert unlabelled == []
