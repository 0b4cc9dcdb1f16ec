"""The ``decextract`` command line: a thin layer over the library.

Exit status of every command: 0 when everything was done; 1 when some input files could not be read
(each reported on standard error, the others done) or a query failed; 2 for a usage error — a bad
option, a path that does not exist, an output that cannot be written, a database that cannot be
opened — reported before anything is created; 130 when interrupted.
"""

from __future__ import annotations

import contextlib
import glob
import json
import logging
import os
import sys
import time
from pathlib import Path

import click

from . import __version__
from .errors import DecExtractError
from .limits import DEFAULT_MAX_MEMORY, DEFAULT_MAX_SIZE, DEFAULT_TIMEOUT, format_size, parse_size
from .pipeline import read_tables
from .records import to_json
from .storable import one_line, shown
from .tables.export import write_table_csv

log = logging.getLogger("decextract")
_GLOB_CHARS = frozenset("*?[")
_LEVELS = {"debug": logging.DEBUG, "info": logging.INFO, "warning": logging.WARNING, "error": logging.ERROR}


def _print_version(ctx: click.Context, _param, value: bool) -> None:
    if not value or ctx.resilient_parsing:
        return
    from .schema import SCHEMA_VERSION

    click.echo(f"decextract {__version__} (database schema {SCHEMA_VERSION})")
    ctx.exit()


class _StderrHandler(logging.StreamHandler):
    """Log lines on whatever ``sys.stderr`` is when they are written."""

    @property
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, _value) -> None:
        pass

    def format(self, record: logging.LogRecord) -> str:
        return f"{record.levelname.lower()}: {record.getMessage()}"


_handler = _StderrHandler()


def _configure_logging(verbose: int, quiet: bool, level: str | None) -> None:
    """decextract's messages on stderr: warnings by default, -v info, -vv debug, -q errors only."""
    if level:
        chosen = _LEVELS[level.lower()]
    elif quiet:
        chosen = logging.ERROR
    else:
        chosen = {0: logging.WARNING, 1: logging.INFO}.get(verbose, logging.DEBUG)
    log.setLevel(chosen)
    log.propagate = False
    if _handler not in log.handlers:
        log.addHandler(_handler)


class _Size(click.ParamType):
    """A size in bytes: 512M, 2G, 300k, 1048576; 0 for no limit."""

    name = "SIZE"

    def convert(self, value, param, ctx):
        if value is None or isinstance(value, int):
            return value
        try:
            return parse_size(str(value))
        except ValueError as exc:
            self.fail(str(exc), param, ctx)


def _limit_options(command):
    """--timeout, --max-size, --max-memory and --follow-links, the same for extract and batch."""
    for option in reversed([
        click.option("--timeout", type=click.FloatRange(min=0), default=DEFAULT_TIMEOUT, show_default=True,
                     help="Seconds allowed per document; 0 for no limit."),
        click.option("--max-size", type=_Size(), default=DEFAULT_MAX_SIZE, show_default=format_size(DEFAULT_MAX_SIZE),
                     help="Files larger than this are not read (512M, 2G …; 0 for no limit)."),
        click.option("--max-memory", type=_Size(), default=DEFAULT_MAX_MEMORY,
                     show_default=format_size(DEFAULT_MAX_MEMORY),
                     help="Memory a worker may use; a document needing more fails (0 for no limit)."),
        click.option("--follow-links", is_flag=True,
                     help="Follow symbolic links found in folders even when they lead outside the inputs."),
    ]):
        command = option(command)
    return command


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--version", is_flag=True, expose_value=False, is_eager=True, callback=_print_version,
              help="Show the version (and the database schema version) and exit.")
@click.option("-v", "--verbose", count=True, help="More messages on standard error: -v each file, -vv debugging.")
@click.option("-q", "--quiet", is_flag=True, help="Only errors on standard error: no warnings, no progress.")
@click.option("--log-level", type=click.Choice(list(_LEVELS), case_sensitive=False),
              help="The level of messages on standard error (overrides -v and -q).")
@click.pass_context
def cli(ctx: click.Context, verbose: int, quiet: bool, log_level: str | None) -> None:
    """Extract figures, tables and provenance from 部门决算/部门预算 disclosures.

    Exit status: 0 all done, 1 some files failed (or the query failed), 2 usage error, 130 interrupted.
    """
    _configure_logging(verbose, quiet, log_level)
    ctx.obj = {"quiet": quiet or (log_level or "").lower() == "error"}


