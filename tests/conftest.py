"""Shared test setup: hypothesis profiles, and repositories to test on: a copy holding only
the seed sources (`seed_copy`, `repo_copy`, `seed_root`) or everything (`live_copy`).

Hypothesis profiles (see README, "Tests"):

* `quick` (loaded by default): few examples per property, for CI; the whole suite runs
  in a few minutes on two cores.
* `thorough`: ten times the examples (`pytest --hypothesis-profile=thorough`).

Both keep hypothesis's example database (`.hypothesis/` in the working directory, which is
gitignored), so a failing example is replayed first on the next run on the same machine.

Every test also checks that each Problem it made names a rule some stage declares
(`problems_name_declared_rules`): a rule raised but declared nowhere fails the test that
raised it.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings

from gsi_events.problems import Problem

REPO = Path(__file__).resolve().parents[1]
DATA_DIRS = ("schemas", "archive", "coding", "docs")

QUICK_EXAMPLES = 10
_COMMON = dict(
    deadline=None,  # a shared, noisy two-core machine: time limits would flake
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                           HealthCheck.filter_too_much],
    print_blob=True,
)
settings.register_profile("quick", max_examples=QUICK_EXAMPLES, **_COMMON)
settings.register_profile("thorough", max_examples=10 * QUICK_EXAMPLES, **_COMMON)
settings.load_profile("quick")  # `--hypothesis-profile=thorough` loads the other one later


@pytest.fixture(autouse=True)
def problems_name_declared_rules(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Every Problem made in this process during the test names a rule declared where
    gsi_events.testing.known_rules reads the declarations (the tables, the reading, the
    commands), so a rule raised but not declared fails here, whichever test raised it."""
    seen: set[str] = set()
    make = Problem.__init__

    def recording(self: Problem, *args: Any, **kwargs: Any) -> None:
        make(self, *args, **kwargs)
        seen.add(self.rule)

    monkeypatch.setattr(Problem, "__init__", recording)
    yield
    if seen:
        from gsi_events.testing import is_declared

        undeclared = sorted(rule for rule in seen if not is_declared(rule))
        assert undeclared == [], f"problems name rules no stage declares: {undeclared}"


def examples(factor: float) -> settings:
    """Settings with `factor` times the loaded profile's examples (at least one), for
    properties much cheaper or much dearer than the rest. Resolved when the test module
    is imported, after the command line picked the profile."""
    return settings(max_examples=max(1, round(settings.default.max_examples * factor)))


# The seed coding: the sources committed with the code and tested as facts (ev-0002 as coded
# from src-0001 has count 3000, ...). Coders add sources beside them all the time, so
# tests of behaviour run on a copy holding only these (`seed_copy`), never on the
# repository's totals.
SEED_SOURCES = ("src-0001", "src-0002", "src-0003")


def seed_copy(dest: Path, dirs: tuple[str, ...] = ("schemas", "docs")) -> Path:
    """A repository holding only the seed sources: their archived texts and records,
    their coding files (and second codings), with `dirs` copied whole (schemas/ and
    docs/ by default). Nothing a coder adds later is in it."""
    for name in dirs:
        if (REPO / name).is_dir():
            shutil.copytree(REPO / name, dest / name)
    for folder in ("archive", "coding", "coding/second"):
        (dest / folder).mkdir(parents=True, exist_ok=True)
    for sid in SEED_SOURCES:
        for rel in (f"archive/{sid}.yaml", f"archive/{sid}.txt", f"coding/{sid}.yaml",
                    f"coding/second/{sid}.yaml"):
            if (REPO / rel).is_file():
                shutil.copy2(REPO / rel, dest / rel)
    return dest


def live_copy(dest: Path) -> Path:
    """A copy of the repository's schemas/, archive/, coding/ and docs/ as they are now,
    coders' work in progress included: for properties that hold for any data."""
    for name in DATA_DIRS:
        if (REPO / name).is_dir():
            shutil.copytree(REPO / name, dest / name)
    return dest


@pytest.fixture
def repo_copy(tmp_path: Path) -> Path:
    """A seed-only repository in tmp_path (`seed_copy`): schemas/, docs/ and the seed
    sources' archive/ and coding/ files; pass it as `--root`."""
    return seed_copy(tmp_path / "repo")


@pytest.fixture(scope="session")
def seed_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One seed-only repository for the whole run, for tests that only read it."""
    return seed_copy(tmp_path_factory.mktemp("seed") / "repo")


CACHE_DIR = ".gsi-events-cache"  # the parse cache (gitignored), written by any reading


def snapshot(root: Path) -> dict[str, bytes]:
    """Every file below root with its bytes, the parse cache left out: to show that a run
    wrote nothing else."""
    return {p.relative_to(root).as_posix(): p.read_bytes()
            for p in sorted(root.rglob("*")) if p.is_file()
            and CACHE_DIR not in p.relative_to(root).parts}
