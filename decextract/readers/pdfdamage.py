"""Damage to a PDF's structure that PDFium reads past in silence.

PDFium opens most damaged files: it rebuilds a broken cross-reference table by scanning
for objects, and a compressed stream that stops inflating half-way gives whatever came
out before the fault (a font that lost glyphs, a page that lost half its text).  The
document then loads with fewer records than it holds and nothing would say so.  Two
cheap signals name it:

- ``repaired_file``: the cross-reference table was not valid and PDFium rebuilt it
  (``FPDF_DocumentHasValidCrossReferenceTable``); objects may be missing or stale;
- ``damaged_streams``: a ``/FlateDecode`` stream that zlib refuses or that ends before
  its compressed data does (a flipped or cut byte).  Encrypted files are not looked at
  (their streams are ciphertext).

Both are :class:`~decextract.records.Notice` s on the document (codes in docs/records.md).
"""

from __future__ import annotations

import zlib

import pypdfium2.raw as pdfium_c

from ..limits import FLATE_NAMES, STREAMS, stream_filters
from ..records import Notice

_INFLATE_CHUNK = 1 << 20  # output bytes inflated at a time: a stream is checked, not held


def damage(data: bytes, raw_document) -> tuple[Notice, ...]:
    """Notices for the damage found in the PDF ``data`` opened by PDFium as ``raw_document``."""
    found = []
    if not pdfium_c.FPDF_DocumentHasValidCrossReferenceTable(raw_document):
        found.append(Notice("repaired_file", "the file's cross-reference table is damaged and was rebuilt by "
                                             "PDFium: parts of the document may be missing or wrong"))
    if pdfium_c.FPDF_GetSecurityHandlerRevision(raw_document) == -1:
        broken = damaged_streams(data)
        if broken:
            found.append(Notice("damaged_streams", f"{broken} compressed stream(s) of the file are damaged (they "
                                                   "do not inflate to their end): text, fonts or tables in them "
                                                   "may be lost"))
    return tuple(found)


def damaged_streams(data: bytes) -> int:
    """How many streams in ``data`` whose first filter is ``/FlateDecode`` fail to inflate or stop before their
    end (found as the decompression-bomb check of :mod:`decextract.limits` finds them)."""
    broken = 0
    for match in STREAMS.finditer(data):
        end = data.find(b"endstream", match.end())
        if end < 0:
            break  # a file cut inside its last stream: the cross-reference check speaks for it
        filters, _ = stream_filters(data, match)
        if filters and filters[0] in FLATE_NAMES and not _inflates(data, match.end(), end):
            broken += 1
    return broken


def _inflates(data: bytes, start: int, end: int) -> bool:
    """Whether the zlib data in ``data[start:end]`` inflates to its end mark, without keeping the output."""
    inflater = zlib.decompressobj()
    chunk = memoryview(data)[start:end]
    try:
        inflater.decompress(chunk, _INFLATE_CHUNK)
        while inflater.unconsumed_tail and not inflater.eof:
            inflater.decompress(inflater.unconsumed_tail, _INFLATE_CHUNK)
    except zlib.error:
        return False
    return inflater.eof
