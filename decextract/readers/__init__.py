"""Readers: one module per format, each turning bytes into a :class:`~decextract.model.Document`.

:func:`read_document` is the single entry point, and the boundary every input
crosses:

- only a regular file is opened (a folder, a FIFO, a device such as /dev/zero
  or a socket is refused without reading it, so nothing blocks or streams
  forever), and only up to the size limit; :func:`hash_file` hashes a file as
  it streams, so the batch's parent never holds one;
- the format is detected from the bytes (never the file name);
- compressed parts that would inflate beyond the limit are refused before a
  parser inflates them (:func:`decextract.limits.check_unpacked`);
- any third-party error, and running out of memory, become a
  :class:`~decextract.errors.DecExtractError` naming the file;
- the text that comes out is made encodable: a lone UTF-16 surrogate (from a
  PDF's ToUnicode map, or flipped bytes) becomes U+FFFD, one character for one,
  and the document says so in a ``replaced_characters`` warning.
"""

from __future__ import annotations

import hashlib
import os
import stat
from collections.abc import Iterator
from importlib import import_module

import attrs

from ..collector import paused
from ..errors import DamagedFileError, DecExtractError, FileTooLargeError, MemoryLimitError, NotRegularFileError
from ..limits import Limits, check_unpacked, format_size, memory_error
from ..model import Document, Paragraph, Table
from ..records import Notice
from ..storable import replace_unencodable, stored_path
from . import archive
from .sniff import sniff

#: format name -> module that reads it (each has ``read(data, source, sha256) -> Document``)
READERS = {
    "txt": "decextract.readers.text",
    "docx": "decextract.readers.docx",
    "pdf": "decextract.readers.pdf",
    "xlsx": "decextract.readers.xlsx",
    "html": "decextract.readers.html",
    "mhtml": "decextract.readers.html",
    "xls": "decextract.readers.xls",
    "et": "decextract.readers.xls",
    "doc": "decextract.readers.office",
    "wps": "decextract.readers.office",
    "rtf": "decextract.readers.office",
    "odt": "decextract.readers.office",
    "ods": "decextract.readers.office",
    "zip": "decextract.readers.archive",
    "rar": "decextract.readers.archive",
    "7z": "decextract.readers.archive",
    **dict.fromkeys(("png", "jpeg", "tiff", "bmp", "gif", "webp"), "decextract.readers.image"),
}

_CHUNK = 1 << 20


@paused
def read_bytes(data: bytes, source: str, *, sha256: str | None = None, limits: Limits | None = None) -> Document:
    """Read a document from its bytes; ``source`` names it in provenance and errors."""
    sha256 = sha256 or hashlib.sha256(data).hexdigest()
    limits = limits or Limits()
    fmt = "file"
    error: DecExtractError | None = None
    try:
        fmt = sniff(data, source)
        damaged = check_unpacked(fmt, data, source, limits.max_unpacked)  # also counts damaged PDF streams
        doc = import_module(READERS[fmt]).read(data, source, sha256)
        if damaged:
            from .pdfdamage import streams_notice

            doc = attrs.evolve(doc, warnings=(streams_notice(damaged), *doc.warnings))
    except DecExtractError as exc:
        if isinstance(exc, MemoryLimitError) or not isinstance(exc.__cause__, MemoryError):
            raise
        error = memory_error(source, limits, f"reading it as {fmt.upper()}")  # a reader wrapped a MemoryError
    except MemoryError:  # raised below, once the frames holding the memory are gone
        error = memory_error(source, limits, f"reading it as {fmt.upper()}")
    except Exception as exc:  # third-party parser errors stop at the reader boundary
        raise DamagedFileError(f"cannot read {fmt.upper()}: {type(exc).__name__}: {exc}", path=source) from exc
    if error is not None:
        raise error
    return sanitised(attrs.evolve(doc, size=len(data), source=stored_path(source)))


def read_document(path: str | os.PathLike, *, limits: Limits | None = None) -> Document:
    """Read the file at ``path`` into the document model."""
    source = os.fspath(path)
    limits = limits or Limits()
    sha256, data = read_file(source, limits.max_size)
    return read_bytes(data, source, sha256=sha256, limits=limits)


# ---------------------------------------------------------------- the file


def read_file(path: str, max_size: int | None) -> tuple[str, bytes]:
    """sha256 and bytes of the regular file at ``path`` (at most ``max_size`` bytes), read into one buffer;
    of the member when ``path`` names one inside an archive (``archive.zip!/member.pdf``)."""
    if archive.is_member_path(path):
        data = archive.read_member(path)
        if max_size is not None and len(data) > max_size:
            raise _too_large(path, len(data), max_size)
        return hashlib.sha256(data).hexdigest(), data
    parts = list(_chunks(path, max_size, whole=True))
    data = parts[0] if len(parts) == 1 else b"".join(parts)
    return hashlib.sha256(data).hexdigest(), data


