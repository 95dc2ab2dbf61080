"""The bad-input corpus (tests/bad_input/, see its README): every mistake gets its exact
message from `gsi-events validate`, exit status 1, no traceback, and nothing is written."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import snapshot

from gsi_events.cli import main
from gsi_events.compile import schema

CORPUS = Path(__file__).parent / "bad_input"
CASES = sorted(p.name for p in CORPUS.iterdir() if p.is_dir() and not p.name.startswith("_"))
EXPECTED = "expected.txt"


def expected_output(case: str) -> str:
    """The case's expected.txt, with each `{vocabulary table.field}` written out as the
    schema's values for that field (joined by ", "), so that a value added to a
    vocabulary in schemas/ changes no expected message."""
    text = (CORPUS / case / EXPECTED).read_text(encoding="utf-8")

    def values(m: re.Match[str]) -> str:
        table, name = m.group(1).split(".")
        return ", ".join(schema.table(table).field(name).values)

    return re.sub(r"\{vocabulary ([a-z_]+\.[a-z_]+)\}", values, text)


def lay_over(root: Path, folder: Path) -> None:
    for path in sorted(folder.rglob("*")):
        if path.is_file() and path.name not in (EXPECTED, "README.md"):
            dest = root / path.relative_to(folder)
            dest.parent.mkdir(parents=True, exist_ok=True)
            dest.write_bytes(path.read_bytes())


@pytest.fixture
def fixture_repo(repo_copy: Path) -> Path:
    """The repository's data with the corpus's valid fixture source (src-9001) added."""
    lay_over(repo_copy, CORPUS / "_base")
    return repo_copy


def validate(root: Path) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["validate", "--root", str(root)])
    assert result.exception is None or isinstance(result.exception, SystemExit), \
        result.exception
    return result.exit_code, result.output


def test_the_fixture_is_valid(fixture_repo: Path) -> None:
    code, output = validate(fixture_repo)
    assert code == 0, output


def test_every_case_has_its_expected_message() -> None:
    assert CASES, "no cases in tests/bad_input"
    missing = [c for c in CASES if not (CORPUS / c / EXPECTED).is_file()]
    assert missing == []


@pytest.mark.parametrize("case", CASES)
def test_bad_input_gets_its_exact_message(case: str, fixture_repo: Path) -> None:
    """The exact message, from a fresh parse and again from the parse cache the first run
    filled (one test for both: each run is a whole validation)."""
    from gsi_events.compile import cache

    lay_over(fixture_repo, CORPUS / case)
    before = snapshot(fixture_repo)
    for _ in range(2):  # the first run fills the cache, the second reads from it
        code, output = validate(fixture_repo)
        assert output == expected_output(case)
        assert code == 1
        assert "Traceback" not in output
        assert output.rstrip().endswith("nothing was written.")
        assert snapshot(fixture_repo) == before
    assert (fixture_repo / cache.CACHE_DIR / cache.DATABASE).is_file()


@pytest.mark.parametrize("case", ["several_mistakes", "archived_text_edited"])
def test_a_failed_build_writes_nothing(case: str, fixture_repo: Path) -> None:
    lay_over(fixture_repo, CORPUS / case)
    before = snapshot(fixture_repo)
    out = fixture_repo / "build-out"
    result = CliRunner().invoke(main, ["build", "--root", str(fixture_repo), "--out", str(out)])
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    assert not out.exists()
    assert snapshot(fixture_repo) == before


def test_several_mistakes_are_all_reported_at_once() -> None:
    """The several_mistakes case has six mistakes in one file; one run names all six."""
    lines = (CORPUS / "several_mistakes" / EXPECTED).read_text(encoding="utf-8").splitlines()
    rules = [line.rsplit("[rule ", 1)[1].rstrip("]") for line in lines if "[rule " in line]
    assert sorted(rules) == sorted([
        "events.action.vocabulary", "events.date_end.type", "participants.country.codelist",
        "evidence.quote_in_source", "events.count_order", "participants.group_size.type"])
    assert lines[-1] == "6 problems found; nothing was written."


def test_deleting_files_is_bad_input_too(fixture_repo: Path) -> None:
    """An archived text deleted: reported, not a crash; and a folder where a coding file
    should be."""
    (fixture_repo / "archive" / "src-9001.txt").unlink()
    (fixture_repo / "coding" / "src-9003.yaml").mkdir()
    code, output = validate(fixture_repo)
    assert code == 1
    assert "archive/src-9001.yaml: source src-9001 (line 3): the archived text " \
           "archive/src-9001.txt is missing [rule archive.text_missing]" in output
    assert "coding/src-9003.yaml: cannot be read: Is a directory [rule file.unreadable]" \
        in output
    shutil.rmtree(fixture_repo / "coding" / "src-9003.yaml")
