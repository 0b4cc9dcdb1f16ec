"""A writer of RAR 4 archives whose members are *stored* (method 0x30, no compression), for test fixtures.

No free tool writes RAR (``rar`` is non-free and not in Debian main), but the format of a stored archive
is public (RARLAB's technote.txt): a marker block, an archive header, one file header per member followed
by its bytes, an end block.  Every header's CRC is the low 16 bits of the CRC-32 of the header after its
CRC field.  rarfile reads stored members itself, so these archives exercise decextract's RAR path without an
unpacking tool; compressed members (which need ``unar``/``unrar``) are the tool's business.

``names`` are written as given bytes (``bytes`` → the OEM code page, e.g. GBK as Chinese Windows writes
them) or as str: ASCII names plain, others with the Unicode flag (0x200) as ``name\\0utf8``, which rarfile
decodes as UTF-8... and also ``encrypted=True`` sets the password flag (0x04) on every member.
"""

from __future__ import annotations

import struct
import zlib

MARKER = b"Rar!\x1a\x07\x00"
END = b"\xc4\x3d\x7b\x00\x40\x07\x00"

_DOS_TIME = (46 << 25) | (1 << 21) | (1 << 16)  # 2026-01-01 00:00:00


def _block(head_type: int, flags: int, body: bytes) -> bytes:
    size = 7 + len(body)
    rest = struct.pack("<BHH", head_type, flags, size) + body
    return struct.pack("<H", zlib.crc32(rest) & 0xFFFF) + rest


def _name_field(name: str | bytes) -> tuple[bytes, int]:
    if isinstance(name, bytes):
        return name, 0
    try:
        return name.encode("ascii"), 0
    except UnicodeEncodeError:
        # technote: with 0x200, "name\0unicode-encoded-name"; rarfile takes the part after \0 as its own
        # compressed Unicode encoding when present, and falls back to UTF-8 of the whole field otherwise.
        return name.encode("utf-8"), 0x200


def rar4(members: list[tuple[str | bytes, bytes]], encrypted: bool = False,
         declared_size: int | None = None) -> bytes:
    """A RAR 4 archive of stored ``members`` [(name, data)]; ``declared_size`` overrides each member's
    unpacked size in its header (a lying header, as in a bomb)."""
    out = [MARKER, _block(0x73, 0, b"\x00" * 6)]
    for name, data in members:
        raw_name, flags = _name_field(name)
        flags |= 0x8000  # LONG_BLOCK: the data follows the header, its size is PACK_SIZE
        if encrypted:
            flags |= 0x04
        body = struct.pack("<IIBIIBBHI", len(data), declared_size if declared_size is not None else len(data),
                           2, zlib.crc32(data), _DOS_TIME, 20, 0x30, len(raw_name), 0x20) + raw_name
        out += [_block(0x74, flags, body), data]
    out.append(END)
    return b"".join(out)
