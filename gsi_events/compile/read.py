"""Reading the hand-written files: source records (archive/) and coding files (coding/).

Each record is typed against its table schema here (a date is a real date, a count a
whole number); values are checked against vocabularies and rules later, on the tables.
A record with type problems is reported and left out of the tables.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gsi_events.compile import schema
from gsi_events.compile.parse_rules import problem
from gsi_events.compile.schema import Field
from gsi_events.compile.typemaps import INT_MAX, INT_MIN
from gsi_events.compile.yamlio import (
    MAX_FILE_BYTES,
    line_of,
    outside_problem,
    parse_bytes,
    read_bytes,
    read_yaml,
)
from gsi_events.fileops import Realpaths, read_regular
from gsi_events.problems import Problem

ARCHIVE_DIR = "archive"
CODING_DIR = "coding"
SECOND_CODING_DIR = "coding/second"
RETIRED_FILE = "coding/retired.yaml"
SOURCE_FILE = re.compile(r"^src-[0-9]{4,}$")
DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")

# Keys of a coding file that are structure, not fields of a table.
FILE_KEYS = ("source", "coder", "notes", "events")
REPORT_KEYS = ("event", "canonical", "participants", "links", "quotes", "evidence",
               "distinct_from", "disagrees")
# A coder's review marks on a report (codebook, sections 2 and 10): `distinct_from` says
# a probable duplicate was checked and is another event; `disagrees` records that this
# source contradicts the event's canonical action or status on purpose.
DISAGREEABLE = ("action", "status")
# The list of a report's evidence: `quotes` from an archived source, `evidence` (locator
# and note) from a cited one; both fill the evidence table.
EVIDENCE_KEYS = ("quotes", "evidence")
ITEM_WORD = {"participants": "participant", "links": "link", "quotes": "quote",
             "evidence": "evidence"}


@dataclass
class SourceRecord:
    row: dict[str, Any]  # the sources fields
    file: str
    line: int | None
    raw: bytes | None = None  # the archived text's bytes, when found
    text: str | None = None  # ... decoded and NFC-normalised

    @property
    def source_id(self) -> str:
        return self.row["source_id"]

    @property
    def body_span(self) -> tuple[int, int] | None:
        """Offsets of the article body in the NFC text, from body_begins to the end of
        body_ends; None when the text or a marker is missing."""
        if self.text is None:
            return None
        start = self.text.find(self.row.get("body_begins") or "\0")
        end = self.text.find(self.row.get("body_ends") or "\0")
        if start < 0 or end < 0:
            return None
        return start, end + len(self.row["body_ends"])


@dataclass
class Report:
    """One source's report of one event, as a coder wrote it."""

    source_id: str
    event_id: str
    fields: dict[str, Any]
    participants: list[dict[str, Any]]
    links: list[dict[str, Any]]
    quotes: list[dict[str, Any]]
    file: str
    line: int | None
    canonical: bool = False
    # "table.field" of values that could not be read (wrong type, missing): set only on a
    # rejected report (Coding.rejected), whose other values are still checked
    untyped: frozenset[str] = frozenset()
    # review marks: {event id: reason} of `distinct_from`, {field: reason} of `disagrees`
    distinct_from: dict[str, str] = field(default_factory=dict)
    disagrees: dict[str, str] = field(default_factory=dict)

    @property
    def label(self) -> str:
        return record_label("event", self.event_id, self.line)


@dataclass
class Coding:
    source_id: str
    coder: str
    reports: list[Report]
    file: str
    # reports with problems of their own values: kept out of the tables, so that one
    # mistake does not spread, but checked value by value (validation.run.validate_reports)
    rejected: list[Report] = field(default_factory=list)


@dataclass
class Repository:
    """Everything read from a checkout's files, with the problems found reading them."""

    root: Path
    sources: list[SourceRecord] = field(default_factory=list)
    codings: list[Coding] = field(default_factory=list)
    retired: dict[str, set[str]] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)

    @property
    def reports(self) -> list[Report]:
        return [r for c in self.codings for r in c.reports]

    @property
    def rejected_reports(self) -> list[Report]:
        return [r for c in self.codings for r in c.rejected]

    def source(self, source_id: str) -> SourceRecord | None:
        return next((s for s in self.sources if s.source_id == source_id), None)