def _existing(paths: tuple[str, ...]) -> None:
    """A usage error (exit 2) naming every path that does not exist and every glob that matches nothing."""
    from .readers import archive

    missing = [p for p in paths if not os.path.lexists(p) and not archive.is_member_path(p)
               and not (_GLOB_CHARS & set(p) and glob.glob(p, recursive=True))]
    if missing:
        raise click.UsageError("no such file or folder: " + ", ".join(missing))


def _inputs(paths: tuple[str, ...], follow_links: bool = False):
    """The files named by ``paths`` (an :class:`~decextract.inputs.Inputs`): files as given, folders and globs
    expanded as ``batch`` does, links leading out of them refused unless ``follow_links``.

    Files found under a relative folder or glob are shown relative to the working directory.
    """
    from .inputs import Inputs

    _existing(paths)
    inputs = Inputs((), follow_links=follow_links, absolute=False)
    for arg in paths:
        found = Inputs([arg], follow_links=follow_links, absolute=False)
        if not found.files and not (os.path.lexists(arg) and not os.path.isdir(arg)):
            log.warning("%s: no files found", arg)
        inputs.merge(found)
    return inputs


@cli.command("extract")
@click.argument("files", nargs=-1, required=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False, allow_dash=True), default=None,
              help="Write here instead of standard output: FILE.xlsx as Excel, anything else as JSON Lines.")
@click.option("--jsonl", type=click.Path(dir_okay=False, allow_dash=True), metavar="FILE",
              help="Write the records as JSON Lines to FILE.")
@click.option("--xlsx", type=click.Path(dir_okay=False), metavar="FILE",
              help="Write an Excel workbook: one sheet per record kind.")
@click.option("--csv", "csv_dir", type=click.Path(file_okay=False), metavar="DIR",
              help="Write one CSV per record kind (UTF-8 with BOM) into DIR.")
@click.option("--dta", "dta_dir", type=click.Path(file_okay=False), metavar="DIR",
              help="Write one Stata .dta per record kind into DIR (needs pandas).")
@_limit_options
def extract_command(files: tuple[str, ...], output, jsonl, xlsx, csv_dir, dta_dir, timeout, max_size, max_memory,
                    follow_links) -> None:
    """Write the records of each FILE (files, folders, globs) as JSON Lines, one record a line.

    With --xlsx, --csv or --dta the records go there instead (add -o - to also
    print them).  Each document is extracted in a worker process under the same
    limits as batch (time, size, memory).  A file that cannot be read is
    reported on standard error with the reason; the other files still run, and
    the exit status is 1 if any file failed.
    """
    if output and Path(output).suffix.lower() == ".xlsx":
        xlsx, output = xlsx or output, None
    elif output and Path(output).suffix.lower() in (".csv", ".dta"):
        raise click.BadParameter(f"{output}: {Path(output).suffix} is one file per record kind: use "
                                 f"--{Path(output).suffix[1:].lower()} DIR", param_hint="-o")
    if output and jsonl:
        raise click.UsageError("give -o or --jsonl, not both")
    paths = _inputs(files, follow_links)
    jsonl = output or jsonl or (None if (xlsx or csv_dir or dta_dir) else "-")
    tabular = bool(xlsx or csv_dir or dta_dir)
    kept = []
    with click.open_file(jsonl, "w", encoding="utf-8", lazy=True) if jsonl else contextlib.nullcontext() as out:
        def use(_path: str, records) -> None:
            if out is not None:
                out.write("".join(to_json(r) + "\n" for r in records))
                out.flush()
            if tabular:
                kept.extend(records)

        status = _every_document(paths, use, timeout=timeout or None, max_size=max_size, max_memory=max_memory)
    if tabular:
        from . import exports

        _write_exports(exports.sheets_of_records(kept), xlsx, csv_dir, dta_dir)
    sys.exit(status)


