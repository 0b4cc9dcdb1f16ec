"""Format detection from a file's bytes, never from its name.

:func:`sniff` names the format a reader takes (see :data:`decextract.readers.READERS`):

- ``pdf``; ``docx`` / ``xlsx`` / ``odt`` / ``ods`` (ZIP packages told apart by their members);
  ``zip``, ``rar``, ``7z`` (archives: each member is read as its own document, see
  :mod:`decextract.readers.archive`);
- OLE2 compound files told apart by their streams: ``doc`` (a ``WordDocument``
  stream), ``xls`` (``Workbook`` or ``Book``), and the same written by Kingsoft
  WPS Office — ``wps`` and ``et`` — when the summary names WPS or Kingsoft as the
  creating application (or Microsoft Works' ``CONTENTS`` stream for ``wps``);
- ``html`` (a web page, or a Word/Excel file saved as a web page) and ``mhtml``
  (a saved page: a MIME ``multipart/related`` message) by their content; ``rtf``;
- ``png``, ``jpeg``, ``tiff``, ``bmp``, ``gif``, ``webp``: pictures of pages, read by OCR;
- ``txt`` for anything else that reads as text.

Everything else is refused with a reason a person can act on: presentations,
OFD, encrypted Office files, a web page saved under a binary format's
name (a failed download), binary junk.
"""

from __future__ import annotations

import io
import os
import re
import zipfile

from ..errors import DamagedFileError, EncryptedFileError, UnsupportedFormatError
from .text import utf16_without_bom

_HTML = re.compile(
    rb"""\s*(?:\xef\xbb\xbf)?\s*
    (?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*
    <(?:!doctype\s+html|html|head|body|meta|title|div|table|p|h[1-6])\b""",
    re.IGNORECASE | re.VERBOSE | re.DOTALL,
)
_MHTML_HEADERS = re.compile(rb"\A(?:[\x21-\x39\x3b-\x7e]+:[^\r\n]*\r?\n(?:[ \t][^\r\n]*\r?\n)*){1,40}", re.ASCII)
_MULTIPART = re.compile(rb"^content-type:\s*multipart/related", re.IGNORECASE | re.MULTILINE)
_BINARY_SUFFIXES = frozenset({".pdf", ".docx", ".xlsx", ".doc", ".xls", ".wps", ".et", ".zip", ".rar", ".7z"})
_OFFICE_AS_WEB_PAGE = frozenset({".doc", ".xls", ".wps", ".et"})  # Word/Excel/WPS save web pages under these names
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # legacy .doc/.xls/.wps/.et/.ppt, and encrypted OOXML
_ENCRYPTED_PACKAGE = "EncryptedPackage".encode("utf-16-le")
_KINGSOFT = re.compile(rb"wps|kingsoft|\xbd\xf0\xc9\xbd", re.IGNORECASE)  # 金山 in GBK

#: leading bytes of image formats: pages as pictures, read by OCR (:mod:`decextract.readers.image`)
_IMAGES = {
    b"\x89PNG\r\n\x1a\n": "png", b"\xff\xd8\xff": "jpeg", b"GIF87a": "gif", b"GIF89a": "gif",
    b"II*\x00": "tiff", b"MM\x00*": "tiff", b"BM": "bmp", b"RIFF": "webp",
}
_ARCHIVES = {b"Rar!\x1a\x07": "rar", b"7z\xbc\xaf\x27\x1c": "7z"}


def sniff(data: bytes, source: str) -> str:
    """The format of ``data`` (see the module docstring); raise a clear error otherwise."""
    if not data.strip():
        raise UnsupportedFormatError("empty file", path=source)
    head = data[:1024]
    if b"%PDF-" in head:
        return "pdf"
    if data.startswith(b"PK\x03\x04") or data.startswith(b"PK\x05\x06"):
        return _zip_format(data, source)
    for magic, fmt in _ARCHIVES.items():
        if data.startswith(magic):
            return fmt
    if data.startswith(_OLE):
        return _ole_format(data, source)
    if data.startswith(b"{\\rtf"):
        return "rtf"
    for magic, name in _IMAGES.items():
        if data.startswith(magic) and (name != "webp" or data[8:12] == b"WEBP") and (
                name != "bmp" or data[6:10] == b"\x00\x00\x00\x00"):
            return name
    if _is_mhtml(data):
        return "mhtml"
    if _looks_like_text(head):
        suffix = os.path.splitext(source)[1].lower()
        if _HTML.match(head):
            if suffix in _BINARY_SUFFIXES and suffix not in _OFFICE_AS_WEB_PAGE:
                raise UnsupportedFormatError(f"named {suffix} but holds an HTML page (a web page or a failed "
                                             "download), not the file", path=source)
            return "html"
        if suffix in _BINARY_SUFFIXES:  # the bytes decide the format, but text named .pdf is a broken download
            raise UnsupportedFormatError(f"named {suffix} but holds text, not a {suffix[1:].upper()} file",
                                         path=source)
        return "txt"
    raise UnsupportedFormatError("not a format decextract reads (PDF, Word, Excel, WPS, web page, text or an "
                                 "archive of them)", path=source)


