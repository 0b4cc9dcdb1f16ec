"""Word segmentation with parts of speech: jieba's, read from a prebuilt cache one character at a time.

jieba builds its prefix dictionary (about 580,000 entries), its part-of-speech table and its hidden
Markov model at every start: a second and a half before the first label.  This module gives the same
cut as ``jieba.posseg.POSTokenizer(tokenizer).cut(text)`` over a ``jieba.Tokenizer`` with the fiscal
user dictionary (``data/fiscal_terms.txt``) — word for word and tag for tag, the same algorithm: the
DAG of dictionary prefixes, the most probable route, and jieba's part-of-speech Viterbi for the runs of
unknown characters — but reads the dictionary from a cache file built once from jieba itself, where
each character's record and the words starting with the same two characters are groups read
(``marshal``) only when a text first needs them.  A text reads the words of the character pairs it
holds — a twentieth of the dictionary for a whole disclosure — not every word of every character.

The cache lives in ``$DECEXTRACT_CACHE_DIR``, else ``$XDG_CACHE_HOME/decextract`` (``~/.cache/decextract``),
else the temporary directory; its name carries jieba's version, its dictionary's size and date, the fiscal
dictionary's digest and this module's format, so a change of any of them builds a new one.  Building takes
jieba's own start-up time once (``python -m decextract.segmenter`` does it ahead); where no cache can be
written, jieba's tables are used from memory.  The algorithm follows jieba 0.42 (MIT licence).
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import io
import logging
import marshal
import mmap
import os
import re
import struct
import tempfile
import threading
from collections.abc import Iterator
from math import log
from pathlib import Path

from . import data

log_ = logging.getLogger("decextract")

_FORMAT = 4  # bump when the cache's layout changes
_MIN_FLOAT = -3.14e100
_MIN_INF = float("-inf")

# jieba.posseg's patterns (the standard library's re, as jieba uses it)
_HAN_INTERNAL = re.compile("([\u4E00-\u9FD5a-zA-Z0-9+#&\\._]+)")
_SKIP_INTERNAL = re.compile("(\r\n|\\s)")
_HAN_DETAIL = re.compile("([\u4E00-\u9FD5]+)")
_SKIP_DETAIL = re.compile("([\\.0-9]+|[a-zA-Z0-9]+)")
_ENG = re.compile("[a-zA-Z0-9]+")
_NUM = re.compile("[\\.0-9]+")


class _Char:
    """One character: its own frequency and tag (None: not in the dictionary), where its HMM states and
    emissions are, and where the groups of the words starting with it are (by their second character)."""

    __slots__ = ("freq", "tag", "hmm", "seconds", "where")

    def __init__(self, freq: int | None, tag: str | None, hmm: tuple[int, int] | None, seconds: str,
                 where: bytes):
        self.freq = freq
        self.tag = tag
        self.hmm = hmm  # (offset, length) of (states, emissions) in the body; None: no emissions
        self.seconds = seconds  # the second characters of the longer words starting with this one
        self.where = where  # for each of them, (offset, length) of its group in the body: two uint32

    def pair(self, second: str) -> tuple[int, int] | None:
        k = self.seconds.find(second)
        return None if k < 0 else _WHERE.unpack_from(self.where, 8 * k)


class _Pair:
    """The dictionary entries of two characters or more starting with the same two characters."""

    __slots__ = ("freq", "tags")

    def __init__(self, freq: dict, tags: dict):
        self.freq = freq  # word → frequency (0 for a prefix that is no word)
        self.tags = tags  # word → part of speech


_WHERE = struct.Struct("<II")
_NO_CHAR = _Char(None, None, None, "", b"")
_NO_HMM: tuple[tuple | None, dict] = (None, {})  # any state, no emission known
_NO_PAIR = _Pair({}, {})


class Segmenter:
    """jieba's part-of-speech cut over a dictionary read group by group (see the module's docstring)."""

    def __init__(self, total: int, start: dict, trans: dict, index: dict, blob, base: int = 0):
        self.total = total
        self.logtotal = log(total)
        self.start_p = start
        self.trans_p = trans
        self.all_states = trans.keys()
        self._index = index  # character → (offset, length) of its record in the body
        self._blob = blob
        self._base = base  # where the body starts in blob
        self._chars: dict[str, _Char] = {}
        self._pairs: dict[str, _Pair] = {}
        self._hmms: dict[str, tuple[tuple | None, dict]] = {}
        self._lock = threading.Lock()

    def _read(self, where: tuple[int, int]) -> bytes:
        start = self._base + where[0]
        return self._blob[start:start + where[1]]

    def _char(self, ch: str) -> _Char:
        rec = self._chars.get(ch)
        if rec is None:
            where = self._index.get(ch)
            rec = _Char(*marshal.loads(self._read(where))) if where else _NO_CHAR
            with self._lock:
                self._chars[ch] = rec
        return rec

    def _pair(self, two: str) -> _Pair:
        group = self._pairs.get(two)
        if group is None:
            where = self._char(two[0]).pair(two[1])
            group = _Pair(*marshal.loads(self._read(where))) if where else _NO_PAIR
            with self._lock:
                self._pairs[two] = group
        return group

    def _hmm(self, ch: str) -> tuple[tuple | None, dict]:
        """The HMM states ``ch`` can take (None: any) and its emissions (state → log probability)."""
        hmm = self._hmms.get(ch)
        if hmm is None:
            where = self._char(ch).hmm
            hmm = marshal.loads(self._read(where)) if where else _NO_HMM
            with self._lock:
                self._hmms[ch] = hmm
        return hmm

    def freq(self, word: str) -> int | None:
        return self._char(word).freq if len(word) == 1 else self._pair(word[:2]).freq.get(word)

    def tag(self, word: str) -> str:
        tag = self._char(word).tag if len(word) == 1 else self._pair(word[:2]).tags.get(word)
        return "x" if tag is None else tag

    # -- jieba.posseg.POSTokenizer.cut (HMM on), its steps in the same order

    def cut(self, sentence: str) -> Iterator[tuple[str, str]]:
        """(word, part-of-speech flag) pairs of ``sentence``, as jieba's posseg cut gives them."""
        for blk in _HAN_INTERNAL.split(sentence):
            if _HAN_INTERNAL.match(blk):
                yield from self._cut_dag(blk)
                continue
            for x in _SKIP_INTERNAL.split(blk):
                if _SKIP_INTERNAL.match(x):
                    yield x, "x"
                    continue
                for xx in x:
                    if _NUM.match(xx):
                        yield xx, "m"
                    elif _ENG.match(x):
                        yield xx, "eng"
                    else:
                        yield xx, "x"

    def _dag(self, sentence: str) -> list[list[int]]:
        n = len(sentence)
        dag = []
        for k in range(n):
            ends = []
            own = self._char(sentence[k]).freq
            if own is not None:  # the character is a word or begins one: the longer words from its pair
                if own:
                    ends.append(k)
                if k + 1 < n:
                    frag = sentence[k:k + 2]
                    freq = self._pair(frag).freq
                    i = k + 1
                    while i < n and frag in freq:
                        if freq[frag]:
                            ends.append(i)
                        i += 1
                        frag = sentence[k:i + 1]
            dag.append(ends or [k])
        return dag

    def _route(self, sentence: str, dag: list[list[int]]) -> list[tuple[float, int]]:
        n = len(sentence)
        route: list[tuple[float, int]] = [(0, 0)] * (n + 1)
        logtotal, freq = self.logtotal, self.freq
        for idx in range(n - 1, -1, -1):
            route[idx] = max((log(freq(sentence[idx:x + 1]) or 1) - logtotal + route[x + 1][0], x)
                             for x in dag[idx])
        return route

    def _cut_dag(self, sentence: str) -> Iterator[tuple[str, str]]:
        route = self._route(sentence, self._dag(sentence))
        x, buf, n = 0, "", len(sentence)
        while x < n:
            y = route[x][1] + 1
            word = sentence[x:y]
            if y - x == 1:
                buf += word
            else:
                if buf:
                    yield from self._buffered(buf)
                    buf = ""
                yield word, self.tag(word)
            x = y
        if buf:
            yield from self._buffered(buf)

    def _buffered(self, buf: str) -> Iterator[tuple[str, str]]:
        """Single characters the route left: one, a known word spelled out, or unknown words for the HMM."""
        if len(buf) == 1:
            yield buf, self.tag(buf)
        elif not self.freq(buf):
            yield from self._cut_detail(buf)
        else:
            for elem in buf:
                yield elem, self.tag(elem)

    def _cut_detail(self, sentence: str) -> Iterator[tuple[str, str]]:
        for blk in _HAN_DETAIL.split(sentence):
            if _HAN_DETAIL.match(blk):
                yield from self._cut_hmm(blk)
                continue
            for x in _SKIP_DETAIL.split(blk):
                if x:
                    if _NUM.match(x):
                        yield x, "m"
                    elif _ENG.match(x):
                        yield x, "eng"
                    else:
                        yield x, "x"

    def _cut_hmm(self, sentence: str) -> Iterator[tuple[str, str]]:
        pos_list = self._viterbi(sentence)
        begin = nexti = 0
        for i, char in enumerate(sentence):
            pos = pos_list[i][0]
            if pos == "B":
                begin = i
            elif pos == "E":
                yield sentence[begin:i + 1], pos_list[i][1]
                nexti = i + 1
            elif pos == "S":
                yield char, pos_list[i][1]
                nexti = i + 1
        if nexti < len(sentence):
            yield sentence[nexti:], pos_list[nexti][1]

    def _viterbi(self, obs: str) -> list:
        """jieba.posseg.viterbi: the most probable (position, tag) state of each character."""
        trans_p, all_states = self.trans_p, self.all_states
        first_states, first_emit = self._hmm(obs[0])
        v = [{}]
        mem_path: list[dict] = [{}]
        for y in first_states if first_states is not None else all_states:
            v[0][y] = self.start_p[y] + first_emit.get(y, _MIN_FLOAT)
            mem_path[0][y] = ""
        for t in range(1, len(obs)):
            v.append({})
            mem_path.append({})
            states, emit = self._hmm(obs[t])
            prev_states = [x for x in mem_path[t - 1].keys() if len(trans_p[x]) > 0]
            prev_states_expect_next = {y for x in prev_states for y in trans_p[x].keys()}
            obs_states = set(states if states is not None else all_states) & prev_states_expect_next
            if not obs_states:
                obs_states = prev_states_expect_next if prev_states_expect_next else all_states
            for y in obs_states:
                prob, state = max((v[t - 1][y0] + trans_p[y0].get(y, _MIN_INF) + emit.get(y, _MIN_FLOAT), y0)
                                  for y0 in prev_states)
                v[t][y] = prob
                mem_path[t][y] = state
        _, state = max((v[-1][y], y) for y in mem_path[-1].keys())
        route = [None] * len(obs)
        for i in range(len(obs) - 1, -1, -1):
            route[i] = state
            state = mem_path[i][state]
        return route