def _every_document(inputs, use, **limits) -> int:
    """``use(path, records)`` for each document, extracted in a worker process within ``limits``; the exit
    status: 1 when some file failed (each reported on stderr with the reason), else 0."""
    from .batch import extract_many

    failed = total = 0
    try:
        # one worker forked from this process, which has imported the pipeline already (a spawned one
        # would import it again): the same limits, the time of one interpreter start saved
        for result in extract_many(inputs, 1, dedupe=False, fork=True, **limits):
            total += 1
            log.debug("reading %s", shown(result.path))  # read in the worker; logged as its result arrives
            if result.status == "ok":
                _log_read(result.path, result.records, result.seconds)
                use(result.path, result.records)
            else:
                failed += 1
                click.echo(f"error: {shown(result.path)}: {one_line(result.failure.message)}", err=True)
    except DecExtractError as exc:  # no worker could start
        click.echo(f"error: {exc}", err=True)
        return 2
    if failed:
        click.echo(f"{failed} of {total} file(s) failed", err=True)
        return 1
    return 0


def _every_file(paths, read, use) -> int:
    """``use(path, read(path))`` for each file; the exit status: 1 when some file failed (reported), else 0."""
    try:
        for path, result in _each_file(paths, read):
            use(path, result)
    except SystemExit as stop:
        return stop.code
    return 0


def _write_exports(sheets, xlsx: str | None, csv_dir: str | None, dta_dir: str | None) -> None:
    from . import exports

    try:
        if xlsx:
            log.info("wrote %s", exports.write_xlsx(sheets, xlsx))
        if csv_dir:
            log.info("wrote %d CSV files into %s", len(exports.write_csv(sheets, csv_dir)), csv_dir)
        if dta_dir:
            log.info("wrote %d Stata files into %s", len(exports.write_dta(sheets, dta_dir)), dta_dir)
    except DecExtractError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)


@cli.command("audit")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Write one JSON object per file (JSON Lines) instead of the report.")
def audit_command(files: tuple[str, ...], as_json: bool) -> None:
    """Reconcile each FILE with itself: tables with tables, prose with tables, words with numbers.

    The report lists the failed checks first (each with the places of its inputs and the
    arithmetic), then missing, announced-but-absent and declared-empty tables, then what passed
    and what could not be checked.  Exit status 1 if any file could not be read.
    """
    from .audit import audit_file, report_json, report_text

    for _, report in _each_file(files, audit_file):
        click.echo(json.dumps(report_json(report), ensure_ascii=False) if as_json else report_text(report))


@cli.command("batch")
@click.argument("paths", nargs=-1, required=True)
@click.option("--db", metavar="PATH|URL", help="Database: an SQLite file's path, or a URL (SQLAlchemy): sqlite:///FILE, "
              "postgresql://USER@HOST/DB. Default when no output is given: decextract.sqlite in the working directory.")
@click.option("--jsonl", metavar="FILE", help="Also/instead write JSON Lines to FILE.")
@click.option("--csv", "csv_dir", metavar="DIR", help="Also/instead write one CSV per table into DIR.")
@click.option("--parquet", "parquet_dir", metavar="DIR", help="Also/instead write Parquet partitions into DIR.")
@click.option("-j", "--jobs", type=click.IntRange(min=1), default=None,
              help="Worker processes (default: the number of cores).")
@click.option("--force", is_flag=True, help="Re-extract documents already loaded, replacing them.")
@click.option("--retry-failed", is_flag=True, help="Try again files that failed in an earlier run and are unchanged.")
@_limit_options
@click.option("--engine", type=click.Choice(["local", "dask"]), default="local", show_default=True,
              help="Extract in local worker processes or on a Dask distributed cluster.")
@click.option("--scheduler", metavar="tcp://HOST:PORT", help="The Dask scheduler (with --engine dask).")
@click.option("-q", "--quiet", is_flag=True, help="No progress output (the summary is still printed).")
@click.option("--strict", is_flag=True, help="A document loaded with warnings (pages without text, OCR'd pages, "
              "not a disclosure …) is a failure: an error row naming the warnings, its records not loaded.")
