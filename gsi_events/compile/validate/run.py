"""Run the pandera models over all tables and say every failure in plain words."""

from __future__ import annotations

import difflib
import unicodedata
from typing import Any

import pandera.polars as pa
import polars as pl

from gsi_events.compile import countries, schema
from gsi_events.compile.merge import Provenance
from gsi_events.compile.read import Report, SourceRecord
from gsi_events.compile.rows import evidence_row, label, participant_row
from gsi_events.compile.validate.models import model, report_model
from gsi_events.compile.validate.rules import Context, archived_files, quote_needs
from gsi_events.problems import Problem

PANDERA_CHECKS = {"not_nullable": "required", "column_in_dataframe": "missing"}


def _rule_id(table: str, failure: dict[str, Any]) -> str:
    check, column = str(failure["check"]), failure["column"]
    if check in PANDERA_CHECKS:
        return f"{table}.{column}.{PANDERA_CHECKS[check]}"
    if check.startswith("dtype("):
        return f"{table}.{column}.type"
    if check == "column_in_schema":
        return f"{table}.extra_column"
    return check


def _shown(value: Any) -> str:
    return "empty" if value is None else repr(value) if isinstance(value, str) else str(value)


def message(rule_id: str, row: dict[str, Any] | None, failure: dict[str, Any],
            ctx: Context, unquoted: tuple[str, ...] = ()) -> str:
    """The failure in words. `unquoted`: for values_are_quoted, the aspects no quote
    supports (worked out for all failing rows at once, `_unquoted`)."""
    table, _, rest = rule_id.partition(".")
    t = schema.table(table)
    row = row or {}
    if rest == "extra_column":
        return f"column {failure['failure_case']!r} is not in schemas/{table}.yaml"
    if rest == "primary_key":
        keys = ", ".join(f"{k}={_shown(row.get(k))}" for k in t.primary_key)
        return f"another record has the same key ({keys}); keys must be unique"
    if rest.startswith("foreign_key."):
        fields = rest.split(".", 1)[1].split("+")
        fk = next(fk for fk in t.foreign_keys if list(fk.fields) == fields)
        vals = ", ".join(_shown(row.get(f)) for f in fields)
        keys = "+".join(t.field(f).key for f in fields)
        return (f"{keys} {vals} refers to no record of {fk.resource} "
                f"(no {fk.resource} with {'+'.join(fk.reference_fields)} = {vals})")
    name, _, kind = rest.rpartition(".")
    if name in t.field_names:
        f = t.field(name)
        value = row.get(name)
        if kind == "required":
            return f"{f.key} is empty but required: {f.description}"
        if kind == "missing":
            return f"column {name} is missing"
        if kind == "type":
            return f"column {name} has type {failure['failure_case']}, schemas say {f.type}"
        if kind == "pattern":
            form = f" (like {f.example})" if f.example else ""
            return f"{f.key} {_shown(value)} is not of the required form {f.pattern}{form}"
        if kind == "vocabulary":
            near = difflib.get_close_matches(str(value), f.values, n=1)
            hint = f"; did you mean {near[0]!r}?" if near else ""
            return (f"{f.key} {_shown(value)} is not in the vocabulary{hint} "
                    f"(allowed: {', '.join(f.values)})")
        if kind == "codelist":
            return f"{f.key} {_shown(value)} is not {countries.CODELISTS[f.codelist or ''].words}"
        if kind == "minimum":
            return f"{f.key} must be at least {f.minimum}, found {_shown(value)}"
        if kind == "maximum":
            return f"{f.key} must be at most {f.maximum}, found {_shown(value)}"
        if kind == "length":
            n = len(value) if isinstance(value, str) else 0
            return (f"{f.key} must have {f.min_length or 0} to {f.max_length or 'any number of'}"
                    f" characters, found {n}")
        if kind == "characters":
            return (f"{f.key} holds {_invisible(value)}, an invisible control or formatting "
                    "character (NUL, a bidirectional override, a zero-width space, ...) that "
                    "hides in text or changes how it reads; delete it (retype the words "
                    "around it if you cannot see it)")
        if kind == "unique":
            return f"{f.key} {_shown(value)} is used by more than one record; it must be unique"
    r = t.rule(rest)
    found = ", ".join(f"{k}={_shown(row.get(k))}" for k in r.fields if k in row)
    detail = ""
    if rule_id == "events.values_are_quoted":
        detail = f" No quote supports: {', '.join(unquoted)} (add it to a quote's supports)."
        found = ""
    if rule_id == "sources.archived_text_matches_hash":
        files = ctx.memo("archived_files_by_id", lambda: {
            sid: (digest, size) for sid, digest, size in archived_files(ctx).iter_rows()})
        actual = files.get(row.get("source_id") or "")
        if actual is not None:
            detail = (f" The archived text now has sha256 {actual[0]} and "
                      f"{actual[1]} bytes; the record says {row.get('sha256')} and "
                      f"{row.get('bytes')}. Archived texts are never edited: restore it, or "
                      "archive the new text as a new source.")
            found = ""
    if rule_id == "events.dates_before_publication":
        found = ", ".join(f"{k}={_shown(row.get(k))}" for k in r.fields
                          if k in row and k != "primary_source_id")
        detail = f" {_publication(row.get('primary_source_id'), ctx)}"
    if rule_id == "sources.body_markers_once":
        record = (ctx.archive or {}).get(row.get("source_id") or "")
        if record is not None and record.text is not None:
            times = [f"{k} {_shown(row.get(k))} occurs {record.text.count(row.get(k) or '')}"
                     f" times" for k in ("body_begins", "body_ends")
                     if row.get(k) and record.text.count(row[k]) > 1]
            detail = f" In the archived text, {' and '.join(times)}."
            found = ""
    if rule_id == "evidence.quote_in_source" and row.get("char_start") is None:
        detail = f" Not found in {row.get('source_id')}'s archived text: {_near(row, ctx)}."
        found = ""
    return f"breaks the rule: {r.description}{detail}" + (f" Found: {found}." if found else "")


