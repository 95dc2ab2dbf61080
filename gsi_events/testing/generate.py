"""Hypothesis strategies for whole repositories (`datasets`) and for valid edits of one
(`edits`), built from what `gsi_events.compile.schema` reads from `schemas/`."""

from __future__ import annotations

import copy
import hashlib
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

import polars as pl
from hypothesis import strategies as st

from gsi_events.compile import schema
from gsi_events.testing.dataset import Dataset
from gsi_events.testing.values import SENTINEL, dates, field_values, optional, span, text


def _ids(draw: Any, prefix: str, n: int) -> list[str]:
    nums = draw(st.lists(st.one_of(st.integers(1, 60), st.integers(1, 99_999)),
                         min_size=n, max_size=n, unique=True))
    return [f"{prefix}-{k:04d}" for k in nums]


def actions() -> dict[str, dict[str, Any]]:
    return {c.value: c.extra for c in schema.table("events").field("action").categories}


def quote_aspects() -> tuple[str, ...]:
    """The parts of an event a quote can support, from evidence.supports' pattern."""
    pattern = schema.table("evidence").field("supports").pattern or ""
    return tuple(re.search(r"\(([a-z_|]+)\)", pattern).group(1).split("|"))  # type: ignore[union-attr]


def needs(report: dict[str, Any]) -> set[str]:
    """The aspects of a report that events.values_are_quoted needs a quote for."""
    from gsi_events.compile.validate.rules import NEEDS_QUOTE

    row = {f.name: report.get(f.key) for f in schema.table("events").coded_fields}
    frame = pl.DataFrame([row], schema={f.name: schema.polars_dtype(f.type)
                                        for f in schema.table("events").coded_fields})
    return {a for a, cond in NEEDS_QUOTE.items()
            if frame.select(cond.fill_null(False)).item()}


@st.composite
def source_record(draw: Any, source_id: str) -> dict[str, Any]:
    """A source record without its text-dependent fields (sha256, bytes, body markers)."""
    t = "sources"
    rec: dict[str, Any] = {}
    precision = draw(field_values(t, "published_precision"))
    start, end = span(draw, precision, published=True)
    for f in schema.table(t).coded_fields:
        if f.name in ("sha256", "bytes", "body_begins", "body_ends"):
            continue
        if f.name == "published_precision":
            value = precision
        elif f.name == "published_start":
            value = start
        elif f.name == "published_end":
            value = end
        else:
            value = draw(optional(t, f.name))
        if value is not None:
            rec[f.key] = value
    rec["url"] = f"{rec['url']}/{source_id}"  # unique by construction
    return rec


@st.composite
def participant(draw: Any, role: str | None = None) -> dict[str, Any]:
    t = "participants"
    p: dict[str, Any] = {"role": role or draw(field_values(t, "role"))}
    kinds = draw(st.sets(st.sampled_from(["country", "organisation", "group_name"]),
                         min_size=1, max_size=3))
    for k in sorted(kinds):
        p[k] = draw(field_values(t, k))
    if "group_name" in kinds:
        members = draw(st.one_of(st.none(), field_values(t, "group_members")))
        size = draw(st.one_of(st.none(), field_values(t, "group_size")))
        if members is not None:
            n = len(members.split(";"))
            size = None if size is None else max(size, n)
            p["group_members"] = draw(st.sampled_from([members, members.split(";")]))
        if size is not None:
            p["group_size"] = size
    institution = draw(optional(t, "institution"))
    if institution is not None:
        p["institution"] = institution
    if draw(st.booleans()):
        p["person"] = draw(field_values(t, "person"))
        p["person_office"] = draw(field_values(t, "person_office"))
    return p


