"""The parse cache: each file's parsed and checked result, kept by the sha256 of the
file's bytes, its path and the code version (every module of gsi_events, the schemas,
the YAML libraries and Python), so an entry is never used once either changed.

It lives in the checkout, in `.gsi-events-cache/` (gitignored, safe to delete at any
time): one SQLite file of entries, each the marshal of plain data (`_parse`), so a
tampered entry is data, never code, and a corrupt entry is ignored and rewritten; an
unreadable database is deleted and started again; a checkout that cannot be written
(read-only, a full disk) is read without a cache.

Beside the entries, an index of file signatures (size, mtime, ctime, inode, device, as
git's index keeps them) names the entry of each file as last read: a regular file whose
signature is unchanged, and was settled when it was read (`trusted`: a file changed in
the clock tick it was read is read again, git's "racily clean"), is neither read nor
hashed. Any other file is read and hashed, and its entry found by its bytes.

When many files are not in the cache (`PARALLEL_FROM`), a worker process parses part of
them: the results come back in the files' order, as the same entry a cache hit gives, so
a result never depends on whether it was cached or parsed, nor where.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import hashlib
import json
import marshal
import os
import queue
import sqlite3
import stat
import subprocess
import sys
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from gsi_events import paths
from gsi_events.compile import schema
from gsi_events.compile.read import Coding, ParsedSource, Report, parse_coding, parse_source
from gsi_events.compile.yamlio import read_bytes
from gsi_events.fileops import Realpaths
from gsi_events.problems import Problem

CACHE_DIR = ".gsi-events-cache"
DATABASE = "parsed.sqlite"
PARALLEL_FROM = 300  # files to parse before worker processes pay for their start-up
# A file last changed less than this before a reading began is read and hashed again on
# the next run even when its signature is unchanged (see `trusted`): more than a clock
# tick of any file system (FAT's two seconds included).
SETTLED_NS = 3_000_000_000
# Set GSI_EVENTS_NO_CACHE=1 to read every file afresh and keep nothing.
DISABLED = "GSI_EVENTS_NO_CACHE"


@functools.cache
def code_version() -> str:
    """What a cached result depends on besides the file: the code, the schemas, and the
    versions of Python, the YAML libraries and text2num (number words, in the results
    kept beside the entries: `derived`)."""
    h = hashlib.sha256()
    for folder, pattern in ((paths.PACKAGE, "**/*.py"), (paths.schema_dir(), "*.yaml")):
        for p in sorted(folder.glob(pattern)):
            h.update(p.relative_to(folder).as_posix().encode() + b"\0" + p.read_bytes())
    for dist in ("ruamel.yaml", "pyyaml", "text2num"):
        with contextlib.suppress(PackageNotFoundError):
            h.update(f"{dist} {version(dist)}".encode())
    h.update(sys.version.encode())
    return h.hexdigest()


def digest(kind: str, rel: str, raw: bytes) -> str:
    """The key of one file's entry."""
    head = f"{code_version()}\0{kind}\0{rel}\0".encode()
    return hashlib.sha256(head + raw).hexdigest()


# --- the store ----------------------------------------------------------------------------


