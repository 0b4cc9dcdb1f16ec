"""The audit report of one disclosure: what does not add up, where, and what could not be checked.

:func:`audit_file` reads a file and audits it; :func:`report_text` writes the report for a person —
failures first, each with the places of its inputs and the arithmetic, then the tables that are
missing, announced but absent or declared empty, then a count of what passed and of what could not
run — and :func:`report_json` the same for machines.
"""

from __future__ import annotations

import os
from collections import Counter

import attrs

from .checks import Audit
from .errors import ExtractionError
from .pipeline import audited_records
from .readers import read_document
from .records import Check, CheckInput, DocumentInfo, Provenance, Record, TableInfo, decimal_text, to_dict

_TABLE_RULES = ("required_table", "announced_table", "declared_empty")
_CONTEXT = 24  # characters of the sentence shown on either side of a prose figure


@attrs.frozen
class Report:
    """One document's audit: its document record, its checks, the checks that could not run, its tables."""

    document: DocumentInfo
    audit: Audit
    tables: tuple[TableInfo, ...]
    records: tuple[Record, ...] = attrs.field(default=(), repr=False)

    @property
    def failed(self) -> list[Check]:
        return [c for c in self.audit.checks if not c.ok]


def report_of(records: list[Record], result: Audit) -> Report:
    info = next(r for r in records if isinstance(r, DocumentInfo))
    return Report(document=info, audit=result, tables=tuple(r for r in records if isinstance(r, TableInfo)),
                  records=tuple(records))


def audit_file(path: str | os.PathLike) -> Report:
    """Read and audit the disclosure at ``path`` (a :class:`~decextract.errors.DecExtractError` naming
    the file when it cannot be read)."""
    doc = read_document(path)
    try:
        return report_of(*audited_records(doc))
    except Exception as exc:  # a bug must not stop a run over many files: report it against the file
        raise ExtractionError(f"audit failed: {type(exc).__name__}: {exc}", path=doc.source) from exc


# ---------------------------------------------------------------- places


def _titles(report: Report) -> dict[int, str]:
    return {t.prov.block: t.table or t.table_id or "untitled table" for t in report.tables}


def place(prov: Provenance, titles: dict[int, str]) -> str:
    """Where an input is printed, for a person: “收入决算表, p.6, row 3 col 2” or “p.18: …所占比重9.55%…”."""
    page = f"p.{prov.page}" if prov.page is not None else f"block {prov.block}"
    if prov.cell is not None or (prov.block in titles and prov.start is None):
        where = f"{titles.get(prov.block, 'table')}, {page}"
        if prov.cell is not None:
            where += f", row {prov.cell.row + 1} col {prov.cell.col + 1}"
        return where
    if prov.start is None:
        return f"{page}: {prov.context[:2 * _CONTEXT]}"
    start, end = prov.start, prov.end or prov.start
    before = prov.context[max(0, start - _CONTEXT):start]
    after = prov.context[end:end + _CONTEXT]
    lead = "…" if start > _CONTEXT else ""
    tail = "…" if end + _CONTEXT < len(prov.context) else ""
    return f"{page}: “{lead}{before}[{prov.context[start:end]}]{after}{tail}”"


def _input_line(i: CheckInput, titles: dict[int, str]) -> str:
    shown = i.text if i.text else "(blank)"
    return f"       {i.role:<8} {shown:<16} {place(i.prov, titles)}"


def _difference(c: Check) -> str:
    return f"difference {decimal_text(c.difference)}, rounding allows {decimal_text(c.tolerance)}"


# ---------------------------------------------------------------- text


def report_text(report: Report) -> str:
    """The report for a person: failures first, then tables, then what passed and what could not run."""
    info, result = report.document, report.audit
    summary = result.summary
    titles = _titles(report)
    head = " ".join(str(x) for x in (info.issuer, info.fiscal_year, info.kind) if x)
    lines = [f"{info.source}" + (f" — {head}" if head else ""),
             f"  {summary.ran} checks ran: {summary.failed} failed, {summary.ran - summary.failed} passed; "
             f"{summary.not_run} could not run for lack of inputs", ""]
    failed = [c for c in result.checks if not c.ok and c.rule not in _TABLE_RULES]
    lines.append(f"FAILED ({len(failed)})" if failed else "FAILED: none")
    for n, c in enumerate(failed, 1):
        what = c.label or c.concept or ""
        lines.append(f"  {n}. {c.rule}" + (f" — {what}" if what else "") + f"  [{place(c.prov, titles).split(':')[0]}]")
        lines.append(f"     {c.formula}")
        if c.tolerance or c.difference:
            lines.append(f"     ({_difference(c)})")
        lines += [_input_line(i, titles) for i in c.inputs]
    lines += ["", *_tables_section(report, titles), "", *_passed_section(result), "", *_not_run_section(result)]
    return "\n".join(lines).rstrip() + "\n"


def _tables_section(report: Report, titles: dict[int, str]) -> list[str]:
    checks = [c for c in report.audit.checks if c.rule in _TABLE_RULES]
    missing = [c for c in checks if not c.ok and c.rule == "required_table"]
    absent = [c for c in checks if not c.ok and c.rule == "announced_table"]
    empties = [c for c in checks if c.rule == "declared_empty"]
    lines = [f"TABLES: {len(report.tables)} found"]
    lines += [f"  missing: {c.formula}" for c in missing]
    lines += [f"  announced but absent: {c.formula} [{place(c.prov, titles).split(':')[0]}]" for c in absent]
    for c in empties:
        state = "agrees with its cells" if c.ok else f"CONTRADICTED — {c.formula.split('; ', 1)[-1]}"
        page = f"p.{c.prov.page}" if c.prov.page is not None else f"block {c.prov.block}"
        lines.append(f"  declared empty: {c.label or ''} [{page}] — {state}")
    if not (missing or absent or empties):
        lines.append("  none missing, none declared empty")
    not_checked = [n for n in report.audit.not_run if n.rule in _TABLE_RULES]
    if not_checked:
        lines.append(f"  not checked: {not_checked[0].reason}")
    return lines


def _passed_section(result: Audit) -> list[str]:
    passed = Counter(c.rule for c in result.checks if c.ok)
    total = Counter(c.rule for c in result.checks)
    if not total:
        return ["PASSED: nothing was checked"]
    return ["PASSED", *(f"  {rule:<16} {passed[rule]:>4} of {total[rule]}" for rule in sorted(total))]


def _not_run_section(result: Audit) -> list[str]:
    reasons = Counter((n.rule, n.reason) for n in result.not_run)
    if not reasons:
        return ["NOT RUN: none"]
    return [f"NOT RUN ({len(result.not_run)}): inputs missing or unreadable",
            *(f"  {rule:<16} {count:>4}  {reason}" for (rule, reason), count in sorted(reasons.items()))]


# ---------------------------------------------------------------- JSON


def report_json(report: Report) -> dict:
    """The report as one JSON-ready object: document (with its audit summary), failed checks, tables,
    passed counts by rule, and the checks that could not run with their reasons."""
    result = report.audit
    return {
        "document": to_dict(report.document),
        "failed": [to_dict(c) for c in result.checks if not c.ok],
        "tables": [to_dict(t) for t in report.tables],
        "passed": dict(sorted(Counter(c.rule for c in result.checks if c.ok).items())),
        "not_run": [{"rule": rule, "reason": reason, "count": n}
                    for (rule, reason), n in sorted(Counter((x.rule, x.reason) for x in result.not_run).items())],
    }