@st.composite
def _count(draw: Any) -> dict[str, Any]:
    t = "events"
    if draw(st.integers(0, 3)) == 0:
        return {}
    values = sorted(draw(st.lists(field_values(t, "count_best"), min_size=3, max_size=3)))
    keep = draw(st.sets(st.sampled_from(["count_low", "count_best", "count_high"]),
                        min_size=1, max_size=3))
    out = {k: v for k, v in zip(("count_low", "count_best", "count_high"), values,
                                strict=True) if k in keep}
    out["count_unit"] = draw(field_values(t, "count_unit"))
    note = draw(optional(t, "count_note"))
    if note is not None:
        out["count_note"] = note
    return out


@st.composite
def report(draw: Any, event_id: str, action: str, status: str, umbrella: bool
           ) -> dict[str, Any]:
    """One source's report of an event (without quotes), valid on its own."""
    t = "events"
    r: dict[str, Any] = {"event": event_id, "action": action, "status": status}
    r["summary"] = draw(field_values(t, "summary"))
    r["gsi_framing"] = draw(field_values(t, "gsi_framing"))
    r["umbrella"] = umbrella
    precision = draw(field_values(t, "date_precision"))
    start, end = span(draw, precision)
    if start is not None:
        r["date_start"], r["date_end"] = start, end
    r["date_precision"] = precision
    for name in ("date_note", "location_place", "location_country"):
        value = draw(optional(t, name))
        if value is not None:
            r[name] = value
    if draw(st.integers(0, 3)) == 0:
        a, b = sorted([draw(dates()), draw(dates())])
        r["covers_start"], r["covers_end"] = a, b
    r.update(draw(_count()))
    # the schema's field order, as a coder's scaffold has it
    order = [f.key for f in schema.table(t).coded_fields]
    r = {"event": event_id, **{k: r[k] for k in order if k in r}}
    roles = draw(st.lists(field_values("participants", "role"), max_size=3))
    r["participants"] = [draw(participant("actor")), *[draw(participant(x)) for x in roles]]
    return r


def _quote_text(draw: Any) -> str:
    return draw(text(3, 120))


