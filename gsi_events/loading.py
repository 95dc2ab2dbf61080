"""Loading published releases: `gsi_events.load()`, `versions()` and `release_info()`.

Works from an installed wheel (the releases are bundled as package data and read through
importlib.resources) and from a checkout (its releases/ folder). Every file is checked
against the sha256 recorded in its release before it is read.

This module imports the standard library only; polars is imported when a table is read.
It must never import pandera or the validation code (tests/test_load.py checks it).
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import stat
from dataclasses import dataclass, field
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

from gsi_events import paths
from gsi_events.errors import IntegrityError, ReleaseError

RELEASES_ENV = "GSI_EVENTS_RELEASES"  # a releases folder to use instead of the default
VERSION = re.compile(r"^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)$")
SUMS_FILE = "SHA256SUMS"
DATAPACKAGE = "datapackage.json"
SUMS_LINE = re.compile(r"^([0-9a-f]{64}) [ *](.+)$")


def version_key(version: str) -> tuple[int, int, int]:
    a, b, c = version.split(".")
    return int(a), int(b), int(c)


def folder_name(version: str) -> str:
    return f"v{version}"


def releases_location(releases: str | os.PathLike[str] | Traversable | None = None
                      ) -> Traversable:
    """Where releases are read from: the argument, else $GSI_EVENTS_RELEASES, else the
    releases/ folder of the checkout the working directory lies in (as git finds its
    repository), else the copy bundled in the installed package, else the releases/ folder
    of the checkout this package runs from."""
    if releases is not None:
        return Path(releases) if isinstance(releases, str | os.PathLike) else releases
    if os.environ.get(RELEASES_ENV):
        return Path(os.environ[RELEASES_ENV])
    here = paths.checkout()
    if here is not None and (here / "releases").is_dir():
        return here / "releases"
    bundled = resources.files("gsi_events").joinpath("_data", "releases")
    if bundled.is_dir():
        return bundled
    root = paths.repo_root()
    if root is not None:
        return root / "releases"
    return bundled  # absent: versions() is empty and load() says so


# A file of a release folder is named by a plain file name: no folder, no "..", no
# absolute path, nothing hidden.
MEMBER_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.+-]*")


def _is_link(item: Traversable) -> bool:
    return isinstance(item, Path) and item.is_symlink()


def read_member(folder: Traversable, name: object, version: str) -> bytes:
    """The bytes of the file `name` of a release folder. Raises IntegrityError for a name
    that is not a plain file name of the folder (an absolute path, "..", a sub-folder),
    for a symlink, and for anything but a regular file (a pipe, a device such as
    /dev/zero): a release never reads outside its own folder."""
    where = f"{folder_name(version)}/{name}"
    if not isinstance(name, str) or not MEMBER_NAME.fullmatch(name):
        raise IntegrityError(
            f"{folder_name(version)}: the release names the file {name!r}, which is not a "
            "file of its folder (files are plain names, without '/', '..' or a leading "
            "'.'); the release is damaged or forged: run `gsi-events verify`")
    item = folder.joinpath(name)
    if not isinstance(item, Path):  # a bundled release inside an installed package
        try:
            return item.read_bytes()
        except OSError as e:
            raise IntegrityError(f"{where}: cannot be read ({e})") from None
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        fd = os.open(item, flags)
    except FileNotFoundError:
        raise IntegrityError(f"{where}: the file is missing; run `gsi-events verify`") from None
    except OSError as e:
        if item.is_symlink():
            raise IntegrityError(f"{where}: is a symbolic link, never a file of a "
                                 "published release; run `gsi-events verify`") from None
        raise IntegrityError(f"{where}: cannot be read ({e.strerror})") from None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise IntegrityError(f"{where}: is not a regular file (a folder, pipe or "
                                 "device); run `gsi-events verify`")
        with os.fdopen(fd, "rb", closefd=False) as f:
            return f.read()
    finally:
        os.close(fd)


def versions(releases: str | os.PathLike[str] | Traversable | None = None) -> list[str]:
    """The published versions, oldest first (e.g. ['0.1.0', '0.1.1'])."""
    loc = releases_location(releases)
    if not loc.is_dir():
        return []
    found = [p.name[1:] for p in loc.iterdir()
             if p.name.startswith("v") and VERSION.fullmatch(p.name[1:]) and p.is_dir()
             and not _is_link(p) and p.joinpath(DATAPACKAGE).is_file()]
    return sorted(found, key=version_key)


def parse_sums(text: str) -> tuple[dict[str, str], list[str]]:
    """A SHA256SUMS file as {file name: sha256}, and the lines it could not read."""
    sums: dict[str, str] = {}
    bad: list[str] = []
    for line in text.splitlines():
        m = SUMS_LINE.match(line)
        if m:
            sums[m.group(2)] = m.group(1)
        elif line.strip():
            bad.append(line)
    return sums, bad


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass(frozen=True)
class Release:
    """One published release: its version, date and datapackage.json."""

    version: str
    folder: Traversable = field(repr=False)
    datapackage: dict[str, Any] = field(repr=False)
    datapackage_sha256: str = field(repr=False)

    @property
    def created(self) -> str | None:
        return self.datapackage.get("created")

    @property
    def date(self) -> str | None:
        """The release date, YYYY-MM-DD."""
        return self.created[:10] if self.created else None

    @property
    def title(self) -> str:
        return self.datapackage.get("title", self.datapackage.get("name", ""))

    @property
    def tables(self) -> tuple[str, ...]:
        """The tables, by name (their Parquet resources; `<table>-csv` are the same rows)."""
        return tuple(r["name"] for r in self.datapackage.get("resources", [])
                     if r.get("format", "parquet") == "parquet")

    def resource(self, table: str) -> dict[str, Any]:
        for r in self.datapackage.get("resources", []):
            if r["name"] == table:
                return r
        raise ReleaseError(f"release {self.version} has no table {table!r}; "
                           f"its tables: {', '.join(self.tables)}")

    def read_bytes(self, table: str) -> bytes:
        """The table's Parquet file, after checking its size and sha256."""
        r = self.resource(table)
        data = read_member(self.folder, r.get("path"), self.version)
        algorithm, _, expected = str(r.get("hash", "")).rpartition(":")
        if (algorithm != "sha256" or sha256(data) != expected
                or len(data) != r.get("bytes", len(data))):
            raise IntegrityError(
                f"{folder_name(self.version)}/{r['path']}: the file differs from the one "
                f"published (datapackage.json records sha256 {expected or 'none'} and "
                f"{r.get('bytes')} bytes; found {sha256(data)} and {len(data)} bytes). "
                "Published releases never change: run `gsi-events verify`, and restore the "
                "file from the repository or a fresh install.")
        return data

    def load(self, table: str = "events") -> Any:
        """The table as a polars DataFrame (rows sorted by primary key)."""
        import polars as pl

        return pl.read_parquet(io.BytesIO(self.read_bytes(table)))


