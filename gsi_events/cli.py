"""The gsi-events command. Bad input ends in a list of problems and exit status 1,
never a traceback."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from gsi_events import imports, paths
from gsi_events.problems import render_problems


def default_root() -> Path:
    """The checkout the working directory lies in (like git), else the one this package
    runs from."""
    here = paths.checkout()
    if here is not None:
        return here
    root = paths.repo_root()
    if root is None:
        raise click.UsageError("run this inside a gsi_events checkout, or pass --root")
    return root


def _checkout_root(ctx: click.Context, param: click.Parameter, value: Path | None
                   ) -> Path | None:
    """--root must name a checkout: a folder with coding/ and archive/ (a missing or empty
    folder would otherwise validate as "0 sources")."""
    if value is not None and not ((value / "coding").is_dir() and (value / "archive").is_dir()):
        raise click.BadParameter(f"{value} is not a gsi_events checkout: it has no coding/ "
                                 "and archive/ folders")
    return value


root_option = click.option(
    "--root", type=click.Path(file_okay=False, path_type=Path), default=None,
    callback=_checkout_root,
    help="The checkout holding schemas/, archive/ and coding/ (default: this one).")


class Checked(click.Command):
    """A command whose text options must be text: invalid UTF-8 in an argument (which
    Python keeps as lone surrogates) is refused before the command runs."""

    def invoke(self, ctx: click.Context) -> object:
        for name, value in ctx.params.items():
            if isinstance(value, str) and any("\ud800" <= c <= "\udfff" for c in value):
                raise click.BadParameter(
                    f"{value.encode('utf-8', 'backslashreplace').decode()!r} is not valid "
                    "UTF-8 text; give it as UTF-8", param_hint=f"--{name.replace('_', '-')}")
        return super().invoke(ctx)


class Commands(click.Group):
    """The command group: a command whose extra is not installed says which to install;
    a command that stops on problems, on a file system error (read-only checkout, disk
    full, permission denied) or on a broken release prints them, never a traceback."""

    command_class = Checked

    def invoke(self, ctx: click.Context) -> object:
        from gsi_events.errors import GsiEventsError, MissingExtra, ProblemsFound
        from gsi_events.fileops import os_problem

        try:
            return super().invoke(ctx)
        except MissingExtra as e:
            click.echo(f"gsi-events: {e}", err=True)
            sys.exit(1)
        except ProblemsFound as e:
            click.echo(render_problems(e.problems))
            sys.exit(1)
        except OSError as e:
            click.echo(render_problems([os_problem(e, _root_of(ctx))]))
            sys.exit(1)
        except GsiEventsError as e:
            click.echo(f"gsi-events: {e}")
            sys.exit(1)


def _root_of(ctx: click.Context) -> Path | None:
    """The checkout a file in a problem is named relative to."""
    try:
        return paths.checkout()
    except OSError:
        return None


@click.group(cls=Commands, context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """Build, check and publish the gsi_events dataset."""
    imports.hide_unused()  # this process is the command's: pandera without pandas


@main.command()
@root_option
def validate(root: Path | None) -> None:
    """Compile every coding file into tables and validate everything."""
    from gsi_events.compile.collector import collections_paused
    from gsi_events.compile.pipeline import compile_repository, summary

    base = root or default_root()
    with collections_paused():  # the compile's objects live to the end: none to collect
        compiled = compile_repository(base)
        if compiled.problems:
            click.echo(render_problems(compiled.problems))
            sys.exit(1)
        click.echo("All valid. " + summary(compiled.tables))
        click.echo(f"Checked the checkout {Path(base).resolve()}.")
        _warn_duplicates(compiled)


def _warn_duplicates(compiled: Any, events: set[str] | None = None) -> None:
    """Print the probable duplicates (of `events` only, when given): warnings, which
    leave the exit status as it is."""
    from gsi_events.coders.duplicates import distinct_pairs, probable_duplicates, render_warnings

    repo = compiled.repo
    found = probable_duplicates(compiled.tables["events"], compiled.tables["participants"],
                                distinct_pairs([*repo.reports, *repo.rejected_reports]))
    if events is not None:
        found = [d for d in found if d.first in events or d.second in events]
    if found:
        click.echo(render_warnings(found))


@main.command()
@root_option
@click.option("--check", is_flag=True, help="Fail if docs/codebook.md is not current.")
def docs(root: Path | None, check: bool) -> None:
    """Regenerate the codebook's field and vocabulary tables from schemas/."""
    from gsi_events.release.codebook import update_codebook

    path = (root or default_root()) / "docs" / "codebook.md"
    changed = update_codebook(path, write=not check)
    if check and changed:
        click.echo(f"{path}: generated tables are out of date; run `gsi-events docs`")
        sys.exit(1)
    click.echo(f"{path}: {'updated' if changed else 'current'}")