def hash_file(path: str, max_size: int | None) -> str:
    """sha256 of the regular file at ``path``, streamed (never held whole in memory); an archive member's
    is hashed from its bytes."""
    if archive.is_member_path(path):
        return read_file(path, max_size)[0]
    digest = hashlib.sha256()
    for chunk in _chunks(path, max_size):
        digest.update(chunk)
    return digest.hexdigest()


_KINDS = ((stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a FIFO (named pipe)"), (stat.S_ISCHR, "a character device"),
          (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"))


def _not_regular(path: str, mode: int) -> NotRegularFileError:
    kind = next((name for test, name in _KINDS if test(mode)), "not a regular file")
    return NotRegularFileError(f"{kind}, not a regular file: not read", path=path)


def _chunks(path: str, max_size: int | None, *, whole: bool = False) -> Iterator[bytes]:
    """The bytes of a regular file, chunk by chunk (``whole``: in one chunk when it does not grow while
    read, so it is held once, not twice); a DecExtractError naming it for anything else.

    The path is checked before it is opened (a device is never opened), opened
    without blocking (a FIFO swapped in meanwhile cannot hang the read), and
    checked again on the open descriptor.
    """
    try:
        mode = os.stat(path).st_mode
        if stat.S_ISDIR(mode):
            os.listdir(path)  # raises the reason the walk could not enter it, if it cannot
        if not stat.S_ISREG(mode):
            raise _not_regular(path, mode)
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
                     | getattr(os, "O_CLOEXEC", 0))
    except DecExtractError:
        raise
    except OSError as exc:
        raise DamagedFileError(f"cannot open: {exc.strerror or exc}", path=path) from exc
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise _not_regular(path, st.st_mode)
        if max_size is not None and st.st_size > max_size:
            raise _too_large(path, st.st_size, max_size)
        read = 0
        size = st.st_size + 1 if whole else _CHUNK  # one more byte: a file that grew is seen
        while chunk := os.read(fd, size if whole and not read else _CHUNK):
            read += len(chunk)
            if max_size is not None and read > max_size:  # it grew while being read
                raise _too_large(path, read, max_size)
            yield chunk
    except DecExtractError:
        raise
    except OSError as exc:
        raise DamagedFileError(f"cannot read: {exc.strerror or exc}", path=path) from exc
    finally:
        os.close(fd)


def _too_large(path: str, size: int, max_size: int) -> FileTooLargeError:
    return FileTooLargeError(f"{format_size(size)}, larger than the size limit of {format_size(max_size)} "
                             "(--max-size): not read", path=path)


# ---------------------------------------------------------------- the text


def sanitised(doc: Document) -> Document:
    """``doc`` with every lone surrogate in its text replaced by U+FFFD, and a ``replaced_characters``
    warning listing how many and on which pages; the document itself when there are none."""
    if not replace_unencodable("\n".join(_texts(doc)))[1]:  # one pass over all the text (a surrogate is one character)
        return doc
    replaced, pages = 0, set()

    def clean(text: str | None, page: int | None) -> str | None:
        nonlocal replaced
        if text is None:
            return None
        text, n = replace_unencodable(text)
        if n:
            replaced += n
            if page is not None:
                pages.add(page)
        return text

    def section(path: tuple[str, ...], page: int | None) -> tuple[str, ...]:
        return tuple(clean(s, page) for s in path)

    blocks = []
    for block in doc.blocks:
        if isinstance(block, Paragraph):
            block = attrs.evolve(block, text=clean(block.text, block.page), section=section(block.section, block.page))
        elif isinstance(block, Table):
            cells = tuple(attrs.evolve(c, text=clean(c.text, c.page or block.page)) for c in block.cells)
            block = attrs.evolve(block, cells=cells, title=clean(block.title, block.page),
                                 unit=clean(block.unit, block.page), section=section(block.section, block.page))
        blocks.append(block)
    title = clean(doc.title, None)
    notice = Notice("replaced_characters",
                    f"{replaced} character(s) that no output can encode (lone UTF-16 surrogates, from a font's "
                    "ToUnicode map or damaged bytes) were replaced with U+FFFD", tuple(sorted(pages)))
    return attrs.evolve(doc, blocks=tuple(blocks), title=title, warnings=(*doc.warnings, notice))


def _texts(doc: Document) -> Iterator[str]:
    if doc.title:
        yield doc.title
    for block in doc.blocks:
        yield from block.section
        if isinstance(block, Paragraph):
            yield block.text
        else:
            yield from (t for t in (block.title, block.unit) if t)
            yield from (c.text for c in block.cells)
