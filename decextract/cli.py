"""The ``decextract`` command line: a thin layer over the library."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from . import __version__
from .errors import DecExtractError
from .pipeline import extract, read_tables
from .records import to_json
from .tables.export import write_table_csv


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="decextract")
def cli() -> None:
    """Extract figures, tables and provenance from 部门决算/部门预算 disclosures."""


@cli.command("extract")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("-o", "--output", type=click.File("w", encoding="utf-8"), default="-",
              help="Write the JSON Lines here instead of standard output.")
def extract_command(files: tuple[str, ...], output) -> None:
    """Write the records of each FILE as JSON Lines, one record a line.

    A file that cannot be read is reported on standard error with the reason;
    the other files still run, and the exit status is 1 if any file failed.
    """
    for _, records in _each_file(files, extract):
        output.write("".join(to_json(r) + "\n" for r in records))
        output.flush()


@cli.command("batch")
@click.argument("paths", nargs=-1, required=True)
@click.option("--db", metavar="URL", help="Database URL (SQLAlchemy): sqlite:///FILE, postgresql://USER@HOST/DB. "
              "Default when no output is given: sqlite:///decextract.sqlite in the working directory.")
@click.option("--jsonl", metavar="FILE", help="Also/instead write JSON Lines to FILE.")
@click.option("--csv", "csv_dir", metavar="DIR", help="Also/instead write one CSV per table into DIR.")
@click.option("--parquet", "parquet_dir", metavar="DIR", help="Also/instead write Parquet partitions into DIR.")
@click.option("-j", "--jobs", type=click.IntRange(min=1), default=None,
              help="Worker processes (default: the number of cores).")
@click.option("--force", is_flag=True, help="Re-extract documents already loaded, replacing them.")
@click.option("--timeout", type=click.FloatRange(min=0), default=120.0, show_default=True,
              help="Seconds allowed per document; 0 for no limit.")
@click.option("--engine", type=click.Choice(["local", "dask"]), default="local", show_default=True,
              help="Extract in local worker processes or on a Dask distributed cluster.")
@click.option("--scheduler", metavar="tcp://HOST:PORT", help="The Dask scheduler (with --engine dask).")
@click.option("-q", "--quiet", is_flag=True, help="No progress output (the summary is still printed).")
def batch_command(paths, db, jsonl, csv_dir, parquet_dir, jobs, force, timeout, engine, scheduler, quiet) -> None:
    """Extract every document under PATHS (files, folders, globs) into a database, each exactly once.

    Documents already loaded are skipped; files that cannot be read become rows
    of the errors table and the batch goes on.  Exit status: 0 when nothing
    failed, 1 when some documents failed, 2 when the batch could not run.
    """
    from .batch import run_batch
    from .sinks import open_sinks

    if engine == "dask" and not scheduler:
        raise click.UsageError("--engine dask needs --scheduler tcp://HOST:PORT")
    try:
        sinks = open_sinks(db=db, jsonl=jsonl, csv=csv_dir, parquet=parquet_dir)
        try:
            summary = run_batch(paths, sinks, workers=jobs, timeout=timeout or None, force=force, engine=engine,
                                scheduler=scheduler, progress=not quiet)
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
    sys.exit(1 if summary.failed else 0)


@cli.command("tables")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--csv", "csv_dir", type=click.Path(file_okay=False), metavar="DIR",
              help="Also write each table as a CSV file (UTF-8 with BOM) into DIR.")
def tables_command(files: tuple[str, ...], csv_dir: str | None) -> None:
    """List the tables found in each FILE: title, table id, unit, pages, rows x columns.

    An empty table (declared 本表无数据) is marked "empty".  Exit status 1 if
    any file could not be read.
    """
    for path, found in _each_file(files, read_tables):
        click.echo(f"{path}: {len(found)} table(s)")
        for n, (info, table) in enumerate(found, 1):
            first, last = (info.pages[0], info.pages[-1]) if info.pages else ("-", "-")
            pages = f"{first}" if first == last else f"{first}-{last}"
            size = f"{info.n_rows}x{info.n_cols}" + (" empty" if info.empty else "")
            click.echo(f"  {n:>3}  p.{pages:<7} {size:<13} {info.unit or '-':<4} {info.table_id or '-':<40} "
                       f"{info.table or '(untitled)'}")
            if csv_dir and table is not None:
                out = write_table_csv(table, Path(csv_dir), f"{Path(path).stem}-{n:02d}-{info.table_id or 'table'}")
                click.echo(f"       -> {out}")


def _each_file(files: tuple[str, ...], read):
    """``(path, read(path))`` for each file that can be read; the others are reported on stderr
    with the reason, and the command exits 1 at the end when any failed."""
    failed = 0
    for path in files:
        try:
            result = read(path)
        except DecExtractError as exc:
            failed += 1
            click.echo(f"error: {exc}", err=True)
            continue
        yield path, result
    if failed:
        click.echo(f"{failed} of {len(files)} file(s) failed", err=True)
        sys.exit(1)


def main() -> None:
    cli()
