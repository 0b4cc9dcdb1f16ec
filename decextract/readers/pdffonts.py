"""Text PDFium leaves out of its text page when a font is neither embedded nor on the machine.

A PDF may name a Chinese font without embedding it (STSong-Light, SimSun: the reader's own fonts are to
draw it).  On a machine with no Chinese font at all (a bare server or container) PDFium still maps the
codes to Unicode, but a text object holding a single such character is missing from its text page, so
column headers (类 | 款 | 项), spaced titles and office exports that draw each character as its own object
lose their text without a word (PDFium cannot tell their text or box either: the object holds no
character it can read).  Whether this machine is one of those is found once, on a one-character PDF
built here (:func:`drops_lone_characters`); only there is each page's list of text objects compared with
its characters (:func:`has_dropped_text`; text in form XObjects too), and on a page that lost text
pdfminer's characters, which need no font to map the codes, are added where PDFium has none
(:meth:`~decextract.readers.pagecheck.PageReview.lost_text`).

Not found: a Chinese font whose descriptor is not flagged symbolic (producers usually flag it), and lost
characters on a page whose crop box is not its media box (pdfminer's boxes would not line up with PDFium's).
"""

from __future__ import annotations

import functools

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from . import pdfraw

_SYMBOLIC = 4  # a font descriptor's flag: glyphs outside the standard Latin set


def _probe_pdf() -> bytes:
    """A page with one text object, 类, in the non-embedded Adobe-GB1 font STSong-Light."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 100] /Resources << /Font << /F1 4 0 R >> >> "
        b"/Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type0 /BaseFont /STSong-Light /Encoding /UniGB-UCS2-H "
        b"/DescendantFonts [<< /Type /Font /Subtype /CIDFontType0 /BaseFont /STSong-Light "
        b"/CIDSystemInfo << /Registry (Adobe) /Ordering (GB1) /Supplement 2 >> /DW 1000 "
        b"/FontDescriptor << /Type /FontDescriptor /FontName /STSong-Light /Flags 6 "
        b"/FontBBox [-25 -254 1000 880] /ItalicAngle 0 /Ascent 752 /Descent -271 /CapHeight 737 "
        b"/StemV 58 >> >>] >>",
    ]
    content = b"BT /F1 12 Tf 20 50 Td <7C7B> Tj ET"
    objects.append(b"<< /Length %d >>\nstream\n%s\nendstream" % (len(content), content))
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for k, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (k, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


@functools.cache
def drops_lone_characters() -> bool:
    """Whether PDFium, on this machine, leaves a lone character of a non-embedded Chinese font out of the
    text page (no Chinese font installed).  Found once per process."""
    pdf = pdfium.PdfDocument(_probe_pdf())
    try:
        page = pdf[0]
        textpage = page.get_textpage()
        n = pdfium_c.FPDFText_CountChars(textpage)
        found = textpage.get_text_range(0, n) if n > 0 else ""
        textpage.close()
        page.close()
    finally:
        pdf.close()
    return "类" not in found


def has_dropped_text(textpage, n_chars: int, texts: list) -> bool:
    """Whether one of the page's text objects (in form XObjects too), in a font that is neither embedded
    nor Latin (flagged symbolic, as producers flag Chinese fonts), has none of the text page's ``n_chars``
    characters (PDFium makes an object only for shown text, but one of spaces in a Latin font has no
    character either; one of spaces in a Chinese font is a false alarm, settled by the characters compared).
    ``texts``: the page's text objects, as the walk over its objects for the ruling lines collects them
    (readers/pdftables.painted_paths)."""
    suspects = _suspects(texts)
    if not suspects:
        return False
    tp = pdfraw.handle(textpage)
    taken = {pdfraw.get_text_object(tp, i) for i in range(n_chars)}
    return any(obj not in taken for obj in suspects)


def _suspects(texts: list) -> list[int]:
    """The addresses of those of ``texts`` in a font neither embedded nor Latin."""
    get_font = pdfraw.text_object_get_font
    fonts: dict = {}  # (a page has few fonts)
    out = []
    for obj in texts:
        font = get_font(obj)
        unusual = fonts.get(font.value)
        if unusual is None:
            unusual = fonts[font.value] = bool(font) and not pdfraw.font_is_embedded(font) and bool(
                pdfraw.font_get_flags(font) & _SYMBOLIC)
        if unusual:
            out.append(obj.value)
    return out
