"""Hypothesis strategies for gsi_events data, derived from `schemas/`.

pandera cannot generate data for polars schemas (`strategy()` and `example()` raise
NotImplementedError on the polars backend), so the generators live here. They are built
from what `gsi_events.compile.schema` reads from `schemas/`: field types, patterns, vocabularies,
code lists, lengths and minimums, each action's statuses and kind, the date precisions,
the aspects a quote can support. Someone who extends a schema (a new field, a new
vocabulary value, a new action) gets data using it without touching this module. A new
date precision or a new cross-field rule needs its generator (or mutation) registered
here; until then the strategies and `rule_ids()` say so loudly.

Public API
----------

`field_values(table, name)`
    Valid values of one field, from its schema entry alone (type, pattern, vocabulary,
    code list, bounds, length), reaching the edges: CJK, Cyrillic, Arabic and combining
    characters, counts at 0 and at the largest integer a release stores (2**31-1), leap
    days and year ends.

`datasets(...)`
    Whole repositories as a coder writes them: source records (`archive/src-NNNN.yaml`),
    their archived texts (`archive/src-NNNN.txt`, sometimes in CRLF or NFD form) and
    coding files (`coding/src-NNNN.yaml`), consistent and valid by construction: every
    quote occurs in its source's article body, every value a rule needs quoted is
    quoted, links join existing events (`fulfils` from a delivery to a pledge). Events
    have one or many sources that may disagree (so `discrepancies` is exercised),
    unknown or day / week / month / year / range dating, empty optional fields (absent
    or written as `null`), and links to other events. A `Dataset` writes itself into a
    folder (`Dataset.write(root)`) that `gsi_events.compile.pipeline.compile_repository` reads.

`rule_ids()`
    Every rule id validation can report: the field checks and keys of the pandera
    models built from `schemas/`, the cross-field and cross-table rules listed under
    `rules:` in `schemas/`, and the parse-stage rules found in the reading code
    (`coding.py`, `yamlio.py`).

`MUTATIONS`, `mutate(rule_id, dataset, draw)`
    For each rule id, a targeted mutation that breaks that rule in a valid dataset and
    names the record that must be reported. Field-check mutations are derived from the
    schema; cross-field rules have one each (register yours with `@mutation("t.rule")`).

`edits(dataset)`
    A valid edited copy of a dataset (events added, removed, changed) and an `Edit`
    saying exactly what changed: what a release diff between the two must report.

`compile_dataset(dataset, root)`, `run_case(case, root)`
    Write a dataset (or a mutated case) under root and run the real pipeline on it.

`example_dataset(**kwargs)`, `minimal(strategy)`
    Deterministic values for tests outside hypothesis: one fixed dataset, and the
    simplest value of a strategy (a `draw` for `mutate`).

Needs hypothesis (the `test` extra). Example:

    from hypothesis import given
    from gsi_events import testing

    @given(testing.datasets())
    def test_my_extension(dataset):
        with tempfile.TemporaryDirectory() as tmp:
            assert testing.compile_dataset(dataset, Path(tmp)).ok
"""

from __future__ import annotations

import ast
import copy
import datetime as dt
import functools
import hashlib
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import polars as pl
from hypothesis import strategies as st

from gsi_events.coders.export import render_yaml
from gsi_events.compile import schema
from gsi_events.compile.read import INT_MAX, INT_MIN
from gsi_events.compile.schema import Field

SENTINEL = "§"  # never in generated text: body markers carry it, so they are unique

# --- text ------------------------------------------------------------------------------

# Characters YAML itself treats as line breaks inside a scalar (NEL, LS, PS) are left out:
# ruamel writes them raw inside quoted scalars and reads them back folded. Tabs and line
# breaks are left out of one-line fields.
_NOT_TEXT = SENTINEL + "\x85\u2028\u2029\ufeff"
_CHARS = st.characters(codec="utf-8", categories=("L", "M", "N", "P", "S", "Zs"),
                       exclude_characters=_NOT_TEXT)
_SCRIPTS = st.sampled_from([
    # CJK, Cyrillic, Arabic, Devanagari, Vietnamese with stacked marks, Greek, Thai
    "王小红", "公安部", "连云港", "Ерлан Қошанов", "Министерство", "محمد بن سلمان",
    "وزارة الداخلية", "गृह मंत्रालय", "Nguyễn Tấn Dũng", "Ἀθῆναι", "กระทรวง",
    # combining characters: some compose under NFC, some have no precomposed form
    "Zoë", "José", "q\u0307\u0323", "Ko\u0301s\u030c", "A\u030a", "\u1e0b\u0323",
    # quotation marks, dashes and ellipses that must be copied exactly
    "“fair and reasonable”", "it’s", "1,000–2,000", "so…", "'single'", '"double"',
    # things YAML would read as something else unless quoted
    "yes", "null", "~", "2024-09-09", "3000", "- dash", "a: b", "#hash", "@at", "*star",
])


def _nfc(s: str) -> str:
    return unicodedata.normalize("NFC", s)


@functools.cache
def text(min_size: int = 0, max_size: int | None = None) -> st.SearchStrategy[str]:
    """One-line NFC text of min_size..max_size characters (code points), any script."""
    hi = max_size if max_size is not None else max(min_size, 40)
    word = st.one_of(_SCRIPTS, st.text(_CHARS, min_size=1, max_size=12))

    def fit(words: list[str]) -> str:
        s = _nfc(" ".join(words))
        if unicodedata.category(s[:1] or "a")[0] == "M":  # no leading combining mark
            s = "a" + s
        s = _nfc((s + " " + "x" * min_size) if len(s) < min_size else s)
        return _nfc(s[:hi])

    return (st.lists(word, min_size=1, max_size=8).map(fit)
            .filter(lambda s: min_size <= len(s) <= hi))


# --- dates -----------------------------------------------------------------------------

EDGE_DATES = (
    dt.date(2024, 2, 29), dt.date(2000, 2, 29), dt.date(2023, 2, 28), dt.date(2023, 12, 31),
    dt.date(2024, 12, 30), dt.date(2024, 12, 31), dt.date(2025, 1, 1), dt.date(1999, 12, 31),
    dt.date(2022, 4, 21),  # the GSI's launch
)


