"""Reviewing coded events: probable duplicates (warnings), the coder's `distinct_from`
mark that silences a checked pair, and reports that contradict their event's canonical
action or status (errors unless marked `disagrees`). On hand-made repositories and
generated tables only, never on the repository's own data."""

from __future__ import annotations

import datetime as dt
import itertools
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from _review_support import coding, repo_with, report
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from gsi_events.cli import main
from gsi_events.coders.duplicates import (
    Duplicate,
    distinct_pairs,
    family,
    place_key,
    probable_duplicates,
)
from gsi_events.compile import schema
from gsi_events.compile.merge import frame
from gsi_events.compile.pipeline import compile_repository

D = dt.date
ACTIONS = schema.table("events").field("action").values


# --- action families --------------------------------------------------------------------


@pytest.mark.parametrize(("action", "expected"), [
    ("training_pledged", "training_*"), ("training_delivered", "training_*"),
    ("advisers_pledged", "advisers_*"), ("advisers_deployed", "advisers_*"),
    ("equipment_pledged", "equipment_*"), ("equipment_donated", "equipment_*"),
    ("agreement_signed", "agreement_*/cooperation_agreed"),
    ("agreement_proposed", "agreement_*/cooperation_agreed"),
    ("cooperation_agreed", "agreement_*/cooperation_agreed"),
    ("forum_hosted", "forum_hosted/meeting"), ("meeting", "forum_hosted/meeting"),
    ("joint_patrol", "joint_*"),
    ("joint_exercise", "joint_*"),
    ("joint_operation", "joint_*"),
    ("mediation", "mediation"), ("peace_plan_proposed", "peace_plan_proposed"),
    ("gsi_endorsed", "gsi_endorsed"), ("gsi_promoted", "gsi_promoted"),
    ("initiative_launched", "initiative_launched"), ("document_adopted", "document_adopted"),
])
def test_action_families(action: str, expected: str) -> None:
    assert family(action) == expected


def test_every_action_of_the_vocabulary_has_a_family() -> None:
    assert {a: family(a) for a in ACTIONS}.keys() == set(ACTIONS)


def test_places_compare_without_case_or_spacing() -> None:
    assert place_key(" Belgrade ") == place_key("belgrade") == "belgrade"
    assert place_key("New  York") == place_key("new york")
    assert place_key("") is None and place_key(None) is None


# --- the search on tables ------------------------------------------------------------------


