"""Hypothesis strategies for whole repositories (`datasets`) and for valid edits of one
(`edits`), built from what `gsi_events.compile.schema` reads from `schemas/`."""

from __future__ import annotations

import copy
import datetime as dt
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

import polars as pl
from hypothesis import strategies as st

from gsi_events.compile import schema
from gsi_events.compile.typemaps import polars_dtype
from gsi_events.loading import sha256
from gsi_events.testing.dataset import Dataset
from gsi_events.testing.values import SENTINEL, dates, field_values, optional, span, text


def _ids(draw: Any, prefix: str, n: int) -> list[str]:
    nums = draw(st.lists(st.one_of(st.integers(1, 60), st.integers(1, 99_999)),
                         min_size=n, max_size=n, unique=True))
    return [f"{prefix}-{k:04d}" for k in nums]


def quote_aspects() -> tuple[str, ...]:
    """The parts of an event a quote can support, from evidence.supports' pattern."""
    pattern = schema.table("evidence").field("supports").pattern or ""
    return tuple(re.search(r"\(([a-z_|]+)\)", pattern).group(1).split("|"))  # type: ignore[union-attr]


def evidence_of(report: dict[str, Any]) -> list[dict[str, Any]]:
    """A report's evidence list, under whichever key it has (quotes or evidence)."""
    for key in EVIDENCE_KEY.values():
        if isinstance(report.get(key), list):
            return report[key]
    return []


def needs(report: dict[str, Any]) -> set[str]:
    """The aspects of a report that events.values_are_quoted needs a quote for."""
    from gsi_events.compile.validate.rules.across import NEEDS_QUOTE

    row = {f.name: report.get(f.key) for f in schema.table("events").coded_fields}
    frame = pl.DataFrame([row], schema={f.name: polars_dtype(f.type)
                                        for f in schema.table("events").coded_fields})
    return {a for a, cond in NEEDS_QUOTE.items()
            if frame.select(cond.fill_null(False)).item()}


# Fields of an archived source that come from its text; a cited source has none of them.
TEXT_FIELDS = ("sha256", "bytes", "body_begins", "body_ends")
# The key a report's evidence list has in a coding file, by the kind of its source.
EVIDENCE_KEY = {"archived": "quotes", "cited": "evidence"}


def source_kinds() -> tuple[str, ...]:
    return tuple(schema.table("sources").field("kind").values)


@st.composite
def source_record(draw: Any, source_id: str, kind: str | None = None) -> dict[str, Any]:
    """A source record of the given kind (drawn when None). An archived one is without
    its text-dependent fields (sha256, bytes, body markers: `datasets` adds them with the
    text); a cited one has a title and date_accessed and none of them."""
    t = "sources"
    kind = kind or draw(field_values(t, "kind"))
    if kind not in EVIDENCE_KEY:
        raise NotImplementedError(
            f"no generator for sources of kind {kind!r} in schemas/; add it to "
            "gsi_events.testing.generate.EVIDENCE_KEY and source_record")
    rec: dict[str, Any] = {}
    precision = draw(field_values(t, "published_precision"))
    start, end = span(draw, precision, published=True)
    for f in schema.table(t).coded_fields:
        if f.name in TEXT_FIELDS:
            continue
        if f.name == "kind":
            value = kind
        elif f.name == "published_precision":
            value = precision
        elif f.name == "published_start":
            value = start
        elif f.name == "published_end":
            value = end
        elif kind == "cited" and f.name in ("title", "date_accessed"):
            value = draw(field_values(t, f.name))
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
    if out["count_unit"] == "items":  # events.count_kind_with_items
        out["count_kind"] = draw(field_values(t, "count_kind"))
    note = draw(optional(t, "count_note"))
    if note is not None:
        out["count_note"] = note
    return out


@st.composite
def _value(draw: Any) -> dict[str, Any]:
    """A money value, complete (amount, currency and year) or absent."""
    t = "events"
    if draw(st.integers(0, 3)) != 0:
        return {}
    return {k: draw(field_values(t, k)) for k in ("value_amount", "value_currency",
                                                 "value_year")}


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
    for name in ("initiator", "date_note", "location_place", "location_country"):
        value = draw(optional(t, name))
        if value is not None:
            r[name] = value
    if draw(st.integers(0, 3)) == 0:
        a, b = sorted([draw(dates()), draw(dates())])
        r["covers_start"], r["covers_end"] = a, b
    r.update(draw(_count()))
    r.update(draw(_value()))
    # the schema's field order, as a coder's scaffold has it
    order = [f.key for f in schema.table(t).coded_fields]
    r = {"event": event_id, **{k: r[k] for k in order if k in r}}
    roles = draw(st.lists(field_values("participants", "role"), max_size=3))
    r["participants"] = [draw(participant("actor")), *[draw(participant(x)) for x in roles]]
    return r


