"""The audit: a disclosure reconciled with itself.

A disclosure states the same money many times — a share beside the amount and its total, a change
beside this year's and last year's figures, a 类 row beside its 款 and 项 rows, 本年收入合计 in four
tables and in the prose.  Each check recomputes one printed figure from others and says whether they
agree, allowing for the rounding of every printed input (a figure printed as 292.56 may be anything
in [292.555, 292.565)).  Checks are made only where the structure leaves no doubt about what adds up
to what; a check whose inputs are missing or could not be read is no failure: it is counted as not
run, so a document's summary tells "consistent" from "unchecked".

The rules, one module each:

- :mod:`.prose` — ``share``, ``change``, ``change_rate``, ``balance``, ``completion_rate``, ``comparison``;
- :mod:`.tables` — ``subtotal``, ``row_total``, ``side_total``, ``project_funds``;
- :mod:`.agreement` — ``cross_table``, ``prose_table``, ``prose_repeat``, ``identity``, over the
  concept → locations map of :mod:`.concepts` (``data/concepts.json``, ``data/identities.json``);
- :mod:`.completeness` — ``required_table``, ``announced_table``, ``declared_empty``, ``year``,
  ``placeholder`` (``data/completeness.json``).
"""

from __future__ import annotations

import decimal
from collections.abc import Iterable, Sequence

import attrs

from ..model import Document
from ..records import AuditSummary, Check, DocumentInfo, Figure, PerformanceProject, Record, TableInfo, TableRow
from .agreement import agreement_checks, identity_checks, project_prose_checks
from .completeness import completeness_checks, contradicted_empties
from .concepts import Cells, Located, locate
from .prose import prose_checks
from .result import NotRun, summary
from .tables import project_checks, table_checks

__all__ = ["Audit", "Located", "NotRun", "audit", "checks_of", "locate", "locations_of"]


@attrs.frozen
class Audit:
    """The checks of one document, the ones that could not run, and their summary."""

    checks: tuple[Check, ...]
    not_run: tuple[NotRun, ...]
    located: tuple[Located, ...] = ()  # every place of every concept the checks compared (for the indicators)

    @property
    def summary(self) -> AuditSummary:
        return summary(self.checks, self.not_run)


#: table notices that say what the document prints, not what the reader missed: the table was read whole
DOCUMENT_FINDINGS = frozenset({"declared_empty_with_data"})


def audit(records: Sequence[Record], doc: Document | None = None) -> Audit:
    """Every check the records of one document allow (and, given the annotated document model, the
    checks of what it publishes: tables, declarations, years, placeholders).

    The arithmetic runs with 60 significant digits, so no printed amount is rounded by the context; a
    rule family whose arithmetic still overflows (numbers no disclosure prints: a damaged file's digit
    runs) gives one ``NotRun`` instead of losing the document's other records.
    """
    with decimal.localcontext() as ctx:
        ctx.prec = 60
        return _audit(records, doc)


def _guarded(rule: str, found: Iterable[Check | NotRun]) -> list[Check | NotRun]:
    try:
        return list(found)
    except ArithmeticError as exc:
        return [NotRun(rule, f"numbers too large to check ({type(exc).__name__})")]


def _audit(records: Sequence[Record], doc: Document | None) -> Audit:
    info = next((r for r in records if isinstance(r, DocumentInfo)), None)
    figures = [r for r in records if isinstance(r, Figure)]
    rows = [r for r in records if isinstance(r, TableRow)]
    infos = [r for r in records if isinstance(r, TableInfo)]
    kind = info.kind if info else None
    cells = Cells(figures)
    found: list[Check | NotRun] = []
    paragraphs = {p.index: p.text for p in doc.paragraphs()} if doc is not None else None
    found += _guarded("prose", prose_checks(figures, kind, paragraphs))
    partial = _partial(infos)
    found += _guarded("table", table_checks(rows, cells, partial))
    found += _guarded("project", project_checks([r for r in records if isinstance(r, PerformanceProject)]))
    located = _locate(rows, infos, figures, info, _unread(infos, doc, partial), cells)
    found += _guarded("identity", identity_checks(located, kind, {r.table_id for r in rows if r.table_id}))
    places = {i.prov.block: i.table or i.table_id or "table" for i in infos}
    found += _guarded("agreement", agreement_checks(located, places))
    projects = [r for r in records if isinstance(r, PerformanceProject)]
    if paragraphs:
        found += _guarded("project_prose", project_prose_checks(projects, figures, paragraphs, kind, places))
    if doc is not None and info is not None:
        found += _guarded("completeness", completeness_checks(doc, info, infos))
    checks = tuple(c for c in found if isinstance(c, Check))
    return Audit(checks=checks, not_run=tuple(c for c in found if isinstance(c, NotRun)), located=tuple(located))


def _partial(infos: list[TableInfo]) -> dict[int, str]:
    """Block -> the notices of each table read only in part."""
    return {i.prov.block: ", ".join(codes) for i in infos
            if (codes := [n.code for n in i.warnings if n.code not in DOCUMENT_FINDINGS])}


def _unread(infos: list[TableInfo], doc: Document | None, partial: dict[int, str]) -> frozenset[int]:
    """Tables not compared with others: read only in part, or declared empty though they print amounts."""
    unread = frozenset(contradicted_empties(doc, infos)) if doc is not None else frozenset()
    return unread | frozenset(partial)


def checks_of(records: Sequence[Record], doc: Document | None = None) -> list[Check]:
    """The checks of :func:`audit`, in the order the rules give them."""
    return list(audit(records, doc).checks)


def locations_of(records: Sequence[Record], doc: Document | None = None) -> list[Located]:
    """Every place a concept of ``data/concepts.json`` is printed in one document's records, but for the
    tables read only in part (and, given the annotated document model, the tables declared empty that
    print amounts all the same): what the audit compares."""
    info = next((r for r in records if isinstance(r, DocumentInfo)), None)
    infos = [r for r in records if isinstance(r, TableInfo)]
    return _locate([r for r in records if isinstance(r, TableRow)], infos, [r for r in records if isinstance(r, Figure)],
                   info, _unread(infos, doc, _partial(infos)))


def _locate(rows, infos, figures, info: DocumentInfo | None, unread=frozenset(), cells=None) -> list[Located]:
    if info is None:
        year = next((f.year for f in figures if f.year is not None), None)
        return locate(rows, infos, figures, None, year, None, unread, cells)
    return locate(rows, infos, figures, info.kind, info.fiscal_year, info.issuer, unread, cells)
