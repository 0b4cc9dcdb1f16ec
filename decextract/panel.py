"""The panel: one row per disclosure, one column per indicator, each value traced to its file and page.

Every file of one disclosure (its PDF, DOCX, TXT, its tables published apart) shares a ``disclosure_id``
(:mod:`decextract.disclosure`); the panel has one row per id.  An indicator printed by several files of
the disclosure is taken from a table before the prose before a statement that there is none, then from
the first file by sha256 — the rule of the database's ``indicator_panel`` view too, so the panel of a
batch database and that view agree.  For each value the panel says where it came from
(``<indicator>_source``: file, page and cell or prose label) and, in the long ``sources`` sheet, whether
every file and every place agree.

:func:`panel_of_records` builds it from extracted records, :func:`panel_of_database` from a batch
database; :func:`write_panel` writes XLSX (sheets ``panel``, ``sources``, ``concepts``), CSV for Excel
(UTF-8 with BOM), Parquet or Stata, by the file's suffix.
"""

from __future__ import annotations

import os
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs
import sqlalchemy as sa

from . import exports, schema
from .errors import SinkError
from .indicators import indicator_concepts
from .readers.archive import SEPARATOR
from .records import Record

#: the columns that say which disclosure a row is
ID_COLUMNS = ("disclosure_id", "issuer", "issuer_printed", "region", "region_level", "fiscal_year", "kind",
              "level", "n_files", "files")
_ID_TYPES = ("text", "text", "text", "text", "text", "int", "text", "text", "int", "text")
SOURCE_SUFFIX = "_source"
_SOURCE_RANK = {"table": 0, "prose": 1, "statement": 2}
#: the columns of the long ``sources`` sheet
SOURCES_COLUMNS = ("disclosure_id", "indicator", "name", "value", "unit", "basis", "scope", "source_kind", "file",
                   "page", "location", "text", "printed_unit", "places", "agrees", "files_agree", "other_values")
_SOURCES_TYPES = ("text", "text", "text", "decimal", "text", "text", "text", "text", "text", "int", "text", "text",
                  "text", "int", "bool", "bool", "text")
FORMATS = (".xlsx", ".csv", ".parquet", ".dta")


def column_name(indicator: str) -> str:
    """The wide column of an indicator: its id with ``_`` for ``.`` (expenditure_by_function_201)."""
    return indicator.replace(".", "_")


@attrs.frozen
class Value:
    """One indicator of one disclosure: the value taken and where, and the other files' values."""

    indicator: str
    row: dict  # the chosen ``indicators`` row (flattened, with sha256 and file)
    others: tuple[dict, ...]  # the same indicator in the disclosure's other files

    @property
    def value(self) -> Decimal:
        return Decimal(self.row["value"])

    @property
    def source(self) -> str:
        page = f" p.{self.row['page']}" if self.row.get("page") is not None else ""
        return f"{self.row['file']}{page}: {self.row.get('location') or ''}".rstrip(": ")

    @property
    def files_agree(self) -> bool | None:
        """Whether every other file prints the same value (as printed, to its precision); None for one file."""
        if not self.others:
            return None
        return all(_same(self.row, o) for o in self.others)


@attrs.frozen
class Disclosure:
    disclosure_id: str
    documents: tuple[dict, ...]  # the ``documents`` rows of its files, in sha256 order
    values: dict[str, Value]

    def ids(self) -> tuple:
        first = self.documents[0]
        printed = sorted({d.get("issuer") for d in self.documents if d.get("issuer")})
        files = sorted({_file(d) for d in self.documents})
        return (self.disclosure_id, first.get("issuer_normalized") or first.get("issuer"), "; ".join(printed) or None,
                _first(self.documents, "region"), _first(self.documents, "region_level"),
                _first(self.documents, "fiscal_year"), _first(self.documents, "kind"), _first(self.documents, "level"),
                len(self.documents), "; ".join(files))


@attrs.frozen
class Panel:
    disclosures: tuple[Disclosure, ...]

    def wide(self) -> exports.Sheet:
        """One row per disclosure: the id columns, a column per indicator (numbers), then a
        ``<indicator>_source`` column per indicator (file, page, cell or label)."""
        names = [column_name(i.id) for i in indicator_concepts()]
        columns = (*ID_COLUMNS, *names, *(n + SOURCE_SUFFIX for n in names))
        # values are typed "float": a spreadsheet or Stata number (exact to 15 digits); the exact text is in the
        # sources sheet and in CSV
        types = (*_ID_TYPES, *("float",) * len(names), *("text",) * len(names))
        ids = [i.id for i in indicator_concepts()]

        def rows() -> Iterator[tuple]:
            for d in self.disclosures:
                found = [d.values.get(i) for i in ids]
                yield (*d.ids(), *(v.value if v else None for v in found), *(v.source if v else None for v in found))

        return exports.Sheet("panel", columns, types, rows)

    def sources(self) -> exports.Sheet:
        """One row per disclosure and indicator: the value, where it was read, whether the document's other
        places and the disclosure's other files agree, and the values that differ."""
        order = {i.id: n for n, i in enumerate(indicator_concepts())}

        def rows() -> Iterator[tuple]:
            for d in self.disclosures:
                for ind in sorted(d.values, key=lambda i: order.get(i, len(order))):
                    v = d.values[ind]
                    r = v.row
                    yield (d.disclosure_id, ind, r["name"], v.value, r["unit"], r["basis"], r["scope"], r["source_kind"],
                           r["file"], r.get("page"), r.get("location"), r.get("text"), r.get("printed_unit") or None,
                           r.get("places"), r.get("agrees"), v.files_agree, _other_values(v))

        return exports.Sheet("sources", SOURCES_COLUMNS, _SOURCES_TYPES, rows)

    def concepts(self) -> exports.Sheet:
        rows = [(column_name(i.id), i.id, i.name, i.scope, i.unit, i.definition) for i in indicator_concepts()]
        return exports.Sheet("concepts", ("column", "indicator", "name", "scope", "unit", "definition"),
                             ("text",) * 6, lambda: iter(rows))


