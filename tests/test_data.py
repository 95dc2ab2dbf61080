"""The repository's own coded data: it validates, and the codebook says what schemas/ say."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner
from conftest import REPO, snapshot

from gsi_events.build.codebook import update_codebook
from gsi_events.cli import main
from gsi_events.compile.pipeline import compile_repository


def test_the_coded_data_is_valid() -> None:
    compiled = compile_repository(REPO)
    assert [str(p) for p in compiled.problems] == []
    assert compiled.tables["events"].height > 0
    assert compiled.tables["evidence"].height >= compiled.tables["events"].height


def test_validate_exits_0_with_a_summary(repo_copy: Path) -> None:
    before = snapshot(repo_copy)
    result = CliRunner().invoke(main, ["validate", "--root", str(repo_copy)])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("All valid. ")
    assert "events" in result.output and "Traceback" not in result.output
    assert snapshot(repo_copy) == before


def test_the_codebook_tables_are_current() -> None:
    assert update_codebook(REPO / "docs" / "codebook.md", write=False) is False


def test_docs_check_exits_0(repo_copy: Path) -> None:
    result = CliRunner().invoke(main, ["docs", "--check", "--root", str(repo_copy)])
    assert result.exit_code == 0, result.output
    assert result.output.strip().endswith("current")