def dates() -> st.SearchStrategy[dt.date]:
    return st.one_of(st.sampled_from(EDGE_DATES),
                     st.dates(dt.date(1950, 1, 1), dt.date(2100, 12, 31)))


def _month_end(d: dt.date) -> dt.date:
    nxt = dt.date(d.year + (d.month == 12), d.month % 12 + 1, 1)
    return nxt - dt.timedelta(days=1)


def _day(draw: Any, single: bool) -> tuple[dt.date, dt.date]:
    d = draw(dates())
    if single:
        return d, d
    n = draw(st.sampled_from([0, 0, 1, 2, 6, 30, 365]))
    return d, min(d + dt.timedelta(days=n), dt.date(2100, 12, 31))


def _week(draw: Any) -> tuple[dt.date, dt.date]:
    d = draw(dates())
    monday = d - dt.timedelta(days=d.weekday())
    if monday.year < 1950:
        monday += dt.timedelta(days=7)
    return monday, monday + dt.timedelta(days=6)


def _month(draw: Any) -> tuple[dt.date, dt.date]:
    d = draw(dates()).replace(day=1)
    return d, _month_end(d)


def _year(draw: Any) -> tuple[dt.date, dt.date]:
    y = draw(dates()).year
    return dt.date(y, 1, 1), dt.date(y, 12, 31)


def _range(draw: Any) -> tuple[dt.date, dt.date]:
    a, b = draw(dates()), draw(dates())
    if a == b:
        b = a + dt.timedelta(days=1)
    return min(a, b), max(a, b)


# What each precision value means for (start, end). Keyed by the vocabulary values in
# schemas/; a precision added there needs an entry here (span() says so).
SPANS: dict[str, Callable[[Any, bool], tuple[dt.date | None, dt.date | None]]] = {
    "day": lambda draw, published: _day(draw, published),
    "week": lambda draw, published: _week(draw),
    "month": lambda draw, published: _month(draw),
    "year": lambda draw, published: _year(draw),
    "range": lambda draw, published: _range(draw),
    "unknown": lambda draw, published: (None, None),
}


def span(draw: Any, precision: str, published: bool = False
         ) -> tuple[dt.date | None, dt.date | None]:
    if precision not in SPANS:
        raise NotImplementedError(
            f"no generator for the date precision {precision!r} in schemas/; add it to "
            "gsi_events.testing.SPANS")
    return SPANS[precision](draw, published)


# --- one field, from its schema entry --------------------------------------------------


def _codes(f: Field) -> list[str]:
    from gsi_events.compile.validate.models import CODELISTS

    return sorted(CODELISTS[f.codelist or ""]())


@functools.cache
def field_values(table: str, name: str) -> st.SearchStrategy[Any]:
    """Valid values of one field, from its entry in schemas/<table>.yaml alone."""
    f = schema.table(table).field(name)
    if f.categories:
        return st.sampled_from(f.values)
    if f.codelist:
        codes = _codes(f)
        if f.separator:
            return st.lists(st.sampled_from(codes), min_size=1, max_size=6,
                            unique=True).map(f.separator.join)
        return st.sampled_from(codes)
    if f.type == "integer":
        lo = f.minimum if f.minimum is not None else INT_MIN
        hi = f.maximum if f.maximum is not None else INT_MAX
        return st.one_of(st.sampled_from(sorted({lo, min(lo + 1, hi), hi})),
                         st.integers(lo, min(hi, lo + 10_000)), st.integers(lo, hi))
    if f.type == "date":
        return dates()
    if f.type == "boolean":
        return st.booleans()
    if f.type != "string":
        raise NotImplementedError(f"no generator for type {f.type!r} ({table}.{name})")
    if f.pattern:
        if "[^ ]" in f.pattern:  # free text in a pattern (addresses): keep it one line
            alphabet = st.characters(codec="utf-8", exclude_characters=" \t\n\r" + _NOT_TEXT,
                                     categories=("L", "M", "N", "P", "S"))
            return st.from_regex(f.pattern, fullmatch=True, alphabet=alphabet).map(
                _nfc).filter(lambda s: re.search(f.pattern, s) is not None)
        return st.from_regex(f.pattern, fullmatch=True).filter(lambda s: "\n" not in s)
    return text(f.min_length or 0, f.max_length)


@functools.cache
def optional(table: str, name: str) -> st.SearchStrategy[Any]:
    """The field's values, or None when the field is optional."""
    f = schema.table(table).field(name)
    values = field_values(table, name)
    return values if f.required else st.one_of(st.none(), values)


# --- a dataset -------------------------------------------------------------------------


