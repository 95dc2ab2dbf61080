"""Run the pandera models over all tables and say every failure in plain words."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import polars as pl

from gsi_events.compile import schema
from gsi_events.compile.read import Report, SourceRecord
from gsi_events.compile.rows import Places, Provenance, columns_frame, evidence_row
from gsi_events.compile.validate.engine import pa
from gsi_events.compile.validate.models import (
    FIELD_CHECKS,
    key_says,
    model,
    passes,
    report_model,
)
from gsi_events.compile.validate.rules.across import quote_needs
from gsi_events.compile.validate.rules.context import EXPLAIN, Context
from gsi_events.problems import Problem, shown

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


def message(rule_id: str, row: dict[str, Any] | None, failure: dict[str, Any],
            ctx: Context, unquoted: tuple[str, ...] = ()) -> str:
    """The failure in words. `unquoted`: for values_are_quoted, the aspects no quote
    supports (worked out for all failing rows at once, `_unquoted`)."""
    table, _, rest = rule_id.partition(".")
    t = schema.table(table)
    row = row or {}
    if rest == "extra_column":
        return f"column {failure['failure_case']!r} is not in schemas/{table}.yaml"
    if rest == "primary_key" or rest.startswith("foreign_key."):
        return key_says(t, rest, row)
    name, _, kind = rest.rpartition(".")
    if name in t.field_names:
        f = t.field(name)
        if kind == "required":
            return f"{f.key} is empty but required: {f.description}"
        if kind == "missing":
            return f"column {name} is missing"
        if kind == "type":
            return f"column {name} has type {failure['failure_case']}, schemas say {f.type}"
        return FIELD_CHECKS[kind].says(f, row.get(name))
    r = t.rule(rest)
    detail, shows = EXPLAIN[rule_id](row, ctx, unquoted) if rule_id in EXPLAIN else ("", None)
    found = ", ".join(f"{k}={shown(row.get(k))}" for k in (r.fields if shows is None else shows)
                      if k in row)
    return f"breaks the rule: {r.description}{detail}" + (f" Found: {found}." if found else "")


def validate_tables(frames: dict[str, pl.DataFrame],
                    provenance: Mapping[str, Sequence[Provenance]],
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


def _check(table: str, df: pl.DataFrame, prov: Sequence[Provenance], dfs: pa.DataFrameSchema,
           ctx: Context) -> list[Problem]:
    """One table's failures against a model, as Problems."""
    problems: list[Problem] = []
    if passes(df, dfs):
        return problems
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
    groups: dict[tuple[str, frozenset[str]], _Group] = {}

    def group(table: str, r: Report, *extra: str) -> _Group:
        skip = (frozenset(n.split(".", 1)[1] for n in r.untyped if n.startswith(f"{table}."))
                if r.untyped else frozenset())
        found = groups.get((table, skip))
        if found is None:
            found = groups[table, skip] = _Group([], {name: [] for name in extra}, Places())
        return found

    for r in [*reports, *rejected]:
        # primary_source_id: a report's values come from its own source
        g = group("events", r, "event_id", "primary_source_id")
        g.items.append(r.fields)
        g.extra["event_id"].append(r.event_id)
        g.extra["primary_source_id"].append(r.source_id)
        g.prov.append((r,))
        if r.participants:
            g = group("participants", r, "event_id", "participant_no")
            for n, p in enumerate(r.participants, 1):
                g.items.append(p)
                g.extra["event_id"].append(r.event_id)
                g.extra["participant_no"].append(n)
                g.prov.append((r, "participant", n, p))
        # the links table keeps a link that several reports give once: each report's own
        # link is checked here, where the file and record holding its values are known
        if r.links:
            g = group("event_links", r, "event_id")
            for n, link in enumerate(r.links, 1):
                g.items.append(link)
                g.extra["event_id"].append(r.event_id)
                g.prov.append((r, "link", n, link))
    for r in rejected:  # the quotes of the reports the evidence table does not hold
        for n, q in enumerate(r.quotes, 1):
            g = group("evidence", r)
            g.items.append(evidence_row(r, n, q, (archive or {}).get(r.source_id)))
            g.prov.append((r, "quote", n, q))
    ctx = Context(frames=frames, archive=archive)
    problems: list[Problem] = []
    for (table, skip), g in groups.items():
        derived = {"evidence": ("char_start", "char_end"),
                   "events": ("primary_source_id",)}.get(table, ())
        dfs = report_model(table, skip, derived, archive if table == "evidence" else None,
                           frames.get("sources") if table == "events" else None)
        cols = {name: col.dtype.type for name, col in dfs.columns.items()}
        df = columns_frame(g.items, {n: v for n, v in g.extra.items() if n in cols}, cols)
        problems += _check(table, df, g.prov, dfs, ctx)
    return problems


@dataclass
class _Group:
    """The rows of one table checked with one model: items as read, derived and implied
    columns whole (rows.columns_frame), and where each row came from."""

    items: list[Mapping[str, Any]]
    extra: dict[str, list[Any]]
    prov: Places
