"""The coding files that checking one file needs: those its rules and its probable
duplicates read, found without compiling the whole repository.

Every coding file is read (bytes, from disk) and searched for the event and source ids
it mentions; the parse cache gives the reports of the few that matter. Taken are:

- every file that mentions an id the checked file mentions: all reports of its events
  (their canonical values, discrepancies, canonical marks), links into them, another
  coding of its source, the events its `distinct_from` names;
- forward along links, until nothing is new: every report of each event a needed event
  links to (the rules on links read the target's action and umbrella flag, and a cycle
  through one of its links runs along them);
- the probable-duplicate candidates: events another file reports in an action of the same
  family with a counterpart country or place the checked file's events have in any of
  their reports (a canonical value is always one report's), with all their reports.

A superset of what its rules read, so its problems are those a whole compile finds.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from gsi_events.coders.duplicates import family, place_key
from gsi_events.compile import cache
from gsi_events.compile.read import Coding, Report
from gsi_events.compile.yamlio import read_bytes

MENTION = re.compile(rb"\b(?:ev|src)-[0-9]{4,}\b")


def _mentions(raw: dict[Path, bytes]) -> dict[str, set[Path]]:
    """id -> the files that mention it."""
    out: dict[str, set[Path]] = defaultdict(set)
    for path, data in raw.items():
        for found in set(MENTION.findall(data)):
            out[found.decode()].add(path)
    return out


def _reports(codings: Iterable[Coding]) -> Iterable[Report]:
    for c in codings:
        yield from [*c.reports, *c.rejected]


def _marks(r: Report) -> tuple[set[str], str | None]:
    """The countries (group members included) and the place a report names."""
    codes = set()
    for p in r.participants:
        codes |= {p.get("country")} | set(str(p.get("group_members") or "").split(";"))
    return codes - {None, "", "CHN"}, place_key(r.fields.get("location_place"))


class Related:
    """The growing set of files, with their parsed codings (from the cache)."""

    def __init__(self, root: Path, files: Sequence[Path]) -> None:
        self.root = root
        self.raw = {p: _read(root, p) for p in files}
        self.mentions = _mentions(self.raw)
        self.chosen: set[Path] = set()
        self.codings: dict[Path, Coding] = {}
        self.store = cache.Store(root)

    def take(self, paths: Iterable[Path]) -> list[Coding]:
        new = sorted(set(paths) - self.chosen, key=lambda p: p.name)
        self.chosen |= set(new)
        for _, path, result, _ in cache.read_files(self.root, [("coding", p) for p in new],
                                                   self.store):
            if result is not None and result[0] is not None:
                self.codings[path] = result[0]
        return [self.codings[p] for p in new if p in self.codings]

    def mentioning(self, ids: Iterable[str]) -> set[Path]:
        return set().union(*(self.mentions.get(i, set()) for i in ids))


def _read(root: Path, path: Path) -> bytes:
    """A coding file's bytes, b"" for one that cannot be read (its own problem, reported
    when it is read): never a pipe, device or file outside the checkout."""
    try:
        rel = path.relative_to(root).as_posix()
    except ValueError:
        rel = path.as_posix()
    raw, _ = read_bytes(path, rel, root)
    return raw or b""


def related_files(root: Path, path: Path, files: Sequence[Path]
                  ) -> tuple[list[Path], set[str]]:
    """The coding files (of `files`, which holds `path`) to compile with `path`, and the
    source ids whose records they need."""
    rel = Related(root, files)
    try:
        own_ids = {m.decode() for m in MENTION.findall(rel.raw.get(path, b""))}
        rel.take([path, *rel.mentioning(own_ids)])
        events = {r.event_id for r in _reports(rel.codings.get(p) for p in [path]
                                               if p in rel.codings)}
        needed, seen = set(events), set(own_ids)
        while True:  # forward along links
            targets = {link.get("target_event_id") for r in _reports(rel.codings.values())
                       if r.event_id in needed for link in r.links} - seen - {None}
            if not targets:
                break
            needed |= targets
            seen |= targets
            rel.take(rel.mentioning(targets))
        rel.take(rel.mentioning(_duplicate_candidates(rel, events)))
        sources = {c.source_id for c in rel.codings.values()}
        return sorted(rel.chosen, key=lambda p: p.name), sources
    finally:
        rel.store.close()


def _duplicate_candidates(rel: Related, events: set[str]) -> set[str]:
    """Events that may be probable duplicates of `events` (see the module's doc)."""
    mine = [r for r in _reports(rel.codings.values()) if r.event_id in events]
    families = {family(str(r.fields.get("action"))) for r in mine}
    codes: set[Any] = set()
    places: set[str] = set()
    for r in mine:
        c, place = _marks(r)
        codes |= c
        places |= {place} if place else set()
    if not (codes or places):
        return set()
    words = [re.compile(rb"\b" + code.encode() + rb"\b") for code in sorted(codes)]
    look = [re.compile(r"\s+".join(map(re.escape, p.split())).encode(), re.IGNORECASE)
            for p in sorted(places)]
    rel.take(p for p, data in rel.raw.items() if p not in rel.chosen
             and any(w.search(data) for w in [*words, *look]))
    out = set()
    for r in _reports(rel.codings.values()):  # files taken before may hold one too
        c, place = _marks(r)
        if family(str(r.fields.get("action"))) in families and (c & codes or place in places):
            out.add(r.event_id)
    return out