# -- the cache


def _jieba_dir() -> Path:
    spec = importlib.util.find_spec("jieba")
    if spec is None or not spec.submodule_search_locations:
        raise ImportError("jieba is not installed")
    return Path(list(spec.submodule_search_locations)[0])


def _cache_key() -> str:
    """What the cache is built from: jieba's dictionary (version, size, date), the fiscal terms, the format."""
    jdir = _jieba_dir()
    stat = (jdir / "dict.txt").stat()
    m = re.search(rb"__version__\s*=\s*['\"]([^'\"]+)", (jdir / "__init__.py").read_bytes())
    version = m.group(1).decode() if m else "?"
    terms = hashlib.sha1(data.text("fiscal_terms.txt").encode("utf-8")).hexdigest()[:12]
    return f"jieba{version}-{stat.st_size}-{stat.st_mtime_ns}-{terms}-v{_FORMAT}"


def cache_dir() -> Path:
    if os.environ.get("DECEXTRACT_CACHE_DIR"):
        return Path(os.environ["DECEXTRACT_CACHE_DIR"])
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "decextract"


def _tables_from_jieba():
    """jieba's own tables, built as labels always built them: Tokenizer + fiscal user dictionary + POSTokenizer."""
    import jieba
    import jieba.posseg
    from jieba.posseg import char_state_tab_P, emit_P, start_P, trans_P

    jieba.setLogLevel(logging.WARNING)
    tokenizer = jieba.Tokenizer()
    tokenizer.load_userdict(io.BytesIO(data.text("fiscal_terms.txt").encode("utf-8")))
    pos = jieba.posseg.POSTokenizer(tokenizer)
    pos.makesure_userdict_loaded()
    return tokenizer.FREQ, tokenizer.total, pos.word_tag_tab, char_state_tab_P, start_P, trans_P, emit_P


