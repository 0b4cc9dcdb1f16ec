"""The ``decextract`` command line: a thin layer over the library."""

from __future__ import annotations

import sys

import click

from . import __version__
from .errors import DecExtractError
from .pipeline import extract
from .records import to_json


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
    failed = 0
    for path in files:
        try:
            records = extract(path)
        except DecExtractError as exc:
            failed += 1
            click.echo(f"error: {exc}", err=True)
            continue
        output.write("".join(to_json(r) + "\n" for r in records))
        output.flush()
    if failed:
        click.echo(f"{failed} of {len(files)} file(s) failed", err=True)
        sys.exit(1)


def main() -> None:
    cli()
