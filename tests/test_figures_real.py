"""Prose figures on real phrasing from many provinces (``tests/spec/real/*.json``).

Each case file quotes sentences of public 决算/预算 disclosures and fiscal reports (its ``sources``
name the pages; a case's ``source`` is the key of its page) and lists, for each sentence, the
figures a reader finds in it: text as printed, value in the base unit, unit, a label key, year,
relation and direction, labelled by hand from the sentence's meaning.  Some inputs are hard-wrapped
as they were copied out of a PDF, some are tables flattened with ``|``, some are the same sentence
in full-width characters or traditional script (``variant``).

Every case goes through the TXT reader, the table annotation and the figure extraction with the
case's fiscal year.  Two tests: each case finds its figures with the expected meaning, and the
whole corpus, scored with the project's copy of ``../shared/eval/score.py figures``, reaches the
thresholds of issue 11.  A case known to fail carries ``"xfail": "<why>"``.
"""

from __future__ import annotations

import hashlib
import json
from decimal import Decimal
from functools import cache
from pathlib import Path

import pytest
import score
from conftest import score_figures, write_jsonl

from decextract.figures import figures_of
from decextract.readers import text as text_reader
from decextract.tables import annotate

SPEC = Path(__file__).parent / "spec" / "real"
FILES = {p.stem: json.loads(p.read_text(encoding="utf-8")) for p in sorted(SPEC.glob("*.json"))}
CASES = [(name, i, case) for name, f in FILES.items() for i, case in enumerate(f["cases"])]
THRESHOLDS = {"recall": 0.98, "label": 0.95, "year": 0.98, "relation": 0.98}
_NUMERAL = "0123456789０１２３４５６７８９零〇一二三四五六七八九十两百千万"


def extract(case: dict) -> list:
    data = case["input"].encode("utf-8")
    doc = annotate(text_reader.read(data, "case.txt", hashlib.sha256(data).hexdigest()))
    return list(figures_of(doc, case["fiscal_year"]))


def expected_offsets(case: dict) -> list[int]:
    """Offset in the input of each expected figure's first digit, found in order (a text is never
    taken from inside a longer number: “0万元” does not match the end of “10万元”)."""
    text = case["input"]
    offsets, at = [], 0
    for res in case["results"]:
        k = text.find(res["text"], at)
        while k > 0 and text[k - 1] in "0123456789.０１２３４５６７８９．" and res["text"][0] in _NUMERAL:
            k = text.find(res["text"], k + 1)
        assert k >= 0, f"{res['text']!r} not in the input after offset {at}"
        first = next(j for j, ch in enumerate(res["text"]) if ch in _NUMERAL)
        offsets.append(k + first)
        at = k + len(res["text"])
    return offsets


def _placed(case: dict, figures: list) -> list[tuple[int, object]]:
    """Each figure with its position in the normalised input (the scorer's placement)."""
    loc = score.Located(case["input"])
    out = []
    for f in figures:
        ctx = score.norm(f.prov.context)
        k = loc.norm.find(ctx)
        if k >= 0:
            out.append((k + len(score.norm(f.prov.context[: f.prov.start])), f))
    return out


def check_case(case: dict) -> list[str]:
    """What is wrong with the figures of one case, as messages (empty when all is right)."""
    figures = extract(case)
    loc = score.Located(case["input"])
    placed = _placed(case, figures)
    problems = []
    for res, offset in zip(case["results"], expected_offsets(case), strict=True):
        want = loc.norm_of_raw[offset]
        value = Decimal(res["value"]).normalize()
        hit = next((f for p, f in placed if p <= want <= p + 3 and f.value.normalize() == value
                    and f.unit == res["unit"]), None)
        if hit is None:
            problems.append(f"{res['text']!r} not found (value {res['value']} {res['unit']})")
            continue
        placed = [(p, f) for p, f in placed if f is not hit]
        if score.norm_label(res["label"]) not in score.norm_label(hit.label):
            problems.append(f"{res['text']!r}: label {hit.label!r}, want it to name {res['label']!r}")
        for key in ("year", "relation", "direction", "approx"):
            if key in res or key != "approx":
                got, exp = getattr(hit, key), res.get(key)
                if got != exp:
                    problems.append(f"{res['text']!r}: {key} {got!r}, want {exp!r}")
    return problems


def _param(name: str, i: int, case: dict):
    marks = [pytest.mark.xfail(strict=True, reason=case["xfail"])] if case.get("xfail") else []
    return pytest.param(case, id=f"{name}-{i}", marks=marks)


@pytest.mark.parametrize("case", [_param(*c) for c in CASES])
def test_real_case(case):
    problems = check_case(case)
    assert not problems, "\n".join(problems)


def test_corpus_is_large_and_wide():
    """At least 150 cases from at least 10 provinces, each file citing the pages it quotes."""
    assert len(CASES) >= 150
    provinces = {p for f in FILES.values() for p in f["province"].split("/") if not p.startswith("(")}
    assert len(provinces) >= 10, provinces
    for name, f in FILES.items():
        assert f["sources"] and all(u.startswith("http") for u in f["sources"].values()), name
        assert all(c["source"] in f["sources"] for c in f["cases"]), name
    variants = {c.get("variant") for _, _, c in CASES}
    assert {"traditional", "full-width"} <= variants


@cache
def _corpus_score(tmp: str) -> dict:
    """Score every case's figures against gold made from the expected results, with tests/score.py."""
    sep = "\n\n\n"
    source, gold, figures = "", [], []
    for name, i, case in CASES:
        base = len(source)
        for res, offset in zip(case["results"], expected_offsets(case), strict=True):
            gold.append({"offset": base + offset, "line": f"{name}-{i}", "token": res["text"], "figure": True,
                         "quote": res["text"], "snippet": case["input"][max(0, offset - 10): offset + 10],
                         "value": res["value"], "unit": res["unit"], "label_keys": [res["label"]],
                         "year": res["year"], "relation": res["relation"], "direction": res["direction"],
                         "approx": res.get("approx")})
        figures += extract(case)
        source += case["input"] + sep
    tmpdir = Path(tmp)
    (tmpdir / "real.txt").write_text(source, encoding="utf-8")
    (tmpdir / "real.figures.json").write_text(json.dumps(gold, ensure_ascii=False), encoding="utf-8")
    out = write_jsonl(figures, tmpdir / "real.jsonl")
    return score_figures(out, tmpdir / "real.figures.json", tmpdir / "real.txt")


@pytest.fixture(scope="module")
def corpus_score(tmp_path_factory):
    return _corpus_score(str(tmp_path_factory.mktemp("real-spec")))


@pytest.mark.parametrize("metric", sorted(THRESHOLDS))
def test_corpus_score(corpus_score, metric):
    assert corpus_score[metric] >= THRESHOLDS[metric], corpus_score["summary"]


def test_corpus_has_no_span_errors(corpus_score):
    assert corpus_score["span_errors"] == 0, corpus_score["summary"]