def tables(events: list[dict[str, Any]]) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Events given as {id, action, start, end, countries, members, place}."""
    rows, parts = [], []
    for e in events:
        rows.append({"event_id": e["id"], "action": e.get("action", "training_delivered"),
                     "status": "completed", "summary": f"Event {e['id']}.",
                     "date_start": e.get("start"), "date_end": e.get("end", e.get("start")),
                     "date_precision": "day" if e.get("start") else "unknown",
                     "location_place": e.get("place")})
        parts.append({"event_id": e["id"], "participant_no": 1, "role": "actor",
                      "country": "CHN"})
        for n, c in enumerate(e.get("countries", ()), 2):
            parts.append({"event_id": e["id"], "participant_no": n, "role": "target",
                          "country": c})
        if e.get("members"):
            parts.append({"event_id": e["id"], "participant_no": 9, "role": "target",
                          "group_name": "a group", "group_members": ";".join(e["members"])})
    return frame("events", rows), frame("participants", parts)


def pairs(events: list[dict[str, Any]], distinct: Any = ()) -> list[tuple[str, str]]:
    return [(d.first, d.second) for d in probable_duplicates(*tables(events), distinct)]


A = {"id": "ev-0001", "start": D(2024, 3, 1), "end": D(2024, 3, 31), "countries": ["SRB"]}


@pytest.mark.parametrize(("other", "found"), [
    ({"countries": ["SRB"]}, True),                                   # same country
    ({"countries": ["KEN", "SRB"]}, True),
    ({"countries": [], "members": ["HUN", "SRB"]}, True),             # a group member
    ({"countries": ["KEN"]}, False),                                  # no shared country
    ({"countries": ["CHN"]}, False),                                  # China never counts
    ({"countries": ["KEN"], "place": "Belgrade"}, False),             # A has no place
    ({"action": "training_pledged"}, True),                           # one family
    ({"action": "advisers_deployed"}, False),                         # another family
    ({"start": D(2024, 3, 31), "end": D(2024, 4, 2)}, True),          # overlap on one day
    ({"start": D(2024, 4, 1), "end": D(2024, 4, 2)}, False),          # the next day
    ({"start": D(2024, 1, 1), "end": D(2024, 12, 31)}, True),         # a year around it
    ({"start": None, "end": None}, False),                            # undated
])
def test_a_pair_needs_family_dates_and_a_country_or_place(other: dict[str, Any],
                                                         found: bool) -> None:
    b = {**A, "id": "ev-0002", **other}
    assert pairs([A, b]) == ([("ev-0001", "ev-0002")] if found else [])


def test_the_same_place_is_enough() -> None:
    a = {**A, "countries": ["SRB"], "place": "Belgrade"}
    b = {**A, "id": "ev-0002", "countries": ["KEN"], "place": " belgrade"}
    assert pairs([a, b]) == [("ev-0001", "ev-0002")]


def test_families_that_pair_different_actions() -> None:
    events = [{**A, "id": "ev-0001", "action": "agreement_signed"},
              {**A, "id": "ev-0002", "action": "cooperation_agreed"},
              {**A, "id": "ev-0003", "action": "forum_hosted"},
              {**A, "id": "ev-0004", "action": "meeting"},
              {**A, "id": "ev-0005", "action": "joint_patrol"},
              {**A, "id": "ev-0006", "action": "joint_exercise"},
              {**A, "id": "ev-0007", "action": "mediation"},
              {**A, "id": "ev-0008", "action": "peace_plan_proposed"}]
    assert pairs(events) == [("ev-0001", "ev-0002"), ("ev-0003", "ev-0004"),
                             ("ev-0005", "ev-0006")]


def test_a_pair_is_reported_once_with_every_reason() -> None:
    a = {**A, "countries": ["SRB", "KEN"], "members": ["HUN"], "place": "Belgrade"}
    b = {**A, "id": "ev-0002", "countries": ["HUN", "KEN", "SRB"], "place": "Belgrade",
         "start": D(2024, 3, 9), "action": "training_pledged"}
    found = probable_duplicates(*tables([a, b]))
    assert found == [Duplicate(
        first="ev-0001", second="ev-0002", family="training_*",
        actions=("training_delivered", "training_pledged"),
        dates=("2024-03-01..2024-03-31 (day)", "2024-03-09..2024-03-31 (day)"),
        countries=("HUN", "KEN", "SRB"), place="Belgrade")]
    assert str(found[0]) == (
        "ev-0001 and ev-0002: both training_* (training_delivered, training_pledged); dates "
        "overlap (2024-03-01..2024-03-31 (day); 2024-03-09..2024-03-31 (day)); both name "
        "HUN, KEN, SRB; same place Belgrade")


def test_pairs_marked_distinct_are_left_out() -> None:
    events = [A, {**A, "id": "ev-0002"}, {**A, "id": "ev-0003"}]
    assert pairs(events) == [("ev-0001", "ev-0002"), ("ev-0001", "ev-0003"),
                             ("ev-0002", "ev-0003")]
    assert pairs(events, [("ev-0002", "ev-0001")]) == [("ev-0001", "ev-0003"),
                                                       ("ev-0002", "ev-0003")]


def _naive(events: list[dict[str, Any]]) -> list[tuple[str, str]]:
    """The definition, checked on every pair: what the bucketed sweep must equal."""
    out = []
    for a, b in itertools.combinations(sorted(events, key=lambda e: e["id"]), 2):
        if a.get("start") is None or b.get("start") is None:
            continue
        if family(a["action"]) != family(b["action"]):
            continue
        if a["end"] < b["start"] or b["end"] < a["start"]:
            continue
        ca = (set(a.get("countries", ())) | set(a.get("members", ()))) - {"CHN"}
        cb = (set(b.get("countries", ())) | set(b.get("members", ()))) - {"CHN"}
        same_place = place_key(a.get("place")) is not None and \
            place_key(a.get("place")) == place_key(b.get("place"))
        if ca & cb or same_place:
            out.append((a["id"], b["id"]))
    return out


@st.composite
def small_events(draw: Any) -> list[dict[str, Any]]:
    n = draw(st.integers(0, 25))
    out = []
    for i in range(n):
        start = draw(st.none() | st.dates(D(2024, 1, 1), D(2024, 2, 29)))
        end = None if start is None else start + dt.timedelta(days=draw(st.integers(0, 40)))
        out.append({
            "id": f"ev-{i + 1:04d}",
            "action": draw(st.sampled_from(["training_pledged", "training_delivered",
                                            "meeting", "forum_hosted", "mediation"])),
            "start": start, "end": end,
            "countries": draw(st.lists(st.sampled_from(["CHN", "SRB", "KEN", "PAK"]),
                                       max_size=2, unique=True)),
            "members": draw(st.lists(st.sampled_from(["KAZ", "SRB"]), max_size=2, unique=True)),
            "place": draw(st.sampled_from([None, "Beijing", "beijing ", "Belgrade"])),
        })
    return out


@given(events=small_events())
def test_the_sweep_finds_exactly_the_pairs_of_the_definition(
        events: list[dict[str, Any]]) -> None:
    assert pairs(events) == _naive(events)


# --- marks in coding files -------------------------------------------------------------


def rules(compiled: Any) -> list[str]:
    return [p.rule for p in compiled.problems]


def test_distinct_from_is_read_and_silences_the_pair(tmp_path: Path) -> None:
    mark = {"event": "ev-0001", "reason": "a second course, for other officers"}
    root = repo_with(tmp_path, {"src-0001": [report("ev-0001")],
                                "src-0002": [report("ev-0002", distinct_from=[mark])]})
    compiled = compile_repository(root)
    assert compiled.problems == []
    r = next(r for r in compiled.repo.reports if r.event_id == "ev-0002")
    assert r.distinct_from == {"ev-0001": "a second course, for other officers"}
    assert distinct_pairs(compiled.repo.reports) == {frozenset({"ev-0001", "ev-0002"})}


@pytest.mark.parametrize(("mark", "says"), [
    ("ev-0001", "found text 'ev-0001'"),
    ([], "found a list"),
    (["ev-0001"], "found text 'ev-0001'"),
    ([{"event": "ev-0001"}], "a reason is needed"),
    ([{"event": "ev-0001", "reason": "  "}], "a reason is needed"),
    ([{"event": "ev-1", "reason": "r"}], "event must be an event id like ev-0025; found text"),
    ([{"reason": "r"}], "event must be an event id like ev-0025; event is missing"),
    ([{"event": "ev-0002", "reason": "r"}], "an event is not distinct from itself"),
    ([{"event": "ev-0001", "reason": "r", "note": "n"}], "unknown key 'note'"),
])
def test_a_malformed_distinct_mark_is_a_problem(tmp_path: Path, mark: Any, says: str) -> None:
    root = repo_with(tmp_path, {"src-0001": [report("ev-0001")],
                                "src-0002": [report("ev-0002", distinct_from=mark)]})
    problems = compile_repository(root).problems
    assert [p.rule for p in problems] == ["events.distinct_from.form"]
    assert problems[0].file == "coding/src-0002.yaml"
    assert problems[0].record.startswith("event ev-0002 (line 4)")
    assert says in problems[0].message
    assert "'- {event: ev-0025, reason: " in problems[0].message


def test_a_distinct_mark_naming_an_unknown_event_is_a_problem(tmp_path: Path) -> None:
    root = repo_with(tmp_path, {"src-0001": [report("ev-0001", distinct_from=[
        {"event": "ev-0009", "reason": "checked"}, {"event": "ev-0007", "reason": "checked"}])]})
    (root / "coding" / "retired.yaml").write_text(
        "events:\n  - id: ev-0007\n    reason: a duplicate\nsources: []\n", encoding="utf-8")
    problems = compile_repository(root).problems
    assert [str(p) for p in problems] == [
        "coding/src-0001.yaml: event ev-0001 (line 4): distinct_from names ev-0007, which no "
        "coding file reports (it is retired: coding/retired.yaml); name an event that is "
        "coded, or remove the entry [rule events.distinct_from.unknown_event]",
        "coding/src-0001.yaml: event ev-0001 (line 4): distinct_from names ev-0009, which no "
        "coding file reports; name an event that is coded, or remove the entry "
        "[rule events.distinct_from.unknown_event]"]


@pytest.mark.parametrize(("mark", "says"), [
    ([{"field": "date", "reason": "r"}], "field must be action or status; found text 'date'"),
    ([{"reason": "r"}], "field must be action or status; field is missing"),
    ([{"field": "status"}], "a reason is needed"),
    ({"field": "status", "reason": "r"}, "found a mapping"),
    (["status"], "found text 'status'"),
])
def test_a_malformed_disagrees_mark_is_a_problem(tmp_path: Path, mark: Any, says: str) -> None:
    root = repo_with(tmp_path, {"src-0001": [report("ev-0001", disagrees=mark)]})
    problems = compile_repository(root).problems
    assert [p.rule for p in problems] == ["events.disagrees.form"]
    assert says in problems[0].message
    assert "'- {field: status, reason: " in problems[0].message


# --- conflicting reports ----------------------------------------------------------------


def conflict_repo(root: Path, **marks: Any) -> Path:
    """ev-0001: a state-media report (primary) says completed, a blog says ongoing; with
    swap=True the blog is src-0001's."""
    swap = marks.pop("swap", False)
    types = ("blog", "state_media") if swap else ("state_media", "blog")
    return repo_with(root, {
        "src-0001": [report("ev-0001")],
        "src-0002": [report("ev-0001", status="ongoing", **marks)],
    }, types={"src-0001": types[0], "src-0002": types[1]})


