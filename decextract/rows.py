"""A document's records as table rows: the flattening every tabular sink shares.

:func:`rows_of` turns records into one row per record (and one ``table_cells`` row per cell of a table
row), every column of its table present, provenance as plain columns.  The tables and their columns are
:mod:`decextract.schema`'s; this module holds no SQLAlchemy, so a batch's worker processes make rows
without loading it.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from .errors import SinkError
from .records import Record, compact_json, decimal_text
from .storable import deep_encodable

#: record TYPE -> the table holding it
TABLE_OF_TYPE: dict[str, str] = {
    "document": "documents",
    "figure": "figures",
    "table": "tables",
    "table_row": "table_rows",
    "performance_project": "performance_projects",
    "performance_indicator": "performance_indicators",
    "check": "checks",
    "indicator": "indicators",
}


def now_iso() -> str:
    """The current UTC time as ISO 8601 text (second precision)."""
    return datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _prov_row(prov) -> dict[str, Any]:
    if prov is None:
        return {}
    cell, bbox = prov.cell, prov.bbox
    return {
        "source": prov.source,
        "page": prov.page,
        "block": prov.block,
        "section": " > ".join(prov.section) if prov.section else None,
        "context": prov.context,
        "span_start": prov.start,
        "span_end": prov.end,
        "cell_table": cell.table if cell else None,
        "cell_row": cell.row if cell else None,
        "cell_col": cell.col if cell else None,
        "x0": bbox[0] if bbox else None,
        "top": bbox[1] if bbox else None,
        "x1": bbox[2] if bbox else None,
        "bottom": bbox[3] if bbox else None,
        "ocr": prov.ocr,
        "ocr_confidence": prov.confidence,
        "element": prov.element,
        "converted": prov.converted,
    }


def _amounts(prefix: str, amounts) -> dict[str, Any]:
    return {f"{prefix}_total": amounts.total, f"{prefix}_fiscal": amounts.fiscal, f"{prefix}_other": amounts.other}


def _notices(notices) -> list[dict[str, Any]]:
    return [{"code": n.code, "message": n.message, "pages": list(n.pages)} for n in notices]


def _audit(summary) -> dict[str, Any]:
    if summary is None:
        return {}
    return {"checks_ran": summary.ran, "checks_failed": summary.failed, "checks_not_run": summary.not_run,
            "audit_json": [{"rule": r.rule, "ran": r.ran, "failed": r.failed, "not_run": r.not_run}
                           for r in summary.rules]}


def _inputs(inputs) -> list[dict[str, Any]]:
    """A check's inputs with where each is printed (page, table cell, box, sentence)."""
    out = []
    for i in inputs:
        p = i.prov
        out.append({"role": i.role, "text": i.text, "value": None if i.value is None else decimal_text(i.value),
                    "label": i.label, "page": p.page, "block": p.block,
                    "cell_row": p.cell.row if p.cell else None, "cell_col": p.cell.col if p.cell else None,
                    "bbox": list(p.bbox) if p.bbox else None, "context": p.context, "start": p.start, "end": p.end})
    return out


def _places(places) -> list[dict[str, Any]]:
    """An indicator's disagreeing places with where each is printed."""
    out = []
    for p in places:
        prov = p.prov
        out.append({"text": p.text, "value": decimal_text(p.value), "source": p.source, "location": p.location,
                    "page": prov.page, "block": prov.block, "cell_row": prov.cell.row if prov.cell else None,
                    "cell_col": prov.cell.col if prov.cell else None, "bbox": list(prov.bbox) if prov.bbox else None,
                    "context": prov.context, "start": prov.start, "end": prov.end})
    return out


def _json_values(values: dict[str, Decimal | None]) -> dict[str, str | None]:
    return {k: None if v is None else decimal_text(v) for k, v in values.items()}


