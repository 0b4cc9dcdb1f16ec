"""Format detection from a file's bytes, never from its name."""

from __future__ import annotations

import io
import os
import re
import zipfile

from ..errors import DamagedFileError, EncryptedFileError, UnsupportedFormatError
from .text import utf16_without_bom

_HTML = re.compile(rb"\s*(?:\xef\xbb\xbf)?\s*<(?:!doctype\s+html|html|head|body)\b", re.IGNORECASE)
_BINARY_SUFFIXES = frozenset({".pdf", ".docx", ".xlsx", ".doc", ".xls", ".wps", ".et", ".zip"})
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # legacy .doc/.xls, and encrypted OOXML


def sniff(data: bytes, source: str) -> str:
    """Return ``"pdf"``, ``"docx"``, ``"xlsx"`` or ``"txt"``; raise a clear error otherwise."""
    if not data.strip():
        raise UnsupportedFormatError("empty file", path=source)
    head = data[:1024]
    if b"%PDF-" in head:
        return "pdf"
    if data.startswith(b"PK\x03\x04"):
        try:
            names = set(zipfile.ZipFile(io.BytesIO(data)).namelist())
        except zipfile.BadZipFile as exc:
            raise DamagedFileError(f"damaged ZIP container: {exc}", path=source) from exc
        if "word/document.xml" in names:
            return "docx"
        if "xl/workbook.xml" in names:
            return "xlsx"
        raise UnsupportedFormatError("ZIP archive that is neither a Word (.docx) nor an Excel (.xlsx) file",
                                     path=source)
    if data.startswith(_OLE):
        if b"E\x00n\x00c\x00r\x00y\x00p\x00t\x00e\x00d\x00P\x00a\x00c\x00k\x00a\x00g\x00e" in data:
            raise EncryptedFileError("password-protected Office file", path=source)
        raise UnsupportedFormatError("legacy binary Office file (.doc/.xls): save it as .docx/.xlsx", path=source)
    if _looks_like_text(head):
        if _HTML.match(head):
            raise UnsupportedFormatError("an HTML page (a web page or a failed download), not a disclosure file",
                                         path=source)
        suffix = os.path.splitext(source)[1].lower()
        if suffix in _BINARY_SUFFIXES:  # the bytes decide the format, but text named .pdf is a broken download
            raise UnsupportedFormatError(f"named {suffix} but holds text, not a {suffix[1:].upper()} file",
                                         path=source)
        return "txt"
    raise UnsupportedFormatError("not a PDF, DOCX, XLSX or text file", path=source)


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
