"""Labels: the thing a figure measures, in the document's words.

The clause structure gives the candidate phrase (the words before a figure,
back to the previous figure or clause mark, or the noun phrase right after a
count: “设立四个查缉点”).  jieba's segmentation with the fiscal user dictionary
``data/fiscal_terms.txt`` (:mod:`decextract.segmenter`: jieba's cut, its dictionary
read from a prebuilt cache as needed) cuts the phrase at word boundaries so a leading verb can be dropped
(“组建综治巡逻队” → 综治巡逻队) without cutting a term in half.  The words
trimmed at either end are data (``data/label_words.json``).
"""

from __future__ import annotations

from bisect import bisect_left
from functools import cache, lru_cache
from itertools import islice

import regex

from . import data

_TIME = regex.compile(
    r"""
    ^(?:
        截至\s*\d{4}\s*年(?:\s*\d{1,2}\s*月(?:\s*\d{1,2}\s*日)?|底|末)?   # 截至2020年12月31日
      | \d{4}\s*年\s*度?(?:\s*\d{1,2}\s*月(?:\s*\d{1,2}\s*日)?)?(?:全年|年底|底|末)?(?:的)?  # 2020年度, 2020年的
      | (?:今|去)年(?:度)?(?:全年)?
    )
    """,
    regex.VERBOSE,
)
_TIME_AT_END = regex.compile(
    r"""
      (?:由|从|到|至)?\s*\d{4}\s*年\s*度?(?:全年|年底|底|末)?(?:的)?$   # …下降到2020年的
    | (?:同比|比|较|与|同)\s*(?:上年|去年|上一年|上年度|\d{4}\s*年\s*度?)(?:同期)?(?:相比)?$  # …支出比上年 (减少)
    """,
    regex.VERBOSE,
)
_ORDINAL = regex.compile(
    r"""
    ^(?:
        \d{1,2}\s*[.．、](?!\d)        # 1.  2、
      | [（(]\s*[\d一二三四五六七八九十]{1,3}\s*[）)]   # （1） （一）
      | [一二三四五六七八九十]{1,3}\s*、       # 一、
      | (?:主要原因)?[一二三四五六七八九十]是     # 一是 / 主要原因一是
    )
    """,
    regex.VERBOSE,
)
_CLAUSE_MARKS = "，,。；;：:、!！?？"
_NOUN_SUFFIXES = frozenset("会费班室所站点员处组队")  # 培训|会, 接待|费: a verb and a suffix make one noun
_QUOTES = ("“", "”", "\"", "「", "」")
_EDGE_PUNCT = "，,。；;：:、 \t\u3000“”\"'‘’（）()《》【】-—·・/|"


def _words() -> dict:
    return data.load("label_words.json")


def tokens(text: str) -> list[tuple[str, str]]:
    """(word, part-of-speech flag) pairs of ``text``: jieba's cut (decextract.segmenter reads its dictionary)."""
    return list(_tokens(text))


@lru_cache(maxsize=16384)
def _first_words(text: str) -> tuple[tuple[str, str], ...]:
    """The first two (word, flag) pairs of :func:`tokens` (the cut is lazy: the rest is not cut)."""
    from .segmenter import segmenter

    return tuple(islice(segmenter().cut(text), 2))


@lru_cache(maxsize=16384)
def _tokens(text: str) -> tuple[tuple[str, str], ...]:
    from .segmenter import segmenter  # (the dictionary loads on the first label, not at import)

    return tuple(segmenter().cut(text))


_COMPARISON = regex.compile(
    r"""
    ^(?:与|比|较|同)?\s*(?:上年|去年|上一年|上年度|(?:19|20)\d{2}\s*年\s*度?)(?:同期)?(?:预算)?(?:相比|比较)\s*   # 与上年相比
    """,
    regex.VERBOSE,
)
_ASIDE = regex.compile(r"[（(][^（()）]*[)）]")
_BASE_BEFORE = regex.compile(r"(?:比|较|与|同)\s*$")
_LEVEL_MARK = regex.compile(r"[（(]\s*[类款项]\s*[）)]")  # 一般公共服务支出（类）…（款）…（项）
_CODE = regex.compile(r"^[0-9]{3,9}\s*[-－—]\s*(?=\D)")  # a classification code before its name: 20103-政府办公厅…
_YEAR_INSIDE = regex.compile(r"(?:19|20)\d{2}\s*年\s*度?")


_CLAUSE_MARK = regex.compile(r"[，,；;：:、\n]")


