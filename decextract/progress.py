"""What a batch shows while it runs and when it ends: a progress bar or periodic lines, and the summary."""

from __future__ import annotations

import sys
import time
from collections import Counter
from typing import TextIO

import attrs


@attrs.define
class Summary:
    """Counts of a batch: every input file ends as exactly one of succeeded, failed or skipped."""

    total: int = 0
    succeeded: int = 0
    failed: int = 0
    skipped: int = 0
    seconds: float = 0.0
    failures: Counter = attrs.Factory(Counter)  # error class -> count
    outputs: tuple[str, ...] = ()
    table_warnings: Counter = attrs.Factory(Counter)  # notice code -> tables carrying it
    warned: Counter = attrs.Factory(Counter)  # notice code -> documents loaded with that warning

    @property
    def done(self) -> int:
        return self.succeeded + self.failed + self.skipped

    def count(self, status: str, error_class: str | None = None) -> None:
        """Count one finished document."""
        if status == "ok":
            self.succeeded += 1
        elif status == "failed":
            self.failed += 1
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

    def format(self) -> str:
        """The closing summary table."""
        rate = self.succeeded / self.seconds if self.seconds > 0 else 0.0
        lines = [
            "decextract batch summary",
            f"  succeeded  {self.succeeded:>8}",
            f"  failed     {self.failed:>8}",
            f"  skipped    {self.skipped:>8}   (already loaded, or the same file under another name)",
            f"  total      {self.total:>8}",
            f"  time       {self.seconds:>8.1f} s   ({rate:.2f} documents extracted per second)",
        ]
        for cls, n in self.failures.most_common():
            lines.append(f"    {cls:<28} {n:>6}")
        if self.table_warnings:
            lines.append("  tables with warnings (read in part, or contradicting a note):")
            for code, n in self.table_warnings.most_common():
                lines.append(f"    {code:<28} {n:>6}")
        if self.warned:
            lines.append("  loaded with warnings (documents; see documents.warnings_json):")
            lines += [f"    {code:<28} {n:>6}" for code, n in self.warned.most_common()]
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

    def line(self, elapsed: float) -> str:
        """One plain progress line: done/total, rate, ETA, failures."""
        s = self.summary
        rate = s.done / elapsed if elapsed > 0 else 0.0
        eta = (s.total - s.done) / rate if rate > 0 else float("nan")
        pct = 100.0 * s.done / s.total if s.total else 100.0
        eta_text = "?" if eta != eta else time.strftime("%H:%M:%S", time.gmtime(eta))
        return (f"decextract: {s.done}/{s.total} documents ({pct:.0f}%), {s.failed} failed, {s.skipped} skipped, "
                f"{rate:.2f} docs/s, ETA {eta_text}")

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()
