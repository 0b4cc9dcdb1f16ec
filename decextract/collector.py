"""The cyclic garbage collector paused while a document is read and extracted.

Reading one disclosure allocates hundreds of thousands of small objects (characters, lines,
cells, figures) that nearly all live until the document's records are returned, and form
almost no reference cycles: a few hundred to a few thousand objects per document on the shared
corpus. CPython's collector still runs a young-generation pass every 700 allocations, and
each pass walks the survivors: 12–25% of a PDF's extraction time (`docs/performance.md`).

:func:`paused` switches the collector off for the length of one call and back on after, the
way Mercurial pauses it while it builds large structures. What is freed by reference counting
is freed as before; the few cycles wait for the next collection after the call. Calls nest
and may run in several threads at once: the collector is switched off by the first call to
enter and back on by the last to leave, and only if it was on to begin with (a caller that
disabled it keeps it disabled).
"""

from __future__ import annotations

import functools
import gc
import threading
from collections.abc import Callable
from typing import TypeVar

_lock = threading.Lock()
_depth = 0  # calls inside paused() now, in every thread
_was_enabled = False  # the collector's state when the first of them entered

T = TypeVar("T", bound=Callable)


def _enter() -> None:
    global _depth, _was_enabled
    with _lock:
        if _depth == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _depth += 1


def _leave() -> None:
    global _depth
    with _lock:
        _depth -= 1
        if _depth == 0 and _was_enabled:
            gc.enable()


def paused(fn: T) -> T:
    """``fn`` with the cyclic collector off while it runs (see the module docstring)."""
    @functools.wraps(fn)
    def call(*args, **kwargs):
        _enter()
        try:
            return fn(*args, **kwargs)
        finally:
            _leave()
    return call  # type: ignore[return-value]
