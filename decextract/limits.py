"""The bounds on one document: its file size, the memory and time it may take, what its bytes may inflate to.

A crawl brings files that are damaged or hostile: a 3 MB PDF whose content
stream inflates to 4 GB, a DOCX part that unzips to gigabytes, a symlink to
/dev/zero.  :class:`Limits` says how far decextract goes for one document;
beyond it the document is an error naming the limit, never a dead worker or
machine.  The checks here run on the bytes before a parser sees them
(:func:`check_unpacked`); the memory limit itself is the worker's address
space (:func:`apply_memory_limit`, ``RLIMIT_AS``), which makes an allocation
beyond it fail inside the worker instead of exhausting the machine.
"""

from __future__ import annotations

import functools
import io
import os
import re
import resource
import zipfile
import zlib
from collections.abc import Iterator

import attrs

from .errors import MemoryLimitError

MB = 1 << 20
GB = 1 << 30
DEFAULT_MAX_SIZE = 256 * MB
DEFAULT_MAX_MEMORY = 2 * GB
DEFAULT_TIMEOUT = 120.0
#: without a memory limit, what the bytes of one document may inflate to
DEFAULT_MAX_UNPACKED = 512 * MB

_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([kmgt]?)i?b?\s*$", re.IGNORECASE)
_UNITS = {"": 1, "k": 1 << 10, "m": MB, "g": GB, "t": 1 << 40}


def parse_size(text: str) -> int | None:
    """Bytes from ``"2G"``, ``"512M"``, ``"300k"``, ``"1048576"``; ``"0"`` means no limit (``None``)."""
    m = _SIZE.match(text)
    if not m:
        raise ValueError(f"not a size: {text!r} (use e.g. 512M or 2G; 0 for no limit)")
    value = int(float(m.group(1)) * _UNITS[m.group(2).lower()])
    return value or None


def format_size(n: int | None) -> str:
    """``2147483648`` → ``"2 GB"``; ``None`` → ``"no limit"``."""
    if n is None:
        return "no limit"
    for unit, size in (("GB", GB), ("MB", MB), ("kB", 1 << 10)):
        if n >= size:
            value = n / size
            return f"{value:.0f} {unit}" if value == int(value) else f"{value:.1f} {unit}"
    return f"{n} bytes"


@attrs.frozen
class Limits:
    """How far decextract goes for one document (``None``: no limit).

    ``max_size`` bytes of file are read at most; a worker's address space is
    capped at ``max_memory``; ``timeout`` seconds are allowed per document.
    What compressed parts (ZIP members, PDF streams) may inflate to is a
    quarter of the memory limit: parsing XML or a content stream takes several
    times its size.
    """

    max_size: int | None = DEFAULT_MAX_SIZE
    max_memory: int | None = DEFAULT_MAX_MEMORY
    timeout: float | None = DEFAULT_TIMEOUT

    @property
    def max_unpacked(self) -> int:
        return self.max_memory // 4 if self.max_memory else DEFAULT_MAX_UNPACKED


def apply_memory_limit(max_memory: int | None) -> int | None:
    """Cap this process's address space at ``max_memory`` bytes (RLIMIT_AS); the limit applied, or None.

    Measured with the seed and real PDFs: a warmed worker's address space is
    within 10% of its resident size (about 250 MB: Python, jieba, pdfium,
    pdfplumber), so the cap is close to a cap on memory use; a worker adds to
    ``max_memory`` what it had reserved without using once warm.  An allocation
    beyond it raises MemoryError in Python code; PDFium aborts the process,
    which the batch reports as :class:`MemoryLimitError` from the size it saw.
    """
    if not max_memory:
        return None
    try:
        soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        limit = max_memory if hard == resource.RLIM_INFINITY else min(max_memory, hard)
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    except (ValueError, OSError, AttributeError):  # a platform without RLIMIT_AS: the batch watches memory
        return None
    return limit


