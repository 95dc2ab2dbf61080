"""The parse cache: each file's parsed and checked result, kept by the sha256 of the
file's bytes, its path and the code version (every module of gsi_events, the schemas,
the YAML libraries and Python), so an entry is never used once either changed.

It lives in the checkout, in `.gsi-events-cache/` (gitignored, safe to delete at any
time): one SQLite file of JSON texts, so a tampered entry is data, never code, and a
corrupt entry (text that is not the JSON this module writes) is ignored and rewritten; an
unreadable database is deleted and started again; a checkout that cannot be written
(read-only, a full disk) is read without a cache. Each file is still read from disk and
hashed on every run: only the parsing and the checks of one file's own values are saved.

When many files are not in the cache (`PARALLEL_FROM`), a worker process parses most of
them: the results come back in the files' order, as the same JSON a cache hit gives, so
a result never depends on whether it was cached or parsed, nor where.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import hashlib
import json
import os
import sqlite3
import sys
from collections.abc import Iterator, Sequence
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from gsi_events import paths
from gsi_events.compile import schema
from gsi_events.compile.read import Coding, ParsedSource, Report, parse_coding, parse_source
from gsi_events.compile.yamlio import read_bytes
from gsi_events.problems import Problem

CACHE_DIR = ".gsi-events-cache"
DATABASE = "parsed.sqlite"
PARALLEL_FROM = 300  # files to parse before worker processes pay for their start-up
# Set GSI_EVENTS_NO_CACHE=1 to read every file afresh and keep nothing.
DISABLED = "GSI_EVENTS_NO_CACHE"


@functools.cache
def code_version() -> str:
    """What a cached result depends on besides the file: the code, the schemas, and the
    versions of Python and the YAML libraries."""
    h = hashlib.sha256()
    for folder, pattern in ((paths.PACKAGE, "**/*.py"), (paths.schema_dir(), "*.yaml")):
        for p in sorted(folder.glob(pattern)):
            h.update(p.relative_to(folder).as_posix().encode() + b"\0" + p.read_bytes())
    for dist in ("ruamel.yaml", "pyyaml"):
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
                self.db.execute("CREATE TABLE IF NOT EXISTS entries "
                                "(key TEXT PRIMARY KEY, version TEXT, value TEXT)")
                with contextlib.suppress(sqlite3.OperationalError):  # read-only: keep them
                    self.db.execute("DELETE FROM entries WHERE version != ?",
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

    def get(self, keys: Sequence[str]) -> dict[str, str]:
        found: dict[str, str] = {}
        if self.db is None:
            return found
        try:
            for i in range(0, len(keys), 500):
                chunk = keys[i:i + 500]
                found.update(self.db.execute(
                    f"SELECT key, value FROM entries WHERE key IN ({','.join('?' * len(chunk))})",
                    chunk).fetchall())
        except sqlite3.Error:
            self.close()
        return found

    def put(self, items: dict[str, str]) -> None:
        if self.db is None or not items:
            return
        try:
            with self.db:
                self.db.execute("BEGIN")
                self.db.executemany(
                    "INSERT OR REPLACE INTO entries (key, version, value) VALUES (?, ?, ?)",
                    [(k, code_version(), v) for k, v in items.items()])
        except sqlite3.Error:  # read-only, full, locked by another run: keep nothing
            self.close()

    def close(self) -> None:
        if self.db is not None:
            with contextlib.suppress(sqlite3.Error):
                self.db.close()
        self.db = None


# --- results as JSON ------------------------------------------------------------------------


@functools.cache
def _date_fields(table: str) -> tuple[str, ...]:
    return tuple(f.name for f in schema.table(table).fields if f.type == "date")


def _row_out(row: dict[str, Any], table: str) -> dict[str, Any]:
    out = dict(row)
    for name in _date_fields(table):
        if isinstance(out.get(name), dt.date):
            out[name] = out[name].isoformat()
    return out


def _row_in(row: dict[str, Any], table: str) -> dict[str, Any]:
    names = _date_fields(table)
    if not names:
        return row
    for name in names:
        if row.get(name) is not None:
            row[name] = dt.date.fromisoformat(row[name])
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


def _problems_out(problems: list[Problem]) -> list[list[str]]:
    return [[p.file, p.record, p.rule, p.message] for p in problems]


def _problems_in(items: list[list[str]]) -> list[Problem]:
    return [Problem(*map(str, x)) for x in items]


def _parse(job: tuple[str, bytes, str, str]) -> str:
    """One file parsed, as the JSON text of its entry (run in a worker or here)."""
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
    return json.dumps(out, ensure_ascii=False, separators=(",", ":"))


def _decode(kind: str, text: str) -> Any:
    """An entry's result (ParsedSource, or (Coding | None, problems)); raises ValueError,
    KeyError or TypeError on an entry this module did not write."""
    d = json.loads(text)
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


def _parse_all(jobs: list[tuple[str, bytes, str, str]]) -> list[str]:
    """Each job's entry, in order. With many jobs, the larger part goes to a worker
    process (`python -m gsi_events.compile.cache`, fed through a pipe: no fork of a
    process running polars' threads, and no import of the caller's main module) while
    this process parses the rest."""
    if len(jobs) < PARALLEL_FROM or (os.cpu_count() or 1) < 2:
        return [_parse(job) for job in jobs]
    import threading

    half = len(jobs) * 2 // 5  # this process also reads, hashes and decodes them all
    theirs: list[str] = []
    worker = threading.Thread(target=lambda: theirs.extend(_in_worker(jobs[half:])))
    worker.start()
    mine = [_parse(job) for job in jobs[:half]]
    worker.join()
    if len(theirs) != len(jobs) - half:  # the worker failed: parse its share here
        theirs = [_parse(job) for job in jobs[half:]]
    return mine + theirs


def _in_worker(jobs: list[tuple[str, bytes, str, str]]) -> list[str]:
    """The jobs' entries from a worker process; [] when it could not do them."""
    import subprocess

    stream = b"".join(json.dumps([kind, rel, stem, len(raw)]).encode() + b"\n" + raw
                      for kind, raw, rel, stem in jobs)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        [str(paths.PACKAGE.parent), *filter(None, [os.environ.get("PYTHONPATH")])])}
    try:
        done = subprocess.run([sys.executable, "-m", "gsi_events.compile.cache"],
                              input=stream, capture_output=True, env=env, check=False)
    except OSError:
        return []
    lines = done.stdout.decode("utf-8").split("\n")[:-1]  # not splitlines: U+2028 ...
    return lines if done.returncode == 0 and len(lines) == len(jobs) else []


