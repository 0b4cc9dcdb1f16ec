"""Many documents at once: walk the inputs, extract in worker processes (or on Dask), write exactly once.

:func:`extract_many` yields one :class:`DocumentResult` per input file;
:func:`run_batch` feeds those results to sinks from this single process (the
only writer) and counts them.  Workers are long-lived processes, each loading
the lexicons and jieba once; a worker that overruns the per-document time limit
or dies is killed and replaced, and its document becomes an error.
"""

from __future__ import annotations

import glob
import hashlib
import multiprocessing
import os
import signal
import stat
import time
import traceback
from collections.abc import Collection, Iterable, Iterator, Sequence
from multiprocessing.connection import wait as wait_any
from pathlib import Path
from typing import Any, TextIO

import attrs

from .errors import DamagedFileError, DecExtractError
from .pipeline import records_of
from .progress import Progress, Summary
from .readers import archive, read_bytes
from .records import Record
from .sinks import Sink

DEFAULT_TIMEOUT = 120.0
_GLOB_CHARS = frozenset("*?[")


@attrs.frozen
class Failure:
    """Why a document failed: the stage (open, read, extract, timeout, write) and the error."""

    stage: str
    error_class: str
    message: str
    location: str | None = None

    @classmethod
    def of(cls, stage: str, exc: BaseException) -> Failure:
        if isinstance(exc, DecExtractError):
            return cls(stage, type(exc).__name__, exc.message, exc.location)
        frame = traceback.extract_tb(exc.__traceback__)[-1:] if exc.__traceback__ else []
        where = f"{Path(frame[0].filename).name}:{frame[0].lineno}" if frame else None
        return cls(stage, type(exc).__name__, str(exc) or type(exc).__name__, where)


@attrs.frozen
class DocumentResult:
    """The outcome for one input file.

    ``status`` is ``ok`` (``records`` hold the document's records), ``failed``
    (``failure`` says why) or ``skipped`` (``reason``: ``loaded`` when the sha256 was
    to be skipped, ``duplicate`` when the same bytes came earlier in this run).
    """

    path: str
    sha256: str | None
    status: str
    records: tuple[Record, ...] = ()
    failure: Failure | None = None
    reason: str | None = None
    seconds: float = 0.0


@attrs.frozen
class _Task:
    path: str
    sha256: str
    data: bytes | None  # the bytes, for engines without a shared file system


# ---------------------------------------------------------------- inputs


def discover(paths: Iterable[str | os.PathLike], *, exclude: Collection[Path] = ()) -> list[str]:
    """The files named by ``paths`` as absolute paths: files as given, folders walked, globs expanded; each once.

    Hidden files and folders (names starting with ".") inside walked folders are
    left out; everything else is returned, so that a file decextract cannot read
    is reported rather than silently ignored.  Paths in ``exclude`` (a batch's own
    outputs) and anything under them are left out.
    """
    excluded = [Path(p).resolve() for p in exclude]
    seen: dict[Path, str] = {}

    def add(path: str) -> None:
        try:
            real = Path(path).resolve()
        except (OSError, RuntimeError):  # a symlink loop: keep the path, so it is reported as an open error
            real = Path(os.path.abspath(path))
        if real in seen or any(real == e or e in real.parents for e in excluded):
            return
        seen[real] = os.path.abspath(path)

    for arg in map(os.fspath, paths):
        if os.path.isdir(arg):
            for name in _walk(arg):
                add(name)
        elif not os.path.exists(arg) and _GLOB_CHARS & set(arg):
            for match in sorted(glob.glob(arg, recursive=True)):
                for name in _walk(match) if os.path.isdir(match) else [match]:
                    add(name)
        else:
            add(arg)  # a missing file is reported as an error, not dropped
    return [member for path in seen.values() for member in archive_members(path)]


def archive_members(path: str) -> list[str]:
    """An archive's member paths (archive.zip!/member.pdf), each read as its own document; else [path]."""
    return archive.expand(path) if archive.is_archive(path) else [path]


def _walk(folder: str) -> Iterator[str]:
    """Files under ``folder``, then the folders that could not be read (each reported as an error)."""
    unreadable: list[str] = []
    for root, dirs, files in os.walk(folder, onerror=lambda exc: unreadable.append(exc.filename)):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            if not name.startswith("."):
                yield os.path.join(root, name)
    yield from unreadable