# --- the coder's workflow --------------------------------------------------------------


@main.command("add-source")
@root_option
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path), required=False)
@click.option("--cited", is_flag=True,
              help="Record a cited source: its address and details, no text (no PATH).")
@click.option("--url", required=True, help="Address the text was captured or read from.")
@click.option("--publisher", required=True, help="The outlet that published it.")
@click.option("--published", default=None,
              help="Publication date: YYYY-MM-DD, YYYY-MM, YYYY; omit if unknown.")
@click.option("--published-basis", default=None, help="Where the publication date comes from.")
@click.option("--author", default=None)
@click.option("--title", default=None)
@click.option("--via", default=None, help="Aggregator or app the text was captured from.")
@click.option("--type", "source_type", default="international_media", show_default=True,
              help="Source type (see the codebook).")
@click.option("--language", default="en", show_default=True, help="ISO 639-1 code.")
@click.option("--body-begins", default=None, help="First words of the article body.")
@click.option("--body-ends", default=None, help="Last words of the article body.")
@click.option("--accessed", default=None,
              help="Cited sources: the day you read the page, YYYY-MM-DD (default: today).")
@click.option("--capture-note", default=None)
def add_source_cmd(root: Path | None, path: Path | None, cited: bool,
                   **meta: str | None) -> None:
    """Archive the text at PATH byte-for-byte and create its source record; or, with
    --cited and no PATH, record a source whose text is not kept."""
    from gsi_events.coders.archive import add_cited_source, add_source
    from gsi_events.problems import ProblemsFound

    base = root or default_root()
    if cited or path is None:
        if path is not None or not cited:
            click.echo("add-source: give a PATH to archive a text, or --cited without one")
            sys.exit(1)
        if meta.pop("body_begins") or meta.pop("body_ends"):
            click.echo("add-source: --body-begins and --body-ends are for archived texts")
            sys.exit(1)
        try:
            source_id = add_cited_source(base, **meta)  # type: ignore[arg-type]
        except ProblemsFound as e:
            click.echo(render_problems(e.problems))
            sys.exit(1)
        click.echo(f"Recorded the cited source {source_id}: archive/{source_id}.yaml "
                   "(no text is kept)")
        click.echo(f"Next: gsi-events code {source_id}")
        return
    meta.pop("accessed")
    try:
        source_id, notes = add_source(base, path, **meta)  # type: ignore[arg-type]
    except ProblemsFound as e:
        click.echo(render_problems(e.problems))
        sys.exit(1)
    click.echo(f"Archived {path} as {source_id}: archive/{source_id}.txt and "
               f"archive/{source_id}.yaml")
    for note in notes:
        click.echo(f"  note: {note}")
    click.echo(f"Next: gsi-events code {source_id}")


@main.command("code")
@root_option
@click.argument("source_id")
@click.option("--coder", default="coder", show_default=True, help="Your coder name.")
@click.option("--second", is_flag=True, help="Scaffold a second, independent coding.")
def code_cmd(root: Path | None, source_id: str, coder: str, second: bool) -> None:
    """Scaffold coding/SOURCE_ID.yaml with every field and vocabulary in comments."""
    from gsi_events.coders.scaffold import template
    from gsi_events.compile.read import CODING_DIR, SECOND_CODING_DIR, read_source
    from gsi_events.fileops import refuse_outside, write_files

    base = (root or default_root()).resolve()
    source_id = _source_id_named(base, source_id)
    record_path = base / "archive" / f"{source_id}.yaml"
    if not record_path.is_file():
        click.echo(f"{record_path}: no such source record; archive the text first "
                   "(gsi-events add-source)")
        sys.exit(1)
    record, problems = read_source(record_path, base)
    if record is None:
        click.echo(render_problems(problems))
        sys.exit(1)
    out = base / (SECOND_CODING_DIR if second else CODING_DIR) / f"{source_id}.yaml"
    if out.exists():
        click.echo(f"{out.relative_to(base)} exists already; edit it instead")
        sys.exit(1)
    refuse_outside(out.parent, base)
    out.parent.mkdir(parents=True, exist_ok=True)
    write_files(out.parent, {out.name: template(record, coder).encode("utf-8")})
    click.echo(f"Wrote {out.relative_to(base)}; when done: gsi-events check "
               f"{out.relative_to(base)}")