@st.composite
def datasets(draw: Any, min_sources: int = 1, max_sources: int = 4, min_events: int = 1,
             max_events: int = 6, max_sources_per_event: int = 3, multi: bool = False,
             links: bool = True, canonical: bool = True, odd_texts: bool = True,
             ) -> Dataset:
    """A whole valid repository. `multi` guarantees an event reported by two sources that
    disagree (a discrepancy) and at least one link; `max_sources_per_event=1` gives
    data that `gsi_events.coders.export` can write back exactly."""
    kind_of = actions()
    status_field = schema.table("events").field("status")
    n_sources = draw(st.integers(max(min_sources, 2 if multi else 1), max_sources))
    source_ids = sorted(_ids(draw, "src", n_sources))
    sources = {sid: draw(source_record(sid)) for sid in source_ids}
    n_events = draw(st.integers(max(min_events, 2 if multi else 1), max_events))
    event_ids = sorted(_ids(draw, "ev", n_events))
    quotes_by_source: dict[str, list[str]] = {sid: [] for sid in source_ids}
    reports: dict[str, list[dict[str, Any]]] = {sid: [] for sid in source_ids}
    kinds: dict[str, str] = {}
    by_event: dict[str, list[dict[str, Any]]] = {}
    for n, event_id in enumerate(event_ids):
        action = draw(st.sampled_from(sorted(kind_of)))
        statuses = kind_of[action].get("statuses") or list(status_field.values)
        status = draw(st.sampled_from(list(statuses)))
        kinds[event_id] = kind_of[action].get("kind", "")
        umbrella = draw(field_values("events", "umbrella"))
        k = min(len(source_ids), max_sources_per_event)
        if multi and n == 0:
            reporting = source_ids[:2]
        else:
            reporting = draw(st.lists(st.sampled_from(source_ids), min_size=1, max_size=k,
                                      unique=True))
        for sid in reporting:
            r = draw(report(event_id, action, status, umbrella))
            if multi and n == 0:  # the two sources disagree on the place
                r["location_place"] = "Lianyungang" if sid == reporting[0] else "Beijing"
                r.setdefault("location_country", "CHN")
                r["participants"] = r.pop("participants")
            need = needs(r) | {"action"}
            aspects = quote_aspects()
            quotes: list[dict[str, Any]] = []
            for aspect in sorted(need):
                extra = draw(st.lists(st.sampled_from(aspects), max_size=2))
                supports = list(dict.fromkeys([aspect, *extra]))
                quotes.append({"quote": _quote_text(draw), "supports": supports})
            for _ in range(draw(st.integers(0, 2))):
                quotes.append({"quote": _quote_text(draw),
                               "supports": draw(st.lists(st.sampled_from(aspects), min_size=1,
                                                         max_size=3, unique=True))})
            quotes = draw(st.permutations(quotes))
            if len(quotes) > 1 and draw(st.booleans()):  # the same words twice
                quotes[-1] = {**quotes[-1], "quote": quotes[0]["quote"]}
            r["quotes"] = quotes
            quotes_by_source[sid] += [q["quote"] for q in quotes]
            reports[sid].append(r)
            by_event.setdefault(event_id, []).append(r)
        if canonical and len(reporting) > 1 and draw(st.booleans()):
            draw(st.sampled_from(by_event[event_id]))["canonical"] = True

    # links between events, coded in one of the event's reports
    relations = schema.table("event_links").field("relation").values
    if links and len(event_ids) > 1:
        n_links = draw(st.integers(1 if multi else 0, len(event_ids)))
        for _ in range(n_links):
            a, b = draw(st.lists(st.sampled_from(event_ids), min_size=2, max_size=2,
                                 unique=True))
            relation = draw(st.sampled_from(relations))
            if relation == "fulfils" and not (kinds[a] == "delivery" and kinds[b] == "pledge"):
                relation = "follows"
            link: dict[str, Any] = {"relation": relation, "event": b}
            note = draw(optional("event_links", "note"))
            if note is not None:
                link["note"] = note
            r = draw(st.sampled_from(by_event[a]))
            r.setdefault("links", []).append(link)
            r["quotes"][0]["supports"] = list(dict.fromkeys([*r["quotes"][0]["supports"],
                                                             "link"]))
    for rs in by_event.values():  # keys in the order coders write them
        for r in rs:
            tail = {k: r.pop(k) for k in ("canonical", "participants", "links", "quotes")
                    if k in r}
            r.update(tail)

    # the archived texts: page furniture, the body with every quote, more furniture
    texts: dict[str, bytes] = {}
    for sid in source_ids:
        begins = f"{draw(text(1, 30))} {SENTINEL}{sid}"
        ends = f"{SENTINEL}{sid}{SENTINEL} {draw(text(1, 30))}"
        fillers = draw(st.lists(text(0, 60), min_size=len(quotes_by_source[sid]) + 1,
                                max_size=len(quotes_by_source[sid]) + 1))
        body_parts = [begins]
        for filler, q in zip(fillers, quotes_by_source[sid], strict=False):
            body_parts += [filler, q]
        body_parts += [fillers[-1], ends]
        sep = draw(st.sampled_from([" ", "\n", " \n"]))
        body = sep.join(body_parts)
        before = draw(st.sampled_from(["", "Home | World | Sign in\n", "下载客户端\n\n"]))
        after = draw(st.sampled_from(["", "\nRead more: other stories", "\n相关新闻"]))
        full = before + body + after
        style = draw(st.sampled_from(["lf", "lf", "crlf", "nfd"])) if odd_texts else "lf"
        if style == "crlf":
            full = full.replace("\n", "\r\n")
        raw = (unicodedata.normalize("NFD", full) if style == "nfd" else full).encode("utf-8")
        texts[sid] = raw
        rec = sources[sid]
        rec["sha256"] = hashlib.sha256(raw).hexdigest()
        rec["bytes"] = len(raw)
        rec["body_begins"] = begins
        rec["body_ends"] = ends
        order = [f.key for f in schema.table("sources").coded_fields]
        sources[sid] = {k: rec[k] for k in order if k in rec}

    codings: dict[str, dict[str, Any]] = {}
    coder = draw(st.sampled_from(["coder-a", "coder-b", "王"]))
    for sid in source_ids:
        if reports[sid] or draw(st.booleans()):
            codings[sid] = {"source": sid, "coder": coder, "events": reports[sid]}
    retired = None
    if draw(st.booleans()):
        used = {int(x.split("-")[1]) for x in event_ids}
        free = next(k for k in range(100_000, 200_000) if k not in used)
        retired = {"events": [{"id": f"ev-{free}", "reason": "withdrawn: a duplicate"}]}
    return Dataset(sources=sources, texts=texts, codings=codings, retired=retired,
                   nulls=draw(st.booleans()))


