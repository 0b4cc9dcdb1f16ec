"""Builders of hostile and damaged inputs, and a seeded generator of a whole hostile corpus.

Each builder returns the bytes of one file of a class a crawl of government
sites brings: decompression bombs, grids of a billion cells, numbering that
counts from 1e15, megabyte lines of digits, text that no output can encode,
XML that points outside the file, PDFs whose structure loops.  Only the
standard library and the project's own dependencies are used.
:func:`make_corpus` writes at least 150 of them, plus fuzzed copies of the seed
and real files and the special files (FIFOs, links to devices, names that are
not UTF-8), into one folder, deterministically from a seed.
"""

from __future__ import annotations

import io
import os
import random
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path

from fixtures_pdf import build_pdf, encrypted_pdf

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "samples"
SEED = "xiqu-zhengfawei-2020-juesuan"
SHARED = ROOT.parent / "shared" / "samples"

# ---------------------------------------------------------------- PDF


def pdf(objects: list[bytes], **options) -> bytes:
    """A PDF of ``objects`` (numbered from 1) with a correct xref table."""
    return build_pdf(objects, **options)


def stream(data: bytes, extra: bytes = b"") -> bytes:
    return b"<< /Length %d %s>>\nstream\n" % (len(data), extra) + data + b"\nendstream"


def one_page_pdf(content: bytes, *, font: bytes = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
                 extra_objects: list[bytes] = (), page_extra: bytes = b"", catalog_extra: bytes = b"") -> bytes:
    """A one-page PDF showing ``content`` (a content stream) with font /F1 (object 5)."""
    return pdf([
        b"<< /Type /Catalog /Pages 2 0 R %s>>" % catalog_extra,
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> %s>>" % page_extra,
        stream(content),
        font,
        *extra_objects,
    ])


def _tounicode(pairs: dict[int, str]) -> bytes:
    lines = b"".join(b"<%02X> <%s>\n" % (code, target.encode()) for code, target in pairs.items())
    return (b"/CIDInit /ProcSet findresource begin 12 dict begin begincmap /CMapName /X def\n"
            b"1 begincodespacerange <00> <FF> endcodespacerange\n%d beginbfchar\n" % len(pairs)
            + lines + b"endbfchar endcmap CMapName currentdict /CMap defineresource pop end end")


def pdf_lone_surrogate(target: str = "D800") -> bytes:
    """A PDF whose font maps the letter A to a lone UTF-16 surrogate: text no output can encode."""
    font = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /ToUnicode 6 0 R >>"
    return one_page_pdf(b"BT /F1 24 Tf 72 700 Td (A 12.5% A 30%) Tj ET", font=font,
                        extra_objects=[stream(_tounicode({0x41: target}))])


def pdf_flate_bomb(mb: int) -> bytes:
    """A one-page PDF whose content stream inflates to ``mb`` megabytes of spaces (about mb kB on disk)."""
    c = zlib.compressobj(6)
    chunk = b" " * (1 << 20)
    data = b"".join(c.compress(chunk) for _ in range(mb)) + c.flush()
    return pdf([
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << >> >>",
        stream(data, b"/Filter /FlateDecode "),
    ])


def pdf_double_flate_bomb(mb: int) -> bytes:
    """A content stream compressed twice: a few kB that inflate to ``mb`` megabytes."""
    inner = zlib.compress(b" " * (mb << 20), 9)
    return pdf([
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << >> >>",
        stream(zlib.compress(inner, 9), b"/Filter [/FlateDecode /FlateDecode] "),
    ])