@dataclass
class Dataset:
    """A repository's hand-written files, as data.

    sources: source_id -> the source record (archive/<id>.yaml) as a mapping
    texts: source_id -> the archived text's bytes (archive/<id>.txt)
    codings: file name stem -> coding file mapping (coding/<stem>.yaml)
    retired: coding/retired.yaml as a mapping, or None for no such file
    raw: relative path -> bytes that replace the rendered file (None: leave it out)
    dirs: relative paths made as empty folders (a folder where a file is expected)
    """

    sources: dict[str, dict[str, Any]]
    texts: dict[str, bytes]
    codings: dict[str, dict[str, Any]]
    retired: dict[str, Any] | None = None
    raw: dict[str, bytes | None] = field(default_factory=dict)
    dirs: set[str] = field(default_factory=set)
    nulls: bool = False  # write empty optional fields as `key: null` rather than leave them out

    # -- reading it back as a coder would describe it
    def reports(self) -> list[tuple[str, int, dict[str, Any]]]:
        """(file stem, index, report) for every report in every coding file."""
        return [(stem, i, r) for stem, c in sorted(self.codings.items())
                for i, r in enumerate(c.get("events") or []) if isinstance(r, dict)]

    def reports_of(self, event_id: str) -> list[tuple[str, int, dict[str, Any]]]:
        return [x for x in self.reports() if x[2].get("event") == event_id]

    def event_ids(self) -> list[str]:
        return sorted({r.get("event") for _, _, r in self.reports()})

    def coding_path(self, stem: str) -> str:
        return f"coding/{stem}.yaml"

    def rendered(self, stem: str) -> str:
        return render_yaml(self._with_nulls(self.codings[stem]))

    def line_of_report(self, stem: str, index: int) -> int:
        """1-based line of the `- event:` entry of a report in its rendered file."""
        lines = self.rendered(stem).split("\n")
        starts = [n for n, line in enumerate(lines, 1) if re.match(r"^  - ", line)]
        return starts[index]

    def label(self, stem: str, index: int) -> str:
        report = self.codings[stem]["events"][index]
        return f"event {report.get('event')} (line {self.line_of_report(stem, index)})"

    def _with_nulls(self, data: Any) -> Any:
        return data if not self.nulls else _nulls(data)

    def files(self) -> dict[str, bytes | None]:
        out: dict[str, bytes | None] = {}
        for sid, rec in sorted(self.sources.items()):
            out[f"archive/{sid}.yaml"] = render_yaml(self._with_nulls(rec)).encode()
        for sid, raw in sorted(self.texts.items()):
            out[f"archive/{sid}.txt"] = raw
        for stem in sorted(self.codings):
            out[self.coding_path(stem)] = self.rendered(stem).encode()
        if self.retired is not None:
            out["coding/retired.yaml"] = render_yaml(self.retired).encode()
        out.update(self.raw)
        return out

    def write(self, root: Path) -> None:
        (root / "archive").mkdir(parents=True, exist_ok=True)
        (root / "coding").mkdir(parents=True, exist_ok=True)
        for rel, data in self.files().items():
            if data is not None:
                (root / rel).parent.mkdir(parents=True, exist_ok=True)
                (root / rel).write_bytes(data)
        for rel in self.dirs:
            (root / rel).mkdir(parents=True, exist_ok=True)

    def copy(self) -> Dataset:
        return copy.deepcopy(self)


def _nulls(data: Any) -> Any:
    """Every optional field a record leaves out written as `key: null` instead (records
    that are not mappings, as mutations make them, are left as they are)."""
    if not isinstance(data, dict):
        return data
    if "events" in data and "coder" in data:
        events = data["events"]
        return {**data, "events": [_nulls_report(r) for r in events]
                if isinstance(events, list) else events}
    return _fill("sources", data)


def _fill(table: str, row: Any) -> Any:
    if not isinstance(row, dict):
        return row
    out = dict(row)
    for f in schema.table(table).coded_fields:
        out.setdefault(f.key, None)
    return out


def _nulls_report(r: Any) -> Any:
    if not isinstance(r, dict):
        return r
    out = _fill("events", r)
    for key, table in (("participants", "participants"), ("links", "event_links")):
        if isinstance(r.get(key), list) and r[key]:
            out[key] = [_fill(table, x) for x in r[key]]
    return out


def compile_dataset(dataset: Dataset, root: Path) -> Any:
    """Write the dataset under root and run the whole pipeline on it (a `Compiled`)."""
    from gsi_events.compile.pipeline import compile_repository

    dataset.write(root)
    return compile_repository(root)


# --- generating one -------------------------------------------------------------------


def _ids(draw: Any, prefix: str, n: int) -> list[str]:
    nums = draw(st.lists(st.one_of(st.integers(1, 60), st.integers(1, 99_999)),
                         min_size=n, max_size=n, unique=True))
    return [f"{prefix}-{k:04d}" for k in nums]


def _actions() -> dict[str, dict[str, Any]]:
    return {c.value: c.extra for c in schema.table("events").field("action").categories}


def quote_aspects() -> tuple[str, ...]:
    """The parts of an event a quote can support, from evidence.supports' pattern."""
    pattern = schema.table("evidence").field("supports").pattern or ""
    return tuple(re.search(r"\(([a-z_|]+)\)", pattern).group(1).split("|"))  # type: ignore[union-attr]


def _needs(report: dict[str, Any]) -> set[str]:
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
    actions = _actions()
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
        action = draw(st.sampled_from(sorted(actions)))
        statuses = actions[action].get("statuses") or list(status_field.values)
        status = draw(st.sampled_from(list(statuses)))
        kinds[event_id] = actions[action].get("kind", "")
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
            need = _needs(r) | {"action"}
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


# --- rule ids --------------------------------------------------------------------------

READING_MODULES = ("coding.py", "yamlio.py")


def parse_rule_templates() -> list[str]:
    """The rule ids of every Problem the reading code can raise, as regular expressions:
    a literal id, or a pattern for an id built from parts (f"{table}.{field}.type")."""
    from gsi_events import paths

    out: list[str] = []
    for name in READING_MODULES:
        tree = ast.parse((paths.PACKAGE / name).read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and getattr(node.func, "id", "") == "Problem"):
                continue
            arg = node.args[2] if len(node.args) > 2 else next(
                (k.value for k in node.keywords if k.arg == "rule"), None)
            if isinstance(arg, ast.Constant):
                out.append(re.escape(arg.value))
            elif isinstance(arg, ast.JoinedStr):
                out.append("".join(re.escape(v.value) if isinstance(v, ast.Constant)
                                   else "[a-z_0-9]+" for v in arg.values))
            else:
                raise AssertionError(f"{name}: a Problem's rule is not a string literal")
    return sorted(set(out))


def table_rule_ids() -> list[str]:
    """Every rule id the table validation can report, from the pandera models."""
    from gsi_events.compile.validate.models import model
    from gsi_events.compile.validate.rules import Context

    frames = {t: pl.DataFrame(schema={f.name: schema.polars_dtype(f.type)
                                      for f in schema.table(t).fields}) for t in schema.TABLES}
    ctx = Context(frames=frames, archive={})
    out: list[str] = []
    for t in schema.TABLES:
        m = model(t, ctx)
        out.append(f"{t}.extra_column")
        for name, col in m.columns.items():
            out += [f"{t}.{name}.type", f"{t}.{name}.missing"]
            if not col.nullable:
                out.append(f"{t}.{name}.required")
            out += [str(ch.name) for ch in col.checks]
        out += [str(ch.name) for ch in m.checks]
    return out