def record_label(kind: str, ident: Any, line: int | None) -> str:
    """How messages name a record: "event ev-0002 (line 14)", "unnamed event"."""
    name = f"{kind} {ident}" if ident not in (None, "") else f"unnamed {kind}"
    return _at_line(name, line)


def item_label(record: str, kind: str, n: int, line: int | None) -> str:
    """How messages name the n-th item of a record (its participants, links, quotes,
    review entries): "event ev-0002 (line 14), quote 2 (line 19)"."""
    return _at_line(f"{record}, {kind} {n}", line)


def _at_line(name: str, line: int | None) -> str:
    return f"{name} (line {line})" if line else name


# --- typing one value -----------------------------------------------------------------


def _describe(value: Any) -> str:
    if isinstance(value, bool):
        return f"true/false ({str(value).lower()})"
    if isinstance(value, int | float):
        return f"a number ({value})"
    if isinstance(value, str):
        return f"text {value!r}"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return type(value).__name__


# A value that could not be typed: the key of its message in PARSE_RULES (one of the
# `{table}.{field}.type` rule's) and what the message says about it.
Untyped = tuple[str, dict[str, Any]]


def coerce(f: Field, value: Any) -> tuple[Any, Untyped | None]:
    """The value typed as the schema says, or why it cannot be."""
    if value is None:
        return None, None
    found = {"found": _describe(value), "hint": ""}
    if f.type == "string":
        if f.separator and isinstance(value, list):
            if all(isinstance(v, str) for v in value):
                return f.separator.join(value), None
            return None, ("{table}.{field}.type:list", {})
        if isinstance(value, str):
            return str(value), None
        return None, ("{table}.{field}.type:text", found)
    if f.type == "integer":
        if isinstance(value, int) and not isinstance(value, bool):
            if not INT_MIN <= value <= INT_MAX:
                return None, ("{table}.{field}.type:int_range",
                              {"min": INT_MIN, "max": INT_MAX, "value": value})
            return int(value), None
        if isinstance(value, str) and re.fullmatch(r"[0-9][0-9,. _]*", value.strip()):
            digits = re.sub(r"[^0-9]", "", value)
            found["hint"] = f" (write it as a plain number without separators: {digits})"
        return None, ("{table}.{field}.type:int", found)
    if f.type == "boolean":
        if isinstance(value, bool):
            return value, None
        if isinstance(value, str) and value.strip().lower() in ("yes", "no", "on", "off", "y", "n"):
            found["hint"] = " (YAML 1.2 reads yes/no/on/off as text: write true or false)"
        return None, ("{table}.{field}.type:bool", found)
    if f.type == "date":
        if isinstance(value, dt.date):
            return value, None
        text = str(value).strip()
        if not DATE.match(text):
            return None, ("{table}.{field}.type:date_form", found)
        try:
            return dt.date.fromisoformat(text), None
        except ValueError:
            return None, ("{table}.{field}.type:date", {"text": text})
    raise AssertionError(f"unknown schema type {f.type}")


def parse_record(
    data: Any,
    fields: Sequence[Field],
    structural: Iterable[str],
    rel: str,
    label: str,
    rule_prefix: str,
) -> tuple[dict[str, Any], list[Problem]]:
    """Type a mapping's fields; report unknown keys, missing required ones, bad types."""
    problems: list[Problem] = []
    if not isinstance(data, dict):
        return {}, [problem("{table}.not_a_mapping", rel, label, table=rule_prefix,
                            found=_describe(data))]
    known = {f.key: f for f in fields}
    allowed = [*known, *structural]
    out: dict[str, Any] = {}
    for key in data:
        if str(key) not in allowed:
            near = difflib.get_close_matches(str(key), allowed, n=1)
            hint = f"; did you mean {near[0]!r}?" if near else ""
            problems.append(problem("{table}.unknown_key", rel, label, table=rule_prefix,
                                    key=key, hint=hint))
    for f in fields:
        value, error = coerce(f, data.get(f.key))
        if error:
            key, said = error
            problems.append(problem(key, rel, label, table=rule_prefix, field=f.name,
                                    key=f.key, **said))
        elif value is None and f.required:
            problems.append(problem("{table}.{field}.required", rel, label, table=rule_prefix,
                                    field=f.name, key=f.key, description=f.description))
        out[f.name] = value
    return out, problems


