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
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from operator import itemgetter
from typing import Any

import polars as pl

from gsi_events.compile import countries, schema
from gsi_events.compile.read import Report, Repository, SourceRecord, record_label
from gsi_events.compile.rows import Places, Provenance, columns_frame, evidence_word, locate
from gsi_events.compile.typemaps import polars_dtype

PUBLISHED_ORDER = {"day": 0, "month": 1, "year": 2, "unknown": 3}

@dataclass
class Tables:
    frames: dict[str, pl.DataFrame]
    provenance: dict[str, Sequence[Provenance]]  # aligned with each frame's rows

    def __getitem__(self, name: str) -> pl.DataFrame:
        return self.frames[name]


# --- choosing the canonical report ----------------------------------------------------


@functools.cache
def _source_type() -> schema.Field:
    return schema.table("sources").field("source_type")


def _source_rank(source: SourceRecord | None) -> int:
    if source is None:
        return 99
    field = _source_type()
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
    names = tuple(f.name for f in fields)
    return ordered[_choose(rule, fields, [tuple(map(r.fields.get, names)) for r in ordered])]


def _choose(rule: str, fields: list[schema.Field], values: list[tuple[Any, ...]]) -> int:
    """Which of the reports (their values of a merge unit's fields, in rank order) the
    unit takes its values from."""
    if rule == "narrowest":
        # Refine the highest-ranked dated report with any report whose dating lies inside
        # it; a report that contradicts it (lies outside) never overrides it.
        names = [f.name for f in fields]
        dated = [(i, sp) for i, v in enumerate(values)
                 if (sp := date_span(dict(zip(names, v, strict=True)))) is not None]
        if not dated:
            return 0
        base = dated[0][1]
        inside = [(i, sp) for i, sp in dated if base[0] <= sp[0] and sp[1] <= base[1]]
        return min(inside, key=lambda isp: (isp[1][1] - isp[1][0]).days)[0]
    if rule == "strongest":
        f = fields[0]

        def rank(i: int) -> int:
            v = values[i][0]
            return int(f.category(v).extra.get("rank", 99)) if v in f.values else 99

        return min(range(len(values)), key=rank)
    for i, v in enumerate(values):  # primary: the first report that says anything on it
        if v.count(None) < len(v):
            return i
    return 0


# --- discrepancies ---------------------------------------------------------------------


def value_text(values: dict[str, Any]) -> str:
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


def frame(table: str, rows: list[dict[str, Any]]) -> pl.DataFrame:
    """A DataFrame with exactly the schema's columns and types, in the schema's order."""
    t = schema.table(table)
    return pl.DataFrame({f.name: [r.get(f.name) for r in rows] for f in t.fields},
                        schema={f.name: polars_dtype(f.type) for f in t.fields})


class _Rows:
    """One table's rows as they are made, kept as columns: each row's item (a mapping
    read from the files) gives the columns not in `extra`, and `extra` the rest (derived
    and implied values), one list per column. Column by column is what polars builds
    frames from fastest."""

    def __init__(self, table: str, *extra: str) -> None:
        self.table = table
        self.items: list[Mapping[str, Any]] = []
        self.extra: dict[str, list[Any]] = {name: [] for name in extra}
        self.prov = Places()

    def frame(self) -> tuple[pl.DataFrame, Places]:
        """The rows sorted by the primary key, with exactly the schema's columns and
        types in its order, and where each row came from."""
        t = schema.table(self.table)
        types = {f.name: polars_dtype(f.type) for f in t.fields}
        df = columns_frame(self.items, self.extra, types)
        keys = list(zip(*([str(v).zfill(12) if isinstance(v, int) else str(v) for v in
                           (self.extra[k] if k in self.extra else [i.get(k) for i in self.items])]
                          for k in t.primary_key), strict=True))
        order = sorted(range(len(keys)), key=keys.__getitem__)
        if order == list(range(len(order))):
            return df, self.prov
        return df[order], self.prov.reordered(order)


