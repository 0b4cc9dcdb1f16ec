"""The JSON Lines sink: every record as ``decextract extract`` prints it, plus ``source`` and ``error`` lines.

A sidecar manifest (``FILE.commits``) makes each document all-or-nothing (see
:class:`~decextract.sinks.CommitLog`).  Lines of type ``source`` name the paths a
document was found under; lines of type ``error`` record failed files (the latest
per path).  A path that is not valid UTF-8 is written as text with ``\\xNN`` for each
such byte, and exactly, in hexadecimal, in ``path_bytes``.
"""

from __future__ import annotations

from pathlib import Path

from ..records import compact_json
from ..schema import source_row
from . import CommitLog, LoggedSink
from .encoders import JsonLines
from .encoders import utf8 as _utf8


def _line(obj: dict) -> bytes:
    if isinstance(obj.get("path_bytes"), bytes):
        obj = {**obj, "path_bytes": obj["path_bytes"].hex()}
    return _utf8(compact_json(obj)) + b"\n"


class JsonlSink(LoggedSink):
    """Appends documents to one JSON Lines file."""

    def __init__(self, path: str | Path):
        self.path = Path(path).resolve()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.name = str(self.path)
        self.log = CommitLog(self.path.with_name(self.path.name + ".commits"), [self.path])
        self.outputs = (self.path, self.log.manifest)
        self._compact()

    def encoder(self) -> JsonLines:
        return JsonLines(self.path)

    def _source_chunks(self, sha256: str, path: str) -> dict[Path, bytes]:
        return {self.path: _line({"type": "source", **source_row(sha256, path)})}

    def _error_chunks(self, error: dict) -> dict[Path, bytes]:
        return {self.path: _line({"type": "error", **error})}
