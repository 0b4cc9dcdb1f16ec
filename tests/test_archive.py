"""Archives: every member its own document named archive!/member, GBK names, nesting, limits, a crawl-like folder."""

from __future__ import annotations

import json

import pytest
from fixtures_formats import ole_file, seed, zip_of

from decextract import extract
from decextract.batch import discover, run_batch
from decextract.errors import DamagedFileError, EncryptedFileError, UnsupportedFormatError
from decextract.readers import archive, read_document
from decextract.sinks import open_sinks


@pytest.fixture
def seed_zip(tmp_path):
    inner = zip_of({"内层/说明.txt": seed("txt").read_bytes()})
    path = tmp_path / "决算材料.zip"
    path.write_bytes(zip_of({
        "2020年/西区政法委2020年部门决算.docx": seed("docx").read_bytes(),
        "2020年/西区政法委2020年部门决算.pdf": seed("pdf").read_bytes(),
        "附件.zip": inner,
        "__MACOSX/._附件.zip": b"resource fork",
        ".DS_Store": b"\0\0\0\1Bud1",
    }))
    return path


def test_members_are_listed_with_their_gbk_names_decoded(seed_zip):
    assert archive.is_archive(str(seed_zip))
    assert archive.expand(str(seed_zip)) == [
        f"{seed_zip}!/2020年/西区政法委2020年部门决算.docx",
        f"{seed_zip}!/2020年/西区政法委2020年部门决算.pdf",
        f"{seed_zip}!/附件.zip!/内层/说明.txt",
    ]


def test_a_member_reads_as_its_own_document(seed_zip):
    member = f"{seed_zip}!/附件.zip!/内层/说明.txt"
    doc = read_document(member)
    assert doc.source == member and doc.format == "txt"
    assert doc.sha256 == read_document(seed("txt")).sha256
    figure = next(r for r in extract(member) if r.TYPE == "figure")
    assert figure.prov.source == member


def test_reading_an_archive_as_one_document_says_how_members_are_read(seed_zip):
    with pytest.raises(UnsupportedFormatError, match="members are read one by one"):
        read_document(seed_zip)


def test_batch_loads_every_member(seed_zip, tmp_path):
    out = tmp_path / "out.jsonl"
    sinks = open_sinks(jsonl=str(out))
    summary = run_batch([seed_zip], sinks, workers=1, progress=False)
    for sink in sinks:
        sink.close()
    assert (summary.total, summary.succeeded, summary.failed) == (3, 3, 0)
    sources = {json.loads(line)["source"] for line in out.read_text("utf-8").splitlines()
               if json.loads(line).get("type") == "document"}
    assert sources == set(archive.expand(str(seed_zip)))


def test_cli_extract_expands_archives(seed_zip):
    from click.testing import CliRunner

    from decextract.cli import cli

    result = CliRunner().invoke(cli, ["extract", str(seed_zip)])
    assert result.exit_code == 0, result.output
    documents = [json.loads(line) for line in result.output.splitlines() if '"type":"document"' in line]
    assert [d["source"].split("!/", 1)[1] for d in documents] == [
        "2020年/西区政法委2020年部门决算.docx", "2020年/西区政法委2020年部门决算.pdf", "附件.zip!/内层/说明.txt"]


def test_utf8_flagged_names_stay_as_written(tmp_path):
    path = tmp_path / "u.zip"
    path.write_bytes(zip_of({"预算/说明.txt": b"x"}, gbk=False))
    assert archive.expand(str(path)) == [f"{path}!/预算/说明.txt"]


def test_an_archive_bomb_member_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(archive, "MAX_MEMBER_BYTES", 1000)
    path = tmp_path / "bomb.zip"
    path.write_bytes(zip_of({"big.txt": b"0" * 5000, "small.txt": "收入".encode()}))
    with pytest.raises(DamagedFileError, match="inflates to more than"):
        archive.read_member(f"{path}!/big.txt")
    assert read_document(f"{path}!/small.txt").format == "txt"


def test_too_many_members_make_the_archive_one_error(tmp_path, monkeypatch):
    monkeypatch.setattr(archive, "MAX_MEMBERS", 3)
    path = tmp_path / "many.zip"
    path.write_bytes(zip_of({f"{k}.txt": b"x" for k in range(5)}))
    assert archive.expand(str(path)) == [str(path)]


def test_a_password_protected_member_is_an_encrypted_file(tmp_path):
    path = tmp_path / "secret.zip"
    data = bytearray(zip_of({"a.txt": b"hello"}, gbk=False))
    data[6] |= 0x1  # the local header's flag bits: encrypted
    central = data.rfind(b"PK\x01\x02")
    data[central + 8] |= 0x1
    path.write_bytes(bytes(data))
    with pytest.raises(EncryptedFileError):
        archive.read_member(f"{path}!/a.txt")


