"""What every output can hold: text without unencodable characters, file names kept losslessly, names shown safely.

A Python ``str`` can hold lone UTF-16 surrogates (a PDF's ToUnicode map pointing
at U+D800, a few flipped bytes), which UTF-8 — and so SQLite, PostgreSQL, JSON
files, CSV and Parquet — cannot encode.  :func:`replace_unencodable` puts U+FFFD
in their place, one character for one, so offsets into the text stay true.

File names come from the operating system as bytes.  On POSIX, Python decodes
them as UTF-8 with ``surrogateescape``: a GBK name from a Chinese Windows ZIP
becomes a ``str`` with lone surrogates U+DC80–U+DCFF standing for its bytes.
Such a path opens fine, but cannot be written anywhere as text.  decextract
keeps it twice: :func:`stored_path` (the name as text, each byte that is not
UTF-8 written ``\\xNN``) wherever a path is text, and :func:`path_bytes` (the
exact bytes, ``None`` for a name that is valid UTF-8) in a ``path_bytes``
column, so the file can always be found again.  :func:`shown` quotes a name for
a log line, so a newline in a file name cannot forge a line.
"""

from __future__ import annotations

import os
import re

_SURROGATE = re.compile("[\ud800-\udfff]")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
REPLACEMENT = "\ufffd"


def replace_unencodable(text: str) -> tuple[str, int]:
    """``text`` with every lone surrogate replaced by U+FFFD, and how many were replaced."""
    if text.isascii():
        return text, 0
    return _SURROGATE.subn(REPLACEMENT, text)


def encodable(text: str) -> str:
    """``text`` that UTF-8 can encode (lone surrogates replaced by U+FFFD, one for one)."""
    return replace_unencodable(text)[0]


def deep_encodable(value):
    """``value`` with every string inside it (dict keys too) made encodable; other values as they are.

    A value with nothing to replace (nearly every document's rows) is returned as it is, after one
    UTF-8 encoding (in C) of all its strings joined: a Python call per string, or a JSON encoding of
    the whole, costs several times more."""
    joined = "".join(_strings_in(value))
    if joined.isascii():
        return value
    try:
        joined.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate somewhere: replace each, one for one
        return _deep_encodable(value)
    return value


def _strings_in(value) -> list[str]:
    """Every string inside ``value`` (dict keys too, through dicts, lists and tuples), in no set order; a
    container met again (shared, or holding itself) is looked at once."""
    found: list[str] = []
    stack = [value]
    seen: set[int] = set()
    pop, push_all, add, visit = stack.pop, stack.extend, found.append, seen.add
    while stack:
        v = pop()
        if isinstance(v, str):
            add(v)
        elif isinstance(v, (dict, list, tuple)):
            if id(v) in seen:
                continue
            visit(id(v))
            push_all(v)
            if isinstance(v, dict):
                push_all(v.values())
    return found


def _deep_encodable(value):
    if isinstance(value, str):
        return encodable(value)
    if isinstance(value, dict):
        return {_deep_encodable(k): _deep_encodable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_deep_encodable(v) for v in value)
    return value


def _raw(path: str) -> bytes:
    """The bytes the operating system has for ``path`` (any ``str``: other lone surrogates kept as UTF-8 would)."""
    try:
        return os.fsencode(path)
    except UnicodeEncodeError:  # a lone surrogate that stands for no byte (a Windows-style name)
        return path.encode("utf-8", "surrogatepass")


def stored_path(path: str | os.PathLike) -> str:
    """``path`` as text every output can hold: itself when it is valid UTF-8, else with each
    byte that is not UTF-8 written ``\\xNN`` (a GBK ``收入.pdf`` becomes ``\\xca\\xd5\\xc8\\xeb.pdf``)."""
    path = os.fspath(path)
    if isinstance(path, bytes):
        path = os.fsdecode(path)
    if path.isascii() or not _SURROGATE.search(path):
        return path
    return _raw(path).decode("utf-8", "backslashreplace")


def path_bytes(path: str | os.PathLike) -> bytes | None:
    """The exact bytes of ``path`` when its name is not valid UTF-8 (so :func:`stored_path` alone cannot
    give it back), else ``None``."""
    path = os.fspath(path)
    if isinstance(path, bytes):
        return path if stored_path(path) != os.fsdecode(path) else None
    return _raw(path) if stored_path(path) != path else None


def shown(path: str | os.PathLike) -> str:
    """``path`` for a log or terminal line: as it is when plain, else quoted with control characters escaped
    (a name holding a newline prints as ``'a\\nb.pdf'`` on one line)."""
    text = stored_path(path)
    if not _CONTROL.search(text) and not text.startswith(("'", '"')):
        return text
    return repr(text)


def one_line(text: str) -> str:
    """``text`` on one line: line breaks and other control characters written as escapes (``\\n``)."""
    text = encodable(text)
    if not _CONTROL.search(text):
        return text
    return _CONTROL.sub(lambda m: repr(m.group())[1:-1], text)
