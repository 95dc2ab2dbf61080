"""Probable duplicates: two event ids that may be one real-world event.

Two different events are a probable duplicate when their actions are of one family
(`FAMILIES`), their date ranges overlap (an undated event matches nothing), and they
share a counterpart country (a participant's country or a group member, CHN left out) or
name the same place. A coder who has checked a pair and found two events marks them
distinct in a report of either (`distinct_from`, codebook section 2); marked pairs are
not reported again. These are warnings, never errors: `gsi-events validate` and
`gsi-events check` print them after their summary.

The search never compares all pairs: events are bucketed by (family, country) and
(family, place), and each bucket is swept in date order, keeping only the events whose
range is still open. The work grows with the number of events (n log n) plus the number
of overlapping pairs reported.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import polars as pl

from gsi_events.coders.search import CHINA, dates_text, participant_countries

# Families of actions that may describe one event in different sources' words; every
# other action is its own family.
FAMILIES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("training_*", ("training_",)),
    ("advisers_*", ("advisers_",)),
    ("equipment_*", ("equipment_",)),
    ("agreement_*/cooperation_agreed", ("agreement_", "cooperation_agreed")),
    ("forum_hosted/meeting", ("forum_hosted", "meeting")),
    ("joint_*", ("joint_",)),
)


def family(action: str) -> str:
    """The family of an action: training_pledged -> training_*; meeting ->
    forum_hosted/meeting; mediation -> mediation."""
    for name, starts in FAMILIES:
        for s in starts:
            if action == s or (s.endswith("_") and action.startswith(s)):
                return name
    return action


def place_key(place: str | None) -> str | None:
    """A place as compared: case and spacing do not matter."""
    key = " ".join((place or "").split()).casefold()
    return key or None


@dataclass(frozen=True)
class Duplicate:
    """Two events that may be one, and why."""

    first: str
    second: str
    family: str
    actions: tuple[str, str]
    dates: tuple[str, str]
    countries: tuple[str, ...]  # counterpart countries both name
    place: str | None  # the place both name

    def why(self) -> str:
        out = [f"both {self.family} ({self.actions[0]}, {self.actions[1]})",
               f"dates overlap ({self.dates[0]}; {self.dates[1]})"]
        if self.countries:
            out.append(f"both name {', '.join(self.countries)}")
        if self.place:
            out.append(f"same place {self.place}")
        return "; ".join(out)

    def __str__(self) -> str:
        return f"{self.first} and {self.second}: {self.why()}"


def distinct_pairs(reports: Iterable[Any]) -> set[frozenset[str]]:
    """The pairs coders marked distinct: each report's event with every event of its
    `distinct_from` (gsi_events.compile.read.Report)."""
    return {frozenset((r.event_id, other)) for r in reports
            for other in getattr(r, "distinct_from", {}) if other != r.event_id}


def _sweep(bucket: list[tuple[Any, Any, str]]) -> Iterable[tuple[str, str]]:
    """Every pair of overlapping (start, end, id) ranges in the bucket."""
    bucket.sort()
    open_: list[tuple[Any, str]] = []  # (end, id), a heap: the earliest end on top
    for start, end, ident in bucket:
        while open_ and open_[0][0] < start:
            heapq.heappop(open_)
        for _, other in open_:
            yield (other, ident) if other < ident else (ident, other)
        heapq.heappush(open_, (end, ident))


def probable_duplicates(events: pl.DataFrame, participants: pl.DataFrame,
                        distinct: Iterable[Iterable[str]] = ()) -> list[Duplicate]:
    """Every probable duplicate among the events, sorted, leaving out the pairs marked
    distinct (pairs of event ids)."""
    skip = {frozenset(p) for p in distinct}
    dated = (events.filter(pl.col("date_start").is_not_null() & pl.col("date_end").is_not_null()
                           & pl.col("action").is_not_null())
             .select("event_id", "action", "date_start", "date_end", "date_precision",
                     "location_place")
             .join(participant_countries(participants), on="event_id", how="left"))
    rows = {r["event_id"]: r for r in dated.iter_rows(named=True)}
    families = {a: family(a) for a in {r["action"] for r in rows.values()}}
    buckets: dict[tuple[str, str, str], list[tuple[Any, Any, str]]] = {}
    for ident, r in rows.items():
        fam = families[r["action"]]
        span = (r["date_start"], r["date_end"], ident)
        for code in r["countries"] or ():
            if code != CHINA:
                buckets.setdefault((fam, "country", code), []).append(span)
        place = place_key(r["location_place"])
        if place:
            buckets.setdefault((fam, "place", place), []).append(span)
    shared: dict[tuple[str, str], tuple[set[str], bool]] = {}
    for (_, kind, value), bucket in buckets.items():
        if len(bucket) < 2:
            continue
        for pair in _sweep(bucket):
            if frozenset(pair) in skip:
                continue
            codes, place = shared.setdefault(pair, (set(), False))
            if kind == "country":
                codes.add(value)
            else:
                shared[pair] = (codes, True)
    shown: dict[str, str] = {}  # each event's dates, written once

    def dates(ident: str) -> str:
        if ident not in shown:
            shown[ident] = dates_text(rows[ident])
        return shown[ident]

    out = []
    for (a, b), (codes, same_place) in sorted(shared.items()):
        ra, rb = rows[a], rows[b]
        out.append(Duplicate(
            first=a, second=b, family=families[ra["action"]],
            actions=(ra["action"], rb["action"]), dates=(dates(a), dates(b)),
            countries=tuple(sorted(codes)) if len(codes) > 1 else tuple(codes),
            place=ra["location_place"] if same_place else None))
    return out


def render_warnings(duplicates: list[Duplicate]) -> str:
    """The lines `validate` and `check` print after their summary ("" when none)."""
    if not duplicates:
        return ""
    n = len(duplicates)
    head = (f"Warning: {n} probable duplicate{'s' if n != 1 else ''}: different event ids "
            "that may be one event. If they are one, keep one id and retire the other; if "
            "not, mark them in a report of either: distinct_from: [{event: ..., reason: "
            "...}] (codebook, section 2).")
    return "\n".join([head, *(f"  {d}" for d in duplicates)])
