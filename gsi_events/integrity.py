"""Checking published releases against what was recorded when they were published:
`gsi-events verify`. Part of the data users' install (standard library only), so anyone
holding a release can check it without the coding extra.

Each release folder is checked against its SHA256SUMS and datapackage.json; the newest
against the sha256 of its datapackage.json recorded in CITATION.cff; and every release
against its entry in releases/CHANGELOG.md. Only regular files named plainly inside a
release folder are read. The rules a release can break are declared in VERIFY_RULES, with
their words.
"""

from __future__ import annotations

import json
import re
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

from gsi_events import loading
from gsi_events.loading import DATAPACKAGE, SUMS_FILE, folder_name, parse_sums, sha256
from gsi_events.problems import Problem, Rules

CHANGES_FILE = "CHANGES.md"  # this release's changelog entry
DIFF_FILE = "diff.json"  # machine-readable diff against the previous release
CHANGELOG_FILE = "CHANGELOG.md"  # in releases/: every entry, newest first
CITATION_FILE = "CITATION.cff"
PARTIAL = ".partial-"  # marks a release folder still being written

VERIFY_RULES = Rules({
    # --- one release's files against its SHA256SUMS and datapackage.json ---------------
    "release.symlink": "the release folder is a symbolic link, not a published release; "
                       "delete it",
    "release.unreadable": "{why}",
    "release.sums_missing": "{sums} is missing",
    "release.sums_format": "line not of the form '<sha256>  <file>': {line!r}",
    "release.sums_format:utf8": "not UTF-8 text (byte {byte})",
    "release.file_missing": "listed in {sums} but missing",
    "release.hash": "sha256 is {actual}, but {sums} records {expected}: the file changed "
                    "after publication",
    "release.file_unlisted": "not listed in {sums}: added after publication",
    "release.datapackage_missing": "{datapackage} is missing",
    "release.datapackage_json": "not valid JSON: {why}",
    "release.datapackage_json:not_an_object": "not a JSON object",
    "release.version_mismatch": "records version {found!r}, but the folder is {folder}",
    "release.resource_missing": "resource {name!r}: its file {path!r} is missing",
    "release.bytes": "{size} bytes, but {datapackage} records {recorded}",
    "release.resource_hash": "sha256 is {actual}, but {datapackage} records {recorded}",
    # --- the releases folder, and what the checkout recorded -----------------------------
    "release.unknown": "no release {version}; published: {published}",
    "release.partial": "left by a release that was interrupted while being written (nothing "
                       "of it was published): the next `gsi-events release` deletes it, or "
                       "delete it",
    "release.symlink:listed": "a symbolic link, not a published release (it is never "
                              "loaded): delete it",
    "release.unfinished": "has no entry for {missing}: a release run was interrupted; run "
                          "`gsi-events release {last}` again to finish it",
    "release.unfinished:citation": "cites {cited}, not the newest release {newest}: a "
                                   "release run was interrupted; run `gsi-events release "
                                   "{newest}` again to finish it",
    "release.citation_hash": "sha256 is {actual}, but {citation} records {recorded} for this "
                             "release: its {datapackage} changed after publication (with "
                             "{sums} rewritten to match), or {citation} was edited",
}, sums=SUMS_FILE, datapackage=DATAPACKAGE, citation=CITATION_FILE)


def _release_named(name: str) -> bool:
    return name.startswith("v") and loading.VERSION.fullmatch(name[1:]) is not None


def release_path(version: str, file: str = "") -> str:
    """Where a problem of a release (or of one of its files) is shown to be."""
    return f"releases/{folder_name(version)}" + (f"/{file}" if file else "")


def _files(folder: Traversable, prefix: str = "") -> list[str]:
    out = []
    for p in folder.iterdir():
        if p.is_dir() and not loading._is_link(p):
            out += _files(p, f"{prefix}{p.name}/")
        else:
            out.append(prefix + p.name)
    return sorted(out)


