"""The JSON Lines sink: every record as ``decextract extract`` prints it, plus ``source`` and ``error`` lines.

A sidecar manifest (``FILE.commits``) makes each document all-or-nothing (see
:class:`~decextract.sinks.CommitLog`).  Lines of type ``source`` name the paths a
document was found under; lines of type ``error`` record failed files (the latest
per path).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

from ..records import Record, to_json
from ..schema import now_iso
from . import CommitLog, LoggedSink


def _line(obj: dict) -> bytes:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode("utf-8") + b"\n"


class JsonlSink(LoggedSink):
    """Appends documents to one JSON Lines file."""

    def __init__(self, path: str | Path):
        self.path = Path(path).resolve()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.name = str(self.path)
        self.log = CommitLog(self.path.with_name(self.path.name + ".commits"), [self.path])
        self.outputs = (self.path, self.log.manifest)
        self._compact()

    def _document_chunks(self, sha256: str, records: Sequence[Record]) -> dict[Path, bytes]:
        return {self.path: "".join(to_json(r) + "\n" for r in records).encode("utf-8")}

    def _source_chunks(self, sha256: str, path: str) -> dict[Path, bytes]:
        return {self.path: _line({"type": "source", "sha256": sha256, "path": path, "added_at": now_iso()})}

    def _error_chunks(self, error: dict) -> dict[Path, bytes]:
        return {self.path: _line({"type": "error", **error})}
