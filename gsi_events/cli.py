"""The gsi-events command. Bad input ends in a list of problems and exit status 1,
never a traceback."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from gsi_events import paths
from gsi_events.problems import render


def default_root() -> Path:
    here = Path.cwd()
    if (here / "schemas").is_dir() and (here / "coding").is_dir():
        return here
    root = paths.repo_root()
    if root is None:
        raise click.UsageError("run this inside a gsi_events checkout, or pass --root")
    return root


root_option = click.option(
    "--root", type=click.Path(file_okay=False, path_type=Path), default=None,
    help="The checkout holding schemas/, archive/ and coding/ (default: this one).")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """Build, check and publish the gsi_events dataset."""


@main.command()
@root_option
def validate(root: Path | None) -> None:
    """Compile every coding file into tables and validate everything."""
    from gsi_events.pipeline import compile_repository, summary

    compiled = compile_repository(root or default_root())
    if compiled.problems:
        click.echo(render(compiled.problems))
        sys.exit(1)
    click.echo("All valid. " + summary(compiled.tables))


@main.command()
@root_option
@click.option("--check", is_flag=True, help="Fail if docs/codebook.md is not current.")
def docs(root: Path | None, check: bool) -> None:
    """Regenerate the codebook's field and vocabulary tables from schemas/."""
    from gsi_events.codebook import update_codebook

    path = (root or default_root()) / "docs" / "codebook.md"
    changed = update_codebook(path, write=not check)
    if check and changed:
        click.echo(f"{path}: generated tables are out of date; run `gsi-events docs`")
        sys.exit(1)
    click.echo(f"{path}: {'updated' if changed else 'current'}")