def _published_by(sources: dict[str, dict[str, Any]], reporting: list[str]
                  ) -> dt.date | None:
    """The earliest published_end among the sources reporting an event (None when none
    is known): a begun event's dates lie before it in every report, so that each source
    and the primary one (events.dates_before_publication) see it begun."""
    ends = [sources[sid].get("published_end") for sid in reporting]
    return min((d for d in ends if d is not None), default=None)


def _begun_by(r: dict[str, Any], bound: dt.date | None) -> None:
    """A completed or ongoing report dated after `bound` is dated to that day instead."""
    if bound is not None and r.get("date_start") is not None and r["date_start"] > bound:
        r.update(date_start=bound, date_end=bound, date_precision="day")
    elif (bound is not None and r.get("status") == "completed"
          and r.get("date_precision") == "day" and r.get("date_end") is not None
          and r["date_end"] > bound):
        r["date_end"] = bound


def _written(words: str, report: dict[str, Any], supports: set[str]) -> str:
    """The words of a quote or note, with what it must say in writing for what it
    supports (evidence.count_written, value_written, date_written): one of the coded
    numbers, the money value, the date. Each in brackets, so that no digit of the words
    around it runs into it."""
    parts = [words]
    if "count" in supports:
        n = next((report[k] for k in ("count_best", "count_low", "count_high")
                  if report.get(k) is not None), None)
        if n is not None:
            parts.append(f"({n})")
    if "value" in supports and report.get("value_amount") is not None:
        parts.append(f"({report['value_amount']})")
    if "date" in supports and report.get("date_start") is not None:
        parts.append(f"({report['date_start'].isoformat()})")
    return " ".join(parts)


