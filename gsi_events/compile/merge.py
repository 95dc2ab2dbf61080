"""From reports to tables: merge each event's reports into one canonical row.

A pure function of what was read: the same files give the same tables, whatever order
they were read in (every table is sorted by its primary key). Where sources disagree,
the canonical value is chosen by the field's `merge` rule in schemas/events.yaml and the
disagreement is kept in the `discrepancies` table.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

import polars as pl

from gsi_events.compile import countries, schema
from gsi_events.compile.read import Report, Repository, SourceRecord, record_label
from gsi_events.compile.rows import coded, evidence_row, evidence_word, label, participant_row
from gsi_events.compile.typemaps import polars_dtype

PUBLISHED_ORDER = {"day": 0, "month": 1, "year": 2, "unknown": 3}

Provenance = tuple[str, str]  # (file, record label) a row came from


@dataclass
class Tables:
    frames: dict[str, pl.DataFrame]
    provenance: dict[str, list[Provenance]]  # aligned with each frame's rows

    def __getitem__(self, name: str) -> pl.DataFrame:
        return self.frames[name]


def frame(table: str, rows: list[dict[str, Any]]) -> pl.DataFrame:
    """A DataFrame with exactly the schema's columns and types, in the schema's order."""
    t = schema.table(table)
    cols = {f.name: polars_dtype(f.type) for f in t.fields}
    return pl.DataFrame([{c: r.get(c) for c in cols} for r in rows], schema=cols, orient="row")


def _sorted(table: str, rows: list[dict[str, Any]], prov: list[Provenance]
            ) -> tuple[list[dict[str, Any]], list[Provenance]]:
    pk = schema.table(table).primary_key
    order = sorted(range(len(rows)), key=lambda i: tuple(str(rows[i].get(k)).zfill(12)
                                                         if isinstance(rows[i].get(k), int)
                                                         else str(rows[i].get(k)) for k in pk))
    return [rows[i] for i in order], [prov[i] for i in order]


# --- choosing the canonical report ----------------------------------------------------


def _source_rank(source: SourceRecord | None) -> int:
    if source is None:
        return 99
    field = schema.table("sources").field("source_type")
    try:
        return int(field.category(source.row["source_type"]).extra.get("rank", 99))
    except StopIteration:
        return 99


def order_reports(reports: list[Report], sources: dict[str, SourceRecord]) -> list[Report]:
    """Primary report first: marked canonical, then source-type rank, then the most
    precisely dated publication, then the lowest source id."""

    def key(r: Report) -> tuple[Any, ...]:
        s = sources.get(r.source_id)
        precision = PUBLISHED_ORDER.get((s.row.get("published_precision") if s else None) or "", 9)
        return (not r.canonical, _source_rank(s), precision, r.source_id)

    return sorted(reports, key=key)


@functools.cache
def units() -> list[tuple[str, list[schema.Field]]]:
    """The coded event fields in merge units: a group (date, count, ...) or one field.
    Read once: the schemas do not change while the program runs."""
    out: dict[str, list[schema.Field]] = {}
    for f in schema.table("events").coded_fields:
        out.setdefault(f.group or f.name, []).append(f)
    return list(out.items())


def _values(r: Report, fields: list[schema.Field]) -> dict[str, Any]:
    return {f.name: r.fields.get(f.name) for f in fields}


def date_span(v: dict[str, Any]) -> tuple[dt.date, dt.date] | None:
    if v.get("date_start") is None or v.get("date_end") is None:
        return None
    return v["date_start"], v["date_end"]


def choose(rule: str, fields: list[schema.Field], ordered: list[Report]) -> Report:
    """The report whose values a merge unit takes."""
    if rule == "narrowest":
        # Refine the highest-ranked dated report with any report whose dating lies inside
        # it; a report that contradicts it (lies outside) never overrides it.
        dated = [(r, date_span(_values(r, fields))) for r in ordered]
        dated = [(r, sp) for r, sp in dated if sp is not None]
        if not dated:
            return ordered[0]
        base = dated[0][1]
        inside = [(r, sp) for r, sp in dated if base[0] <= sp[0] and sp[1] <= base[1]]
        return min(inside, key=lambda rs: (rs[1][1] - rs[1][0]).days)[0]
    if rule == "strongest":
        f = fields[0]

        def rank(r: Report) -> int:
            v = r.fields.get(f.name)
            return int(f.category(v).extra.get("rank", 99)) if v in f.values else 99

        return min(ordered, key=rank)
    for r in ordered:  # primary: the first report that says anything on this unit
        if any(v is not None for v in _values(r, fields).values()):
            return r
    return ordered[0]


# --- discrepancies ---------------------------------------------------------------------


def render(values: dict[str, Any]) -> str:
    if "date_precision" in values:
        p, s, e = values.get("date_precision"), values.get("date_start"), values.get("date_end")
        if s is None:
            return f"undated ({p})"
        return f"{s} ({p})" if s == e else f"{s}..{e} ({p})"
    shown = {k: v for k, v in values.items() if v is not None}
    if len(values) == 1:
        return str(next(iter(values.values())))
    return ", ".join(f"{k}={v}" for k, v in shown.items()) or "none"


def _contains(unit: str, outer: dict[str, Any], inner: dict[str, Any]) -> bool:
    """True when the reading `outer` allows everything `inner` says, and more."""
    if unit == "location":
        same = outer.get("location_country") in (None, inner.get("location_country"))
        o, i = outer.get("location_place") or "", inner.get("location_place") or ""
        return same and i.startswith(o)
    if unit == "date":
        a, b = date_span(outer), date_span(inner)
        return a is not None and b is not None and a[0] <= b[0] and b[1] <= a[1]
    if unit == "count":
        if outer.get("count_unit") != inner.get("count_unit"):
            return False
        if outer.get("count_best") not in (None, inner.get("count_best")):
            return False
        lo_o = outer.get("count_low") or outer.get("count_best") or 0
        hi_o = outer.get("count_high") or outer.get("count_best")
        lo_i = inner.get("count_low") or inner.get("count_best") or 0
        hi_i = inner.get("count_high") or inner.get("count_best")
        return lo_o <= lo_i and (hi_o is None or (hi_i is not None and hi_i <= hi_o))
    return False


def kind_of(unit: str, reported: dict[str, Any], canonical: dict[str, Any]) -> str:
    if _contains(unit, reported, canonical):
        return "less_precise"
    if _contains(unit, canonical, reported):
        return "more_precise"
    return "conflict"


def _why(rule: str, chosen: Report, other: Report, primary: Report,
         sources: dict[str, SourceRecord]) -> str:
    if rule == "narrowest":
        return (f"the narrowest dating consistent with the highest-ranked dated report is "
                f"{chosen.source_id}'s; a dating outside it never overrides it")
    if chosen.canonical:
        return f"the coder marked {chosen.source_id}'s report canonical"
    if chosen is not primary:
        return (f"the primary report ({primary.source_id}) does not give it; "
                f"{chosen.source_id} is the next-ranked report that does")
    sc, so = sources.get(chosen.source_id), sources.get(other.source_id)
    if _source_rank(sc) != _source_rank(so) and sc and so:
        return (f"primary report: source type {sc.row['source_type']} ({chosen.source_id}) "
                f"ranks above {so.row['source_type']} ({other.source_id})")
    pc = sc.row.get("published_precision") if sc else None
    po = so.row.get("published_precision") if so else None
    if PUBLISHED_ORDER.get(pc or "", 9) != PUBLISHED_ORDER.get(po or "", 9):
        return (f"primary report: {chosen.source_id}'s publication date is known to the "
                f"{pc}, {other.source_id}'s only to the {po}")
    return f"primary report: {chosen.source_id} has the lower source id"


def participant_names(r: Report) -> list[str]:
    """Who takes part, as comparable across sources: countries and organisations by
    code or name; groups by their known members or size (their wording varies)."""

    def name(p: dict[str, Any]) -> str:
        if p.get("country") or p.get("organisation"):
            return str(p.get("country") or p.get("organisation"))
        members = p.get("group_members")
        size = p.get("group_size")
        return f"group [{members}]" if members else f"group of {size}" if size else "group"

    return sorted(f"{p.get('role')}: {name(p)}" for p in r.participants)


# --- the tables -----------------------------------------------------------------------


def build_tables(repo: Repository) -> Tables:
    sources = {s.source_id: s for s in repo.sources}
    rows: dict[str, list[dict[str, Any]]] = defaultdict(list)
    prov: dict[str, list[Provenance]] = defaultdict(list)

    for s in sorted(repo.sources, key=lambda s: s.source_id):
        rows["sources"].append(dict(s.row))
        prov["sources"].append((s.file, record_label("source", s.source_id, s.line)))

    by_event: dict[str, list[Report]] = defaultdict(list)
    links_seen: set[tuple[Any, Any, Any]] = set()  # (event, relation, target) already tabled
    for r in repo.reports:
        by_event[r.event_id].append(r)

    for event_id in sorted(by_event):
        ordered = order_reports(by_event[event_id], sources)
        primary = ordered[0]
        where = (primary.file, primary.label)
        event: dict[str, Any] = {"event_id": event_id}
        for unit, fields in units():
            rule = fields[0].merge
            chosen = choose(rule, fields, ordered)
            canonical = _values(chosen, fields)
            event.update(canonical)
            if rule == "strongest":
                continue  # a source that does not name the GSI does not contradict one that does
            compared = [f for f in fields if f.compare]
            if not compared:
                continue
            canon_cmp = _values(chosen, compared)
            for other in ordered:
                reported = _values(other, compared)
                if other is chosen or all(v is None for v in reported.values()):
                    continue
                if unit == "date" and date_span(reported) is None:
                    continue  # an undated report says nothing about the date
                if reported != canon_cmp:
                    kind = kind_of(unit, reported, canon_cmp)
                    rows["discrepancies"].append({
                        "event_id": event_id, "field": unit, "source_id": other.source_id,
                        "reported_value": render(reported), "canonical_value": render(canon_cmp),
                        "canonical_source_id": chosen.source_id, "kind": kind,
                        "resolution": _why(rule, chosen, other, primary, sources),
                    })
                    prov["discrepancies"].append((other.file, other.label))
        canon_names = participant_names(primary)
        for other in ordered[1:]:
            names = participant_names(other)
            if names != canon_names:
                subset, superset = set(names) < set(canon_names), set(names) > set(canon_names)
                rows["discrepancies"].append({
                    "event_id": event_id, "field": "participants", "source_id": other.source_id,
                    "reported_value": "; ".join(names), "canonical_value": "; ".join(canon_names),
                    "canonical_source_id": primary.source_id,
                    "kind": ("less_precise" if subset else
                             "more_precise" if superset else "conflict"),
                    "resolution": _why("primary", primary, other, primary, sources),
                })
                prov["discrepancies"].append((other.file, other.label))

        event.update({
            **action_codes(event.get("action")),
            "n_sources": len({r.source_id for r in ordered}),
            "evidence_kind": evidence_kind((r.source_id for r in ordered), sources),
            "primary_source_id": primary.source_id,
        })
        rows["events"].append(event)
        prov["events"].append(where)

        for n, p in enumerate(primary.participants, 1):
            code = p.get("country")
            rows["participants"].append({
                **participant_row(primary, n, p),
                "country_name": countries.names().get(code) if code else None,
                "gw_code": countries.gw_codes().get(code) if code else None,
            })
            prov["participants"].append((primary.file, label(primary, "participant", n, p)))

        for r in ordered:
            for n, q in enumerate(r.quotes, 1):
                rows["evidence"].append(evidence_row(r, n, q, sources.get(r.source_id)))
                prov["evidence"].append((r.file, label(r, evidence_word(q), n, q)))
            for n, link in enumerate(r.links, 1):
                key = (event_id, link.get("relation"), link.get("target_event_id"))
                if key in links_seen:
                    continue  # another report of the event gave the same link first
                links_seen.add(key)
                rows["event_links"].append({**coded(link), "event_id": event_id})
                prov["event_links"].append((r.file, label(r, "link", n, link)))

    not_summable = {x["event_id"] for x in rows["event_links"] if x["relation"] == "part_of"}
    for x in rows["event_links"]:
        if x["relation"] == "may_overlap":
            not_summable |= {x["event_id"], x["target_event_id"]}
    for e in rows["events"]:
        e["recommended_for_aggregates"] = recommended(e, not_summable)

    frames: dict[str, pl.DataFrame] = {}
    provenance: dict[str, list[Provenance]] = {}
    for name in schema.TABLES:
        r, p = _sorted(name, rows[name], prov[name])
        frames[name] = frame(name, r)
        provenance[name] = p
    return Tables(frames=frames, provenance=provenance)


def evidence_kind(source_ids: Any, sources: dict[str, SourceRecord]) -> str:
    """`quoted` when an archived source reports the event, else `cited`."""
    archived = any((s := sources.get(x)) is not None and s.row.get("kind") == "archived"
                   for x in source_ids)
    return "quoted" if archived else "cited"


def action_codes(action: str | None) -> dict[str, Any]:
    """The CAMEO and PLOVER codes an action maps to, as schemas/events.yaml gives them."""
    context = schema.action_attribute("plover_context").get(action) or []
    return {
        "cameo_code": schema.action_attribute("cameo").get(action),
        "plover_event": schema.action_attribute("plover_event").get(action),
        "plover_mode": schema.action_attribute("plover_mode").get(action),
        "plover_context": ";".join(context) if context else None,
    }


def recommended(event: dict[str, Any], not_summable: set[str]) -> bool:
    """The recommended_for_aggregates rule, as schemas/events.yaml states it."""
    return bool(
        schema.action_attribute("aggregatable").get(event.get("action"))
        and event.get("status") in schema.begun_statuses()
        and event.get("count_best") is not None
        and event["event_id"] not in not_summable
    )
