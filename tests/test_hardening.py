"""Hostile input gets a clear message, never a traceback, and nothing is written where it
must not be (issue "Hardening": the cases fixed so far)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from gsi_events import paths
from gsi_events.cli import main

REPO = paths.repo_root()
SEEDS = ("src-0001", "src-0002", "src-0003")


@pytest.fixture
def seeds(tmp_path: Path) -> Path:
    """A checkout holding only the three seed sources and their coding."""
    assert REPO is not None
    root = tmp_path / "repo"
    for folder in ("archive", "coding", "releases"):
        (root / folder).mkdir(parents=True)
    for sid in SEEDS:
        for suffix in (".yaml", ".txt"):
            shutil.copy(REPO / "archive" / f"{sid}{suffix}", root / "archive")
        shutil.copy(REPO / "coding" / f"{sid}.yaml", root / "coding")
    return root


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        result.exception)
    return result.exit_code, result.output


@pytest.mark.parametrize("value", ["!!int abc", "!!float xyz", "!!bool maybe", "9" * 5000])
def test_a_value_its_tag_cannot_hold_is_a_problem(seeds: Path, value: str) -> None:
    path = seeds / "coding" / "src-0001.yaml"
    text = path.read_text(encoding="utf-8").replace("count_best: 122", f"count_best: {value}", 1)
    path.write_text(text, encoding="utf-8")
    code, out = run("validate", "--root", str(seeds))
    assert code == 1
    assert "coding/src-0001.yaml: not valid YAML" in out and "[rule yaml.syntax]" in out
    assert "Traceback" not in out


@pytest.mark.parametrize("folder", ["missing", "empty"])
def test_root_must_be_a_checkout(tmp_path: Path, folder: str) -> None:
    root = tmp_path / folder
    if folder == "empty":
        root.mkdir()
    code, out = run("validate", "--root", str(root))
    assert code == 2 and "is not a gsi_events checkout" in out
    assert "All valid" not in out


def test_build_refuses_the_releases_folder(seeds: Path) -> None:
    target = seeds / "releases" / "v9.9.9"
    code, out = run("build", "--root", str(seeds), "--out", str(target))
    assert code == 1 and "[rule build.into_releases]" in out
    assert not target.exists()


def test_release_refuses_a_version_with_a_newline(seeds: Path) -> None:
    code, out = run("release", "1.0.0\n", "--root", str(seeds), "-m", "x")
    assert code == 1 and "[rule release.version]" in out
    assert not any(p.name.startswith("v1") for p in (seeds / "releases").iterdir())