# --- the archive ---------------------------------------------------------------------


@dataclass
class ParsedSource:
    """What a source record's YAML says: the part of reading that depends on its bytes
    alone (gsi_events.compile.cache keeps it); `with_text` adds the archived text."""

    row: dict[str, Any] | None  # typed fields, source_id included; None: not a record
    line: int | None
    valid: bool  # no problem with its own values
    problems: list[Problem]


def read_source(path: Path, root: Path) -> tuple[SourceRecord | None, list[Problem]]:
    rel = path.relative_to(root).as_posix()
    raw, problems = read_bytes(path, rel, root)
    if raw is None:
        return None, problems
    return with_text(parse_source(raw, rel, path.stem), path, root)


def parse_source(raw: bytes, rel: str, source_id: str) -> ParsedSource:
    data, problems = parse_bytes(raw, rel)
    if data is None:
        return ParsedSource(None, None, False, problems or [problem(
            "sources.not_a_mapping:empty", rel, record_label("source", source_id, None))])
    label = record_label("source", source_id, line_of(data))
    if not SOURCE_FILE.match(source_id):
        problems.append(problem("archive.file_name", rel, label))
    table = schema.table("sources")
    row, found = parse_record(data, table.coded_fields, (), rel, label, "sources")
    problems += found
    row["source_id"] = source_id
    return ParsedSource(row, line_of(data), not found, problems)


def with_text(parsed: ParsedSource, path: Path, root: Path, links: Realpaths | None = None,
              rel: str | None = None) -> tuple[SourceRecord | None, list[Problem]]:
    """The source record with its archived text read (bytes and NFC text), and the
    problems of both. `links`: the reading's memo of real paths; `rel`: path's own below
    root, when known."""
    problems = list(parsed.problems)
    if parsed.row is None:
        return None, problems
    rel = rel or path.relative_to(root).as_posix()
    label = record_label("source", parsed.row["source_id"], parsed.line)
    row = parsed.row
    record = SourceRecord(row=row, file=rel, line=parsed.line)
    text_path = path.with_suffix(".txt")
    text_rel = (rel[:-len(path.suffix)] + ".txt" if path.suffix and rel.endswith(path.suffix)
                else text_path.relative_to(root).as_posix())
    if row.get("kind") == "cited":
        if text_path.exists():
            problems.append(problem("archive.cited_has_text", rel, label, path=text_rel))
    elif (away := outside_problem(text_path, root, text_rel, label, links)) is not None:
        problems.append(away)  # reported at the text; never read, never evidence
    elif not text_path.is_file():
        problems.append(problem("archive.text_missing", rel, label, path=text_rel))
    else:
        try:
            record.raw = read_regular(text_path, MAX_FILE_BYTES)
        except (OSError, ValueError) as e:  # unreadable, a device, far too large
            problems.append(problem("file.unreadable", text_rel, label,
                                    why=getattr(e, "strerror", None) or e))
            return (record if parsed.valid else None), problems
        try:
            record.text = unicodedata.normalize("NFC", record.raw.decode("utf-8"))
        except UnicodeDecodeError:
            problems.append(problem("archive.text_utf8", rel, label))
    return (record if parsed.valid else None), problems


# --- coding files --------------------------------------------------------------------


def _items(data: Any, key: str, rel: str, label: str, prefix: str,
           required: bool) -> tuple[list[tuple[Any, int | None]], list[Problem]]:
    value = data.get(key) if isinstance(data, dict) else None
    if value is None:
        if required:
            return [], [problem("{table}.{field}.required:list", rel, label, table=prefix,
                                field=key)]
        return [], []
    if not isinstance(value, list):
        return [], [problem("{table}.{field}.type:list_form", rel, label, table=prefix,
                            field=key)]
    if required and not value:
        return [], [problem("{table}.{field}.required:empty_list", rel, label, table=prefix,
                            field=key)]
    return [(item, line_of(value, i)) for i, item in enumerate(value)], []


