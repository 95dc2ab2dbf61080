"""End to end from a wheel: publish two releases in a scratch copy of the project, build a
wheel there, install it in a fresh virtual environment, and use verify, versions, load, cite
and diff with no repository around. Marked slow (it installs the dependencies from the
package index, about a minute with a warm pip cache): `pytest -m "not slow"` skips it."""

from __future__ import annotations

import json
import os
import re
import shutil
import sys
import zipfile
from pathlib import Path

import pytest
from _release_support import CREATED, REPO, copy_data, edit_summary, run

from gsi_events import loading
from gsi_events.problems import ProblemsFound
from gsi_events.release import publish as release

pytestmark = pytest.mark.slow


def project_copy(dest: Path) -> Path:
    dest.mkdir()
    for name in ("pyproject.toml", "README.md", "CITATION.cff"):
        shutil.copy2(REPO / name, dest / name)
    skip = shutil.ignore_patterns("__pycache__", "*.pyc", ".*.partial-*")
    for name in ("gsi_events", "schemas", "releases"):
        shutil.copytree(REPO / name, dest / name, ignore=skip)
    for p in (dest / "releases").rglob("*"):
        os.chmod(p, 0o755 if p.is_dir() else 0o644)
    return copy_data(dest)


def _publish_bump(root: Path, message: str) -> str | None:
    """Publish the data as it is with the smallest bump the version recipe accepts; None
    when nothing changed since the newest release."""
    a, b, c = loading.version_key(loading.versions(root / "releases")[-1])
    for version in (f"{a}.{b}.{c + 1}", f"{a}.{b + 1}.0", f"{a + 1}.0.0"):
        try:
            release.publish(root, version, allow_uncommitted=True, created=CREATED, message=message)
            return version
        except ProblemsFound as e:
            rules = {p.rule for p in e.problems}
            if rules == {"release.unchanged"}:
                return None
            if rules != {"release.version_recipe"}:
                raise
    raise AssertionError("no version bump was accepted")


def retire_what_is_gone(root: Path) -> None:
    """Retire (coding/retired.yaml) the events and sources of the newest release that the
    seed data no longer has, as a coder withdrawing them would: a release refuses to drop
    them silently (release.removed_not_retired)."""
    from gsi_events.compile.pipeline import compile_repository

    newest = loading.release_info(None, root / "releases")
    tables = compile_repository(root).tables
    lines = []
    for table, key in (("events", "event_id"), ("sources", "source_id")):
        gone = sorted(set(newest.load(table)[key]) - set(tables[table][key]))
        lines += [f"{table}:", *(f"  - {{id: {i}, reason: not in the seed data}}"
                                 for i in gone)] if gone else []
    if lines:
        (root / "coding" / "retired.yaml").write_text("\n".join(lines) + "\n",
                                                       encoding="utf-8")


def publish_next(root: Path) -> str:
    """Publish the seed data as this checkout builds it (whatever bump the schema's changes
    since the newest published release need; what the seeds do not hold is retired), then
    a summary correction as a patch: the two newest releases differ by exactly that
    summary."""
    if not loading.versions(root / "releases"):
        release.publish(root, "0.1.0", allow_uncommitted=True, created=CREATED)
    else:
        retire_what_is_gone(root)
        _publish_bump(root, "Wheel test: the data as this checkout builds it.")
    before = loading.versions(root / "releases")[-1]
    edit_summary(root)
    newest = _publish_bump(root, "Wheel test correction.")
    a, b, c = loading.version_key(before)
    assert newest == f"{a}.{b}.{c + 1}", (before, newest)  # a correction is a patch
    return newest