def batch_command(paths, db, jsonl, csv_dir, parquet_dir, jobs, force, retry_failed, timeout, max_size, max_memory,
                  follow_links, engine, scheduler, quiet, strict) -> None:
    """Extract every document under PATHS (files, folders, globs) into a database, each exactly once.

    Documents already loaded are skipped; files that cannot be read become rows
    of the errors table and the batch goes on.  Exit status: 0 when nothing
    failed, 1 when some documents failed, 2 when the batch could not run.
    """
    from .batch import run_batch
    from .sinks import open_sinks

    if engine == "dask" and not scheduler:
        raise click.UsageError("--engine dask needs --scheduler tcp://HOST:PORT")
    _existing(paths)  # before any output is created
    quiet = quiet or (click.get_current_context().find_root().obj or {}).get("quiet", False)
    try:
        sinks = open_sinks(db=db, jsonl=jsonl, csv=csv_dir, parquet=parquet_dir)
        try:
            summary = run_batch(paths, sinks, workers=jobs, timeout=timeout or None, force=force, engine=engine,
                                scheduler=scheduler, progress=not quiet, retry_failed=retry_failed,
                                follow_links=follow_links, max_size=max_size, max_memory=max_memory,
                                strict=strict)
        finally:
            for sink in sinks:
                sink.close()
    except DecExtractError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)
    except KeyboardInterrupt:
        click.echo("interrupted: every document written so far is complete; run the same command again to "
                   "load the rest", err=True)
        sys.exit(130)
    click.echo(summary.format())
    sys.exit(1 if summary.failed or summary.not_retried else 0)


@cli.command("tables")
@click.argument("files", nargs=-1, required=True)
@click.option("--csv", "csv_dir", type=click.Path(file_okay=False), metavar="DIR",
              help="Also write each table as a CSV file (UTF-8 with BOM) into DIR.")
@click.option("--xlsx", type=click.Path(dir_okay=False), metavar="FILE",
              help="Also write every table into one Excel workbook: a sheet per table, as printed.")
def tables_command(files: tuple[str, ...], csv_dir: str | None, xlsx: str | None) -> None:
    """List the tables found in each FILE (files, folders, globs): title, table id, unit, pages, rows x columns.

    An empty table (declared 本表无数据) is marked "empty".  Exit status 1 if
    any file could not be read.
    """
    grids: list = []
    status = _every_file(_inputs(files), read_tables, lambda path, found: _list_tables(path, found, csv_dir, grids))
    if xlsx:
        from .exports import write_grids_xlsx

        try:
            write_grids_xlsx(grids, xlsx)
        except DecExtractError as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(2)
    sys.exit(status)


def _list_tables(path: str, found, csv_dir: str | None, grids: list) -> None:
    click.echo(f"{shown(path)}: {len(found)} table(s)")
    for n, (info, table) in enumerate(found, 1):
        first, last = (info.pages[0], info.pages[-1]) if info.pages else ("-", "-")
        pages = f"{first}" if first == last else f"{first}-{last}"
        size = f"{info.n_rows}x{info.n_cols}" + (" empty" if info.empty else "")
        click.echo(f"  {n:>3}  p.{pages:<7} {size:<13} {info.unit or '-':<4} {info.table_id or '-':<40} "
                   f"{info.table or '(untitled)'}")
        if csv_dir and table is not None:
            out = write_table_csv(table, Path(csv_dir), f"{Path(path).stem}-{n:02d}-{info.table_id or 'table'}")
            click.echo(f"       -> {out}")
        grids.append((path, info, table))


@cli.command("review")
@click.argument("file")
@click.option("-o", "--output", type=click.Path(dir_okay=False), metavar="FILE.html",
              help="Where to write the report (default: FILE's name with .review.html, here).")
@click.option("--only", type=click.Choice(["all", "failed"]), default="all", show_default=True,
              help="failed: only the failed checks and the records with warnings (and their pages).")
@click.option("--dpi", type=click.IntRange(36, 600), default=110, show_default=True,
              help="Resolution of the page images.")
def review_command(file: str, output: str | None, only: str, dpi: int) -> None:
    """Write a review report of FILE: one HTML file that shows where every record came from.

    PDF pages are drawn with a box over every figure, table, row and check
    (failed checks and warnings in red); other formats show their text with
    each record's span highlighted.  Click a record to see its box and fields.
    The file works offline: open it in any browser.
    """
    from .review import write_review

    _existing((file,))
    out = Path(output or f"{Path(file).stem}.review.html")
    try:
        write_review(file, out, only_failed=only == "failed", dpi=dpi)
    except DecExtractError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)
    click.echo(str(out))


@cli.command("show")
@click.argument("file")
@click.option("--page", type=click.IntRange(min=1), required=True, help="The page to draw (1-based).")
@click.option("--png", type=click.Path(dir_okay=False), metavar="FILE.png",
              help="Where to write the picture (default: FILE's name with -pN.png, here).")
