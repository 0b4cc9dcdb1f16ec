"""The one exception hierarchy of decextract.

Every error raised by the library is a :class:`DecExtractError`.  Each subclass
also subclasses the builtin it refines (as attrs does), so callers that already
catch ``ValueError`` or ``TimeoutError`` keep working.  An error names the file
and, where known, the location inside it.
"""

from __future__ import annotations

from .storable import shown


class DecExtractError(Exception):
    """Root of every error decextract raises."""

    def __init__(self, message: str, *, path: str | None = None, location: str | None = None):
        self.message = message
        self.path = path
        self.location = location
        super().__init__(str(self))

    def __str__(self) -> str:
        where = shown(self.path) if self.path else ""  # a newline in a file name cannot forge a log line
        if self.location:
            where = f"{where} ({self.location})" if where else self.location
        return f"{where}: {self.message}" if where else self.message

    def __reduce__(self):  # keep path/location across process boundaries (batch workers)
        return (_rebuild, (type(self), self.message, self.path, self.location))


def _rebuild(cls, message, path, location):
    return cls(message, path=path, location=location)


class UnsupportedFormatError(DecExtractError, ValueError):
    """The bytes are not a format decextract reads (detected from content, not the name)."""


class DamagedFileError(DecExtractError, ValueError):
    """The file claims a supported format but cannot be parsed (truncated, corrupt)."""


class EncryptedFileError(DecExtractError, PermissionError):
    """The file is password-protected."""


class EncodingError(DecExtractError, ValueError):
    """A text file whose bytes decode in none of the supported encodings."""


class ExtractionError(DecExtractError, RuntimeError):
    """decextract itself failed on a document it could read (a bug to report, with the file)."""


class ExtractionTimeout(DecExtractError, TimeoutError):
    """A document took longer than the allowed time."""


class SinkError(DecExtractError, OSError):
    """Writing records to a sink (file, database) failed."""


class NotRegularFileError(DecExtractError, OSError):
    """The path is not a regular file (a folder, a FIFO, a device such as /dev/zero, a socket): never read."""


class LinkNotFollowedError(DecExtractError, OSError):
    """A symbolic link found while walking a folder points outside the inputs (``--follow-links`` to follow)."""


class FileTooLargeError(DecExtractError, ValueError):
    """The file is larger than the size limit (``--max-size``); it is not read."""


class MemoryLimitError(DecExtractError, MemoryError):
    """Reading the document would take more memory than the limit (``--max-memory``): a decompression bomb,
    a huge grid, a stream inflating to gigabytes."""
