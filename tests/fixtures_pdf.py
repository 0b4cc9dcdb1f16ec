"""PDF fixtures built by hand for the tests: a password-protected PDF needs no tool to make it."""

from __future__ import annotations

import hashlib

_PAD = bytes.fromhex("28bf4e5e4e758a4164004e56fffa01082e2e00b6d0683e802f0ca9fe6453697a")


def _rc4(key: bytes, data: bytes) -> bytes:
    s = list(range(256))
    j = 0
    for i in range(256):
        j = (j + s[i] + key[i % len(key)]) % 256
        s[i], s[j] = s[j], s[i]
    out, i, j = bytearray(), 0, 0
    for byte in data:
        i = (i + 1) % 256
        j = (j + s[i]) % 256
        s[i], s[j] = s[j], s[i]
        out.append(byte ^ s[(s[i] + s[j]) % 256])
    return bytes(out)


def encrypted_pdf(user_password: bytes = b"secret", owner_password: bytes = b"owner") -> bytes:
    """A one-page PDF under the standard security handler (RC4, 40-bit, revision 2)."""
    doc_id = hashlib.md5(b"decextract").digest()
    p = -44  # permissions
    owner = _rc4(hashlib.md5((owner_password + _PAD)[:32]).digest()[:5], (user_password + _PAD)[:32])
    key = hashlib.md5((user_password + _PAD)[:32] + owner + p.to_bytes(4, "little", signed=True) + doc_id).digest()[:5]
    user = _rc4(key, _PAD)
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>",
        b"<< /Filter /Standard /V 1 /R 2 /O <" + owner.hex().encode() + b"> /U <" + user.hex().encode()
        + b"> /P " + str(p).encode() + b" >>",
    ]
    trailer = b"/Encrypt 4 0 R /ID [<%s> <%s>] " % (doc_id.hex().encode(), doc_id.hex().encode())
    return build_pdf(objects, trailer_extra=trailer, header=b"%PDF-1.4\n")


def build_pdf(objects: list[bytes], *, root: int = 1, trailer_extra: bytes = b"",
              header: bytes = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n") -> bytes:
    """A PDF of ``objects`` (numbered from 1) with a correct xref table."""
    out = bytearray(header)
    offsets = []
    for n, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % n + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % off for off in offsets)
    out += b"trailer\n<< /Size %d /Root %d 0 R %s>>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1, root, trailer_extra, xref)
    return bytes(out)


# ---------------------------------------------------------------------------------------------------------------
# PDFs with Chinese text, drawn with reportlab's built-in CID font (STSong-Light: nothing embedded, PDFium maps
# its characters back to Unicode through the Adobe-GB1 CMap)

#: a page: texts (x, top, size, text) and ruling lines (x0, top0, x1, top1), in points from the top-left corner
Page = dict


def cjk_pdf(pages: list[Page], size: tuple[float, float] = (595, 842)) -> bytes:
    """A PDF of ``pages``, each with ``texts`` and ``lines`` placed as displayed (top-left origin)."""
    import io

    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    if "STSong-Light" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    buf = io.BytesIO()
    pdf = canvas.Canvas(buf, pagesize=size)
    height = size[1]
    for page in pages:
        pdf.setLineWidth(0.5)
        for x0, top0, x1, top1 in page.get("lines", ()):
            pdf.line(x0, height - top0, x1, height - top1)
        for x, top, font_size, text in page.get("texts", ()):
            pdf.setFont("STSong-Light", font_size)
            pdf.drawString(x, height - top - font_size * 0.88, text)  # the baseline: the glyphs' top at ``top``
        pdf.showPage()
    pdf.save()
    return buf.getvalue()


def ruled_rows(xs: list[float], top: float, rows: list[list[str]], height: float = 20, size: float = 9,
               top_rule: bool = True) -> Page:
    """A ruled table: a column line at every x, a row ``height`` points high per row, each cell's text inset.

    A cell text ``None`` leaves the slot to the cell on its left (no column line between them in that row).
    ``top_rule=False`` leaves the table open above its first row (a continuation page).
    """
    texts, lines = [], []
    bottom = top + height * len(rows)
    for k in range(len(rows) + 1):
        if k or top_rule:
            lines.append((xs[0], top + k * height, xs[-1], top + k * height))
    for r, row in enumerate(rows):
        y = top + r * height
        for c, text in enumerate(row):
            if text is None:
                continue
            if c:
                lines.append((xs[c], y, xs[c], y + height))
            if text:
                texts.append((xs[c] + 3, y + (height - size) / 2, size, text))
    lines += [(xs[0], top, xs[0], bottom), (xs[-1], top, xs[-1], bottom)]
    return {"texts": texts, "lines": lines}


def page(*parts: Page) -> Page:
    """One page of several parts (captions, tables)."""
    return {"texts": [t for p in parts for t in p.get("texts", ())], "lines": [ln for p in parts for ln in p.get("lines", ())]}


def text(x: float, top: float, size: float, line: str) -> Page:
    return {"texts": [(x, top, size, line)]}
