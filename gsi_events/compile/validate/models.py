"""pandera models (polars backend), built from schemas/ and the rules in rules.py.

Every check is named with a stable rule id ("events.count_order",
"events.count_best.minimum") so a failure can be reported in words and tested by id.
"""

from __future__ import annotations

from typing import Any

import pandera.polars as pa
import polars as pl
from pandera.api.polars.types import PolarsData

from gsi_events.compile import countries, schema
from gsi_events.compile.schema import Field, TableSchema
from gsi_events.compile.typemaps import polars_dtype
from gsi_events.compile.validate.rules import RULES, Context

c = pl.col

# Characters no text field may hold, as a regular expression (Rust `regex` syntax, as
# polars reads it): controls (NUL, escape, ...) but tab and line feed, invisible
# formatting characters (bidirectional overrides and isolates, zero-width spaces and
# joiners, the byte-order mark, the soft hyphen) and the line and paragraph separators.
# They hide in text, change how it displays, or make two equal names differ.
INVISIBLE = r"[[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]&&[^\t\n]]"


def expr_check(rule_id: str, expr: pl.Expr) -> pa.Check:
    """A pandera check from a polars expression that is true for good rows."""

    def check(data: PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select(expr.fill_null(True).alias(rule_id))

    return pa.Check(check, name=rule_id, error=rule_id)


def field_exprs(table: str, f: Field) -> list[tuple[str, pl.Expr]]:
    """(rule id, expression true for good rows) of each check of one field."""
    col = c(f.name)
    rid = f"{table}.{f.name}"
    out: list[tuple[str, pl.Expr]] = []
    if f.pattern:
        out.append((f"{rid}.pattern", col.str.contains(f.pattern)))
    if f.categories:
        out.append((f"{rid}.vocabulary", col.is_in(list(f.values))))
    if f.codelist:
        codes = sorted(countries.CODELISTS[f.codelist].codes())
        if f.separator:
            ok = col.str.split(f.separator).list.eval(pl.element().is_in(codes)).list.all()
        else:
            ok = col.is_in(codes)
        out.append((f"{rid}.codelist", ok))
    if f.minimum is not None:
        out.append((f"{rid}.minimum", col >= f.minimum))
    if f.maximum is not None:
        out.append((f"{rid}.maximum", col <= f.maximum))
    if f.min_length is not None or f.max_length is not None:
        n = col.str.len_chars()
        out.append((f"{rid}.length", n.is_between(f.min_length or 0, f.max_length or 2**31)))
    if f.free_text:
        out.append((f"{rid}.characters", ~col.str.contains(INVISIBLE)))
    if f.unique:
        # Our own check so the failure carries our rule id; as fast as pandera's
        # unique=True here (benchmarks/bench_validation.py).
        out.append((f"{rid}.unique", col.is_null() | ~col.is_duplicated()))
    return out


def field_checks(table: str, f: Field) -> list[pa.Check]:
    return [expr_check(rule_id, expr) for rule_id, expr in field_exprs(table, f)]


def key_checks(t: TableSchema, ctx: Context) -> list[pa.Check]:
    checks: list[pa.Check] = []
    if len(t.primary_key) > 1:
        checks.append(expr_check(f"{t.name}.primary_key",
                                 ~pl.struct(list(t.primary_key)).is_duplicated()))
    for fk in t.foreign_keys:
        if fk.resource not in ctx.frames:
            continue
        # hashed look-ups in the referenced columns, built by polars (not Python lists),
        # typed as the referring columns: a column of another type (its type check
        # reports it) matches nothing, it does not stop the check
        types = ctx.frames[t.name].schema if t.name in ctx.frames else {}
        keys = ctx.frames[fk.resource].select(
            c(theirs).cast(types.get(mine, polars_dtype(t.field(mine).type)),
                           strict=False).alias(mine)
            for mine, theirs in zip(fk.fields, fk.reference_fields, strict=True))
        if len(fk.fields) == 1:
            ok = c(fk.fields[0]).is_in(keys.to_series().implode())
        else:
            ok = pl.struct(list(fk.fields)).is_in(keys.select(pl.struct(pl.all()))
                                                  .to_series().implode())
        checks.append(expr_check(f"{t.name}.foreign_key.{'+'.join(fk.fields)}", ok))
    return checks


def model(table: str, ctx: Context) -> pa.DataFrameSchema:
    t = schema.table(table)
    columns = {
        f.name: pa.Column(polars_dtype(f.type), nullable=not f.required,
                          checks=field_checks(table, f), required=True)
        for f in t.fields
    }
    rules = [expr_check(f"{table}.{r.id}", RULES[f"{table}.{r.id}"](ctx)) for r in t.rules
             if r.needs != "archive" or ctx.archive is not None]  # "sources": in frames
    return pa.DataFrameSchema(columns, checks=key_checks(t, ctx) + rules, strict=True,
                              name=table)


def report_model(table: str, skip: frozenset[str] = frozenset(), derived: tuple[str, ...] = (),
                 archive: dict[str, Any] | None = None, sources: pl.DataFrame | None = None
                 ) -> pa.DataFrameSchema:
    """The checks one source's report can break on its own: the field checks of the
    fields coders write and the rules that read only those (no keys, no uniqueness,
    nothing across tables), for reports the tables do not show. `derived` names derived
    columns the caller fills in (quote offsets; the report's own source as
    primary_source_id); rules reading a field in `skip` (a value that could not be read)
    are left out; with an archive, rules that need it are in, and with the sources table,
    rules that need the sources (`needs: sources`)."""
    t = schema.table(table)
    names = {*t.primary_key, *(f.name for f in t.coded_fields), *derived}
    columns = {
        f.name: pa.Column(polars_dtype(f.type), nullable=True, required=True,
                          checks=[ch for ch in field_checks(table, f)
                                  if not str(ch.name).endswith(".unique")])
        for f in t.fields if f.name in names
    }
    ctx = Context(frames={} if sources is None else {"sources": sources}, archive=archive)
    given = {"archive": archive is not None, "sources": sources is not None}
    rules = [expr_check(f"{table}.{r.id}", RULES[f"{table}.{r.id}"](ctx)) for r in t.rules
             if (r.needs is None or given.get(r.needs, False))
             and set(r.fields) <= names and not set(r.fields) & skip]
    return pa.DataFrameSchema(columns, checks=rules, name=table)