def test_wheel_in_a_fresh_virtual_environment(tmp_path: Path) -> None:
    root = project_copy(tmp_path / "project")
    newest = publish_next(root)
    have = loading.versions(root / "releases")
    previous = have[-2]

    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPATH", "VIRTUAL_ENV", loading.RELEASES_ENV)}
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    built = run(sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w",
                tmp_path / "dist", root, env=env, timeout=900)
    assert built.returncode == 0, built.stderr
    wheel = next((tmp_path / "dist").glob("gsi_events-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    for v in have:
        assert f"gsi_events/_data/releases/v{v}/SHA256SUMS" in names
        assert f"gsi_events/_data/releases/v{v}/events.parquet" in names
    assert "gsi_events/_data/schemas/events.yaml" in names

    venv = tmp_path / "venv"
    made = run(sys.executable, "-m", "venv", venv, env=env, timeout=300)
    assert made.returncode == 0, made.stderr
    bin_ = venv / "bin"
    installed = run(bin_ / "python", "-m", "pip", "install", "-q", wheel, env=env,
                    timeout=1800)
    assert installed.returncode == 0, installed.stderr[-3000:]

    elsewhere = tmp_path / "elsewhere"  # no checkout here or above it
    elsewhere.mkdir()

    def cli(*args: str) -> tuple[int, str]:
        out = run(bin_ / "gsi-events", *args, cwd=elsewhere, env=env, timeout=300)
        assert "Traceback" not in out.stdout + out.stderr, out.stderr
        return out.returncode, out.stdout

    assert re.findall(r"^([0-9.]+) ", cli("versions")[1], re.M) == have
    # verify is the users' too (gsi_events.integrity): it works in the light install
    code, out = cli("verify")
    assert code == 0 and ", ".join(have) in out, out
    # a coder's command names the extra it needs
    out = run(bin_ / "gsi-events", "validate", cwd=elsewhere, env=env, timeout=300)
    assert out.returncode != 0 and "Traceback" not in out.stdout + out.stderr
    code, out = cli("cite", "--format", "bibtex")
    assert code == 0 and f"version      = {{{newest}}}" in out
    code, out = cli("cite", "--version", previous, "--format", "cff")
    assert code == 0 and f'version: "{previous}"' in out
    code, out = cli("diff", "--json")
    d = json.loads(out)
    assert (d["from"], d["to"]) == (previous, newest)
    assert [c["fields"] for c in d["tables"]["events"]["changed"]] == [["summary"]]
    code, out = cli("cite", "--version", "9.9.9")
    assert code == 1 and f"published releases: {', '.join(have)}" in out

    script = (  # pandas is the user's own choice, not a dependency: used when installed
        "import importlib.util, json, sys, gsi_events\n"
        "df = gsi_events.load()\n"
        f"old = gsi_events.load('events', version={previous!r})\n"
        "print(json.dumps({'file': gsi_events.__file__, 'versions': gsi_events.versions(),\n"
        "  'version': gsi_events.release_info().version, 'rows': df.height,\n"
        "  'pandas_rows': len(df.to_pandas()) if importlib.util.find_spec('pandas')\n"
        "    else df.height, 'old_rows': old.height,\n"
        "  'pandera': 'pandera' in sys.modules,\n"
        "  'apa': gsi_events.cite()}))\n")
    out = run(bin_ / "python", "-c", script, cwd=elsewhere, env=env, timeout=300)
    assert out.returncode == 0, out.stderr
    got = json.loads(out.stdout)
    assert got["file"].startswith(str(venv))  # the installed package, not the checkout
    assert got["versions"] == have and got["version"] == newest
    assert got["rows"] == got["pandas_rows"] > 0 and got["old_rows"] > 0
    assert got["pandera"] is False
    assert f"(Version {newest})" in got["apa"]

    # One changed byte in an installed release: verify and load both fail.
    site = Path(got["file"]).parent
    target = site / "_data" / "releases" / f"v{previous}" / "events.parquet"
    os.chmod(target, 0o644)
    data = bytearray(target.read_bytes())
    data[100] ^= 0xFF
    target.write_bytes(bytes(data))
    code, out = cli("verify")
    assert code == 1 and "release.hash" in out
    out = run(bin_ / "python", "-c", f"import gsi_events; gsi_events.load(version={previous!r})",
              cwd=elsewhere, env=env, timeout=300)
    assert out.returncode == 1 and "IntegrityError" in out.stderr