@lru_cache(maxsize=32768)  # the same row names and phrases come back cell after cell
def clean(phrase: str) -> str:
    """The label in ``phrase``: asides in brackets dropped, and time words, ordinals, function words
    and punctuation trimmed from both ends; what precedes a year inside it (the issuer's name in
    “某部2024年度收入支出总计”) is dropped too, unless it modifies what follows (…的2024年度项目).
    """
    words = _words()
    text = _ASIDE.sub("", phrase)
    if not text.strip(_EDGE_PUNCT):
        return "" if len(phrase) <= 4 else phrase.strip(_EDGE_PUNCT)  # “(次)” alone names nothing
    # a year that is a comparison base (…支出决算数比2016年度减少) is not the issuer's year
    inside = [m for m in _YEAR_INSIDE.finditer(text) if not _BASE_BEFORE.search(text, 0, m.start())]
    if inside and len(text[inside[-1].end():].strip(_EDGE_PUNCT)) >= 2:
        year = inside[-1]
        if text[: year.start()].rstrip().endswith("的"):  # 编报绩效目标的2024年度项目: keep the modifier
            text = text[: year.start()] + text[year.end():]
        else:
            text = text[year.end():]
    text = text.strip(_EDGE_PUNCT)
    changed = True
    while changed and text:
        changed = False
        if text in _fiscal_terms():
            break  # a term of the fiscal dictionary is a whole label: 对附属单位补助支出
        for pattern in (_ORDINAL, _CODE, _COMPARISON, _TIME):
            m = pattern.match(text)
            if m and m.end():
                text = text[m.end():].strip(_EDGE_PUNCT)
                changed = True
        m = _TIME_AT_END.search(text)
        if m and m.start():
            text = text[: m.start()].strip(_EDGE_PUNCT)
            changed = True
        # the words in order of length, longest first, each tried once on the text as it then is;
        # only words starting (ending) with the text's first (last) character can match
        leading, trailing = _by_length("leading"), _by_length("trailing")
        k = 0
        while text and (k := _next_word(leading, _by_first("leading"), text[0], k)) < len(leading):
            w = leading[k]
            if text.startswith(w) and len(text) > len(w):
                text = text[len(w):].strip(_EDGE_PUNCT)
                changed = True
            k += 1
        k = 0
        while text and (k := _next_word(trailing, _by_last(), text[-1], k)) < len(trailing):
            w = trailing[k]
            if text.endswith(w) and len(text) > len(w):
                text = text[: -len(w)].strip(_EDGE_PUNCT)
                changed = True
            k += 1
        words = _words()
        if text in words["trailing"] or text in words["leading"] or text in words["bare"]:
            return ""  # nothing but a connective or a time word (“提升到”, “与”, “上年”): no label of its own
    return _balance_quotes(text)


@cache
def _fiscal_terms() -> frozenset[str]:
    return frozenset(line.split()[0] for line in data.text("fiscal_terms.txt").splitlines()
                     if line.strip() and not line.startswith("#"))


def _balance_quotes(text: str) -> str:
    if text.count("“") != text.count("”"):
        text = text.replace("“", "").replace("”", "")
    return text


@cache
def _by_length(key: str) -> tuple[str, ...]:
    return tuple(sorted(_words()[key], key=len, reverse=True))


@cache
def _by_first(key: str) -> dict[str, tuple[int, ...]]:
    """Positions in ``_by_length(key)`` of the words starting with each character."""
    out: dict[str, list[int]] = {}
    for k, w in enumerate(_by_length(key)):
        out.setdefault(w[:1], []).append(k)
    return {ch: tuple(ks) for ch, ks in out.items()}


@cache
def _by_last() -> dict[str, tuple[int, ...]]:
    """Positions in ``_by_length("trailing")`` of the words ending with each character."""
    out: dict[str, list[int]] = {}
    for k, w in enumerate(_by_length("trailing")):
        out.setdefault(w[-1:], []).append(k)
    return {ch: tuple(ks) for ch, ks in out.items()}


def _next_word(words: tuple[str, ...], positions: dict[str, tuple[int, ...]], ch: str, k: int) -> int:
    """The first position from ``k`` on of a word that has ``ch`` at the end that matters; len(words) if none."""
    ks = positions.get(ch, ())
    i = bisect_left(ks, k)
    return ks[i] if i < len(ks) else len(words)


