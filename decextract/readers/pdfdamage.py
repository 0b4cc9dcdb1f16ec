"""Damage to a PDF's structure that PDFium reads past in silence.

PDFium opens most damaged files: it rebuilds a broken cross-reference table by scanning
for objects, and a compressed stream that stops inflating half-way gives whatever came
out before the fault (a font that lost glyphs, a page that lost half its text).  The
document then loads with fewer records than it holds and nothing would say so.  Two
cheap signals name it:

- ``repaired_file``: the cross-reference table was not valid and PDFium rebuilt it
  (``FPDF_DocumentHasValidCrossReferenceTable``); objects may be missing or stale;
- ``damaged_streams``: a ``/FlateDecode`` stream that zlib refuses or that ends before
  its compressed data does (a flipped or cut byte), counted by the reader boundary in the
  same pass that checks for decompression bombs (:mod:`decextract.limits`), so each stream
  is inflated once.  Encrypted files are not looked at (their streams are ciphertext).

Both are :class:`~decextract.records.Notice` s on the document (codes in docs/records.md).
"""

from __future__ import annotations

import pypdfium2.raw as pdfium_c

from ..limits import scan_pdf_streams
from ..records import Notice


def damage(raw_document) -> tuple[Notice, ...]:
    """``repaired_file`` when PDFium had to rebuild the cross-reference table of ``raw_document``."""
    if pdfium_c.FPDF_DocumentHasValidCrossReferenceTable(raw_document):
        return ()
    return (Notice("repaired_file", "the file's cross-reference table is damaged and was rebuilt by PDFium: "
                                    "parts of the document may be missing or wrong"),)


def streams_notice(broken: int) -> Notice:
    """``damaged_streams`` for ``broken`` streams (counted by the reader boundary's inflation check)."""
    return Notice("damaged_streams", f"{broken} compressed stream(s) of the file are damaged (they do not "
                                     "inflate to their end): text, fonts or tables in them may be lost")


def damaged_streams(data: bytes) -> int:
    """How many streams of the PDF ``data`` whose first filter is ``/FlateDecode`` fail to inflate or stop
    before their end (none in an encrypted file: its streams are ciphertext)."""
    return scan_pdf_streams(data, "", None)
