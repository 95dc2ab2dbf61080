"""Mutations of the coders' review marks (`distinct_from`, `disagrees`) and of a report
that contradicts its event's canonical action or status (gsi_events.compile.read)."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from gsi_events.compile import schema
from gsi_events.testing.mutations import Case, Target, mutation
from gsi_events.testing.mutations.tools import pick_report, report_target


@mutation("events.distinct_from.form")
def _distinct_form(case: Case) -> Target:
    stem, i, r = pick_report(case)
    form = case.draw(st.sampled_from([
        [{"event": r["event"], "reason": "the same event"}],  # itself
        [{"event": "ev-0001"}],  # no reason
        "ev-0001",  # not a list
    ]))
    r["distinct_from"] = form
    return report_target(case, stem, i)


@mutation("events.disagrees.form")
def _disagrees_form(case: Case) -> Target:
    stem, i, r = pick_report(case)
    r["disagrees"] = case.draw(st.sampled_from([
        [{"field": "date_start", "reason": "another date"}],  # not action or status
        [{"field": "status"}],  # no reason
        ["status"],
    ]))
    return report_target(case, stem, i)


@mutation("events.distinct_from.unknown_event")
def _distinct_unknown(case: Case) -> Target:
    stem, i, r = pick_report(case)
    used = {int(e.split("-")[1]) for e in case.dataset.event_ids()}
    missing = next(n for n in range(9000, 10**6) if n not in used)
    r["distinct_from"] = [{"event": f"ev-{missing:04d}", "reason": "checked: another course"}]
    return report_target(case, stem, i)


def _statuses(action: str) -> list[str]:
    return list(schema.action_attribute("statuses")[action] or [])


@mutation("events.report_conflicts_canonical")
def _conflict(case: Case) -> Target:
    multi = [e for e in case.dataset.event_ids() if len(case.dataset.reports_of(e)) > 1]
    event = case.draw(st.sampled_from(multi))
    reports = case.dataset.reports_of(event)
    primary = case.draw(st.sampled_from(reports))
    for _, _, r in reports:  # the primary report is the one marked canonical
        r.pop("canonical", None)
    primary[2]["canonical"] = True
    stem, i, other = case.draw(st.sampled_from([x for x in reports if x is not primary]))
    action = str(primary[2]["action"])
    status = str(primary[2]["status"])
    others = [s for s in _statuses(action) if s != status]
    changed: dict[str, Any]
    if others:  # another status the same action allows
        changed = {"status": case.draw(st.sampled_from(others))}
    else:  # another action, with a status it allows
        actions = [a for a in schema.table("events").field("action").values if a != action]
        new = case.draw(st.sampled_from(actions))
        changed = {"action": new, "status": _statuses(new)[0]}
    other.update(changed)
    other.pop("disagrees", None)
    return report_target(case, stem, i)
