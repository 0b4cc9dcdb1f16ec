"""Archives (ZIP, RAR, 7z): each member is read as its own document, named ``archive.zip!/member.pdf``.

A member path is the archive's path, ``!/``, and the member's name inside it
(nested archives repeat it: ``a.zip!/b.zip!/c.pdf``); it is what ``prov.source``,
the batch's sources and errors show, and :func:`read_member` reads it back.  The
batch (:func:`decextract.batch.discover`) and the ``extract`` and ``tables``
commands expand archives into their members with :func:`expand`; reading an
archive itself as one document is refused with a reason.

Names: a ZIP member whose name is not flagged UTF-8 was written in the creating
system's code page — on Chinese Windows, GBK — so its bytes are read as UTF-8 if
they are valid UTF-8, else as GB18030, else as CP437 (the ZIP default); a RAR 4
member's name without the Unicode flag likewise (RAR 5 names are always UTF-8).

Limits against archive bombs: at most :data:`MAX_MEMBERS` members, a member at
most :data:`MAX_MEMBER_BYTES` once inflated (checked against the header before
reading and while inflating), and a compression ratio of at most
:data:`MAX_RATIO` for members over 10 MB.  Directories, hidden files and
``__MACOSX`` resource forks are not documents and are left out.

ZIP is read with the standard library; RAR needs ``rarfile`` and an unpacking
tool (Debian's ``unar``, or ``unrar``, ``7z``, ``bsdtar``); 7z needs ``py7zr``
(``pip install 'decextract[archives]'``).  Where they are missing, the archive is
refused with an error that says what to install.
"""

from __future__ import annotations

import io
import os
import posixpath
import stat
import tempfile
import zipfile
from pathlib import Path

from ..errors import DamagedFileError, DecExtractError, EncryptedFileError, UnsupportedFormatError
from ..model import Document

SEPARATOR = "!/"
MAX_MEMBERS = 2000
MAX_MEMBER_BYTES = 512 * 1024 * 1024
MAX_RATIO = 200
MAX_DEPTH = 3
_SIGNATURES = {b"PK\x03\x04": "zip", b"PK\x05\x06": "zip", b"Rar!\x1a\x07": "rar", b"7z\xbc\xaf\x27\x1c": "7z"}
_PACKAGE_MEMBERS = frozenset({"word/document.xml", "xl/workbook.xml", "mimetype", "[Content_Types].xml", "OFD.xml"})
INSTALL = {
    "rar": "pip install 'decextract[archives]' and an unpacking tool (apt-get install unar)",
    "7z": "pip install 'decextract[archives]'",
}


def read(data: bytes, source: str, sha256: str) -> Document:
    """An archive is not one document: say why it cannot be listed, or how its members are read."""
    names = _open(source, data).names()
    if not names:
        raise UnsupportedFormatError("an archive holding no documents", path=source)
    if len(names) > MAX_MEMBERS:
        raise UnsupportedFormatError(f"an archive of {len(names)} members, more than the limit of {MAX_MEMBERS}",
                                     path=source)
    raise UnsupportedFormatError("an archive, not one document: its members are read one by one "
                                 f"(decextract batch and extract do this; one member is named archive{SEPARATOR}member)",
                                 path=source)


# ---------------------------------------------------------------- paths


def is_member_path(path: str) -> bool:
    """Whether ``path`` names a member inside an archive (and is not itself a file on disk)."""
    return SEPARATOR in path and not os.path.lexists(path)


def split(path: str) -> tuple[str, list[str]]:
    """The file on disk and the member names, outermost first, of a member path."""
    parts = path.split(SEPARATOR)
    for k in range(1, len(parts)):
        head = SEPARATOR.join(parts[:k])
        if os.path.isfile(head):
            return head, parts[k:]
    raise DamagedFileError("no archive found in the path", path=path)


def archive_kind(data: bytes) -> str | None:
    """``zip``, ``rar`` or ``7z`` when ``data`` is an archive of documents (not a DOCX/XLSX/ODF package)."""
    kind = next((k for magic, k in _SIGNATURES.items() if data.startswith(magic)), None)
    if kind != "zip":
        return kind
    return "zip" if _zip_of_documents(io.BytesIO(data)) else None


def is_archive(path: str) -> bool:
    """Whether the regular file (or member) at ``path`` is an archive of documents."""
    try:
        if is_member_path(path):
            return archive_kind(read_member(path)) is not None
        if not stat.S_ISREG(os.stat(path).st_mode):
            return False
        with open(path, "rb") as f:
            head = f.read(8)
            if not any(head.startswith(m) for m in _SIGNATURES):
                return False
            f.seek(0)
            if head.startswith(b"PK"):
                return _zip_of_documents(f)
        return True
    except (OSError, DamagedFileError, UnsupportedFormatError, EncryptedFileError):
        return False