def parse_rule_ids() -> list[str]:
    """The parse-stage rule ids spelt out: literal ones, and per-field ones for every
    coded field of every table (`events.count_best.type`, `sources.url.required`)."""
    out = [t for t in parse_rule_templates() if re.escape(re.sub(r"\\(.)", r"\1", t)) == t]
    out = [re.sub(r"\\(.)", r"\1", t) for t in out]
    for t in ("sources", "events", "participants", "evidence", "event_links"):
        out += [f"{t}.not_a_mapping", f"{t}.unknown_key"]
        for f in schema.table(t).coded_fields:
            out.append(f"{t}.{f.name}.type")
            if f.required:
                out.append(f"{t}.{f.name}.required")
    out += ["events.participants.required", "events.participants.type",
            "events.quotes.required", "events.quotes.type", "events.links.type",
            "coding.events.type"]
    return out


def rule_ids() -> list[str]:
    """Every rule id a mutation must exercise (see the module's doc)."""
    return sorted(set(table_rule_ids()) | set(parse_rule_ids()))


# --- mutations -------------------------------------------------------------------------


@dataclass
class Target:
    """Where a mutation's Problem must point: one of `files`, and a record containing
    `record` ("" for a whole-file or whole-table problem)."""

    files: set[str]
    record: str

    def matches(self, problem: Any) -> bool:
        return problem.file in self.files and self.record in problem.record


@dataclass
class Case:
    """A valid dataset being mutated; `table_edits` run on the built tables."""

    dataset: Dataset
    draw: Callable[[st.SearchStrategy[Any]], Any]
    table_edits: list[Callable[[Any], None]] = field(default_factory=list)


Mutation = Callable[[Case], Target]
MUTATIONS: dict[str, Mutation] = {}


def mutation(*rule_ids: str) -> Callable[[Mutation], Mutation]:
    def register(fn: Mutation) -> Mutation:
        for rid in rule_ids:
            MUTATIONS[rid] = fn
        return fn

    return register


def _pick_report(case: Case, where: Callable[[dict[str, Any]], bool] = lambda r: True
                 ) -> tuple[str, int, dict[str, Any]]:
    choices = [x for x in case.dataset.reports() if where(x[2])]
    return case.draw(st.sampled_from(choices))


def _report_target(case: Case, stem: str, index: int, suffix: str = "") -> Target:
    return Target({case.dataset.coding_path(stem)}, case.dataset.label(stem, index) + suffix)


def _pick_source(case: Case) -> str:
    return case.draw(st.sampled_from(sorted(case.dataset.sources)))


def _source_target(case: Case, sid: str) -> Target:
    return Target({f"archive/{sid}.yaml"}, f"source {sid}")


def _wrong_type(f: Field) -> Any:
    return {"string": {"a": "mapping"}, "integer": "3,000", "boolean": "yes",
            "date": "2024/09/09"}[f.type]


def _bad_pattern(f: Field) -> str:
    for candidate in ("x y", "ev-1", "src-1", "chn", "EN", "ABC;", "www.example.com",
                      "zz-not-this"):
        if not re.search(f.pattern or "", candidate):
            return candidate
    raise AssertionError(f"no value breaks {f.pattern}")


def _bad_code(f: Field) -> str:
    codes = set(_codes(f))
    for candidate in ("XXX", "QQQ", "ZZZ", "XXA", "xx", "qq", "zz"):
        if candidate not in codes and re.search(f.pattern or ".", candidate):
            return candidate
    raise AssertionError(f"no value breaks the code list {f.codelist}")


def _bad_length(f: Field) -> str:
    if f.min_length:
        return "x" * (f.min_length - 1)
    return "x" * ((f.max_length or 0) + 1)


def _bad_value(f: Field, kind: str) -> Any:
    if kind == "pattern":
        return _bad_pattern(f)
    if kind == "vocabulary":
        return f"{f.values[0]}_x"
    if kind == "codelist":
        code = _bad_code(f)
        return f"CHN{f.separator}{code}" if f.separator else code
    if kind == "minimum":
        return (f.minimum or 0) - 1
    if kind == "maximum":
        return (f.maximum or 0) + 1
    if kind == "length":
        return _bad_length(f)
    raise AssertionError(kind)


def _items(case: Case, table: str) -> list[tuple[str, int, dict[str, Any]]]:
    """(stem, report index, item) for each participant / link / quote, or each report."""
    key = {"participants": "participants", "event_links": "links", "evidence": "quotes"}
    out = []
    for stem, i, r in case.dataset.reports():
        if table == "events":
            out.append((stem, i, r))
        else:
            out += [(stem, i, x) for x in r.get(key[table]) or []]
    return out


def _set_coded(case: Case, table: str, f: Field, value: Any, suffix: str = ""
               ) -> Target:
    """Give a coded field a value in one record of the hand-written files."""
    if table == "sources":
        sid = _pick_source(case)
        if value is _DELETE:
            case.dataset.sources[sid].pop(f.key, None)
        else:
            case.dataset.sources[sid][f.key] = value
        return _source_target(case, sid)
    if table == "event_links" and not _items(case, table):
        stem, i, r = _pick_report(case)
        r["links"] = [{"relation": "follows", "event": r["event"]}]
    if table == "events":
        stem, i, item = _pick_report(case)
    else:
        stem, i, item = case.draw(st.sampled_from(_items(case, table)))
    if value is _DELETE:
        item.pop(f.key, None)
    else:
        item[f.key] = value
    return _report_target(case, stem, i, suffix)


_DELETE = object()


def _table_row(case: Case, table: str, edit: Callable[[pl.DataFrame, int], pl.DataFrame]
               ) -> Target:
    """A table edit on one row (chosen by draw); the Target is filled in when it runs."""
    choice = case.draw(st.integers(0, 10**6))
    target = Target(set(), "\0 not built yet")

    def apply(tables: Any) -> None:
        df = tables.frames[table]
        if df.height == 0:
            raise AssertionError(f"the dataset has no {table} rows to mutate")
        i = choice % df.height
        tables.frames[table] = edit(df, i)
        file, record = tables.provenance[table][i]
        target.files, target.record = {file}, record

    case.table_edits.append(apply)
    return target


def _set_cell(df: pl.DataFrame, i: int, name: str, value: Any) -> pl.DataFrame:
    dtype = df.schema[name]
    col = df[name].to_list()
    col[i] = value
    return df.with_columns(pl.Series(name, col, dtype=dtype))


