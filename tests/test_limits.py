"""The reader boundary under hostile input: regular files only, a size limit, hashing while reading,
unencodable text replaced with a warning, decompression bombs refused before a parser inflates them."""

from __future__ import annotations

import hashlib
import os
import sys
import threading
import time
import tracemalloc
import types
import zlib

import pytest
from conftest import SAMPLES, SEED
from hostile import pdf, pdf_double_flate_bomb, pdf_flate_bomb, pdf_lone_surrogate, stream, zip_bomb
from hypothesis import given, settings
from hypothesis import strategies as st

from decextract import DecExtractError, limits
from decextract.errors import DamagedFileError, FileTooLargeError, MemoryLimitError, NotRegularFileError
from decextract.limits import Limits, check_unpacked, format_size, parse_size
from decextract.pipeline import records_of
from decextract.readers import READERS, hash_file, read_bytes, read_document, read_file
from decextract.records import to_json

# ---------------------------------------------------------------- what is read


def _read_within(path, seconds: float = 10.0):
    """read_document(path) in a thread, failing the test if it blocks."""
    out = {}

    def run():
        try:
            out["doc"] = read_document(path)
        except BaseException as exc:  # noqa: BLE001 - handed to the test
            out["error"] = exc

    t = threading.Thread(target=run, daemon=True)
    t.start()
    t.join(seconds)
    assert not t.is_alive(), f"reading {path} blocked"
    return out


def test_a_fifo_is_refused_without_blocking(tmp_path):
    fifo = tmp_path / "report.txt"
    os.mkfifo(fifo)
    out = _read_within(fifo)
    assert isinstance(out["error"], NotRegularFileError)
    assert "FIFO" in str(out["error"]) and "report.txt" in str(out["error"])


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/urandom"])
def test_a_link_to_a_device_is_refused_without_reading_it(tmp_path, device):
    link = tmp_path / "report.pdf"
    link.symlink_to(device)
    out = _read_within(link)
    assert isinstance(out["error"], NotRegularFileError) and "character device" in str(out["error"])


def test_a_folder_is_refused(tmp_path):
    with pytest.raises(NotRegularFileError, match="a folder"):
        read_document(tmp_path)


def test_a_file_over_the_size_limit_is_not_read(tmp_path):
    big = tmp_path / "huge.txt"
    with open(big, "wb") as f:  # a sparse 300 MB file: refused from its size, without reading it
        f.truncate(300 * 1024 * 1024)
    started = time.perf_counter()
    with pytest.raises(FileTooLargeError) as err:
        read_document(big)
    assert time.perf_counter() - started < 2
    assert "huge.txt" in str(err.value) and "256 MB" in str(err.value) and "--max-size" in str(err.value)
    small = tmp_path / "small.txt"
    small.write_bytes(b"2020\xe5\xb9\xb4" * 1000)
    with pytest.raises(FileTooLargeError, match="1 kB"):
        read_document(small, limits=Limits(max_size=1024))
    assert read_document(small, limits=Limits(max_size=None)).size == 7000


def test_the_input_is_hashed_while_it_is_read(tmp_path):
    path = tmp_path / "big.bin"
    data = os.urandom(1 << 20) * 24
    path.write_bytes(data)
    assert read_file(str(path), None) == (hashlib.sha256(data).hexdigest(), data)
    tracemalloc.start()
    try:
        assert hash_file(str(path), None) == hashlib.sha256(data).hexdigest()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 4 << 20  # a megabyte at a time, not the whole 24 MB


def test_sizes_parse_and_print():
    assert parse_size("2G") == 2 << 30 and parse_size("512M") == 512 << 20 and parse_size("300k") == 300 << 10
    assert parse_size("1.5GB") == 3 << 29 and parse_size("4096") == 4096 and parse_size("0") is None
    with pytest.raises(ValueError, match="not a size"):
        parse_size("lots")
    assert format_size(2 << 30) == "2 GB" and format_size(None) == "no limit"


# ---------------------------------------------------------------- text no output can encode


def test_lone_surrogates_are_replaced_and_the_document_says_so():
    doc = read_bytes(pdf_lone_surrogate("D800"), "glyphs.pdf")
    text = "".join(b.text for b in doc.paragraphs())
    assert "\ufffd" in text and not any(0xD800 <= ord(ch) <= 0xDFFF for ch in text)
    notice = doc.warnings[-1]
    assert notice.code == "replaced_characters" and notice.pages == (1,) and notice.message.startswith("2 ")
    records = records_of(doc)
    for record in records:
        to_json(record).encode("utf-8")  # every record can be written
    figures = [r for r in records if r.TYPE == "figure"]
    assert [f.text for f in figures] == ["12.5%", "30%"]
    assert all(f.prov.context[f.prov.start:f.prov.end] == f.text for f in figures)


def test_a_document_without_unencodable_text_has_no_such_warning():
    doc = read_document(SAMPLES / f"{SEED}.pdf")
    assert "replaced_characters" not in {n.code for n in doc.warnings}


def test_a_file_name_that_is_not_utf8_is_stored_readably(tmp_path):
    name = os.fsdecode(b"gbk-" + "收入".encode("gbk") + b".txt")
    path = tmp_path / name
    path.write_bytes("2020年收入10万元。".encode())
    doc = read_document(path)
    assert doc.source.endswith("gbk-\\xca\\xd5\\xc8\\xeb.txt")
    doc.source.encode("utf-8")


# ---------------------------------------------------------------- decompression bombs


