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

import re
import zlib

import pypdfium2.raw as pdfium_c

from ..records import Notice

_STREAM = re.compile(rb"stream\r?\n")
_END = b"endstream"
_DICT_LOOKBACK = 400  # bytes before ``stream`` where the stream's dictionary (its /Filter) is looked for
_FLATE = re.compile(rb"/Filter\s*(?:\[\s*)?/(?:FlateDecode|Fl)\b")
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
    """How many ``/FlateDecode`` streams in ``data`` fail to inflate or stop before their end."""
    broken = 0
    position = 0
    while True:
        match = _STREAM.search(data, position)
        if match is None:
            return broken
        start = match.end()
        end = data.find(_END, start)
        if end < 0:
            return broken  # a file cut inside its last stream: the cross-reference check speaks for it
        position = end + len(_END)
        head = data[max(0, match.start() - _DICT_LOOKBACK):match.start()]
        dictionary = head[head.rfind(b"obj"):]  # from the object's start (rfind -1: the whole look-back)
        if match.start() >= 3 and data[match.start() - 3:match.start()] == b"end":
            continue  # the ``stream`` of an ``endstream``
        if _FLATE.search(dictionary) and not _inflates(data, start, end):
            broken += 1


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