def _source_id_named(base: Path, given: str) -> str:
    """The source id `code` was given: an id (src-0001), or the path of its record in the
    checkout's archive/ (archive/src-0001.yaml, absolute or relative). Anything else, such
    as a path outside the checkout or one with `..`, is refused: the coding file is always
    coding/<id>.yaml inside the checkout."""
    from gsi_events.compile.read import SOURCE_FILE

    if SOURCE_FILE.fullmatch(given):
        return given
    path = Path(given)
    if path.suffix == ".yaml" and SOURCE_FILE.fullmatch(path.stem) and ".." not in path.parts:
        for candidate in ((path,) if path.is_absolute() else (base / path, Path.cwd() / path)):
            if candidate.resolve().parent == (base / "archive").resolve():
                return path.stem
    raise click.BadParameter(
        f"{given!r} is neither a source id (src-0001) nor the path of a source record in "
        f"{base / 'archive'}", param_hint="SOURCE_ID")


@main.command("check")
@root_option
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
def check_cmd(root: Path | None, path: Path) -> None:
    """Check one coding file, and say where each of its quotes was found."""
    from gsi_events.compile.collector import collections_paused

    with collections_paused():  # before check's imports: see collections_paused
        _check(root, path)


def _check(root: Path | None, path: Path) -> None:
    from gsi_events.coders.check import check_file

    base = (root or default_root()).resolve()
    target = path if path.is_absolute() else (
        base / path if (base / path).exists() else Path.cwd() / path)
    target = target.resolve()
    if not target.is_file():
        click.echo(f"{path}: no such file")
        sys.exit(1)
    if not target.is_relative_to(base / "coding"):
        click.echo(f"{path}: a coding file lives in {base / 'coding'} (or coding/second/)")
        sys.exit(1)
    compiled, quotes = check_file(base, target)
    for q in quotes:
        click.echo(str(q))
    if compiled.problems:
        click.echo(render_problems(compiled.problems))
        sys.exit(1)
    found = sum(q.span is not None for q in quotes)
    cited = len(quotes) - found
    click.echo(f"{path}: valid; {found} quotes, all found"
               + (f"; {cited} cited passages (checked by people)." if cited else "."))
    coding = next((c for c in compiled.repo.codings
                   if (base / c.file).resolve() == target), None)
    _warn_duplicates(compiled, {r.event_id for r in coding.reports} if coding else set())


@main.command("discrepancies")
@root_option
@click.option("--event", "event_id", default=None, help="Only this event.")
def discrepancies_cmd(root: Path | None, event_id: str | None) -> None:
    """List every field on which an event's sources disagree, and how it was resolved."""
    from gsi_events.compile.pipeline import compile_repository

    compiled = compile_repository(root or default_root())
    if compiled.problems:
        click.echo(render_problems(compiled.problems))
        sys.exit(1)
    rows = compiled.tables["discrepancies"].rows(named=True)
    rows = [r for r in rows if event_id in (None, r["event_id"])]
    from gsi_events.problems import printable

    for r in rows:  # values as coded: a terminal escape or newline in one is shown escaped
        r = {k: printable(str(v)) for k, v in r.items()}
        click.echo(f"{r['event_id']} {r['field']} [{r['kind']}]\n"
                   f"  {r['source_id']} says: {r['reported_value']}\n"
                   f"  canonical ({r['canonical_source_id']}): {r['canonical_value']}\n"
                   f"  why: {r['resolution']}")
    click.echo(f"{len(rows)} discrepancies.")


@main.command("events")
@root_option
@click.option("--text", default=None,
              help="Words that must all occur (any case) in the summary, place or names.")
@click.option("--country", default=None, help="ISO3 code of a participant or group member.")
@click.option("--action", default=None, help="An action, or a pattern: 'training_*'.")
@click.option("--from", "date_from", default=None,
              help="Events whose dates overlap from this day on: YYYY-MM-DD, YYYY-MM, YYYY.")
