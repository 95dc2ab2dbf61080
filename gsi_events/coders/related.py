"""The coding files that checking one file needs: those its rules and its probable
duplicates read, found without compiling the whole repository.

Taken are:

- every file that mentions an id the checked file mentions: all reports of its events
  (their canonical values, discrepancies, canonical marks), links into them, another
  coding of its source, the events its `distinct_from` names;
- forward along links, until nothing is new: every report of each event a needed event
  links to (the rules on links read the target's action and umbrella flag, and a cycle
  through one of its links runs along them);
- the probable-duplicate candidates: events any file reports in an action of the same
  family with a counterpart country or place the checked file's events have in any of
  their reports (a canonical value is always one report's), with all their reports.

A superset of what its rules read, so its problems are those a whole compile finds.

What each file says for this search (`Entry`: the event and source ids in its bytes, and
each report's action family, counterpart countries and place) is kept in the parse
cache's store, keyed by the file's cache key (the sha256 of its bytes, path and the code
version), so an entry is never used for other bytes. An entry is made from the file's
bytes and its parse when the parse cache holds that; a file whose parse is not cached is
searched in its bytes (its ids, and its countries' and places' words: the files that
match are compiled, and their reports compared), without parsing the rest.

Finding a file's key without reading it: the parse cache's index of file signatures
(`cache.signed`, the one `validate` keeps: size, times, inode), which names a file's key
while its signature is unchanged and it had settled when that was taken; any other file
is read and hashed, and its row kept for the next reading, whichever command it is. So an
unchanged repository is searched from the store, and only changed files are read.
"""

from __future__ import annotations

import contextlib
import marshal
import os
import re
from collections import defaultdict
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gsi_events.coders.duplicates import family, place_key
from gsi_events.compile import cache
from gsi_events.compile.read import Coding, Report
from gsi_events.compile.yamlio import read_bytes

MENTION = re.compile(rb"\b(?:ev|src)-[0-9]{4,}\b")
ENTRY = "related-entry:"  # the key prefix of entries in the cache's store

Mark = tuple[str, str, tuple[Any, ...], str | None]  # event, family, countries, place


@dataclass
class Entry:
    """What one coding file says for the search; marks None: not known (its parse is not
    cached), search its bytes. Kept as the marshal of plain tuples (data, never code),
    which a check reads back for every file: no conversion per value."""

    ids: Collection[str] = field(default_factory=set)
    marks: tuple[Mark, ...] | None = None

    def dump(self) -> bytes:
        """Raises ValueError for a value marshal cannot hold."""
        return marshal.dumps((tuple(sorted(self.ids)), tuple(
            (e, f, tuple(sorted(c, key=repr)), p) for e, f, c, p in self.marks or ())))

    @classmethod
    def load(cls, data: bytes) -> Entry:
        """Raises ValueError, EOFError or TypeError on data `dump` did not write."""
        ids, marks = marshal.loads(data)
        if not (ids.__class__ is tuple and marks.__class__ is tuple
                and all(i.__class__ is str for i in ids)
                and all(m.__class__ is tuple and len(m) == 4 and m[2].__class__ is tuple
                        for m in marks)):
            raise ValueError("not an entry")
        return cls(ids, marks)


def _reports(codings: Iterable[Coding]) -> Iterable[Report]:
    for c in codings:
        yield from [*c.reports, *c.rejected]


def _marks(r: Report) -> tuple[set[str], str | None]:
    """The countries (group members included) and the place a report names."""
    codes = set()
    for p in r.participants:
        codes |= {p.get("country")} | set(str(p.get("group_members") or "").split(";"))
    return codes - {None, "", "CHN"}, place_key(r.fields.get("location_place"))


def mentions(raw: bytes) -> set[str]:
    """The event and source ids in a file's bytes."""
    return {m.decode() for m in MENTION.findall(raw)}


def entry(raw: bytes, coding: Coding | None) -> Entry:
    """A file's entry, from its bytes and what they parse to."""
    marks = []
    for r in _reports([coding] if coding is not None else []):
        codes, place = _marks(r)
        marks.append((r.event_id, family(str(r.fields.get("action"))),
                      tuple(sorted(codes, key=repr)), place))
    return Entry(mentions(raw), tuple(marks))


def _rel(root: Path, path: Path) -> str:
    text, prefix = str(path), f"{root}{os.sep}"
    if text.startswith(prefix):  # pathlib's relative_to costs more than the search
        return text[len(prefix):].replace(os.sep, "/")
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()