def table_mutation(case: Case, table: str, name: str, value: Any) -> Target:
    """Set one cell of a built table (fields the coder does not write)."""
    return _table_row(case, table, lambda df, i: _set_cell(df, i, name, value))


def _whole_table(case: Case, table: str, edit: Callable[[pl.DataFrame], pl.DataFrame]
                 ) -> Target:
    def apply(tables: Any) -> None:
        tables.frames[table] = edit(tables.frames[table])

    case.table_edits.append(apply)
    return Target({f"{table} table"}, "")


def _retype(table: str, name: str, to: Any, case: Case) -> Target:
    return _whole_table(case, table, lambda df: df.with_columns(
        pl.col(name).cast(pl.String).cast(to, strict=False)))


def _drop(table: str, name: str, case: Case) -> Target:
    return _whole_table(case, table, lambda df: df.drop(name))


def _extra_column(table: str, case: Case) -> Target:
    return _whole_table(case, table, lambda df: df.with_columns(pl.lit("x").alias("extra")))


def _derive_field_mutations() -> None:
    """One mutation per field check and key, from the schema: in the hand-written files
    for coded fields, in the built tables for derived and implied ones."""
    for t in schema.TABLES:
        for f in schema.table(t).fields:
            in_files = f.coded and t != "discrepancies"
            kinds = [k for k, on in (("pattern", f.pattern), ("vocabulary", f.categories),
                                     ("codelist", f.codelist),
                                     ("minimum", f.minimum is not None),
                                     ("maximum", f.maximum is not None),
                                     ("length", f.min_length or f.max_length)) if on]
            for kind in kinds:
                value = _bad_value(f, kind)
                fn = (partial(_set_coded, table=t, f=f, value=value) if in_files
                      else partial(table_mutation, table=t, name=f.name, value=value))
                MUTATIONS.setdefault(f"{t}.{f.name}.{kind}", fn)
            # type and required: in the files the parser reports them record by record;
            # in the tables a column of another type is a whole-table problem
            if in_files:
                MUTATIONS.setdefault(f"{t}.{f.name}.type",
                                     partial(_set_coded, table=t, f=f, value=_wrong_type(f)))
                if f.required:
                    MUTATIONS.setdefault(f"{t}.{f.name}.required",
                                         partial(_set_coded, table=t, f=f, value=_DELETE))
            else:
                other = pl.Int64 if f.type != "integer" else pl.String
                MUTATIONS.setdefault(f"{t}.{f.name}.type", partial(_retype, t, f.name, other))
                if f.required:
                    MUTATIONS.setdefault(f"{t}.{f.name}.required",
                                         partial(table_mutation, table=t, name=f.name,
                                                 value=None))
            MUTATIONS.setdefault(f"{t}.{f.name}.missing", partial(_drop, t, f.name))
            if f.unique:
                MUTATIONS.setdefault(f"{t}.{f.name}.unique", partial(_duplicate_row, table=t))
        MUTATIONS.setdefault(f"{t}.extra_column", partial(_extra_column, t))
        if len(schema.table(t).primary_key) > 1:
            MUTATIONS.setdefault(f"{t}.primary_key", partial(_duplicate_row, table=t))
        for fk in schema.table(t).foreign_keys:
            MUTATIONS.setdefault(f"{t}.foreign_key.{'+'.join(fk.fields)}",
                                 partial(table_mutation, table=t, name=fk.fields[0],
                                         value=_dangling(fk)))


def _dangling(fk: Any) -> str:
    ref = schema.table(fk.resource).field(fk.reference_fields[0])
    return {"^ev-[0-9]{4,}$": "ev-99999999", "^src-[0-9]{4,}$": "src-99999999"}.get(
        ref.pattern or "", "nothing-here")


def _duplicate_row(case: Case, table: str) -> Target:
    """Append a copy of one row (same provenance): its key is used twice."""
    choice = case.draw(st.integers(0, 10**6))
    target = Target(set(), "\0 not built yet")

    def apply(tables: Any) -> None:
        df = tables.frames[table]
        i = choice % df.height
        tables.frames[table] = pl.concat([df, df[i]])
        tables.provenance[table] = [*tables.provenance[table], tables.provenance[table][i]]
        file, record = tables.provenance[table][i]
        target.files, target.record = {file}, record

    case.table_edits.append(apply)
    return target


# -- the hand-written files as text --------------------------------------------------------


def _coding_text(case: Case) -> tuple[str, str]:
    stem = case.draw(st.sampled_from(sorted(s for s, c in case.dataset.codings.items()
                                            if c.get("events"))))
    return stem, case.dataset.rendered(stem)


def _replace_file(case: Case, stem: str, data: bytes | None) -> str:
    path = case.dataset.coding_path(stem)
    case.dataset.raw[path] = data
    return path


@mutation("file.bom")
def _bom(case: Case) -> Target:
    stem, txt = _coding_text(case)
    return Target({_replace_file(case, stem, b"\xef\xbb\xbf" + txt.encode())}, "line 1")


@mutation("file.line_endings")
def _crlf(case: Case) -> Target:
    stem, txt = _coding_text(case)
    return Target({_replace_file(case, stem, txt.replace("\n", "\r\n").encode())}, "line 1")


@mutation("file.tab_indent")
def _tab(case: Case) -> Target:
    stem, txt = _coding_text(case)
    lines = txt.split("\n")
    n = next(i for i, line in enumerate(lines) if line.startswith("  "))
    lines[n] = "\t" + lines[n][2:]
    return Target({_replace_file(case, stem, "\n".join(lines).encode())}, f"line {n + 1}")


@mutation("file.unicode_nfc")
def _nfd(case: Case) -> Target:
    stem, _i, r = _pick_report(case)
    r["summary"] = "Café talks in Zürich, as NFD"
    txt = case.dataset.rendered(stem)
    decomposed = unicodedata.normalize("NFD", txt)
    n = next(k for k, (a, b) in enumerate(zip(txt.split("\n"), decomposed.split("\n"),
                                               strict=True), 1) if a != b)
    return Target({_replace_file(case, stem, decomposed.encode())}, f"line {n}")


@mutation("file.unreadable")
def _directory(case: Case) -> Target:
    stem = case.draw(st.sampled_from(sorted(case.dataset.sources)))
    path = _replace_file(case, f"{stem}.extra", None)
    case.dataset.dirs.add(path)
    return Target({path}, "")


