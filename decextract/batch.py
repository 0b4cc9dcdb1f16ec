"""Many documents at once: walk the inputs, extract in worker processes (or on Dask), write exactly once.

:func:`extract_many` yields one :class:`DocumentResult` per input file;
:func:`run_batch` feeds those results to sinks from this single process (the
only writer) and counts them.  The inputs are found by :mod:`decextract.inputs`;
the local engine's worker processes, with their time and memory limits, are
:mod:`decextract.workers`.
"""

from __future__ import annotations

import os
import time
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, TextIO

import attrs

from .errors import DecExtractError
from .inputs import Inputs, discover
from .limits import DEFAULT_MAX_MEMORY, DEFAULT_MAX_SIZE, DEFAULT_TIMEOUT, Limits
from .progress import Progress, Summary
from .readers import hash_file, read_file
from .records import Record
from .storable import one_line, shown, stored_path
from .workers import DocumentResult, Failure, Task, extract_bytes, run_local

if TYPE_CHECKING:  # the sinks load SQLAlchemy: not needed by extract_many (the extract command)
    from .sinks import Encoder, Sink

__all__ = ["DocumentResult", "Failure", "discover", "extract_bytes", "extract_many", "run_batch", "to_dataframe"]

#: failure stages worth trying again on the next run whatever --retry-failed says: the file or the output
#: changed, not the document's content
RETRIED_STAGES = frozenset({"open", "write"})


# ---------------------------------------------------------------- planning


def _plan(inputs: Inputs, skip: Collection[str], failed: Mapping[str, Failure], limits: Limits, *,
          keep_bytes: bool, dedupe: bool = True, order: Iterable[str] | None = None) -> Iterator[DocumentResult | Task]:
    """Hash each file (lazily, as workers free up, streamed): a task to extract, or a result needing no work.

    Files are taken in ``order`` (by default as found); of files with the same bytes the first taken is
    extracted, the others are duplicates."""
    seen: set[str] = set()
    for path in inputs if order is None else order:
        refused = inputs.refused.get(path)
        if refused is not None:
            yield DocumentResult(path, None, "failed", failure=Failure.of("open", refused))
            continue
        try:
            if keep_bytes:
                sha, data = read_file(path, limits.max_size)
            else:
                sha, data = hash_file(path, limits.max_size), None
        except DecExtractError as exc:
            yield DocumentResult(path, None, "failed", failure=Failure.of("open", exc))
            continue
        if sha in skip:
            yield DocumentResult(path, sha, "skipped", reason="loaded")
        elif dedupe and sha in seen:
            yield DocumentResult(path, sha, "skipped", reason="duplicate")
        elif sha in failed:
            yield DocumentResult(path, sha, "skipped", failure=failed[sha], reason="failed")
        else:
            seen.add(sha)
            yield Task(path, sha, data)


# ---------------------------------------------------------------- Dask engine


def _run_dask(items: Iterator[DocumentResult | Task], scheduler: Any, limits: Limits,
              encoders: Sequence[Encoder] = ()) -> Iterator[DocumentResult]:
    """Extract on a Dask cluster: the bytes travel to the workers, results (rows made there) stream back here."""
    try:
        from distributed import Client, wait
    except ImportError as exc:
        raise ImportError("the dask engine needs dask.distributed: pip install 'decextract[dask]'") from exc
    from dask.distributed import TimeoutError as DaskTimeout

    client = scheduler if isinstance(scheduler, Client) else Client(scheduler)
    timeout = limits.timeout
    inflight: dict[Any, tuple[Task, float]] = {}
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
                    future = client.submit(extract_bytes, item.data, item.path, sha256=item.sha256, limits=limits,
                                           encoders=encoders, pure=False)
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
                    yield DocumentResult(task.path, task.sha256, "failed", seconds=float(timeout), failure=Failure(
                        "timeout", "ExtractionTimeout", f"extraction took longer than {timeout:g} s"))
    finally:
        for future in inflight:
            future.cancel()
        if client is not scheduler:
            client.close()


# ---------------------------------------------------------------- public API


