"""Images of pages (a scan or photo saved as PNG, JPEG, TIFF, BMP, GIF or WebP): read by OCR as a PDF of them.

A crawl brings disclosures published as pictures — a table photographed or scanned and posted as a JPEG,
a multi-page TIFF from a scanner.  Each frame of the image becomes one page of an image-only PDF, built in
memory with Pillow at :data:`decextract.readers.ocr.DPI` (so the page renders back pixel for pixel for OCR),
and that PDF is read by the PDF reader: the pages are OCR'd, tables rebuilt from their ruling lines, every
record marked ``prov.ocr`` with its confidence.  The document keeps the image's own format
(``Document.format == "jpeg"``) and says what it was read as (``converted == "pdf"``, carried into every
record's ``prov.converted``); ``prov.page`` is the frame's number, boxes are in points at that resolution.

Without the OCR engine (``pip install 'decextract[ocr]'``) the document has no text and says why in a
``no_text`` warning, like a scanned PDF.  An image over :data:`MAX_PIXELS` pixels per frame, or of more than
:data:`MAX_FRAMES` frames, is refused (a decompression bomb, or not a page).
"""

from __future__ import annotations

import io
import warnings

import attrs

from ..errors import DamagedFileError, DecExtractError, FileTooLargeError
from ..model import Document

#: the formats sniff names, and Pillow's names for them
FORMATS = {"png": "PNG", "jpeg": "JPEG", "tiff": "TIFF", "bmp": "BMP", "gif": "GIF", "webp": "WEBP"}
MAX_PIXELS = 60_000_000  # an A0 page at 300 dpi is 140 M; a phone photo 12–50 M; Pillow's own bomb limit is 89 M
MAX_FRAMES = 500


def read(data: bytes, source: str, sha256: str) -> Document:
    """OCR the frames of the image in ``data`` as the pages of a PDF."""
    from . import pdf
    from .sniff import sniff

    fmt = sniff(data, source)
    doc = pdf.read(image_pdf(data, source), source, sha256)
    return attrs.evolve(doc, format=fmt, converted="pdf")


def image_pdf(data: bytes, source: str) -> bytes:
    """An image-only PDF with one page per frame of the image in ``data``, each at the OCR resolution."""
    from PIL import Image, ImageSequence

    from .ocr import DPI

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            frames = []
            for n, frame in enumerate(ImageSequence.Iterator(image), 1):
                if n > MAX_FRAMES:
                    raise FileTooLargeError(f"an image of more than {MAX_FRAMES} frames, not a document",
                                            path=source)
                if frame.width * frame.height > MAX_PIXELS:
                    raise FileTooLargeError(f"frame {n} is {frame.width}×{frame.height} pixels, over the "
                                            f"limit of {MAX_PIXELS:,} for a page image", path=source)
                frames.append(_page_image(frame))
            out = io.BytesIO()
            frames[0].save(out, "PDF", resolution=float(DPI), save_all=True, append_images=frames[1:])
    except DecExtractError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise FileTooLargeError(f"an image too large to be a page: {exc}", path=source) from exc
    except (OSError, ValueError, SyntaxError, EOFError) as exc:
        raise DamagedFileError(f"cannot read the image: {exc}", path=source) from exc
    return out.getvalue()


def _page_image(frame):
    """The frame as Pillow writes it into a PDF: grey or RGB, transparency on white."""
    if frame.mode in ("1", "L", "RGB", "CMYK"):
        return frame.copy()
    if frame.mode in ("LA", "RGBA", "PA") or "transparency" in frame.info:
        from PIL import Image

        rgba = frame.convert("RGBA")
        page = Image.new("RGB", rgba.size, "white")
        page.paste(rgba, mask=rgba.getchannel("A"))
        return page
    return frame.convert("RGB")