def _worker() -> None:
    """The worker's loop: jobs from standard input, one entry per line to standard output
    (JSON text holds no raw line break)."""
    data, out, at = sys.stdin.buffer.read(), [], 0
    while at < len(data):
        end = data.index(b"\n", at)
        kind, rel, stem, size = json.loads(data[at:end])
        out.append(_parse((kind, data[end + 1:end + 1 + size], rel, stem)))
        at = end + 1 + size
    sys.stdout.buffer.write("".join(line + "\n" for line in out).encode("utf-8"))


def read_files(root: Path, items: Sequence[tuple[str, Path]], store: Store
               ) -> Iterator[tuple[str, Path, Any, list[Problem]]]:
    """(kind, path, result, problems) of each (kind, path) in order, kind "source" or
    "coding": the result of `_decode`, or None with the problems of a file that cannot
    be read at all. One call for all files: one worker for those not in the cache."""
    jobs: list[tuple[str, bytes, str, str]] = []
    keys: list[str | None] = []  # per file; None for a file that cannot be read
    unreadable: list[list[Problem]] = []
    prefix = f"{root}{os.sep}"
    for kind, path in items:
        text = str(path)  # pathlib's relative_to costs more than the parsing it saves
        rel = (text[len(prefix):].replace(os.sep, "/") if text.startswith(prefix)
               else path.relative_to(root).as_posix())
        raw, problems = read_bytes(path, rel, root)
        unreadable.append(problems)
        if raw is None:
            keys.append(None)
            continue
        jobs.append((kind, raw, rel, path.stem))
        keys.append(digest(kind, rel, raw))
    known = [k for k in keys if k is not None]
    kinds = {key: job[0] for key, job in zip(known, jobs, strict=True)}
    results: dict[str, Any] = {}
    for key, text in store.get(known).items():
        with contextlib.suppress(ValueError, KeyError, TypeError, AttributeError):
            results[key] = _decode(kinds[key], text)
    todo = {key: job for key, job in zip(known, jobs, strict=True) if key not in results}
    del jobs  # the files' bytes: not held while the tables are built
    fresh = dict(zip(todo, _parse_all(list(todo.values())), strict=True))
    del todo
    store.put(fresh)
    for key in list(fresh):
        results[key] = _decode(kinds[key], fresh.pop(key))
    for (kind, path), key, problems in zip(items, keys, unreadable, strict=True):
        yield kind, path, (None if key is None else results[key]), problems


if __name__ == "__main__":
    _worker()
