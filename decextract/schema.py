"""The analysts' schema: tables, columns, indexes, the schema version and its migrations.

One definition serves every tabular sink (SQL, CSV, Parquet): :data:`metadata`
holds the tables and :func:`rows_of` flattens a document's records into rows of
them.  Provenance becomes real columns; money stays exact (``NUMERIC`` in
PostgreSQL, ``TEXT`` elsewhere, never float); nested dicts become JSON text and,
for table rows, one ``table_cells`` row per cell.

A fresh database is created at :data:`SCHEMA_VERSION`; an older one is brought
up to date by :data:`MIGRATIONS` (``version -> function(connection)``), each
applied in its own transaction and recorded in ``schema_version``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from .errors import SinkError
from .records import Record, decimal_text
from .storable import deep_encodable, encodable, path_bytes, stored_path

SCHEMA_VERSION = 3


def add_missing(conn: sa.Connection) -> None:
    """Bring a database up to :data:`metadata` by adding what it lacks: tables, then columns, then indexes,
    and (re)create the views.

    Additive only (nothing is dropped or retyped but the views), so every migration that adds tables or
    columns is this one function; a new column is NULL in the rows written before it existed.
    """
    inspector = sa.inspect(conn)
    for table in metadata.sorted_tables:
        if not inspector.has_table(table.name):
            table.create(conn)
            continue
        present = {c["name"] for c in inspector.get_columns(table.name)}
        preparer = conn.dialect.identifier_preparer
        for column in table.columns:
            if column.name not in present:
                kind = column.type.compile(dialect=conn.dialect)
                conn.execute(sa.text(f"ALTER TABLE {preparer.quote(table.name)} "
                                     f"ADD COLUMN {preparer.quote(column.name)} {kind}"))
        indexes = {i["name"] for i in inspector.get_indexes(table.name)}
        for index in table.indexes:
            if index.name not in indexes:
                index.create(conn)
    create_views(conn)


def create_views(conn: sa.Connection) -> None:
    """(Re)create the views over the tables: ``indicator_panel``, the indicators one row per disclosure.

    SQLAlchemy's metadata holds tables only: ``metadata.create_all`` calls this after the tables (and
    ``drop_all`` drops the views first, which PostgreSQL requires), and :func:`add_missing` at the end
    of every migration, so a view's columns are those of the decextract that last created or migrated
    the database."""
    from .panel import ensure_view

    ensure_view(conn)


def drop_views(conn: sa.Connection) -> None:
    from .panel import VIEW

    conn.execute(sa.text(f"DROP VIEW IF EXISTS {VIEW}"))


#: version -> (description, function applying it to a database at version - 1)
MIGRATIONS: dict[int, tuple[str, Callable[[sa.Connection], None]]] = {
    2: ("add checks", lambda conn: metadata.tables["checks"].create(conn)),
    3: ("add the 0.2 columns and tables: warnings of documents and tables, table boxes per page, the audit, "
        "path bytes, OCR/conversion provenance, disclosure ids and regions, indicators and their panel view",
        add_missing),
}


class ExactDecimal(sa.TypeDecorator):
    """A Decimal stored exactly: ``NUMERIC`` in PostgreSQL, a decimal string in ``TEXT`` elsewhere."""

    impl = sa.Text
    cache_ok = True

    def load_dialect_impl(self, dialect):
        if dialect.name == "postgresql":
            return dialect.type_descriptor(sa.Numeric(asdecimal=True))
        return dialect.type_descriptor(sa.Text())

    def process_bind_param(self, value, dialect):
        if value is None or dialect.name == "postgresql":
            return value
        return decimal_text(Decimal(value))

    def process_result_value(self, value, dialect):
        return None if value is None else Decimal(value)


#: JSON text in SQLite, JSONB in PostgreSQL.
JsonText = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")

metadata = sa.MetaData()


def _prov_columns() -> list[sa.Column]:
    """Provenance flattened: where the record's text is (page, block, span, cell, bbox)."""
    return [
        sa.Column("source", sa.Text),
        sa.Column("page", sa.Integer),
        sa.Column("block", sa.Integer),
        sa.Column("section", sa.Text),  # headings outermost first, joined with " > "
        sa.Column("context", sa.Text),
        sa.Column("span_start", sa.Integer),  # context[span_start:span_end] is the text
        sa.Column("span_end", sa.Integer),
        sa.Column("cell_table", sa.Integer),  # block index of the table
        sa.Column("cell_row", sa.Integer),
        sa.Column("cell_col", sa.Integer),
        sa.Column("x0", sa.Float),
        sa.Column("top", sa.Float),
        sa.Column("x1", sa.Float),
        sa.Column("bottom", sa.Float),
        sa.Column("ocr", sa.Boolean),  # the text was recognised in a page image
        sa.Column("ocr_confidence", sa.Float),  # the OCR engine's lowest confidence over the record's text, 0..1
        sa.Column("element", sa.Text),  # in a web page: the path of the element holding the text
        sa.Column("converted", sa.Text),  # the format the file was converted to and read as, else NULL
    ]