class Store:
    """The SQLite file of entries; every method does nothing once it failed."""

    def __init__(self, root: Path) -> None:
        self.db: sqlite3.Connection | None = None
        if os.environ.get(DISABLED):
            return
        path = Path(root) / CACHE_DIR / DATABASE
        try:
            path.parent.mkdir(exist_ok=True)
        except OSError:  # a read-only checkout: read without a cache
            return
        for attempt in range(2):
            try:
                self.db = sqlite3.connect(path, timeout=5, isolation_level=None)
                for table in ("entries", "derived"):
                    self.db.execute(f"CREATE TABLE IF NOT EXISTS {table} "
                                    "(key TEXT PRIMARY KEY, version TEXT, value TEXT)")
                self.db.execute("CREATE TABLE IF NOT EXISTS files (rel TEXT PRIMARY KEY, "
                                "kind TEXT, signature TEXT, started INTEGER, key TEXT, "
                                "version TEXT)")
                with contextlib.suppress(sqlite3.OperationalError):  # read-only: keep them
                    for table in ("entries", "derived", "files"):
                        self.db.execute(f"DELETE FROM {table} WHERE version != ?",
                                        (code_version(),))
                return
            except sqlite3.OperationalError:  # locked, read-only, no space
                self.close()
                return
            except sqlite3.DatabaseError:  # not a database, or a broken one: start again
                self.close()
                if attempt == 0:
                    with contextlib.suppress(OSError):
                        path.unlink()
            except OSError:
                self.close()
                return

    def get(self, keys: Sequence[str]) -> dict[str, bytes]:
        return dict(self.each(keys))

    def each(self, keys: Sequence[str], table: str = "entries"
             ) -> Iterator[tuple[str, bytes]]:
        """(key, value) of the entries held for these keys, a few hundred at a time (the
        values of all files at once would be a peak of memory); `table` "derived" for
        the results kept beside them (`derived`)."""
        assert table in ("entries", "derived")
        if self.db is None:
            return
        try:
            for i in range(0, len(keys), 500):
                chunk = keys[i:i + 500]
                yield from self.db.execute(
                    f"SELECT key, value FROM {table} WHERE key IN ({','.join('?' * len(chunk))})",
                    chunk).fetchall()
        except sqlite3.Error:
            self.close()

    def index(self, rels: Sequence[str]) -> dict[str, tuple[str, str, int, str]]:
        """{rel: (kind, signature, started, key)}: what the index says of these files."""
        found: dict[str, tuple[str, str, int, str]] = {}
        if self.db is None:
            return found
        query = "SELECT rel, kind, signature, started, key FROM files WHERE version = ?"
        try:
            if len(rels) > 2000:  # most of the files: one pass over the table
                wanted = set(rels)
                rows = [r for r in self.db.execute(query, (code_version(),)) if r[0] in wanted]
            else:
                rows = []
                for i in range(0, len(rels), 500):
                    chunk = list(rels[i:i + 500])
                    rows += self.db.execute(
                        f"{query} AND rel IN ({','.join('?' * len(chunk))})",
                        [code_version(), *chunk]).fetchall()
        except sqlite3.Error:
            self.close()
            return found
        for rel, kind, sig, started, key in rows:
            if isinstance(started, int) and all(isinstance(x, str) for x in (kind, sig, key)):
                found[rel] = (kind, sig, started, key)
        return found

    def put(self, items: dict[str, bytes],
            files: Sequence[tuple[str, str, str, int, str]] = (),
            table: str = "entries") -> None:
        """Store entries (in `table`, as `each`), and index rows (rel, kind, signature,
        started, key)."""
        assert table in ("entries", "derived")
        if self.db is None or not (items or files):
            return
        try:
            with self.db:
                self.db.execute("BEGIN")
                self.db.executemany(
                    f"INSERT OR REPLACE INTO {table} (key, version, value) VALUES (?, ?, ?)",
                    [(k, code_version(), v) for k, v in items.items()])
                self.db.executemany(
                    "INSERT OR REPLACE INTO files (rel, kind, signature, started, key, "
                    "version) VALUES (?, ?, ?, ?, ?, ?)",
                    [(*row, code_version()) for row in files])
        except sqlite3.Error:  # read-only, full, locked by another run: keep nothing
            self.close()

    def close(self) -> None:
        if self.db is not None:
            with contextlib.suppress(sqlite3.Error):
                self.db.close()
        self.db = None


# --- results as entries --------------------------------------------------------------------
# An entry is the marshal of plain data (dicts, lists, texts, numbers; dates as text):
# data, never code, and read back by C. Keys and short texts (codes, vocabulary words,
# locators) are written interned, so that they are read back as one object each, not one
# per row: tens of megabytes less at ten thousand sources.

SHARED_UP_TO = 48  # characters of a text worth sharing
_DATES: dict[str, dt.date] = {}  # dates read back, shared the same way; emptied per reading


@functools.cache
def _date_fields(table: str) -> tuple[str, ...]:
    return tuple(f.name for f in schema.table(table).fields if f.type == "date")


