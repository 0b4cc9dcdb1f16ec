"""From a file to its records: read, annotate tables, extract, in one pass."""

from __future__ import annotations

import os

import attrs

from .checks import Audit, audit
from .collector import paused
from .disclosure import identify
from .errors import ExtractionError
from .figures import figures_of
from .indicators import indicators_of
from .metadata import document_info
from .model import Document, Table
from .notices import document_notices
from .provenance import mark
from .readers import read_document
from .records import Record, TableInfo
from .tables import annex_records, annotate, performance_records


def records_of(doc: Document) -> list[Record]:
    """Every record of a document read into the model, the ``document`` record first.

    Order: document, tables (table, table_row), performance rows, figures in
    reading order, the checks of the document's own arithmetic, then its key indicators.
    """
    return audited_records(doc)[0]


@paused
def audited_records(doc: Document) -> tuple[list[Record], Audit]:
    """The records of :func:`records_of` and the audit they come with (its checks, and the checks
    that could not run for lack of inputs)."""
    doc = annotate(doc)
    info = identify(document_info(doc))  # with the disclosure it belongs to
    body: list[Record] = [*annex_records(doc), *performance_records(doc, info.fiscal_year),
                          *figures_of(doc, info.fiscal_year)]
    info = attrs.evolve(info, warnings=info.warnings + document_notices(doc, info, body))
    records: list[Record] = [info, *body]
    result = audit(records, doc)
    records[0] = attrs.evolve(info, audit=result.summary)  # the document record says how the audit went
    indicators = indicators_of(records, doc, result.located)
    return mark(doc, records + list(result.checks) + indicators), result  # provenance completed: OCR, element, …


@paused
def extract(path: str | os.PathLike) -> list[Record]:
    """Read the disclosure at ``path`` and return all its records.

    Raises a :class:`~decextract.errors.DecExtractError` naming the file when it
    cannot be read; a document with nothing in it gives just its ``document`` record.
    """
    doc = read_document(path)
    try:
        return records_of(doc)
    except Exception as exc:  # a bug must not stop a run over many files: report it against the file
        raise ExtractionError(f"extraction failed: {type(exc).__name__}: {exc}", path=doc.source) from exc


@paused
def read_tables(path: str | os.PathLike) -> list[tuple[TableInfo, Table | None]]:
    """The tables of the disclosure at ``path``: what was recognised, with the table itself.

    The table is None for one declared empty under a title with no grid.
    """
    doc = annotate(read_document(path))
    grids = {t.index: t for t in doc.tables()}
    return [(r, grids.get(r.prov.block)) for r in annex_records(doc) if isinstance(r, TableInfo)]
