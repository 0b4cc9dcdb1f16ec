"""The analysts' schema: tables, columns, indexes, the schema version and its migrations.

One definition serves every tabular sink (SQL, CSV, Parquet): :data:`metadata`
holds the tables and :func:`rows_of` flattens a document's records into rows of
them (by :mod:`decextract.rows`, which needs no SQLAlchemy).  Provenance becomes real columns; money stays exact (``NUMERIC`` in
PostgreSQL, ``TEXT`` elsewhere, never float); nested dicts become JSON text and,
for table rows, one ``table_cells`` row per cell.

A fresh database is created at :data:`SCHEMA_VERSION`; an older one is brought
up to date by :data:`MIGRATIONS` (``version -> function(connection)``), each
applied in its own transaction and recorded in ``schema_version``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from . import rows
from .errors import SinkError
from .records import Record, decimal_text
from .rows import flatten, json_text, now_iso  # noqa: F401 (the schema's flattening, in decextract.rows)
from .storable import encodable, path_bytes, stored_path

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
TABLE_OF_TYPE: dict[str, sa.Table] = {t: metadata.tables[name] for t, name in rows.TABLE_OF_TYPE.items()}

#: tables holding a document's content, children before parents (delete order)
CONTENT_TABLES: tuple[sa.Table, ...] = (
    indicators, checks, table_cells, table_rows, tables, figures, performance_indicators, performance_projects,
)

#: the tables a sink writes, in insert order (parents first); schema_version is the database's own
DATA_TABLES: tuple[sa.Table, ...] = (documents, sources, *reversed(CONTENT_TABLES), errors)


_COLUMNS = {str(t.name): tuple(str(c) for c in t.columns.keys()) for t in metadata.tables.values()}  # plain str: picklable without SQLAlchemy

#: the tables :func:`rows_of` fills, in insert order, each with its columns in order
ROW_COLUMNS: dict[str, tuple[str, ...]] = {str(t.name): _COLUMNS[t.name] for t in DATA_TABLES if t is not errors}


def rows_of(sha256: str, records: Iterable[Record], *, version: str) -> dict[str, list[dict[str, Any]]]:
    """A document's records as rows per table name (see :func:`decextract.rows.rows_of`)."""
    return rows.rows_of(sha256, records, version=version, columns=ROW_COLUMNS)


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
    return rows.complete(table.name, _COLUMNS[table.name], row)


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