def _zip_format(data: bytes, source: str) -> str:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        names = set(archive.namelist())
        mimetype = archive.read("mimetype")[:100].strip() if "mimetype" in names else b""
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, RuntimeError, ValueError) as exc:
        raise DamagedFileError(f"damaged ZIP container: {exc}", path=source) from exc
    if "word/document.xml" in names:
        return "docx"
    if "xl/workbook.xml" in names:
        return "xlsx"
    if mimetype == b"application/vnd.oasis.opendocument.text" and "content.xml" in names:
        return "odt"
    if mimetype == b"application/vnd.oasis.opendocument.spreadsheet" and "content.xml" in names:
        return "ods"
    if "ppt/presentation.xml" in names or mimetype.startswith(b"application/vnd.oasis.opendocument.presentation"):
        raise UnsupportedFormatError("a presentation (PowerPoint or Impress), not a disclosure document",
                                     path=source)
    if "OFD.xml" in names:
        raise UnsupportedFormatError("an OFD document (China's fixed-layout format): convert it to PDF first",
                                     path=source)
    if mimetype or "[Content_Types].xml" in names:
        raise UnsupportedFormatError("an office package that is neither a Word (.docx) nor an Excel (.xlsx) file",
                                     path=source)
    return "zip"


def _ole_format(data: bytes, source: str) -> str:
    """``doc``, ``wps``, ``xls`` or ``et`` from the streams of an OLE2 compound file."""
    import olefile

    if _ENCRYPTED_PACKAGE in data:
        raise EncryptedFileError("password-protected Office file", path=source)
    try:
        ole = olefile.OleFileIO(io.BytesIO(data))
    except Exception as exc:  # olefile raises OSError, struct errors, IndexError … on a damaged directory
        raise DamagedFileError(f"damaged OLE2 (legacy Office) file: {type(exc).__name__}: {exc}",
                               path=source) from exc
    try:
        streams = {"/".join(entry).lower() for entry in ole.listdir(streams=True, storages=True)}
        if "encryptedpackage" in streams:
            raise EncryptedFileError("password-protected Office file", path=source)
        kingsoft = bool(_KINGSOFT.search(_creator(ole))) or any("wps" in s or "kso" in s for s in streams)
    finally:
        ole.close()
    if "worddocument" in streams:
        return "wps" if kingsoft else "doc"
    if "workbook" in streams or "book" in streams:
        return "et" if kingsoft else "xls"
    if "contents" in streams and ("mn0" in streams or kingsoft):
        return "wps"  # Microsoft Works / early WPS word processor
    if "powerpoint document" in streams:
        raise UnsupportedFormatError("a PowerPoint presentation (.ppt), not a disclosure document", path=source)
    raise UnsupportedFormatError("an OLE2 compound file that is neither a Word, Excel nor WPS document",
                                 path=source)


def _creator(ole) -> bytes:
    """The creating application named in the summary streams (bytes, as stored), or b""."""
    try:
        meta = ole.get_metadata()
    except Exception:  # a damaged summary stream says nothing about the format
        return b""
    found = [getattr(meta, name, None) for name in ("creating_application", "company", "author")]
    return b" ".join(v if isinstance(v, bytes) else str(v).encode() for v in found if v)


def _is_mhtml(data: bytes) -> bool:
    """A MIME message (header lines at the very start) whose type is ``multipart/related``."""
    headers = _MHTML_HEADERS.match(data[:8192])
    return bool(headers and _MULTIPART.search(headers.group(0)))


def _looks_like_text(head: bytes) -> bool:
    """Text has no NUL bytes and few C0 control characters besides tab, CR, LF, FF.

    UTF-16 with a byte-order mark, or with the NUL pattern of UTF-16 without one,
    is text too (its ASCII characters carry NUL bytes); whether it really
    decodes is the text reader's call.
    """
    if head.startswith((b"\xff\xfe", b"\xfe\xff")) or utf16_without_bom(head):
        return True
    if b"\x00" in head:
        return False
    controls = sum(1 for b in head if b < 32 and b not in (9, 10, 12, 13, 27))
    return controls <= len(head) // 100