@functools.cache
def _unit_names() -> list[tuple[str, str, tuple[str, ...], Callable[[tuple[Any, ...]],
                                                                   tuple[Any, ...]] | None]]:
    """Each merge unit (units()): its name, rule, fields' names, and what picks the
    values compared across reports out of the unit's (None: none are compared)."""
    out = []
    for unit, fields in units():
        compare = [i for i, f in enumerate(fields) if f.compare]
        pick = (None if not compare else (lambda v: v) if len(compare) == len(fields)
                else (lambda v, i=compare[0]: (v[i],)) if len(compare) == 1
                else itemgetter(*compare))
        out.append((unit, fields[0].merge, tuple(f.name for f in fields), pick))
    return out


def _merge(event_id: str, ordered: list[Report], sources: dict[str, SourceRecord],
           discrepancies: _Rows) -> dict[str, Any]:
    """The canonical values of an event reported more than once (in `ordered`, the
    primary report first); where the reports disagree, discrepancies rows."""
    primary = ordered[0]
    event: dict[str, Any] = {}
    for (unit, fields), (_, rule, names, pick) in zip(units(), _unit_names(), strict=True):
        values = [tuple(map(r.fields.get, names)) for r in ordered]
        if values.count(values[0]) == len(values):
            # every report says the same (most units): any rule takes these values, and
            # no report disagrees with them
            event.update(zip(names, values[0], strict=True))
            continue
        c = _choose(rule, fields, values)
        chosen = ordered[c]
        event.update(zip(names, values[c], strict=True))
        if rule == "strongest" or pick is None:
            continue  # a source that does not name the GSI does not contradict one that does
        cmp_names = [f.name for f in fields if f.compare]
        canon = pick(values[c])
        for other, v in zip(ordered, values, strict=True):
            reported = pick(v)
            if other is chosen or reported == canon or reported.count(None) == len(reported):
                continue
            said = dict(zip(cmp_names, reported, strict=True))
            if unit == "date" and date_span(said) is None:
                continue  # an undated report says nothing about the date
            canon_cmp = dict(zip(cmp_names, canon, strict=True))
            discrepancies.items.append({
                "event_id": event_id, "field": unit, "source_id": other.source_id,
                "reported_value": value_text(said), "canonical_value": value_text(canon_cmp),
                "canonical_source_id": chosen.source_id,
                "kind": kind_of(unit, said, canon_cmp),
                "resolution": _why(rule, chosen, other, primary, sources),
            })
            discrepancies.prov.append((other,))
    canon_names = participant_names(primary)
    for other in ordered[1:]:
        names = participant_names(other)
        if names != canon_names:
            subset, superset = set(names) < set(canon_names), set(names) > set(canon_names)
            discrepancies.items.append({
                "event_id": event_id, "field": "participants", "source_id": other.source_id,
                "reported_value": "; ".join(names), "canonical_value": "; ".join(canon_names),
                "canonical_source_id": primary.source_id,
                "kind": ("less_precise" if subset else
                         "more_precise" if superset else "conflict"),
                "resolution": _why("primary", primary, other, primary, sources),
            })
            discrepancies.prov.append((other,))
    return event


