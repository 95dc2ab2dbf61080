"""Building, publishing and verifying releases.

- `build(root, out)`: validate, then write one Parquet file per table and a
  datapackage.json (no version, no date) into `out`. The same coding gives the same bytes.
- `publish(root, version)`: validate, build, diff against the previous release, and move the
  new release folder `releases/vX.Y.Z/` into place in one rename. A version that exists is
  refused; earlier releases are never touched.
- `verify(releases, version)`: every file of every (or one) release against its SHA256SUMS
  and datapackage.json.

The bytes of each file come from parquet.py (the pinned writer).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

import polars as pl

from gsi_events import citation, loading
from gsi_events.coders.agreement import agreement
from gsi_events.compile import schema
from gsi_events.compile.pipeline import compile_repository
from gsi_events.compile.read import read_retired
from gsi_events.diff import BUMPS, bump_between, compare_releases, render_diff
from gsi_events.fileops import locked, write_files
from gsi_events.integrity import (  # noqa: F401  (verify is re-exported for callers here)
    CHANGELOG_FILE,
    CHANGES_FILE,
    CITATION_FILE,
    DIFF_FILE,
    PARTIAL,
    release_path,
    verify,
    verify_release,
)
from gsi_events.loading import DATAPACKAGE, SUMS_FILE, folder_name, sha256
from gsi_events.problems import Problem, ProblemsFound
from gsi_events.release import datapackage
from gsi_events.release.committed import uncommitted
from gsi_events.release.parquet import arrow_table, build_info, csv_bytes, parquet_bytes
from gsi_events.release.rules import RELEASE_RULES

# The first release (the data-package-version recipe: 0.1.0 while the data is developed
# in public, 1.0.0 when it is released for use the first time).
FIRST_VERSIONS = ("0.1.0", "1.0.0")


@dataclass
class Built:
    files: dict[str, bytes]  # Parquet file name -> bytes
    frames: dict[str, Any]  # table -> polars DataFrame, typed as in the files
    resources: list[dict[str, Any]]
    sources: list[dict[str, Any]]  # datapackage `sources` entries of the archived texts
    quality: dict[str, Any] | None = None  # inter-coder agreement, when double-coded

    def datapackage(self, version: str | None = None, created: str | None = None
                    ) -> dict[str, Any]:

        return datapackage.descriptor(self.resources, sources=self.sources,
                                      build=build_info(), version=version, created=created,
                                      quality=self.quality)


def quality(root: Path, main: Any = None) -> dict[str, Any]:
    """Inter-coder agreement between coding/ and coding/second/, as the data stands, and
    the figures of the blind pass (docs/agreement-blind-pass.json) where recorded. `main`:
    the main coding's Repository as the build read it (not read again)."""

    result, problems = agreement(root, main)
    if problems or not result.sources:
        return {}
    out: dict[str, Any] = {"intercoder_agreement": result.as_dict()}
    blind = root / "docs" / "agreement-blind-pass.json"
    if blind.is_file():
        out["intercoder_agreement_blind_pass"] = {
            "note": "The newest blind pass: a second coder who saw only the codebook, the "
                    "source records and the sources coded randomly chosen sources, compared "
                    "with the main coding as it was then, before any correction; see "
                    "docs/agreement.md.",
            **json.loads(blind.read_text(encoding="utf-8")),
        }
    return out


def build_release(root: Path, coding_files: Sequence[Path] | None = None) -> Built:
    """Validate everything, then render each table as Parquet. Raises ProblemsFound."""


    compiled = compile_repository(root, coding_files)
    if compiled.problems:
        raise ProblemsFound(compiled.problems)
    files: dict[str, bytes] = {}
    frames: dict[str, Any] = {}
    resources = []
    for name in schema.TABLES:
        tbl = arrow_table(name, compiled.tables[name])
        data = parquet_bytes(tbl)
        path = f"{name}.parquet"
        files[path] = data
        frames[name] = pl.from_arrow(tbl)
        resources.append(datapackage.resource(name, path, data))
    for name in schema.TABLES:  # the same tables as CSV, for R, Stata, Excel and SQL users
        path = f"{name}.csv"
        files[path] = csv_bytes(frames[name])
        resources.append(datapackage.csv_resource(name, path, files[path]))
    sources = datapackage.source_entries(compiled.tables["sources"].to_dicts())
    # the agreement figures compare coding/ (as compiled above, when it was read whole)
    # with coding/second/: the repository is read once
    main = compiled.repo if coding_files is None else None
    return Built(files=files, frames=frames, resources=resources, sources=sources,
                 quality=quality(root, main))