def _serialise(freq, total, tags, char_states, start, trans, emit) -> bytes:
    """The cache: a head (format, total, HMM start and transitions, where each character's record is), each
    character's record (its own frequency and tag, HMM states and emissions, where its pairs' groups are),
    and the groups of the longer words by their first two characters, each read when first needed."""
    chars: dict[str, list] = {}  # character → [freq, tag, hmm location, second characters, pair locations]
    pairs: dict[str, list] = {}
    hmms: dict[str, list] = {}  # character → [states, emissions]

    def char(ch: str) -> list:
        return chars.setdefault(ch, [None, None, None, "", b""])

    for word, f in freq.items():
        if len(word) == 1:
            char(word)[0] = f
        else:
            char(word[0])
            pairs.setdefault(word[:2], [{}, {}])[0][word] = f
    for word, tag in tags.items():
        if len(word) == 1:
            char(word)[1] = tag
        elif word:
            char(word[0])
            pairs.setdefault(word[:2], [{}, {}])[1][word] = tag
    for ch, states in char_states.items():
        hmms.setdefault(ch, [None, {}])[0] = tuple(states)
    for state, probs in emit.items():
        for ch, p in probs.items():
            hmms.setdefault(ch, [None, {}])[1][state] = p
    body = io.BytesIO()
    for two, group in pairs.items():
        blob = marshal.dumps(tuple(group))
        record = char(two[0])
        record[3] += two[1]
        record[4] += _WHERE.pack(body.tell(), len(blob))
        body.write(blob)
    for ch, hmm in hmms.items():
        blob = marshal.dumps(tuple(hmm))
        char(ch)[2] = (body.tell(), len(blob))
        body.write(blob)
    index = {}
    for ch, record in chars.items():
        blob = marshal.dumps(tuple(record))
        index[ch] = (body.tell(), len(blob))
        body.write(blob)
    head = marshal.dumps((_FORMAT, total, start, trans, index))
    return len(head).to_bytes(8, "little") + head + body.getvalue()


