"""Ready to grow: adding sources the way coders do keeps the data valid, and every check of
the real data still holds after it.

A new archived source (`gsi-events add-source FILE`) and a new cited one (`gsi-events
add-source --cited`) are added through the command line, scaffolded (`gsi-events code`)
and coded; an event reported by both is quoted, one reported by the cited source alone is
cited. On a seed-only copy the result must be valid and pass `check_coded_data` (the
checks tests/test_data.py runs on the real data). On a copy of the live repository, coders'
work in progress included, adding them must change no problem: whatever is wrong there
stays exactly as wrong, and nothing is wrong with the new files.
"""

from __future__ import annotations

import re
import uuid
from pathlib import Path

import polars as pl
from click.testing import CliRunner
from conftest import live_copy, seed_copy, snapshot
from test_data import check_coded_data

from gsi_events.cli import main
from gsi_events.compile.pipeline import compile_repository

ARCHIVED_TEXT = """Home | World | Sign in
Vientiane, 8 October 2024 -- China on Tuesday donated 20 patrol cars to the police of Laos,
the Lao Ministry of Public Security said. ({tag})
The handover took place in Vientiane.
Read more: other stories
"""


def run(root: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, [*args[:1], "--root", str(root), *args[1:]])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    assert "Traceback" not in result.output
    return result.exit_code, result.output


def free_event_ids(root: Path, n: int) -> list[str]:
    """n event ids that no file under coding/ mentions (as an event, a link or a mark)."""
    used = {int(m) for p in (root / "coding").rglob("*.yaml") if p.is_file()
            for m in re.findall(r"ev-([0-9]{4,})", p.read_text(encoding="utf-8",
                                                               errors="replace"))}
    start = max(used, default=0) + 1
    return [f"ev-{k:04d}" for k in range(start, start + n)]


def add_sources(root: Path, tmp_path: Path) -> tuple[str, str]:
    """Add an archived and a cited source through the CLI; their ids."""
    tag = uuid.uuid4().hex  # unique text and addresses, whatever the repository holds
    capture = tmp_path / "capture.txt"
    capture.write_text(ARCHIVED_TEXT.format(tag=tag), encoding="utf-8")
    code, out = run(root, "add-source", str(capture),
                    "--url", f"https://example.org/laos-cars/{tag}",
                    "--publisher", "Xinhua", "--type", "state_media",
                    "--published", "2024-10-08", "--published-basis", "the dateline",
                    "--body-begins", "Vientiane, 8 October 2024",
                    "--body-ends", "The handover took place in Vientiane.")
    assert code == 0, out
    archived = re.findall(r"src-[0-9]{4,}", out)[0]
    code, out = run(root, "add-source", "--cited",
                    "--url", f"https://example.org/cited/laos-cars/{tag}",
                    "--publisher", "Example Times", "--title", "Chinese cars for Lao police",
                    "--published", "2024-10-09", "--published-basis", "the dateline",
                    "--accessed", "2026-12-01")
    assert code == 0, out
    cited = re.findall(r"src-[0-9]{4,}", out)[0]
    assert archived != cited
    assert (root / f"archive/{archived}.txt").is_file()
    assert not (root / f"archive/{cited}.txt").exists()
    assert "kind: cited" in (root / f"archive/{cited}.yaml").read_text(encoding="utf-8")
    return archived, cited


PARTICIPANTS = """    participants:
      - role: actor
        country: CHN
      - role: target
        country: LAO
        institution: Ministry of Public Security
"""