def _zip_of_documents(f) -> bool:
    try:
        names = set(zipfile.ZipFile(f).namelist())
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, RuntimeError):
        return False
    return not (_PACKAGE_MEMBERS & names)  # a DOCX/XLSX/ODF/OFD package is one document


def expand(path: str, depth: int = 0, sizes: dict[str, int] | None = None) -> list[str]:
    """The member paths of the archive at ``path``, nested archives expanded too.

    An archive that cannot be listed, or holds more than :data:`MAX_MEMBERS`
    members, gives ``[path]`` so that reading it reports why.  ``sizes`` gets
    each member's size as its archive declares it (unpacked bytes).
    """
    try:
        data = read_member(path) if is_member_path(path) else None
        listing = _open(path, data)
        names = listing.names()
    except (DamagedFileError, UnsupportedFormatError, EncryptedFileError, OSError):
        return [path]
    if not names or len(names) > MAX_MEMBERS:
        return [path]
    out: list[str] = []
    for name in names:
        member = f"{path}{SEPARATOR}{name}"
        if depth + 1 < MAX_DEPTH and name.lower().endswith((".zip", ".rar", ".7z")) and is_archive(member):
            out.extend(expand(member, depth + 1, sizes))
        else:
            out.append(member)
            if sizes is not None:
                sizes[member] = listing.size(name)
    return out


def read_member(path: str) -> bytes:
    """The bytes of the member named by ``path`` (``archive.zip!/dir/file.pdf``)."""
    outer, names = split(path)
    data: bytes | None = None
    current = outer
    for name in names:
        try:
            data = _open(current, data).read(name)
        except DecExtractError:
            raise
        except OSError as exc:
            raise DamagedFileError(f"cannot open: {exc.strerror or exc}", path=current) from exc
        current = f"{current}{SEPARATOR}{name}"
    if data is None:
        raise DamagedFileError("not a member path", path=path)
    return data


# ---------------------------------------------------------------- the formats


class _Streamed:
    """An archive whose members are read as streams (ZIP, RAR): the member checks and the size limits."""

    kind = ""
    source: str
    infos: dict

    def names(self) -> list[str]:
        return [n for n, info in self.infos.items() if not info.is_dir() and _document_name(n)]

    def size(self, name: str) -> int:
        """The member's unpacked size as the archive declares it."""
        return int(self.infos[name].file_size or 0)

    def read(self, name: str) -> bytes:
        info = self.infos.get(name)
        where = f"{self.source}{SEPARATOR}{name}"
        if info is None:
            raise DamagedFileError("no such member in the archive", path=where)
        if self._encrypted(info):
            raise EncryptedFileError(f"a password-protected member of a {self.kind} archive", path=where)
        _check_size(info.file_size, info.compress_size, where)
        data = self._read(info, where)
        _check_size(len(data), info.compress_size, where)
        return data

    def _encrypted(self, info) -> bool:
        raise NotImplementedError

    def _read(self, info, where: str) -> bytes:
        raise NotImplementedError


class _Zip(_Streamed):
    kind = "ZIP"

    def __init__(self, source: str, data: bytes | None):
        self.source = source
        try:
            self.zip = zipfile.ZipFile(io.BytesIO(data) if data is not None else source)
        except (zipfile.BadZipFile, ValueError, EOFError, RuntimeError) as exc:
            raise DamagedFileError(f"damaged ZIP archive: {exc}", path=source) from exc
        self.infos = {_zip_name(info): info for info in self.zip.infolist()}

    def _encrypted(self, info) -> bool:
        return bool(info.flag_bits & 0x1)

    def _read(self, info, where: str) -> bytes:
        try:
            with self.zip.open(info) as f:
                return f.read(MAX_MEMBER_BYTES + 1)
        except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError, RuntimeError, ValueError) as exc:
            raise DamagedFileError(f"damaged member of a ZIP archive: {exc}", path=where) from exc


def _zip_name(info: zipfile.ZipInfo) -> str:
    """The member's name as its creator wrote it (see the module docstring)."""
    name = info.filename
    if not info.flag_bits & 0x800:
        try:
            name = _code_page_name(name.encode("cp437"), name)
        except UnicodeEncodeError:
            return name
    return name.replace("\\", "/")


def _rar_name(info) -> str:
    """A RAR member's name: RAR 5 and RAR 4's Unicode names as rarfile decodes them; RAR 4's plain names are
    in the creator's code page (GBK on Chinese Windows), which rarfile reads as Windows-1252."""
    raw = getattr(info, "orig_filename", None)
    name = info.filename
    if isinstance(raw, bytes) and not getattr(info, "flags", 0) & 0x200:
        name = _code_page_name(raw, name)
    return name.replace("\\", "/").rstrip("/")