def verify_release(folder: Traversable, version: str) -> list[Problem]:
    """Every file of one release against its SHA256SUMS and datapackage.json. Reads only
    regular files of the folder itself (loading.read_member): a name with '/' or '..', a
    symlink, a pipe or a device is a problem, never read."""
    problems: list[Problem] = []

    def problem(key: str, file: str, **values: Any) -> None:
        problems.append(VERIFY_RULES.problem(key, release_path(version, file), "", **values))

    def read(name: str) -> bytes | None:
        try:
            return loading.read_member(folder, name, version)
        except loading.IntegrityError as e:
            problem("release.unreadable", name, why=e)
            return None

    if loading._is_link(folder):
        problem("release.symlink", "")
        return problems
    present = _files(folder)
    if SUMS_FILE not in present:
        problem("release.sums_missing", SUMS_FILE)
        return problems
    raw_sums = read(SUMS_FILE)
    if raw_sums is None:
        return problems
    try:
        sums, bad = parse_sums(raw_sums.decode("utf-8"))
    except UnicodeDecodeError as e:
        problem("release.sums_format:utf8", SUMS_FILE, byte=e.start)
        return problems
    for line in bad:
        problem("release.sums_format", SUMS_FILE, line=line)
    for name, expected in sorted(sums.items()):
        if name not in present:
            problem("release.file_missing", name)
            continue
        data = read(name)
        if data is None:
            continue
        actual = sha256(data)
        if actual != expected:
            problem("release.hash", name, actual=actual, expected=expected)
    for name in present:
        if name != SUMS_FILE and name not in sums:
            problem("release.file_unlisted", name)
    if DATAPACKAGE not in present:
        problem("release.datapackage_missing", DATAPACKAGE)
        return problems
    raw_dp = read(DATAPACKAGE)
    if raw_dp is None:
        return problems
    try:
        dp = json.loads(raw_dp.decode("utf-8"))
    except (ValueError, RecursionError) as e:
        problem("release.datapackage_json", DATAPACKAGE, why=e)
        return problems
    if not isinstance(dp, dict):
        problem("release.datapackage_json:not_an_object", DATAPACKAGE)
        return problems
    if dp.get("version") != version:
        problem("release.version_mismatch", DATAPACKAGE, found=dp.get("version"),
                folder=folder_name(version))
    resources = dp.get("resources")
    for r in resources if isinstance(resources, list) else [resources]:
        r = r if isinstance(r, dict) else {}
        path = r.get("path")
        if not isinstance(path, str) or path not in present:
            problem("release.resource_missing", str(path), name=r.get("name"), path=path)
            continue
        data = read(path)
        if data is None:
            continue
        if r.get("bytes", len(data)) != len(data):
            problem("release.bytes", path, size=len(data), recorded=r.get("bytes"))
        if r.get("hash") != f"sha256:{sha256(data)}":
            problem("release.resource_hash", path, actual=sha256(data),
                    recorded=r.get("hash"))
    return problems


def verify(releases: Path | Traversable | None = None, version: str | None = None
           ) -> tuple[list[str], list[Problem]]:
    """(versions checked, problems) for every release, or for one."""
    loc = loading.releases_location(releases)
    have = loading.versions(loc)
    if version is not None:
        version = version.removeprefix("v")
        folder = loc.joinpath(folder_name(version))
        if version not in have and not (loading.VERSION.fullmatch(version) and (
                loading._is_link(folder) or folder.is_dir())):
            return [], [VERIFY_RULES.problem("release.unknown", release_path(version), "",
                                             version=version,
                                             published=", ".join(have) or "none")]
        return [version], verify_release(folder, version)
    problems: list[Problem] = []
    if loc.is_dir():
        for p in loc.iterdir():
            if PARTIAL in p.name:
                problems.append(VERIFY_RULES.problem("release.partial",
                                                     f"releases/{p.name}", ""))
            elif p.name.startswith("v") and loading._is_link(p):
                problems.append(VERIFY_RULES.problem("release.symlink:listed",
                                                     f"releases/{p.name}", ""))
            elif _release_named(p.name) and p.name[1:] not in have and p.is_dir():
                # a release folder without its datapackage.json, which versions() skips
                problems += verify_release(p, p.name[1:])
    for v in have:
        problems += verify_release(loc.joinpath(folder_name(v)), v)
    return have, problems + recorded_problems(loc, have)


CFF_VERSION = re.compile(r'^version: "?([^"\n]+)"?$', re.M)
CFF_DIGEST = re.compile(r'value: "?sha256:([0-9a-f]{64})"?')


def recorded_problems(loc: Path | Traversable, have: list[str]) -> list[Problem]:
    """The releases against what the checkout recorded when they were published: the
    sha256 of datapackage.json in CITATION.cff (beside the releases folder), and an entry
    per release in releases/CHANGELOG.md. Catches a release whose datapackage.json and
    SHA256SUMS were both rewritten (which its own files cannot show), and a release whose
    run was killed before CHANGELOG.md and CITATION.cff were written."""
    if not isinstance(loc, Path) or not have:
        return []
    problems: list[Problem] = []
    changelog = loc / CHANGELOG_FILE
    if changelog.is_file() and not changelog.is_symlink():
        text = changelog.read_text(encoding="utf-8", errors="replace")
        missing = [v for v in have if f"\n## {v} (" not in text]
        if missing:
            problems.append(VERIFY_RULES.problem("release.unfinished",
                                                 f"releases/{CHANGELOG_FILE}", "",
                                                 missing=", ".join(missing), last=missing[-1]))
    cff = loc.parent / CITATION_FILE
    if not (cff.is_file() and not cff.is_symlink()):
        return problems
    text = cff.read_text(encoding="utf-8", errors="replace")
    cited, digest = CFF_VERSION.search(text), CFF_DIGEST.search(text)
    if cited is None or cited.group(1) != have[-1]:
        problems.append(VERIFY_RULES.problem("release.unfinished:citation", CITATION_FILE, "",
                                             cited=cited.group(1) if cited else "no release",
                                             newest=have[-1]))
    if cited is not None and digest is not None and cited.group(1) in have:
        try:
            raw = loading.read_member(loc / folder_name(cited.group(1)), DATAPACKAGE,
                                      cited.group(1))
        except loading.IntegrityError:
            return problems  # reported by verify_release
        if sha256(raw) != digest.group(1):
            problems.append(VERIFY_RULES.problem(
                "release.citation_hash", release_path(cited.group(1), DATAPACKAGE), "",
                actual=sha256(raw), recorded=digest.group(1)))
    return problems