def _record_table(name: str, *columns: sa.Column | sa.Index) -> sa.Table:
    """A table of one record type: ``(sha256, seq)`` identifies the record, seq = its position in the document."""
    return sa.Table(
        name,
        metadata,
        sa.Column("sha256", sa.String(64), sa.ForeignKey("documents.sha256"), primary_key=True),
        sa.Column("seq", sa.Integer, primary_key=True),
        *columns,
    )


schema_version = sa.Table(
    "schema_version",
    metadata,
    sa.Column("version", sa.Integer, primary_key=True),
    sa.Column("applied_at", sa.Text, nullable=False),
    sa.Column("description", sa.Text, nullable=False),
)

documents = sa.Table(
    "documents",
    metadata,
    sa.Column("sha256", sa.String(64), primary_key=True),
    sa.Column("source", sa.Text, nullable=False),  # the path it was extracted from
    sa.Column("format", sa.Text),
    sa.Column("pages", sa.Integer),
    sa.Column("title", sa.Text),
    sa.Column("issuer", sa.Text),
    sa.Column("fiscal_year", sa.Integer),
    sa.Column("kind", sa.Text),
    sa.Column("size", sa.BigInteger),
    sa.Column("n_records", sa.Integer, nullable=False),
    sa.Column("extracted_at", sa.Text, nullable=False),  # ISO 8601 UTC
    sa.Column("decextract_version", sa.Text, nullable=False),
    sa.Column("warnings_json", JsonText),  # [{code, message, pages}]: what could not be read
    sa.Column("checks_ran", sa.Integer),  # the audit: checks made, failed, and not made for lack of inputs
    sa.Column("checks_failed", sa.Integer),
    sa.Column("checks_not_run", sa.Integer),
    sa.Column("audit_json", JsonText),  # [{rule, ran, failed, not_run}]
    sa.Column("converted", sa.Text),  # the format the file was converted to and read as (LibreOffice), else NULL
    sa.Column("disclosure_id", sa.Text),  # normalised issuer|year|level+kind: one id for every file of a disclosure
    sa.Column("issuer_normalized", sa.Text),
    sa.Column("region", sa.Text),  # as the issuer or title states it: 江苏省, 上海市普陀区
    sa.Column("region_level", sa.Text),  # 省 | 市 | 区县
    sa.Column("level", sa.Text),  # 部门 | 单位
    sa.Index("ix_documents_fiscal_year", "fiscal_year"),
    sa.Index("ix_documents_issuer", "issuer"),
    sa.Index("ix_documents_disclosure_id", "disclosure_id"),
)

sources = sa.Table(
    "sources",
    metadata,
    sa.Column("sha256", sa.String(64), sa.ForeignKey("documents.sha256"), primary_key=True),
    sa.Column("path", sa.Text, primary_key=True),  # as text: a byte that is not UTF-8 written \xNN
    sa.Column("added_at", sa.Text, nullable=False),
    sa.Column("path_bytes", sa.LargeBinary),  # the path's exact bytes when it is not valid UTF-8, else NULL
    sa.Index("ix_sources_path", "path"),
)