@st.composite
def evidence(draw: Any, report: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    """A report's evidence from a source of the given kind: one entry per aspect the
    rules need supported, and up to two more; quotes (archived) or locator and note
    (cited). `datasets` puts an archived source's quotes into its text."""
    aspects = quote_aspects()
    words = (lambda: draw(text(3, 120))) if kind == "archived" else (
        lambda: draw(text(10, 200)))
    entries: list[tuple[str, list[str]]] = []
    for aspect in sorted(needs(report) | {"action"}):
        extra = draw(st.lists(st.sampled_from(aspects), max_size=2))
        entries.append((words(), list(dict.fromkeys([aspect, *extra]))))
    for _ in range(draw(st.integers(0, 2))):
        entries.append((words(), draw(st.lists(st.sampled_from(aspects), min_size=1,
                                               max_size=3, unique=True))))
    entries = list(draw(st.permutations(entries)))
    said = [_written(w, report, set(sup)) for w, sup in entries]
    if len(entries) > 1 and draw(st.booleans()):  # the same words twice
        both = set(entries[0][1]) | set(entries[-1][1])
        said[0] = said[-1] = _written(entries[0][0], report, both)
    if kind == "archived":
        return [{"quote": w, "supports": sup} for w, (_, sup) in zip(said, entries, strict=True)]
    return [{"locator": draw(field_values("evidence", "locator")), "note": w, "supports": sup}
            for w, (_, sup) in zip(said, entries, strict=True)]


@st.composite
def datasets(draw: Any, min_sources: int = 1, max_sources: int = 4, min_events: int = 1,
             max_events: int = 6, max_sources_per_event: int = 3, multi: bool = False,
             links: bool = True, canonical: bool = True, odd_texts: bool = True,
             kinds: tuple[str, ...] | None = None) -> Dataset:
    """A whole valid repository. `multi` guarantees an event reported by two sources that
    disagree (a discrepancy), at least one link, and (when `kinds` allows both) an
    archived and a cited source; `kinds` limits the kinds of source (default: every kind
    in schemas/); `max_sources_per_event=1` gives data that `gsi_events.coders.export`
    can write back exactly."""
    statuses_of, kind_of = schema.action_attribute("statuses"), schema.action_attribute("kind")
    kinds = tuple(kinds or source_kinds())
    status_field = schema.table("events").field("status")
    n_sources = draw(st.integers(max(min_sources, 2 if multi else 1), max_sources))
    source_ids = sorted(_ids(draw, "src", n_sources))
    source_kind = {sid: draw(st.sampled_from(kinds)) for sid in source_ids}
    if multi and len(kinds) > 1:
        source_kind[source_ids[0]], source_kind[source_ids[1]] = kinds[0], kinds[1]
    sources = {sid: draw(source_record(sid, source_kind[sid])) for sid in source_ids}
    n_events = draw(st.integers(max(min_events, 2 if multi else 1), max_events))
    event_ids = sorted(_ids(draw, "ev", n_events))
    quotes_by_source: dict[str, list[str]] = {sid: [] for sid in source_ids}
    reports: dict[str, list[dict[str, Any]]] = {sid: [] for sid in source_ids}
    action_kind: dict[str, str] = {}
    by_event: dict[str, list[dict[str, Any]]] = {}
    is_umbrella: dict[str, bool] = {}
    for n, event_id in enumerate(event_ids):
        action = draw(st.sampled_from(sorted(kind_of)))
        statuses = statuses_of[action] or list(status_field.values)
        status = draw(st.sampled_from(list(statuses)))
        action_kind[event_id] = kind_of[action] or ""
        umbrella = draw(field_values("events", "umbrella"))
        is_umbrella[event_id] = umbrella
        k = min(len(source_ids), max_sources_per_event)
        if multi and n == 0:
            reporting = source_ids[:2]
        else:
            reporting = draw(st.lists(st.sampled_from(source_ids), min_size=1, max_size=k,
                                      unique=True))
        bound = _published_by(sources, reporting) if status in schema.begun_statuses() else None
        for sid in reporting:
            r = draw(report(event_id, action, status, umbrella))
            _begun_by(r, bound)
            if multi and n == 0:  # the two sources disagree on the place
                r["location_place"] = "Lianyungang" if sid == reporting[0] else "Beijing"
                r.setdefault("location_country", "CHN")
                r["participants"] = r.pop("participants")
            entries = draw(evidence(r, source_kind[sid]))
            r[EVIDENCE_KEY[source_kind[sid]]] = entries
            quotes_by_source[sid] += [q["quote"] for q in entries if "quote" in q]
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
            if relation == "fulfils" and not (action_kind[a] == "delivery"
                                              and action_kind[b] == "pledge"):
                relation = "follows"
            if relation == "part_of" and not is_umbrella[b]:  # part_of an umbrella only
                relation = "follows"
            if relation in ("part_of", "follows") and event_ids.index(a) > event_ids.index(b):
                a, b = b, a  # always forward in id order: these links form no cycle
                if relation == "part_of" and not is_umbrella[b]:
                    relation = "follows"
            link: dict[str, Any] = {"relation": relation, "event": b}
            note = draw(optional("event_links", "note"))
            if note is not None:
                link["note"] = note
            r = draw(st.sampled_from(by_event[a]))
            r.setdefault("links", []).append(link)
            first = evidence_of(r)[0]
            first["supports"] = list(dict.fromkeys([*first["supports"], "link"]))
    for rs in by_event.values():  # keys in the order coders write them
        for r in rs:
            tail = {k: r.pop(k) for k in ("canonical", "participants", "links",
                                          *EVIDENCE_KEY.values()) if k in r}
            r.update(tail)

    # the archived texts: page furniture, the body with every quote, more furniture
    texts: dict[str, bytes] = {}
    order = [f.key for f in schema.table("sources").coded_fields]
    for sid in source_ids:
        if source_kind[sid] != "archived":
            continue
        begins = f"{draw(text(1, 30))} {SENTINEL}{sid}"
        # each marker occurs once (sources.body_markers_once): " §sid" only in begins,
        # "§§sid" only in ends
        ends = f"{SENTINEL}{SENTINEL}{sid} {draw(text(1, 30))}"
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
        rec["sha256"] = sha256(raw)
        rec["bytes"] = len(raw)
        rec["body_begins"] = begins
        rec["body_ends"] = ends
    sources = {sid: {k: rec[k] for k in order if k in rec} for sid, rec in sources.items()}

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
    wholes = {x.get("event") for _, _, r in new.reports() for x in r.get("links") or []
              if x.get("relation") == "part_of"}  # stay umbrellas
    removed = draw(st.lists(st.sampled_from(free), unique=True, max_size=len(free) - 1)
                   ) if len(free) > 1 else []
    for c in new.codings.values():
        c["events"] = [r for r in c.get("events") or [] if r.get("event") not in removed]
    edit.removed = set(removed)
    kept = [e for e in events if e not in removed]
    for event_id in draw(st.lists(st.sampled_from(kept), unique=True, max_size=len(kept))):
        which = draw(st.sets(st.sampled_from(["summary", "umbrella"]), min_size=1))
        if event_id in wholes:
            which.discard("umbrella")
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
