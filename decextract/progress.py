"""What a batch shows while it runs and when it ends: a progress bar or periodic lines, and the summary."""

from __future__ import annotations

import sys
import time
from collections import Counter
from typing import TextIO

import attrs

from .limits import format_size


@attrs.define
class Summary:
    """Counts of a batch: every input file ends as exactly one of succeeded, failed, not retried or skipped.

    Documents that loaded with warnings (pages without text, replaced characters
    …) are counted by warning code, and so are tables that came back in part.
    """

    total: int = 0
    succeeded: int = 0
    failed: int = 0
    skipped: int = 0
    not_retried: int = 0  # failed in an earlier run with the same bytes
    seconds: float = 0.0
    failures: Counter = attrs.Factory(Counter)  # error class -> count (failed and not retried)
    outputs: tuple[str, ...] = ()
    table_warnings: Counter = attrs.Factory(Counter)  # notice code -> tables carrying it
    warned: int = 0  # documents loaded with warnings on the document or one of its tables
    warnings: Counter = attrs.Factory(Counter)  # document warning code -> documents
    peak_memory: int | None = None  # the largest resident size a worker reached, bytes
    memory_limit: int | None = None

    @property
    def done(self) -> int:
        return self.succeeded + self.failed + self.skipped + self.not_retried

    def count(self, status: str, error_class: str | None = None) -> None:
        """Count one finished document."""
        if status == "ok":
            self.succeeded += 1
        elif status == "failed":
            self.failed += 1
            self.failures[error_class or "Error"] += 1
        elif status == "not_retried":
            self.not_retried += 1
            self.failures[error_class or "Error"] += 1
        elif status == "skipped":
            self.skipped += 1
        else:
            raise ValueError(f"unknown status {status!r}")

    def count_table_warnings(self, records) -> None:
        """Count the notices of a document's ``table`` records (tables read only in part)."""
        for record in records:
            if getattr(record, "TYPE", None) == "table":
                self.table_warnings.update({notice.code for notice in record.warnings})

    def count_warnings(self, records) -> None:
        """Count the warnings of one loaded document's records: the document's by code, its tables'
        (:meth:`count_table_warnings`), and the document among those loaded with warnings."""
        doc = {n.code for r in records if r.TYPE == "document" for n in r.warnings}
        if doc or any(r.TYPE == "table" and r.warnings for r in records):
            self.warned += 1
        self.warnings.update(doc)
        self.count_table_warnings(records)

    def measure(self, peak_memory: int | None) -> None:
        if peak_memory:
            self.peak_memory = max(self.peak_memory or 0, peak_memory)

    def format(self) -> str:
        """The closing summary table."""
        rate = self.succeeded / self.seconds if self.seconds > 0 else 0.0
        lines = [
            "decextract batch summary",
            f"  succeeded  {self.succeeded:>8}",
        ]
        if self.warned:
            lines.append(f"    with warnings {self.warned:>5}   (documents loaded with something they could not read)")
            lines += [f"      {code:<26} {n:>6}" for code, n in sorted(self.warnings.items())]
        lines.append(f"  failed     {self.failed:>8}")
        if self.not_retried:
            lines.append(f"  not retried{self.not_retried:>8}   (failed in an earlier run, unchanged since: "
                         "--retry-failed to try again)")
        lines += [
            f"  skipped    {self.skipped:>8}   (already loaded, or the same file under another name)",
            f"  total      {self.total:>8}",
            f"  time       {self.seconds:>8.1f} s   ({rate:.2f} documents extracted per second)",
        ]
        if self.peak_memory:
            limit = f" (limit {format_size(self.memory_limit)})" if self.memory_limit else ""
            lines.append(f"  memory     {format_size(self.peak_memory):>10}   peak of a worker{limit}")
        for cls, n in self.failures.most_common():
            lines.append(f"    {cls:<28} {n:>6}")
        if self.table_warnings:
            lines.append("  tables with warnings (read in part, or contradicting a note):")
            for code, n in self.table_warnings.most_common():
                lines.append(f"    {code:<28} {n:>6}")
        for out in self.outputs:
            lines.append(f"  written to {out}")
        return "\n".join(lines)


class Progress:
    """A tqdm bar on a terminal, plain lines every ``interval`` seconds otherwise."""

    def __init__(self, summary: Summary, *, stream: TextIO | None = None, tty: bool | None = None,
                 interval: float = 10.0, enabled: bool = True):
        self.summary = summary
        self.stream = stream or sys.stderr
        self.enabled = enabled
        self.interval = interval
        self.started = time.monotonic()
        self._last_line = self.started
        self._bar = None
        if enabled and (self.stream.isatty() if tty is None else tty):
            from tqdm import tqdm

            self._bar = tqdm(total=summary.total, unit="doc", file=self.stream, dynamic_ncols=True,
                             desc="decextract", smoothing=0.1)

    def update(self) -> None:
        """Show that one more document finished."""
        if not self.enabled:
            return
        s = self.summary
        if self._bar is not None:
            self._bar.set_postfix(failed=s.failed, skipped=s.skipped, refresh=False)
            self._bar.update(1)
            return
        now = time.monotonic()
        if now - self._last_line >= self.interval or s.done == s.total:
            self._last_line = now
            self.stream.write(self.line(now - self.started) + "\n")
            self.stream.flush()

    def note(self, line: str) -> None:
        """A line about one document (a failure), above the bar or between the progress lines."""
        if not self.enabled:
            return
        if self._bar is not None:
            self._bar.write(line, file=self.stream)
        else:
            self.stream.write(line + "\n")
            self.stream.flush()

    def line(self, elapsed: float) -> str:
        """One plain progress line: done/total, rate, ETA, failures."""
        s = self.summary
        rate = s.done / elapsed if elapsed > 0 else 0.0
        eta = (s.total - s.done) / rate if rate > 0 else float("nan")
        pct = 100.0 * s.done / s.total if s.total else 100.0
        eta_text = "?" if eta != eta else time.strftime("%H:%M:%S", time.gmtime(eta))
        warned = f", {s.warned} with warnings" if s.warned else ""
        return (f"decextract: {s.done}/{s.total} documents ({pct:.0f}%), {s.failed + s.not_retried} failed, "
                f"{s.skipped} skipped{warned}, {rate:.2f} docs/s, ETA {eta_text}")

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()