@click.option("--to", "date_to", default=None, help="... up to this day (same forms).")
def events_cmd(root: Path | None, text: str | None, country: str | None,
               action: str | None, date_from: str | None, date_to: str | None) -> None:
    """List the coded events (compiled from coding/, not a release) that match, one line
    each: id | dates | action (status) | counterpart countries | count | sources |
    summary."""
    from gsi_events.coders.search import describe, find_events, parse_date_bound
    from gsi_events.compile.pipeline import compile_repository

    bounds = {}
    for hint, value, is_end in (("--from", date_from, False), ("--to", date_to, True)):
        try:
            bounds[hint] = parse_date_bound(value, end=is_end) if value else None
        except ValueError as e:
            raise click.BadParameter(str(e), param_hint=hint) from None
    compiled = compile_repository(root or default_root())
    tables = compiled.tables
    found = find_events(tables["events"], tables["participants"], text=text, country=country,
                        action=action, date_from=bounds["--from"], date_to=bounds["--to"])
    for row in found.iter_rows(named=True):
        click.echo(describe(row))
    click.echo(f"{found.height} of {tables['events'].height} events match.")
    if compiled.problems:
        n = len(compiled.problems)
        click.echo(f"(The coded data has {n} problem{'s' if n != 1 else ''}; a report with "
                   "problems is missing here. See gsi-events validate.)", err=True)


@main.command("agreement")
@root_option
@click.option("--json", "json_path", type=click.Path(dir_okay=False, path_type=Path),
              default=None, help="Also write the figures as JSON here.")
def agreement_cmd(root: Path | None, json_path: Path | None) -> None:
    """Inter-coder agreement between coding/ and the second coding in coding/second/."""
    import json

    from gsi_events.coders.agreement import agreement, render_agreement

    result, problems = agreement(root or default_root())
    if problems:
        click.echo(render_problems(problems))
        sys.exit(1)
    if not result.sources:
        click.echo("No source is coded in both coding/ and coding/second/.")
        sys.exit(1)
    click.echo(render_agreement(result))
    if json_path:
        from gsi_events.fileops import write_files

        write_files(json_path.parent, {json_path.name: (json.dumps(
            result.as_dict(), indent=2, ensure_ascii=False) + "\n").encode("utf-8")})
        click.echo(f"Wrote {json_path}")


# --- releases: build, publish, verify, versions, diff, cite ---------------------------


releases_option = click.option(
    "--releases", "releases_dir", type=click.Path(file_okay=False, path_type=Path),
    default=None, help="A releases folder (default: the releases/ of the checkout you are "
    "in; elsewhere the installed package's bundled releases).")


def _releases_named(releases_dir: Path | None) -> str:
    from gsi_events.loading import releases_location

    return str(releases_location(releases_dir))


def _release_error(e: Exception) -> None:
    click.echo(str(e))
    sys.exit(1)


@main.command("build")
@root_option
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), required=True,
              help="Folder to write the Parquet files and datapackage.json to.")
def build_cmd(root: Path | None, out: Path) -> None:
    """Validate, then write the release tables to OUT without publishing them."""
    from gsi_events.problems import ProblemsFound
    from gsi_events.release.publish import build

    try:
        dp = build(root or default_root(), out)
    except ProblemsFound as e:
        click.echo(render_problems(e.problems))
        sys.exit(1)
    for r in dp["resources"]:
        size = r.get('bytes') or (out / r['path']).stat().st_size
        click.echo(f"{out / r['path']}: {size} bytes, {r['hash']}")
    click.echo(f"Wrote {len(dp['resources'])} files (each table as Parquet and as CSV) and "
               f"datapackage.json to {out}.")


@main.command("release")
@root_option
@click.argument("version")
@click.option("-m", "--message", default=None,
              help="A sentence or two for the changelog: what this release adds or corrects.")
@click.option("--allow-uncommitted", is_flag=True,
              help="Publish although coding/, archive/ or schemas/ have changes git has not "
              "committed (a trial release: releases are made from committed data).")
def release_cmd(root: Path | None, version: str, message: str | None,
                allow_uncommitted: bool) -> None:
    """Validate, build and publish releases/vVERSION/ (VERSION is X.Y.Z) from committed
    data. A published version is never written again."""
    from gsi_events.problems import ProblemsFound
    from gsi_events.release.publish import CHANGELOG_FILE, CHANGES_FILE, CITATION_FILE, publish

    base = root or default_root()
    try:
        path = publish(base, version, message=message, allow_uncommitted=allow_uncommitted)
    except ProblemsFound as e:
        click.echo(render_problems(e.problems))
        sys.exit(1)
    click.echo((path / CHANGES_FILE).read_text(encoding="utf-8"))
    rel = path.relative_to(base)
    click.echo(f"Published {rel}/ and rewrote releases/{CHANGELOG_FILE} and {CITATION_FILE}.\n"
               f"Commit them: git add {rel} releases/{CHANGELOG_FILE} {CITATION_FILE}")