def flatten(record: Record) -> dict[str, Any]:
    """The row of one record in its table (without sha256/seq), keyed by column name."""
    t = record.TYPE
    if t == "document":
        return {"source": record.source, "format": record.format, "pages": record.pages, "title": record.title,
                "issuer": record.issuer, "fiscal_year": record.fiscal_year, "kind": record.kind,
                "size": record.size, "warnings_json": _notices(record.warnings), **_audit(record.audit),
                "converted": record.converted,
                "disclosure_id": record.disclosure_id, "issuer_normalized": record.issuer_normalized,
                "region": record.region, "region_level": record.region_level, "level": record.level}
    if t == "figure":
        return {"text": record.text, "value": record.value, "unit": record.unit, "kind": record.kind,
                "approx": record.approx, "label": record.label, "year": record.year, "relation": record.relation,
                "direction": record.direction, **_prov_row(record.prov), "chart": record.chart,
                "duplicate_of": record.duplicate_of}
    if t == "table":
        return {"table_title": record.table, "table_id": record.table_id, "unit": record.unit,
                "pages": ",".join(str(p) for p in record.pages), "n_rows": record.n_rows, "n_cols": record.n_cols,
                "empty": record.empty, "warnings_json": _notices(record.warnings),
                "bboxes_json": [list(b) for b in record.bboxes], **_prov_row(record.prov)}
    if t == "table_row":
        return {"table_title": record.table, "table_id": record.table_id, "unit": record.unit, "code": record.code,
                "level": record.level, "name": record.name, "side": record.side, "cells_json": dict(record.cells),
                "values_json": _json_values(record.values), **_prov_row(record.prov)}
    if t == "performance_project":
        return {"project": record.project, "unit": record.unit, "year": record.year,
                **_amounts("budget", record.budget), **_amounts("executed", record.executed),
                "goal_expected": record.goal_expected, "goal_actual": record.goal_actual,
                "execution_rate": record.execution_rate, "weight": record.weight, "score": record.score,
                "table_title": record.table, **_prov_row(record.prov)}
    if t == "performance_indicator":
        return {"project": record.project, "level1": record.level1, "level2": record.level2,
                "level3": record.level3, "expected": record.expected, "actual": record.actual,
                "nature": record.nature, "measure_unit": record.measure_unit, "weight": record.weight,
                "score": record.score, "deviation_reason": record.deviation_reason, **_prov_row(record.prov)}
    if t == "check":
        return {"rule": record.rule, "ok": record.ok, "expected": record.expected, "actual": record.actual,
                "difference": record.difference, "tolerance": record.tolerance, "formula": record.formula,
                "label": record.label, "concept": record.concept, "inputs_json": _inputs(record.inputs),
                **_prov_row(record.prov)}
    if t == "indicator":
        return {"disclosure_id": record.disclosure_id, "concept": record.concept, "name": record.name,
                "value": record.value, "unit": record.unit, "year": record.year, "basis": record.basis,
                "scope": record.scope, "source_kind": record.source, "location": record.location, "text": record.text,
                "printed_unit": record.printed_unit, "table_id": record.table_id, "agrees": record.agrees,
                "places": record.places, "disagreements_json": _places(record.disagreements),
                **_prov_row(record.prov)}
    from .schema import SCHEMA_VERSION

    raise SinkError(f"no table for record type {t!r} in schema version {SCHEMA_VERSION}")


def _cell_rows(sha256: str, seq: int, record) -> list[dict[str, Any]]:
    return [
        {"sha256": sha256, "row_seq": seq, "header": header, "position": i, "text": text,
         "value": record.values.get(header)}
        for i, (header, text) in enumerate(record.cells.items())
    ]


def rows_of(sha256: str, records: Iterable[Record], *, version: str,
            columns: Mapping[str, tuple[str, ...]]) -> dict[str, list[dict[str, Any]]]:
    """A document's records as rows per table name, every column present (``None`` when absent).

    ``columns`` names each table's columns in order (:data:`decextract.schema.ROW_COLUMNS`, the tables in
    insert order).  ``records`` must start with the document's ``document`` record.  Rows of
    JSON columns hold dicts; sinks that write text serialise them with :func:`json_text`.  Every string
    is made encodable (:func:`decextract.storable.encodable`), so any sink can write any document.
    """
    records = list(records)
    if not records or records[0].TYPE != "document":
        raise SinkError("a document's records must start with its document record", path=sha256)
    out: dict[str, list[dict[str, Any]]] = {name: [] for name in columns}
    for seq, record in enumerate(records):
        table = TABLE_OF_TYPE.get(record.TYPE)
        row = flatten(record)
        if record.TYPE == "document":
            row.update(sha256=sha256, n_records=len(records), extracted_at=now_iso(), decextract_version=version)
        else:
            row.update(sha256=sha256, seq=seq)
        out[table].append(complete(table, columns[table], row))
        if record.TYPE == "table_row":
            out["table_cells"].extend(_cell_rows(sha256, seq, record))
    return deep_encodable(out)  # (one pass over the whole document: a lone surrogate is rare)


def complete(table: str, columns: tuple[str, ...], row: dict[str, Any]) -> dict[str, Any]:
    """``row`` with every one of ``columns`` (of ``table``) in order, missing ones ``None``; unknown keys are
    an error."""
    if not row.keys() <= _column_set(columns):
        raise SinkError(f"columns {sorted(set(row) - set(columns))} are not in table {table}")
    return {c: row.get(c) for c in columns}


@functools.cache
def _column_set(columns: tuple[str, ...]) -> frozenset[str]:
    return frozenset(columns)


def json_text(value: Any) -> str | None:
    """A JSON column's value as compact text (non-ASCII kept)."""
    return None if value is None else compact_json(value)
