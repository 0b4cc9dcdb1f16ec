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
from . import CommitLog, Sink


def _line(obj: dict) -> bytes:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode("utf-8") + b"\n"


class JsonlSink(Sink):
    """Appends documents to one JSON Lines file."""

    def __init__(self, path: str | Path):
        self.path = Path(path).resolve()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.name = str(self.path)
        self.log = CommitLog(self.path.with_name(self.path.name + ".commits"), [self.path])
        self.outputs = (self.path, self.log.manifest)
        self._compact()

    def loaded(self) -> set[str]:
        return set(self.log.keys("document"))

    def write_document(self, sha256: str, paths: Sequence[str], records: Sequence[Record], *, replace: bool) -> None:
        if replace or sha256 not in self.log.keys("document"):
            data = "".join(to_json(r) + "\n" for r in records).encode("utf-8")
            self.log.append(sha256, "document", {self.path: data})
        self.add_sources(sha256, paths)

    def add_sources(self, sha256: str, paths: Sequence[str]) -> None:
        known = self.log.keys("source")
        for path in dict.fromkeys(paths):
            key = f"{sha256}\t{path}"
            if key not in known:
                line = _line({"type": "source", "sha256": sha256, "path": path, "added_at": now_iso()})
                self.log.append(key, "source", {self.path: line})

    def write_error(self, path: str, sha256: str | None, stage: str, error_class: str, message: str,
                    location: str | None = None) -> None:
        line = _line({"type": "error", "path": path, "sha256": sha256, "stage": stage, "error_class": error_class,
                      "message": message, "location": location, "occurred_at": now_iso()})
        self.log.append(path, "error", {self.path: line})

    def _compact(self) -> None:
        """Keep the latest copy of each replaced document and the latest error of each path."""
        self.log.compact("document")
        self.log.compact("error")

    def close(self) -> None:
        self._compact()
