"""Releases are made from committed data: before `gsi-events release` builds anything, the
folders a release is built from (coding/, archive/ and the schemas/ in use) must hold no
change git has not committed, so that every release can be rebuilt from a commit.

git is asked through its command line (`git status --porcelain`), the one interface every
git installation has. A folder outside any git repository, or a machine without git, is
refused the same way: nothing shows that the data was committed. `--allow-uncommitted`
(`publish(..., allow_uncommitted=True)`) skips the check, for trial releases.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Sequence
from pathlib import Path

from gsi_events import paths
from gsi_events.problems import Problem
from gsi_events.release.rules import RELEASE_RULES

DATA_DIRS = ("coding", "archive")
SHOWN = 8  # changed files named in a problem; the rest are counted


def release_inputs(root: Path) -> list[Path]:
    """The folders a release is built from: the checkout's coding/ and archive/, and the
    schemas/ folder of the checkout the code runs from (none when gsi_events is installed
    from a wheel: its schemas are fixed by its version)."""
    folders = [Path(root) / d for d in DATA_DIRS]
    code = paths.repo_root()
    if code is not None:
        folders.append(code / "schemas")
    return folders


def _git(args: Sequence[str], cwd: Path) -> subprocess.CompletedProcess[bytes]:
    env = {**os.environ, "LC_ALL": "C", "GIT_OPTIONAL_LOCKS": "0"}
    return subprocess.run(["git", *args], cwd=cwd, capture_output=True, env=env,
                          timeout=120, check=False)


def _shown(folder: Path, root: Path) -> str:
    try:
        return Path(folder).resolve().relative_to(Path(root).resolve()).as_posix()
    except ValueError:
        return str(folder)


def _changes(porcelain: bytes) -> list[str]:
    """Paths of `git status --porcelain=v1 -z` entries, with their state in words."""
    words = {"??": "untracked", "M": "modified", "A": "added", "D": "deleted",
             "R": "renamed", "C": "copied", "U": "unmerged", "T": "type changed"}
    entries = porcelain.split(b"\0")
    out: list[str] = []
    i = 0
    while i < len(entries):
        entry = entries[i]
        i += 1
        if len(entry) < 4:
            continue
        code, path = entry[:2].decode(), os.fsdecode(entry[3:])
        if "R" in code or "C" in code:
            i += 1  # the entry's original path follows it
        state = words.get(code) or next((words[c] for c in code if c in words), "changed")
        out.append(f"{path} ({state})")
    return out


def uncommitted(root: Path, folders: Sequence[Path] | None = None) -> list[Problem]:
    """Problems for each folder with changes git has not committed (modified, added,
    deleted or untracked files), or that no git repository holds; none when all is
    committed."""
    folders = release_inputs(root) if folders is None else folders
    if shutil.which("git") is None:
        return [RELEASE_RULES.problem("release.uncommitted:no_git", "git", "")]
    problems: list[Problem] = []
    for folder in folders:
        if not folder.is_dir():
            continue
        shown = _shown(folder, root)
        top = _git(["rev-parse", "--show-toplevel"], folder)
        if top.returncode != 0:
            why = top.stderr.decode("utf-8", "replace").strip().splitlines()
            problems.append(RELEASE_RULES.problem("release.uncommitted:no_repository", shown,
                                                  "", why=why[0] if why else "git says no"))
            continue
        status = _git(["status", "--porcelain=v1", "-z", "--untracked-files=all", "--",
                       "."], folder)
        if status.returncode != 0:
            why = status.stderr.decode("utf-8", "replace").strip().splitlines()
            problems.append(RELEASE_RULES.problem("release.uncommitted:git_failed", shown, "",
                                                  why=why[0] if why else ""))
            continue
        changes = _changes(status.stdout)
        if changes:
            more = (f" and {len(changes) - SHOWN} more" if len(changes) > SHOWN else "")
            problems.append(RELEASE_RULES.problem("release.uncommitted", shown, "",
                                                  changes=", ".join(changes[:SHOWN]),
                                                  more=more))
    return problems
