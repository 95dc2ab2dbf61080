"""Finding events in the coded data: is the event in this article already coded?

Pure functions over the `events` and `participants` tables (as compiled from coding/ by
`gsi_events.compile.pipeline.compile_repository`, or loaded from a release); the
`gsi-events events` command only parses its options and prints.
"""

from __future__ import annotations

import datetime as dt
import fnmatch
import re
from collections.abc import Iterable
from typing import Any

import polars as pl

CHINA = "CHN"
# participants' fields that name someone: what --text searches besides summary and place
NAME_FIELDS = ("country", "country_name", "organisation", "group_name", "group_members",
               "institution", "person", "person_office")


def participant_countries(participants: pl.DataFrame) -> pl.DataFrame:
    """event_id and `countries`: the sorted ISO3 codes of every participant's country
    and of every group's known members (CHN included), one row per event with any."""
    direct = participants.select("event_id", code=pl.col("country"))
    members = participants.select(
        "event_id", code=pl.col("group_members").str.split(";")).explode("code")
    return (pl.concat([direct, members]).drop_nulls("code").unique()
            .group_by("event_id").agg(countries=pl.col("code").sort()))


def with_counterparts(events: pl.DataFrame, participants: pl.DataFrame) -> pl.DataFrame:
    """events with `countries` (every participant country and group member) and
    `counterparts` (the same without CHN, unless CHN is the only one), both lists."""
    joined = events.join(participant_countries(participants), on="event_id", how="left")
    countries = pl.col("countries").fill_null(pl.lit([], dtype=pl.List(pl.String)))
    others = countries.list.filter(pl.element() != CHINA)
    return joined.with_columns(countries=countries).with_columns(
        counterparts=pl.when(others.list.len() > 0).then(others).otherwise(countries))


def parse_date_bound(text: str, end: bool) -> dt.date:
    """YYYY-MM-DD, YYYY-MM or YYYY as a date: the first day of the period, or with
    `end` the last. ValueError in plain words otherwise."""
    m = re.fullmatch(r"([0-9]{4})(?:-([0-9]{2})(?:-([0-9]{2}))?)?", text.strip())
    if not m:
        raise ValueError(f"{text!r} is not a date: write YYYY-MM-DD, YYYY-MM or YYYY")
    year, month, day = int(m[1]), m[2], m[3]
    try:
        if day:
            return dt.date(year, int(month), int(day))
        if month:
            first = dt.date(year, int(month), 1)
            if not end:
                return first
            return (first.replace(day=28) + dt.timedelta(days=4)).replace(day=1) \
                - dt.timedelta(days=1)
        return dt.date(year, 12, 31) if end else dt.date(year, 1, 1)
    except ValueError:
        raise ValueError(f"{text!r} is not a real calendar date") from None


def _haystack(events: pl.DataFrame, participants: pl.DataFrame) -> pl.DataFrame:
    """event_id and `haystack`: summary, place and every participant name, lower-cased."""
    names = (participants.select("event_id", text=pl.concat_str(
                 [pl.col(c).cast(pl.String) for c in NAME_FIELDS], separator=" ",
                 ignore_nulls=True))
             .group_by("event_id").agg(pl.col("text").str.join(" ")))
    return (events.select("event_id", "summary", "location_place")
            .join(names, on="event_id", how="left")
            .select("event_id", haystack=pl.concat_str(
                ["summary", "location_place", "text"], separator=" ", ignore_nulls=True
            ).str.to_lowercase()))


def find_events(events: pl.DataFrame, participants: pl.DataFrame, *,
                text: str | Iterable[str] | None = None, country: str | None = None,
                action: str | None = None, date_from: dt.date | None = None,
                date_to: dt.date | None = None) -> pl.DataFrame:
    """The events matching every criterion given, sorted by event id, with their
    `countries` and `counterparts` (see `with_counterparts`).

    - text: words (a string is split on spaces), each of which must occur, in any case,
      in the summary, the place, or a participant's name (country, organisation, group,
      institution, person or office); a word matches inside longer words ("train"
      matches "training").
    - country: an ISO3 code that is some participant's country or a group member.
    - action: an action, or a pattern with * ("training_*").
    - date_from, date_to: keep the events whose dates overlap this range (an undated
      event never does).
    """
    out = with_counterparts(events, participants)
    if text is not None:
        words = text.split() if isinstance(text, str) else [w for t in text for w in t.split()]
        if words:
            hay = _haystack(events, participants)
            cond = pl.lit(True)
            for w in words:
                cond = cond & pl.col("haystack").str.contains(w.lower(), literal=True)
            keep = hay.filter(cond)["event_id"]
            out = out.filter(pl.col("event_id").is_in(keep.implode()))
    if country is not None:
        out = out.filter(pl.col("countries").list.contains(country.strip().upper()))
    if action is not None:
        wanted = [a for a in out["action"].unique().to_list()
                  if a is not None and fnmatch.fnmatchcase(a, action.strip())]
        out = out.filter(pl.col("action").is_in(wanted))
    if date_from is not None:
        out = out.filter(pl.col("date_end") >= date_from)
    if date_to is not None:
        out = out.filter(pl.col("date_start") <= date_to)
    return out.sort("event_id")


def dates_text(row: dict[str, Any]) -> str:
    """2024-09-09 (day), 2024-09-01..2024-09-30 (month), or undated (unknown)."""
    p, s, e = row.get("date_precision"), row.get("date_start"), row.get("date_end")
    if s is None or e is None:
        return f"undated ({p or 'unknown'})"
    return f"{s} ({p})" if s == e else f"{s}..{e} ({p})"


def count_text(row: dict[str, Any]) -> str:
    """3,000 officers; 1,000-3,000 officers; at least 10 officers; no count."""
    best, low, high = row.get("count_best"), row.get("count_low"), row.get("count_high")
    unit = row.get("count_unit") or ""
    if best is not None:
        n = f"{best:,}"
    elif low is not None and high is not None:
        n = f"{low:,}-{high:,}"
    elif low is not None:
        n = f"at least {low:,}"
    elif high is not None:
        n = f"up to {high:,}"
    else:
        return "no count"
    return f"{n} {unit}".rstrip()


def describe(row: dict[str, Any]) -> str:
    """One readable line: id | dates | action (status) | counterparts | count | sources |
    summary. The summary is whole."""
    countries = ";".join(row.get("counterparts") or []) or "no country"
    n = row.get("n_sources") or 0
    return " | ".join([
        str(row["event_id"]), dates_text(row), f"{row.get('action')} ({row.get('status')})",
        countries, count_text(row), f"{n} source{'s' if n != 1 else ''}",
        " ".join(str(row.get("summary") or "").split()),  # one line, every word
    ])
