"""Adding a source: an archived one (its text byte-for-byte, and its record beside it) or
a cited one (its record alone: address and bibliographic details, no text). The rules
add-source reports before validation would are declared in ADD_SOURCE_RULES."""

from __future__ import annotations

import calendar
import datetime as dt
import re
import tempfile
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gsi_events.compile import schema
from gsi_events.compile.read import ARCHIVE_DIR, SOURCE_FILE, parse_record, read_retired
from gsi_events.compile.yamlio import dump_yaml, read_yaml
from gsi_events.fileops import locked, os_problems, read_regular, refuse_outside, write_files
from gsi_events.loading import sha256
from gsi_events.problems import Problem, ProblemsFound, Rules

MAX_TEXT_BYTES = 20_000_000  # an article's text; a larger file is not one

# What add-source refuses, with its words: its own rules, and the rules of the sources
# table (schemas/sources.yaml) as they read for the options given.
ADD_SOURCE_RULES = Rules({
    "add_source.unreadable": "cannot be read: {why}",
    "add_source.unreadable:not_regular": "{why}; archive a saved article text (a regular "
                                         "file of at most {limit:,} bytes)",
    "add_source.utf8": "is not UTF-8 (byte {byte}); convert the capture to UTF-8 first",
    "add_source.utf8:option": "a value is not valid text (it holds {half!r}, half of a "
                              "character: invalid UTF-8 in an option?); give it as UTF-8 "
                              "text",
    "add_source.empty": "the text is empty",
    "add_source.duplicate_text": "this text is already archived as {source} ({record})",
    "add_source.duplicate_url": "{url} is already {done} as {source} ({record})",
    "add_source.published": "--published: {why}",
    "add_source.accessed": "--accessed {accessed!r} is not a date written YYYY-MM-DD",
    "sources.{field}.vocabulary": "{field} {value!r} is not one of: {values}",
    "sources.{field}.pattern": "{field} {value!r} is not of the form {pattern}",
    "sources.language.codelist": "language {language!r} is not an ISO 639-1 two-letter code "
                                 "(e.g. en, zh)",
    "sources.body_markers_found": "body_begins and body_ends must occur verbatim in the text",
    "sources.fields_match_kind": "a cited source needs its --title (the headline as the "
                                 "page shows it)",
})
problem = ADD_SOURCE_RULES.problem


@dataclass(frozen=True)
class Published:
    start: dt.date | None
    end: dt.date | None
    precision: str


def parse_published(text: str | None) -> Published:
    """'2024-09-13' (day), '2024-09' (month), '2024' (year), or None/'unknown'."""
    if text is None or text.strip().lower() in ("", "unknown"):
        return Published(None, None, "unknown")
    t = text.strip()
    if re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", t):
        d = dt.date.fromisoformat(t)
        return Published(d, d, "day")
    if re.fullmatch(r"[0-9]{4}-[0-9]{2}", t):
        y, m = int(t[:4]), int(t[5:])
        if not 1 <= m <= 12:
            raise ValueError(f"{t} has no month {m}")
        return Published(dt.date(y, m, 1), dt.date(y, m, calendar.monthrange(y, m)[1]), "month")
    if re.fullmatch(r"[0-9]{4}", t):
        y = int(t)
        return Published(dt.date(y, 1, 1), dt.date(y, 12, 31), "year")
    raise ValueError(f"{t!r} is not a date: write YYYY-MM-DD, YYYY-MM, YYYY or unknown")


def existing_sources(root: Path) -> list[tuple[str, dict[str, Any]]]:
    out = []
    for path in sorted((root / ARCHIVE_DIR).glob("src-*.yaml")):
        data, _ = read_yaml(path, path.name)
        out.append((path.stem, data if isinstance(data, dict) else {}))
    return out


def next_source_id(root: Path) -> str:
    retired, _ = read_retired(root)
    used = [s for s, _ in existing_sources(root)] + sorted(retired.get("sources", ()))
    numbers = [int(s[4:]) for s in used if SOURCE_FILE.match(s)]
    return f"src-{max(numbers, default=0) + 1:04d}"