@click.option("--dpi", type=click.IntRange(36, 600), default=110, show_default=True, help="Resolution.")
def show_command(file: str, page: int, png: str | None, dpi: int) -> None:
    """Draw one page of a PDF with a box over every record on it, as a PNG; list those records.

    Boxes are coloured by kind (figure blue, table green, table row orange,
    performance rows purple, check teal); failed checks and warnings are red.
    """
    from .review import page_png, review_of
    from .review.pages import PdfPages
    from .review.report import summary

    _existing((file,))
    try:
        review = review_of(file)
        if review.document.format != "pdf":
            raise click.UsageError(f"{file} is {review.document.format}, not PDF: show draws PDF pages; "
                                   "`decextract review` shows any format")
        with PdfPages(file) as pages:
            if page > pages.count:
                raise click.BadParameter(f"{file} has {pages.count} page(s)", param_hint="--page")
            data = page_png(pages, page, review.marks, dpi)
        out = Path(png or f"{Path(file).stem}-p{page}.png")
        out.write_bytes(data)
    except DecExtractError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)
    except OSError as exc:
        click.echo(f"error: {out}: cannot write: {exc.strerror or exc}", err=True)
        sys.exit(2)
    click.echo(str(out))
    for mark in sorted((m for m in review.marks if m.page == page and m.bbox), key=lambda m: (m.bbox[1], m.bbox[0])):
        box = ",".join(f"{v:.1f}" for v in mark.bbox)
        flag = " FAILED" if mark.failed else ""
        click.echo(f"  {mark.kind:<22} {box:<27}{flag} {summary(review.records[mark.record])}")


@cli.command("export")
@click.option("--db", required=True, metavar="PATH|URL", help="The batch database: an SQLite file or a URL.")
@click.option("--xlsx", type=click.Path(dir_okay=False), metavar="FILE", help="Write an Excel workbook, a sheet per table.")
@click.option("--csv", "csv_dir", type=click.Path(file_okay=False), metavar="DIR",
              help="Write one CSV per table (UTF-8 with BOM) into DIR.")
@click.option("--dta", "dta_dir", type=click.Path(file_okay=False), metavar="DIR",
              help="Write one Stata .dta per table into DIR (needs pandas).")
@click.option("--table", "tables", multiple=True, metavar="NAME",
              help="Export only this table (figures, table_rows, checks …); repeat for more.")
def export_command(db: str, xlsx: str | None, csv_dir: str | None, dta_dir: str | None, tables: tuple[str, ...]) -> None:
    """Export a batch database as Excel, CSV or Stata files, for spreadsheets and statistics.

    Decimals are numbers in Excel and Stata, with their exact text in a
    neighbouring <column>_text column; CSV holds the exact text.  The database
    is only read.
    """
    from . import exports
    from .database import open_readonly

    if not (xlsx or csv_dir or dta_dir):
        raise click.UsageError("give at least one of --xlsx FILE, --csv DIR, --dta DIR")
    try:
        engine = open_readonly(db)
        sheets = exports.sheets_of_database(engine, tables or None)
    except DecExtractError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)
    _write_exports(sheets, xlsx, csv_dir, dta_dir)


@cli.command("indicators")
@click.argument("paths", nargs=-1)
@click.option("--db", metavar="PATH|URL", help="Read the indicators of a batch database instead of extracting files.")
@click.option("-o", "--output", type=click.Path(dir_okay=False), metavar="FILE",
              help="Write the panel: FILE.xlsx (sheets panel, sources, concepts), .csv (UTF-8 with BOM), "
                   ".parquet or .dta. Without it the indicators are printed, one per line.")