def _code_page_name(raw: bytes, fallback: str) -> str:
    """A name's bytes written in an unnamed code page: UTF-8 when they are valid UTF-8, else GB18030."""
    for encoding in ("utf-8", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return fallback


class _Rar(_Streamed):
    kind = "RAR"

    def __init__(self, source: str, data: bytes | None):
        self.source = source
        try:
            import rarfile
        except ImportError as exc:
            raise UnsupportedFormatError(f"a RAR archive: reading it needs {INSTALL['rar']}", path=source) from exc
        self.rarfile = rarfile
        try:
            self.rar = rarfile.RarFile(io.BytesIO(data) if data is not None else source)
        except rarfile.Error as exc:
            raise DamagedFileError(f"damaged RAR archive: {exc}", path=source) from exc
        self.infos = {_rar_name(info): info for info in self.rar.infolist()}

    def _encrypted(self, info) -> bool:
        return bool(info.needs_password())

    def _read(self, info, where: str) -> bytes:
        try:
            with self.rar.open(info) as f:
                return f.read(MAX_MEMBER_BYTES + 1)
        except self.rarfile.RarCannotExec as exc:
            raise UnsupportedFormatError(f"a RAR archive: unpacking it needs a tool ({INSTALL['rar']})",
                                         path=where) from exc
        except (self.rarfile.Error, OSError) as exc:
            raise DamagedFileError(f"damaged member of a RAR archive: {exc}", path=where) from exc


class _SevenZip:
    def __init__(self, source: str, data: bytes | None):
        self.source = source
        try:
            import py7zr
        except ImportError as exc:
            raise UnsupportedFormatError(f"a 7z archive: reading it needs {INSTALL['7z']}", path=source) from exc
        self.py7zr = py7zr
        self.data = data
        try:
            with self._archive() as archive:
                self.infos = {i.filename.replace("\\", "/"): i for i in archive.list()}
        except (py7zr.Bad7zFile, OSError, ValueError, EOFError, KeyError) as exc:
            raise DamagedFileError(f"damaged 7z archive: {exc}", path=source) from exc

    def _archive(self):
        return self.py7zr.SevenZipFile(io.BytesIO(self.data) if self.data is not None else self.source, "r")

    def names(self) -> list[str]:
        return [n for n, info in self.infos.items() if not info.is_directory and _document_name(n)]

    def size(self, name: str) -> int:
        """The member's unpacked size as the archive declares it."""
        return int(self.infos[name].uncompressed or 0)

    def read(self, name: str) -> bytes:
        info = self.infos.get(name)
        where = f"{self.source}{SEPARATOR}{name}"
        if info is None:
            raise DamagedFileError("no such member in the archive", path=where)
        _check_size(info.uncompressed, info.compressed or 0, where)
        with tempfile.TemporaryDirectory(prefix="decextract-7z-") as tmp:
            try:
                with self._archive() as archive:
                    if archive.needs_password():
                        raise EncryptedFileError("a password-protected 7z archive", path=where)
                    archive.extract(path=tmp, targets=[name])
            except (self.py7zr.Bad7zFile, OSError, ValueError, EOFError, KeyError) as exc:
                raise DamagedFileError(f"damaged member of a 7z archive: {exc}", path=where) from exc
            target = Path(tmp, *name.split("/"))
            if not target.is_file():
                raise DamagedFileError("the member could not be unpacked", path=where)
            return target.read_bytes()


def _open(path: str, data: bytes | None):
    head = data[:8] if data is not None else _head(path)
    kind = next((k for magic, k in _SIGNATURES.items() if head.startswith(magic)), None)
    if kind is None:
        raise UnsupportedFormatError("not an archive", path=path)
    return {"zip": _Zip, "rar": _Rar, "7z": _SevenZip}[kind](path, data)


def _head(path: str) -> bytes:
    if not stat.S_ISREG(os.stat(path).st_mode):
        raise UnsupportedFormatError("not a regular file", path=path)
    with open(path, "rb") as f:
        return f.read(8)


def _document_name(name: str) -> bool:
    """Members that are files of their own: not resource forks, hidden files or folders."""
    base = posixpath.basename(name.rstrip("/"))
    return bool(base) and not base.startswith(".") and not name.startswith("__MACOSX/") and "/__MACOSX/" not in name


def _check_size(size: int, compressed: int, where: str) -> None:
    if size > MAX_MEMBER_BYTES:
        raise DamagedFileError(f"the member inflates to more than {MAX_MEMBER_BYTES // 2**20} MiB "
                               "(an archive bomb?)", path=where)
    if size > 10 * 2**20 and compressed and size > MAX_RATIO * compressed:
        raise DamagedFileError(f"the member inflates {size // max(compressed, 1)} times (an archive bomb?)",
                               path=where)
