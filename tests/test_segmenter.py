"""decextract.segmenter cuts exactly as jieba's posseg does, from its cache, and finds its way without one.

jieba itself (Tokenizer + the fiscal user dictionary + POSTokenizer, as labels used it) is the
reference: every sentence and clause of the seed and of the spec cases, and random strings of their
characters (names, codes, Latin and digits mixed in), must get the same words and the same tags.
"""

from __future__ import annotations

import io
import logging
import random
from pathlib import Path

import pytest
import regex
from conftest import SAMPLES, SEED
from hypothesis import given, settings
from hypothesis import strategies as st

from decextract import data, segmenter

SPEC = Path(__file__).parent / "spec"


@pytest.fixture(scope="module")
def jieba_cut():
    import jieba
    import jieba.posseg

    jieba.setLogLevel(logging.WARNING)
    tokenizer = jieba.Tokenizer()
    tokenizer.load_userdict(io.BytesIO(data.text("fiscal_terms.txt").encode("utf-8")))
    pos = jieba.posseg.POSTokenizer(tokenizer)
    return lambda text: [(p.word, p.flag) for p in pos.cut(text)]


def _texts() -> list[str]:
    lines = (SAMPLES / f"{SEED}.txt").read_text(encoding="utf-8").splitlines()
    for path in sorted(SPEC.rglob("*.json")):
        lines += regex.findall(r'"(?:text|input)"\s*:\s*"((?:[^"\\]|\\.)*)"', path.read_text(encoding="utf-8"))
    clauses = [c for line in lines for c in regex.split(r"[，。；：、,;:]", line) if c.strip()]
    texts = sorted({t for t in lines + clauses if t.strip()})
    return random.Random(0).sample(texts, min(len(texts), 1200))  # a fixed sample: jieba is slow to compare


TEXTS = _texts()
POOL = sorted(set("".join(TEXTS)) | set("ABCxyz019.%#&+_- \u3000\t"))


def test_every_seed_and_spec_text_cut_as_jieba_cuts_it(jieba_cut):
    assert len(TEXTS) >= 1200
    cut = segmenter.segmenter().cut
    differ = [t for t in TEXTS if list(cut(t)) != jieba_cut(t)]
    assert not differ, differ[:5]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(POOL), min_size=1, max_size=30).map("".join))
def test_random_strings_cut_as_jieba_cuts_them(jieba_cut, text):
    assert list(segmenter.segmenter().cut(text)) == jieba_cut(text)


def test_cache_is_built_once_and_read_back(tmp_path, monkeypatch):
    monkeypatch.setenv("DECEXTRACT_CACHE_DIR", str(tmp_path))
    path = segmenter.build_cache(segmenter.cache_dir())
    assert path.parent == tmp_path and path.stat().st_size > 1_000_000
    assert segmenter._cache_key() in path.name
    built = segmenter._from_bytes(segmenter._read(path))
    sentence = "本单位2020年一般公共预算财政拨款支出339.84万元，主要用于综治巡逻队建设"
    assert list(built.cut(sentence)) == list(segmenter.segmenter().cut(sentence))


def test_without_a_writable_cache_the_tables_come_from_memory(monkeypatch, tmp_path):
    blocked = tmp_path / "file"
    blocked.write_text("not a folder")
    monkeypatch.setattr(segmenter, "_folders", lambda: [blocked / "a", blocked / "b"])
    opened = segmenter._open()
    rnd = random.Random(7)
    for text in rnd.sample(TEXTS, 50):
        assert list(opened.cut(text)) == list(segmenter.segmenter().cut(text))


def test_the_first_words_are_those_of_the_whole_cut():
    from decextract.labels import _first_words, tokens

    for text in TEXTS[:300]:
        assert list(_first_words.__wrapped__(text)) == tokens(text)[:2]
