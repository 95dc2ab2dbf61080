"""Checking published releases against what was recorded when they were published:
`gsi-events verify`. Part of the data users' install (standard library only), so anyone
holding a release can check it without the coding extra.

Each release folder is checked against its SHA256SUMS and datapackage.json; the newest
against the sha256 of its datapackage.json recorded in CITATION.cff; and every release
against its entry in releases/CHANGELOG.md. Only regular files named plainly inside a
release folder are read.
"""

from __future__ import annotations

import json
import re
from importlib.resources.abc import Traversable
from pathlib import Path

from gsi_events import loading
from gsi_events.loading import DATAPACKAGE, SUMS_FILE, folder_name, parse_sums, sha256
from gsi_events.problems import Problem

CHANGES_FILE = "CHANGES.md"  # this release's changelog entry
DIFF_FILE = "diff.json"  # machine-readable diff against the previous release
CHANGELOG_FILE = "CHANGELOG.md"  # in releases/: every entry, newest first
CITATION_FILE = "CITATION.cff"
PARTIAL = ".partial-"  # marks a release folder still being written


def _problem(version: str, rule: str, message: str, file: str = "") -> Problem:
    return Problem(f"releases/{folder_name(version)}" + (f"/{file}" if file else ""), "",
                   rule, message)


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

    def problem(file: str, rule: str, message: str) -> None:
        problems.append(_problem(version, rule, message, file))

    def read(name: str) -> bytes | None:
        try:
            return loading.read_member(folder, name, version)
        except loading.IntegrityError as e:
            problem(name, "release.unreadable", str(e))
            return None

    if loading._is_link(folder):
        problem("", "release.symlink", "the release folder is a symbolic link, not a "
                "published release; delete it")
        return problems
    present = _files(folder)
    if SUMS_FILE not in present:
        problem(SUMS_FILE, "release.sums_missing", f"{SUMS_FILE} is missing")
        return problems
    raw_sums = read(SUMS_FILE)
    if raw_sums is None:
        return problems
    try:
        sums, bad = parse_sums(raw_sums.decode("utf-8"))
    except UnicodeDecodeError as e:
        problem(SUMS_FILE, "release.sums_format", f"not UTF-8 text (byte {e.start})")
        return problems
    for line in bad:
        problem(SUMS_FILE, "release.sums_format", f"line not of the form '<sha256>  <file>': "
                f"{line!r}")
    for name, expected in sorted(sums.items()):
        if name not in present:
            problem(name, "release.file_missing", f"listed in {SUMS_FILE} but missing")
            continue
        data = read(name)
        if data is None:
            continue
        actual = sha256(data)
        if actual != expected:
            problem(name, "release.hash", f"sha256 is {actual}, but {SUMS_FILE} records "
                    f"{expected}: the file changed after publication")
    for name in present:
        if name != SUMS_FILE and name not in sums:
            problem(name, "release.file_unlisted",
                    f"not listed in {SUMS_FILE}: added after publication")
    if DATAPACKAGE not in present:
        problem(DATAPACKAGE, "release.datapackage_missing", f"{DATAPACKAGE} is missing")
        return problems
    raw_dp = read(DATAPACKAGE)
    if raw_dp is None:
        return problems
    try:
        dp = json.loads(raw_dp.decode("utf-8"))
    except (ValueError, RecursionError) as e:
        problem(DATAPACKAGE, "release.datapackage_json", f"not valid JSON: {e}")
        return problems
    if not isinstance(dp, dict):
        problem(DATAPACKAGE, "release.datapackage_json", "not a JSON object")
        return problems
    if dp.get("version") != version:
        problem(DATAPACKAGE, "release.version_mismatch",
                f"records version {dp.get('version')!r}, but the folder is "
                f"{folder_name(version)}")
    resources = dp.get("resources")
    for r in resources if isinstance(resources, list) else [resources]:
        r = r if isinstance(r, dict) else {}
        path = r.get("path")
        if not isinstance(path, str) or path not in present:
            problem(str(path), "release.resource_missing",
                    f"resource {r.get('name')!r}: its file {path!r} is missing")
            continue
        data = read(path)
        if data is None:
            continue
        if r.get("bytes", len(data)) != len(data):
            problem(path, "release.bytes", f"{len(data)} bytes, but {DATAPACKAGE} records "
                    f"{r.get('bytes')}")
        if r.get("hash") != f"sha256:{sha256(data)}":
            problem(path, "release.resource_hash", f"sha256 is {sha256(data)}, but "
                    f"{DATAPACKAGE} records {r.get('hash')}")
        if path not in sums:
            problem(path, "release.file_unlisted", f"not listed in {SUMS_FILE}")
    return problems


def verify(releases: Path | Traversable | None = None, version: str | None = None
           ) -> tuple[list[str], list[Problem]]:
    """(versions checked, problems) for every release, or for one."""
    loc = loading.releases_location(releases)
    have = loading.versions(loc)
    if version is not None:
        version = version.removeprefix("v")
        if version not in have:
            return [], [_problem(version, "release.unknown",
                                 f"no release {version}; published: "
                                 f"{', '.join(have) or 'none'}")]
        return [version], verify_release(loc.joinpath(folder_name(version)), version)
    problems: list[Problem] = []
    if loc.is_dir():
        for p in loc.iterdir():
            if PARTIAL in p.name:
                problems.append(Problem(f"releases/{p.name}", "", "release.partial",
                                        "left by a release that was interrupted while "
                                        "being written (nothing of it was published): the "
                                        "next `gsi-events release` deletes it, or delete it"))
            elif p.name.startswith("v") and loading._is_link(p):
                problems.append(Problem(f"releases/{p.name}", "", "release.symlink",
                                        "a symbolic link, not a published release (it is "
                                        "never loaded): delete it"))
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
            problems.append(Problem(f"releases/{CHANGELOG_FILE}", "", "release.unfinished",
                f"has no entry for {', '.join(missing)}: a release run was interrupted; run "
                f"`gsi-events release {missing[-1]}` again to finish it"))
    cff = loc.parent / CITATION_FILE
    if not (cff.is_file() and not cff.is_symlink()):
        return problems
    text = cff.read_text(encoding="utf-8", errors="replace")
    cited, digest = CFF_VERSION.search(text), CFF_DIGEST.search(text)
    if cited is None or cited.group(1) != have[-1]:
        problems.append(Problem(CITATION_FILE, "", "release.unfinished",
            f"cites {cited.group(1) if cited else 'no release'}, not the newest release "
            f"{have[-1]}: a release run was interrupted; run `gsi-events release "
            f"{have[-1]}` again to finish it"))
    if cited is not None and digest is not None and cited.group(1) in have:
        try:
            raw = loading.read_member(loc / folder_name(cited.group(1)), DATAPACKAGE,
                                      cited.group(1))
        except loading.IntegrityError:
            return problems  # reported by verify_release
        if sha256(raw) != digest.group(1):
            problems.append(_problem(cited.group(1), "release.citation_hash",
                f"sha256 is {sha256(raw)}, but {CITATION_FILE} records {digest.group(1)} "
                "for this release: its datapackage.json changed after publication (with "
                f"{SUMS_FILE} rewritten to match), or {CITATION_FILE} was edited",
                DATAPACKAGE))
    return problems