def extract_many(paths: Iterable[str | os.PathLike] | Inputs, workers: int | None = None, *,
                 timeout: float | None = DEFAULT_TIMEOUT, skip: Collection[str] = frozenset(),
                 engine: str = "local", scheduler: Any = None, max_size: int | None = DEFAULT_MAX_SIZE,
                 max_memory: int | None = DEFAULT_MAX_MEMORY, follow_links: bool = False,
                 failed: Mapping[str, Failure] | None = None, dedupe: bool = True, fork: bool = False,
                 encoders: Sequence[Encoder] = ()) -> Iterator[DocumentResult]:
    """Extract every file named by ``paths`` (files, folders, globs); yield one result per file as each finishes.

    ``workers`` processes (default: the number of cores) extract in parallel; a
    document running longer than ``timeout`` seconds, or needing more than
    ``max_memory`` bytes, is stopped and fails; a file larger than ``max_size``
    bytes is not read (``None``: no limit).  Links leaving the inputs are not
    followed unless ``follow_links``.  Files whose sha256 is in ``skip``, and
    repeats of the same bytes (unless ``dedupe=False``), are yielded as skipped;
    so are files whose sha256 is in ``failed`` (sha256 -> the earlier failure),
    with ``reason="failed"``.  ``engine="dask"`` runs on the Dask cluster at
    ``scheduler`` (an address such as ``tcp://host:8786`` or a
    ``distributed.Client``) instead; there the memory limit is the cluster's own.  ``fork`` forks the
    local workers from this process where that is safe (see :func:`~decextract.workers.run_local`).
    ``encoders`` have the workers make the records into what sinks write (see
    :meth:`~decextract.sinks.Sink.encoder`), which results carry in ``encoded``.
    """
    inputs = paths if isinstance(paths, Inputs) else Inputs(paths, follow_links=follow_links)
    limits = Limits(max_size=max_size, max_memory=max_memory, timeout=timeout)
    failed = failed or {}
    if engine == "dask":
        return _run_dask(_plan(inputs, skip, failed, limits, keep_bytes=True, dedupe=dedupe), scheduler, limits,
                         encoders)
    if engine != "local":
        raise ValueError(f"unknown engine {engine!r}: use 'local' or 'dask'")
    n = max(1, min(workers or os.cpu_count() or 1, len(inputs) or 1))
    order = inputs.largest_first() if n > 1 else None  # (one worker: the order found, results in that order)
    return run_local(_plan(inputs, skip, failed, limits, keep_bytes=False, dedupe=dedupe, order=order), n, limits,
                     fork=fork, encoders=encoders)


def run_batch(paths: Iterable[str | os.PathLike], sinks: Sequence[Sink], *, workers: int | None = None,
              timeout: float | None = DEFAULT_TIMEOUT, force: bool = False, engine: str = "local",
              scheduler: Any = None, progress: bool = True, stream: TextIO | None = None,
              tty: bool | None = None, retry_failed: bool = False, follow_links: bool = False,
              max_size: int | None = DEFAULT_MAX_SIZE, max_memory: int | None = DEFAULT_MAX_MEMORY,
              strict: bool = False) -> Summary:
    """Extract everything under ``paths`` into ``sinks``, each document exactly once; return the counts.

    A document already complete in every sink is skipped (``force`` re-extracts
    and replaces it).  Failures become error rows in every sink and the batch
    goes on; a file that failed in an earlier run with the same bytes is not
    tried again (``retry_failed`` or ``force`` tries it), unless it failed to
    open or to be written (the file or the output may have changed since).
    With ``strict``, a document whose record carries warnings (pages without
    text, OCR, not a disclosure …) is not loaded but fails with them.
    """
    started = time.monotonic()
    inputs = Inputs(paths, exclude=[o for s in sinks for o in s.outputs], follow_links=follow_links)
    summary = Summary(total=len(inputs), outputs=tuple(s.name for s in sinks), memory_limit=max_memory)
    have = [set() if force else s.loaded() for s in sinks]
    skip = set.intersection(*have) if have else set()
    errors = [{} if force or retry_failed else s.failed() for s in sinks]
    failed = _failed_everywhere(errors)
    writer = _Writer(sinks, have, force, errors)
    encoders = [s.encoder() for s in sinks]
    encoders = encoders if all(encoders) else []  # all, or the records travel anyway
    with Progress(summary, stream=stream, tty=tty, enabled=progress) as bar:
        for result in extract_many(inputs, workers, timeout=timeout, skip=skip, engine=engine, scheduler=scheduler,
                                   max_size=max_size, max_memory=max_memory, failed=failed, encoders=encoders):
            summary.measure(result.peak_memory)
            if strict and (codes := _warning_codes(result)):
                result = attrs.evolve(result, status="failed", records=(), failure=Failure(
                    "strict", "DocumentWarnings", "warnings (--strict): " + "; ".join(codes)))
            for path, status, failure in writer.take(result):
                summary.count(status, failure.error_class if failure else None)
                if failure is not None and status == "failed":
                    bar.note(f"failed: {shown(path)}: {failure.error_class}: {one_line(failure.message)}")
                if status == "ok":
                    summary.count_warnings(result.records)
                bar.update()
    summary.seconds = time.monotonic() - started
    return summary