def memory_of(pid: int) -> tuple[int, int] | None:
    """(address space, resident) bytes of process ``pid``, from /proc; None where unavailable."""
    try:
        with open(f"/proc/{pid}/statm", "rb") as f:
            size, resident = f.read().split()[:2]
    except (OSError, ValueError):
        return None
    page = os.sysconf("SC_PAGE_SIZE")
    return int(size) * page, int(resident) * page


def address_space() -> tuple[int | None, int | None]:
    """(this process's address-space limit (RLIMIT_AS), its address space now), None where unknown or, for
    the limit, unlimited."""
    soft, _ = resource.getrlimit(resource.RLIMIT_AS)
    size = (memory_of(os.getpid()) or (None,))[0]
    return (None if soft == resource.RLIM_INFINITY else soft), size


class StaleWorker(BaseException):  # noqa: N818 - a signal to the worker loop that crosses every "never raise" boundary
    """Raised in a batch worker that lacks room under its memory cap for what it must do next (OCR), though
    it had the room when it started: what it read before keeps that room mapped.  The worker gives the
    document back to be read by a fresh one, so what a document's records hold never depends on which
    documents came before it in the worker."""


#: in a worker process: its address space when it became ready, and how many documents it has begun since
_worker: dict[str, int] = {}


def worker_ready() -> None:
    """Mark this process as a worker that has just warmed up (called by the batch's worker loop)."""
    _worker.update(size=address_space()[1] or 0, begun=0)


def document_begun() -> None:
    """Count a document this worker begins (see :class:`StaleWorker`)."""
    if _worker:
        _worker["begun"] += 1


def worker_room(limit: int, need: int) -> None:
    """Raise :class:`StaleWorker` where ``need`` bytes, which no longer fit under this worker's cap ``limit``,
    did when it started, and it has read another document since; return otherwise (the caller goes without)."""
    if _worker.get("begun", 0) > 1 and limit - _worker["size"] >= need:
        raise StaleWorker("it fits in a fresh worker")


def memory_error(source: str, limits: Limits | None, what: str = "reading it") -> MemoryLimitError:
    """The error for a document that ran out of its memory allowance."""
    limit = limits.max_memory if limits else None
    bound = f"the memory limit of {format_size(limit)} (--max-memory)" if limit else "the memory available"
    return MemoryLimitError(f"{what} needs more than {bound}", path=source)


# ---------------------------------------------------------------- inflation checks on the bytes


def check_unpacked(fmt: str, data: bytes, source: str, budget: int) -> int:
    """Refuse a document whose compressed parts would inflate beyond ``budget`` bytes (a decompression bomb).

    Returns how many of a PDF's streams whose first filter is Flate do not inflate to their end (damage
    PDFium reads past: the PDF reader's ``damaged_streams`` notice), found in the same pass; 0 for an
    encrypted PDF (its streams are ciphertext) and for other formats."""
    if fmt in ("docx", "xlsx"):
        _check_zip(data, source, budget)
    elif fmt == "pdf":
        return scan_pdf_streams(data, source, budget)
    return 0


#: the most DEFLATE can inflate: 1032 bytes out for each byte in
_DEFLATE_RATIO = 1032


def _check_zip(data: bytes, source: str, budget: int) -> None:
    """Declared sizes of the members first, then what the members that could be bombs really inflate to.

    A parser reading a member asks zlib for all of it at once, whatever size the
    headers declare, so a header that lies about the size bounds nothing.  A
    member whose compressed size could inflate beyond ``budget`` is inflated
    here, counting bytes and keeping none, and refused when it inflates beyond
    its declared size or the budget.
    """
    try:
        infos = zipfile.ZipFile(io.BytesIO(data)).infolist()
    except (zipfile.BadZipFile, ValueError, OSError, EOFError):
        return  # the reader reports the damage
    total = 0
    for info in infos:
        total += info.file_size
        if info.file_size > budget or total > budget:
            raise _bomb(source, info, f"{format_size(info.file_size)} declared", budget)
        if info.compress_type == zipfile.ZIP_STORED or info.compress_size * _DEFLATE_RATIO <= budget - total:
            continue
        if info.compress_type != zipfile.ZIP_DEFLATED:
            raise MemoryLimitError(f"ZIP member {info.filename!r} is compressed with method {info.compress_type}, "
                                   "whose inflated size decextract cannot check: not read", path=source)
        start = _member_data(data, info)
        if start is None:
            continue  # a damaged local header: the reader reports it
        actual, _ = _inflated_size(data, start, info.file_size + 1, raw=True, end=start + info.compress_size)
        if actual > info.file_size:
            raise MemoryLimitError(
                f"ZIP member {info.filename!r} inflates beyond the {format_size(info.file_size)} its header declares "
                f"(from {format_size(info.compress_size)}): a header that lies, as decompression bombs do",
                path=source)