def dumps(d: dict[str, Any]) -> bytes:
    return (json.dumps(d, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def _write_file(path: Path, data: bytes) -> None:
    with open(path, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _replace_file(path: Path, data: bytes) -> None:
    """Write a file by writing a temporary one beside it and renaming it into place."""
    tmp = path.with_name(f".{path.name}{PARTIAL}{os.getpid()}")
    try:
        _write_file(tmp, data)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def build(root: Path, out: Path, coding_files: Sequence[Path] | None = None
          ) -> dict[str, Any]:
    """`gsi-events build --out DIR`: the release's tables without publishing them."""
    out = Path(out)
    releases_dir = Path(str(loading.releases_location())).resolve()
    for inside in (releases_dir, (Path(root) / "releases").resolve()):
        if out.resolve() == inside or out.resolve().is_relative_to(inside):
            raise ProblemsFound([RELEASE_RULES.problem("build.into_releases", str(out), "",
                                                       out=out, inside=inside)])
    if (out / SUMS_FILE).exists():
        raise ProblemsFound([RELEASE_RULES.problem("build.published", str(out), "")])
    built = build_release(root, coding_files)
    dp = built.datapackage()
    out.mkdir(parents=True, exist_ok=True)  # an OSError propagates: the command reports it
    write_files(out, {**built.files, DATAPACKAGE: dumps(dp)})
    return dp


# --- publishing ---------------------------------------------------------------------------


def release_tables(release: loading.Release) -> dict[str, Any]:
    return {name: release.load(name) for name in release.tables}


def changes_entry(version: str, date: str, diff: dict[str, Any], message: str | None) -> str:

    note = (message or "").strip() or ("First release." if diff["from"] is None else "")
    parts = [f"## {version} ({date})", ""]
    if note:
        parts += [note, ""]
    parts.append(render_diff(diff))
    return "\n".join(parts) + "\n"


def sums_text(files: dict[str, bytes]) -> str:
    return "".join(f"{sha256(data)}  {name}\n" for name, data in sorted(files.items()))


def changelog_text(releases: Path | Traversable) -> str:
    head = ("# Changelog\n\n"
            "One entry per published release, newest first. Each entry is also kept in its\n"
            f"release folder ({CHANGES_FILE}), beside the machine-readable diff against the\n"
            f"previous release ({DIFF_FILE}). Written by `gsi-events release`.\n")
    entries = [releases.joinpath(folder_name(v), CHANGES_FILE).read_text(encoding="utf-8")
               for v in reversed(loading.versions(releases))]
    return head + "".join("\n" + e for e in entries)


def citation_text(releases: Path | Traversable) -> str:
    """CITATION.cff for the newest release (before the first: for the dataset as such)."""

    if not loading.versions(releases):
        return citation.cff(datapackage.jsonable(datapackage.package_metadata()))
    r = loading.release_info(None, releases)
    return citation.cff(r.datapackage, r.version, r.date, r.datapackage_sha256)


def publish(root: Path, version: str, *, releases: Path | None = None,
            message: str | None = None, created: dt.datetime | None = None,
            coding_files: Sequence[Path] | None = None,
            allow_uncommitted: bool = False) -> Path:
    """`gsi-events release X.Y.Z`: validate, build and publish releases/vX.Y.Z/ in one
    step. Raises ProblemsFound, leaving everything as it was, when anything is wrong.

    Refused: data with changes git has not committed (coding/, archive/, schemas/; see
    gsi_events.release.committed) unless `allow_uncommitted`; a first release other than
    FIRST_VERSIONS; a release from which events or sources of the previous one are gone
    without being retired in coding/retired.yaml.

    With the default releases folder (root/releases) it also rewrites root/CITATION.cff
    for the new release; it always rewrites the releases folder's CHANGELOG.md.

    Under a kill or a full disk: the release folder appears by one rename or not at all.
    CHANGELOG.md and CITATION.cff are written after that rename (they cannot be part of
    it), and are derived from the published releases alone, so a later run repairs them:
    running `release X.Y.Z` again for a published X.Y.Z whose CHANGELOG.md or CITATION.cff
    is stale rewrites them and succeeds. Hidden `.vX.Y.Z.partial-*` folders and
    `.CHANGELOG.md.partial-*` files left by a killed run are deleted by the next run.
    Runs hold the checkout's lock (gsi_events.fileops.locked), so two never interleave."""
    version = version.removeprefix("v")
    if not loading.VERSION.fullmatch(version):
        raise ProblemsFound([_problem("release.version", version)])
    loc = Path(root) / "releases" if releases is None else Path(releases)
    with locked(Path(root), f"release {version}"):
        created_loc = not loc.exists()
        try:  # an OSError (disk full, read-only) propagates: the command reports it
            return _publish(Path(root), version, loc, releases is None, message, created,
                            coding_files, allow_uncommitted)
        finally:
            if created_loc and loc.is_dir() and not any(loc.iterdir()):
                loc.rmdir()  # a failed first release leaves no empty releases/ folder


def _problem(key: str, version: str, /, **values: Any) -> Problem:
    """A problem of the release `version` (RELEASE_RULES says its words)."""
    return RELEASE_RULES.problem(key, release_path(version), "", version=version, **values)


def _derived(root: Path, loc: Path, is_default: bool) -> dict[Path, bytes]:
    """CHANGELOG.md (and CITATION.cff) as the published releases make them."""
    out = {loc / CHANGELOG_FILE: changelog_text(loc).encode("utf-8")}
    if is_default:
        out[root / CITATION_FILE] = citation_text(loc).encode("utf-8")
    return out


def _stale(derived: dict[Path, bytes]) -> bool:
    return any(not p.is_file() or p.read_bytes() != data for p, data in derived.items())


def _blocking(problems: list[Problem]) -> list[Problem]:
    """Problems of the published releases that stop a release: all but a stale
    CHANGELOG.md or CITATION.cff, which every run rewrites."""
    return [p for p in problems if p.rule != "release.unfinished"]


def _clean_partials(root: Path, loc: Path) -> None:
    """Delete what a killed run left: `.vX.Y.Z.partial-*` folders and `.NAME.partial-*`
    files. Only called under the checkout's lock, when no other run can be writing."""
    for folder in (loc, root):
        if not folder.is_dir():
            continue
        for p in folder.iterdir():
            if not (p.name.startswith(".") and PARTIAL in p.name):
                continue
            if p.is_dir() and not p.is_symlink():
                for sub in (p, *p.rglob("*")):  # files are read-only; folders must not be
                    if sub.is_dir() and not sub.is_symlink():
                        sub.chmod(0o755)
                shutil.rmtree(p)
            else:
                p.unlink()


def _publish(root: Path, version: str, loc: Path, is_default: bool, message: str | None,
             created: dt.datetime | None, coding_files: Sequence[Path] | None,
             allow_uncommitted: bool) -> Path:

    _clean_partials(root, loc)
    final = loc / folder_name(version)
    have = loading.versions(loc)
    if version in have or final.exists() or final.is_symlink():
        derived = _derived(root, loc, is_default) if version in have else {}
        if derived and _stale(derived) and not _blocking(verify(loc)[1]):
            for path, data in derived.items():  # finish an interrupted run
                _replace_file(path, data)
            return final
        raise ProblemsFound([_problem("release.exists", version)])
    if have and loading.version_key(version) < loading.version_key(have[-1]):
        raise ProblemsFound([_problem("release.order", version, newest=have[-1])])
    if not have and version not in FIRST_VERSIONS:
        raise ProblemsFound([_problem("release.first_version", version,
                                      first=" or ".join(FIRST_VERSIONS))])
    problems = _blocking(verify(loc)[1])
    if problems:
        raise ProblemsFound([*problems, _problem("release.earlier_invalid", version)])
    if not allow_uncommitted:
        problems = uncommitted(root)
        if problems:
            raise ProblemsFound(problems)

    built = build_release(root, coding_files)
    if built.frames["events"].height == 0:
        raise ProblemsFound([_problem("release.empty", version)])
    when = (created or dt.datetime.now(dt.UTC)).astimezone(dt.UTC).replace(microsecond=0)
    stamp = when.strftime("%Y-%m-%dT%H:%M:%SZ")
    dp = built.datapackage(version=version, created=stamp)
    previous = loading.release_info(have[-1], loc) if have else None
    diff = compare_releases(release_tables(previous) if previous else None, built.frames,
                   previous.datapackage if previous else None, dp)
    if previous is not None:
        need, got = diff["required_bump"], bump_between(previous.version, version)
        if need is None:
            raise ProblemsFound([_problem("release.unchanged", version,
                                          previous=previous.version)])
        problems = _unretired(version, previous.version, diff, read_retired(root)[0])
        if got is None or BUMPS.index(got) < BUMPS.index(need):
            problems.append(_problem(
                "release.version_recipe", version, previous=previous.version, got=got,
                need=need, changes="\n".join(f"  {lv}: {s}" for lv in BUMPS[::-1]
                                             for s in diff["schema"][lv] + diff["data"][lv])))
        if problems:
            raise ProblemsFound(problems)

    files = dict(built.files)
    files[DATAPACKAGE] = dumps(dp)
    files[DIFF_FILE] = dumps(diff)
    files[CHANGES_FILE] = changes_entry(version, stamp[:10], diff, message).encode("utf-8")
    files[SUMS_FILE] = sums_text(files).encode("utf-8")

    loc.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{folder_name(version)}{PARTIAL}", dir=loc))
    try:
        for name, data in files.items():
            _write_file(tmp / name, data)
            os.chmod(tmp / name, 0o444)
        os.chmod(tmp, 0o755)
        _fsync_dir(tmp)
        if final.exists():
            raise FileExistsError(f"{final} appeared while the release was being written")
        os.rename(tmp, final)  # the one step that publishes
        _fsync_dir(loc)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    derived = _derived(root, loc, is_default)
    before = {path: path.read_bytes() if path.is_file() else None for path in derived}
    try:
        for path, data in derived.items():
            _replace_file(path, data)
    except BaseException:  # a full disk: take the release back, so nothing is written
        _unpublish(final, loc)
        for path, data in before.items():
            with contextlib.suppress(OSError):  # else stale: the next run rewrites it
                if data is None:
                    path.unlink(missing_ok=True)
                else:
                    _replace_file(path, data)
        raise
    return final


def _unretired(version: str, previous: str, diff: dict[str, Any],
               retired: dict[str, set[str]]) -> list[Problem]:
    """Events and sources of the previous release that this one no longer has, unless
    coding/retired.yaml retires them: an id is never reused, and users of the previous
    release must be able to see that it was withdrawn on purpose."""
    problems = []
    for table, key in (("events", "event_id"), ("sources", "source_id")):
        removed = diff["tables"].get(table, {}).get("removed") or []
        gone = sorted(str(r.get(key)) for r in removed if isinstance(r, dict)
                      and r.get(key) not in retired.get(table, set()))
        if gone:
            problems.append(_problem("release.removed_not_retired", version, n=len(gone),
                                     table=table, previous=previous, ids=", ".join(gone)))
    return problems


def _unpublish(final: Path, loc: Path) -> None:
    """Undo the rename of a release whose CHANGELOG.md or CITATION.cff failed to write."""
    hidden = loc / f".{final.name}{PARTIAL}undo-{os.getpid()}"
    os.rename(final, hidden)
    hidden.chmod(0o755)
    shutil.rmtree(hidden, ignore_errors=True)


# --- verifying ----------------------------------------------------------------------------