def parse_report(data: Any, source_id: str, rel: str, line: int | None
                 ) -> tuple[Report | None, list[Problem]]:
    event_id = data.get("event") if isinstance(data, dict) else None
    label = record_label("event", event_id, line)
    events = schema.table("events")
    fields, problems = parse_record(data, events.coded_fields, REPORT_KEYS, rel, label, "events")
    if not isinstance(data, dict):
        return None, problems
    if not isinstance(event_id, str) or not re.fullmatch(r"ev-[0-9]{4,}", event_id):
        problems.append(problem("events.event_id.pattern", rel, label,
                                found=_describe(event_id)))
    canonical = data.get("canonical", False)
    if not isinstance(canonical, bool):
        problems.append(problem("events.canonical.type", rel, label))
    parts: dict[str, list[dict[str, Any]]] = {}
    given = [k for k in EVIDENCE_KEYS if isinstance(data, dict) and k in data]
    if len(given) > 1:
        problems.append(problem("events.quotes_and_evidence", rel, label))
    evidence_key = given[0] if given else "quotes"
    for key, table_name, required in (("participants", "participants", True),
                                      ("links", "event_links", False),
                                      (evidence_key, "evidence", True)):
        items, found = _items(data, key, rel, label, "events", required)
        problems += found
        t = schema.table(table_name)
        parts[table_name] = []
        for n, (item, item_line) in enumerate(items, 1):
            row, found = parse_record(item, t.coded_fields, (), rel,
                                      item_label(label, ITEM_WORD[key], n, item_line),
                                      table_name)
            problems += found
            row["_line"] = item_line
            parts[table_name].append(row)
    distinct, disagrees, found = _review_marks(data, event_id, rel, label)
    problems += found
    if problems and (not isinstance(event_id, str)
                     or not all(_value_problem(p.rule) for p in problems)):
        return None, problems
    untyped = frozenset(p.rule.rsplit(".", 1)[0] for p in problems
                        if p.rule.endswith((".type", ".required")))
    return Report(source_id=source_id, event_id=event_id, fields=fields,
                  participants=parts["participants"], links=parts["event_links"],
                  quotes=parts["evidence"], file=rel, line=line,
                  canonical=canonical is True, untyped=untyped, distinct_from=distinct,
                  disagrees=disagrees), problems


def _review_marks(data: dict[str, Any], event_id: Any, rel: str, label: str
                  ) -> tuple[dict[str, str], dict[str, str], list[Problem]]:
    """A report's `distinct_from` and `disagrees` lists: each entry names what it is
    about (another event; the field action or status) and gives a reason."""
    out: dict[str, dict[str, str]] = {"distinct_from": {}, "disagrees": {}}
    problems: list[Problem] = []

    def form(key: str, where: str, wrong: str) -> Problem:
        return problem(f"events.{key}.form", rel, where, fields=" or ".join(DISAGREEABLE),
                       wrong=wrong)

    for key, what in (("distinct_from", "event"), ("disagrees", "field")):
        value = data.get(key)
        if value is None:
            continue
        if not isinstance(value, list) or not value:
            problems.append(form(key, label, f"found {_describe(value)}"))
            continue
        for n, item in enumerate(value, 1):
            line = line_of(value, n - 1)
            where = item_label(label, f"{key} entry", n, line)
            if not isinstance(item, dict):
                wrong = [f"found {_describe(item)}"]
            else:
                about, reason = item.get(what), item.get("reason")
                found = f"{what} is missing" if about is None else f"found {_describe(about)}"
                wrong = [f"unknown key {k!r}" for k in item if k not in (what, "reason")]
                if key == "distinct_from" and about == event_id:
                    wrong.append("an event is not distinct from itself")
                elif key == "distinct_from" and not (
                        isinstance(about, str) and re.fullmatch(r"ev-[0-9]{4,}", about)):
                    wrong.append(f"event must be an event id like ev-0025; {found}")
                elif key == "disagrees" and about not in DISAGREEABLE:
                    wrong.append(f"field must be {' or '.join(DISAGREEABLE)}; {found}")
                if not isinstance(reason, str) or not reason.strip():
                    wrong.append("a reason is needed (text)")
                if not wrong:
                    out[key][about] = reason
                    continue
            problems.append(form(key, where, "; ".join(wrong)))
    return out["distinct_from"], out["disagrees"], problems