@mutation("file.utf8")
def _latin1(case: Case) -> Target:
    stem, _i, r = _pick_report(case)
    r["summary"] = "Talks held at the café in Zürich"
    data = case.dataset.rendered(stem).encode("latin-1", errors="replace")
    first = next(k for k, b in enumerate(data) if b >= 0x80)
    line = data[:first].count(b"\n") + 1
    return Target({_replace_file(case, stem, data)}, f"line {line}")


@mutation("yaml.duplicate_key")
def _duplicate_key(case: Case) -> Target:
    stem, txt = _coding_text(case)
    lines = txt.split("\n")
    n = next(i for i, line in enumerate(lines) if line.startswith("    status: "))
    lines.insert(n + 1, lines[n])
    return Target({_replace_file(case, stem, "\n".join(lines).encode())}, f"line {n + 2}")


@mutation("yaml.syntax")
def _syntax(case: Case) -> Target:
    stem, txt = _coding_text(case)
    lines = txt.split("\n")
    n = next(i for i, line in enumerate(lines) if line.startswith("    summary: "))
    lines[n] = "    summary: [an unclosed list"
    return Target({_replace_file(case, stem, "\n".join(lines).encode())}, "line")


@mutation("archive.file_name")
def _source_file_name(case: Case) -> Target:
    sid = _pick_source(case)
    case.dataset.sources["source-one"] = case.dataset.sources.pop(sid)
    case.dataset.texts["source-one"] = case.dataset.texts.pop(sid)
    return Target({"archive/source-one.yaml"}, "source source-one")


@mutation("archive.text_missing")
def _text_missing(case: Case) -> Target:
    sid = _pick_source(case)
    del case.dataset.texts[sid]
    return _source_target(case, sid)


@mutation("evidence.char_start.required", "evidence.char_end.required")
def _text_missing_quotes(case: Case) -> Target:
    """Without the archived text no quote can be located: each quote has no offsets."""
    stem, i, _r = _pick_report(case)
    del case.dataset.texts[case.dataset.codings[stem]["source"]]
    return _report_target(case, stem, i, ", quote 1")


@mutation("archive.text_utf8")
def _text_utf8(case: Case) -> Target:
    sid = _pick_source(case)
    case.dataset.texts[sid] = case.dataset.texts[sid] + b"\xff\xfe"
    return _source_target(case, sid)


@mutation("sources.not_a_mapping")
def _source_not_mapping(case: Case) -> Target:
    sid = _pick_source(case)
    case.dataset.raw[f"archive/{sid}.yaml"] = b"- a list\n- not a record\n"
    return _source_target(case, sid)


@mutation("sources.unknown_key")
def _source_unknown_key(case: Case) -> Target:
    sid = _pick_source(case)
    case.dataset.sources[sid]["titel"] = "A misspelt key"
    return _source_target(case, sid)


@mutation("events.not_a_mapping")
def _report_not_mapping(case: Case) -> Target:
    stem, _i, _r = _pick_report(case)
    case.dataset.codings[stem]["events"].append("ev-0001 was here")
    return Target({case.dataset.coding_path(stem)}, "unnamed event")


@mutation("events.unknown_key")
def _report_unknown_key(case: Case) -> Target:
    stem, i, r = _pick_report(case)
    r["acton"] = r["action"]
    return _report_target(case, stem, i)


@mutation("events.canonical.type")
def _canonical_type(case: Case) -> Target:
    stem, i, r = _pick_report(case)
    r["canonical"] = "yes"
    return _report_target(case, stem, i)


@mutation("events.event_id.pattern")
def _event_id_pattern(case: Case) -> Target:
    stem, i, r = _pick_report(case)
    r["event"] = "ev-1"
    return _report_target(case, stem, i)


def _part_list(key: str, value: Any) -> Mutation:
    def fn(case: Case) -> Target:
        stem, i, r = _pick_report(case)
        if value is _DELETE:
            r.pop(key, None)
        else:
            r[key] = value
        return _report_target(case, stem, i)

    return fn


for _key, _required in (("participants", True), ("quotes", True), ("links", False)):
    MUTATIONS[f"events.{_key}.type"] = _part_list(_key, "a text, not a list")
    if _required:
        MUTATIONS[f"events.{_key}.required"] = _part_list(_key, _DELETE)


def _item_not_mapping(key: str) -> Mutation:
    def fn(case: Case) -> Target:
        stem, i, r = _pick_report(case)
        r.setdefault(key, []).append("not a mapping")
        return _report_target(case, stem, i)

    return fn


def _item_unknown_key(table: str) -> Mutation:
    def fn(case: Case) -> Target:
        if table == "event_links" and not _items(case, table):
            stem, i, r = _pick_report(case)
            r["links"] = [{"relation": "follows", "event": r["event"]}]
        stem, i, item = case.draw(st.sampled_from(_items(case, table)))
        item["colour"] = "red"
        return _report_target(case, stem, i)

    return fn


for _table, _key in (("participants", "participants"), ("evidence", "quotes"),
                     ("event_links", "links")):
    MUTATIONS[f"{_table}.not_a_mapping"] = _item_not_mapping(_key)
    MUTATIONS[f"{_table}.unknown_key"] = _item_unknown_key(_table)


@mutation("coding.not_a_mapping")
def _coding_not_mapping(case: Case) -> Target:
    stem, _ = _coding_text(case)
    return Target({_replace_file(case, stem, b"- source: src-0001\n")}, "")


@mutation("coding.unknown_key")
def _coding_unknown_key(case: Case) -> Target:
    stem, _ = _coding_text(case)
    case.dataset.codings[stem]["coded_on"] = "2024-09-09"
    return Target({case.dataset.coding_path(stem)}, "line")


@mutation("coding.source")
def _coding_source(case: Case) -> Target:
    stem, _ = _coding_text(case)
    case.dataset.codings[stem]["source"] = "source one"
    return Target({case.dataset.coding_path(stem)}, "line 1")


@mutation("coding.file_name")
def _coding_file_name(case: Case) -> Target:
    stem, _ = _coding_text(case)
    case.dataset.codings["coded-" + stem] = case.dataset.codings.pop(stem)
    return Target({case.dataset.coding_path("coded-" + stem)}, "line 1")