def test_a_report_contradicting_the_canonical_status_is_an_error(tmp_path: Path) -> None:
    compiled = compile_repository(conflict_repo(tmp_path))
    assert [str(p) for p in compiled.problems] == [
        "coding/src-0002.yaml: event ev-0001 (line 4): status 'ongoing' contradicts "
        "ev-0001's canonical status 'completed', from its primary source src-0001 "
        "(coding/src-0001.yaml). If src-0002 reports another event, give it its own id; if "
        "the sources disagree, record it in this report: 'disagrees: [{field: status, "
        "reason: ...}]' (the discrepancies table keeps both readings) "
        "[rule events.report_conflicts_canonical]"]


def test_the_primary_report_is_never_the_one_in_conflict(tmp_path: Path) -> None:
    compiled = compile_repository(conflict_repo(tmp_path, swap=True))
    assert [(p.file, p.rule) for p in compiled.problems] == [
        ("coding/src-0001.yaml", "events.report_conflicts_canonical")]
    assert "status 'completed' contradicts ev-0001's canonical status 'ongoing', from its " \
           "primary source src-0002" in compiled.problems[0].message


def test_a_recorded_disagreement_is_no_error_and_stays_a_discrepancy(tmp_path: Path) -> None:
    mark = [{"field": "status", "reason": "the blog wrote before the course ended"}]
    compiled = compile_repository(conflict_repo(tmp_path, disagrees=mark))
    assert compiled.problems == []
    d = compiled.tables["discrepancies"].filter(pl.col("field") == "status")
    assert d.select("event_id", "source_id", "reported_value", "canonical_value",
                    "kind").rows() == [("ev-0001", "src-0002", "ongoing", "completed",
                                        "conflict")]