figures = _record_table(
    "figures",
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("value", ExactDecimal, nullable=False),
    sa.Column("unit", sa.Text),
    sa.Column("kind", sa.Text, nullable=False),
    sa.Column("approx", sa.Text),
    sa.Column("label", sa.Text),
    sa.Column("year", sa.Integer),
    sa.Column("relation", sa.Text, nullable=False),
    sa.Column("direction", sa.Text),
    *_prov_columns(),
    sa.Column("chart", sa.Boolean),  # a chart's label read from the text layer (added after schema 3)
    sa.Column("duplicate_of", sa.Integer),  # the figure (position among the document's figures) it repeats
    sa.Index("ix_figures_label", "label"),
    sa.Index("ix_figures_year", "year"),
)

tables = _record_table(
    "tables",
    sa.Column("table_title", sa.Text),
    sa.Column("table_id", sa.Text),
    sa.Column("unit", sa.Text),
    sa.Column("pages", sa.Text),  # comma-separated page numbers
    sa.Column("n_rows", sa.Integer, nullable=False),
    sa.Column("n_cols", sa.Integer, nullable=False),
    sa.Column("empty", sa.Boolean, nullable=False),
    sa.Column("warnings_json", JsonText),  # [{code, message, pages}]: what was read only in part
    sa.Column("bboxes_json", JsonText),  # [[page, x0, top, x1, bottom]] per page
    *_prov_columns(),
    sa.Index("ix_tables_table_id", "table_id"),
)

table_rows = _record_table(
    "table_rows",
    sa.Column("table_title", sa.Text),
    sa.Column("table_id", sa.Text),
    sa.Column("unit", sa.Text),
    sa.Column("code", sa.Text),
    sa.Column("level", sa.Text),
    sa.Column("name", sa.Text),
    sa.Column("side", sa.Text),
    sa.Column("cells_json", JsonText),  # header path -> value as printed
    sa.Column("values_json", JsonText),  # header path -> decimal string in 元, or null
    *_prov_columns(),
    sa.Index("ix_table_rows_table_id", "table_id"),
    sa.Index("ix_table_rows_code", "code"),
)

table_cells = sa.Table(
    "table_cells",
    metadata,
    sa.Column("sha256", sa.String(64), primary_key=True),
    sa.Column("row_seq", sa.Integer, primary_key=True),  # table_rows.seq
    sa.Column("header", sa.Text, primary_key=True),  # header path, "/"-joined
    sa.Column("position", sa.Integer, nullable=False),  # column order within the row
    sa.Column("text", sa.Text),
    sa.Column("value", ExactDecimal),
    sa.ForeignKeyConstraint(["sha256", "row_seq"], ["table_rows.sha256", "table_rows.seq"]),
    sa.Index("ix_table_cells_header", "header"),
)

performance_projects = _record_table(
    "performance_projects",
    sa.Column("project", sa.Text),
    sa.Column("unit", sa.Text),
    sa.Column("year", sa.Integer),
    sa.Column("budget_total", ExactDecimal),
    sa.Column("budget_fiscal", ExactDecimal),
    sa.Column("budget_other", ExactDecimal),
    sa.Column("executed_total", ExactDecimal),
    sa.Column("executed_fiscal", ExactDecimal),
    sa.Column("executed_other", ExactDecimal),
    sa.Column("goal_expected", sa.Text),
    sa.Column("goal_actual", sa.Text),
    sa.Column("execution_rate", ExactDecimal),
    sa.Column("weight", ExactDecimal),
    sa.Column("score", ExactDecimal),
    sa.Column("table_title", sa.Text),
    *_prov_columns(),
    sa.Index("ix_performance_projects_project", "project"),
    sa.Index("ix_performance_projects_year", "year"),
)

performance_indicators = _record_table(
    "performance_indicators",
    sa.Column("project", sa.Text),
    sa.Column("level1", sa.Text),
    sa.Column("level2", sa.Text),
    sa.Column("level3", sa.Text),
    sa.Column("expected", sa.Text),
    sa.Column("actual", sa.Text),
    sa.Column("nature", sa.Text),
    sa.Column("measure_unit", sa.Text),
    sa.Column("weight", ExactDecimal),
    sa.Column("score", ExactDecimal),
    sa.Column("deviation_reason", sa.Text),
    *_prov_columns(),
    sa.Index("ix_performance_indicators_project", "project"),
)