@mutation("coding.coder")
def _coding_coder(case: Case) -> Target:
    stem, _ = _coding_text(case)
    del case.dataset.codings[stem]["coder"]
    return Target({case.dataset.coding_path(stem)}, "line 1")


@mutation("coding.events.type")
def _coding_events_type(case: Case) -> Target:
    stem, _ = _coding_text(case)
    case.dataset.codings[stem]["events"] = "ev-0001"
    return Target({case.dataset.coding_path(stem)}, "")


@mutation("coding.event_twice")
def _event_twice(case: Case) -> Target:
    stem, _i, r = _pick_report(case)
    events = case.dataset.codings[stem]["events"]
    events.append(copy.deepcopy(r))
    return _report_target(case, stem, len(events) - 1)


@mutation("coding.unknown_source")
def _unknown_source(case: Case) -> Target:
    stem, _i, _r = _pick_report(case)
    sid = case.dataset.codings[stem]["source"]
    del case.dataset.sources[sid]
    return Target({case.dataset.coding_path(stem)}, "line 1")


@mutation("coding.source_twice")
def _source_twice(case: Case) -> Target:
    stem, _ = _coding_text(case)
    case.dataset.codings[f"{stem}.second"] = copy.deepcopy(case.dataset.codings[stem])
    later = max(f"{stem}.second.yaml", f"{stem}.yaml")
    return Target({f"coding/{later}"}, "line 1")


@mutation("events.retired_id")
def _retired_event(case: Case) -> Target:
    stem, i, r = _pick_report(case)
    case.dataset.retired = {"events": [{"id": r["event"], "reason": "a duplicate"}]}
    return _report_target(case, stem, i)


@mutation("sources.retired_id")
def _retired_source(case: Case) -> Target:
    sid = _pick_source(case)
    case.dataset.retired = {"sources": [{"id": sid, "reason": "withdrawn"}]}
    return _source_target(case, sid)


@mutation("retired.entry")
def _retired_entry(case: Case) -> Target:
    case.dataset.retired = {"events": [{"id": "ev-99999"}]}
    return Target({"coding/retired.yaml"}, "line")


@mutation("events.canonical_once")
def _canonical_once(case: Case) -> Target:
    multi = [e for e in case.dataset.event_ids() if len(case.dataset.reports_of(e)) > 1]
    event = case.draw(st.sampled_from(multi))
    reports = case.dataset.reports_of(event)
    for _, _, r in reports:
        r["canonical"] = True
    return Target({case.dataset.coding_path(s) for s, _, _ in reports}, f"event {event}")


# -- cross-field and cross-table rules ---------------------------------------------------


@mutation("sources.published_dates_match_precision")
def _published_dates(case: Case) -> Target:
    sid = _pick_source(case)
    rec = case.dataset.sources[sid]
    rec.update(published_precision="day", published_start=dt.date(2024, 1, 1),
               published_end=dt.date(2024, 1, 2))
    return _source_target(case, sid)


@mutation("sources.archived_text_matches_hash")
def _text_edited(case: Case) -> Target:
    sid = _pick_source(case)
    case.dataset.texts[sid] = case.dataset.texts[sid] + b"\nEdited after coding."
    return _source_target(case, sid)


@mutation("sources.body_markers_found")
def _body_markers(case: Case) -> Target:
    sid = _pick_source(case)
    case.dataset.sources[sid]["body_begins"] = "words that are not in the text"
    return _source_target(case, sid)


@mutation("events.status_allowed_for_action")
def _status(case: Case) -> Target:
    stem, i, r = _pick_report(case)
    allowed = _actions()[r["action"]].get("statuses") or []
    r["status"] = next(s for s in schema.table("events").field("status").values
                       if s not in allowed)
    return _report_target(case, stem, i)


@mutation("events.date_order")
def _date_order(case: Case) -> Target:
    stem, i, r = _pick_report(case)
    r["covers_start"], r["covers_end"] = dt.date(2024, 2, 1), dt.date(2024, 1, 31)
    return _report_target(case, stem, i)


@mutation("events.dates_match_precision")
def _dates_precision(case: Case) -> Target:
    stem, i, r = _pick_report(case)
    r.update(date_start=dt.date(2024, 3, 15), date_end=dt.date(2024, 3, 15),
             date_precision="month")
    return _report_target(case, stem, i)


@mutation("events.covers_both_or_neither")
def _covers(case: Case) -> Target:
    stem, i, r = _pick_report(case)
    r["covers_start"] = dt.date(2024, 1, 1)
    r.pop("covers_end", None)
    return _report_target(case, stem, i)


@mutation("events.count_order")
def _count_order(case: Case) -> Target:
    stem, i, r = _pick_report(case)
    r.update(count_low=10, count_best=5, count_unit="officers")
    r.pop("count_high", None)
    return _report_target(case, stem, i)


@mutation("events.count_has_unit")
def _count_unit(case: Case) -> Target:
    stem, i, r = _pick_report(case)
    r["count_best"] = 5
    r.pop("count_unit", None)
    return _report_target(case, stem, i)


@mutation("events.codes_match_action")
def _cameo(case: Case) -> Target:
    return table_mutation(case, "events", "cameo_code", "0999")


@mutation("events.aggregates_flag_correct")
def _aggregates(case: Case) -> Target:
    return _table_row(case, "events", lambda df, i: _set_cell(
        df, i, "recommended_for_aggregates", not df["recommended_for_aggregates"][i]))


@mutation("events.every_event_has_evidence")
def _n_sources(case: Case) -> Target:
    return _table_row(case, "events", lambda df, i: _set_cell(
        df, i, "n_sources", df["n_sources"][i] + 1))


def _event_target(case: Case, event: str) -> Target:
    return Target({case.dataset.coding_path(s) for s, _, _ in case.dataset.reports_of(event)},
                  f"event {event}")


@mutation("events.every_event_has_actor")
def _no_actor(case: Case) -> Target:
    event = case.draw(st.sampled_from(case.dataset.event_ids()))
    for _, _, r in case.dataset.reports_of(event):
        for p in r["participants"]:
            if p.get("role") == "actor":
                p["role"] = "partner"
    return _event_target(case, event)


