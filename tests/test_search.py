"""Finding events (gsi_events.coders.search, `gsi-events events`): on small tables and
hand-made repositories, never on the repository's own data."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest
from _review_support import repo_with, report
from click.testing import CliRunner

from gsi_events.cli import main
from gsi_events.coders.search import (
    count_text,
    describe,
    find_events,
    parse_date_bound,
    with_counterparts,
)
from gsi_events.compile.merge import frame

D = dt.date


def tables() -> tuple[pl.DataFrame, pl.DataFrame]:
    events = frame("events", [
        {"event_id": "ev-0001", "action": "training_delivered", "status": "completed",
         "summary": "China trained 300 Serbian police officers in Belgrade.",
         "date_start": D(2024, 3, 1), "date_end": D(2024, 3, 31), "date_precision": "month",
         "location_place": "Belgrade", "count_best": 300, "count_unit": "officers",
         "n_sources": 2},
        {"event_id": "ev-0002", "action": "training_pledged", "status": "announced",
         "summary": "Wang Xiaohong announced training for Central Asian police.",
         "date_start": D(2024, 9, 9), "date_end": D(2024, 9, 9), "date_precision": "day",
         "count_low": 1000, "count_high": 3000, "count_unit": "officers", "n_sources": 1},
        {"event_id": "ev-0003", "action": "forum_hosted", "status": "completed",
         "summary": "China hosted a security forum in Lianyungang.", "date_precision": "unknown",
         "location_place": "Lianyungang", "n_sources": 1},
    ])
    participants = frame("participants", [
        {"event_id": "ev-0001", "participant_no": 1, "role": "actor", "country": "CHN",
         "institution": "Ministry of Public Security"},
        {"event_id": "ev-0001", "participant_no": 2, "role": "target", "country": "SRB",
         "country_name": "Serbia"},
        {"event_id": "ev-0002", "participant_no": 1, "role": "actor", "country": "CHN",
         "person": "Wang Xiaohong"},
        {"event_id": "ev-0002", "participant_no": 2, "role": "target",
         "group_name": "Central Asia", "group_members": "KAZ;KGZ;TJK;TKM;UZB"},
        {"event_id": "ev-0003", "participant_no": 1, "role": "actor", "country": "CHN"},
    ])
    return events, participants


def ids(df: pl.DataFrame) -> list[str]:
    return df["event_id"].to_list()


def test_counterparts_leave_out_china_unless_it_is_the_only_country() -> None:
    out = with_counterparts(*tables())
    assert out["counterparts"].to_list() == [["SRB"], ["KAZ", "KGZ", "TJK", "TKM", "UZB"],
                                             ["CHN"]]
    assert out["countries"].to_list()[0] == ["CHN", "SRB"]


def test_an_event_without_participants_has_no_counterparts() -> None:
    events, participants = tables()
    out = with_counterparts(events, participants.filter(pl.col("event_id") != "ev-0003"))
    assert out["counterparts"].to_list()[2] == []
    assert describe(out.row(2, named=True)).split(" | ")[3] == "no country"


def test_no_criteria_lists_every_event_by_id() -> None:
    assert ids(find_events(*tables())) == ["ev-0001", "ev-0002", "ev-0003"]


@pytest.mark.parametrize(("text", "expected"), [
    ("police", ["ev-0001", "ev-0002"]),
    ("POLICE belgrade", ["ev-0001"]),       # every word, any case
    ("train", ["ev-0001", "ev-0002"]),      # inside longer words
    ("lianyungang", ["ev-0003"]),           # the place
    ("serbia", ["ev-0001"]),                # a participant's country name
    ("ministry", ["ev-0001"]),              # an institution
    ("wang central", ["ev-0002"]),          # a person and a group, across participants
    ("police forum", []),
    ("", ["ev-0001", "ev-0002", "ev-0003"]),
])
def test_text_needs_every_word(text: str, expected: list[str]) -> None:
    assert ids(find_events(*tables(), text=text)) == expected


def test_country_matches_a_participant_or_a_group_member() -> None:
    assert ids(find_events(*tables(), country="srb")) == ["ev-0001"]
    assert ids(find_events(*tables(), country="UZB")) == ["ev-0002"]
    assert ids(find_events(*tables(), country="CHN")) == ["ev-0001", "ev-0002", "ev-0003"]
    assert ids(find_events(*tables(), country="FRA")) == []


def test_action_exact_or_pattern() -> None:
    assert ids(find_events(*tables(), action="training_pledged")) == ["ev-0002"]
    assert ids(find_events(*tables(), action="training_*")) == ["ev-0001", "ev-0002"]
    assert ids(find_events(*tables(), action="training")) == []


@pytest.mark.parametrize(("start", "end", "expected"), [
    (D(2024, 3, 31), None, ["ev-0001", "ev-0002"]),   # overlaps on the last day
    (D(2024, 4, 1), None, ["ev-0002"]),
    (None, D(2024, 3, 1), ["ev-0001"]),
    (D(2024, 4, 1), D(2024, 9, 8), []),
    (D(2024, 1, 1), D(2024, 12, 31), ["ev-0001", "ev-0002"]),  # undated never match
])
def test_dates_overlap(start: dt.date | None, end: dt.date | None,
                       expected: list[str]) -> None:
    assert ids(find_events(*tables(), date_from=start, date_to=end)) == expected


def test_criteria_combine() -> None:
    assert ids(find_events(*tables(), text="police", country="KAZ",
                           date_from=D(2024, 9, 1))) == ["ev-0002"]


def test_one_readable_line_with_the_whole_summary() -> None:
    events, participants = tables()
    long = "China trained police officers " + "and more officers " * 40 + "in Belgrade."
    events = events.with_columns(summary=pl.when(pl.col("event_id") == "ev-0001")
                                 .then(pl.lit(long)).otherwise("summary"))
    lines = [describe(r) for r in find_events(events, participants).iter_rows(named=True)]
    assert lines[0] == ("ev-0001 | 2024-03-01..2024-03-31 (month) | training_delivered "
                        f"(completed) | SRB | 300 officers | 2 sources | {long}")
    assert lines[1] == ("ev-0002 | 2024-09-09 (day) | training_pledged (announced) | "
                        "KAZ;KGZ;TJK;TKM;UZB | 1,000-3,000 officers | 1 source | "
                        "Wang Xiaohong announced training for Central Asian police.")
    assert lines[2] == ("ev-0003 | undated (unknown) | forum_hosted (completed) | CHN | "
                        "no count | 1 source | China hosted a security forum in Lianyungang.")


def test_count_text() -> None:
    assert count_text({"count_best": 2700, "count_unit": "officers"}) == "2,700 officers"
    assert count_text({"count_low": 51, "count_unit": "officers"}) == "at least 51 officers"
    assert count_text({"count_high": 10, "count_unit": "items"}) == "up to 10 items"
    assert count_text({}) == "no count"


@pytest.mark.parametrize(("text", "end", "expected"), [
    ("2024", False, D(2024, 1, 1)), ("2024", True, D(2024, 12, 31)),
    ("2024-02", True, D(2024, 2, 29)), ("2023-12", True, D(2023, 12, 31)),
    ("2024-02", False, D(2024, 2, 1)), ("2024-09-09", True, D(2024, 9, 9)),
])
def test_date_bounds(text: str, end: bool, expected: dt.date) -> None:
    assert parse_date_bound(text, end) == expected


@pytest.mark.parametrize("text", ["2024/09/09", "24", "2024-13", "2024-02-30", "soon"])
def test_bad_date_bounds(text: str) -> None:
    with pytest.raises(ValueError, match="date"):
        parse_date_bound(text, end=False)


def test_the_command_lists_the_checkouts_coded_events(tmp_path: Path) -> None:
    root = repo_with(tmp_path, {
        "src-0001": [report("ev-0001", countries=("SRB",), place="Belgrade"),
                     report("ev-0002", action="training_pledged", status="announced",
                            month="2024-09", countries=("KEN",))],
        "src-0002": [report("ev-0001", countries=("SRB",), place="Belgrade")],
    })
    run = CliRunner().invoke(main, ["events", "--root", str(root), "--text", "belgrade",
                                    "--country", "SRB", "--from", "2024-03", "--to", "2024"])
    assert run.exit_code == 0, run.output
    assert run.output.splitlines() == [
        "ev-0001 | 2024-03-01..2024-03-31 (month) | training_delivered (completed) | SRB | "
        "no count | 2 sources | Test event ev-0001: training_delivered with SRB.",
        "1 of 2 events match."]
    run = CliRunner().invoke(main, ["events", "--root", str(root), "--action", "*_pledged"])
    assert run.output.splitlines()[-1] == "1 of 2 events match."
    run = CliRunner().invoke(main, ["events", "--root", str(root), "--from", "2024-02-30"])
    assert run.exit_code == 2
    assert "Invalid value for --from: '2024-02-30' is not a real calendar date" in run.output