def _row_out(row: dict[str, Any], table: str) -> dict[str, Any]:
    intern = sys.intern
    out = {intern(k): intern(v) if v.__class__ is str and len(v) <= SHARED_UP_TO else v
           for k, v in row.items()}
    for name in _date_fields(table):
        if isinstance(out.get(name), dt.date):
            out[name] = intern(out[name].isoformat())
    return out


def _row_in(row: dict[str, Any], table: str) -> dict[str, Any]:
    for name in _date_fields(table):
        if (text := row.get(name)) is not None:
            row[name] = _DATES.get(text) or _DATES.setdefault(text, dt.date.fromisoformat(text))
    return row


def _report_out(r: Report) -> dict[str, Any]:
    return {"source_id": r.source_id, "event_id": r.event_id,
            "fields": _row_out(r.fields, "events"),
            "participants": [_row_out(x, "participants") for x in r.participants],
            "links": [_row_out(x, "event_links") for x in r.links],
            "quotes": [_row_out(x, "evidence") for x in r.quotes],
            "file": r.file, "line": r.line, "canonical": r.canonical,
            "untyped": sorted(r.untyped), "distinct_from": r.distinct_from,
            "disagrees": r.disagrees}


def _report_in(d: dict[str, Any]) -> Report:
    return Report(source_id=d["source_id"], event_id=d["event_id"],
                  fields=_row_in(d["fields"], "events"),
                  participants=[_row_in(x, "participants") for x in d["participants"]],
                  links=[_row_in(x, "event_links") for x in d["links"]],
                  quotes=[_row_in(x, "evidence") for x in d["quotes"]],
                  file=d["file"], line=d["line"], canonical=d["canonical"],
                  untyped=frozenset(d["untyped"]), distinct_from=d["distinct_from"],
                  disagrees=d["disagrees"])


CORRUPT = (ValueError, KeyError, TypeError, AttributeError, EOFError, IndexError)


def _problems_out(problems: list[Problem]) -> list[list[str]]:
    return [[p.file, p.record, p.rule, p.message] for p in problems]


def _problems_in(items: list[list[str]]) -> list[Problem]:
    return [Problem(*map(str, x)) for x in items]


def _parse(job: tuple[str, bytes, str, str]) -> bytes:
    """One file parsed, as its entry (run in a worker or here)."""
    kind, raw, rel, stem = job
    if kind == "source":
        s = parse_source(raw, rel, stem)
        out: dict[str, Any] = {"row": None if s.row is None else _row_out(s.row, "sources"),
                               "line": s.line, "valid": s.valid,
                               "problems": _problems_out(s.problems)}
    else:
        coding, problems = parse_coding(raw, rel, stem)
        out = {"coding": None if coding is None else {
            "source_id": coding.source_id, "coder": coding.coder, "file": coding.file,
            "reports": [_report_out(r) for r in coding.reports],
            "rejected": [_report_out(r) for r in coding.rejected]},
            "problems": _problems_out(problems)}
    try:
        return marshal.dumps(out)
    except ValueError:  # a str or int subclass from ruamel.yaml (a block scalar, ...)
        return marshal.dumps(_plain(out))


