"""Fixtures in every format a crawl meets, built from the seed: LibreOffice conversions, web pages, scans, archives.

Nothing here is copied from ``../shared``: each builder takes the seed (or a real
PDF) by path and makes the file in a temporary folder.  Builders that need
LibreOffice or OCR skip the test with the reason when those are not installed.
"""

from __future__ import annotations

import io
import quopri
import shutil
import struct
import subprocess
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SEED_DIR = ROOT.parent / "shared" / "samples" / "seed"
SEED = SEED_DIR / "xiqu-zhengfawei-2020-juesuan"


def seed(suffix: str) -> Path:
    path = SEED.with_suffix(f".{suffix}")
    if not path.exists():
        pytest.skip(f"seed sample not found at {path}")
    return path


def need_soffice() -> str:
    from decextract.readers import office

    program = office.soffice()
    if program is None:
        pytest.skip(f"LibreOffice is not installed ({office.INSTALL})")
    return program


def need_ocr() -> None:
    from decextract.readers import ocr

    why = ocr.unavailable()
    if why:
        pytest.skip(why)


def libreoffice(src: Path, target: str, outdir: Path) -> Path:
    """``src`` converted by LibreOffice to ``target`` (an extension: doc, html, xls …) in ``outdir``."""
    program = need_soffice()
    outdir.mkdir(parents=True, exist_ok=True)
    profile = outdir / ".profile"
    subprocess.run([program, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore",
                    "--convert-to", target, "--outdir", str(outdir), str(src)],
                   check=True, capture_output=True, timeout=180)
    out = outdir / f"{src.stem}.{target.split(':')[0]}"
    assert out.exists(), f"LibreOffice made no {out.name}"
    shutil.rmtree(profile, ignore_errors=True)
    return out


def mhtml(html: bytes, charset: str = "gb2312") -> bytes:
    """A saved web page (MHTML, as a browser or Word writes it): the page quoted-printable in ``charset``."""
    text = html.decode("utf-8")
    body = quopri.encodestring(text.replace('charset=utf-8', f'charset={charset}').encode(charset, "replace"))
    return (b"MIME-Version: 1.0\r\n"
            b"Content-Type: multipart/related; boundary=\"----=_NextPart_01\"; type=\"text/html\"\r\n\r\n"
            b"------=_NextPart_01\r\n"
            + f"Content-Type: text/html; charset=\"{charset}\"\r\n".encode()
            + b"Content-Transfer-Encoding: quoted-printable\r\n"
            b"Content-Location: file:///C:/page.htm\r\n\r\n"
            + body + b"\r\n------=_NextPart_01--\r\n")


def scanned_pdf(src: Path, out: Path, dpi: int = 150, pages: range | None = None, tilt: float = 0.0) -> Path:
    """``src``'s pages rendered to grey images and wrapped as an image-only PDF (no text layer); with ``tilt``,
    each page turned by that many degrees (counter-clockwise: lines climb to the right) as a page fed crooked
    through a scanner."""
    import pypdfium2 as pdfium
    from PIL import Image

    pdf = pdfium.PdfDocument(str(src))
    numbers = pages if pages is not None else range(1, len(pdf) + 1)
    images = [pdf[n - 1].render(scale=dpi / 72, grayscale=True).to_pil() for n in numbers]
    if tilt:
        images = [im.rotate(tilt, resample=Image.BILINEAR, fillcolor=255) for im in images]
    images[0].save(out, save_all=True, append_images=images[1:], resolution=dpi)
    pdf.close()
    return out


class GbkName(zipfile.ZipInfo):
    """A ZIP member whose name is stored in GBK without the UTF-8 flag, as Chinese Windows writes it."""

    def _encodeFilenameFlags(self):  # noqa: N802 (zipfile's name)
        return self.filename.encode("gbk"), self.flag_bits & ~0x800


def zip_of(members: dict[str, bytes], gbk: bool = True) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, payload in members.items():
            info = GbkName(name) if gbk else zipfile.ZipInfo(name)
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, payload)
    return buf.getvalue()


def ole_file(streams: dict[str, bytes]) -> bytes:
    """A minimal OLE2 compound file holding ``streams`` (each padded to 4096 bytes, so none is a mini stream).

    Enough for format detection: real Word/Excel/PowerPoint files are told apart
    by these stream names.
    """
    sector = 512
    free, end, fat_sect, nostream = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFF
    payloads = [data.ljust(max(4096, -(-len(data) // sector) * sector), b"\0") for data in streams.values()]
    n_dir = -(-(len(streams) + 1) // 4)
    chain: list[int] = []
    first_data = 1 + n_dir
    starts = []
    position = first_data
    for payload in payloads:
        count = len(payload) // sector
        starts.append(position)
        chain += [position + k + 1 for k in range(count - 1)] + [end]
        position += count
    fat = [fat_sect] + [k + 2 for k in range(n_dir - 1)] + [end] + chain
    assert len(fat) <= sector // 4, "too many sectors for one FAT sector"
    fat += [free] * (sector // 4 - len(fat))

    def entry(name: str, kind: int, child: int, start: int, size: int, right: int = nostream) -> bytes:
        encoded = (name + "\0").encode("utf-16-le")
        return (encoded.ljust(64, b"\0") + struct.pack("<HBB", len(encoded), kind, 1)
                + struct.pack("<III", nostream, right, child) + b"\0" * 16 + b"\0" * 4 + b"\0" * 16
                + struct.pack("<IQ", start, size))

    names = list(streams)
    entries = [entry("Root Entry", 5, 1 if names else nostream, end, 0)]
    for k, name in enumerate(names):  # a chain of right siblings under the root
        entries.append(entry(name, 2, nostream, starts[k], len(streams[name]),
                             right=k + 2 if k + 1 < len(names) else nostream))
    entries += [b"\0" * 64 + struct.pack("<HBB", 0, 0, 0) + struct.pack("<III", nostream, nostream, nostream)
                + b"\0" * 52] * (4 * n_dir - len(entries))
    header = (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 16 + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6)
              + b"\0" * 6 + struct.pack("<IIIIIIIII", 0, 1, 1, 0, 4096, end, 0, end, 0)
              + struct.pack("<I", 0) + struct.pack("<I", free) * 108)
    return header + struct.pack(f"<{sector // 4}I", *fat) + b"".join(entries) + b"".join(payloads)


def performance_xlsx(docx_path: Path) -> bytes:
    """The seed's performance tables laid out in one sheet as a spreadsheet would hold them: each table's
    title as a merged row above it, merged cells as merged ranges."""
    import openpyxl

    from decextract.readers import read_document

    doc = read_document(docx_path)
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "绩效表"
    row = 1
    for table in doc.tables():
        ws.cell(row=row, column=1, value="项目绩效目标完成情况表")
        ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=table.n_cols)
        ws.cell(row=row + 1, column=1, value="（2020年度）")
        ws.cell(row=row + 2, column=1, value="单位：万元")
        row += 3
        for cell in table.cells:
            ws.cell(row=row + cell.row, column=1 + cell.col, value=cell.text or None)
            if cell.rowspan > 1 or cell.colspan > 1:
                ws.merge_cells(start_row=row + cell.row, start_column=1 + cell.col,
                               end_row=row + cell.row + cell.rowspan - 1, end_column=cell.col + cell.colspan)
        row += table.n_rows + 1
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