def drop_leading_verb(phrase: str) -> str:
    """Drop a leading verb of the lexicon when it is a whole word and a noun phrase of 2+ characters
    follows that names something on its own (not 资金 of 拨付资金, not 人次 of 接待人次, not the 会
    of 培训会: a one-character noun suffix after the verb makes it one word)."""
    if not phrase.startswith(_verbs()):  # the first word is a prefix of the phrase: no verb, nothing to cut
        return phrase
    toks = _first_words(phrase)
    if len(toks) > 1 and toks[0][0] in _words()["verbs"] and len(phrase) - len(toks[0][0]) >= 2:
        rest = phrase[len(toks[0][0]):]
        if rest[0] not in _EDGE_PUNCT and toks[1][0] not in _NOUN_SUFFIXES and not is_generic(rest) \
                and rest not in _measure_words():  # 培训会 keeps its 培训
            return rest
    return phrase


@cache
def _verbs() -> tuple[str, ...]:
    return tuple(_words()["verbs"])


@cache
def _measure_words() -> frozenset[str]:
    return frozenset(line.strip() for line in data.text("measure_words.txt").splitlines()
                     if line.strip() and not line.startswith("#"))


def names_what_follows(pre: str) -> bool:
    """Whether the words before a figure end in a verb whose object follows the figure
    (“2020年新增了605.99万元政府性基金预算财政拨款”)."""
    return pre.rstrip().rstrip("了").endswith(_verbs())


def head_noun_phrase(text: str, limit: int = 16) -> str:
    """The noun phrase at the start of ``text`` (what follows a count: 四个“查缉点”…), up to a verb or mark.

    A verbal noun that closes the phrase (网络数据通讯设备、…; jieba's ``vn``) is a noun; a verb right before a one-character noun is part
    of a compound (拼接|屏); a number glued to Latin letters is part of a model name (P1.5LED).
    """
    out = []
    length = 0
    quoted = False
    if not text or text[0] in _EDGE_PUNCT and text[0] not in _QUOTES or text[0].isdigit():
        return ""
    toks = tokens(text[: limit * 2])
    for k, (word, flag) in enumerate(toks):
        if word in _QUOTES:
            quoted = not quoted if word in "“”\"" else word in "“「"
            out.append(word)
            continue
        if not quoted and any(ch in _CLAUSE_MARKS for ch in word):
            break
        nxt = toks[k + 1] if k + 1 < len(toks) else ("", "")
        compound = flag == "v" and len(nxt[0]) == 1 and nxt[1].startswith("n")
        model = flag == "m" and out and out[-1][-1:].isascii() and out[-1][-1:].isalnum() and nxt[1] == "eng"
        closing = flag == "vn" and (not nxt[0] or nxt[1] in ("x", "c", "m") or nxt[0] in _CLAUSE_MARKS)
        if not quoted and not closing and not compound and not model \
                and flag.startswith(("v", "p", "c", "u", "m", "x")):
            break
        out.append(word)
        length += len(word)
        if length >= limit:
            break
    return clean("".join(out))


def is_generic(label: str) -> bool:
    """True for labels that say what kind of number it is but not of what (支出决算, 执行数)."""
    return label in _words()["generic"]


def scene(text: str) -> str:
    """The label in clauses without figures that set the scene for the next figure: their
    words run together, asides dropped (“（不包括陪同人员）” alone sets no scene); of a budget
    subject's 类/款/项 path (社会保障和就业（类）…养老支出（款）…缴费支出（项）) the last name."""
    levels = [p for p in _LEVEL_MARK.split(text) if len(p.strip(_EDGE_PUNCT)) >= 2]
    if len(levels) > 1:
        text = levels[-1]
    return clean(_ASIDE.sub("", _CLAUSE_MARK.sub("", text)))


def is_linked(pre: str) -> bool:
    """Whether the words before a figure tie it to the figure before (涉及预算金额…)."""
    return pre.lstrip().startswith(tuple(_words()["linking"]))


def subject_of(label: str) -> str:
    """``label`` without a generic word at its end, when a subject of 3+ characters remains:
    一般公共预算财政拨款支出年初预算 -> 一般公共预算财政拨款支出."""
    for word in _by_length("generic"):
        if label.endswith(word):
            rest = _TIME_AT_END.sub("", label[: -len(word)]).removesuffix("全年").removesuffix("年初")
            return rest if len(rest) >= 3 and rest not in _words()["bare"] else label
    return label


def after_reason(pre: str) -> str | None:
    """The words after the last reason marker in ``pre`` (主要原因是, 原因是, 主要是 …), or None when
    there is none: a label is never taken from before a reason."""
    best = -1
    for w in _by_length("reasons"):
        k = pre.rfind(w)
        if k >= 0 and k + len(w) > best:
            best = k + len(w)
    return pre[best:] if best >= 0 else None