def _value_problem(rule: str) -> bool:
    """True for a problem with one value of a report (a wrong type, a missing or unknown
    key), after which the report's other values can still be checked."""
    table, _, rest = rule.partition(".")
    name, _, kind = rest.rpartition(".")
    if table not in ("events", "participants", "evidence", "event_links"):
        return False
    return rest == "unknown_key" or (kind in ("type", "required")
                                     and name not in ("participants", "links", *EVIDENCE_KEYS)
                                     ) or rest in ("distinct_from.form", "disagrees.form")


def read_coding(path: Path, root: Path) -> tuple[Coding | None, list[Problem]]:
    rel = path.relative_to(root).as_posix()
    raw, problems = read_bytes(path, rel, root)
    return (None, problems) if raw is None else parse_coding(raw, rel, path.stem)


def parse_coding(raw: bytes, rel: str, stem: str) -> tuple[Coding | None, list[Problem]]:
    """A coding file from its bytes (`rel` its path, `stem` its name without .yaml)."""
    data, problems = parse_bytes(raw, rel)
    if data is None:
        return None, problems or [problem("coding.not_a_mapping:empty", rel, "")]
    if not isinstance(data, dict):
        return None, [problem("coding.not_a_mapping", rel, "")]
    for key in data:
        if key not in FILE_KEYS:
            problems.append(problem("coding.unknown_key", rel, f"line {line_of(data, key)}",
                                    key=key, keys=", ".join(FILE_KEYS)))
    source_id = data.get("source")
    if not isinstance(source_id, str) or not SOURCE_FILE.match(source_id):
        problems.append(problem("coding.source", rel, "line 1"))
        return None, problems
    if stem.split(".")[0] != source_id:
        problems.append(problem("coding.file_name", rel, "line 1", source=source_id))
    coder = data.get("coder")
    if not isinstance(coder, str) or not coder.strip():
        problems.append(problem("coding.coder", rel, "line 1"))
    items, found = _items(data, "events", rel, "", "coding", False)
    problems += found
    reports: list[Report] = []
    seen: dict[str, int | None] = {}
    rejected: list[Report] = []
    for item, line in items:
        report, found = parse_report(item, source_id, rel, line)
        problems += found
        if report is None:
            continue
        if report.event_id in seen:
            problems.append(problem("coding.event_twice", rel, report.label,
                                    event=report.event_id, line=seen[report.event_id]))
            continue
        seen[report.event_id] = report.line
        (rejected if found else reports).append(report)
    return Coding(source_id=source_id, coder=str(coder or ""), reports=reports, file=rel,
                  rejected=rejected), problems


def read_retired(root: Path) -> tuple[dict[str, set[str]], list[Problem]]:
    path = root / RETIRED_FILE
    if not path.is_file():
        return {"events": set(), "sources": set()}, []
    data, problems = read_yaml(path, RETIRED_FILE, root)
    out: dict[str, set[str]] = {"events": set(), "sources": set()}
    if data is None:
        return out, problems
    if not isinstance(data, dict):
        return out, [problem("retired.entry:not_a_mapping", RETIRED_FILE, "line 1")]
    for kind in ("events", "sources"):
        items = data.get(kind) or []
        if not isinstance(items, list):
            problems.append(problem("retired.entry:not_a_list", RETIRED_FILE,
                                    f"line {line_of(data, kind) or '?'}", kind=kind))
            continue
        for item in items:
            ident = item.get("id") if isinstance(item, dict) else None
            if not isinstance(ident, str) or not isinstance(item.get("reason"), str):
                problems.append(problem("retired.entry", RETIRED_FILE,
                                        f"line {line_of(item) or '?'}"))
                continue
            form = r"ev-[0-9]{4,}" if kind == "events" else SOURCE_FILE.pattern.strip("^$")
            if not re.fullmatch(form, ident):  # it would retire nothing, silently
                problems.append(problem("retired.entry:id", RETIRED_FILE,
                                        f"line {line_of(item) or '?'}", id=ident, kind=kind,
                                        example="ev-0001" if kind == "events" else "src-0001"))
                continue
            out[kind].add(ident)
    return out, problems


def coding_files_in(root: Path, folder: str = CODING_DIR) -> list[Path]:
    """The coding files of one coder's folder (coding/, or coding/second/), by name: its
    YAML files but the list of retired ids."""
    return sorted((p for p in (root / folder).glob("*.yaml")
                   if p.relative_to(root).as_posix() != RETIRED_FILE), key=lambda p: p.name)
