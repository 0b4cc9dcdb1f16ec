"""Reading a decextract database without changing it: open by URL or path, run a query.

The batch writes through :mod:`decextract.sinks.sql` (which creates and migrates the
schema); ``decextract export`` and ``decextract query`` only read, through
:func:`open_readonly`: an SQLite file is opened read-only and must exist (nothing is
created), a PostgreSQL session is read-only.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from . import schema
from .errors import SinkError
from .sinks.sql import engine_url


def sqlite_path(url: str) -> Path | None:
    """The file of an SQLite database named by ``url`` (a plain path or ``sqlite:///…``); None otherwise."""
    parsed = engine_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database or parsed.database == ":memory:":
        return None
    return Path(parsed.database)


def open_readonly(url: str) -> sa.Engine:
    """An engine that can only read the database at ``url`` (a path or URL).

    Raises :class:`SinkError` when an SQLite file does not exist, or the database is not
    a decextract database of a schema this version reads.
    """
    parsed = engine_url(url)
    shown = parsed.render_as_string(hide_password=True)
    path = sqlite_path(url)
    try:
        if path is not None:
            if not path.is_file():
                raise SinkError("no such database file", path=str(path))
            uri = f"file:{path.resolve().as_posix()}?mode=ro"
            engine = sa.create_engine("sqlite://", creator=lambda: sqlite3.connect(uri, uri=True))
        else:
            engine = sa.create_engine(parsed, execution_options={"postgresql_readonly": True}
                                      if parsed.get_backend_name() == "postgresql" else {})
        with engine.connect() as conn:
            version = schema.current_version(conn)
    except sa.exc.SQLAlchemyError as exc:
        raise SinkError(f"cannot open database: {exc.__class__.__name__}: {getattr(exc, 'orig', None) or exc}",
                        path=shown) from exc
    except ModuleNotFoundError as exc:
        raise SinkError(f"the database driver is not installed: {exc.name} (for PostgreSQL: "
                        "pip install 'decextract[postgresql]')", path=shown) from exc
    if version == 0:
        raise SinkError("not a decextract database (no schema_version table)", path=shown)
    if version > schema.SCHEMA_VERSION:
        raise SinkError(f"database schema version {version} is newer than this decextract "
                        f"(schema version {schema.SCHEMA_VERSION}): upgrade decextract", path=shown)
    return engine


def run_query(engine: sa.Engine, sql: str, params: dict[str, Any] | None = None) -> tuple[list[str], Iterator[tuple]]:
    """Column names and rows of ``sql``; a :class:`SinkError` with the database's message when it fails."""
    conn = engine.connect()
    try:
        result = conn.execute(sa.text(sql), params or {})
        columns = list(result.keys()) if result.returns_rows else []
    except sa.exc.SQLAlchemyError as exc:
        conn.close()
        raise SinkError(f"query failed: {getattr(exc, 'orig', None) or exc}") from exc

    def rows() -> Iterator[tuple]:
        try:
            if result.returns_rows:
                yield from (tuple(r) for r in result)
        finally:
            conn.close()

    return columns, rows()
