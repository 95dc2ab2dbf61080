"""`gsi-events check FILE` compiles only the files that FILE's rules and warnings read
(gsi_events.coders.related), and finds for FILE exactly what compiling the whole
repository finds: the same problems and the same probable duplicates."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from conftest import REPO
from test_bad_input import CASES, CORPUS, lay_over

from gsi_events.coders.check import check_file, sibling_files
from gsi_events.coders.duplicates import distinct_pairs, probable_duplicates
from gsi_events.compile.pipeline import Compiled, compile_repository
from gsi_events.testing.scale import scale_repository


def found_for(compiled: Compiled, rel: str) -> tuple[list[str], list[str]]:
    """The problems of one file, and the probable duplicates of its events."""
    repo = compiled.repo
    events = {r.event_id for c in repo.codings if c.file == rel
              for r in [*c.reports, *c.rejected]}
    dups = probable_duplicates(compiled.tables["events"], compiled.tables["participants"],
                               distinct_pairs([*repo.reports, *repo.rejected_reports]))
    return ([str(p) for p in compiled.problems if p.file == rel],
            [str(d) for d in dups if d.first in events or d.second in events])


def assert_same(root: Path, path: Path) -> None:
    rel = path.relative_to(root).as_posix()
    whole = compile_repository(root, sibling_files(root, path))
    checked, _ = check_file(root, path)
    assert found_for(checked, rel) == found_for(whole, rel)
    assert len(checked.repo.codings) <= len(whole.repo.codings)


@pytest.fixture(scope="module")
def scaled(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """80 generated sources, with a probable duplicate and a broken file planted."""
    root = tmp_path_factory.mktemp("scaled") / "repo"
    shutil.copytree(REPO / "schemas", root / "schemas")
    scale_repository(root, 80, seed=3)
    cited = [p for p in sorted((root / "coding").glob("src-*.yaml"))
             if "  evidence:" in p.read_text(encoding="utf-8")]
    first, other = cited[1], cited[-1]
    text = first.read_text(encoding="utf-8")
    event = text.split("- event: ", 2)[1].split("\n", 1)[0]
    twin = re.sub(r"(?m)^  canonical: true\n", "",
                  text.split("events:\n", 1)[1].split("\n- event:", 1)[0]).replace(
        event, "ev-90001")
    other.write_text(other.read_text(encoding="utf-8") + twin.rstrip("\n") + "\n",
                     encoding="utf-8")
    (root / "twin").write_text(other.name, encoding="utf-8")
    broken = root / "coding" / "src-00050.yaml"
    broken.write_text(broken.read_text(encoding="utf-8").replace("status:", "status: [", 1),
                      encoding="utf-8")
    return root


def test_the_planted_duplicate_is_found(scaled: Path) -> None:
    name = (scaled / "twin").read_text(encoding="utf-8")
    checked, _ = check_file(scaled, scaled / "coding" / name)
    problems, dups = found_for(checked, f"coding/{name}")
    assert problems == []
    assert any("ev-90001" in d for d in dups)
    assert_same(scaled, scaled / "coding" / name)


@pytest.mark.parametrize("n", [1, 10, 11, 25, 40, 50, 63, 80])
def test_check_finds_what_the_whole_compile_finds(scaled: Path, n: int) -> None:
    assert_same(scaled, scaled / "coding" / f"src-{n:05d}.yaml")


@pytest.mark.parametrize("case", CASES)
def test_check_of_each_corpus_file(case: str, repo_copy: Path) -> None:
    lay_over(repo_copy, CORPUS / "_base")
    lay_over(repo_copy, CORPUS / case)
    for path in sorted((CORPUS / case).rglob("*.yaml")):
        target = repo_copy / path.relative_to(CORPUS / case)
        if target.parent.name == "coding" and target.is_file():
            assert_same(repo_copy, target)
