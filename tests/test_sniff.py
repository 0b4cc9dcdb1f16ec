"""Format detection from bytes, and the reader boundary: every bad input is a clear error naming the file."""

from __future__ import annotations

import io
import random
import sys
import types
import zipfile

import docx
import openpyxl
import pytest
from conftest import SAMPLES

from decextract.errors import (
    DamagedFileError,
    DecExtractError,
    EncodingError,
    EncryptedFileError,
    UnsupportedFormatError,
)
from decextract.readers import READERS, read_bytes, read_document
from decextract.readers.sniff import sniff

SEED = SAMPLES  # the project's own copies of the seed


def docx_bytes() -> bytes:
    buf = io.BytesIO()
    d = docx.Document()
    d.add_paragraph("一、收入决算情况说明")
    d.save(buf)
    return buf.getvalue()


def xlsx_bytes() -> bytes:
    buf = io.BytesIO()
    wb = openpyxl.Workbook()
    wb.active["A1"] = "收支预算总表"
    wb.save(buf)
    return buf.getvalue()


def zip_bytes(names: list[str]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name in names:
            z.writestr(name, "<x/>")
    return buf.getvalue()


# --- sniff ------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("data", "fmt"),
    [
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "pdf"),
        (b"\xef\xbb\xbf%PDF-1.4\n", "pdf"),  # junk before the header is allowed, as readers do
        (docx_bytes(), "docx"),
        (xlsx_bytes(), "xlsx"),
        ("一、收入决算情况说明\n".encode(), "txt"),
        ("一、收入决算情况说明\n".encode("gbk"), "txt"),
        ("一、收入\r\n\t单位\r\n".encode("utf-16"), "txt"),
    ],
    ids=["pdf", "pdf-after-bom", "docx", "xlsx", "utf8", "gbk", "utf16-bom"],
)
def test_sniff_detects_format_from_bytes(data, fmt):
    assert sniff(data, "no-extension") == fmt


def test_name_does_not_matter(tmp_path):
    f = tmp_path / "really-a-docx.pdf"
    f.write_bytes(docx_bytes())
    assert read_document(f).format == "docx"


@pytest.mark.parametrize(
    ("data", "error"),
    [
        (b"", UnsupportedFormatError),
        (b" \n\t\n", UnsupportedFormatError),
        (zip_bytes(["word/styles.xml", "[Content_Types].xml"]), UnsupportedFormatError),
        (zip_bytes(["mimetype", "content.xml"]), UnsupportedFormatError),  # an ODF package of no known type
        (zip_bytes(["[Content_Types].xml", "ppt/presentation.xml"]), UnsupportedFormatError),
        (zip_bytes(["OFD.xml", "Doc_0/Document.xml"]), UnsupportedFormatError),
        (docx_bytes()[:200], DamagedFileError),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, DamagedFileError),  # an OLE2 header, no directory
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + "EncryptedPackage".encode("utf-16-le") + b"\x00" * 64,
         EncryptedFileError),
        (bytes(range(256)) * 8, UnsupportedFormatError),
        (random.Random(7).randbytes(4096), UnsupportedFormatError),
    ],
    ids=["empty", "blank", "zip-no-document", "odf-unknown", "pptx", "ofd", "truncated-zip", "damaged-ole",
         "encrypted", "binary", "random"],
)
def test_sniff_rejects_with_a_clear_error(data, error):
    with pytest.raises(error) as err:
        sniff(data, "in/put.bin")
    assert str(err.value).startswith("in/put.bin: ")


# --- the reader boundary, through read_document ----------------------------------------------------------------

@pytest.mark.parametrize(
    ("name", "data", "error"),
    [
        ("nodoc.docx", zip_bytes(["[Content_Types].xml", "word/styles.xml"]), UnsupportedFormatError),
        ("cut.docx", docx_bytes()[: len(docx_bytes()) // 2], DamagedFileError),
        ("cut.xlsx", xlsx_bytes()[: len(xlsx_bytes()) // 3], DamagedFileError),
        ("random.bin", random.Random(1).randbytes(10_000), UnsupportedFormatError),
        ("zero.txt", b"", UnsupportedFormatError),
        ("junk.dat", b"\x01\x02\x03\x04\x05\x06\x07\x08" * 500, UnsupportedFormatError),
        # no control bytes, so it passes as text, but it is neither UTF-8 nor GB18030
        ("highbytes.txt", "收入".encode() + b"\xa1\xff\xfe\x80" * 500, EncodingError),
        ("utf16-junk.txt", b"\xff\xfe" + random.Random(3).randbytes(3000).replace(b"\x00", b"\x01"),
         EncodingError),
    ],
)
def test_damaged_inputs_give_clear_errors_naming_the_file(tmp_path, name, data, error):
    f = tmp_path / name
    f.write_bytes(data)
    with pytest.raises(error) as err:
        read_document(f)
    assert isinstance(err.value, DecExtractError)  # one root to catch in a run over many files
    assert name in str(err.value)
    assert err.value.path == str(f)


def test_missing_file_is_a_decextract_error(tmp_path):
    with pytest.raises(DamagedFileError) as err:
        read_document(tmp_path / "absent.pdf")
    assert "absent.pdf" in str(err.value)


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("gbk.txt", "第一部分 部门概况\n收入合计350.01万元。\n".encode("gbk")),
        ("bom.txt", b"\xef\xbb\xbf" + "第一部分 部门概况\n收入合计350.01万元。\n".encode()),
    ],
)
def test_text_files_in_chinese_encodings_read(tmp_path, name, data):
    f = tmp_path / name
    f.write_bytes(data)
    doc = read_document(f)
    assert [b.text for b in doc.blocks] == ["第一部分 部门概况", "收入合计350.01万元。"]
    assert doc.sha256 and doc.source == str(f)


def test_third_party_errors_are_wrapped_at_the_reader_boundary(monkeypatch):
    fake = types.ModuleType("decextract.readers.fake_txt")

    def explode(data, source, sha256):
        raise IndexError("list index out of range")

    fake.read = explode
    monkeypatch.setitem(sys.modules, "decextract.readers.fake_txt", fake)
    monkeypatch.setitem(READERS, "txt", "decextract.readers.fake_txt")
    with pytest.raises(DamagedFileError) as err:
        read_bytes(b"plain text", "x.txt")
    assert "x.txt" in str(err.value) and "IndexError" in str(err.value)
    assert isinstance(err.value.__cause__, IndexError)


@pytest.mark.parametrize("suffix", ["txt", "docx"])
def test_seed_files_are_detected(suffix):
    path = SEED / f"xiqu-zhengfawei-2020-juesuan.{suffix}"
    if not path.exists():
        pytest.skip(f"seed sample not found at {path}")
    assert sniff(path.read_bytes(), str(path)) == suffix


@pytest.mark.parametrize("data, name, reason", [
    (b"<!DOCTYPE html><html><body>404 Not Found</body></html>", "report.pdf", "HTML page"),
    (b"<html><head><title>x</title></head></html>", "report.zip", "HTML page"),
    (b"hello, not a zip at all", "report.docx", "named .docx but holds text"),
])
def test_a_web_page_or_a_text_named_like_a_binary_file_is_unsupported(data, name, reason):
    with pytest.raises(UnsupportedFormatError, match=reason):
        read_bytes(data, name)
