"""Mutations of the cross-field and cross-table rules listed under `rules:` in schemas/."""

from __future__ import annotations

import datetime as dt

import polars as pl
from hypothesis import strategies as st

from gsi_events.compile import schema
from gsi_events.loading import sha256
from gsi_events.testing.generate import evidence_of
from gsi_events.testing.mutations import Case, Target, mutation
from gsi_events.testing.mutations.tools import (
    event_target,
    evidence_target,
    items_of,
    pick_report,
    pick_source,
    report_target,
    set_cell,
    source_target,
    table_mutation,
    table_row,
)
from gsi_events.testing.values import SENTINEL

# -- cross-field and cross-table rules ---------------------------------------------------


@mutation("sources.published_dates_match_precision")
def _published_dates(case: Case) -> Target:
    sid = pick_source(case)
    rec = case.dataset.sources[sid]
    rec.update(published_precision="day", published_start=dt.date(2024, 1, 1),
               published_end=dt.date(2024, 1, 2))
    return source_target(case, sid)


@mutation("sources.archived_text_matches_hash")
def _text_edited(case: Case) -> Target:
    sid = pick_source(case, "archived")
    case.dataset.texts[sid] = case.dataset.texts[sid] + b"\nEdited after coding."
    return source_target(case, sid)


@mutation("sources.body_markers_found")
def _body_markers(case: Case) -> Target:
    sid = pick_source(case, "archived")
    case.dataset.sources[sid]["body_begins"] = "words that are not in the text"
    return source_target(case, sid)


@mutation("sources.body_markers_once")
def _body_marker_twice(case: Case) -> Target:
    """A body marker that occurs twice: the source id with its sentinel, which generated
    texts carry in both body_begins and body_ends."""
    sid = pick_source(case, "archived")
    case.dataset.sources[sid]["body_begins"] = f"{SENTINEL}{sid}"
    return source_target(case, sid)


@mutation("events.dates_before_publication")
def _after_publication(case: Case) -> Target:
    """A report of a completed event dated the day after its source was published."""
    statuses = {a: v or [] for a, v in schema.action_attribute("statuses").items()}
    stem, i, r = pick_report(case)
    if "completed" not in statuses.get(r["action"], []):
        r["action"] = next(a for a, s in sorted(statuses.items()) if "completed" in s)
    published = dt.date(2024, 9, 13)
    sid = case.dataset.codings[stem]["source"]
    case.dataset.sources[sid].update(published_precision="day", published_start=published,
                                     published_end=published)
    after = published + dt.timedelta(days=1)
    r.update(status="completed", date_precision="day", date_start=after, date_end=after)
    return report_target(case, stem, i)


@mutation("events.status_allowed_for_action")
def _status(case: Case) -> Target:
    stem, i, r = pick_report(case)
    allowed = schema.action_attribute("statuses")[r["action"]] or []
    r["status"] = next(s for s in schema.table("events").field("status").values
                       if s not in allowed)
    return report_target(case, stem, i)


@mutation("events.date_order")
def _date_order(case: Case) -> Target:
    stem, i, r = pick_report(case)
    r["covers_start"], r["covers_end"] = dt.date(2024, 2, 1), dt.date(2024, 1, 31)
    return report_target(case, stem, i)


@mutation("events.dates_match_precision")
def _dates_precision(case: Case) -> Target:
    stem, i, r = pick_report(case)
    r.update(date_start=dt.date(2024, 3, 15), date_end=dt.date(2024, 3, 15),
             date_precision="month")
    return report_target(case, stem, i)


@mutation("events.covers_both_or_neither")
def _covers(case: Case) -> Target:
    stem, i, r = pick_report(case)
    r["covers_start"] = dt.date(2024, 1, 1)
    r.pop("covers_end", None)
    return report_target(case, stem, i)


@mutation("events.count_order")
def _count_order(case: Case) -> Target:
    stem, i, r = pick_report(case)
    r.update(count_low=10, count_best=5, count_unit="officers")
    r.pop("count_high", None)
    return report_target(case, stem, i)


