"""fileops.Realpaths: the symbolic-link rule (file.outside_checkout) answered per folder
once gives exactly what `outside`, resolving every path, gives."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from gsi_events.fileops import Realpaths, outside


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """A checkout (reached through a link, as a checkout can be) with every kind of
    path: plain, missing, linked inside, linked out, under a folder linked out, a loop."""
    real_root, away = tmp_path / "real-checkout", tmp_path / "elsewhere"
    for folder in (real_root / "coding" / "second", real_root / "texts", away / "coding"):
        folder.mkdir(parents=True)
    (tmp_path / "checkout").symlink_to(real_root, target_is_directory=True)
    (real_root / "coding" / "plain.yaml").write_text("a: 1\n")
    (real_root / "texts" / "kept.txt").write_text("text\n")
    (away / "secret.txt").write_text("secret\n")
    (away / "coding" / "there.yaml").write_text("a: 1\n")
    (real_root / "coding" / "inside.yaml").symlink_to(Path("..") / "texts" / "kept.txt")
    (real_root / "coding" / "out.yaml").symlink_to(away / "secret.txt")
    (real_root / "coding" / "dangling.yaml").symlink_to(away / "nothing.yaml")
    (real_root / "away").symlink_to(away, target_is_directory=True)
    (real_root / "loop").symlink_to(real_root / "loop")
    (real_root / "coding" / "second" / "up").symlink_to(real_root, target_is_directory=True)
    return tmp_path / "checkout"


PATHS = ["coding/plain.yaml", "coding/missing.yaml", "coding/inside.yaml", "coding/out.yaml",
         "coding/dangling.yaml", "away/coding/there.yaml", "away/missing.yaml",
         "loop/x.yaml", "loop", "coding/second/up/coding/plain.yaml",
         "coding/second/up/away/secret.txt", "nowhere/deeper/x.yaml", "coding/../away/x.yaml",
         "."]


@pytest.mark.parametrize("rel", PATHS)
def test_realpaths_agrees_with_outside(tree: Path, rel: str) -> None:
    links = Realpaths(tree)
    path = tree / rel
    expected = outside(path, tree)
    assert links.outside(path) == expected
    assert links.outside(path) == expected  # and again, from what it remembers
    if path.exists() or path.is_symlink():
        assert links.outside(path, os.lstat(path)) == expected


def test_the_rule_finds_what_it_is_for(tree: Path) -> None:
    """The expectations above are not vacuous: some paths lead out, some do not."""
    links = Realpaths(tree)
    assert links.outside(tree / "coding/plain.yaml") is None
    assert links.outside(tree / "coding/inside.yaml") is None
    assert links.outside(tree / "coding/out.yaml") == (tree / "coding/out.yaml").resolve()
    assert links.outside(tree / "away/coding/there.yaml") is not None
    assert links.outside(tree / "loop/x.yaml") == tree / "loop/x.yaml"


def test_relative_paths_are_resolved_from_the_working_folder(
        tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tree.parent)
    root = Path("checkout")
    links = Realpaths(root)
    for rel in PATHS:
        assert links.outside(root / rel) == outside(root / rel, root), rel