def test_an_action_conflict_needs_its_own_mark(tmp_path: Path) -> None:
    root = repo_with(tmp_path, {
        "src-0001": [report("ev-0001")],
        "src-0002": [report("ev-0001", action="training_pledged", status="announced",
                            disagrees=[{"field": "status", "reason": "an earlier report"}])],
    }, types={"src-0001": "state_media", "src-0002": "blog"})
    problems = compile_repository(root).problems
    assert [p.rule for p in problems] == ["events.report_conflicts_canonical"]
    assert problems[0].message.startswith(
        "action 'training_pledged' contradicts ev-0001's canonical action "
        "'training_delivered', from its primary source src-0001")
    coding(root, "src-0002", report(
        "ev-0001", action="training_pledged", status="announced",
        disagrees=[{"field": "status", "reason": "an earlier report"},
                   {"field": "action", "reason": "it says only that training was promised"}]))
    assert compile_repository(root).problems == []


def test_agreeing_reports_need_no_mark(tmp_path: Path) -> None:
    root = repo_with(tmp_path, {"src-0001": [report("ev-0001")],
                                "src-0002": [report("ev-0001", month="2024-04")]})
    assert compile_repository(root).problems == []


# --- the commands ----------------------------------------------------------------------


def invoke(*args: str) -> Any:
    result = CliRunner().invoke(main, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), \
        result.exception
    return result