def code_sources(root: Path, archived: str, cited: str) -> tuple[str, str]:
    """Scaffold both sources with `gsi-events code`, then write a valid coding of each: one
    event both report (quotes from the archived one, notes from the cited one) and one
    only the cited source reports. The two event ids."""
    for sid in (archived, cited):
        code, out = run(root, "code", sid, "--coder", "newcoder")
        assert code == 0, out
        assert f"source: {sid}" in (root / f"coding/{sid}.yaml").read_text(encoding="utf-8")
    both, only_cited = free_event_ids(root, 2)
    donation = """  - event: {event}
    action: equipment_donated
    status: completed
    summary: China donated 20 patrol cars to the police of Laos in Vientiane.
    gsi_framing: contextual
    umbrella: false
    date_start: 2024-10-08
    date_end: 2024-10-08
    date_precision: day
    location_place: Vientiane
    location_country: LAO
    count_best: 20
    count_unit: items
    count_kind: patrol cars
"""
    (root / f"coding/{archived}.yaml").write_text(
        f"source: {archived}\ncoder: newcoder\nevents:\n" + donation.format(event=both)
        + PARTICIPANTS + """    quotes:
      - quote: China on Tuesday donated 20 patrol cars to the police of Laos,
        supports: [action, status, count, date, participants]
      - quote: The handover took place in Vientiane.
        supports: [location]
""", encoding="utf-8")
    (root / f"coding/{cited}.yaml").write_text(
        f"source: {cited}\ncoder: newcoder\nevents:\n" + donation.format(event=both)
        + PARTICIPANTS + f"""    evidence:
      - locator: paragraph 1
        note: China gave twenty patrol cars to the Lao police in Vientiane on 8 October 2024.
        supports: [action, status, count, date, location, participants]
  - event: {only_cited}
    action: training_pledged
    status: announced
    summary: China promised to train Lao police officers in the use of the cars.
    gsi_framing: contextual
    umbrella: false
    date_precision: unknown
""" + PARTICIPANTS + """    evidence:
      - locator: paragraph 4
        note: China also promised training for the Lao officers who will drive the cars.
        supports: [action, status, participants]
""", encoding="utf-8")
    return both, only_cited


def test_adding_an_archived_and_a_cited_source_keeps_the_seed_data_valid(
        tmp_path: Path) -> None:
    root = seed_copy(tmp_path / "repo")
    archived, cited = add_sources(root, tmp_path)
    both, only_cited = code_sources(root, archived, cited)
    code, out = run(root, "validate")
    assert code == 0, out
    for sid in (archived, cited):
        code, out = run(root, "check", f"coding/{sid}.yaml")
        assert code == 0, out
    check_coded_data(root)  # every check of the real data, on the grown copy

    tables = compile_repository(root).tables
    events = tables["events"]
    row = {e: events.filter(pl.col("event_id") == e).row(0, named=True)
           for e in (both, only_cited)}
    assert row[both]["evidence_kind"] == "quoted" and row[both]["n_sources"] == 2
    assert row[both]["count_best"] == 20 and row[both]["count_kind"] == "patrol cars"
    assert row[only_cited]["evidence_kind"] == "cited"
    kinds = dict(tables["sources"].select("source_id", "kind").iter_rows())
    assert (kinds[archived], kinds[cited]) == ("archived", "cited")
    notes = tables["evidence"].filter(pl.col("source_id") == cited)
    assert notes["quote"].null_count() == notes.height and notes["char_start"].null_count() == (
        notes.height)
    # the grown data builds
    code, out = run(root, "build", "--out", str(tmp_path / "out"))
    assert code == 0, out
    assert (tmp_path / "out" / "events.parquet").is_file()


def test_adding_sources_to_the_live_data_changes_no_problem(tmp_path: Path) -> None:
    """On a copy of the repository as it is now: valid or not, adding two correctly coded
    sources neither fixes nor causes a problem."""
    root = live_copy(tmp_path / "live")
    before = {str(p) for p in compile_repository(root).problems}
    archived, cited = add_sources(root, tmp_path)
    both, only_cited = code_sources(root, archived, cited)
    snap = snapshot(root)
    grown = compile_repository(root)
    after = {str(p) for p in grown.problems}
    assert sorted(after - before) == [] and sorted(before - after) == []
    code, out = run(root, "validate")
    assert code == (1 if before else 0), out
    problem_lines = [line for line in out.splitlines() if "[rule " in line]
    assert not [line for line in problem_lines if archived in line or cited in line]
    assert snapshot(root) == snap
    assert {both, only_cited} <= set(grown.tables["events"]["event_id"])
