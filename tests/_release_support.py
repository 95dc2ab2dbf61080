"""Shared by the release tests: the published releases, a candidate release built from this
checkout into a temporary folder (once per test run), and a scratch copy of the data."""

from __future__ import annotations

import atexit
import datetime as dt
import functools
import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import pytest
from conftest import seed_copy

from gsi_events import loading
from gsi_events.release import publish as release

REPO = Path(__file__).resolve().parents[1]
RELEASES = REPO / "releases"
JS = REPO / "tests" / "js"
CREATED = dt.datetime(2030, 1, 2, 3, 4, 5, tzinfo=dt.UTC)


def published() -> list[str]:
    return loading.versions(RELEASES)


def _scratch(prefix: str) -> Path:
    path = Path(tempfile.mkdtemp(prefix=prefix))
    atexit.register(shutil.rmtree, path, ignore_errors=True)
    return path


def copy_data(dest: Path) -> Path:
    """The inputs of a build (archive/ and coding/; schemas come with the package): the
    seed sources only (conftest.seed_copy), so that what coders add meanwhile, valid or
    not yet, changes no release test."""
    return seed_copy(dest, dirs=())


@functools.cache
def candidate() -> Path:
    """releases/ of a scratch copy holding 0.1.0 as this checkout would publish it."""
    root = copy_data(_scratch("gsi-candidate-"))
    release.publish(root, "0.1.0", allow_uncommitted=True, releases=root / "releases",
                    created=CREATED,
                    message="Candidate release built by the tests.")
    return root / "releases"


def release_folders() -> list[Any]:
    """Every published release folder, and the candidate: what the file-level tests check.
    With releases/ empty only the candidate is checked; both ways the tests run."""
    params = [pytest.param(RELEASES / loading.folder_name(v), id=f"published-v{v}")
              for v in published()]
    params.append(pytest.param("candidate", id="candidate-v0.1.0"))
    return params


def newest_release_folders() -> list[Any]:
    """The newest published release and the candidate: what the tests that read every row
    of every table check (minutes each). Older releases were checked so while they were
    the newest, and their bytes stay those (every file is checked against SHA256SUMS)."""
    params = release_folders()
    return params[-2:]


def resolve(folder: Path | str) -> Path:
    return candidate() / "v0.1.0" if folder == "candidate" else Path(folder)


def writable_copy(folder: Path, dest: Path) -> Path:
    shutil.copytree(folder, dest)
    for p in [dest, *dest.rglob("*")]:
        os.chmod(p, 0o755 if p.is_dir() else 0o644)
    return dest


def edit_summary(root: Path) -> str:
    """Correct one event's summary in every report of it: a data correction (patch)."""
    from ruamel.yaml import YAML

    yaml = YAML()
    files = sorted((root / "coding").glob("src-*.yaml"))
    first = yaml.load(files[0].read_text(encoding="utf-8"))
    event_id = first["events"][0]["event"]
    for path in files:
        data = yaml.load(path.read_text(encoding="utf-8"))
        changed = False
        for report in data.get("events") or []:
            if report.get("event") == event_id and report.get("summary"):
                report["summary"] = "Corrected: " + str(report["summary"])[:300]
                changed = True
        if changed:
            with path.open("w", encoding="utf-8") as f:
                yaml.dump(data, f)
    return event_id


def node_or_skip() -> str:
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed (.ci/run needs Node.js 20 for the hyparquet test)")
    if not (JS / "node_modules" / "hyparquet").is_dir():
        pytest.skip("tests/js/node_modules is absent: run `cd tests/js && npm ci` "
                    "(.ci/run does) to install hyparquet")
    return node


def cffconvert_or_skip() -> str:
    exe = os.environ.get("CFFCONVERT") or str(REPO / ".ci" / "cffconvert" / "bin" /
                                              "cffconvert")
    if not Path(exe).is_file():
        pytest.skip("cffconvert's own venv (.ci/cffconvert) is absent: .ci/run creates it "
                    "(cffconvert pins an old jsonschema that conflicts with frictionless, so "
                    "it cannot live in the test venv); or set CFFCONVERT")
    return exe


def run(*args: str | Path, cwd: Path | None = None, env: dict[str, str] | None = None,
        timeout: float = 600) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(a) for a in args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=timeout)