def _invisible(value: Any) -> str:
    """The first invisible character in a text (models.INVISIBLE), named, with its place."""
    text = value if isinstance(value, str) else ""
    for i, ch in enumerate(text):
        if ch not in "\t\n" and unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp"):
            name = unicodedata.name(ch, "a control character")
            return f"U+{ord(ch):04X} ({name}) at character {i + 1}"
    return "an invisible character"


def _publication(source_id: Any, ctx: Context) -> str:
    """When a source was published, in words, for events.dates_before_publication. The
    same words for a report (its own source) and for the events table (the primary
    source), so that one mistake in the primary report is reported once."""
    sources = ctx.frames.get("sources")
    rows = [] if sources is None else sources.filter(
        pl.col("source_id") == str(source_id)).select(
        "published_end", "published_precision").rows()
    if not rows:
        return f"{source_id} is the source."
    end, precision = rows[0]
    return (f"{source_id} was published by {end} (its published_end; its publication date "
            f"is known to the {precision}). Resolve relative dates against the publication "
            "(codebook, section 8), or code the status the source reports; where the event's "
            "dates come from another source's report, the two disagree on when it took "
            "place.")


def _near(row: dict[str, Any], ctx: Context) -> str:
    from gsi_events.coders.quotes import explain_miss

    s = (ctx.archive or {}).get(row.get("source_id") or "")
    return explain_miss(row.get("quote") or "", s.text if s else None)


def validate_tables(frames: dict[str, pl.DataFrame], provenance: dict[str, list[Provenance]],
                    archive: dict[str, SourceRecord] | None) -> list[Problem]:
    """Every problem in every table; empty when all is well."""
    missing = [Problem(f"{t} table", "", f"{t}.{name}.missing", f"column {name} is missing")
               for t in schema.TABLES for name in schema.table(t).field_names
               if name not in (frames[t].columns if t in frames else ())]
    if missing:  # the checks, within and across tables, read these columns
        return missing
    ctx = Context(frames=frames, archive=archive)
    problems: list[Problem] = []
    for table in schema.TABLES:
        problems += _check(table, frames[table], provenance.get(table, []),
                           model(table, ctx), ctx)
    return problems