def _hash_file(path: str) -> tuple[str, bytes]:
    """sha256 and bytes of a regular file; a DamagedFileError naming it when it cannot be read."""
    if archive.is_member_path(path):
        data = archive.read_member(path)
        return hashlib.sha256(data).hexdigest(), data
    try:
        mode = os.stat(path).st_mode
        if stat.S_ISDIR(mode):
            os.listdir(path)  # raises the reason the walk could not enter it
            raise DamagedFileError("a folder, not a file", path=path)
        if not stat.S_ISREG(mode):
            raise DamagedFileError("not a regular file", path=path)
        with open(path, "rb") as f:
            data = f.read()
    except OSError as exc:
        raise DamagedFileError(f"cannot open: {exc.strerror or exc}", path=path) from exc
    return hashlib.sha256(data).hexdigest(), data


def _plan(files: Iterable[str], skip: Collection[str], *, keep_bytes: bool) -> Iterator[DocumentResult | _Task]:
    """Hash each file (lazily, as workers free up): a task to extract, or a result needing no work."""
    seen: set[str] = set()
    for path in files:
        try:
            sha, data = _hash_file(path)
        except DecExtractError as exc:
            yield DocumentResult(path, None, "failed", failure=Failure.of("open", exc))
            continue
        if sha in skip:
            yield DocumentResult(path, sha, "skipped", reason="loaded")
        elif sha in seen:
            yield DocumentResult(path, sha, "skipped", reason="duplicate")
        else:
            seen.add(sha)
            yield _Task(path, sha, data if keep_bytes else None)


# ---------------------------------------------------------------- extraction (runs in workers)


def extract_bytes(data: bytes, path: str) -> DocumentResult:
    """Extract one document from its bytes, never raising: failures come back as a result."""
    started = time.perf_counter()
    sha = hashlib.sha256(data).hexdigest()
    try:
        doc = read_bytes(data, path)
    except Exception as exc:  # a bad file must never stop a batch
        return DocumentResult(path, sha, "failed", failure=Failure.of("read", exc),
                              seconds=time.perf_counter() - started)
    try:
        records = tuple(records_of(doc))
    except Exception as exc:
        return DocumentResult(path, sha, "failed", failure=Failure.of("extract", exc),
                              seconds=time.perf_counter() - started)
    return DocumentResult(path, sha, "ok", records=records, seconds=time.perf_counter() - started)


def _extract_path(path: str, planned: str) -> DocumentResult:
    """Extract the file the parent hashed as ``planned``; a file deleted or changed since is a failure of
    that document (so the paths waiting on the same bytes are settled too), never a lost one."""
    try:
        sha, data = _hash_file(path)
    except DecExtractError as exc:
        return DocumentResult(path, planned, "failed", failure=Failure.of("open", exc))
    if sha != planned:
        return DocumentResult(path, planned, "failed", failure=Failure(
            "open", "DamagedFileError", "the file changed while the batch ran: run the batch again"))
    return extract_bytes(data, path)


def _warm_up() -> None:
    """Load the lexicons and the jieba dictionary once, before the first real document."""
    extract_bytes("2020年度部门决算。一般公共预算财政拨款支出1.5万元，比上年增长10%。".encode(), "<warm-up>")