def test_a_zip_member_declared_beyond_the_budget_is_refused():
    with pytest.raises(MemoryLimitError) as err:
        read_bytes(zip_bomb(300), "bomb.docx", limits=Limits(max_memory=1 << 30))
    assert "bomb.docx" in str(err.value) and "word/document.xml" in str(err.value)
    assert "256 MB" in str(err.value) and "--max-memory" in str(err.value)


def test_a_zip_member_whose_header_lies_is_refused_before_it_is_inflated():
    data = zip_bomb(300, lie=True)  # declares 1 kB; zipfile would hand the parser all 300 MB
    tracemalloc.start()
    try:
        with pytest.raises(MemoryLimitError, match="lies") as err:
            check_unpacked("docx", data, "liar.docx", 256 << 20)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert "liar.docx" in str(err.value)
    assert peak < 16 << 20  # counted a megabyte at a time, never held


def test_the_seed_docx_passes_the_zip_check():
    data = (SAMPLES / f"{SEED}.docx").read_bytes()
    check_unpacked("docx", data, "seed.docx", 1 << 20)  # the seed inflates to well under a megabyte


def test_a_pdf_stream_inflating_beyond_the_budget_is_refused():
    with pytest.raises(MemoryLimitError) as err:
        read_bytes(pdf_flate_bomb(40), "bomb.pdf", limits=Limits(max_memory=128 << 20))
    assert "bomb.pdf" in str(err.value) and "32 MB" in str(err.value)


def test_a_pdf_stream_compressed_twice_is_counted_through_both_layers():
    data = pdf_double_flate_bomb(40)
    assert len(data) < 2_000
    with pytest.raises(MemoryLimitError):
        check_unpacked("pdf", data, "twice.pdf", 32 << 20)
    hexed = pdf([b"<< /Type /Catalog >>", stream(zlib.compress(b" " * (40 << 20)).hex().encode() + b">",
                                                  b"/Filter [/ASCIIHexDecode /FlateDecode] ")])
    with pytest.raises(MemoryLimitError):
        check_unpacked("pdf", hexed, "hexed.pdf", 32 << 20)


def test_image_streams_are_not_counted():
    image = stream(zlib.compress(b"\xff" * (20 << 20)), b"/Subtype /Image /Filter /FlateDecode ")
    check_unpacked("pdf", pdf([b"<< /Type /Catalog >>", image]), "scan.pdf", 1 << 20)


@pytest.mark.parametrize("wrapped", [False, True])
def test_running_out_of_memory_in_a_reader_is_a_memory_limit_error(monkeypatch, wrapped):
    fake = types.ModuleType("decextract.readers.fake_oom")

    def explode(data, source, sha256):
        try:
            raise MemoryError
        except MemoryError as exc:
            if wrapped:  # as the DOCX and XLSX readers wrap every parser error
                raise DamagedFileError("not a readable Word document: MemoryError", path=source) from exc
            raise

    fake.read = explode
    monkeypatch.setitem(sys.modules, "decextract.readers.fake_oom", fake)
    monkeypatch.setitem(READERS, "txt", "decextract.readers.fake_oom")
    with pytest.raises(MemoryLimitError) as err:
        read_bytes(b"plain text", "x.txt", limits=Limits(max_memory=1 << 30))
    assert isinstance(err.value, DecExtractError) and isinstance(err.value, MemoryError)
    assert "x.txt" in str(err.value) and "1 GB" in str(err.value)


_TOKENS = [b"stream", b"end", b"endstream", b"\r", b"\n", b"x", b" ", b"e", b"nd"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_TOKENS), max_size=30).map(b"".join))
def test_streams_start_where_the_look_behind_pattern_finds_them(data):
    """limits.streams finds every ``stream`` keyword at a line end not closing an ``endstream``: what the
    pattern ``(?<!end)stream\\r?\\n`` finds, without the look-behind that slows ``re`` twentyfold."""
    import re

    from decextract.limits import streams

    expected = [m.span() for m in re.finditer(rb"(?<!end)stream\r?\n", data)]
    assert [m.span() for m in streams(data)] == expected


@settings(max_examples=150, deadline=None)
@given(st.binary(min_size=0, max_size=3000), st.integers(min_value=0, max_value=3100), st.binary(max_size=4),
       st.booleans())
def test_zlib_ng_inflates_and_refuses_as_zlib_does(payload, at, junk, raw):
    """The bomb check inflates with zlib-ng where installed: every stream, whole or damaged at any byte,
    counts the same and is complete for both or for neither."""
    zlib_ng = pytest.importorskip("zlib_ng.zlib_ng", reason="zlib-ng is not installed")
    packer = zlib.compressobj(wbits=-zlib.MAX_WBITS if raw else zlib.MAX_WBITS)
    packed = packer.compress(payload * 7) + packer.flush()
    at = min(at, len(packed))
    data = b"stream\n" + packed[:at] + junk + packed[at + len(junk):] + b"\nendstream"
    end = len(data) - len(b"\nendstream")
    with_ng = limits._inflated_size(data, 7, limits._UNBOUNDED, raw=raw, end=end)
    limits._inflater.cache_clear()
    try:
        with pytest.MonkeyPatch.context() as mp:
            mp.setitem(sys.modules, "zlib_ng", None)  # import fails: the standard library's
            with_zlib = limits._inflated_size(data, 7, limits._UNBOUNDED, raw=raw, end=end)
            assert limits._inflater() is zlib
    finally:
        limits._inflater.cache_clear()
    assert limits._inflater() is zlib_ng
    assert with_ng[1] == with_zlib[1]
    if with_zlib[1]:
        assert with_ng == with_zlib
