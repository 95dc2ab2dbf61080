"""The repository's own coded data, tested so that the tests hold whatever coders add.

* Facts of the seed coding are tested as facts about src-0001..0003 (`seed_root`: a
  repository holding only the seed sources), never as repository totals.
* `check_coded_data` is what must hold of any valid repository; it runs on the seed
  copy here and, in tests/test_growth.py, on copies that coders' sources were added to.
* The live repository, coders' work in progress included, is only tested for what holds
  for any data, valid or not: reading it never crashes and validating it writes nothing.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
from click.testing import CliRunner
from conftest import REPO, SEED_SOURCES, live_copy, snapshot

from gsi_events.cli import main
from gsi_events.compile.pipeline import compile_repository
from gsi_events.compile.repository import read_repository
from gsi_events.release.codebook import update_codebook


def check_coded_data(root: Path) -> None:
    """What holds of any valid repository: it compiles with no problem, `gsi-events
    validate` exits 0 with its summary and writes nothing, and the tables agree with the
    files they were built from."""
    repo = read_repository(root)
    compiled = compile_repository(root)
    assert [str(p) for p in compiled.problems] == []
    events, evidence = compiled.tables["events"], compiled.tables["evidence"]
    sources = compiled.tables["sources"]
    assert sorted(sources["source_id"]) == sorted(s.source_id for s in repo.sources)
    assert set(events["event_id"]) == {r.event_id for r in repo.reports}
    assert evidence.height == sum(len(r.quotes) for r in repo.reports)
    assert evidence.height >= events.height
    # quoted events have an archived source; cited ones rest on cited sources only
    kinds = dict(sources.select("source_id", "kind").iter_rows())
    by_event: dict[str, set[str]] = {}
    for r in repo.reports:
        by_event.setdefault(r.event_id, set()).add(kinds[r.source_id])
    for event_id, kind in events.select("event_id", "evidence_kind").iter_rows():
        assert kind == ("quoted" if "archived" in by_event[event_id] else "cited"), event_id
    # only archived sources keep a text, and every quote is located in it
    for s in repo.sources:
        assert (root / "archive" / f"{s.source_id}.txt").is_file() == (
            s.row["kind"] == "archived"), s.source_id
    archived = [s for s, k in kinds.items() if k == "archived"]
    quoted = evidence.filter(pl.col("source_id").is_in(archived))
    assert quoted["char_start"].null_count() == 0
    assert evidence.filter(~pl.col("source_id").is_in(archived))["quote"].null_count() == (
        evidence.height - quoted.height)

    before = snapshot(root)
    result = CliRunner().invoke(main, ["validate", "--root", str(root)])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("All valid. ")
    assert f"{sources.height} sources, {events.height} events" in result.output
    assert "Traceback" not in result.output
    assert snapshot(root) == before


def test_the_seed_coding_is_valid(repo_copy: Path) -> None:
    check_coded_data(repo_copy)


def test_facts_of_the_seed_coding(seed_root: Path) -> None:
    """What src-0001..0003 say, as coded: true however many sources are added beside them."""
    repo = read_repository(seed_root)
    assert sorted(s.source_id for s in repo.sources) == list(SEED_SOURCES)
    assert {s.row["kind"] for s in repo.sources} == {"archived"}
    report = {(r.source_id, r.event_id): r.fields for r in repo.reports}
    assert report["src-0001", "ev-0002"]["count_best"] == 3000
    assert report["src-0001", "ev-0002"]["action"] == "training_pledged"
    assert report["src-0001", "ev-0004"]["count_best"] == 2700
    assert report["src-0003", "ev-0002"]["count_unit"] == "officers"
    assert report["src-0002", "ev-0012"]["action"] == "joint_patrol"
    events = compile_repository(seed_root).tables["events"]
    ev2 = events.filter(pl.col("event_id") == "ev-0002").row(0, named=True)
    assert ev2["n_sources"] == 3 and ev2["evidence_kind"] == "quoted"
    assert ev2["status"] == "announced"


def test_validating_the_live_repository_never_crashes_and_writes_nothing(
        tmp_path: Path) -> None:
    """True for any data: coders' files in progress may be invalid, so the exit status is
    0 or 1; but never a traceback, and never a written file."""
    root = live_copy(tmp_path / "live")
    before = snapshot(root)
    result = CliRunner().invoke(main, ["validate", "--root", str(root)])
    assert result.exception is None or isinstance(result.exception, SystemExit), \
        result.exception
    assert result.exit_code in (0, 1), result.output
    assert "Traceback" not in result.output
    if result.exit_code == 1:
        assert "problem" in result.output and "nothing was written" in result.output
    else:
        assert result.output.startswith("All valid. ")
    assert snapshot(root) == before


def test_the_codebook_tables_are_current() -> None:
    assert update_codebook(REPO / "docs" / "codebook.md", write=False) is False


def test_docs_check_exits_0(repo_copy: Path) -> None:
    result = CliRunner().invoke(main, ["docs", "--check", "--root", str(repo_copy)])
    assert result.exit_code == 0, result.output
    assert result.output.strip().endswith("current")