def _plain(value: Any) -> Any:
    """The value as the plain types marshal writes (what JSON made of it, too)."""
    if isinstance(value, dict):
        return {_plain(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, bool) or value is None:
        return value
    for kind in (str, int, float):
        if isinstance(value, kind):
            return kind(value)
    return value


def decode(kind: str, entry: bytes) -> Any:
    """An entry's result (ParsedSource, or (Coding | None, problems)); raises one of
    `CORRUPT` on an entry this module did not write."""
    d = marshal.loads(entry)
    if kind == "source":
        row = None if d["row"] is None else _row_in(d["row"], "sources")
        return ParsedSource(row, d["line"], bool(d["valid"]), _problems_in(d["problems"]))
    c = d["coding"]
    coding = None if c is None else Coding(
        source_id=c["source_id"], coder=c["coder"], file=c["file"],
        reports=[_report_in(r) for r in c["reports"]],
        rejected=[_report_in(r) for r in c["rejected"]])
    return coding, _problems_in(d["problems"])


# --- reading many files -----------------------------------------------------------------------


def _parse_all(jobs: list[tuple[str, bytes, str, str]]) -> list[bytes]:
    """Each job's entry, in order. With many jobs a worker process (`python -m
    gsi_events.compile.cache`, fed through a pipe: no fork of a process running polars'
    threads, and no import of the caller's main module) takes jobs from the end of the
    list, a few at a time, while this process takes them from the front: both finish
    together, however fast each is. A job the worker did not do is done here."""
    if len(jobs) < PARALLEL_FROM or (os.cpu_count() or 1) < 2:
        return [_parse(job) for job in jobs]
    out: list[bytes | None] = [None] * len(jobs)
    ends = [0, len(jobs)]  # the jobs not yet taken: ends[0] <= i < ends[1]
    lock = threading.Lock()

    def take_back(n: int) -> range:
        with lock:
            low = max(ends[0], ends[1] - n)
            taken, ends[1] = range(low, ends[1]), low
            return taken

    worker = _Worker(jobs, out, take_back)
    while True:
        with lock:
            if ends[0] >= ends[1]:
                break
            i = ends[0]
            ends[0] += 1
        out[i] = _parse(jobs[i])
    worker.join()
    return [_parse(jobs[i]) if entry is None else entry for i, entry in enumerate(out)]


class _Worker:
    """A worker process fed jobs by one thread while another reads its entries back;
    a job whose entry never came back stays None in `out`."""

    CHUNK = 8  # jobs taken at a time: a small tail for this process to wait for

    def __init__(self, jobs: list[tuple[str, bytes, str, str]], out: list[bytes | None],
                 take: Any) -> None:
        self.jobs, self.out, self.take = jobs, out, take
        self.sent: queue.SimpleQueue[int | None] = queue.SimpleQueue()
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(
            [str(paths.PACKAGE.parent), *filter(None, [os.environ.get("PYTHONPATH")])])}
        try:
            self.process: subprocess.Popen[bytes] | None = subprocess.Popen(
                [sys.executable, "-m", "gsi_events.compile.cache"], stdin=subprocess.PIPE,
                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env,
                cwd=paths.PACKAGE.parent)  # `-m` looks first in its working folder
        except OSError:
            self.process = None
            self.threads: list[threading.Thread] = []
            return
        self.threads = [threading.Thread(target=self.feed, daemon=True),
                        threading.Thread(target=self.collect, daemon=True)]
        for t in self.threads:
            t.start()

    def feed(self) -> None:
        assert self.process is not None and self.process.stdin is not None
        try:
            while chunk := self.take(self.CHUNK):
                for i in chunk:
                    self.sent.put(i)
                self.process.stdin.write(b"".join(
                    json.dumps([kind, rel, stem, len(raw)]).encode() + b"\n" + raw
                    for kind, raw, rel, stem in (self.jobs[i] for i in chunk)))
                self.process.stdin.flush()
        except OSError:  # the worker died: its jobs are done by the caller
            pass
        finally:
            self.sent.put(None)
            with contextlib.suppress(OSError):
                self.process.stdin.close()

    def collect(self) -> None:
        assert self.process is not None and self.process.stdout is not None
        stream = self.process.stdout
        while (i := self.sent.get()) is not None:
            size = int.from_bytes(stream.read(8), "big")
            entry = stream.read(size)
            if not size or len(entry) != size:
                break
            self.out[i] = entry

    def join(self) -> None:
        for t in self.threads:
            t.join()
        if self.process is not None:
            self.process.kill()  # done, or stuck: either way nothing more comes
            self.process.wait()
            for stream in (self.process.stdin, self.process.stdout):
                if stream is not None:
                    with contextlib.suppress(OSError):
                        stream.close()


