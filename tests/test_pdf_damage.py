"""Damage PDFium reads past in silence is said: a rebuilt cross-reference table, streams that stop inflating."""

from __future__ import annotations

import re

import pytest
from conftest import REAL, SAMPLES, SEED
from fixtures_pdf import cjk_pdf, page, text

from decextract.readers import read_bytes
from decextract.readers.pdfdamage import damaged_streams

LINES = [text(60, 80 + 20 * k, 11, f"第{k}行：本年收入合计{k}1,234.56万元，比上年增加{k}2.00万元。") for k in range(20)]


def _codes(data: bytes) -> set[str]:
    return {notice.code for notice in read_bytes(data, "damaged.pdf").warnings}


def _flate_stream(data: bytes) -> tuple[int, int]:
    """The data span of the file's largest /FlateDecode stream."""
    spans = []
    for m in re.finditer(rb"stream\r?\n", data):
        head = data[max(0, m.start() - 300):m.start()]
        if b"FlateDecode" in head[head.rfind(b"obj"):] and not data[:m.start()].endswith(b"end"):
            spans.append((m.end(), data.find(b"endstream", m.end())))
    return max(spans, key=lambda s: s[1] - s[0])


@pytest.fixture(scope="module")
def clean() -> bytes:
    from reportlab import rl_config

    a85, rl_config.useA85 = rl_config.useA85, 0  # the page's stream plain /FlateDecode, as most producers write it
    try:
        return cjk_pdf([page(*LINES)])
    finally:
        rl_config.useA85 = a85


def test_a_clean_file_has_no_damage_notice(clean):
    assert not _codes(clean) & {"repaired_file", "damaged_streams"}
    assert damaged_streams(clean) == 0


def test_a_flipped_byte_in_a_compressed_stream_is_said(clean):
    start, end = _flate_stream(clean)
    middle = (start + end) // 2
    broken = clean[:middle] + bytes([clean[middle] ^ 0x5A]) + clean[middle + 1:]
    assert damaged_streams(broken) == 1
    assert "damaged_streams" in _codes(broken)


def test_a_stream_cut_short_is_said(clean):
    start, end = _flate_stream(clean)
    cut = clean[:start + (end - start) // 3] + clean[end:]  # the stream's tail gone, the file after it kept
    assert damaged_streams(cut) == 1


def test_shifted_objects_make_a_rebuilt_cross_reference_table_said(clean):
    at = clean.find(b"1 0 obj")
    shifted = clean[:at] + b"% a comment nobody counted in the offsets\n" + clean[at:]
    assert "repaired_file" in _codes(shifted)


@pytest.mark.parametrize("path", [SAMPLES / f"{SEED}.pdf", *sorted(REAL.glob("*.pdf"))], ids=lambda p: p.name)
def test_real_files_carry_no_damage_notice(path):
    if not path.exists():
        pytest.skip(f"{path} is not beside the checkout")
    assert not _codes(path.read_bytes()) & {"repaired_file", "damaged_streams"}