@mutation("events.count_has_unit")
def _count_unit(case: Case) -> Target:
    stem, i, r = pick_report(case)
    r["count_best"] = 5
    r.pop("count_unit", None)
    return report_target(case, stem, i)


@mutation("events.codes_match_action")
def _cameo(case: Case) -> Target:
    return table_mutation(case, "events", "cameo_code", "0999")


@mutation("events.aggregates_flag_correct")
def _aggregates(case: Case) -> Target:
    return table_row(case, "events", lambda df, i: set_cell(
        df, i, "recommended_for_aggregates", not df["recommended_for_aggregates"][i]))


@mutation("events.every_event_has_evidence")
def _n_sources(case: Case) -> Target:
    return table_row(case, "events", lambda df, i: set_cell(
        df, i, "n_sources", df["n_sources"][i] + 1))


@mutation("events.every_event_has_actor")
def _no_actor(case: Case) -> Target:
    event = case.draw(st.sampled_from(case.dataset.event_ids()))
    for _, _, r in case.dataset.reports_of(event):
        for p in r["participants"]:
            if p.get("role") == "actor":
                p["role"] = "partner"
    return event_target(case, event)


@mutation("events.values_are_quoted")
def _unquoted(case: Case) -> Target:
    event = case.draw(st.sampled_from(case.dataset.event_ids()))
    for _, _, r in case.dataset.reports_of(event):
        for q in evidence_of(r):
            q["supports"] = [a for a in q["supports"] if a != "action"] or ["status"]
    return event_target(case, event)


@mutation("participants.participant_is_identified")
def _unidentified(case: Case) -> Target:
    stem, i, p = case.draw(st.sampled_from(items_of(case, "participants")))
    for k in ("country", "organisation", "group_name", "group_members", "group_size"):
        p.pop(k, None)
    p["institution"] = "Ministry of Public Security"
    return report_target(case, stem, i)


@mutation("participants.person_has_office")
def _person_office(case: Case) -> Target:
    stem, i, p = case.draw(st.sampled_from(items_of(case, "participants")))
    p["person"] = "Wang Xiaohong"
    p.pop("person_office", None)
    return report_target(case, stem, i)


@mutation("participants.group_fields_need_group")
def _group_fields(case: Case) -> Target:
    stem, i, p = case.draw(st.sampled_from(items_of(case, "participants")))
    p.pop("group_name", None)
    p.pop("group_members", None)
    p["country"] = "CHN"
    p["group_size"] = 3
    return report_target(case, stem, i)


@mutation("participants.country_names_match")
def _country_name(case: Case) -> Target:
    return table_mutation(case, "participants", "country_name", "Atlantis")


@mutation("evidence.quote_in_source")
def _quote_missing(case: Case) -> Target:
    stem, i, r = pick_report(case, kind="archived")
    r["quotes"][0]["quote"] = "words this source never printed"
    return report_target(case, stem, i, ", quote 1")


@mutation("evidence.quote_in_article_body")
def _quote_in_furniture(case: Case) -> Target:
    stem, i, r = pick_report(case, kind="archived")
    sid = case.dataset.codings[stem]["source"]
    furniture = "Sign up for our newsletter today"
    raw = case.dataset.texts[sid] + ("\n" + furniture).encode()
    case.dataset.texts[sid] = raw
    rec = case.dataset.sources[sid]
    rec["sha256"], rec["bytes"] = sha256(raw), len(raw)
    r["quotes"][0]["quote"] = furniture
    return report_target(case, stem, i, ", quote 1")


@mutation("evidence.offsets_match_quote")
def _offsets(case: Case) -> Target:
    return table_row(case, "evidence", lambda df, i: set_cell(
        df, i, "char_end", df["char_end"][i] + 1), where=pl.col("char_end").is_not_null())


@mutation("event_links.link_not_to_itself")
def _self_link(case: Case) -> Target:
    stem, i, r = pick_report(case)
    r.setdefault("links", []).append({"relation": "follows", "event": r["event"]})
    return report_target(case, stem, i)