@mutation("events.values_are_quoted")
def _unquoted(case: Case) -> Target:
    event = case.draw(st.sampled_from(case.dataset.event_ids()))
    for _, _, r in case.dataset.reports_of(event):
        for q in r["quotes"]:
            q["supports"] = [a for a in q["supports"] if a != "action"] or ["status"]
    return _event_target(case, event)


@mutation("participants.participant_is_identified")
def _unidentified(case: Case) -> Target:
    stem, i, p = case.draw(st.sampled_from(_items(case, "participants")))
    for k in ("country", "organisation", "group_name", "group_members", "group_size"):
        p.pop(k, None)
    p["institution"] = "Ministry of Public Security"
    return _report_target(case, stem, i)


@mutation("participants.person_has_office")
def _person_office(case: Case) -> Target:
    stem, i, p = case.draw(st.sampled_from(_items(case, "participants")))
    p["person"] = "Wang Xiaohong"
    p.pop("person_office", None)
    return _report_target(case, stem, i)


@mutation("participants.group_fields_need_group")
def _group_fields(case: Case) -> Target:
    stem, i, p = case.draw(st.sampled_from(_items(case, "participants")))
    p.pop("group_name", None)
    p.pop("group_members", None)
    p["country"] = "CHN"
    p["group_size"] = 3
    return _report_target(case, stem, i)


@mutation("participants.country_names_match")
def _country_name(case: Case) -> Target:
    return table_mutation(case, "participants", "country_name", "Atlantis")


@mutation("evidence.quote_in_source")
def _quote_missing(case: Case) -> Target:
    stem, i, r = _pick_report(case)
    r["quotes"][0]["quote"] = "words this source never printed"
    return _report_target(case, stem, i, ", quote 1")


@mutation("evidence.quote_in_article_body")
def _quote_in_furniture(case: Case) -> Target:
    stem, i, r = _pick_report(case)
    sid = case.dataset.codings[stem]["source"]
    furniture = "Sign up for our newsletter today"
    raw = case.dataset.texts[sid] + ("\n" + furniture).encode()
    case.dataset.texts[sid] = raw
    rec = case.dataset.sources[sid]
    rec["sha256"], rec["bytes"] = hashlib.sha256(raw).hexdigest(), len(raw)
    r["quotes"][0]["quote"] = furniture
    return _report_target(case, stem, i, ", quote 1")


@mutation("evidence.offsets_match_quote")
def _offsets(case: Case) -> Target:
    return _table_row(case, "evidence", lambda df, i: _set_cell(
        df, i, "char_end", df["char_end"][i] + 1))


@mutation("event_links.link_not_to_itself")
def _self_link(case: Case) -> Target:
    stem, i, r = _pick_report(case)
    r.setdefault("links", []).append({"relation": "follows", "event": r["event"]})
    return _report_target(case, stem, i)


@mutation("event_links.foreign_key.target_event_id")
def _dangling_link(case: Case) -> Target:
    stem, i, r = _pick_report(case)
    r.setdefault("links", []).append({"relation": "follows", "event": "ev-99999999"})
    return _report_target(case, stem, i)


@mutation("event_links.fulfils_links_delivery_to_pledge")
def _fulfils(case: Case) -> Target:
    events = case.dataset.event_ids()
    a, b = case.draw(st.lists(st.sampled_from(events), min_size=2, max_size=2, unique=True))
    kind = {e: _actions()[case.dataset.reports_of(e)[0][2]["action"]].get("kind")
            for e in (a, b)}
    if kind[a] == "delivery" and kind[b] == "pledge":
        a, b = b, a
    stem, i, r = case.draw(st.sampled_from(case.dataset.reports_of(a)))
    r.setdefault("links", []).append({"relation": "fulfils", "event": b})
    return _report_target(case, stem, i)


_derive_field_mutations()


def mutate(rule_id: str, dataset: Dataset, draw: Callable[[Any], Any]) -> tuple[Case, Target]:
    """Break rule_id in a copy of dataset; the case (with any table edits) and where the
    Problem must point."""
    if rule_id not in MUTATIONS:
        raise KeyError(f"no mutation exercises the rule {rule_id!r}; register one with "
                       "@gsi_events.testing.mutation")
    case = Case(dataset=dataset.copy(), draw=draw)
    return case, MUTATIONS[rule_id](case)


def run_case(case: Case, root: Path, rule_id: str | None = None) -> list[Any]:
    """Write the case's files under root and run the pipeline on them; the problems.

    Without table edits this is `compile_repository`, except that when `rule_id` is given
    and reading the files already reports it, the tables are not built (a shortcut for
    parse-stage rules). With table edits the files are read and merged, the edits made,
    and the tables validated."""
    from gsi_events.compile.merge import build_tables
    from gsi_events.compile.pipeline import compile_repository
    from gsi_events.compile.read import read_repository
    from gsi_events.compile.validate.run import validate_tables

    case.dataset.write(root)
    if not case.table_edits:
        if rule_id is not None:
            read = read_repository(root).problems
            if any(p.rule == rule_id for p in read):
                return read
        return compile_repository(root).problems
    repo = read_repository(root)
    tables = build_tables(repo)
    for edit in case.table_edits:
        edit(tables)
    archive = {s.source_id: s for s in repo.sources}
    return sorted(set(repo.problems + validate_tables(tables.frames, tables.provenance,
                                                      archive)))


def minimal(strategy: st.SearchStrategy[Any]) -> Any:
    """The simplest value of a strategy (the first of a sampled_from, 0 of integers): a
    deterministic `draw` for running mutations outside a hypothesis test."""
    from hypothesis import HealthCheck, Phase, find, settings

    return find(strategy, lambda _: True, settings=settings(
        database=None, phases=[Phase.generate, Phase.shrink], max_examples=10,
        suppress_health_check=list(HealthCheck)))


def example_dataset(**kwargs: Any) -> Dataset:
    """One fixed dataset of `datasets(**kwargs)`: the same on every run (derandomized)."""
    from hypothesis import HealthCheck, Phase, find, settings

    return find(datasets(**kwargs), lambda _: True, settings=settings(
        database=None, derandomize=True, phases=[Phase.generate], max_examples=10,
        suppress_health_check=list(HealthCheck)))