def build_cache(folder: Path | None = None) -> Path:
    """Write the cache (from jieba's own tables) and return its path; replaces one being read safely."""
    folder = folder or cache_dir()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"segmenter-{_cache_key()}.bin"
    content = _serialise(*_tables_from_jieba())
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".segmenter-")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(content)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return path


_SEGMENTER: Segmenter | None = None
_BUILDING = threading.Lock()


def segmenter() -> Segmenter:
    """The process's segmenter: loaded from the cache, built first if there is none."""
    global _SEGMENTER
    if _SEGMENTER is not None:
        return _SEGMENTER
    with _BUILDING:
        if _SEGMENTER is None:
            _SEGMENTER = _open()
    return _SEGMENTER


def _folders() -> list[Path]:
    user = os.getuid() if hasattr(os, "getuid") else 0
    return [cache_dir(), Path(tempfile.gettempdir()) / f"decextract-{user}"]


def _open() -> Segmenter:
    key = _cache_key()
    for folder in _folders():
        try:
            return _from_bytes(_read(folder / f"segmenter-{key}.bin"))
        except (OSError, ValueError, EOFError, TypeError):
            pass
    for folder in _folders():
        try:
            return _from_bytes(_read(build_cache(folder)))
        except OSError as exc:
            log_.debug("segmenter cache not written in %s: %s", folder, exc)
    return _from_bytes(_serialise(*_tables_from_jieba()))  # no cache anywhere: from memory


def _read(path: Path):
    """The cache's bytes, mapped (pages are read when a group is first needed)."""
    with open(path, "rb") as f:
        return mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)


def _from_bytes(blob) -> Segmenter:
    size = int.from_bytes(blob[:8], "little")
    fmt, total, start, trans, index = marshal.loads(blob[8:8 + size])
    if fmt != _FORMAT:
        raise ValueError(f"segmenter cache format {fmt}, not {_FORMAT}")
    return Segmenter(total, start, trans, index, blob, 8 + size)



if __name__ == "__main__":
    print(build_cache())
