"""The SQL sink: SQLite by default, PostgreSQL or any SQLAlchemy engine by URL.

Each document is one transaction: its ``documents`` row, its sources and every
record row commit together or not at all, and the ``documents`` primary key
(sha256) makes a second copy impossible even when two batches share a database.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy import event

from .. import schema
from ..errors import SinkError
from ..records import Record, compact_json
from . import Sink
from .encoders import DriverRows, without_nul


def engine_url(url: str) -> sa.URL:
    """Parse a database URL; plain ``postgresql://`` means the psycopg (3) driver.

    Anything without ``://`` is the path of an SQLite file: ``out.sqlite`` is ``sqlite:///out.sqlite``.
    """
    if "://" not in url:
        return sa.URL.create("sqlite", database=url)
    try:
        parsed = sa.make_url(url)
    except (sa.exc.ArgumentError, ValueError) as exc:  # ValueError: a port that is not a number
        raise SinkError(f"not a database URL: {url!r} (e.g. sqlite:///out.sqlite or postgresql://user@host/db)",
                        path=url) from exc
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


_json_text = compact_json


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")  # readers never block the writer
    cur.execute("PRAGMA synchronous=NORMAL")  # a crash may lose the last commits, never half of one
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.close()


def create_engine(url: str) -> sa.Engine:
    """An engine for ``url`` with the schema created or migrated."""
    parsed = engine_url(url)
    try:
        # JSON columns as a person reads them in sqlite3 or DB Browser: 中文, not \u4e2d\u6587
        engine = sa.create_engine(parsed, json_serializer=_json_text)
        if engine.dialect.name == "sqlite":
            event.listen(engine, "connect", _sqlite_pragmas)
        schema.ensure_schema(engine)
    except sa.exc.SQLAlchemyError as exc:
        raise SinkError(f"cannot open database: {exc.__class__.__name__}: {getattr(exc, 'orig', None) or exc}",
                        path=parsed.render_as_string(hide_password=True)) from exc
    except ModuleNotFoundError as exc:
        raise SinkError(f"the database driver is not installed: {exc.name} (for PostgreSQL: "
                        "pip install 'decextract[postgresql]')", path=parsed.render_as_string()) from exc
    return engine


@functools.cache
def _dialect(driver: str) -> sa.Dialect:
    """The SQLAlchemy dialect of ``driver`` (``sqlite+pysqlite``, ``postgresql+psycopg``) as the sink's
    engine has it, without a connection: what compiles the statements the sink hands to the driver."""
    return sa.make_url(f"{driver}://").get_dialect()(json_serializer=_json_text)


def _update_document() -> sa.Update:
    d = schema.documents
    return (d.update().where(d.c.sha256 == sa.bindparam("key"))
            .values({c.name: sa.bindparam(c.name) for c in d.columns if c.name != "sha256"}))


#: what the sink runs for each document besides the INSERTs, by name (compiled once per driver: _statement)
_STATEMENTS = {
    "exists": lambda: sa.select(schema.documents.c.sha256).where(schema.documents.c.sha256 == sa.bindparam("sha256")),
    "update_document": _update_document,
    "source_paths": lambda: sa.select(schema.sources.c.path).where(schema.sources.c.sha256 == sa.bindparam("sha256")),
    "path_errors": lambda: schema.errors.delete().where(schema.errors.c.path == sa.bindparam("path")),
    "document_errors": lambda: schema.errors.delete().where(schema.errors.c.sha256 == sa.bindparam("sha256")),
}


@functools.cache
def _statement(driver: str, name: str) -> tuple[str, tuple[str, ...] | None]:
    """A statement as the driver takes it (``insert:TABLE``: the INSERT of every column of TABLE, or one of
    :data:`_STATEMENTS`) and the order of its positional parameters (None when they are named)."""
    table = name.removeprefix("insert:")
    stmt = schema.metadata.tables[table].insert() if table != name else _STATEMENTS[name]()
    compiled = stmt.compile(dialect=_dialect(driver))
    return str(compiled), tuple(compiled.positiontup) if compiled.positional else None


def _insert(driver: str, table: str) -> tuple[str, tuple[str, ...] | None]:
    return _statement(driver, f"insert:{table}")


def converters(dialect: sa.Dialect) -> dict[str, tuple[str | None, ...]]:
    """Per table :func:`~decextract.schema.rows_of` fills, per column: how ``dialect`` takes its values, by
    name in :data:`~decextract.sinks.encoders.CONVERT` (None: as they are), as SQLAlchemy would bind them."""
    def how(column: sa.Column) -> str | None:
        kind = column.type
        if kind.dialect_impl(dialect).bind_processor(dialect) is None:
            return None
        if isinstance(kind, schema.ExactDecimal):  # see ExactDecimal.process_bind_param
            return None if dialect.name == "postgresql" else "decimal"
        if isinstance(kind, sa.JSON):
            return "json"
        if isinstance(kind, sa.Boolean):
            return None if dialect.supports_native_boolean else "int"
        if isinstance(kind, sa.Float):
            return "float"
        return None

    return {name: tuple(how(c) for c in schema.metadata.tables[name].columns) for name in schema.ROW_COLUMNS}


def _run(conn: sa.Connection, driver: str, name: str, values: dict) -> sa.CursorResult:
    """Run statement ``name`` with ``values`` (by parameter name, as the driver takes them)."""
    sql, order = _statement(driver, name)
    return conn.exec_driver_sql(sql, values if order is None else tuple(values[n] for n in order))


class SqlSink(Sink):
    """Writes documents into the tables of :mod:`decextract.schema`."""

    def __init__(self, url: str):
        self.engine = create_engine(url)
        self.name = self.engine.url.render_as_string(hide_password=True)
        self.driver = f"{self.engine.dialect.name}+{self.engine.dialect.driver}"
        self._encoder: DriverRows | None = None
        db = self.engine.url.database
        if self.engine.dialect.name == "sqlite" and db and db != ":memory:":
            self.outputs = tuple(Path(db + suffix).resolve() for suffix in ("", "-wal", "-shm", "-journal"))

    def loaded(self) -> set[str]:
        with self.engine.connect() as conn:
            return set(conn.execute(sa.select(schema.documents.c.sha256)).scalars())

    def encoder(self) -> DriverRows:
        if self._encoder is None:
            order = {}
            for name, columns in schema.ROW_COLUMNS.items():
                names = _insert(self.driver, name)[1]
                order[name] = None if names is None else tuple(columns.index(c) for c in names)
            self._encoder = DriverRows(schema.ROW_COLUMNS, converters(_dialect(self.driver)), order,
                                       no_nul=self.engine.dialect.name == "postgresql")
        return self._encoder

    def write_document(self, sha256: str, paths: Sequence[str], records: Sequence[Record], *, replace: bool,
                       encoded: dict[str, list] | None = None) -> None:
        try:
            rows = encoded if encoded is not None else self.encoder()(sha256, records)
            try:
                self._write(sha256, paths, rows, replace)
            except sa.exc.IntegrityError:  # another batch loaded it between our check and insert
                self._write(sha256, paths, rows, replace)
        except sa.exc.SQLAlchemyError as exc:
            raise SinkError(f"cannot write document: {exc.__class__.__name__}: {getattr(exc, 'orig', None) or exc}",
                            path=paths[0] if paths else sha256) from exc

    def _write(self, sha256: str, paths: Sequence[str], rows: dict[str, list], replace: bool) -> None:
        with self.engine.begin() as conn:
            exists = _run(conn, self.driver, "exists", {"sha256": sha256}).first() is not None
            if exists and replace:
                for table in schema.CONTENT_TABLES:
                    conn.execute(table.delete().where(table.c.sha256 == sha256))
                self._update_document(conn, sha256, rows["documents"][0])
            elif not exists:
                conn.exec_driver_sql(_insert(self.driver, "documents")[0], rows["documents"])
            if replace or not exists:
                for table in reversed(schema.CONTENT_TABLES):
                    if rows[table.name]:
                        conn.exec_driver_sql(_insert(self.driver, table.name)[0], rows[table.name])
            self._add_sources(conn, sha256, paths)
            _run(conn, self.driver, "document_errors", {"sha256": sha256})

    def _update_document(self, conn: sa.Connection, sha256: str, row: tuple | dict) -> None:
        """Replace the ``documents`` row of ``sha256`` by ``row`` (as :class:`DriverRows` made it)."""
        values = row if isinstance(row, dict) else dict(zip(_insert(self.driver, "documents")[1], row, strict=True))
        _run(conn, self.driver, "update_document", {**values, "key": sha256})

    def add_sources(self, sha256: str, paths: Sequence[str]) -> None:
        with self.engine.begin() as conn:
            self._add_sources(conn, sha256, paths)

    def _add_sources(self, conn: sa.Connection, sha256: str, paths: Sequence[str]) -> None:
        """Record the paths of a loaded document; a path that loads now has no error any more."""
        rows = self._clean([schema.source_row(sha256, p) for p in dict.fromkeys(paths)])
        for row in rows:
            _run(conn, self.driver, "path_errors", {"path": row["path"]})
        known = set(_run(conn, self.driver, "source_paths", {"sha256": sha256}).scalars())
        new = [r for r in rows if r["path"] not in known]
        if new:
            conn.exec_driver_sql(_insert(self.driver, "sources")[0], self.encoder().convert("sources", new))

    def write_error(self, path: str, sha256: str | None, stage: str, error_class: str, message: str,
                    location: str | None = None) -> None:
        row = self._clean([schema.error_row(path, sha256, stage, error_class, message, location)])[0]
        del row["id"]  # the database numbers it
        try:
            with self.engine.begin() as conn:
                conn.execute(schema.errors.delete().where(schema.errors.c.path == row["path"]))
                conn.execute(schema.errors.insert(), row)
        except sa.exc.SQLAlchemyError as exc:
            raise SinkError(f"cannot write error row: {exc.__class__.__name__}: {getattr(exc, 'orig', None) or exc}",
                            path=row["path"]) from exc

    def failed(self) -> dict[str, dict[str, tuple]]:
        e = schema.errors
        query = (sa.select(e.c.sha256, e.c.path, e.c.stage, e.c.error_class, e.c.message, e.c.location)
                 .where(e.c.sha256.is_not(None)).where(e.c.sha256.not_in(sa.select(schema.documents.c.sha256)))
                 .order_by(e.c.id))
        out: dict[str, dict[str, tuple]] = {}
        with self.engine.connect() as conn:
            for sha, path, *error in conn.execute(query):
                out.setdefault(sha, {})[path] = tuple(error)
        return out

    def _clean(self, rows: list[dict]) -> list[dict]:
        """Rows PostgreSQL can store (no NUL in text); other databases take them as they are."""
        if self.engine.dialect.name != "postgresql":
            return rows
        return [{k: without_nul(v) for k, v in row.items()} for row in rows]

    def close(self) -> None:
        self.engine.dispose()
