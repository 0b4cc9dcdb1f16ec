"""Sinks: where a batch writes documents, sources and errors.

Every sink offers the same all-or-nothing contract: :meth:`Sink.write_document`
writes one document's records completely or not at all, and :meth:`Sink.loaded`
tells which documents (by sha256) are already complete, so a re-run after any
interruption — even SIGKILL — skips exactly those.  Databases get this from a
transaction; append-only files from :class:`CommitLog`, a manifest written after
the data, which truncates a torn tail when the files are opened again.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any, Protocol

from ..errors import SinkError
from ..records import Record
from ..storable import stored_path

#: one recorded failure: (stage, error_class, message, location)
ErrorRow = tuple[str, str, str, "str | None"]


class Encoder(Protocol):
    """What a worker process runs to turn a document's records into what one sink writes (its rows as the
    database driver takes them, its lines as bytes): picklable, holding no connection or open file."""

    def __call__(self, sha256: str, records: Sequence[Record]) -> Any: ...


class Sink:
    """Base of every sink; use as a context manager."""

    #: how the sink is shown in the summary
    name: str = ""
    #: files and folders the sink writes (a batch never reads them as input)
    outputs: tuple[Path, ...] = ()

    def loaded(self) -> set[str]:
        """sha256 of every document completely written."""
        raise NotImplementedError

    def encoder(self) -> Encoder | None:
        """What a batch's workers run to prepare each document for this sink, so the one writing process
        only writes: ``write_document(..., encoded=encoder(sha256, records))``.  None: the sink prepares
        what it writes itself, from the records."""
        return None

    def write_document(self, sha256: str, paths: Sequence[str], records: Sequence[Record], *, replace: bool,
                       encoded: Any = None) -> None:
        """Write a document (records start with its ``document`` record) found under ``paths``, all or nothing.

        With ``replace`` an earlier copy of the document is replaced; without it,
        a document already loaded only gains the new paths as sources.  ``encoded``, when given, is what
        :meth:`encoder` made of the records (in a worker), and is written instead of them.
        """
        raise NotImplementedError

    def add_sources(self, sha256: str, paths: Sequence[str]) -> None:
        """Record more paths under which a loaded document was found."""
        raise NotImplementedError

    def write_error(self, path: str, sha256: str | None, stage: str, error_class: str, message: str,
                    location: str | None = None) -> None:
        """Record that the file at ``path`` failed at ``stage``."""
        raise NotImplementedError

    def failed(self) -> dict[str, dict[str, ErrorRow]]:
        """The failures recorded for files whose bytes were read: sha256 -> {stored path -> error}, the
        latest error of each path, for documents not loaded since."""
        return {}

    def close(self) -> None:
        """Flush and release the sink."""

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class LoggedSink(Sink):
    """A sink of append-only files made all-or-nothing by a :class:`CommitLog` (``self.log``).

    Subclasses say what bytes go to which file for a document (:meth:`encoder`), a source and an
    error; this class decides when to write them and keeps the latest copy of a
    replaced document and the latest error of each path.
    """

    log: CommitLog

    def encoder(self) -> Encoder:
        """What makes the bytes a document adds to each file (file -> bytes), in a worker."""
        raise NotImplementedError

    def _source_chunks(self, sha256: str, path: str) -> dict[Path, bytes]:
        raise NotImplementedError

    def _error_chunks(self, error: dict) -> dict[Path, bytes]:
        raise NotImplementedError

    def loaded(self) -> set[str]:
        return set(self.log.keys("document"))

    def write_document(self, sha256: str, paths: Sequence[str], records: Sequence[Record], *, replace: bool,
                       encoded: dict[Path, bytes] | None = None) -> None:
        if replace or sha256 not in self.log.keys("document"):
            chunks = encoded if encoded is not None else self.encoder()(sha256, records)
            self.log.append(sha256, "document", chunks)
        self.add_sources(sha256, paths)

    def add_sources(self, sha256: str, paths: Sequence[str]) -> None:
        known = self.log.keys("source")
        for path in dict.fromkeys(paths):
            key = f"{sha256}\t{stored_path(path)}"
            if key not in known:
                self.log.append(key, "source", self._source_chunks(sha256, path))

    def write_error(self, path: str, sha256: str | None, stage: str, error_class: str, message: str,
                    location: str | None = None) -> None:
        from ..schema import error_row  # (not at the top: a batch's workers import this package, not SQLAlchemy)

        error = error_row(path, sha256, stage, error_class, message, location)
        self.log.append(error["path"], "error", self._error_chunks(error), sha256=sha256,
                        error=[error["stage"], error["error_class"], error["message"], error["location"]])

    def failed(self) -> dict[str, dict[str, ErrorRow]]:
        loaded = self.log.keys("document")
        out: dict[str, dict[str, ErrorRow]] = {}
        for e in self._live_errors():
            if e.get("sha256") and e.get("error") and e["sha256"] not in loaded:
                out.setdefault(e["sha256"], {})[e["key"]] = tuple(e["error"])
        return out

    def _live_errors(self) -> list[dict]:
        """The latest error entry of each path, unless the path loaded since."""
        loaded_at = {e["key"].split("\t", 1)[1]: i for i, e in enumerate(self.log.entries) if e["kind"] == "source"}
        latest = {e["key"]: (i, e) for i, e in enumerate(self.log.entries) if e["kind"] == "error"}
        return [e for i, e in latest.values() if loaded_at.get(e["key"], -1) < i]

    def _compact(self) -> None:
        """Keep the latest copy of each replaced document and the latest error of each path, unless the
        path has loaded since (it was fixed)."""
        self.log.compact("document")
        loaded_at = {e["key"].split("\t", 1)[1]: i for i, e in enumerate(self.log.entries) if e["kind"] == "source"}
        self.log.compact("error", drop=lambda i, e: loaded_at.get(e["key"], -1) > i)

    def close(self) -> None:
        self._compact()


def open_sinks(*, db: str | None = None, jsonl: str | None = None, csv: str | None = None,
               parquet: str | None = None) -> list[Sink]:
    """Open the sinks named by a CLI-style spec; no spec at all means SQLite ``decextract.sqlite`` here."""
    if not any((db, jsonl, csv, parquet)):
        db = "sqlite:///decextract.sqlite"
    sinks: list[Sink] = []
    try:
        if db:
            from .sql import SqlSink

            sinks.append(SqlSink(db))
        if jsonl:
            from .jsonl import JsonlSink

            sinks.append(JsonlSink(jsonl))
        if csv:
            from .csv import CsvSink

            sinks.append(CsvSink(csv))
        if parquet:
            try:
                from .parquet import ParquetSink
            except ModuleNotFoundError as exc:  # pyarrow is an extra: the core does not need it
                if not (exc.name or "").startswith("pyarrow"):
                    raise
                raise SinkError("Parquet output needs pyarrow: pip install 'decextract[parquet]'",
                                path=parquet) from exc

            sinks.append(ParquetSink(parquet))
    except BaseException:
        for sink in sinks:
            sink.close()
        raise
    return sinks


class CommitLog:
    """Append-only files made all-or-nothing by a manifest of committed entries.

    Each :meth:`append` writes its bytes to the files, fsyncs them, then appends
    one JSON line to the manifest naming the entry and the byte range it took in
    each file.  Opening truncates every file to the end of its last committed
    range, so a write torn by a crash leaves no trace.  :meth:`compact` drops
    entries superseded by a later one with the same key (``--force`` replacing):
    it writes new copies of every file, marks the switch, renames, and a crash in
    between is rolled forward on the next open.  ``headers`` (file -> bytes) start
    each file, outside every entry (CSV column names).
    """

    def __init__(self, manifest: Path, files: Iterable[Path], headers: dict[Path, bytes] | None = None):
        self.manifest = Path(manifest)
        self.files = [Path(f) for f in files]
        self.headers = {Path(f).name: h for f, h in (headers or {}).items()}
        self._switch = self.manifest.with_name(self.manifest.name + ".switch")
        self.entries: list[dict] = []
        self._keys: dict[str, set[str]] = {}
        self._digests: dict[str, Any] = {}  # file name -> sha256 of its committed bytes so far
        self._finish_compaction()
        self._recover()
        self._index()

    def _targets(self) -> list[Path]:
        return [*self.files, self.manifest]

    def _finish_compaction(self) -> None:
        switching = self._switch.exists()
        for f in self._targets():
            tmp = f.with_name(f.name + ".compact")
            if tmp.exists():
                if switching:
                    os.replace(tmp, f)
                else:
                    tmp.unlink()
        if switching:
            self._switch.unlink()

    def _recover(self) -> None:
        valid_bytes = 0
        if self.manifest.exists():
            raw = self.manifest.read_bytes()
            for line in raw.splitlines(keepends=True):
                if not line.endswith(b"\n"):
                    break  # torn manifest line: its data is dropped below
                try:
                    self.entries.append(json.loads(line))
                except ValueError:
                    break
                valid_bytes += len(line)
            if valid_bytes != len(raw):
                _truncate(self.manifest, valid_bytes)
        for f in self.files:
            header = self.headers.get(f.name, b"")
            ends = [e["ranges"][f.name][1] for e in self.entries if f.name in e["ranges"]]
            if ends and (not f.exists() or f.stat().st_size < max(ends)):
                # the data the manifest commits is gone (the file deleted or cut by hand): writing on would
                # skip documents that are no longer there
                raise SinkError(f"{f.name} is shorter than its commit manifest says: delete {self.manifest.name} "
                                "too to start afresh, or restore the file", path=str(f))
            if not f.exists() or f.stat().st_size < len(header):
                f.write_bytes(header)
            end = max(ends, default=len(header))
            self._verify(f, end, header)
            _truncate(f, end)

    def _verify(self, f: Path, end: int, header: bytes) -> None:
        """Refuse a file whose committed bytes changed since they were written (opened and saved in Excel,
        say: a BOM and CRLF line ends), and keep the running digest of its committed bytes for the next
        entries."""
        last = next((e for e in reversed(self.entries) if f.name in e["ranges"]), None)
        if last is None:  # nothing committed to lose: the header as this version writes it
            with open(f, "rb") as src:
                if src.read(len(header)) != header:
                    f.write_bytes(header)
            self._digests[f.name] = hashlib.sha256(header)
            return
        digest = hashlib.sha256()
        with open(f, "rb") as src:
            left = end
            while left > 0:
                chunk = src.read(min(left, 1 << 20))
                if not chunk:
                    break
                digest.update(chunk)
                left -= len(chunk)
        expected = last.get("digests", {}).get(f.name)  # None in a manifest of a version before 0.2
        if expected is not None and digest.hexdigest() != expected:
            raise SinkError(f"{f.name} was changed since decextract wrote it (opened and saved by another "
                            f"program?): its content no longer matches {self.manifest.name}. Writing on would "
                            "corrupt it: move the folder's outputs away (or delete them and "
                            f"{self.manifest.name}) to start afresh, or restore the file; `decextract export` "
                            "writes copies for editing", path=str(f))
        self._digests[f.name] = digest

    def append(self, key: str, kind: str, chunks: dict[Path, bytes], **extra) -> None:
        """Write ``chunks`` (file -> bytes) and commit them as one entry."""
        ranges = {}
        for f, data in chunks.items():
            if not data:
                continue
            with open(f, "ab") as out:
                start = out.tell()
                out.write(data)
                out.flush()
                os.fsync(out.fileno())
            ranges[Path(f).name] = [start, start + len(data)]
            self._digests[Path(f).name].update(data)
        digests = {name: self._digests[name].hexdigest() for name in ranges}
        entry = {"key": key, "kind": kind, "ranges": ranges, "digests": digests, **extra}
        with open(self.manifest, "ab") as out:
            out.write(_json_line(entry))
            out.flush()
            os.fsync(out.fileno())
        self.entries.append(entry)
        self._keys.setdefault(kind, set()).add(key)

    def keys(self, kind: str) -> set[str]:
        """Keys of the committed entries of ``kind`` (do not modify)."""
        return self._keys.setdefault(kind, set())

    def _index(self) -> None:
        self._keys = {}
        for e in self.entries:
            self._keys.setdefault(e["kind"], set()).add(e["key"])

    def compact(self, kind: str, drop: Callable[[int, dict], bool] | None = None) -> None:
        """Keep only the last entry of each key of ``kind``, and of those not the ones ``drop(index, entry)`` names."""
        last = {e["key"]: i for i, e in enumerate(self.entries) if e["kind"] == kind}
        keep = [e for i, e in enumerate(self.entries)
                if e["kind"] != kind or last[e["key"]] == i and not (drop and drop(i, e))]
        if len(keep) == len(self.entries):
            return
        new_ranges: list[dict] = [{} for _ in keep]
        new_digests: list[dict] = [{} for _ in keep]
        digests = {}
        for f in self.files:
            with open(f, "rb") as src, open(f.with_name(f.name + ".compact"), "wb") as out:
                header = self.headers.get(f.name, b"")
                out.write(header)
                digest = digests[f.name] = hashlib.sha256(header)
                for entry, ranges, sums in zip(keep, new_ranges, new_digests, strict=True):
                    if f.name in entry["ranges"]:
                        start, end = entry["ranges"][f.name]
                        src.seek(start)
                        pos = out.tell()
                        data = src.read(end - start)
                        out.write(data)
                        digest.update(data)
                        ranges[f.name] = [pos, out.tell()]
                        sums[f.name] = digest.hexdigest()
                out.flush()
                os.fsync(out.fileno())
        entries = [{**e, "ranges": r, "digests": d} for e, r, d in zip(keep, new_ranges, new_digests, strict=True)]
        with open(self.manifest.with_name(self.manifest.name + ".compact"), "wb") as out:
            out.write(b"".join(_json_line(e) for e in entries))
            out.flush()
            os.fsync(out.fileno())
        self._switch.touch()
        self._finish_compaction()
        self.entries = entries
        self._digests = digests
        self._index()


def _json_line(obj: dict) -> bytes:
    """One line of JSON in UTF-8 for any str: a lone surrogate is written as its JSON escape (``\\udc80``),
    which reads back as the same str."""
    return json.dumps(obj, ensure_ascii=False).encode("utf-8", "backslashreplace") + b"\n"


def _truncate(path: Path, size: int) -> None:
    if path.stat().st_size > size:
        with open(path, "r+b") as f:
            f.truncate(size)


def check_writable_dir(path: Path) -> Path:
    """Create ``path`` as a folder if needed; a :class:`SinkError` when that is impossible."""
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise SinkError(f"cannot create output folder: {exc.strerror or exc}", path=str(path)) from exc
    return path