def _check(table: str, df: pl.DataFrame, prov: list[Provenance], dfs: pa.DataFrameSchema,
           ctx: Context) -> list[Problem]:
    """One table's failures against a model, as Problems."""
    problems: list[Problem] = []
    try:
        dfs.validate(df, lazy=True)
        return problems
    except pa.errors.SchemaErrors as e:
        failures = list(e.failure_cases.iter_rows(named=True))
    broken_types = any(str(f["check"]).startswith("dtype(") for f in failures)
    # the failing rows, read in one go
    at = sorted({i for f in failures if (i := f["index"]) is not None and i < len(df)})
    rows = dict(zip(at, df[at].iter_rows(named=True), strict=True)) if at else {}
    unquoted = _unquoted(df, [f["index"] for f in failures
                              if f["check"] == "events.values_are_quoted"], ctx)
    quote_missing: set[int] = set()
    found: list[tuple[int | None, str, Problem]] = []
    for fail in failures:
        rule_id = _rule_id(table, fail)
        index = fail["index"]
        if index is None and broken_types and not rule_id.endswith(".type"):
            continue  # a check that could not run on a wrongly typed column
        row = rows.get(index) if index is not None else None
        if index is not None and index < len(prov):
            file, record = prov[index]
        else:
            file = f"{table} table"
            pk = schema.table(table).primary_key
            record = (", ".join(f"{k} {row.get(k)}" for k in pk) if row else "")
        if rule_id == "evidence.quote_in_source" and index is not None:
            quote_missing.add(index)
        found.append((index, rule_id, Problem(file, record, rule_id, message(
            rule_id, row, fail, ctx, unquoted.get(index, ())))))
    fields = schema.table(table).fields
    derived = {f"{table}.{f.name}.required" for f in fields if f.derived}
    coded = tuple(f"{table}.{f.name}." for f in fields if f.coded)
    caused = {index for index, rule_id, _ in found if rule_id.startswith(coded)}
    for index, rule_id, problem in found:
        if index in quote_missing and rule_id in ("evidence.char_start.required",
                                                  "evidence.char_end.required"):
            continue  # the quote was not found; quote_in_source says so once
        if rule_id in derived and index is not None and index in caused:
            continue  # empty because a coded value it derives from is wrong, as reported
        problems.append(problem)
    return problems


def _unquoted(df: pl.DataFrame, indices: list[int | None], ctx: Context
              ) -> dict[int, tuple[str, ...]]:
    """For the events rows at `indices`: the aspects they need a quote for and have none,
    worked out for all of them in one polars pass."""
    at = sorted({i for i in indices if i is not None and i < len(df)})
    if not at:
        return {}
    needs = quote_needs(ctx)
    flags = df[at].select(**{a: needed & ~has.fill_null(False)
                             for a, (needed, has) in needs.items()})
    return {i: tuple(a for a, flag in row.items() if flag)
            for i, row in zip(at, flags.iter_rows(named=True), strict=True)}


def validate_reports(reports: list[Report], frames: dict[str, pl.DataFrame],
                     rejected: list[Report] = (), archive: dict[str, SourceRecord] | None = None
                     ) -> list[Problem]:
    """The checks of `report_model` on every source's report of every event. The events
    and participants tables hold each event's merged, canonical values: a value that was
    not chosen (another source's, or the primary report's own when a unit is taken from
    elsewhere) is not in them, so a mistake in it (an unknown action or country code,
    counts out of order) would otherwise pass unseen. Problems the tables also show come
    out identical and are reported once.

    `rejected` reports (with a value that could not be read, kept out of the tables) are
    checked the same way, their quotes too, leaving out the rules that read the unread
    value: every mistake in a file is reported in one run, not one per run."""
    groups: dict[tuple[str, frozenset[str]], tuple[list[dict[str, Any]], list[Provenance]]] = {}

    def add(table: str, r: Report, row: dict[str, Any], where: str) -> None:
        skip = frozenset(n.split(".", 1)[1] for n in r.untyped if n.startswith(f"{table}."))
        rows, prov = groups.setdefault((table, skip), ([], []))
        rows.append(row)
        prov.append((r.file, where))

    for r in [*reports, *rejected]:
        # primary_source_id: a report's values come from its own source
        add("events", r, {"event_id": r.event_id, **r.fields,
                          "primary_source_id": r.source_id}, r.label)
        for n, p in enumerate(r.participants, 1):
            add("participants", r, participant_row(r, n, p), label(r, "participant", n, p))
    for r in rejected:  # the quotes of the reports the evidence table does not hold
        for n, q in enumerate(r.quotes, 1):
            add("evidence", r, evidence_row(r, n, q, (archive or {}).get(r.source_id)),
                label(r, "quote", n, q))
    ctx = Context(frames=frames, archive=archive)
    problems: list[Problem] = []
    for (table, skip), (rows, prov) in groups.items():
        derived = {"evidence": ("char_start", "char_end"),
                   "events": ("primary_source_id",)}.get(table, ())
        dfs = report_model(table, skip, derived, archive if table == "evidence" else None,
                           frames.get("sources") if table == "events" else None)
        cols = {name: col.dtype.type for name, col in dfs.columns.items()}
        df = pl.DataFrame([{c: row.get(c) for c in cols} for row in rows], schema=cols,
                          orient="row")
        problems += _check(table, df, prov, dfs, ctx)
    return problems