# --- edits between two versions of a dataset -------------------------------------------


@dataclass
class Edit:
    """What a generated edit did to the events: the diff between the two builds must
    report exactly this (events table: ids added and removed; fields changed per id)."""

    added: set[str] = field(default_factory=set)
    removed: set[str] = field(default_factory=set)
    changed: dict[str, set[str]] = field(default_factory=dict)


@st.composite
def edits(draw: Any, dataset: Dataset) -> tuple[Dataset, Edit]:
    """A valid edited copy of a valid dataset and what changed: events added (a report
    copied under a new id), removed (every report of an event no link touches) and
    changed (a new summary, or umbrella flipped, in every report of the event)."""
    new = dataset.copy()
    edit = Edit()
    events = new.event_ids()
    linked = {e for _, _, r in new.reports() for x in r.get("links") or []
              for e in (r.get("event"), x.get("event"))}
    free = [e for e in events if e not in linked]
    removed = draw(st.lists(st.sampled_from(free), unique=True, max_size=len(free) - 1)
                   ) if len(free) > 1 else []
    for c in new.codings.values():
        c["events"] = [r for r in c.get("events") or [] if r.get("event") not in removed]
    edit.removed = set(removed)
    kept = [e for e in events if e not in removed]
    for event_id in draw(st.lists(st.sampled_from(kept), unique=True, max_size=len(kept))):
        which = draw(st.sets(st.sampled_from(["summary", "umbrella"]), min_size=1))
        summary = draw(field_values("events", "summary"))
        reports = new.reports_of(event_id)
        flipped = not reports[0][2]["umbrella"]
        if "summary" in which and all(r["summary"] == summary for _, _, r in reports):
            which.discard("summary")
        for _, _, r in reports:
            if "summary" in which:
                r["summary"] = summary
            if "umbrella" in which:
                r["umbrella"] = flipped
        if which:
            edit.changed[event_id] = which
    retired = [x["id"] for x in (new.retired or {}).get("events", [])]
    used = {int(e.split("-")[1]) for e in [*events, *retired]}
    for _ in range(draw(st.integers(0, 2))):
        stem, _, r = draw(st.sampled_from(new.reports()))
        number = max(used) + 1
        used.add(number)
        copy_ = copy.deepcopy(r)
        copy_["event"] = f"ev-{number:04d}"
        copy_.pop("links", None)
        copy_.pop("canonical", None)
        new.codings[stem]["events"].append(copy_)
        edit.added.add(copy_["event"])
    return new, edit



def example_dataset(**kwargs: Any) -> Dataset:
    """One fixed dataset of `datasets(**kwargs)`: the same on every run (derandomized)."""
    from hypothesis import HealthCheck, Phase, find, settings

    return find(datasets(**kwargs), lambda _: True, settings=settings(
        database=None, derandomize=True, phases=[Phase.generate], max_examples=10,
        suppress_health_check=list(HealthCheck)))