def dup_repo(root: Path) -> Path:
    return repo_with(root, {
        "src-0001": [report("ev-0001", place="Belgrade"),
                     report("ev-0002", action="equipment_donated", countries=("KEN",))],
        "src-0002": [report("ev-0003", action="training_pledged", status="announced",
                            countries=("KEN",), place="Belgrade"),
                     report("ev-0004", action="equipment_pledged", status="announced",
                            countries=("KEN",))],
        "src-0003": [report("ev-0005", action="meeting", countries=("PAK",))],
    })


WARNING_HEAD = ("Warning: 2 probable duplicates: different event ids that may be one event. "
                "If they are one, keep one id and retire the other; if not, mark them in a "
                "report of either: distinct_from: [{event: ..., reason: ...}] (codebook, "
                "section 2).")
PAIR_1_3 = ("  ev-0001 and ev-0003: both training_* (training_delivered, training_pledged); "
            "dates overlap (2024-03-01..2024-03-31 (month); 2024-03-01..2024-03-31 (month)); "
            "same place Belgrade")
PAIR_2_4 = ("  ev-0002 and ev-0004: both equipment_* (equipment_donated, equipment_pledged); "
            "dates overlap (2024-03-01..2024-03-31 (month); 2024-03-01..2024-03-31 (month)); "
            "both name KEN")


def test_validate_warns_after_the_summary_and_exits_0(tmp_path: Path) -> None:
    root = dup_repo(tmp_path)
    result = invoke("validate", "--root", str(root))
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith("All valid. ")
    assert lines[-3:] == [WARNING_HEAD, PAIR_1_3, PAIR_2_4]


def test_a_distinct_mark_silences_the_warning(tmp_path: Path) -> None:
    root = dup_repo(tmp_path)
    coding(root, "src-0003", report("ev-0005", action="meeting", countries=("PAK",),
           distinct_from=[{"event": "ev-0004", "reason": "two deliveries, weeks apart"}]))
    # a mark on a pair that is no probable duplicate changes nothing
    assert invoke("validate", "--root", str(root)).output.splitlines()[-3:] == [
        WARNING_HEAD, PAIR_1_3, PAIR_2_4]
    coding(root, "src-0002",
           report("ev-0003", action="training_pledged", status="announced",
                  countries=("KEN",), place="Belgrade"),
           report("ev-0004", action="equipment_pledged", status="announced",
                  countries=("KEN",),
                  distinct_from=[{"event": "ev-0002", "reason": "a pledge of other kit"}]))
    result = invoke("validate", "--root", str(root))
    assert result.exit_code == 0
    assert result.output.splitlines()[-2:] == [
        WARNING_HEAD.replace("2 probable duplicates", "1 probable duplicate"), PAIR_1_3]


def test_check_warns_about_the_files_events_only(tmp_path: Path) -> None:
    root = dup_repo(tmp_path)
    result = invoke("check", "--root", str(root), str(root / "coding" / "src-0001.yaml"))
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[-3:] == [WARNING_HEAD, PAIR_1_3, PAIR_2_4]
    result = invoke("check", "--root", str(root), str(root / "coding" / "src-0003.yaml"))
    assert result.exit_code == 0
    assert "probable duplicate" not in result.output


def test_no_warning_without_duplicates(tmp_path: Path) -> None:
    root = repo_with(tmp_path, {"src-0001": [report("ev-0001")]})
    result = invoke("validate", "--root", str(root))
    assert result.exit_code == 0
    assert "Warning" not in result.output


def test_a_conflict_fails_validate(tmp_path: Path) -> None:
    result = invoke("validate", "--root", str(conflict_repo(tmp_path)))
    assert result.exit_code == 1
    assert "[rule events.report_conflicts_canonical]" in result.output


def test_the_search_does_not_compare_all_pairs() -> None:
    """20,000 events of one family naming one country, each overlapping the next: all
    pairs would be 200 million comparisons; the sweep does about 20,000 (CPU time, not
    wall time, so that a busy machine does not fail it)."""
    import time

    first = D(2000, 1, 1)
    events = [{"id": f"ev-{i:05d}", "start": first + dt.timedelta(days=i),
               "end": first + dt.timedelta(days=i + 1), "countries": ["SRB"]}
              for i in range(1, 20_001)]
    ev, parts = tables(events)
    start = time.process_time()
    found = probable_duplicates(ev, parts)
    assert time.process_time() - start < 10
    assert len(found) == 19_999
    assert (found[0].first, found[0].second) == ("ev-00001", "ev-00002")
