"""RAR archives read for real (not only refused): stored RAR 4 archives written by tests/rar4.py, since no
free tool writes RAR.  rarfile reads stored members itself; compressed ones need an unpacking tool."""

from __future__ import annotations

import json
import zlib

import pytest
from fixtures_formats import seed, zip_of
from rar4 import rar4

from decextract import extract
from decextract.batch import run_batch
from decextract.errors import DamagedFileError, EncryptedFileError
from decextract.readers import archive, read_document
from decextract.sinks import open_sinks

pytest.importorskip("rarfile", reason="RAR archives need the archives extra (rarfile)")


@pytest.fixture
def seed_rar(tmp_path):
    path = tmp_path / "决算材料.rar"
    path.write_bytes(rar4([
        ("2020年\\西区政法委2020年部门决算.pdf".encode("gbk"), seed("pdf").read_bytes()),  # Chinese Windows
        ("说明/西区政法委2020年部门决算.txt", seed("txt").read_bytes()),                   # Unicode flag
        ("附件.zip", zip_of({"内层/决算.docx": seed("docx").read_bytes()})),
    ]))
    return path


def test_the_writer_writes_what_rarfile_reads():
    import io

    import rarfile

    data = rar4([("a.txt", b"hello")])
    with rarfile.RarFile(io.BytesIO(data)) as rar:
        (info,) = rar.infolist()
        assert (info.filename, info.file_size, info.CRC) == ("a.txt", 5, zlib.crc32(b"hello"))
        assert rar.read(info) == b"hello"


def test_members_are_listed_with_their_names_decoded(seed_rar):
    assert archive.is_archive(str(seed_rar))
    assert archive.expand(str(seed_rar)) == [
        f"{seed_rar}!/2020年/西区政法委2020年部门决算.pdf",
        f"{seed_rar}!/说明/西区政法委2020年部门决算.txt",
        f"{seed_rar}!/附件.zip!/内层/决算.docx",
    ]


def test_each_member_reads_as_the_file_it_holds(seed_rar):
    for member, fmt in zip(archive.expand(str(seed_rar)), ("pdf", "txt", "docx"), strict=True):
        doc = read_document(member)
        assert (doc.source, doc.format) == (member, fmt)
        assert doc.sha256 == read_document(seed(fmt)).sha256
    member = f"{seed_rar}!/说明/西区政法委2020年部门决算.txt"
    figures = [r for r in extract(member) if r.TYPE == "figure"]
    assert figures and all(f.prov.source == member for f in figures)
    assert [f.value for f in figures] == [f.value for f in extract(seed("txt")) if f.TYPE == "figure"]


def test_a_batch_loads_every_member_of_a_rar(seed_rar, tmp_path):
    out = tmp_path / "out.jsonl"
    sinks = open_sinks(jsonl=str(out))
    summary = run_batch([seed_rar], sinks, workers=1, progress=False)
    for sink in sinks:
        sink.close()
    assert (summary.total, summary.succeeded, summary.failed) == (3, 3, 0)
    rows = [json.loads(line) for line in out.read_text("utf-8").splitlines()]
    assert {r["source"] for r in rows if r["type"] == "document"} == set(archive.expand(str(seed_rar)))


def test_a_member_whose_header_declares_a_bomb_is_refused_before_it_is_read(tmp_path, monkeypatch):
    monkeypatch.setattr(archive, "MAX_MEMBER_BYTES", 1000)
    path = tmp_path / "bomb.rar"
    path.write_bytes(rar4([("big.txt", b"0" * 5000)]))
    with pytest.raises(DamagedFileError, match="inflates to more than"):
        archive.read_member(f"{path}!/big.txt")


def test_a_password_protected_rar_member_is_an_encrypted_file(tmp_path):
    path = tmp_path / "secret.rar"
    path.write_bytes(rar4([("a.txt", "收入".encode())], encrypted=True))
    with pytest.raises(EncryptedFileError, match="RAR"):
        archive.read_member(f"{path}!/a.txt")


def test_a_rar_cut_short_is_a_damaged_member_named_in_the_error(tmp_path):
    path = tmp_path / "cut.rar"
    data = rar4([("a.txt", "收入支出决算总表".encode() * 50)])
    path.write_bytes(data[:len(data) - 300])
    assert archive.expand(str(path)) == [f"{path}!/a.txt"]
    with pytest.raises(DamagedFileError, match="damaged member of a RAR archive") as caught:
        read_document(f"{path}!/a.txt")
    assert caught.value.path == f"{path}!/a.txt"
