"""Pictures of pages (PNG, JPEG, multi-page TIFF …) are read by OCR as the pages of a PDF.

Fixtures: pages of the seed PDF rendered to images, as a crawl meets disclosures posted as pictures.  The
figures OCR finds on them are compared with the seed PDF's own (text layer) figures of the same pages."""

from __future__ import annotations

import io

import pytest
from fixtures_formats import seed

from decextract import extract
from decextract.errors import DamagedFileError, FileTooLargeError
from decextract.readers import image, read_bytes
from decextract.readers.sniff import sniff

PIL = pytest.importorskip("PIL.Image", reason="images are read with Pillow")


def _pages(numbers: tuple[int, ...], dpi: int = 150) -> list:
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(str(seed("pdf")))
    try:
        return [pdf[n - 1].render(scale=dpi / 72, grayscale=True).to_pil() for n in numbers]
    finally:
        pdf.close()


def _saved(frames: list, fmt: str, **options) -> bytes:
    out = io.BytesIO()
    frames[0].save(out, fmt, save_all=len(frames) > 1, append_images=frames[1:], **options)
    return out.getvalue()


def _seed_figures(pages: dict[int, int]) -> list[tuple]:
    """(frame, value, text) of the seed PDF's figures on ``pages`` {seed page: frame number}."""
    return [(pages[f.prov.page], f.value, f.text) for f in extract(seed("pdf"))
            if f.TYPE == "figure" and f.prov.page in pages]


@pytest.mark.parametrize("data, fmt", [
    (b"\x89PNG\r\n\x1a\n", "png"), (b"\xff\xd8\xff\xe0", "jpeg"), (b"II*\x00", "tiff"), (b"MM\x00*", "tiff"),
    (b"GIF89a", "gif"), (b"RIFF\0\0\0\0WEBPVP8 ", "webp"), (b"BM\0\0\0\0\0\0\0\0", "bmp"),
])
def test_image_formats_are_told_from_their_bytes(data, fmt):
    assert sniff(data + b"\0" * 64, "x") == fmt


def test_each_frame_becomes_a_page_rendering_back_pixel_for_pixel():
    import pypdfium2 as pdfium

    frames = [PIL.new("L", (300, 450), 255), PIL.new("L", (600, 150), 0)]
    pdf = pdfium.PdfDocument(image.image_pdf(_saved(frames, "TIFF"), "x.tif"))
    try:
        from decextract.readers.ocr import DPI

        assert [tuple(round(v * DPI / 72) for v in pdf[i].get_size()) for i in range(len(pdf))] == [
            (300, 450), (600, 150)]
    finally:
        pdf.close()


def test_transparent_pixels_are_white_paper():
    rgba = PIL.new("RGBA", (20, 20), (0, 0, 0, 0))
    page = image._page_image(rgba)
    assert page.mode == "RGB" and page.getpixel((5, 5)) == (255, 255, 255)


def test_a_damaged_image_is_an_error_naming_the_file():
    with pytest.raises(DamagedFileError, match="cannot read the image") as caught:
        read_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 100, "scan.png")
    assert caught.value.path == "scan.png"


def test_an_image_too_large_for_a_page_is_refused(monkeypatch):
    monkeypatch.setattr(image, "MAX_PIXELS", 10_000)
    with pytest.raises(FileTooLargeError, match="over the limit"):
        read_bytes(_saved([PIL.new("L", (200, 200), 255)], "PNG"), "big.png")


def test_without_ocr_an_image_has_no_text_and_says_so(monkeypatch):
    monkeypatch.setenv("DECEXTRACT_OCR", "0")
    doc = read_bytes(_saved(_pages((4,)), "PNG"), "p4.png")
    assert (doc.format, doc.converted, doc.pages) == ("png", "pdf", 1)
    notice = next(n for n in doc.warnings if n.code == "no_text_pages")
    assert notice.pages == (1,) and "DECEXTRACT_OCR=0" in notice.message


@pytest.fixture(scope="module")
def ocr_engine():
    from decextract.readers import ocr

    why = ocr.unavailable()
    if why:
        pytest.skip(why)


@pytest.mark.parametrize("fmt, numbers, options", [
    ("PNG", (4,), {}),
    ("TIFF", (2, 3), {"compression": "tiff_deflate"}),  # a multi-page scan
])
def test_figures_of_a_page_image_are_the_pages_own(ocr_engine, tmp_path, fmt, numbers, options):
    path = tmp_path / f"scan.{fmt.lower()}"
    path.write_bytes(_saved(_pages(numbers), fmt, **options))
    records = list(extract(path))
    (doc,) = [r for r in records if r.TYPE == "document"]
    assert (doc.format, doc.converted, doc.pages) == (fmt.lower(), "pdf", len(numbers))
    assert "ocr_pages" in {w.code for w in doc.warnings}
    got = [(f.prov.page, f.value, f.text) for f in records if f.TYPE == "figure"]
    want = _seed_figures({n: k for k, n in enumerate(numbers, 1)})
    found = sum(1 for w in want if w in got)
    assert found >= 0.95 * len(want), (found, len(want))
    assert sum(1 for g in got if g in want) >= 0.95 * len(got), (got, want)
    for f in records:
        if f.TYPE == "figure":
            assert f.prov.ocr and f.prov.converted == "pdf" and f.prov.source == str(path)
            assert f.prov.context[f.prov.start:f.prov.end] == f.text
