"""The scale benchmark's repositories (gsi_events.testing.scale): valid, and the same bytes
for the same seed. The benchmark itself (benchmarks/bench_scale.py, 100 to 10,000
sources) is run by hand, not by the test suite."""

from __future__ import annotations

import shutil
from pathlib import Path

from conftest import REPO, snapshot

from gsi_events.compile.pipeline import compile_repository
from gsi_events.testing.scale import scale_repository


def test_a_generated_repository_validates_and_has_the_real_shape(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    shutil.copytree(REPO / "schemas", root / "schemas")
    scale_repository(root, 20)
    compiled = compile_repository(root)
    assert compiled.problems == []
    t = compiled.tables
    assert t["sources"].height == 20
    assert set(t["sources"]["kind"]) == {"archived", "cited"}
    assert t["events"].height >= 20
    assert (t["events"]["n_sources"] > 1).any()  # multi-source events
    assert t["discrepancies"].height > 0
    assert t["evidence"]["char_start"].drop_nulls().len() > 0  # quotes found in texts
    assert t["evidence"]["note"].drop_nulls().len() > 0  # cited evidence


def test_the_same_seed_writes_the_same_bytes(tmp_path: Path) -> None:
    a, b, c = (scale_repository(tmp_path / x, 20, seed=s) for x, s in
               (("a", 1), ("b", 1), ("c", 2)))
    assert snapshot(a) == snapshot(b)
    assert snapshot(a) != snapshot(c)