checks = _record_table(
    "checks",
    sa.Column("rule", sa.Text, nullable=False),  # share | change | change_rate | balance | subtotal | row_total | project_funds
    sa.Column("ok", sa.Boolean, nullable=False),
    sa.Column("expected", ExactDecimal, nullable=False),
    sa.Column("actual", ExactDecimal, nullable=False),
    sa.Column("difference", ExactDecimal, nullable=False),
    sa.Column("tolerance", ExactDecimal, nullable=False),
    sa.Column("formula", sa.Text, nullable=False),
    sa.Column("label", sa.Text),
    sa.Column("concept", sa.Text),  # the quantity checked (data/concepts.json), when it is one
    sa.Column("inputs_json", JsonText),  # [{role, text, value, label, page, block, cell_row, cell_col, bbox, context}]
    *_prov_columns(),
    sa.Index("ix_checks_rule_ok", "rule", "ok"),
)

indicators = _record_table(
    "indicators",
    sa.Column("disclosure_id", sa.Text),
    sa.Column("concept", sa.Text, nullable=False),  # data/concepts.json: total_income, three_public_total …
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("value", ExactDecimal, nullable=False),  # in 元 (a count for vehicles)
    sa.Column("unit", sa.Text, nullable=False),
    sa.Column("year", sa.Integer),
    sa.Column("basis", sa.Text, nullable=False),  # 决算数 | 预算数 | 执行数
    sa.Column("scope", sa.Text, nullable=False),  # all | fiscal | general
    sa.Column("source_kind", sa.Text, nullable=False),  # table | prose | statement: where the value was read
    sa.Column("location", sa.Text),  # the table and cell, or the prose label
    sa.Column("text", sa.Text),  # as printed ("" for a blank cell)
    sa.Column("printed_unit", sa.Text),  # the unit of ``text`` when a table states it (万元)
    sa.Column("table_id", sa.Text),
    sa.Column("agrees", sa.Boolean),  # every other place agrees (NULL: printed once)
    sa.Column("places", sa.Integer),
    sa.Column("disagreements_json", JsonText),  # [{text, value, source, location, page, block, cell_row, cell_col, context}]
    *_prov_columns(),
    sa.Index("ix_indicators_concept", "concept"),
    sa.Index("ix_indicators_disclosure_id", "disclosure_id"),
)

errors = sa.Table(
    "errors",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("path", sa.Text, nullable=False),
    sa.Column("sha256", sa.String(64)),  # None when the file could not be read at all
    sa.Column("stage", sa.Text, nullable=False),  # open | read | extract | timeout | write
    sa.Column("error_class", sa.Text, nullable=False),
    sa.Column("message", sa.Text, nullable=False),
    sa.Column("location", sa.Text),
    sa.Column("occurred_at", sa.Text, nullable=False),
    sa.Column("path_bytes", sa.LargeBinary),  # the path's exact bytes when it is not valid UTF-8, else NULL
    sa.Index("ix_errors_path", "path"),
    sa.Index("ix_errors_sha256", "sha256"),
)

sa.event.listen(metadata, "after_create", lambda _target, conn, **_kw: create_views(conn))
sa.event.listen(metadata, "before_drop", lambda _target, conn, **_kw: drop_views(conn))

#: record TYPE -> table holding it
TABLE_OF_TYPE: dict[str, sa.Table] = {
    "document": documents,
    "figure": figures,
    "table": tables,
    "table_row": table_rows,
    "performance_project": performance_projects,
    "performance_indicator": performance_indicators,
    "check": checks,
    "indicator": indicators,
}

#: tables holding a document's content, children before parents (delete order)
CONTENT_TABLES: tuple[sa.Table, ...] = (
    indicators, checks, table_cells, table_rows, tables, figures, performance_indicators, performance_projects,
)

#: the tables a sink writes, in insert order (parents first); schema_version is the database's own
DATA_TABLES: tuple[sa.Table, ...] = (documents, sources, *reversed(CONTENT_TABLES), errors)


_COLUMNS = {t.name: frozenset(t.columns.keys()) for t in metadata.tables.values()}


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
    raise SinkError(f"no table for record type {t!r} in schema version {SCHEMA_VERSION}")


def _cell_rows(sha256: str, seq: int, record) -> list[dict[str, Any]]:
    return [
        {"sha256": sha256, "row_seq": seq, "header": header, "position": i, "text": text,
         "value": record.values.get(header)}
        for i, (header, text) in enumerate(record.cells.items())
    ]


