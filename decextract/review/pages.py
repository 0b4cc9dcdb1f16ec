"""PDF pages as pictures (PDFium), with the marks of the records drawn over them (Pillow).

Coordinates: a mark's box is in PDF points with a top-left origin on the page as displayed (crop box,
/Rotate applied) — the convention of every bbox decextract emits — so a point ``(x, y)`` is the pixel
``(x * scale, y * scale)`` of a page rendered at ``scale = dpi / 72``.
"""

from __future__ import annotations

import io
import os
from collections.abc import Iterator, Sequence

from ..errors import DamagedFileError, DecExtractError, EncryptedFileError
from .marks import Mark, page_marks

DEFAULT_DPI = 110


class PdfPages:
    """The pages of one PDF file, rendered on demand; use as a context manager."""

    def __init__(self, path: str | os.PathLike):
        import pypdfium2 as pdfium

        self.path = os.fspath(path)
        try:
            self._pdf = pdfium.PdfDocument(self.path)
        except pdfium.PdfiumError as exc:
            message = str(exc)
            if "password" in message.lower():
                raise EncryptedFileError("password-protected PDF", path=self.path) from exc
            raise DamagedFileError(f"PDFium cannot open it: {message}", path=self.path) from exc
        self.count = len(self._pdf)

    def size(self, page: int) -> tuple[float, float]:
        """Width and height in points of the 1-based ``page`` as displayed."""
        return tuple(self._pdf[page - 1].get_size())

    def render(self, page: int, dpi: int = DEFAULT_DPI):
        """The 1-based ``page`` as an RGB Pillow image at ``dpi``."""
        if not 1 <= page <= self.count:
            raise DecExtractError(f"no page {page}: the PDF has {self.count} page(s)", path=self.path)
        pdf_page = self._pdf[page - 1]
        try:
            return pdf_page.render(scale=dpi / 72, may_draw_forms=True).to_pil().convert("RGB")
        finally:
            pdf_page.close()

    def close(self) -> None:
        self._pdf.close()

    def __enter__(self) -> PdfPages:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def draw_marks(image, marks: Sequence[Mark], dpi: int = DEFAULT_DPI, width: int = 2):
    """``image`` (a rendered page) with each mark's box drawn: an outline in the mark's colour and a
    light fill, failed checks and warnings in red on top."""
    from PIL import Image, ImageDraw

    scale = dpi / 72
    base = image.convert("RGBA")
    layer = Image.new("RGBA", base.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(layer)
    for mark in marks:
        if mark.bbox is None:
            continue
        x0, top, x1, bottom = (round(v * scale) for v in mark.bbox)
        colour = _rgb(mark.colour)
        pad = width  # the outline sits just outside the glyphs, so the text stays readable
        draw.rectangle((x0 - pad, top - pad, x1 + pad, bottom + pad), fill=(*colour, 40), outline=(*colour, 255),
                       width=width)
    return Image.alpha_composite(base, layer).convert("RGB")


def _rgb(hex_colour: str) -> tuple[int, int, int]:
    value = hex_colour.lstrip("#")
    return int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16)


def page_png(pages: PdfPages, page: int, marks: Sequence[Mark], dpi: int = DEFAULT_DPI) -> bytes:
    """PNG bytes of ``page`` with the marks on it drawn."""
    image = draw_marks(pages.render(page, dpi), page_marks(marks, page), dpi)
    buf = io.BytesIO()
    image.save(buf, format="PNG", optimize=True)
    return buf.getvalue()


def encoded_pages(pages: PdfPages, numbers: Sequence[int], dpi: int = DEFAULT_DPI,
                  colours: int = 32) -> Iterator[tuple[int, str, bytes, tuple[float, float]]]:
    """For each page number: (page, MIME type, PNG bytes of the page without marks, size in points).

    A palette of ``colours`` keeps text sharp (no JPEG ringing) at a quarter of a full-colour PNG's
    size; the review report draws the marks itself.
    """
    for page in numbers:
        image = pages.render(page, dpi).quantize(colours)
        buf = io.BytesIO()
        image.save(buf, format="PNG", optimize=True)
        yield page, "image/png", buf.getvalue(), pages.size(page)
