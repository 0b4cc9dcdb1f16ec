"""The JSON Lines sink: every record as ``decextract extract`` prints it, plus ``source`` and ``error`` lines.

A sidecar manifest (``FILE.commits``) makes each document all-or-nothing (see
:class:`~decextract.sinks.CommitLog`).  Lines of type ``source`` name the paths a
document was found under; lines of type ``error`` record failed files (the latest
per path).  A path that is not valid UTF-8 is written as text with ``\\xNN`` for each
such byte, and exactly, in hexadecimal, in ``path_bytes``.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import attrs

from ..records import Record, to_json
from ..schema import source_row
from . import CommitLog, LoggedSink


def _utf8(text: str) -> bytes:
    """JSON text as UTF-8 for any str: a lone surrogate becomes its JSON escape (``\\ud800``), read back as is."""
    return text.encode("utf-8", "backslashreplace")


def _line(obj: dict) -> bytes:
    if isinstance(obj.get("path_bytes"), bytes):
        obj = {**obj, "path_bytes": obj["path_bytes"].hex()}
    return _utf8(json.dumps(obj, ensure_ascii=False, separators=(",", ":"))) + b"\n"


@attrs.frozen
class JsonLines:
    """A document's records as the JSON Lines file's bytes (made in a batch's worker)."""

    path: Path

    def __call__(self, sha256: str, records: Sequence[Record]) -> dict[Path, bytes]:
        return {self.path: _utf8("".join(to_json(r) + "\n" for r in records))}


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