def _duplicates(root: Path, rel: str, url: str, digest: str | None) -> list[Problem]:
    """The text or address is already in the archive (checked again under the lock, so
    two concurrent add-source runs of one source never both write it)."""
    problems = []
    done = "archived" if digest else "recorded"
    for source_id, record in existing_sources(root):
        where = f"{ARCHIVE_DIR}/{source_id}.yaml"
        if digest is not None and record.get("sha256") == digest:
            problems.append(problem("add_source.duplicate_text", rel, "", source=source_id,
                                    record=where))
        if record.get("url") == url:
            problems.append(problem("add_source.duplicate_url", rel, "", url=url, done=done,
                                    source=source_id, record=where))
    return problems


def _words(line: str, n: int, last: bool) -> str:
    words = line.split()
    return " ".join(words[-n:] if last else words[:n])


def add_source(root: Path, text_path: Path, *, url: str, publisher: str,
               published: str | None = None, published_basis: str | None = None,
               author: str | None = None, title: str | None = None, via: str | None = None,
               source_type: str = "international_media", language: str = "en",
               body_begins: str | None = None, body_ends: str | None = None,
               capture_note: str | None = None) -> tuple[str, list[str]]:
    """Archive a text and write its record. Returns the new id and notes for the coder.

    Raises ProblemsFound, writing nothing, when the text or metadata is bad or the source
    is already archived.
    """
    rel = text_path.as_posix()
    problems: list[Problem] = []
    try:
        raw = read_regular(text_path, MAX_TEXT_BYTES)
    except OSError as e:
        raise ProblemsFound([problem("add_source.unreadable", rel, "",
                                     why=e.strerror)]) from None
    except ValueError as e:
        raise ProblemsFound([problem("add_source.unreadable:not_regular", rel, "",
                                     why=e, limit=MAX_TEXT_BYTES)]) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise ProblemsFound([problem("add_source.utf8", rel, "", byte=e.start)]) from None
    if not text.strip():
        raise ProblemsFound([problem("add_source.empty", rel, "")])
    digest = sha256(raw)
    problems += _duplicates(root, rel, url, digest)
    try:
        when = parse_published(published)
    except ValueError as e:
        problems.append(problem("add_source.published", rel, "", why=e))
        when = Published(None, None, "unknown")
    text = unicodedata.normalize("NFC", text)  # markers and quotes match the NFC text
    lines = [ln for ln in text.splitlines() if ln.strip()]
    notes = []
    if body_begins is None:
        body_begins = _words(lines[0], 8, last=False)
        notes.append(f"body_begins set to the first words of the text: {body_begins!r}")
    if body_ends is None:
        body_ends = _words(lines[-1], 8, last=True)
        notes.append(f"body_ends set to the last words of the text: {body_ends!r}")
    body_begins = unicodedata.normalize("NFC", body_begins)
    body_ends = unicodedata.normalize("NFC", body_ends)
    if notes:
        notes.append("check them: page furniture before or after the article must lie "
                     "outside body_begins..body_ends")
    record: dict[str, Any] = {
        "kind": "archived", "title": title, "publisher": publisher, "via": via,
        "author": author, "url": url,
        "published_start": when.start, "published_end": when.end,
        "published_precision": when.precision,
        "published_basis": published_basis or ("unknown" if when.precision == "unknown"
                                               else "given when the source was archived"),
        "source_type": source_type, "language": language, "sha256": digest,
        "bytes": len(raw), "body_begins": body_begins, "body_ends": body_ends,
        "capture_note": capture_note,
    }
    record = {k: v for k, v in record.items() if v is not None}
    problems += metadata_problems(record, rel)
    if body_begins not in text or body_ends not in text:
        problems.append(problem("sources.body_markers_found", rel, "new source"))
    if problems:
        raise ProblemsFound(problems)
    header = "# Archived by gsi-events add-source; the text is {id}.txt.\n"
    return _record(root, rel, header, record, raw, url, digest), notes


def metadata_problems(record: dict[str, Any], rel: str) -> list[Problem]:
    """Every problem of a new source record's values, at once."""
    table = schema.table("sources")
    _, problems = parse_record(record, table.coded_fields, (), rel, "new source", "sources")
    for f in table.coded_fields:
        v = record.get(f.name)
        if v is None:
            continue
        if f.categories and v not in f.values:
            problems.append(problem("sources.{field}.vocabulary", rel, "new source",
                                    field=f.name, value=v, values=", ".join(f.values)))
        if f.pattern and isinstance(v, str) and not re.search(f.pattern, v):
            problems.append(problem("sources.{field}.pattern", rel, "new source",
                                    field=f.name, value=v, pattern=f.pattern))
    from gsi_events.compile.countries import CODELISTS

    language = record.get("language")
    codelist = table.field("language").codelist or ""
    if language not in CODELISTS[codelist].codes():
        problems.append(problem("sources.language.codelist", rel, "new source",
                                language=language))
    return problems