def _first(documents: Sequence[dict], key: str) -> Any:
    return next((d[key] for d in documents if d.get(key) is not None), None)


def _file(document: dict) -> str:
    """The file's name without its folder; a member of an archive keeps the archive's name and its path in it
    (``seed.zip!/2020/a.docx``), so two members named alike stay told apart."""
    source = document.get("source") or ""
    archive, sep, member = source.partition(SEPARATOR)
    return (Path(archive).name + sep + member if sep else Path(source).name) or document["sha256"][:12]


def _same(a: dict, b: dict) -> bool:
    """Two printed values of one quantity agree: equal once the more precise is rounded like the other."""
    x, y = Decimal(a["value"]), Decimal(b["value"])
    step = max(_step(a), _step(b))
    return abs(x - y) <= step / 2 if step else x == y


def _step(row: dict) -> Decimal:
    """The value of one unit in the last printed place of an indicator (元): 0.01万元 -> 100."""
    text = (row.get("text") or "").replace(",", "")
    if not text:
        return Decimal(0)
    whole, _, fraction = text.partition(".")
    digits = "".join(ch for ch in fraction if ch.isdigit())
    number = "".join(ch for ch in whole if ch.isdigit() or ch == "-") + ("." + digits if digits else "")
    try:
        printed = Decimal(number)
    except ArithmeticError:
        return Decimal(0)
    value = Decimal(row["value"])
    scale = abs(value / printed) if printed and value else Decimal(1)
    return Decimal(1).scaleb(-len(digits)) * scale


def _other_values(v: Value) -> str | None:
    """The values other places or files print that differ from the one taken: “12323.46万元 (x.pdf p.19)”."""
    out = []
    for d in v.row.get("disagreements_json") or ():
        page = f" p.{d['page']}" if d.get("page") is not None else ""
        out.append(f"{d['text'] or '(blank)'} ({v.row['file']}{page}: {d.get('location') or ''})")
    for o in v.others:
        if not _same(v.row, o):
            page = f" p.{o['page']}" if o.get("page") is not None else ""
            out.append(f"{o.get('text') or '(blank)'}{o.get('printed_unit') or ''} ({o['file']}{page})")
    return "; ".join(out) or None


def build(documents: Iterable[dict], indicators: Iterable[dict]) -> Panel:
    """The panel of ``documents`` rows (of the ``documents`` table, with sha256) and their ``indicators`` rows."""
    docs = {d["sha256"]: d for d in documents}
    by_disclosure: dict[str, list[dict]] = defaultdict(list)
    for d in docs.values():
        by_disclosure[d.get("disclosure_id") or f"sha256:{d['sha256']}"].append(d)
    found: dict[tuple[str, str], list[dict]] = defaultdict(list)
    for row in indicators:
        doc = docs.get(row["sha256"])
        if doc is None:
            continue
        key = doc.get("disclosure_id") or f"sha256:{doc['sha256']}"
        found[(key, row["concept"])].append({**row, "file": _file(doc)})
    out = []
    for key in sorted(by_disclosure, key=lambda k: _sort_key(by_disclosure[k], k)):
        values = {}
        for (disclosure, concept), rows in found.items():
            if disclosure != key:
                continue
            rows.sort(key=lambda r: (_SOURCE_RANK.get(r["source_kind"], 3), r["sha256"], r.get("seq") or 0))
            values[concept] = Value(concept, rows[0], tuple(rows[1:]))
        members = tuple(sorted(by_disclosure[key], key=lambda d: d["sha256"]))
        out.append(Disclosure(key, members, values))
    return Panel(tuple(out))


def _sort_key(documents: list[dict], key: str) -> tuple:
    first = documents[0]
    return (first.get("issuer_normalized") or first.get("issuer") or "~", first.get("fiscal_year") or 0,
            first.get("kind") or "", key)


