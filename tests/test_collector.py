"""The cyclic collector is off while a document is read and extracted, and as it was after."""

from __future__ import annotations

import gc
import threading
from pathlib import Path

import pytest

import decextract
from decextract import collector, pipeline
from decextract.collector import paused

SEED_TXT = Path(__file__).resolve().parents[1] / "samples" / "xiqu-zhengfawei-2020-juesuan.txt"


@pytest.fixture(autouse=True)
def _restore_gc():
    was = gc.isenabled()
    yield
    (gc.enable if was else gc.disable)()
    assert collector._depth == 0


@paused
def _state() -> bool:
    return gc.isenabled()


@paused
def _fails() -> None:
    assert not gc.isenabled()
    raise ValueError("boom")


def test_off_inside_and_on_after():
    gc.enable()
    assert _state() is False
    assert gc.isenabled()


def test_on_after_an_exception():
    gc.enable()
    with pytest.raises(ValueError):
        _fails()
    assert gc.isenabled()


def test_a_caller_who_disabled_it_keeps_it_disabled():
    gc.disable()
    assert _state() is False
    assert not gc.isenabled()


def test_nested_calls_switch_it_on_only_when_the_outermost_ends():
    gc.enable()
    seen = []

    @paused
    def outer():
        seen.append(_state())
        seen.append(gc.isenabled())  # the inner call ended, the outer has not

    outer()
    assert seen == [False, False]
    assert gc.isenabled()


def test_overlapping_threads_leave_it_on():
    gc.enable()
    inside, release = threading.Barrier(2), threading.Event()
    states = []

    @paused
    def first():
        inside.wait()
        release.wait()
        states.append(gc.isenabled())

    @paused
    def second():
        inside.wait()  # both inside at once
        states.append(gc.isenabled())

    a, b = threading.Thread(target=first), threading.Thread(target=second)
    a.start(), b.start()
    b.join()
    assert gc.isenabled() is False  # the first is still inside: still off
    release.set()
    a.join()
    assert states == [False, False]
    assert gc.isenabled()


def test_extraction_runs_with_it_off(monkeypatch):
    if not SEED_TXT.exists():
        pytest.skip(f"{SEED_TXT} is not in the checkout")
    gc.enable()
    seen = []
    annotate = pipeline.annotate

    def watched(doc):
        seen.append(gc.isenabled())
        return annotate(doc)

    monkeypatch.setattr(pipeline, "annotate", watched)
    records = decextract.extract(SEED_TXT)
    assert records and seen == [False]
    assert gc.isenabled()