@mutation("event_links.foreign_key.target_event_id")
def _dangling_link(case: Case) -> Target:
    stem, i, r = pick_report(case)
    r.setdefault("links", []).append({"relation": "follows", "event": "ev-99999999"})
    return report_target(case, stem, i)


@mutation("event_links.fulfils_links_delivery_to_pledge")
def _fulfils(case: Case) -> Target:
    events = case.dataset.event_ids()
    a, b = case.draw(st.lists(st.sampled_from(events), min_size=2, max_size=2, unique=True))
    kind = {e: schema.action_attribute("kind")[case.dataset.reports_of(e)[0][2]["action"]]
            for e in (a, b)}
    if kind[a] == "delivery" and kind[b] == "pledge":
        a, b = b, a
    stem, i, r = case.draw(st.sampled_from(case.dataset.reports_of(a)))
    r.setdefault("links", []).append({"relation": "fulfils", "event": b})
    return report_target(case, stem, i)




# -- cited sources, and what evidence must say in writing -------------------------------


@mutation("sources.fields_match_kind")
def _fields_of_kind(case: Case) -> Target:
    """A cited source without the day it was read (a date_accessed)."""
    sid = pick_source(case, "cited")
    case.dataset.sources[sid].pop("date_accessed", None)
    return source_target(case, sid)


@mutation("evidence.matches_source_kind")
def _quote_with_locator(case: Case) -> Target:
    """A quote from an archived source that also gives a locator, as cited evidence does."""
    stem, i, r = pick_report(case, kind="archived")
    evidence_of(r)[0]["locator"] = "paragraph 2"
    return evidence_target(case, stem, i, 1)


@mutation("events.count_kind_with_items")
def _count_kind(case: Case) -> Target:
    """A kind of item named for a count that is not of items (or none for one that is)."""
    stem, i, r = pick_report(case)
    if r.get("count_unit") == "items":
        r.pop("count_kind", None)
    else:
        r["count_kind"] = "vehicles"
    return report_target(case, stem, i)


@mutation("events.value_complete")
def _value_incomplete(case: Case) -> Target:
    """A money value without its currency."""
    stem, i, r = pick_report(case)
    r.setdefault("value_amount", 5)
    r.setdefault("value_year", 2024)
    r.pop("value_currency", None)
    return report_target(case, stem, i)


@mutation("events.evidence_kind_correct")
def _evidence_kind(case: Case) -> Target:
    return table_row(case, "events", lambda df, i: set_cell(
        df, i, "evidence_kind", "cited" if df["evidence_kind"][i] == "quoted" else "quoted"))


# A number no generated text writes, so evidence that supports it says it nowhere.
UNWRITTEN = 987_654_321


def _first_supports(r: dict, aspect: str) -> None:
    first = evidence_of(r)[0]
    first["supports"] = list(dict.fromkeys([*first["supports"], aspect]))


@mutation("evidence.count_written")
def _count_unwritten(case: Case) -> Target:
    """A count that the evidence supporting it never writes."""
    stem, i, r = pick_report(case)
    for k in ("count_low", "count_high"):
        r.pop(k, None)
    r["count_best"] = UNWRITTEN
    if r.get("count_unit") is None:
        r["count_unit"] = "officers"
    _first_supports(r, "count")
    return evidence_target(case, stem, i, 1)


@mutation("evidence.value_written")
def _value_unwritten(case: Case) -> Target:
    """A money value that the evidence supporting it never writes."""
    stem, i, r = pick_report(case)
    r.update(value_amount=UNWRITTEN, value_currency="USD", value_year=2024)
    _first_supports(r, "value")
    return evidence_target(case, stem, i, 1)


@mutation("evidence.date_written")
def _date_unwritten(case: Case) -> Target:
    """Evidence supporting a known date that holds no date expression."""
    stem, i, r = pick_report(case)
    r.update(date_start=dt.date(2024, 3, 15), date_end=dt.date(2024, 3, 15),
             date_precision="day")
    first = evidence_of(r)[0]
    first["supports"] = ["date"]
    first["quote" if "quote" in first else "note"] = "Police officers were trained there."
    return evidence_target(case, stem, i, 1)