def panel_of_records(records: Iterable[Record]) -> Panel:
    """The panel of the records of one or more documents (each starting with its ``document`` record)."""
    documents, indicators = [], []
    sha = None
    for seq, record in _numbered(records):
        if record.TYPE == "document":
            sha = record.sha256
            documents.append({"sha256": sha, **schema.flatten(record)})
        elif record.TYPE == "indicator" and sha is not None:
            indicators.append({"sha256": sha, "seq": seq, **schema.flatten(record)})
    return build(documents, indicators)


def _numbered(records: Iterable[Record]) -> Iterator[tuple[int, Record]]:
    seq = 0
    for record in records:
        seq = 0 if record.TYPE == "document" else seq + 1
        yield seq, record


def panel_of_database(engine: sa.Engine) -> Panel:
    """The panel of a decextract batch database (read only)."""
    inspector = sa.inspect(engine)
    if not inspector.has_table(schema.indicators.name):
        raise SinkError("the database has no indicators table: it was written by an older decextract; "
                        "re-extract with `decextract batch --force`", path=str(engine.url))
    present = {c["name"] for c in inspector.get_columns(schema.documents.name)}
    if "disclosure_id" not in present:
        raise SinkError("the database's documents have no disclosure_id: re-extract with `decextract batch --force`",
                        path=str(engine.url))
    d, i = schema.documents, schema.indicators
    with engine.connect() as conn:
        documents = [dict(r._mapping) for r in conn.execute(sa.select(d))]
        indicators = [dict(r._mapping) for r in conn.execute(sa.select(i).order_by(i.c.sha256, i.c.seq))]
    return build(documents, indicators)


# ---------------------------------------------------------------- writing


def write_panel(panel: Panel, path: str | os.PathLike) -> Path:
    """Write the panel to ``path`` by its suffix: ``.xlsx`` (sheets panel, sources, concepts), ``.csv``
    (UTF-8 with BOM), ``.parquet`` or ``.dta`` (the wide panel, with its ``_source`` columns)."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        raise SinkError(f"a panel is written as {', '.join(FORMATS)}, not {suffix or 'a file without suffix'}",
                        path=str(path))
    wide = panel.wide()
    if suffix == ".xlsx":
        return exports.write_xlsx([wide, panel.sources(), panel.concepts()], path)
    named = attrs.evolve(wide, name=path.stem)
    if suffix == ".csv":
        return exports.write_csv([named], path.parent)[0]
    if suffix == ".dta":
        return exports.write_dta([named], path.parent)[0]
    return _write_parquet(wide, path)


def _write_parquet(sheet: exports.Sheet, path: Path) -> Path:
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError as exc:
        raise SinkError("Parquet needs pyarrow: pip install 'decextract[parquet]'") from exc
    from .sinks.parquet import DECIMAL

    types = {"text": pa.string(), "int": pa.int64(), "float": DECIMAL}
    fields = [pa.field(c, types[t]) for c, t in zip(sheet.columns, sheet.types, strict=True)]
    rows = list(sheet.rows())
    arrays = [pa.array([r[k] for r in rows], type=f.type) for k, f in enumerate(fields)]
    table = pa.Table.from_arrays(arrays, schema=pa.schema(fields))
    exports._replace(path, lambda tmp: pq.write_table(table, tmp))
    return path


# ---------------------------------------------------------------- the database's wide view

VIEW = "indicator_panel"


def view_sql(conn: sa.Connection) -> str:
    """``CREATE VIEW indicator_panel``: one row per disclosure, a column per indicator, taken from a table
    before the prose before a statement, then the first file by sha256 (the rule of :func:`build`)."""
    q = conn.dialect.identifier_preparer.quote
    picks = ",\n  ".join(
        f"MAX(CASE WHEN r.concept = '{i.id}' THEN r.value END) AS {q(column_name(i.id))}" for i in indicator_concepts())
    return f"""CREATE VIEW {VIEW} AS
WITH ranked AS (
  SELECT d.disclosure_id, i.concept, i.value,
         ROW_NUMBER() OVER (PARTITION BY d.disclosure_id, i.concept
                            ORDER BY CASE i.source_kind WHEN 'table' THEN 0 WHEN 'prose' THEN 1 ELSE 2 END,
                                     i.sha256, i.seq) AS pick
  FROM indicators i JOIN documents d ON d.sha256 = i.sha256
)
SELECT d.disclosure_id,
  MIN(d.issuer_normalized) AS issuer, MIN(d.region) AS region, MIN(d.region_level) AS region_level,
  MIN(d.fiscal_year) AS fiscal_year, MIN(d.kind) AS kind, MIN(d.level) AS level,
  COUNT(DISTINCT d.sha256) AS n_files,
  {picks}
FROM documents d LEFT JOIN ranked r ON r.disclosure_id = d.disclosure_id AND r.pick = 1
GROUP BY d.disclosure_id"""


def ensure_view(conn: sa.Connection) -> None:
    """(Re)create the wide view, its columns those of this decextract's indicator list."""
    conn.execute(sa.text(f"DROP VIEW IF EXISTS {VIEW}"))
    conn.execute(sa.text(view_sql(conn)))