@_limit_options
def indicators_command(paths: tuple[str, ...], db: str | None, output: str | None, timeout, max_size, max_memory,
                       follow_links) -> None:
    """The key indicators of each disclosure under PATHS (files, folders, globs), or of a batch database:
    one row per disclosure (its PDF, DOCX, TXT … counted once), one column per concept (收入总计,
    “三公”经费合计 …, docs/concepts.md), each value with the file and page it was read from.

    \b
    decextract indicators ../shared/samples/corpus -o panel.xlsx
    decextract indicators --db decextract.sqlite -o panel.dta

    Each document is extracted in a worker process under the same limits as
    extract and batch.  Exit status 1 if any file could not be read (the others
    are in the panel).
    """
    from .panel import FORMATS, panel_of_database, panel_of_records, write_panel
    from .tabulate import print_rows

    if bool(paths) == bool(db):
        raise click.UsageError("give files or folders to extract, or --db with a batch database (not both)")
    if output and Path(output).suffix.lower() not in FORMATS:
        raise click.BadParameter(f"{output}: the panel is written as {', '.join(FORMATS)}", param_hint="-o")
    status = 0
    try:
        if db:
            from .database import open_readonly

            panel = panel_of_database(open_readonly(db))
        else:
            kept: list = []
            status = _every_document(_inputs(paths, follow_links), lambda _path, records: kept.extend(records),
                                     timeout=timeout or None, max_size=max_size, max_memory=max_memory)
            if status == 2:  # no worker could start
                sys.exit(2)
            panel = panel_of_records(kept)
    except DecExtractError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)
    if output:
        try:
            log.info("wrote %s: %d disclosure(s)", write_panel(panel, output), len(panel.disclosures))
        except DecExtractError as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(2)
    else:
        sheet = panel.sources()
        keep = ("disclosure_id", "indicator", "name", "value", "basis", "source_kind", "file", "page", "location",
                "agrees")
        index = [sheet.columns.index(c) for c in keep]
        print_rows(keep, ([row[i] for i in index] for row in sheet.rows()))
    sys.exit(status)


@cli.command("query")
@click.argument("sql")
@click.option("--db", required=True, metavar="PATH|URL", help="The database: an SQLite file or a URL.")
@click.option("--csv", "as_csv", is_flag=True, help="Print CSV instead of a table.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON Lines, one object per row.")
@click.option("-p", "--param", "params", nargs=2, multiple=True, metavar="NAME VALUE",
              help="A value for :NAME in the SQL; repeat for more.")
def query_command(sql: str, db: str, as_csv: bool, as_json: bool, params) -> None:
    """Run SQL on a decextract database (read-only) and print the rows as a table, CSV or JSON.

    \b
    decextract query --db decextract.sqlite "SELECT rule, formula FROM checks WHERE NOT ok"
    """
    from .database import open_readonly, run_query
    from .tabulate import print_rows

    if as_csv and as_json:
        raise click.UsageError("give --csv or --json, not both")
    try:
        engine = open_readonly(db)
    except DecExtractError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)
    try:
        columns, rows = run_query(engine, sql, dict(params))
        print_rows(columns, rows, "csv" if as_csv else "json" if as_json else "table")
    except DecExtractError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)
    finally:
        engine.dispose()


def _each_file(files: tuple[str, ...], read):
    """``(path, read(path))`` for each file that can be read; the others are reported on stderr
    with the reason, and the command exits 1 at the end when any failed."""
    failed = 0
    for path in files:
        log.debug("reading %s", path)
        started = time.monotonic()
        try:
            result = read(path)
        except DecExtractError as exc:
            failed += 1
            click.echo(f"error: {one_line(str(exc))}", err=True)
            continue
        _log_read(path, result, time.monotonic() - started)
        yield path, result
    if failed:
        click.echo(f"{failed} of {len(files)} file(s) failed", err=True)
        sys.exit(1)


def _log_read(path: str, result, seconds: float) -> None:
    """INFO: what was read; WARNING: the document's warnings, and a document with nothing in it."""
    result = getattr(result, "records", result)  # an audit report: the records it was made of
    items = [r for r in result if not isinstance(r, tuple)]
    document = items[0] if items and getattr(items[0], "TYPE", None) == "document" else None
    path = shown(path)  # a newline in a file name cannot forge a log line
    log.info("%s: %d %s in %.1f s", path, len(result), "records" if document else "tables", seconds)
    if document is None:
        return
    for notice in document.warnings:
        pages = f" (pages {', '.join(map(str, notice.pages))})" if notice.pages else ""
        if pages and ("(page " in notice.message or "(pages " in notice.message):
            pages = ""  # the message names them already
        log.warning("%s: %s: %s%s", path, notice.code, notice.message, pages)
    if len(items) == 1:
        log.warning("%s: no figures or tables found", path)


def main() -> None:
    cli()