@main.command("verify")
@releases_option
@click.argument("version", required=False)
def verify_cmd(releases_dir: Path | None, version: str | None) -> None:
    """Check every release (or VERSION) against its SHA256SUMS and datapackage.json."""
    from gsi_events.integrity import verify

    checked, problems = verify(releases_dir, version)
    if problems:
        click.echo(render_problems(problems))
        sys.exit(1)
    if not checked:
        click.echo("No release is published yet; nothing to verify.")
        return
    click.echo(f"Verified {', '.join(checked)}: every file matches SHA256SUMS and "
               f"datapackage.json (releases in {_releases_named(releases_dir)}).")


@main.command("card")
@releases_option
@click.argument("version", required=False)
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Folder to write into (default: docs/cards/vVERSION in the checkout).")
def card_cmd(releases_dir: Path | None, version: str | None, out: Path | None) -> None:
    """Write a release's data card: card.html (self-contained) and its figures as PNG."""
    import os

    from gsi_events.loading import IntegrityError, ReleaseError, release_info
    from gsi_events.release.card import write_card

    if releases_dir is not None:
        os.environ["GSI_EVENTS_RELEASES"] = str(releases_dir)
    try:
        rel = release_info(version)
        target = out or default_root() / "docs" / "cards" / f"v{rel.version}"
        written = write_card(target, rel.version)
    except (ReleaseError, IntegrityError) as e:
        _release_error(e)
        return
    click.echo(f"Wrote the data card of {rel.version} ({_releases_named(releases_dir)}): "
               f"{written[0]} and {len(written) - 1} figures beside it.")


@main.command("versions")
@releases_option
def versions_cmd(releases_dir: Path | None) -> None:
    """List the published releases, oldest first, with their dates."""
    from gsi_events.loading import IntegrityError, ReleaseError, release_info, versions

    have = versions(releases_dir)
    if not have:
        click.echo(f"No release is published yet (in {_releases_named(releases_dir)}).")
        return
    click.echo(f"Releases in {_releases_named(releases_dir)}:")
    for v in have:
        try:
            click.echo(f"{v}  {release_info(v, releases_dir).date or ''}".rstrip())
        except (ReleaseError, IntegrityError) as e:
            _release_error(e)


@main.command("cite")
@releases_option
@click.option("--version", "version", default=None, help="The release (default: newest).")
@click.option("--format", "fmt", type=click.Choice(["apa", "bibtex", "cff"]), default="apa",
              show_default=True)
def cite_cmd(releases_dir: Path | None, version: str | None, fmt: str) -> None:
    """Print the citation of exactly one release."""
    from gsi_events.citation import cite
    from gsi_events.loading import IntegrityError, ReleaseError

    try:
        click.echo(cite(version, fmt, releases=releases_dir).rstrip("\n"))
    except (ReleaseError, IntegrityError) as e:
        _release_error(e)


@main.command("diff")
@releases_option
@click.argument("old", required=False)
@click.argument("new", required=False)
@click.option("--json", "as_json", is_flag=True, help="Print the machine-readable diff.")
def diff_cmd(releases_dir: Path | None, old: str | None, new: str | None,
             as_json: bool) -> None:
    """What changed from release OLD to release NEW (default: the newest release against
    the one before it): rows added, removed and changed, and which fields changed."""
    import json

    from gsi_events.diff import compare_releases, render_diff
    from gsi_events.loading import IntegrityError, ReleaseError, release_info, version_key
    from gsi_events.loading import versions as list_versions

    try:
        have = list_versions(releases_dir)
        b = release_info(new, releases_dir)
        earlier = [v for v in have if version_key(v) < version_key(b.version)]
        a = release_info(old, releases_dir) if old else (
            release_info(earlier[-1], releases_dir) if earlier else None)
        d = compare_releases({t: a.load(t) for t in a.tables} if a else None,
                    {t: b.load(t) for t in b.tables},
                    a.datapackage if a else None, b.datapackage)
    except (ReleaseError, IntegrityError) as e:
        _release_error(e)
        return
    click.echo(json.dumps(d, indent=2, ensure_ascii=False) if as_json else render_diff(d))
