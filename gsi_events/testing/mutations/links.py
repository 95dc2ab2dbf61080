"""Mutations of the links between events: a `part_of` link to an event that is not an
umbrella, and `follows` or `part_of` links that lead back to where they start."""

from __future__ import annotations

from hypothesis import strategies as st

from gsi_events.testing.mutations import Case, Target, mutation
from gsi_events.testing.mutations.tools import report_target


def _two_events(case: Case) -> tuple[str, str]:
    events = case.dataset.event_ids()
    a, b = case.draw(st.lists(st.sampled_from(events), min_size=2, max_size=2, unique=True))
    return a, b


@mutation("event_links.part_of_targets_umbrella")
def _part_of_a_single_event(case: Case) -> Target:
    a, b = _two_events(case)
    for _, _, r in case.dataset.reports_of(b):
        r["umbrella"] = False
    stem, i, r = case.draw(st.sampled_from(case.dataset.reports_of(a)))
    r.setdefault("links", []).append({"relation": "part_of", "event": b})
    return report_target(case, stem, i)


@mutation("event_links.links_form_no_cycle")
def _follows_back(case: Case) -> Target:
    a, b = _two_events(case)
    stem, i, r = case.draw(st.sampled_from(case.dataset.reports_of(a)))
    r.setdefault("links", []).append({"relation": "follows", "event": b})
    _, _, back = case.draw(st.sampled_from(case.dataset.reports_of(b)))
    back.setdefault("links", []).append({"relation": "follows", "event": a})
    return report_target(case, stem, i)