def _bomb(source: str, info: zipfile.ZipInfo, size: str, budget: int) -> MemoryLimitError:
    return MemoryLimitError(
        f"ZIP member {info.filename!r} would inflate the file beyond {format_size(budget)} ({size}, from "
        f"{format_size(info.compress_size)}): a decompression bomb, or beyond the memory limit (--max-memory)",
        path=source)


def _member_data(data: bytes, info: zipfile.ZipInfo) -> int | None:
    """Offset of a member's compressed data, after its local header."""
    at = info.header_offset
    if data[at:at + 4] != b"PK\x03\x04":
        return None
    name_len = int.from_bytes(data[at + 26:at + 28], "little")
    extra_len = int.from_bytes(data[at + 28:at + 30], "little")
    return at + 30 + name_len + extra_len


_STREAM = re.compile(rb"stream\r?\n")  # (and not "endstream": see streams; a look-behind makes re scan 20x slower)
_FILTER = re.compile(rb"/Filter\s*(\[[^\]]*\]|/[A-Za-z0-9]+)")
_NAME = re.compile(rb"/([A-Za-z0-9]+)")
_IMAGE = re.compile(rb"/Subtype\s*/Image\b")
FLATE_NAMES = frozenset({b"FlateDecode", b"Fl"})


def streams(data: bytes) -> Iterator[re.Match]:
    """Where each stream's data starts (``m.end()``): every ``stream`` keyword at the end of a line that is
    not the end of an ``endstream``."""
    for m in _STREAM.finditer(data):
        if data[max(0, m.start() - 3):m.start()] != b"end":
            yield m


def stream_filters(data: bytes, m: re.Match) -> tuple[list[bytes], bool]:
    """The filter names of the stream found at ``m`` by :func:`streams`, from its dictionary, and whether it
    is an image."""
    head = data[max(0, m.start() - 2048):m.start()]
    head = head[head.rfind(b"obj") + 1:] if b"obj" in head else head
    found = _FILTER.search(head)
    return (_NAME.findall(found.group(1)) if found else []), bool(_IMAGE.search(head))
_ASCII_FILTERS = {b"ASCIIHexDecode": "hex", b"AHx": "hex", b"ASCII85Decode": "a85", b"A85": "a85"}


def scan_pdf_streams(data: bytes, source: str, budget: int | None) -> int:
    """Inflate each Flate stream that is not an image, counting its bytes and keeping none of them.

    Content streams, fonts and object streams are decoded by the parsers when a
    page is read; images are decoded only to render a page, so they are not
    counted.  A filter chain is followed as far as it can be counted: ASCII hex
    and base-85 layers are decoded, then every Flate layer in a row is inflated
    through the next (a stream compressed twice inflates a million times its
    size).  A stream whose data does not inflate (encrypted, damaged) is left to
    the parsers, whose memory the worker's cap bounds, and counted as damaged when
    its first filter is Flate (images too are inflated for that, not counted).
    ``budget`` None: damage only.
    """
    total = 0
    damaged = 0
    encrypted = _ENCRYPT.search(data) is not None
    for m in streams(data):
        filters, image = stream_filters(data, m)
        if not filters:
            continue
        flate = filters[0] in FLATE_NAMES
        if image or budget is None:
            if flate and not encrypted and not _inflated_size(data, m.end(), _UNBOUNDED, end=_end_of(data, m))[1]:
                damaged += 1
            continue
        size, complete = _decoded_size(data, m.end(), filters, budget - total + 1)
        total += size
        damaged += flate and not encrypted and not complete
        if total > budget:
            raise MemoryLimitError(
                f"its streams inflate to more than {format_size(budget)} (a stream at byte {m.start()} keeps "
                "growing): a decompression bomb, or beyond the memory limit (--max-memory)", path=source)
    return damaged


