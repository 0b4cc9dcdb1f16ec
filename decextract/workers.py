"""Worker processes: one document at a time each, inside its limits, replaced when lost.

:func:`extract_bytes` and :func:`extract_path` are what a worker runs for one
document; they never raise: every failure comes back as a
:class:`DocumentResult`.  :func:`run_local` keeps up to N long-lived worker
processes busy (each loads the lexicons and jieba once) and watches them:

- **time**: a document over ``limits.timeout`` is stopped by killing its worker;
- **memory**: each worker caps its own address space at ``limits.max_memory``
  (``RLIMIT_AS``), so an allocation beyond it fails inside the worker and the
  document is a :class:`~decextract.errors.MemoryLimitError` naming the limit.
  The parent samples every busy worker's size ten times a second: for the peak
  it reports, to kill a worker where the cap is unavailable, and to tell a
  worker that a C library aborted for want of memory (PDFium does) from one
  that crashed;
- **the parent's death**: a worker dies with the batch (``PR_SET_PDEATHSIG`` on
  Linux, and a watchdog thread everywhere), so no orphan keeps a core busy.
"""

from __future__ import annotations

import gc
import hashlib
import multiprocessing
import os
import signal
import sys
import threading
import time
import traceback
from collections.abc import Iterator, Sequence
from multiprocessing.connection import wait as wait_any
from pathlib import Path
from typing import TYPE_CHECKING

import attrs

from .collector import paused
from .errors import DamagedFileError, DecExtractError, MemoryLimitError
from .limits import (
    Limits,
    StaleWorker,
    apply_memory_limit,
    document_begun,
    format_size,
    memory_error,
    memory_of,
    worker_ready,
)
from .pipeline import records_of
from .readers import read_bytes, read_file
from .records import Record

if TYPE_CHECKING:
    from .sinks import Encoder