def _warning_codes(result: DocumentResult) -> list[str]:
    """The notice codes on a loaded document's record (the first record)."""
    if result.status != "ok" or not result.records or result.records[0].TYPE != "document":
        return []
    return [n.code for n in result.records[0].warnings]


def _failed_everywhere(errors: list[dict[str, dict[str, tuple]]]) -> dict[str, Failure]:
    """sha256 -> the latest failure, for documents every sink has a failure for that is not worth retrying."""
    if not errors:
        return {}
    common = set.intersection(*(set(e) for e in errors))
    out = {}
    for sha in common:
        rows = [row for row in errors[0][sha].values() if row[0] not in RETRIED_STAGES]
        if rows:
            out[sha] = Failure(*rows[-1])
    return out


class _Writer:
    """Turns results into sink writes; repeats of a document wait for the first copy's outcome."""

    def __init__(self, sinks: Sequence[Sink], have: list[set[str]], force: bool,
                 errors: list[dict[str, dict[str, tuple]]] | None = None):
        self.sinks, self.have, self.force = sinks, have, force
        self.errors = errors or [{} for _ in sinks]  # per sink: sha256 -> {path: error row} recorded before
        self.outcome: dict[str, Failure | None] = {}  # sha256 -> None (written) or its failure
        self.waiting: dict[str, list[str]] = {}  # sha256 -> duplicate paths awaiting the first copy

    def take(self, result: DocumentResult) -> list[tuple[str, str, Failure | None]]:
        """Write ``result``; return (path, status, failure) for each document it settles."""
        sha = result.sha256
        if result.status == "skipped" and result.reason == "duplicate":
            if sha not in self.outcome:
                self.waiting.setdefault(sha, []).append(result.path)
                return []
            return [self._settle_duplicate(sha, result.path)]
        if result.status == "skipped" and result.reason == "failed":
            for sink, known in zip(self.sinks, self.errors, strict=True):
                if stored_path(result.path) not in known.get(sha, {}):  # the same bytes under a new name
                    self._error_in(sink, result.path, sha, result.failure)
            return [(result.path, "not_retried", result.failure)]
        if result.status == "skipped":
            for sink in self.sinks:
                sink.add_sources(sha, [result.path])
            return [(result.path, "skipped", None)]
        failure = result.failure if result.status == "failed" else self._write(result)
        if sha is not None:
            self.outcome[sha] = failure
        if failure is not None:
            self._error(result.path, sha, failure)
        settled = [(result.path, "failed" if failure else "ok", failure)]
        return settled + [self._settle_duplicate(sha, p) for p in self.waiting.pop(sha, [])]

    def _write(self, result: DocumentResult) -> Failure | None:
        try:
            for k, (sink, have) in enumerate(zip(self.sinks, self.have, strict=True)):
                if result.sha256 in have and not self.force:
                    sink.add_sources(result.sha256, [result.path])
                else:  # with what the worker made of the records for this sink, when it made it
                    sink.write_document(result.sha256, [result.path], result.records, replace=self.force,
                                        encoded=result.encoded[k] if result.encoded else None)
                    have.add(result.sha256)
        except DecExtractError as exc:
            return Failure.of("write", exc)
        return None

    def _settle_duplicate(self, sha: str, path: str) -> tuple[str, str, Failure | None]:
        failure = self.outcome[sha]
        if failure is None:
            for sink in self.sinks:
                sink.add_sources(sha, [path])
            return (path, "skipped", None)
        self._error(path, sha, failure)
        return (path, "failed", failure)

    def _error(self, path: str, sha: str | None, f: Failure) -> None:
        for sink in self.sinks:
            self._error_in(sink, path, sha, f)

    @staticmethod
    def _error_in(sink: Sink, path: str, sha: str | None, f: Failure) -> None:
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