def _worker() -> None:
    """The worker's loop: jobs from standard input, each entry to standard output after
    its size (8 bytes), as soon as it is done."""
    jobs, entries = sys.stdin.buffer, sys.stdout.buffer
    while header := jobs.readline():
        kind, rel, stem, size = json.loads(header)
        raw = jobs.read(size)
        if len(raw) != size:
            return
        entry = _parse((kind, raw, rel, stem))
        entries.write(len(entry).to_bytes(8, "big") + entry)
        entries.flush()


def _now_ns() -> int:
    return time.time_ns()


def signature(info: os.stat_result) -> str:
    """What says a file is unchanged without reading it (git's index checks the same)."""
    return (f"{info.st_size}:{info.st_mtime_ns}:{info.st_ctime_ns}:{info.st_ino}:"
            f"{info.st_dev}")


def trusted(mtime_ns: int, ctime_ns: int, started: int) -> bool:
    """True when a file with this signature, seen unchanged since a reading that began at
    `started`, can have changed only by changing its signature: it was last changed
    (mtime, and ctime, which no program can set back) at least SETTLED before that
    reading began. A file changed in the same clock tick as it was read ("racily clean")
    is read and hashed again."""
    return max(mtime_ns, ctime_ns) < started - SETTLED_NS


def read_files(root: Path, items: Sequence[tuple[str, Path]], store: Store,
               links: Realpaths | None = None
               ) -> Iterator[tuple[str, Path, Any, list[Problem]]]:
    """(kind, path, result, problems) of each (kind, path) in order: see `read_all`."""
    for kind, path, _, _, result, problems in read_all(root, items, store, links):
        yield kind, path, result, problems


class Signed:
    """What the stat index says of some files before any is read: each one's path below
    root (`rels`), its signature (`signatures`, of each regular file inside the checkout,
    taken before reading it), and the key of its entry where the index names one and the
    file's signature is unchanged and was settled (`keys`; None: read and hash it)."""

    def __init__(self, root: Path, items: Sequence[tuple[str, Path]], store: Store,
                 links: Realpaths) -> None:
        self.started = _now_ns()
        self.kinds = [kind for kind, _ in items]
        prefix = f"{root}{os.sep}"
        self.rels = [text[len(prefix):].replace(os.sep, "/")
                     if (text := str(path)).startswith(prefix)
                     else path.relative_to(root).as_posix() for _, path in items]
        index = store.index(self.rels)
        self.keys: list[str | None] = [None] * len(items)
        self.signatures: dict[int, str] = {}
        for i, (kind, path) in enumerate(items):
            try:
                info: os.stat_result | None = os.lstat(path)
            except OSError:
                info = None
            if (info is not None and stat.S_ISREG(info.st_mode)
                    and links.outside(path, info) is None):
                self.signatures[i] = signature(info)
                row = index.get(self.rels[i])
                if row is not None and row[:2] == (kind, self.signatures[i]) and trusted(
                        info.st_mtime_ns, info.st_ctime_ns, row[2]):
                    self.keys[i] = row[3]

    def rows(self, read: Iterable[int]) -> list[tuple[str, str, str, int, str]]:
        """The index rows of these files, read and hashed in this reading (their `keys`
        set from their bytes): for `Store.put`. A row may name an entry the store does
        not hold; a reading that finds none reads the file."""
        return [(self.rels[i], self.kinds[i], self.signatures[i], self.started, key)
                for i in read if i in self.signatures and (key := self.keys[i]) is not None]


def signed(root: Path, items: Sequence[tuple[str, Path]], store: Store,
           links: Realpaths | None = None) -> Signed:
    """What the stat index says of these (kind, path) files (`Signed`): the one index of
    file signatures, used by every reading (`read_all`, and `check`'s search of related
    files, gsi_events.coders.related)."""
    return Signed(root, items, store, links or Realpaths(root))


