"""Large repositories for the scale benchmark (benchmarks/bench_scale.py): thousands of
sources coded the way coders code them, written straight to disk.

The hypothesis strategies (`datasets`) reach every edge of the schemas but draw a few
sources at a time; this module writes 100 to 10,000 sources in seconds, deterministically
from a seed, shaped like the real coding: archived sources (a text whose quotes are
found verbatim in its body) and cited ones (locator and note), about 2.5 events and 4.5
pieces of evidence per source, events reported by several sources that disagree on the
date, place, count, participants or status (`discrepancies`, `disagrees`), canonical
marks, links between events, a retired id, and a second coder's files in
coding/second/ for the agreement figures. Vocabularies, statuses and what evidence must
support come from `schemas/` (through `schema.action_attribute` and the rules), so the data
stays valid as the schemas grow. Every repository it writes validates (tested).
"""

from __future__ import annotations

import datetime as dt
import json
import random
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gsi_events.compile import countries, schema
from gsi_events.loading import sha256

START, DAYS = dt.date(2022, 1, 1), 4 * 365
SOURCE_TYPES = ("state_media", "news_agency", "local_media", "international_media")
VERBS = {"pledge": "promised", "delivery": "carried out", "diplomatic": "held"}
# The generator's own version: a changed generator writes a new repository.
VERSION = 2


@dataclass
class Event:
    """One real-world event and what its reports say about it."""

    event_id: str
    action: str
    status: str
    kind: str
    day: dt.date
    country: str
    place: str
    count: int | None
    umbrella: bool
    first_rank: int = 99  # the source-type rank of the first source to report it
    first_canonical: bool = False
    links: list[dict[str, Any]] = field(default_factory=list)
    reports: int = 0


def _actions() -> dict[str, dict[str, Any]]:
    """action -> its kind and statuses, from schemas/events.yaml."""
    kinds, statuses = schema.action_attribute("kind"), schema.action_attribute("statuses")
    return {a: {"kind": kinds.get(a), "statuses": statuses.get(a)}
            for a in schema.table("events").field("action").values}


def _counterparts() -> list[str]:
    return sorted(c for c in countries.names() if c != "CHN")


def _plain(text: str) -> str:
    """A YAML scalar for text: plain when YAML reads it back as that text, else quoted."""
    if re.fullmatch(r"[A-Za-z][A-Za-z0-9_ ,.()'-]*[A-Za-z0-9.)]", text) and ": " not in text:
        return text
    return json.dumps(text, ensure_ascii=False)


def _month(day: dt.date) -> tuple[dt.date, dt.date]:
    first = day.replace(day=1)
    nxt = (first + dt.timedelta(days=32)).replace(day=1)
    return first, nxt - dt.timedelta(days=1)