_ENCRYPT = re.compile(rb"/Encrypt\s*\d+\s+\d+\s+R|/Encrypt\s*<<")  # the trailer's key of an encrypted file
_UNBOUNDED = float("inf")


def _end_of(data: bytes, m: re.Match) -> int | None:
    """Where the stream found at ``m`` ends (its ``endstream``), None when the file is cut inside it."""
    end = data.find(b"endstream", m.end())
    return end if end >= 0 else None


def _decoded_size(data: bytes, start: int, filters: list[bytes], most: int) -> tuple[int, bool]:
    """Bytes the stream at ``data[start:]`` decodes to through ``filters``, counting at most ``most`` (0 when
    its first Flate layer cannot be reached or counted), and whether its first layer inflated to its end."""
    chunk = None
    while filters and filters[0] in _ASCII_FILTERS:
        end = data.find(b"endstream", start)
        raw = data[start:end if end >= 0 else len(data)] if chunk is None else chunk
        try:
            chunk = _ascii_decode(raw, _ASCII_FILTERS[filters.pop(0)])
        except ValueError:
            return 0, True
    layers = 0
    while filters and filters[0] in FLATE_NAMES:
        filters.pop(0)
        layers += 1
    if not layers:
        return 0, True
    return _inflated_size(chunk if chunk is not None else data, 0 if chunk is not None else start, most,
                          layers=layers)


def _ascii_decode(raw: bytes, kind: str) -> bytes:
    import base64
    import binascii

    text = bytes(b for b in raw if b not in b" \t\r\n\f\x00")
    try:
        if kind == "hex":
            text = text.split(b">", 1)[0]
            return binascii.unhexlify(text + b"0" * (len(text) % 2))
        return base64.a85decode(text.split(b"~>", 1)[0] + b"~>", adobe=True)
    except (binascii.Error, ValueError) as exc:
        raise ValueError(str(exc)) from exc


class _Enough(Exception):
    pass


def _inflated_size(data: bytes, start: int, most: float, *, raw: bool = False, end: int | None = None,
                   layers: int = 1) -> tuple[int, bool]:
    """Bytes the zlib (or, with ``raw``, bare DEFLATE) stream at ``data[start:end]`` inflates to through
    ``layers`` zlib layers (each inflating the one before), counting at most ``most``, and whether the
    first layer reached its end mark without an error (False when counting stopped first).  At most a
    megabyte per layer is held at a time."""
    inflate = _inflater()
    chain = [inflate.decompressobj(-zlib.MAX_WBITS if raw else zlib.MAX_WBITS)]
    chain += [inflate.decompressobj() for _ in range(layers - 1)]
    end = len(data) if end is None else min(end, len(data))
    size = 0

    def push(i: int, piece: bytes) -> None:
        nonlocal size
        if i == len(chain):
            size += len(piece)
            if size > most:
                raise _Enough
            return
        d = chain[i]
        while piece and not d.eof:
            out = d.decompress(piece, 1 << 20)
            piece = d.unconsumed_tail
            push(i + 1, out)

    try:
        for pos in range(start, end, 1 << 16):
            push(0, data[pos:min(pos + (1 << 16), end)])
            if chain[0].eof:
                break
    except (_Enough, zlib.error, inflate.error):
        return size, False
    return size, chain[0].eof


@functools.cache
def _inflater():
    """zlib-ng's inflate (a dependency: 3-5 times as fast on content streams, the bomb check's whole cost),
    or the standard library's where it cannot be imported. Both follow RFC 1950/1951: a stream inflates to
    the same bytes, and one is damaged for both or for neither."""
    try:
        from zlib_ng import zlib_ng
    except ImportError:
        return zlib
    return zlib_ng