def pdf_kids_loop() -> bytes:
    return pdf([b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [2 0 R] /Count 1 >>"])


def pdf_xref_loop() -> bytes:
    """An xref whose /Prev points at itself."""
    body = one_page_pdf(b"BT /F1 12 Tf 72 700 Td (2020) Tj ET")
    xref_at = body.rindex(b"xref")
    return body.replace(b"trailer\n<< ", b"trailer\n<< /Prev %d " % xref_at)


def pdf_actions() -> bytes:
    """OpenAction JavaScript, a launch action and a URI: a reader must run none of them."""
    return one_page_pdf(
        b"BT /F1 12 Tf 72 700 Td (2020 100) Tj ET",
        catalog_extra=b"/OpenAction << /S /JavaScript /JS (app.launchURL\\('http://127.0.0.1:9/x'\\)) >> "
                      b"/AA << /WC << /S /Launch /F (/bin/sh) >> >> ",
        page_extra=b"/Annots [<< /Type /Annot /Subtype /Link /Rect [0 0 100 100] "
                   b"/A << /S /URI /URI (http://127.0.0.1:9/beacon) >> >>]")


def pdf_many_pages(n: int) -> bytes:
    kids = b" ".join(b"3 0 R" for _ in range(n))
    return pdf([b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, n),
                b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>"])


def pdf_huge_count() -> bytes:
    return pdf([b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1000000000 >>",
                b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 1e9 1e9] >>"])


# ---------------------------------------------------------------- ZIP containers: DOCX and XLSX

_CT_DOCX = ('<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
            'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
            'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName='
            '"/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.'
            'document.main+xml"/>{extra}</Types>')
_RELS = ('<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
         'relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
         'relationships/officeDocument" Target="word/document.xml"/></Relationships>')
W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'


def docx(body: str, *, numbering: str | None = None, prolog: str = "", doc_rels: str | None = None) -> bytes:
    """A minimal DOCX whose body is ``body`` (WordprocessingML inside ``w:body``)."""
    extra = ('<Override PartName="/word/numbering.xml" ContentType="application/vnd.openxmlformats-officedocument.'
             'wordprocessingml.numbering+xml"/>') if numbering else ""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", _CT_DOCX.format(extra=extra))
        z.writestr("_rels/.rels", _RELS)
        z.writestr("word/document.xml", f'<?xml version="1.0" encoding="UTF-8"?>{prolog}'
                                        f'<w:document {W}><w:body>{body}</w:body></w:document>')
        rels = doc_rels or ""
        if numbering:
            rels += ('<Relationship Id="rIdNum" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
                     'relationships/numbering" Target="numbering.xml"/>')
            z.writestr("word/numbering.xml", f'<?xml version="1.0" encoding="UTF-8"?><w:numbering {W}>'
                                             f'{numbering}</w:numbering>')
        z.writestr("word/_rels/document.xml.rels", '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns='
                   f'"http://schemas.openxmlformats.org/package/2006/relationships">{rels}</Relationships>')
    return buf.getvalue()


def para(text: str, num: tuple[int, int] | None = None) -> str:
    ppr = f'<w:pPr><w:numPr><w:ilvl w:val="{num[1]}"/><w:numId w:val="{num[0]}"/></w:numPr></w:pPr>' if num else ""
    return f"<w:p>{ppr}<w:r><w:t>{text}</w:t></w:r></w:p>"


def docx_numbering(fmt: str, start: str) -> bytes:
    """A list counting from ``start`` in format ``fmt`` (upperRoman, upperLetter …)."""
    numbering = (f'<w:abstractNum w:abstractNumId="0"><w:lvl w:ilvl="0"><w:start w:val="{start}"/>'
                 f'<w:numFmt w:val="{fmt}"/><w:lvlText w:val="%1、"/></w:lvl></w:abstractNum>'
                 '<w:num w:numId="1"><w:abstractNumId w:val="0"/></w:num>')
    body = "".join(para(f"第{i}项支出{i}.5万元。", (1, 0)) for i in range(3))
    return docx(body, numbering=numbering)


def docx_grid(before: str = "0", span: str = "1", grid: bool = False) -> bytes:
    """A table whose row skips ``before`` grid columns and whose cell spans ``span`` of them."""
    grid_xml = "<w:tblGrid><w:gridCol/><w:gridCol/></w:tblGrid>" if grid else ""
    row = (f'<w:tr><w:trPr><w:gridBefore w:val="{before}"/></w:trPr><w:tc><w:tcPr><w:gridSpan w:val="{span}"/>'
           '</w:tcPr><w:p><w:r><w:t>合计</w:t></w:r></w:p></w:tc><w:tc><w:p><w:r><w:t>12.5</w:t></w:r></w:p></w:tc>'
           '</w:tr>')
    plain = '<w:tr><w:tc><w:p><w:r><w:t>项目</w:t></w:r></w:p></w:tc><w:tc><w:p><w:r><w:t>金额</w:t></w:r></w:p></w:tc></w:tr>'
    return docx(para("收入支出决算总表") + f"<w:tbl>{grid_xml}{plain}{row}{plain}</w:tbl>")


def docx_xxe(target: str) -> bytes:
    """document.xml declaring an external entity (``file:///etc/passwd``, ``http://…``) and using it."""
    prolog = f'<!DOCTYPE w:document [<!ENTITY xxe SYSTEM "{target}">]>'
    return docx(para("&xxe;") + para("收入10万元。"), prolog=prolog)


def docx_billion_laughs() -> bytes:
    ents = '<!ENTITY a0 "lol">' + "".join(f'<!ENTITY a{i} "{("&a" + str(i - 1) + ";") * 10}">' for i in range(1, 10))
    return docx(para("&a9;"), prolog=f"<!DOCTYPE w:document [{ents}]>")


def docx_external_dtd() -> bytes:
    return docx(para("收入10万元。"), prolog='<!DOCTYPE w:document SYSTEM "http://127.0.0.1:9/evil.dtd">')


def docx_external_image() -> bytes:
    """An image relationship whose target is an external URL (TargetMode=External)."""
    rel = ('<Relationship Id="rIdImg" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/image"'
           ' Target="http://127.0.0.1:9/beacon.png" TargetMode="External"/>')
    return docx(para("收入10万元。"), doc_rels=rel)


def zip_bomb(mb: int, *, part: str = "word/document.xml", lie: bool = False) -> bytes:
    """A DOCX (or, with ``part="xl/workbook.xml"``, an XLSX) whose ``part`` inflates to ``mb`` megabytes;
    with ``lie`` its headers declare 1 kB instead."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as z:
        z.writestr("[Content_Types].xml", _CT_DOCX.format(extra=""))
        z.writestr("_rels/.rels", _RELS.replace("word/document.xml", part))
        with z.open(part, "w", force_zip64=True) as f:
            f.write(f'<?xml version="1.0"?><w:document {W}><w:body><w:p><w:r><w:t>'.encode())
            chunk = b"A" * (1 << 20)
            for _ in range(mb):
                f.write(chunk)
    data = buf.getvalue()
    return _declare_small(data, part.encode()) if lie else data


def _declare_small(data: bytes, name: bytes) -> bytes:
    out = bytearray(data)
    for sig, size_at in ((b"PK\x01\x02", 24), (b"PK\x03\x04", 22)):
        pos = 0
        while (pos := out.find(sig, pos)) >= 0:
            n_at = 46 if sig == b"PK\x01\x02" else 30
            length = int.from_bytes(out[pos + (28 if sig == b"PK\x01\x02" else 26):][:2], "little")
            if out[pos + n_at:pos + n_at + length] == name:
                out[pos + size_at:pos + size_at + 4] = (1024).to_bytes(4, "little")
            pos += 4
    return bytes(out)


def xlsx(sheet_xml: str, *, shared: list[str] = ()) -> bytes:
    """A minimal XLSX with one sheet whose ``<worksheet>`` content is ``sheet_xml``."""
    ns = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
    rns = 'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/'
                   'package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxml'
                   'formats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
                   '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
                   'officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" '
                   'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
                   '<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-'
                   'officedocument.spreadsheetml.sharedStrings+xml"/></Types>')
        z.writestr("_rels/.rels", _RELS.replace("word/document.xml", "xl/workbook.xml"))
        z.writestr("xl/workbook.xml", f'<?xml version="1.0"?><workbook {ns} {rns}><sheets><sheet name="表1" '
                   'sheetId="1" r:id="rId1"/></sheets></workbook>')
        z.writestr("xl/_rels/workbook.xml.rels", '<?xml version="1.0"?><Relationships xmlns="http://schemas.'
                   'openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.'
                   'openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
                   '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
                   'relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>')
        z.writestr("xl/sharedStrings.xml", f'<?xml version="1.0"?><sst {ns}>'
                   + "".join(f"<si><t>{s}</t></si>" for s in shared) + "</sst>")
        z.writestr("xl/worksheets/sheet1.xml", f'<?xml version="1.0"?><worksheet {ns}>{sheet_xml}</worksheet>')
    return buf.getvalue()


def _cell(ref: str, value: str | float) -> str:
    if isinstance(value, str):
        return f'<c r="{ref}" t="inlineStr"><is><t>{value}</t></is></c>'
    return f'<c r="{ref}"><v>{value}</v></c>'


def xlsx_merged(ref: str = "A1:XFD1048576") -> bytes:
    """A sheet with a title cell merged over ``ref`` (the whole sheet by default)."""
    return xlsx(f'<sheetData><row r="1">{_cell("A1", "收入支出决算总表")}</row>'
                f'<row r="2">{_cell("A2", "合计")}{_cell("B2", 12.5)}</row></sheetData>'
                f'<mergeCells count="1"><mergeCell ref="{ref}"/></mergeCells>')


def xlsx_sparse(rows: int = 300) -> bytes:
    """Values in columns A and XFD of ``rows`` rows: one table 16384 columns wide if read naively."""
    data = "".join(f'<row r="{r}">{_cell(f"A{r}", f"项目{r}")}{_cell(f"B{r}", r * 1.5)}{_cell(f"XFD{r}", r)}</row>'
                   for r in range(1, rows + 1))
    return xlsx(f"<sheetData>{data}</sheetData>")


# ---------------------------------------------------------------- text


def text_line(alphabet: str, mb: float, rng: random.Random) -> bytes:
    """One line of ``mb`` megabytes drawn from ``alphabet`` (digits, commas, 万 …)."""
    n = int(mb * (1 << 20) / max(len(ch.encode()) for ch in alphabet))
    return "".join(rng.choice(alphabet) for _ in range(min(n, 4096))).encode() * (n // 4096 + 1)


SEED_LINE = "2020年本年收入合计350.01万元，其中：一般公共预算财政拨款收入339.84万元，占97.09%。\n"


# ---------------------------------------------------------------- fuzzing


def flip(data: bytes, rng: random.Random, flips: int) -> bytes:
    """``data`` with ``flips`` random bytes changed."""
    out = bytearray(data)
    for _ in range(flips):
        out[rng.randrange(len(out))] = rng.randrange(256)
    return bytes(out)


def mangle(data: bytes, rng: random.Random) -> bytes:
    """One of: bytes flipped, cut short, a chunk deleted, a chunk repeated."""
    kind = rng.randrange(4)
    if kind == 0:
        return flip(data, rng, rng.choice([1, 2, 5, 20, 200]))
    if kind == 1:
        return data[:rng.randrange(16, len(data))]
    a, b = sorted(rng.randrange(len(data)) for _ in range(2))
    if kind == 2:
        return data[:a] + data[b:]
    return data[:b] + data[a:b] + data[b:]


# ---------------------------------------------------------------- the corpus


def _crafted(rng: random.Random) -> list[tuple[str, Callable[[], bytes]]]:
    """(file name, builder) of every crafted hostile file."""
    seed_txt = (SAMPLES / f"{SEED}.txt").read_bytes()
    text = seed_txt.decode("utf-8")
    items: list[tuple[str, Callable[[], bytes]]] = [
        ("enc-surrogate-d800.pdf", lambda: pdf_lone_surrogate("D800")),
        ("enc-surrogate-dfff.pdf", lambda: pdf_lone_surrogate("DFFF")),
        ("enc-surrogate-pair-split.pdf", lambda: pdf_lone_surrogate("DC00")),
        ("enc-utf16le-no-bom.txt", lambda: text.encode("utf-16-le")),
        ("enc-utf16be-no-bom.txt", lambda: text.encode("utf-16-be")),
        ("enc-utf16-bom-odd.txt", lambda: text.encode("utf-16")[:-1]),
        ("enc-cut-last-char.txt", lambda: seed_txt.rstrip() + "收".encode()[:2]),
        ("enc-gb18030.txt", lambda: text.encode("gb18030")),
        ("enc-gb18030-cut.txt", lambda: text.encode("gb18030")[:-1]),
        ("enc-nul-bytes.txt", lambda: seed_txt.replace(b"\n", b"\x00\n", 5)),
        ("enc-controls.txt", lambda: bytes(range(1, 32)) * 100),
        ("enc-private-use.txt", lambda: ("\ue000\ue001收入" * 500).encode()),
        ("enc-bidi-override.txt", lambda: ("\u202e收入350.01万元\u202c。\n" * 50).encode()),
        ("sql-injection.txt", lambda: ("'; DROP TABLE documents; -- 收入10万元。\n"
                                       "Robert'); DELETE FROM figures;-- 支出5万元。\n").encode() + seed_txt),
        ("zipbomb-1g.docx", lambda: zip_bomb(1024)),
        ("zipbomb-lying-header.docx", lambda: zip_bomb(600, lie=True)),
        ("zipbomb-300m.xlsx", lambda: zip_bomb(300, part="xl/workbook.xml")),
        ("xlsx-merged-whole-sheet.xlsx", lambda: xlsx_merged()),
        ("xlsx-merged-wide.xlsx", lambda: xlsx_merged("A1:XFD2")),
        ("xlsx-merged-tall.xlsx", lambda: xlsx_merged("A1:B1048576")),
        ("xlsx-sparse-far-columns.xlsx", lambda: xlsx_sparse(300)),
        ("xlsx-far-corner.xlsx", lambda: xlsx(f'<sheetData><row r="1">{_cell("A1", "收入")}</row>'
                                              f'<row r="1048576">{_cell("XFD1048576", 1)}</row></sheetData>')),
        ("xlsx-dimension-lie.xlsx", lambda: xlsx('<dimension ref="A1:XFD1048576"/><sheetData><row r="1">'
                                                 f'{_cell("A1", "收入")}{_cell("B1", 2.5)}</row></sheetData>')),
        ("docx-gridbefore-1e9.docx", lambda: docx_grid(before="1000000000")),
        ("docx-gridspan-1e9.docx", lambda: docx_grid(span="1000000000")),
        ("docx-gridspan-1e9-grid.docx", lambda: docx_grid(span="1000000000", grid=True)),
        ("docx-gridspan-exp.docx", lambda: docx_grid(span="1e9")),
        ("docx-gridbefore-negative.docx", lambda: docx_grid(before="-5")),
        ("docx-numbering-start-1e11-roman.docx", lambda: docx_numbering("upperRoman", "100000000000")),
        ("docx-numbering-start-1e15-roman.docx", lambda: docx_numbering("lowerRoman", "1000000000000000")),
        ("docx-numbering-start-1e11-letter.docx", lambda: docx_numbering("upperLetter", "100000000000")),
        ("docx-numbering-start-1e11-chinese.docx", lambda: docx_numbering("chineseCounting", "100000000000")),
        ("docx-numbering-start-exp.docx", lambda: docx_numbering("decimal", "1e11")),
        ("docx-numbering-start-negative.docx", lambda: docx_numbering("decimalEnclosedCircle", "-7")),
        ("docx-xxe-file.docx", lambda: docx_xxe("file:///etc/passwd")),
        ("docx-xxe-http.docx", lambda: docx_xxe("http://127.0.0.1:9/xxe")),
        ("docx-billion-laughs.docx", docx_billion_laughs),
        ("docx-external-dtd.docx", docx_external_dtd),
        ("docx-external-image.docx", docx_external_image),
        ("pdf-flate-bomb-1g.pdf", lambda: pdf_flate_bomb(1024)),
        ("pdf-flate-bomb-200m.pdf", lambda: pdf_flate_bomb(200)),
        ("pdf-double-flate-bomb-2g.pdf", lambda: pdf_double_flate_bomb(2048)),
        ("pdf-kids-loop.pdf", pdf_kids_loop),
        ("pdf-xref-loop.pdf", pdf_xref_loop),
        ("pdf-actions.pdf", pdf_actions),
        ("pdf-many-pages.pdf", lambda: pdf_many_pages(3000)),
        ("pdf-huge-count.pdf", pdf_huge_count),
        ("pdf-header-only.pdf", lambda: b"%PDF-1.7\n"),
        ("pdf-garbage.pdf", lambda: b"%PDF-1.7\n" + rng.randbytes(5000)),
        ("pdf-encrypted.pdf", encrypted_pdf),
        ("line-digits-2mb.txt", lambda: text_line("0123456789", 2, rng)),
        ("line-commas-2mb.txt", lambda: text_line("1,", 2, rng)),
        ("line-wan-1mb.txt", lambda: text_line("万", 1, rng)),
        ("line-digits-wan-1mb.txt", lambda: text_line("0123456789,.万亿元%", 1, rng)),
        ("line-chinese-numerals-512k.txt", lambda: text_line("一二三四五六七八九十百千万亿零点", 0.5, rng)),
        ("line-parens-1mb.txt", lambda: text_line("（(）)", 1, rng)),
        ("line-figures-1mb.txt", lambda: SEED_LINE.strip().encode() * 3000),
        ("line-roman-heading.txt", lambda: ("M" * 300000 + "、收入\n").encode()),
        ("line-minus-minus.txt", lambda: "收入--339.84万元，支出－－5万元。\n".encode()),
        ("html-as-pdf.pdf", lambda: b"<!DOCTYPE html><html><body>404</body></html>"),
        ("empty.txt", lambda: b""),
        ("whitespace.txt", lambda: b" \n\t\n" * 100),
        ("random-noise.bin", lambda: rng.randbytes(4096)),
        ("zip-not-office.docx", lambda: _plain_zip()),
        ("ole-legacy.doc", lambda: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + rng.randbytes(2000)),
    ]
    return items


def _plain_zip() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("readme.txt", "收入10万元")
    return buf.getvalue()


def fuzz_sources() -> list[Path]:
    """The files fuzzed copies are made of: the seed (DOCX, PDF) and the real PDFs beside the checkout."""
    paths = [SAMPLES / f"{SEED}.pdf", SAMPLES / f"{SEED}.docx"]
    real = SHARED / "real"
    if real.is_dir():
        paths += sorted(p for p in real.glob("*.pdf") if p.stat().st_size < 400_000)
    return paths


def make_corpus(folder: Path, *, seed: int = 10, fuzzed: int = 80, specials: bool = True) -> dict[str, str]:
    """Write the hostile corpus into ``folder``; return {file name: class} of every file written.

    ``fuzzed`` mangled copies are spread over :func:`fuzz_sources`.  The seed
    files themselves are copied in too (they must load).  With ``specials``,
    a FIFO, links to /dev/zero and /dev/urandom and out of the tree, a link loop, a
    dangling link, a linked folder inside and one outside the tree, names with a
    newline and with GBK bytes are added.
    """
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    written: dict[str, str] = {}
    for name, build in _crafted(rng):
        (folder / name).write_bytes(build())
        written[name] = name.split("-", 1)[0]
    sources = fuzz_sources()
    for i in range(fuzzed):
        src = sources[i % len(sources)]
        name = f"fuzz-{i:03d}-{src.stem[:24]}{src.suffix}"
        (folder / name).write_bytes(mangle(src.read_bytes(), rng))
        written[name] = "fuzz"
    for suffix in ("txt", "docx", "pdf"):
        name = f"seed.{suffix}"
        (folder / name).write_bytes((SAMPLES / f"{SEED}.{suffix}").read_bytes())
        written[name] = "seed"
    if specials:
        written.update(make_specials(folder))
    return written


def make_specials(folder: Path) -> dict[str, str]:
    """Special files and names (see :func:`make_corpus`); {name: class}."""
    out: dict[str, str] = {}
    outside = folder.parent / f"{folder.name}-outside"
    outside.mkdir(exist_ok=True)
    (outside / "secret.txt").write_text("2020年收入999万元。", encoding="utf-8")
    os.mkfifo(folder / "special-fifo.txt")
    for name, target in [("special-dev-zero.pdf", "/dev/zero"), ("special-dev-urandom.txt", "/dev/urandom"),
                         ("special-outside-link.txt", str(outside / "secret.txt")),
                         ("special-dangling.pdf", str(folder / "no-such-file.pdf"))]:
        os.symlink(target, folder / name)
    os.symlink(folder / "special-loop-b", folder / "special-loop-a")
    os.symlink(folder / "special-loop-a", folder / "special-loop-b")
    inner = folder / "sub"
    inner.mkdir()
    (inner / "inner.txt").write_bytes((SAMPLES / f"{SEED}.txt").read_bytes() + "\n附注：子目录。\n".encode())
    os.symlink(inner, folder / "special-linked-folder-inside")
    os.symlink(outside, folder / "special-linked-folder-outside")
    os.symlink(folder, inner / "special-loop-to-parent")
    out.update({n: "special" for n in ["special-fifo.txt", "special-dev-zero.pdf", "special-dev-urandom.txt",
                                       "special-outside-link.txt", "special-dangling.pdf", "special-loop-a",
                                       "special-loop-b", "special-linked-folder-outside"]})
    out["sub/inner.txt"] = "seed"
    text = (SAMPLES / f"{SEED}.txt").read_bytes()
    newline = "name-with\nnewline-and-\x1b[31mescape.txt"
    (folder / newline).write_bytes(text + "\n附注：换行。\n".encode())
    out[newline] = "name"
    gbk = os.fsdecode(b"name-gbk-" + "收入决算".encode("gbk") + b".txt")
    (folder / gbk).write_bytes(text + "\n附注：GBK文件名。\n".encode())
    out[gbk] = "name"
    quote = "name-'quoted\"-; DROP TABLE sources;.txt"
    (folder / quote).write_bytes(text + "\n附注：引号。\n".encode())
    out[quote] = "name"
    return out