def release_info(version: str | None = None,
                 releases: str | os.PathLike[str] | Traversable | None = None) -> Release:
    """The named release (e.g. '0.1.0'), or the newest one."""
    loc = releases_location(releases)
    have = versions(loc)
    if not have:
        raise ReleaseError(f"no release is published yet (looked in {loc})")
    if version is None:
        version = have[-1]
    version = str(version).removeprefix("v")
    if version not in have:
        raise ReleaseError(f"no release {version!r}; published releases: {', '.join(have)}")
    folder = loc.joinpath(folder_name(version))
    raw = read_member(folder, DATAPACKAGE, version)
    try:
        sums_text = read_member(folder, SUMS_FILE, version).decode("utf-8")
    except UnicodeDecodeError:
        raise IntegrityError(f"{folder_name(version)}/{SUMS_FILE} is not UTF-8 text; run "
                             "`gsi-events verify`") from None
    if parse_sums(sums_text)[0].get(DATAPACKAGE) != sha256(raw):
        raise IntegrityError(
            f"{folder_name(version)}/{DATAPACKAGE} differs from the one published (its "
            f"sha256 is not the one in {SUMS_FILE}); run `gsi-events verify`.")
    return Release(version=version, folder=folder,
                   datapackage=datapackage_of(raw, version), datapackage_sha256=sha256(raw))


def datapackage_of(raw: bytes, version: str) -> dict[str, Any]:
    """A release's datapackage.json, checked for the shape everything here relies on;
    ReleaseError saying what is wrong otherwise."""
    where = f"{folder_name(version)}/{DATAPACKAGE}"
    try:
        dp = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as e:
        raise ReleaseError(f"{where} is not valid JSON text ({type(e).__name__}); the "
                           "release is damaged: run `gsi-events verify`") from None
    wrong = ("is not a JSON object" if not isinstance(dp, dict) else
             "has no name" if not isinstance(dp.get("name"), str) else
             f"records version {dp.get('version')!r}, not {version}"
             if dp.get("version") != version else
             "has no list of resources" if not isinstance(dp.get("resources"), list) else
             "has a resource without a name and path" if not all(
                 isinstance(r, dict) and isinstance(r.get("name"), str)
                 and isinstance(r.get("path"), str) for r in dp["resources"]) else "")
    if wrong:
        raise ReleaseError(f"{where} {wrong}: it is not the metadata of release {version}; "
                           "run `gsi-events verify`")
    return dp


def load(table: str = "events", version: str | None = None, *,
         releases: str | os.PathLike[str] | Traversable | None = None) -> Any:
    """One table of a published release as a polars DataFrame: the newest release, or the
    named version. The file's sha256 is checked first. Pandas users: `.to_pandas()`.

    The version is part of what you cite: pass it explicitly in analysis code
    (`load("events", version="0.1.0")`), or look it up with `release_info().version`.
    """
    return release_info(version, releases).load(table)
