"""Merging reports into tables (compile/merge.py): what the merge keeps once is still
checked in every report that gives it."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest

from gsi_events import testing
from gsi_events.compile import schema
from gsi_events.problems import Problem

NOTE = schema.table("event_links").field("note")
BAD_NOTES = {"event_links.note.length": "x" * ((NOTE.max_length or 600) + 1),
             "event_links.note.characters": "on the margins\u202e of the forum"}


def _repeated_link(position: int, rule: str, rejected: bool
                   ) -> tuple[testing.Dataset, str, str]:
    """A valid dataset in which every report of an event reported by two or more sources
    gives the same link, and the report at `position` (in file order) a note that breaks
    `rule` (and, when `rejected`, a count that cannot be read, which keeps the report out
    of the tables); the bad note's file and record."""
    dataset = copy.deepcopy(testing.example_dataset(multi=True, max_sources=3, max_events=4))
    event = next(e for e in dataset.event_ids() if len(dataset.reports_of(e)) > 1)
    target = next(e for e in dataset.event_ids() if e != event)
    reports = dataset.reports_of(event)
    for n, (_, _, r) in enumerate(reports):
        note = BAD_NOTES[rule] if n == position else "said in the same paragraph"
        r["links"] = [{"relation": "may_overlap", "event": target, "note": note}]
    stem, index, bad = reports[position]
    if rejected:
        bad["count_best"] = "3,000"
    return dataset, dataset.coding_path(stem), dataset.label(stem, index) + ", link 1"


@pytest.mark.parametrize("rejected", [False, True])
@pytest.mark.parametrize("rule", sorted(BAD_NOTES))
@pytest.mark.parametrize("position", [0, 1])
def test_a_bad_value_in_a_repeated_link_is_reported_where_it_is(
        tmp_path: Path, position: int, rule: str, rejected: bool) -> None:
    """The links table keeps a link that several reports give once; a bad note in any
    of them, tabled or not, is still reported, naming the file and the link it is in."""
    dataset, file, record = _repeated_link(position, rule, rejected)
    problems: list[Problem] = testing.compile_dataset(dataset, tmp_path).problems
    hits = [p for p in problems if p.rule == rule]
    assert len(hits) == 1, problems
    assert hits[0].file == file
    assert hits[0].record.startswith(record), hits[0].record
    others = {p.rule for p in problems if p.rule != rule}
    assert others == ({"events.count_best.type"} if rejected else set()), problems