#: how often the parent samples a busy worker's memory (seconds)
SAMPLE_INTERVAL = 0.1
#: a worker that dies by a signal after reaching this share of the memory limit ran out of memory
_NEAR_LIMIT = 0.7
#: a capped worker whose address space stays this close to its cap (bytes) for PINNED seconds is out of memory:
#: with no room left, the interpreter can loop in place (each new exception needs memory it cannot get), so
#: the worker would never say so itself
_PINNED_MARGIN = 4 << 20  # (measured: such a worker sits within 1 MB of its cap)
PINNED = 5.0


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
    to be skipped, ``duplicate`` when the same bytes came earlier in this run,
    ``failed`` when the same bytes failed in an earlier run).  ``peak_memory`` is
    the largest resident size, in bytes, the worker reached so far (None when
    not measured).  ``encoded`` holds, per encoder the extraction was given, what it made of the
    records (what each sink writes, prepared in the worker); ``records`` are then only those a batch
    counts warnings on (:data:`SUMMARY_TYPES`).
    """

    path: str
    sha256: str | None
    status: str
    records: tuple[Record, ...] = ()
    failure: Failure | None = None
    reason: str | None = None
    seconds: float = 0.0
    peak_memory: int | None = None
    encoded: tuple = ()


#: the records a result keeps when sinks' encoders made the rest into what they write
SUMMARY_TYPES = frozenset({"document", "table"})


@attrs.frozen
class Task:
    path: str
    sha256: str
    data: bytes | None  # the bytes, for engines without a shared file system


# ---------------------------------------------------------------- one document (runs in a worker)


@paused
def extract_bytes(data: bytes, path: str, *, sha256: str | None = None, limits: Limits | None = None,
                  encoders: Sequence[Encoder] = ()) -> DocumentResult:
    """Extract one document from its bytes, never raising: failures come back as a result.

    With ``encoders`` (one per sink, see :meth:`~decextract.sinks.Sink.encoder`) the result carries
    what each made of the records; one that fails makes it a failure at the ``write`` stage."""
    started = time.perf_counter()
    sha = sha256 or hashlib.sha256(data).hexdigest()
    limits = limits or Limits()
    stage, error, out_of_memory, encoded = "read", None, False, ()
    try:
        doc = read_bytes(data, path, sha256=sha, limits=limits)
        stage = "extract"
        records = tuple(records_of(doc))
        if encoders:
            stage = "write"
            encoded = tuple(encode(sha, records) for encode in encoders)
            records = tuple(r for r in records if r.TYPE in SUMMARY_TYPES)
    except MemoryLimitError as exc:
        error = Failure.of(stage, exc)
    except MemoryError:  # the failure is built below, once the frames holding the memory are gone
        out_of_memory = True
    except Exception as exc:  # a bad file must never stop a batch
        error = Failure.of(stage, exc)
    if out_of_memory:
        doc = records = encoded = None
        gc.collect()  # the suspended generators of the failed extraction, while nothing else needs memory
        what = {"read": "reading it", "extract": "extracting its records"}.get(stage, "preparing its rows")
        error = Failure.of(stage, memory_error(path, limits, what))
    seconds = time.perf_counter() - started
    if error is not None:
        return DocumentResult(path, sha, "failed", failure=error, seconds=seconds)
    return DocumentResult(path, sha, "ok", records=records, seconds=seconds, encoded=encoded)


def extract_path(path: str, planned: str, limits: Limits | None = None, encoders: Sequence[Encoder] = ()
                 ) -> DocumentResult:
    """Extract the file the parent hashed as ``planned``; a file deleted or changed since is a failure of
    that document (so the paths waiting on the same bytes are settled too), never a lost one."""
    limits = limits or Limits()
    error = None
    try:
        sha, data = read_file(path, limits.max_size)
    except DecExtractError as exc:
        error = Failure.of("open", exc)
    except MemoryError:
        error = True
    if error is True:
        error = Failure.of("open", memory_error(path, limits, "reading the file"))
    if error is not None:
        return DocumentResult(path, planned, "failed", failure=error)
    if sha != planned:
        return DocumentResult(path, planned, "failed", failure=Failure.of("open", DamagedFileError(
            "the file changed while the batch ran: run the batch again", path=path)))
    return extract_bytes(data, path, sha256=sha, limits=limits, encoders=encoders)


def warm_up() -> None:
    """Load the lexicons and the jieba dictionary once, before the first real document (once a process: a
    worker forked from the warmed fork server has them already)."""
    global _warmed
    if not _warmed:
        extract_bytes("2020年度部门决算。一般公共预算财政拨款支出1.5万元，比上年增长10%。".encode(), "<warm-up>")
        _warmed = True


_warmed = False


def _peak_rss() -> int | None:
    """The largest resident size this process reached, in bytes.

    From /proc (VmHWM) where there is one: ``ru_maxrss`` keeps, across the exec
    that starts a spawned worker, the size of the parent it was forked from."""
    try:
        with open("/proc/self/status", "rb") as f:
            for line in f:
                if line.startswith(b"VmHWM:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        import resource
    except ImportError:
        return None
    kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return kb * 1024 if sys.platform != "darwin" else kb


def _die_with_parent(parent: int) -> None:
    """End this process when ``parent`` ends, even if it is killed with SIGKILL."""
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
        except (OSError, AttributeError):
            pass
    if os.getppid() != parent:  # it died before the line above
        os._exit(1)

    def watch() -> None:  # platforms without PDEATHSIG; only runs when the GIL is free
        while os.getppid() == parent:
            time.sleep(1.0)
        os._exit(1)

    threading.Thread(target=watch, daemon=True, name="decextract-parent-watch").start()


def _worker_main(conn, limits: Limits, parent: int | None, encoders: Sequence[Encoder] = (),
                 started: tuple[dict[str, str], str] | None = None) -> None:
    """A worker process: cap its memory, warm up, then extract each path received until told to stop.

    ``parent`` is the process to die with (None: the one that started this worker, a fork server's
    worker dying with the server, which ends with the batch).  ``started`` is the batch's environment and
    working directory when the worker was asked for, which a worker forked from a server started earlier
    takes on (as a spawned worker inherits them).

    Nothing escapes as a traceback: what cannot be sent back ends the process
    quietly, and the parent reports the document's worker as lost.
    """
    if parent is None:
        parent = os.getppid()
        _let_the_server_end()
    try:
        if started is not None:
            env, cwd = started
            os.environ.clear()
            os.environ.update(env)
            os.chdir(cwd)
        _serve(conn, limits, parent, encoders)
    except (EOFError, ConnectionError, KeyboardInterrupt):
        pass  # the parent is gone: stop quietly
    except BaseException:  # noqa: BLE001 - no memory left even to report: the parent says what happened
        os._exit(70)
    # told to stop: nothing is left to save, so the interpreter's teardown (freeing the dictionaries and
    # caches object by object, a third of a second) is skipped; the batch does not wait for it
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


def _let_the_server_end() -> None:
    """Close, in a worker forked by the fork server, its copy of the pipe whose closing tells the server its
    clients are gone: the server ends when the batch does (then this worker, dying with it), not when its
    last worker does (which waits for the server: neither would end after the batch is killed)."""
    try:
        from multiprocessing import forkserver

        server = forkserver._forkserver
        if server._forkserver_alive_fd is not None:
            os.close(server._forkserver_alive_fd)
            server._forkserver_alive_fd = None
    except (ImportError, AttributeError, OSError):  # another Python's internals: the batch's watch still ends it
        pass


def _serve(conn, limits: Limits, parent: int, encoders: Sequence[Encoder]) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    # a generator finalised after a MemoryError may raise again while memory is short: that is not the
    # document's outcome (its result says it), and it must not print a traceback
    sys.unraisablehook = lambda unraisable: None
    _die_with_parent(parent)
    warm_up()
    # the lexicons, dictionary and compiled patterns live as long as the worker: out of the collector's sight,
    # full collections no longer traverse them (measured: 9 % less CPU over the corpus and real PDFs)
    gc.freeze()
    capped = None
    if limits.max_memory:
        size, resident = memory_of(os.getpid()) or (0, 0)
        if resident > limits.max_memory:
            conn.send(("unable", f"--max-memory {format_size(limits.max_memory)} is less than a worker needs to "
                                 f"start ({format_size(resident)})"))
            return
        # address space the libraries reserved without using it (thread stacks, allocator arenas) is not
        # memory in use: the cap allows for it, as measured once warm
        capped = apply_memory_limit(limits.max_memory + max(0, size - resident))
    conn.send(("ready", capped))
    worker_ready()
    while (item := conn.recv()) is not None:
        path, planned = item
        document_begun()
        try:
            result = attrs.evolve(extract_path(path, planned, limits, encoders), peak_memory=_peak_rss())
        except StaleWorker:  # a fresh worker reads it, as it would have read it in a batch of one file
            conn.send(("again", path))
            return
        unsent = None
        try:
            conn.send(result)
        except ConnectionError:
            raise
        except MemoryError:
            unsent = memory_error(path, limits, "sending its records")
        except Exception as exc:  # a result that does not pickle
            unsent = exc
        if unsent is not None:
            result = None
            conn.send(DocumentResult(path, planned, "failed", failure=Failure.of("extract", unsent)))


# ---------------------------------------------------------------- the local engine (runs in the parent)


class WorkerStartError(DecExtractError, RuntimeError):
    """A worker process could not start (too little memory allowed, a broken installation)."""


class _Worker:
    """One worker process, its pipe, the task it is working on and the memory it was seen using."""

    def __init__(self, ctx, limits: Limits, encoders: Sequence[Encoder] = ()) -> None:
        if ctx.get_start_method() == "fork":  # output buffered here must not be written again by the child
            sys.stdout.flush()
            sys.stderr.flush()
        self.conn, child = ctx.Pipe()
        served = ctx.get_start_method() == "forkserver"
        args = (child, limits, None if served else os.getpid(), tuple(encoders),
                (dict(os.environ), os.getcwd()) if served else None)
        self.process = ctx.Process(target=_worker_main, args=args, daemon=True, name="decextract-worker")
        self.process.start()
        child.close()
        self.ready = False
        self.capped: int | None = None  # the address-space cap the worker put on itself, in bytes
        self.pinned_since: float | None = None  # since when its address space is at the cap
        self.task: Task | None = None
        self.deadline = float("inf")
        self.peak_size = 0  # address space seen during the current task
        self.peak_rss = 0  # resident size seen over the worker's life
        self.start_size: int | None = None  # address space when it became ready

    def worn(self, limits: Limits) -> bool:
        """Whether the worker's address space grew by more than half its memory limit since it was ready
        (what libraries keep mapped after a document: caches, fragmented heaps): under the cap, the next
        document would fail for want of room, so the worker is replaced first."""
        if not (self.capped and limits.max_memory and self.start_size):
            return False
        memory = self.sample()
        return bool(memory) and memory[0] - self.start_size > limits.max_memory // 2

    def pinned(self, memory: tuple[int, int] | None) -> bool:
        """Whether the worker has been at its address-space cap for PINNED seconds (see _PINNED_MARGIN)."""
        if not (self.capped and memory and memory[0] >= self.capped - _PINNED_MARGIN):
            self.pinned_since = None
            return False
        now = time.monotonic()
        if self.pinned_since is None:
            self.pinned_since = now
        return now - self.pinned_since >= PINNED

    def give(self, task: Task, timeout: float | None) -> None:
        self.conn.send((task.path, task.sha256))
        self.task = task
        self.deadline = time.monotonic() + timeout if timeout else float("inf")
        self.peak_size = 0
        self.pinned_since = None

    def sample(self) -> tuple[int, int] | None:
        memory = memory_of(self.process.pid) if self.process.pid else None
        if memory:
            self.peak_size = max(self.peak_size, memory[0])
            self.peak_rss = max(self.peak_rss, memory[1])
        return memory

    def kill(self) -> None:
        if self.process.is_alive():
            self.process.kill()
        self.process.join()
        self.conn.close()

    def ask_to_stop(self) -> None:
        try:
            self.conn.send(None)
        except OSError:
            pass

    def stop(self) -> None:
        self.ask_to_stop()
        self.wait_end()

    def wait_end(self) -> None:
        """Wait (up to 5 s) for the worker, asked to stop, to end; then make sure it has."""
        self.process.join(timeout=5)
        self.kill()


def _failed(task: Task, stage: str, exc: DecExtractError | Failure, seconds: float = 0.0) -> DocumentResult:
    failure = exc if isinstance(exc, Failure) else Failure.of(stage, exc)
    return DocumentResult(task.path, task.sha256, "failed", failure=failure, seconds=seconds)


def run_local(items: Iterator[DocumentResult | Task], workers: int, limits: Limits, *, fork: bool = False,
              encoders: Sequence[Encoder] = ()) -> Iterator[DocumentResult]:
    """Extract tasks in up to ``workers`` processes, started only when there is work and replaced when lost.

    With ``encoders`` the workers also make the records into what each sink writes (see
    :func:`extract_bytes`): the process writing them then only hands them over.

    A worker's next task is given before its result is handed over, so workers extract while the caller
    writes (on two cores, a batch's writing would otherwise leave each worker idle for a sixth of the time).

    Workers are forked from a fork server (a fresh interpreter, started with the first worker, that has
    loaded the modules, lexicons and dictionary once: :mod:`decextract.preload`), so a worker starts in
    milliseconds with none of this process's connections or files, and takes on its environment and
    working directory; where the platform has no fork server they are spawned (a fresh interpreter
    each).  With ``fork`` they are forked from this process instead where the platform can and this
    process runs no other thread (what a one-file ``extract`` does: it need not start the server), for a
    parent holding nothing a child must not share."""
    ctx = _context(fork)
    pool: list[_Worker] = []
    pending: Task | None = None  # the next task, waiting for an idle worker
    again: list[Task] = []  # tasks a worker gave back to be read by a fresh one (see limits.StaleWorker)
    done: list[DocumentResult] = []  # results to hand over once every idle worker has its next task
    exhausted = False
    try:
        while True:
            if pending is None and again:
                pending = again.pop()
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
                    raise WorkerStartError(f"a decextract worker failed to start (exit code {w.process.exitcode})")
                w.kill()
                pool.remove(w)
            if pending is not None:
                pool += [_Worker(ctx, limits, encoders) for _ in range(workers - len(pool))]
                idle = next((w for w in pool if w.ready and w.task is None), None)
                if idle is not None:
                    idle.give(pending, limits.timeout)
                    pending = None
                    continue
            if done:  # the workers are busy again: the caller writes these meanwhile
                yield from done
                done.clear()
                continue
            busy = [w for w in pool if w.task is not None]
            if exhausted and pending is None and not busy:
                return
            deadline = min((w.deadline for w in busy), default=float("inf"))
            if busy:
                deadline = min(deadline, time.monotonic() + SAMPLE_INTERVAL)
            wait_any([w.conn for w in pool] + [w.process.sentinel for w in pool],
                     timeout=None if deadline == float("inf") else max(0.0, deadline - time.monotonic()))
            for w in pool:
                message = _poll(w)
                if isinstance(message, DocumentResult):
                    w.task = None
                    if message.failure is not None and message.failure.error_class == "MemoryLimitError":
                        w.kill()  # what it reserved before failing stays reserved: the next document gets a fresh one
                    elif w.worn(limits):
                        w.stop()
                    done.append(attrs.evolve(message, peak_memory=max(message.peak_memory or 0, w.peak_rss) or None))
                elif isinstance(message, tuple) and message[0] == "again" and w.task is not None:
                    again.append(w.task)
                    w.task = None
                    w.kill()
                elif w.task is not None:
                    memory = w.sample()
                    over = (limits.max_memory and not w.capped and memory and memory[1] > limits.max_memory)
                    over = over or w.pinned(memory)
                    if over or not w.process.is_alive() or time.monotonic() >= w.deadline:
                        done.append(_lost(w, limits, over=bool(over)))
    finally:
        for w in pool:  # all told first: they end together
            w.ask_to_stop() if exhausted else w.kill()
        for w in pool:
            w.wait_end()


def _context(fork: bool):
    """How workers start: forked from this process (``fork``, where safe), else forked from a fork server
    that has loaded what they need (:mod:`decextract.preload`), else spawned (platforms without fork)."""
    methods = multiprocessing.get_all_start_methods()
    if fork and can_fork():
        return multiprocessing.get_context("fork")
    if "forkserver" in methods:
        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload(["decextract.preload"])
        return ctx
    return multiprocessing.get_context("spawn")


def can_fork() -> bool:
    """Whether a worker can be forked safely here: the platform forks and no other thread is running."""
    return "fork" in multiprocessing.get_all_start_methods() and threading.active_count() == 1


def _poll(w: _Worker) -> DocumentResult | tuple | None:
    """The message from ``w`` if one is waiting (``("ready", capped)`` marks the worker ready)."""
    try:
        if not w.conn.poll():
            return None
        message = w.conn.recv()
    except (EOFError, OSError):
        return None
    if isinstance(message, tuple) and message[0] == "ready":
        w.ready, w.capped = True, message[1]
        w.start_size = (memory_of(w.process.pid) or (None,))[0]
    elif isinstance(message, tuple) and message[0] == "unable":
        raise WorkerStartError(message[1])
    return message


def _lost(w: _Worker, limits: Limits, *, over: bool = False) -> DocumentResult:
    """Kill ``w`` (overdue, over its memory, or already dead) and say what happened to its document."""
    task, w.task = w.task, None
    alive = w.process.is_alive()
    w.kill()
    seen = f"{format_size(w.peak_size)} of the {format_size(limits.max_memory)} limit" if w.peak_size else None
    if over:
        return _failed(task, "extract", memory_error(task.path, limits, "extracting it"))
    if alive:
        return _failed(task, "timeout", Failure("timeout", "ExtractionTimeout",
                                                f"extraction took longer than {limits.timeout:g} s"),
                       seconds=float(limits.timeout or 0))
    code = w.process.exitcode
    if code is not None and code < 0 and limits.max_memory and w.peak_size >= _NEAR_LIMIT * limits.max_memory:
        return _failed(task, "extract", memory_error(task.path, limits, f"extracting it (the worker reached {seen})"))
    how = f"exit code {code}"
    if code is not None and code < 0:
        try:
            how += f", {signal.Signals(-code).name}"
        except ValueError:
            pass
    detail = f"; it was last measured at {seen}" if seen else ""
    return _failed(task, "extract", Failure("extract", "WorkerCrashed",
                                            f"the worker process died ({how}){detail}"))