def build_tables(repo: Repository) -> Tables:
    sources = {s.source_id: s for s in repo.sources}
    tables = {"sources": _Rows("sources"),
              "events": _Rows("events", "event_id", "n_sources", "evidence_kind",
                              "primary_source_id"),
              "participants": _Rows("participants", "event_id", "participant_no",
                                    "country_name", "gw_code"),
              "evidence": _Rows("evidence", "event_id", "source_id", "quote_no",
                                "char_start", "char_end"),
              "event_links": _Rows("event_links", "event_id"),
              "discrepancies": _Rows("discrepancies")}
    assert set(tables) == set(schema.TABLES)

    rows = tables["sources"]
    for s in sorted(repo.sources, key=lambda s: s.source_id):
        rows.items.append(s.row)
        rows.prov.append((s.file, record_label("source", s.source_id, s.line)))

    by_event: dict[str, list[Report]] = defaultdict(list)
    for r in repo.reports:
        by_event[r.event_id].append(r)

    events, participants = tables["events"], tables["participants"]
    evidence, links = tables["evidence"], tables["event_links"]
    names, gw_codes = countries.names(), countries.gw_codes()
    links_seen: set[tuple[Any, Any, Any]] = set()  # (event, relation, target) already tabled
    for event_id in sorted(by_event):
        reports = by_event[event_id]
        if len(reports) == 1:  # every unit is the one report's, nothing to disagree with
            ordered = reports
            events.items.append(reports[0].fields)
        else:
            ordered = order_reports(reports, sources)
            events.items.append(_merge(event_id, ordered, sources, tables["discrepancies"]))
        primary = ordered[0]
        events.extra["event_id"].append(event_id)
        events.extra["n_sources"].append(len({r.source_id for r in ordered}))
        events.extra["evidence_kind"].append(
            evidence_kind((r.source_id for r in ordered), sources))
        events.extra["primary_source_id"].append(primary.source_id)
        events.prov.append((primary,))

        for n, p in enumerate(primary.participants, 1):
            code = p.get("country")
            participants.items.append(p)
            participants.extra["event_id"].append(event_id)
            participants.extra["participant_no"].append(n)
            participants.extra["country_name"].append(names.get(code) if code else None)
            participants.extra["gw_code"].append(gw_codes.get(code) if code else None)
            participants.prov.append((primary, "participant", n, p))

        for r in ordered:
            source = sources.get(r.source_id)
            for n, q in enumerate(r.quotes, 1):
                span = locate(q.get("quote") or "", source)
                evidence.items.append(q)
                evidence.extra["event_id"].append(event_id)
                evidence.extra["source_id"].append(r.source_id)
                evidence.extra["quote_no"].append(n)
                evidence.extra["char_start"].append(span[0] if span else None)
                evidence.extra["char_end"].append(span[1] if span else None)
                evidence.prov.append((r, evidence_word(q), n, q))
            for n, link in enumerate(r.links, 1):
                key = (event_id, link.get("relation"), link.get("target_event_id"))
                if key in links_seen:
                    continue  # another report of the event gave the same link first; each
                    # report's own link is checked (validate.run.validate_reports)
                links_seen.add(key)
                links.items.append(link)
                links.extra["event_id"].append(event_id)
                links.prov.append((r, "link", n, link))

    _derive_events(events, links)
    frames: dict[str, pl.DataFrame] = {}
    provenance: dict[str, Sequence[Provenance]] = {}
    for name in schema.TABLES:
        frames[name], provenance[name] = tables[name].frame()
    return Tables(frames=frames, provenance=provenance)


def _derive_events(events: _Rows, links: _Rows) -> None:
    """The events' columns derived from their action (action_codes) and, with the links,
    whether they are recommended for aggregates."""
    actions = [e.get("action") for e in events.items]
    for name, column in (("cameo_code", "cameo"), ("plover_event", "plover_event"),
                         ("plover_mode", "plover_mode")):
        codes = schema.action_attribute(column)
        events.extra[name] = [codes.get(a) for a in actions]
    contexts = schema.action_attribute("plover_context")
    events.extra["plover_context"] = [";".join(x) if (x := contexts.get(a)) else None
                                      for a in actions]
    not_summable: set[Any] = set()
    for link, event_id in zip(links.items, links.extra["event_id"], strict=True):
        if link.get("relation") == "part_of":
            not_summable.add(event_id)
        elif link.get("relation") == "may_overlap":
            not_summable |= {event_id, link.get("target_event_id")}
    events.extra["recommended_for_aggregates"] = [
        recommended({**e, "event_id": event_id}, not_summable)
        for e, event_id in zip(events.items, events.extra["event_id"], strict=True)]


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