def _read(root: Path, path: Path) -> bytes | None:
    """A coding file's bytes, None for one that cannot be read (its own problem, reported
    when it is compiled): never a pipe, device or file outside the checkout."""
    raw, _ = read_bytes(path, _rel(root, path), root)
    return raw


def index(root: Path, files: Sequence[Path], store: cache.Store
          ) -> tuple[dict[Path, Entry], dict[Path, bytes]]:
    """Each readable file's entry (from the store by its key, else made and kept when the
    parse cache holds the file's parse), and the bytes of those whose marks are unknown.
    A file's key is the parse cache's stat index's where that trusts it (`cache.signed`),
    else its bytes are read and hashed, and its index row kept for the next reading."""
    known = cache.signed(root, [("coding", p) for p in files], store)
    keys: dict[Path, str] = {}
    raw: dict[Path, bytes] = {}
    read: list[int] = []  # positions in files of those read and hashed here

    def hashed(i: int, p: Path) -> bool:
        data = _read(root, p)
        if data is None:
            return False
        raw[p], keys[p] = data, cache.digest("coding", known.rels[i], data)
        known.keys[i] = keys[p]
        read.append(i)
        return True

    for i, p in enumerate(files):
        if (key := known.keys[i]) is not None:
            keys[p] = key
        else:
            hashed(i, p)
    kept = store.get([ENTRY + k for k in keys.values()])
    out: dict[Path, Entry] = {}
    for p, key in keys.items():
        try:  # not contextlib.suppress: this runs once per coding file
            found = Entry.load(kept[ENTRY + key])
        except (ValueError, KeyError, TypeError, EOFError):
            continue
        out[p] = found
    del kept
    for i, p in enumerate(files):  # known by the index alone, with no entry: read them
        if p in keys and p not in out and p not in raw and not hashed(i, p):
            del keys[p]
    todo = [p for p in keys if p not in out and p in raw]
    parses = store.get([keys[p] for p in todo])  # the parse cache's, of exactly these bytes
    unknown: dict[Path, bytes] = {}
    fresh: dict[str, bytes] = {}
    for p in todo:
        with contextlib.suppress(*cache.CORRUPT):
            out[p] = entry(raw[p], cache.decode("coding", parses[keys[p]])[0])
            with contextlib.suppress(ValueError):  # a value marshal cannot hold
                fresh[ENTRY + keys[p]] = out[p].dump()
            continue
        out[p], unknown[p] = Entry(mentions(raw[p])), raw[p]
    store.put(fresh, known.rows(read))
    return out, unknown


class Related:
    """The growing set of files, with their parsed codings (from the cache)."""

    def __init__(self, root: Path, files: Sequence[Path]) -> None:
        self.root = root
        self.store = cache.Store(root)
        self.index, self.unknown = index(root, files, self.store)
        self.mentions: dict[str, set[Path]] = defaultdict(set)  # id -> files mentioning it
        for path, e in self.index.items():
            for i in e.ids:
                self.mentions[i].add(path)
        self.chosen: set[Path] = set()
        self.codings: dict[Path, Coding] = {}

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


def related_files(root: Path, path: Path, files: Sequence[Path]
                  ) -> tuple[list[Path], set[str]]:
    """The coding files (of `files`, which holds `path`) to compile with `path`, and the
    source ids whose records they need."""
    rel = Related(root, files)
    try:
        own_ids = rel.index[path].ids if path in rel.index else set()
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
    if rel.unknown:  # files whose parse is not cached: their words, then their reports
        words = [re.compile(rb"\b" + re.escape(str(code)).encode() + rb"\b")
                 for code in sorted(codes, key=repr)]
        look = [re.compile(r"\s+".join(map(re.escape, p.split())).encode(), re.IGNORECASE)
                for p in sorted(places)]
        rel.take(p for p, data in rel.unknown.items() if p not in rel.chosen
                 and any(w.search(data) for w in [*words, *look]))
    out = {event for e in rel.index.values() for event, fam, c, place in e.marks or ()
           if fam in families and (not codes.isdisjoint(c) or place in places)}
    for p in rel.unknown.keys() & rel.codings.keys():
        for r in _reports([rel.codings[p]]):
            c, place = _marks(r)
            if family(str(r.fields.get("action"))) in families and (c & codes or place in places):
                out.add(r.event_id)
    return out
