"""The pipeline end to end: any input gives records or a DecExtractError, never a crash."""

from __future__ import annotations

import io
import zipfile

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from decextract import DecExtractError
from decextract.errors import DamagedFileError, ExtractionError
from decextract.pipeline import records_of
from decextract.readers import read_bytes
from decextract.records import to_json

_TEXT = st.text(alphabet=st.sampled_from(list("2020年收入支出合计万元%％，。；：、其中占增加减少一二三（）()\t\n 0123456789.-余个人")),
                max_size=300)


def _run(data: bytes) -> None:
    try:
        doc = read_bytes(data, "fuzz")
    except DecExtractError as exc:
        assert "fuzz" in str(exc)
        return
    for record in records_of(doc):
        to_json(record)  # every record serialises


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_TEXT)
def test_any_text_gives_records(text):
    _run(text.encode("utf-8"))


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=400))
def test_any_bytes_give_records_or_a_clear_error(data):
    _run(data)


@settings(max_examples=40, deadline=None)
@given(st.binary(max_size=300))
def test_garbage_behind_a_pdf_or_zip_header_is_a_clear_error(tail):
    _run(b"%PDF-1.7\n" + tail)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("word/document.xml", tail)
    _run(buf.getvalue())


def test_a_zip_the_zipfile_module_cannot_handle_is_a_damaged_file():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("word/document.xml", "<w:document/>")
    data = bytearray(buf.getvalue())
    data[data.find(b"PK\x01\x02") + 6] = 99  # "made by" a zip version the module refuses
    with pytest.raises(DamagedFileError, match="v.docx"):
        read_bytes(bytes(data), "v.docx")


def test_a_failure_inside_extraction_is_reported_against_the_file(monkeypatch, tmp_path):
    import decextract.pipeline as pipeline

    def broken(doc, year):
        raise KeyError("boom")

    monkeypatch.setattr(pipeline, "figures_of", broken)
    path = tmp_path / "a.txt"
    path.write_text("2020年收入10万元。", encoding="utf-8")
    with pytest.raises(ExtractionError, match="a.txt.*KeyError") as err:
        pipeline.extract(path)
    assert isinstance(err.value, DecExtractError)