def add_cited_source(root: Path, *, url: str, publisher: str, title: str | None,
                     published: str | None = None, published_basis: str | None = None,
                     author: str | None = None, via: str | None = None,
                     source_type: str = "international_media", language: str = "en",
                     accessed: str | None = None, capture_note: str | None = None) -> str:
    """Write the record of a cited source (no text is kept). Returns the new id.

    Raises ProblemsFound, writing nothing, when the metadata is bad or the address is
    already recorded.
    """
    rel = f"{ARCHIVE_DIR}/(new cited source)"
    problems: list[Problem] = []
    problems += _duplicates(root, rel, url, None)
    try:
        when = parse_published(published)
    except ValueError as e:
        problems.append(problem("add_source.published", rel, "", why=e))
        when = Published(None, None, "unknown")
    if not title:
        problems.append(problem("sources.fields_match_kind", rel, "new source"))
    try:
        day = dt.date.fromisoformat(accessed) if accessed else dt.date.today()
    except ValueError:
        problems.append(problem("add_source.accessed", rel, "new source",
                                accessed=accessed))
        day = None
    record: dict[str, Any] = {
        "kind": "cited", "title": title, "publisher": publisher, "via": via,
        "author": author, "url": url,
        "published_start": when.start, "published_end": when.end,
        "published_precision": when.precision,
        "published_basis": published_basis or ("unknown" if when.precision == "unknown"
                                               else "given when the source was recorded"),
        "source_type": source_type, "language": language, "date_accessed": day,
        "capture_note": capture_note,
    }
    record = {k: v for k, v in record.items() if v is not None}
    problems += metadata_problems(record, rel)
    if problems:
        raise ProblemsFound(problems)
    header = "# Cited source, recorded by gsi-events add-source --cited; no text is kept.\n"
    return _record(root, rel, header, record, None, url, None)


def _record(root: Path, rel: str, header: str, record: dict[str, Any], raw: bytes | None,
            url: str, digest: str | None) -> str:
    """Write a new source's record (and its text, when archived) under the checkout's lock,
    after the checks validate would make: both files or neither. Returns the new id."""
    _refuse_what_validate_rejects(root, rel, header, record, raw)
    with locked(root, "add a source"), os_problems(root):
        found = _duplicates(root, rel, url, digest)
        if found:
            raise ProblemsFound(found)
        source_id = next_source_id(root)
        folder = root / ARCHIVE_DIR
        refuse_outside(folder, root)
        folder.mkdir(parents=True, exist_ok=True)
        files = {f"{source_id}.yaml": _record_bytes(header.format(id=source_id), record)}
        if raw is not None:
            files[f"{source_id}.txt"] = raw
        write_files(folder, files)
    return source_id


def _record_bytes(header: str, record: dict[str, Any]) -> bytes:
    return (header + dump_yaml(record)).encode("utf-8")


def _refuse_what_validate_rejects(root: Path, rel: str, header: str, record: dict[str, Any],
                                 raw: bytes | None) -> None:
    """Validate the files about to be written exactly as `gsi-events validate` would, in a
    scratch checkout holding only them; raise ProblemsFound (naming the input) for any
    problem, so add-source never writes what validate then rejects."""
    from gsi_events.compile.pipeline import compile_repository

    stem = "src-0000"
    for value in record.values():  # dump_yaml would write it as an escape validate refuses
        half = re.search("[\ud800-\udfff]", value) if isinstance(value, str) else None
        if half is not None:
            raise ProblemsFound([problem("add_source.utf8:option", rel, "new source",
                                         half=half.group())])
    data = _record_bytes(header.format(id=stem), record)
    with tempfile.TemporaryDirectory(prefix="gsi-events-add-source-") as scratch:
        base = Path(scratch)
        for folder in (ARCHIVE_DIR, "coding"):
            (base / folder).mkdir()
        (base / ARCHIVE_DIR / f"{stem}.yaml").write_bytes(data)
        if raw is not None:
            (base / ARCHIVE_DIR / f"{stem}.txt").write_bytes(raw)
        problems = compile_repository(base).problems
    if problems:
        raise ProblemsFound([Problem(rel, "new source", p.rule, p.message.replace(
            stem, "the new source")) for p in problems])
