"""Shared test setup: hypothesis profiles and a scratch copy of the repository's data.

Hypothesis profiles (see README, "Tests"):

* `quick` (loaded by default): few examples per property, for CI; the whole suite runs
  in a few minutes on two cores.
* `thorough`: ten times the examples (`pytest --hypothesis-profile=thorough`).

Both keep hypothesis's example database (`.hypothesis/` in the working directory, which is
gitignored), so a failing example is replayed first on the next run on the same machine.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

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


def examples(factor: float) -> settings:
    """Settings with `factor` times the loaded profile's examples (at least one), for
    properties much cheaper or much dearer than the rest. Resolved when the test module
    is imported, after the command line picked the profile."""
    return settings(max_examples=max(1, round(settings.default.max_examples * factor)))


@pytest.fixture
def repo_copy(tmp_path: Path) -> Path:
    """A copy of the repository's schemas/, archive/, coding/ and docs/ in tmp_path; pass
    it as `--root`. Only the data: nothing of the checkout is touched."""
    root = tmp_path / "repo"
    for name in DATA_DIRS:
        if (REPO / name).is_dir():
            shutil.copytree(REPO / name, root / name)
    return root


def snapshot(root: Path) -> dict[str, bytes]:
    """Every file below root with its bytes: to show that a run wrote nothing."""
    return {p.relative_to(root).as_posix(): p.read_bytes()
            for p in sorted(root.rglob("*")) if p.is_file()}