class Generator:
    """Writes one repository: `Generator(seed).write(root, n_sources)`."""

    def __init__(self, seed: int = 0, archived_share: float = 0.3,
                 second_share: float = 0.02) -> None:
        self.rng = random.Random(seed)
        self.archived_share = archived_share
        self.second_share = second_share
        self.actions = _actions()
        self.countries = _counterparts()
        types = schema.table("sources").field("source_type")
        self.ranks = {c.value: int(c.extra.get("rank", 99)) for c in types.categories}
        self.events: list[Event] = []
        self.open: list[Event] = []  # events a later source may report too

    # -- events and reports ----------------------------------------------------------

    def new_event(self) -> Event:
        rng = self.rng
        action = rng.choice(sorted(self.actions))
        extra = self.actions[action]
        statuses = extra.get("statuses") or schema.table("events").field("status").values
        kind = extra.get("kind", "")
        count = rng.randint(2, 3000) if kind == "delivery" and rng.random() < 0.5 else None
        country = rng.choice(self.countries)
        event = Event(f"ev-{len(self.events) + 1:05d}", action, rng.choice(list(statuses)),
                      kind, START + dt.timedelta(days=rng.randrange(DAYS)),
                      country, f"the capital of {countries.names()[country]}", count,
                      umbrella=rng.random() < 0.03)
        earlier = self.events[-200:]
        if earlier and rng.random() < 0.08:  # links always point back: no cycle
            target = rng.choice(earlier)
            relation = "follows"
            if kind == "delivery" and target.kind == "pledge":
                relation = "fulfils"
            elif target.umbrella:
                relation = "part_of"
            elif target.action in ("forum_hosted", "meeting"):
                relation = rng.choice(["announced_at", "on_margins_of"])
            event.links.append({"relation": relation, "event": target.event_id})
        self.events.append(event)
        return event

    def pick_events(self, k: int) -> list[Event]:
        """k events for one source: some reported before (multi-source), most new."""
        out: list[Event] = []
        for _ in range(k):
            candidates = [e for e in self.open[-60:] if e not in out]
            if candidates and self.rng.random() < 0.3:
                out.append(self.rng.choice(candidates))
            else:
                out.append(self.new_event())
        for e in out:
            e.reports += 1
            if e.reports == 1:
                self.open.append(e)
            elif e.reports >= 3 and e in self.open:
                self.open.remove(e)
        return out

    def report(self, e: Event, first: bool, rank: int) -> dict[str, Any]:
        """What one source (of source-type rank `rank`) says of an event: the first
        source the facts, later ones a vaguer date, another place, count or status (only
        where the first report stays the primary one), or more participants."""
        rng = self.rng
        r: dict[str, Any] = {"event": e.event_id, "action": e.action, "status": e.status}
        disagrees = None
        if first:
            e.first_rank = rank
        primary_stays = e.first_canonical or rank > e.first_rank
        if not first and primary_stays and rng.random() < 0.05:
            others = [s for s in self.actions[e.action].get("statuses") or [] if s != e.status]
            if others:
                r["status"] = rng.choice(others)
                disagrees = "status"
        r["summary"] = (f"China and {countries.names()[e.country]} {VERBS.get(e.kind, 'held')}"
                        f" {e.action.replace('_', ' ')} in {e.place} ({e.event_id}).")
        r["gsi_framing"] = "explicit" if rng.random() < 0.3 else "contextual"
        r["umbrella"] = e.umbrella
        vague = not first and rng.random() < 0.3
        start, end = _month(e.day) if vague else (e.day, e.day)
        r["date_start"], r["date_end"] = start, end
        r["date_precision"] = "month" if vague else "day"
        r["location_country"] = e.country
        if first or rng.random() < 0.8:
            r["location_place"] = e.place if first or rng.random() < 0.9 else f"near {e.place}"
        if e.count is not None:
            count = e.count if first or rng.random() < 0.9 else e.count + rng.randint(1, 50)
            r["count_best"] = count
            r["count_unit"] = "items" if e.action.startswith("equipment") else "officers"
            if r["count_unit"] == "items":
                r["count_kind"] = "patrol cars"
        if first and rng.random() < 0.1:
            r["canonical"] = e.first_canonical = True
        r["participants"] = [{"role": "actor", "country": "CHN", "institution": "police"},
                             {"role": "target", "country": e.country}]
        if not first and rng.random() < 0.1:
            r["participants"].append({"role": "partner", "organisation": "INTERPOL"})
        if first and e.links:
            r["links"] = e.links
        if disagrees:
            r["disagrees"] = [{"field": disagrees, "reason": "this source reports it so"}]
        return r

    def evidence(self, r: dict[str, Any], archived: bool) -> list[tuple[str, list[str]]]:
        """(words, supports) of a report's evidence: every aspect the rules need, in two
        or three passages that write the numbers and dates they support."""
        d: dt.date = r["date_start"]
        when = (d.strftime("%-d %B %Y") if r["date_precision"] == "day"
                else d.strftime("%B %Y"))
        who = countries.names()[r["location_country"]]
        first = (f"China and {who} {r['action'].replace('_', ' ')} ({r['status']}) "
                 f"reported for {r['event']}", ["action", "status", "participants"])
        second = (f"It took place in {r.get('location_place', who)} in {when}",
                  ["date", "location"])
        out = [first, second]
        if "count_best" in r:
            out.append((f"The count given was {r['count_best']} {r['count_unit']} "
                        f"for {r['event']}", ["count"]))
        if r.get("links"):
            out[0] = (out[0][0], [*out[0][1], "link"])
        if self.rng.random() < 0.4:
            out.append((f"Officials called {r['event']} a step in security cooperation",
                        ["framing"]))
        tag = "" if archived else ", in the coder's words"
        return [(f"{words}{tag}.", supports) for words, supports in out]

    # -- files ------------------------------------------------------------------------

    def source_record(self, sid: str, archived: bool, source_type: str,
                      text: bytes | None, day: dt.date) -> str:
        rng = self.rng
        lines = [f"kind: {'archived' if archived else 'cited'}"]
        if not archived:
            lines.append(f"title: {_plain(f'Report {sid} on security cooperation')}")
        lines += [f"publisher: {rng.choice(['Xinhua', 'Reuters', 'The Diplomat', 'Nikkei'])}",
                  f"url: https://example.org/news/{sid}",
                  f"published_start: {day}", f"published_end: {day}",
                  "published_precision: day", "published_basis: the dateline",
                  f"source_type: {source_type}",
                  "language: en"]
        if archived and text is not None:
            lines += [f"sha256: {sha256(text)}", f"bytes: {len(text)}",
                      f"body_begins: Body of {sid} begins", f"body_ends: Body of {sid} ends."]
        else:
            lines.append("date_accessed: 2026-01-15")
        return "\n".join(lines) + "\n"

    def coding_file(self, sid: str, coder: str, reports: list[dict[str, Any]],
                    evidence: list[list[tuple[str, list[str]]]], archived: bool) -> str:
        out = [f"source: {sid}", f"coder: {coder}", "events:"]
        for r, ev in zip(reports, evidence, strict=True):
            out.append(f"- event: {r['event']}")
            for key, value in r.items():
                if key in ("event", "participants", "links", "disagrees"):
                    continue
                shown = (str(value).lower() if isinstance(value, bool) else
                         _plain(value) if isinstance(value, str) else str(value))
                out.append(f"  {key}: {shown}")
            out.append("  participants:")
            for p in r["participants"]:
                keys = list(p.items())
                out.append(f"  - {keys[0][0]}: {keys[0][1]}")
                out += [f"    {k}: {_plain(str(v))}" for k, v in keys[1:]]
            for key in ("links", "disagrees"):
                if r.get(key):
                    out.append(f"  {key}:")
                    for x in r[key]:
                        items = list(x.items())
                        out.append(f"  - {items[0][0]}: {items[0][1]}")
                        out += [f"    {k}: {_plain(str(v))}" for k, v in items[1:]]
            out.append("  quotes:" if archived else "  evidence:")
            for n, (words, supports) in enumerate(ev, 1):
                if archived:
                    out.append(f"  - quote: {_plain(words)}")
                else:
                    out.append(f"  - locator: paragraph {n}")
                    out.append(f"    note: {_plain(words)}")
                out.append(f"    supports: [{', '.join(supports)}]")
        return "\n".join(out) + "\n"

    def text(self, sid: str, passages: list[str]) -> bytes:
        """An archived page: furniture, the body (every quote, between filler), furniture."""
        body = [f"Body of {sid} begins here, as the wire reported it."]
        for p in passages:
            body += [p, "Officials gave no further details on the day."]
        body.append(f"Body of {sid} ends.")
        return ("Home | World | Sign in\n" + "\n".join(body)
                + "\nRead more: other stories\n").encode("utf-8")

    def write(self, root: Path, n_sources: int) -> None:
        """Write archive/, coding/, coding/second/ and coding/retired.yaml under root."""
        rng = self.rng
        for folder in ("archive", "coding", "coding/second"):
            (root / folder).mkdir(parents=True, exist_ok=True)
        for i in range(1, n_sources + 1):
            sid = f"src-{i:05d}"
            archived = rng.random() < self.archived_share
            source_type = rng.choice(SOURCE_TYPES)
            k = rng.choice([1, 2, 2, 3, 3, 4])
            events = self.pick_events(k)
            reports = [self.report(e, e.reports == 1, self.ranks[source_type])
                       for e in events]
            evidence = [self.evidence(r, archived) for r in reports]
            text = None
            if archived:
                text = self.text(sid, [w for ev in evidence for w, _ in ev])
                (root / "archive" / f"{sid}.txt").write_bytes(text)
            # published after everything it reports (events.dates_before_publication)
            published = max(r["date_end"] for r in reports) + dt.timedelta(
                days=rng.randrange(30))
            (root / "archive" / f"{sid}.yaml").write_text(
                self.source_record(sid, archived, source_type, text, published),
                encoding="utf-8")
            (root / "coding" / f"{sid}.yaml").write_text(
                self.coding_file(sid, "coder-a", reports, evidence, archived), encoding="utf-8")
            if rng.random() < self.second_share:
                second = [{k: v for k, v in r.items() if k not in ("links", "canonical")}
                          for r in reports]
                (root / "coding" / "second" / f"{sid}.yaml").write_text(
                    self.coding_file(sid, "coder-b", second, evidence, archived),
                    encoding="utf-8")
        retired = f"ev-{len(self.events) + 1:05d}"
        (root / "coding" / "retired.yaml").write_text(
            f"events:\n- id: {retired}\n  reason: withdrawn, a duplicate\n", encoding="utf-8")


def scale_repository(root: Path, n_sources: int, seed: int = 0, **options: Any) -> Path:
    """Write a valid repository of n_sources sources under root (schemas/ not included:
    copy them beside it). The same arguments give the same bytes."""
    Generator(seed, **options).write(Path(root), n_sources)
    return Path(root)