def _worker_main(conn) -> None:
    """A worker process: warm up, then extract each path received until told to stop."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    _warm_up()
    try:
        conn.send("ready")
        while (item := conn.recv()) is not None:
            path, planned = item
            result = _extract_path(path, planned)
            try:
                conn.send(result)
            except ConnectionError:
                raise
            except Exception as exc:  # a result that does not pickle
                conn.send(DocumentResult(path, result.sha256, "failed", failure=Failure.of("extract", exc)))
    except (EOFError, ConnectionError):
        pass  # the parent is gone: stop quietly


# ---------------------------------------------------------------- local engine


class _Worker:
    """One worker process, its pipe, and the task it is working on."""

    def __init__(self, ctx) -> None:
        self.conn, child = ctx.Pipe()
        self.process = ctx.Process(target=_worker_main, args=(child,), daemon=True, name="decextract-worker")
        self.process.start()
        child.close()
        self.ready = False
        self.task: _Task | None = None
        self.deadline = float("inf")

    def give(self, task: _Task, timeout: float | None) -> None:
        self.conn.send((task.path, task.sha256))
        self.task = task
        self.deadline = time.monotonic() + timeout if timeout else float("inf")

    def kill(self) -> None:
        if self.process.is_alive():
            self.process.kill()
        self.process.join()
        self.conn.close()

    def stop(self) -> None:
        try:
            self.conn.send(None)
        except OSError:
            pass
        self.process.join(timeout=5)
        self.kill()


def _failed(task: _Task, stage: str, error_class: str, message: str, seconds: float = 0.0) -> DocumentResult:
    return DocumentResult(task.path, task.sha256, "failed", failure=Failure(stage, error_class, message),
                          seconds=seconds)


def _run_local(items: Iterator[DocumentResult | _Task], workers: int, timeout: float | None
               ) -> Iterator[DocumentResult]:
    """Extract tasks in up to ``workers`` processes, started only when there is work and replaced when lost."""
    ctx = multiprocessing.get_context("spawn")
    pool: list[_Worker] = []
    pending: _Task | None = None  # the next task, waiting for an idle worker
    exhausted = False
    try:
        while True:
            if pending is None and not exhausted:
                for item in items:
                    if isinstance(item, DocumentResult):
                        yield item
                    else:
                        pending = item
                        break
                else:
                    exhausted = True
            for w in [w for w in pool if w.task is None and not w.process.is_alive()]:
                if not w.ready:
                    raise RuntimeError(f"a decextract worker failed to start (exit code {w.process.exitcode})")
                w.kill()
                pool.remove(w)
            if pending is not None:
                pool += [_Worker(ctx) for _ in range(workers - len(pool))]
                idle = next((w for w in pool if w.ready and w.task is None), None)
                if idle is not None:
                    idle.give(pending, timeout)
                    pending = None
                    continue
            busy = [w for w in pool if w.task is not None]
            if exhausted and pending is None and not busy:
                return
            deadline = min((w.deadline for w in busy), default=float("inf"))
            wait_any([w.conn for w in pool] + [w.process.sentinel for w in pool],
                     timeout=None if deadline == float("inf") else max(0.0, deadline - time.monotonic()))
            for w in pool:
                message = _poll(w)
                if isinstance(message, DocumentResult):
                    w.task = None
                    yield message
                elif w.task is not None and (not w.process.is_alive() or time.monotonic() >= w.deadline):
                    yield _lost(w, timeout)
    finally:
        for w in pool:
            w.stop() if exhausted else w.kill()


def _poll(w: _Worker) -> DocumentResult | str | None:
    """The message from ``w`` if one is waiting (``"ready"`` marks the worker ready)."""
    try:
        if not w.conn.poll():
            return None
        message = w.conn.recv()
    except (EOFError, OSError):
        return None
    if message == "ready":
        w.ready = True
    return message


def _lost(w: _Worker, timeout: float | None) -> DocumentResult:
    """Kill ``w`` (overdue or already dead) and say what happened to its document."""
    task, w.task = w.task, None
    overdue = w.process.is_alive()
    w.kill()
    if overdue:
        return _failed(task, "timeout", "ExtractionTimeout", f"extraction took longer than {timeout:g} s",
                       seconds=float(timeout))
    return _failed(task, "extract", "WorkerCrashed", f"the worker process died (exit code {w.process.exitcode})")


# ---------------------------------------------------------------- Dask engine


def _run_dask(items: Iterator[DocumentResult | _Task], scheduler: Any, timeout: float | None
              ) -> Iterator[DocumentResult]:
    """Extract on a Dask cluster: the bytes travel to the workers, results stream back here."""
    try:
        from distributed import Client, wait
    except ImportError as exc:
        raise ImportError("the dask engine needs dask.distributed: pip install 'decextract[dask]'") from exc
    from dask.distributed import TimeoutError as DaskTimeout

    client = scheduler if isinstance(scheduler, Client) else Client(scheduler)
    inflight: dict[Any, tuple[_Task, float]] = {}
    try:
        capacity = max(1, sum(client.nthreads().values()))
        exhausted = False
        while True:
            while len(inflight) < capacity and not exhausted:
                item = next(items, None)
                if item is None:
                    exhausted = True
                elif isinstance(item, DocumentResult):
                    yield item
                else:
                    future = client.submit(extract_bytes, item.data, item.path, pure=False)
                    inflight[future] = (item, time.monotonic() + timeout if timeout else float("inf"))
            if not inflight:
                return
            deadline = min(d for _, d in inflight.values())
            try:
                done, _ = wait(list(inflight), return_when="FIRST_COMPLETED",
                               timeout=None if deadline == float("inf") else max(0.01, deadline - time.monotonic()))
            except DaskTimeout:
                done = set()
            for future in done:
                task, _ = inflight.pop(future)
                if future.status == "finished":
                    yield future.result()
                else:
                    exc = future.exception()
                    yield DocumentResult(task.path, task.sha256, "failed", failure=Failure.of("extract", exc))
            now = time.monotonic()
            for future, (task, due) in list(inflight.items()):
                if now >= due:
                    future.cancel()
                    del inflight[future]
                    yield _failed(task, "timeout", "ExtractionTimeout", f"extraction took longer than {timeout:g} s",
                                  seconds=float(timeout))
    finally:
        for future in inflight:
            future.cancel()
        if client is not scheduler:
            client.close()


# ---------------------------------------------------------------- public API


def extract_many(paths: Iterable[str | os.PathLike], workers: int | None = None, *,
                 timeout: float | None = DEFAULT_TIMEOUT, skip: Collection[str] = frozenset(),
                 engine: str = "local", scheduler: Any = None) -> Iterator[DocumentResult]:
    """Extract every file named by ``paths`` (files, folders, globs); yield one result per file as each finishes.

    ``workers`` processes (default: the number of cores) extract in parallel; a
    document running longer than ``timeout`` seconds is stopped and fails.  Files
    whose sha256 is in ``skip``, and repeats of the same bytes, are yielded as
    skipped.  ``engine="dask"`` runs on the Dask cluster at ``scheduler`` (an
    address such as ``tcp://host:8786`` or a ``distributed.Client``) instead.
    """
    files = discover(paths)
    if engine == "dask":
        return _run_dask(_plan(files, skip, keep_bytes=True), scheduler, timeout)
    if engine != "local":
        raise ValueError(f"unknown engine {engine!r}: use 'local' or 'dask'")
    n = max(1, min(workers or os.cpu_count() or 1, len(files) or 1))
    return _run_local(_plan(files, skip, keep_bytes=False), n, timeout)


def run_batch(paths: Iterable[str | os.PathLike], sinks: Sequence[Sink], *, workers: int | None = None,
              timeout: float | None = DEFAULT_TIMEOUT, force: bool = False, engine: str = "local",
              scheduler: Any = None, progress: bool = True, stream: TextIO | None = None,
              tty: bool | None = None, strict: bool = False) -> Summary:
    """Extract everything under ``paths`` into ``sinks``, each document exactly once; return the counts.

    A document already complete in every sink is skipped (``force`` re-extracts
    and replaces it).  Failures become error rows in every sink and the batch goes on.
    With ``strict``, a document whose record carries warnings (pages without text,
    OCR, not a disclosure …) is not loaded but fails with them.
    """
    started = time.monotonic()
    files = discover(paths, exclude=[o for s in sinks for o in s.outputs])
    summary = Summary(total=len(files), outputs=tuple(s.name for s in sinks))
    have = [set() if force else s.loaded() for s in sinks]
    skip = set.intersection(*have) if have else set()
    writer = _Writer(sinks, have, force)
    with Progress(summary, stream=stream, tty=tty, enabled=progress) as bar:
        for result in extract_many(files, workers, timeout=timeout, skip=skip, engine=engine, scheduler=scheduler):
            codes = _warning_codes(result)
            if strict and codes:
                result = attrs.evolve(result, status="failed", records=(), failure=Failure(
                    "strict", "DocumentWarnings", "warnings (--strict): " + "; ".join(codes)))
            elif codes:
                summary.warned.update(codes)
            summary.count_table_warnings(result.records)
            for status, error_class in writer.take(result):
                summary.count(status, error_class)
                bar.update()
    summary.seconds = time.monotonic() - started
    return summary


def _warning_codes(result: DocumentResult) -> list[str]:
    """The notice codes on a loaded document's record (the first record)."""
    if result.status != "ok" or not result.records or result.records[0].TYPE != "document":
        return []
    return [n.code for n in result.records[0].warnings]


class _Writer:
    """Turns results into sink writes; repeats of a document wait for the first copy's outcome."""

    def __init__(self, sinks: Sequence[Sink], have: list[set[str]], force: bool):
        self.sinks, self.have, self.force = sinks, have, force
        self.outcome: dict[str, Failure | None] = {}  # sha256 -> None (written) or its failure
        self.waiting: dict[str, list[str]] = {}  # sha256 -> duplicate paths awaiting the first copy

    def take(self, result: DocumentResult) -> list[tuple[str, str | None]]:
        """Write ``result``; return (status, error class) for each document it settles."""
        sha = result.sha256
        if result.status == "skipped" and result.reason == "duplicate":
            if sha not in self.outcome:
                self.waiting.setdefault(sha, []).append(result.path)
                return []
            return [self._settle_duplicate(sha, result.path)]
        if result.status == "skipped":
            for sink in self.sinks:
                sink.add_sources(sha, [result.path])
            return [("skipped", None)]
        failure = result.failure if result.status == "failed" else self._write(result)
        if sha is not None:
            self.outcome[sha] = failure
        if failure is not None:
            self._error(result.path, sha, failure)
        settled = [("failed", failure.error_class) if failure else ("ok", None)]
        return settled + [self._settle_duplicate(sha, p) for p in self.waiting.pop(sha, [])]

    def _write(self, result: DocumentResult) -> Failure | None:
        try:
            for sink, have in zip(self.sinks, self.have, strict=True):
                if result.sha256 in have and not self.force:
                    sink.add_sources(result.sha256, [result.path])
                else:
                    sink.write_document(result.sha256, [result.path], result.records, replace=self.force)
                    have.add(result.sha256)
        except DecExtractError as exc:
            return Failure.of("write", exc)
        return None

    def _settle_duplicate(self, sha: str, path: str) -> tuple[str, str | None]:
        failure = self.outcome[sha]
        if failure is None:
            for sink in self.sinks:
                sink.add_sources(sha, [path])
            return ("skipped", None)
        self._error(path, sha, failure)
        return ("failed", failure.error_class)

    def _error(self, path: str, sha: str | None, f: Failure) -> None:
        for sink in self.sinks:
            sink.write_error(path, sha, f.stage, f.error_class, f.message, f.location)


def to_dataframe(records: Iterable[Record], type: str | None = None):
    """A pandas DataFrame of records, one row each, with the flattened columns of :mod:`decextract.schema`.

    ``type`` keeps only records of that type (``figure``, ``table_row`` …).  Money
    stays :class:`~decimal.Decimal` (object columns), never float.
    """
    try:
        import pandas as pd
    except ImportError as exc:
        raise ImportError("to_dataframe needs pandas: pip install 'decextract[pandas]'") from exc
    import sqlalchemy as sa

    from .schema import TABLE_OF_TYPE, flatten

    rows = []
    for record in records:
        if type is None or record.TYPE == type:
            prov = getattr(record, "prov", None)
            sha = record.sha256 if record.TYPE == "document" else prov.sha256 if prov else None
            rows.append({"type": record.TYPE, "sha256": sha, **flatten(record)})
    frame = pd.DataFrame(rows)
    integers = {name for table in TABLE_OF_TYPE.values() for name, column in table.columns.items()
                if isinstance(column.type, sa.Integer)}
    for name in integers & set(frame.columns):  # a year or page with gaps stays an integer, not 2020.0
        values = frame[name].dropna()
        whole = values.map(lambda v: isinstance(v, (int, float)) and not isinstance(v, bool) and float(v).is_integer())
        if whole.all():  # a column that mixes kinds of values across record types stays as it is
            frame[name] = frame[name].astype("Int64")
    return frame
