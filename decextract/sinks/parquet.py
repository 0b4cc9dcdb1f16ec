"""The Parquet sink: one folder per table of :mod:`decextract.schema`, written in numbered parts.

Documents are buffered and written together as part ``N`` (``figures/part-N.parquet``
…); the part counts only once its commit file ``_commits/part-N.json`` (listing
its documents) exists, written last by an atomic rename, so a crash loses
uncommitted parts — deleted on the next open — and never leaves half a document.
Decimals are ``decimal128(38, 10)``; JSON columns are JSON text.  Replacing a
document (``--force``) rewrites the older parts that hold it.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import sqlalchemy as sa

from .. import __version__, schema
from ..errors import SinkError
from ..records import Record, decimal_text
from ..storable import stored_path
from . import Sink, check_writable_dir

DECIMAL = pa.decimal128(38, 10)


def _arrow_type(column: sa.Column) -> pa.DataType:
    t = column.type
    if isinstance(t, schema.ExactDecimal):
        return DECIMAL
    if isinstance(t, sa.Boolean):
        return pa.bool_()
    if isinstance(t, sa.Integer):
        return pa.int64()
    if isinstance(t, sa.Float):
        return pa.float64()
    if isinstance(t, sa.LargeBinary):
        return pa.binary()
    return pa.string()


def arrow_schema(table: sa.Table) -> pa.Schema:
    """The Arrow schema of a table of :mod:`decextract.schema`."""
    return pa.schema([pa.field(c.name, _arrow_type(c)) for c in table.columns])


def _cell(value: Any, type_: pa.DataType) -> Any:
    if isinstance(value, (dict, list)):
        return schema.json_text(value)
    if isinstance(value, Decimal) and type_ == DECIMAL:
        whole, _, fraction = decimal_text(value).lstrip("-").partition(".")
        if len(fraction) > DECIMAL.scale or len(whole) > DECIMAL.precision - DECIMAL.scale:
            raise SinkError(f"decimal {value} has more than 10 decimal places or 28 digits before the point: "
                            "cannot store it exactly in Parquet")
    return value


class ParquetSink(Sink):
    """Writes tables as Parquet parts in a folder; readable with ``pyarrow.dataset`` or ``pandas.read_parquet``."""

    def __init__(self, folder: str | Path, *, rows_per_part: int = 100_000):
        self.folder = check_writable_dir(Path(folder).resolve())
        self.name = str(self.folder)
        self.outputs = (self.folder,)
        self.rows_per_part = rows_per_part
        self.commits = check_writable_dir(self.folder / "_commits")
        self.schemas = {t.name: arrow_schema(t) for t in schema.DATA_TABLES}
        self.parts: dict[int, dict] = {}  # part number -> commit: {"documents": [...], "sources": [...]}
        self._buffer: dict[str, list[dict]] = {name: [] for name in self.schemas}
        self._buffered_docs: dict[str, None] = {}
        self._buffered_sources: set[str] = set()
        self._replaced: set[str] = set()
        self._recover()

    # ---------------------------------------------------------------- state on disk

    def _part_path(self, table: str, n: int) -> Path:
        return self.folder / table / f"part-{n:06d}.parquet"

    def _recover(self) -> None:
        """Finish or undo an interrupted rewrite, load committed parts, delete uncommitted part files."""
        done = {_part_no(f) for f in self.commits.glob("part-*.done")}
        rewrites = [*self.commits.glob("part-*.json.rewrite")]
        rewrites += [f for name in self.schemas for f in (self.folder / name).glob("part-*.rewrite")]
        for f in rewrites:
            if _part_no(f) in done:
                os.replace(f, f.with_suffix(""))
            else:
                f.unlink()
        for f in [*self.commits.glob("*.done"), *self.commits.glob("*.tmp")]:
            f.unlink()
        for f in self.commits.glob("part-*.json"):
            self.parts[_part_no(f)] = json.loads(f.read_text("utf-8"))
        for name in self.schemas:
            for f in (self.folder / name).glob("part-*.parquet"):
                if _part_no(f) not in self.parts:
                    f.unlink()
        self._index()
        self._drop_superseded()

    def _index(self) -> None:
        self._loaded = {sha for c in self.parts.values() for sha in c["documents"]}
        self._sources = {s for c in self.parts.values() for s in c["sources"]}

    def loaded(self) -> set[str]:
        return set(self._loaded)

    # ---------------------------------------------------------------- writing

    def write_document(self, sha256: str, paths: Sequence[str], records: Sequence[Record], *, replace: bool) -> None:
        if replace or (sha256 not in self._loaded and sha256 not in self._buffered_docs):
            rows = schema.rows_of(sha256, records, version=__version__)
            converted = {name: [{k: _cell(v, self.schemas[name].field(k).type) for k, v in r.items()}
                                for r in table_rows] for name, table_rows in rows.items() if name != "sources"}
            for name, table_rows in converted.items():
                self._buffer[name].extend(table_rows)
            self._buffered_docs[sha256] = None
            if replace:
                self._replaced.add(sha256)
        self.add_sources(sha256, paths)
        if sum(len(rows) for rows in self._buffer.values()) >= self.rows_per_part:
            self.flush()

    def add_sources(self, sha256: str, paths: Sequence[str]) -> None:
        for path in dict.fromkeys(paths):
            key = f"{sha256}\t{stored_path(path)}"
            if key not in self._sources and key not in self._buffered_sources:
                self._buffer["sources"].append(schema.source_row(sha256, path))
                self._buffered_sources.add(key)

    def write_error(self, path: str, sha256: str | None, stage: str, error_class: str, message: str,
                    location: str | None = None) -> None:
        self._buffer["errors"].append(schema.error_row(path, sha256, stage, error_class, message, location))

    def failed(self) -> dict[str, dict[str, tuple]]:
        out: dict[str, dict[str, tuple]] = {}
        columns = ["path", "sha256", "stage", "error_class", "message", "location"]
        for n in sorted(self.parts):  # parts in the order written: a later error of a path replaces it
            path = self._part_path("errors", n)
            if path.exists():
                for row in pq.read_table(path, columns=columns).to_pylist():
                    if row["sha256"] and row["sha256"] not in self._loaded:
                        out.setdefault(row["sha256"], {})[row["path"]] = tuple(row[c] for c in columns[2:])
        return out

    def flush(self) -> None:
        """Write the buffered documents as the next part and commit it."""
        if not any(self._buffer.values()):
            return
        n = max(self.parts, default=0) + 1
        for name, rows in self._buffer.items():
            if rows:
                (self.folder / name).mkdir(exist_ok=True)
                table = pa.Table.from_pylist(rows, schema=self.schemas[name])
                _write_synced(table, self._part_path(name, n))
        commit = {"documents": list(self._buffered_docs), "sources": sorted(self._buffered_sources)}
        _write_json_atomic(self.commits / f"part-{n:06d}.json", commit)
        self.parts[n] = commit
        self._loaded.update(self._buffered_docs)
        self._sources.update(self._buffered_sources)
        self._buffer = {name: [] for name in self.schemas}
        self._buffered_docs, self._buffered_sources = {}, set()
        if self._replaced:
            self._drop_superseded()
            self._replaced = set()

    def _drop_superseded(self) -> None:
        """Rewrite older parts without the documents a later part holds again."""
        latest: dict[str, int] = {}
        for n in sorted(self.parts):
            for sha in self.parts[n]["documents"]:
                latest[sha] = n
        for n in sorted(self.parts):
            stale = {sha for sha in self.parts[n]["documents"] if latest[sha] != n}
            if stale:
                self._rewrite_part(n, stale)

    def _rewrite_part(self, n: int, stale: set[str]) -> None:
        """Drop ``stale`` documents from part ``n``: new files first, then a marker, then the renames."""
        rewritten = []
        for name in self.schemas:
            if name in ("sources", "errors"):
                continue
            path = self._part_path(name, n)
            if path.exists():
                table = pq.read_table(path)
                keep = pc.invert(pc.is_in(table["sha256"], value_set=pa.array(sorted(stale))))
                target = path.with_name(path.name + ".rewrite")
                _write_synced(table.filter(keep), target)
                rewritten.append((target, path))
        commit = {**self.parts[n], "documents": [s for s in self.parts[n]["documents"] if s not in stale]}
        _write_json_atomic(self.commits / f"part-{n:06d}.json.rewrite", commit)
        _write_json_atomic(self.commits / f"part-{n:06d}.done", {})
        for target, path in rewritten:
            os.replace(target, path)
        os.replace(self.commits / f"part-{n:06d}.json.rewrite", self.commits / f"part-{n:06d}.json")
        (self.commits / f"part-{n:06d}.done").unlink()
        self.parts[n] = commit

    def close(self) -> None:
        self.flush()


def _part_no(path: Path) -> int:
    """The part number in ``part-000012.parquet`` and its companions."""
    return int(path.name[len("part-"):len("part-") + 6])


def _write_synced(table: pa.Table, path: Path) -> None:
    pq.write_table(table, path)
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_json_atomic(path: Path, obj: Any) -> None:
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(obj, f, ensure_ascii=False)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