def test_a_rar_or_7z_that_cannot_be_read_is_an_error_with_a_reason(tmp_path):
    rar = tmp_path / "a.rar"
    rar.write_bytes(b"Rar!\x1a\x07\x00" + b"\x00" * 64)
    seven = tmp_path / "b.7z"
    seven.write_bytes(b"7z\xbc\xaf\x27\x1c" + b"\x00" * 64)
    for path in (rar, seven):
        assert archive.expand(str(path)) == [str(path)]  # cannot be listed: read as itself, to report why
        with pytest.raises((UnsupportedFormatError, DamagedFileError)) as err:
            read_document(path)
        assert path.name in str(err.value)


def test_7z_members_are_read(tmp_path):
    py7zr = pytest.importorskip("py7zr", reason="7z archives need py7zr (pip install 'decextract[archives]')")
    path = tmp_path / "a.7z"
    with py7zr.SevenZipFile(path, "w") as z:
        z.writestr(seed("txt").read_bytes(), "决算/说明.txt")
    assert archive.expand(str(path)) == [f"{path}!/决算/说明.txt"]
    assert read_document(f"{path}!/决算/说明.txt").format == "txt"


# --- a crawl-like folder -------------------------------------------------------------------------------------------

def test_every_file_of_a_crawl_like_folder_is_loaded_or_an_error_with_a_reason(tmp_path, monkeypatch):
    """All supported formats (as the crawl meets them) and unsupported ones: each file ends loaded or in
    errors with a reason; nothing loads empty without a warning."""
    monkeypatch.setenv("DECEXTRACT_OCR", "0")  # OCR is tested on its own; here: the scan must warn
    from fixtures_formats import libreoffice, mhtml, scanned_pdf
    from test_formats import PAGE

    crawl = tmp_path / "crawl"
    crawl.mkdir()
    (crawl / "seed.txt").write_bytes(seed("txt").read_bytes())
    (crawl / "seed.docx").write_bytes(seed("docx").read_bytes())
    (crawl / "seed.pdf").write_bytes(seed("pdf").read_bytes())
    (crawl / "page.html").write_bytes(PAGE.encode("gb2312"))
    (crawl / "page.mht").write_bytes(mhtml(PAGE.encode("utf-8").replace(b"gb2312", b"utf-8")))
    (crawl / "news.html").write_bytes("<html><body><p>区领导调研春耕生产工作。</p></body></html>".encode())
    (crawl / "bundle.zip").write_bytes(zip_of({"材料/说明.txt": seed("txt").read_bytes()}))
    scanned_pdf(seed("pdf"), crawl / "scan.pdf", dpi=40, pages=range(1, 3))
    (crawl / "slides.ppt").write_bytes(ole_file({"PowerPoint Document": b"p", "Current User": b"u"}))
    (crawl / "photo.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 200)
    (crawl / "a.rar").write_bytes(b"Rar!\x1a\x07\x00" + b"\0" * 64)
    (crawl / "empty.pdf").write_bytes(b"")
    (crawl / "broken.docx").write_bytes(seed("docx").read_bytes()[:300])
    (crawl / "404.pdf").write_bytes(b"<!DOCTYPE html><html><body>404 Not Found</body></html>")
    try:
        libreoffice(seed("docx"), "doc", crawl)
    except pytest.skip.Exception:
        pass  # without LibreOffice the crawl has no .doc; its refusal is tested in test_formats
    db = tmp_path / "crawl.sqlite"
    sinks = open_sinks(db=f"sqlite:///{db}")
    summary = run_batch([crawl], sinks, workers=2, progress=False)
    for sink in sinks:
        sink.close()

    import sqlite3

    con = sqlite3.connect(db)
    loaded = {path: (fmt, json.loads(warnings or "[]"), n) for path, fmt, warnings, n in con.execute(
        "select s.path, d.format, d.warnings_json, d.n_records from sources s join documents d using (sha256)")}
    errors = {path: message for path, message in con.execute("select path, message from errors")}
    files = discover([crawl])
    assert summary.total == len(files)
    assert set(loaded) | set(errors) == set(files), "every file is loaded or an error"
    assert not set(loaded) & set(errors)
    for path, message in errors.items():
        assert message and len(message) >= 5, (path, message)
    for path, (_, warnings, _) in loaded.items():
        figures = con.execute("select count(*) from figures f join sources s using (sha256) where s.path = ?",
                              (path,)).fetchone()[0]
        assert figures or warnings, f"{path} loaded with no figures and no warning"
    name = {p.rsplit("/", 1)[-1]: p for p in files}
    assert {"no_text_pages"} <= {w["code"] for w in loaded[name["scan.pdf"]][1]}
    assert "not_a_disclosure" in {w["code"] for w in loaded[name["news.html"]][1]}
    for bad in ("slides.ppt", "photo.png", "a.rar", "empty.pdf", "broken.docx", "404.pdf"):
        assert name[bad] in errors, bad
    assert "PowerPoint" in errors[name["slides.ppt"]] and "image" in errors[name["photo.png"]]
    assert loaded[f"{crawl}/bundle.zip!/材料/说明.txt"][0] == "txt"