def read_all(root: Path, items: Sequence[tuple[str, Path]], store: Store,
             links: Realpaths | None = None
             ) -> Iterator[tuple[str, Path, str, str | None, Any, list[Problem]]]:
    """(kind, path, rel, key, result, problems) of each (kind, path) in order, kind
    "source" or "coding", rel the path below root, key its entry's (`digest`): the result
    of `decode`, or None (and no key) with the problems of a file that cannot be read at
    all. A regular file whose signature is the
    one the store's index holds, and was settled when that was taken (`trusted`), is not
    read: its entry's key is the index's; any other file is read and hashed. One call
    for all files: one worker for those not in the cache."""
    links = links or Realpaths(root)
    known = signed(root, items, store, links)
    rels, keys = known.rels, known.keys  # keys: None for a file that cannot be read
    raws: dict[int, bytes] = {}
    unreadable: list[list[Problem]] = [[]] * len(items)
    unsure = [i for i, key in enumerate(keys) if key is None]  # not trusted: read them

    def read(i: int) -> None:
        kind, path = items[i]
        raw, unreadable[i] = read_bytes(path, rels[i], root, links)
        keys[i] = None if raw is None else digest(kind, rels[i], raw)
        if raw is not None:
            raws[i] = raw

    for i in unsure:
        read(i)
    results = _found(store, items, keys)
    again = {i for i, key in enumerate(keys) if key is not None and key not in results
             and i not in raws}  # the index named an entry the store does not hold
    for i in sorted(again):
        read(i)
    if again:
        results.update(_found(store, items, [keys[i] if i in again else None
                                             for i in range(len(items))]))
    todo = [i for i, key in enumerate(keys) if key is not None and key not in results]
    entries = dict(zip([keys[i] for i in todo],
                       _parse_all([(items[i][0], raws[i], rels[i], items[i][1].stem)
                                   for i in todo]), strict=True))
    raws.clear()  # the files' bytes: not held while the tables are built
    store.put(entries, known.rows((*unsure, *sorted(again))))
    for i in todo:
        key = keys[i]
        results[key] = decode(items[i][0], entries.pop(key))
    _DATES.clear()
    for i, (kind, path) in enumerate(items):
        key = keys[i]
        yield (kind, path, rels[i], key, None if key is None else results[key],
               unreadable[i])


def _found(store: Store, items: Sequence[tuple[str, Path]], keys: Sequence[str | None]
           ) -> dict[str, Any]:
    """The decoded entries the store holds for these keys (a corrupt one is left out)."""
    kinds = {key: items[i][0] for i, key in enumerate(keys) if key is not None}
    results: dict[str, Any] = {}
    for key, entry in store.each(list(kinds)):
        with contextlib.suppress(*CORRUPT):
            results[key] = decode(kinds[key], entry)
    return results


# --- results worked out from one file's entry ------------------------------------------------


def derived_key(what: str, key: str, *given: str) -> str:
    """The key of a result worked out from one file's entry (its `key`) and a few values
    from elsewhere (`given`: a source's language): kept in the store's `derived` table,
    with the code version, so it is not found once the file, those values or the code
    changed."""
    return hashlib.sha256("\0".join(("derived", what, key, *given)).encode()).hexdigest()


def derived(store: Store, keys: Sequence[str | None], make: Any) -> list[list[Problem]]:
    """Each i's problems: those the store keeps under keys[i] (`derived_key`), else
    `make(i)`'s, kept there for the next reading; a None key is made and not kept. A
    corrupt result is made again."""
    found: dict[str, list[Problem]] = {}
    for key, entry in store.each([k for k in keys if k is not None], "derived"):
        with contextlib.suppress(*CORRUPT):
            found[key] = _problems_checked(marshal.loads(entry))
    out: list[list[Problem]] = []
    new: dict[str, bytes] = {}
    for i, key in enumerate(keys):
        got = None if key is None else found.get(key)
        if got is None:
            got = make(i)
            if key is not None:
                new[key] = marshal.dumps(_problems_out(got))
        out.append(got)
    store.put(new, table="derived")
    return out


def _problems_checked(items: Any) -> list[Problem]:
    if not (isinstance(items, list) and all(
            isinstance(x, list) and len(x) == 4 and all(isinstance(v, str) for v in x)
            for x in items)):
        raise ValueError("not a list of problems")
    return _problems_in(items)


if __name__ == "__main__":
    _worker()