def rows_of(sha256: str, records: Iterable[Record], *, version: str) -> dict[str, list[dict[str, Any]]]:
    """A document's records as rows per table name, every column present (``None`` when absent).

    ``records`` must start with the document's ``document`` record.  Rows of
    JSON columns hold dicts; sinks that write text serialise them with :func:`json_text`.  Every string
    is made encodable (:func:`decextract.storable.encodable`), so any sink can write any document.
    """
    records = list(records)
    if not records or records[0].TYPE != "document":
        raise SinkError("a document's records must start with its document record", path=sha256)
    out: dict[str, list[dict[str, Any]]] = {t.name: [] for t in DATA_TABLES if t is not errors}
    for seq, record in enumerate(records):
        table = TABLE_OF_TYPE.get(record.TYPE)
        row = flatten(record)
        if record.TYPE == "document":
            row.update(sha256=sha256, n_records=len(records), extracted_at=now_iso(), decextract_version=version)
        else:
            row.update(sha256=sha256, seq=seq)
        out[table.name].append(deep_encodable(complete(table, row)))
        if record.TYPE == "table_row":
            out[table_cells.name].extend(deep_encodable(_cell_rows(sha256, seq, record)))
    return out


def source_row(sha256: str, path: str) -> dict[str, Any]:
    """The ``sources`` row of a path a document was found under (the path stored losslessly)."""
    return complete(sources, {"sha256": sha256, "path": stored_path(path), "path_bytes": path_bytes(path),
                              "added_at": now_iso()})


def error_row(path: str, sha256: str | None, stage: str, error_class: str, message: str,
              location: str | None = None) -> dict[str, Any]:
    """The ``errors`` row of a file that failed (the path stored losslessly, every text encodable)."""
    return complete(errors, {"path": stored_path(path), "path_bytes": path_bytes(path), "sha256": sha256,
                             "stage": stage, "error_class": encodable(error_class), "message": encodable(message),
                             "location": encodable(location) if location else None, "occurred_at": now_iso()})


def complete(table: sa.Table, row: dict[str, Any]) -> dict[str, Any]:
    """``row`` with every column of ``table`` in order, missing ones ``None``; unknown keys are an error."""
    columns = _COLUMNS[table.name]
    if not columns.issuperset(row):
        raise SinkError(f"columns {sorted(set(row) - columns)} are not in table {table.name}")
    return {c: row.get(c) for c in table.columns.keys()}


def json_text(value: Any) -> str | None:
    """A JSON column's value as compact text (non-ASCII kept)."""
    return None if value is None else json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def current_version(conn: sa.Connection) -> int:
    """The schema version of a database: 0 when it has no decextract tables."""
    if not sa.inspect(conn).has_table(schema_version.name):
        return 0
    return conn.execute(sa.select(sa.func.max(schema_version.c.version))).scalar() or 0


def ensure_schema(engine: sa.Engine) -> int:
    """Create the tables in an empty database, or migrate an older one; return the version it is at.

    Raises :class:`SinkError` when the database was written by a newer decextract.
    """
    try:
        with engine.begin() as conn:
            version = current_version(conn)
            if version == 0:
                metadata.create_all(conn)  # the views too (after_create)
                conn.execute(schema_version.insert(), {"version": SCHEMA_VERSION, "applied_at": now_iso(),
                                                       "description": "create tables"})
                return SCHEMA_VERSION
    except sa.exc.SQLAlchemyError:  # two first runs at once: the other one created the tables first
        with engine.connect() as conn:
            version = current_version(conn)
        if version == 0:
            raise
    if version > SCHEMA_VERSION:
        raise SinkError(f"database schema version {version} is newer than this decextract "
                        f"(schema version {SCHEMA_VERSION}): upgrade decextract", path=str(engine.url))
    for target in range(version + 1, SCHEMA_VERSION + 1):
        description, migrate = MIGRATIONS[target]
        with engine.begin() as conn:
            migrate(conn)
            conn.execute(schema_version.insert(), {"version": target, "applied_at": now_iso(),
                                                   "description": description})
    return SCHEMA_VERSION
