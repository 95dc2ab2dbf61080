"""pandera models (polars backend), built from schemas/ and the rules in rules/.

Every check is named with a stable rule id ("events.count_order",
"events.count_best.minimum") so a failure can be reported in words and tested by id.
"""

from __future__ import annotations

import difflib
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import polars as pl

from gsi_events.compile import countries, schema
from gsi_events.compile.schema import Field, TableSchema
from gsi_events.compile.typemaps import polars_dtype
from gsi_events.compile.validate.engine import PolarsData, pa
from gsi_events.compile.validate.rules.context import RULES, Context
from gsi_events.problems import shown

c = pl.col

# Characters no text field may hold, as a regular expression (Rust `regex` syntax, as
# polars reads it): controls (NUL, escape, ...) but tab and line feed, invisible
# formatting characters (bidirectional overrides and isolates, zero-width spaces and
# joiners, the byte-order mark, the soft hyphen) and the line and paragraph separators.
# They hide in text, change how it displays, or make two equal names differ.
INVISIBLE = r"[[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]&&[^\t\n]]"


def expr_check(rule_id: str, expr: pl.Expr) -> pa.Check:
    """A pandera check from a polars expression that is true for good rows."""
    ok = expr.fill_null(True)

    def check(data: PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select(ok.alias(rule_id))

    check.ok = ok  # type: ignore[attr-defined]  # what `passes` evaluates
    return pa.Check(check, name=rule_id, error=rule_id)


def passes(df: pl.DataFrame, dfs: pa.DataFrameSchema) -> bool:
    """True when pandera would find nothing wrong with `df`: every column of the model is
    there with its type (and no other, in a strict model), no required column holds a
    null (or a float NaN), and every check (`expr_check`) holds on every row, all worked
    out in one polars query instead of a few queries per check. False when not sure (a
    model using anything else pandera offers, a query that fails): pandera then runs,
    and says what is wrong."""
    if (dfs.coerce or dfs.unique or dfs.ordered or dfs.dtype is not None
            or dfs.strict not in (True, False) or getattr(dfs, "parsers", None)
            or getattr(dfs, "add_missing_columns", False)
            or getattr(dfs, "drop_invalid_rows", False)):
        return False
    types = df.schema
    if dfs.strict and not set(types) <= set(dfs.columns):
        return False
    oks: list[pl.Expr] = []
    checks = list(dfs.checks)
    for name, col in dfs.columns.items():
        if (col.regex or col.coerce or col.unique or col.default is not None
                or col.dtype is None or getattr(col, "parsers", None)
                or getattr(col, "drop_invalid_rows", False)
                or name not in types or types[name] != col.dtype.type):
            return False
        if not col.nullable:
            oks.append(c(name).is_not_null() & c(name).is_not_nan()
                       if types[name].is_float() else c(name).is_not_null())
        checks += col.checks
    for check in checks:
        ok = getattr(check._check_fn, "ok", None)
        if ok is None or check.element_wise or check.groupby is not None:
            return False
        oks.append(ok)
    try:
        return all(df.select(e.all().alias(str(i)) for i, e in enumerate(oks)).row(0))
    except Exception:  # pandera runs the checks again and reports it
        return False


@dataclass(frozen=True)
class FieldCheck:
    """A check a field's definition in schemas/ implies: the last part of its rule id
    (`events.count_best.minimum`), whether a field has it, the expression true for good
    values, and what a failure says (of the field and the value found)."""

    kind: str
    applies: Callable[[Field], bool]
    ok: Callable[[Field], pl.Expr]
    says: Callable[[Field, Any], str]


def _in_codelist(f: Field) -> pl.Expr:
    codes = sorted(countries.CODELISTS[f.codelist or ""].codes())
    if f.separator:
        return c(f.name).str.split(f.separator).list.eval(pl.element().is_in(codes)).list.all()
    return c(f.name).is_in(codes)


def _not_in_vocabulary(f: Field, value: Any) -> str:
    near = difflib.get_close_matches(str(value), f.values, n=1)
    hint = f"; did you mean {near[0]!r}?" if near else ""
    return f"{f.key} {shown(value)} is not in the vocabulary{hint} (allowed: {', '.join(f.values)})"


def _wrong_length(f: Field, value: Any) -> str:
    n = len(value) if isinstance(value, str) else 0
    return (f"{f.key} must have {f.min_length or 0} to {f.max_length or 'any number of'}"
            f" characters, found {n}")


def _holds_invisible(f: Field, value: Any) -> str:
    return (f"{f.key} holds {_invisible(value)}, an invisible control or formatting "
            "character (NUL, a bidirectional override, a zero-width space, ...) that "
            "hides in text or changes how it reads; delete it (retype the words "
            "around it if you cannot see it)")


def _invisible(value: Any) -> str:
    """The first invisible character in a text (INVISIBLE), named, with its place."""
    text = value if isinstance(value, str) else ""
    for i, ch in enumerate(text):
        if ch not in "\t\n" and unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp"):
            name = unicodedata.name(ch, "a control character")
            return f"U+{ord(ch):04X} ({name}) at character {i + 1}"
    return "an invisible character"


# The field checks, in the order they run.
FIELD_CHECKS: dict[str, FieldCheck] = {k.kind: k for k in (
    FieldCheck("pattern", lambda f: bool(f.pattern),
               lambda f: c(f.name).str.contains(f.pattern or ""),
               lambda f, v: f"{f.key} {shown(v)} is not of the required form {f.pattern}"
                            + (f" (like {f.example})" if f.example else "")),
    FieldCheck("vocabulary", lambda f: bool(f.categories),
               lambda f: c(f.name).is_in(list(f.values)), _not_in_vocabulary),
    FieldCheck("codelist", lambda f: bool(f.codelist), _in_codelist,
               lambda f, v: f"{f.key} {shown(v)} is not "
                            f"{countries.CODELISTS[f.codelist or ''].words}"),
    FieldCheck("minimum", lambda f: f.minimum is not None, lambda f: c(f.name) >= f.minimum,
               lambda f, v: f"{f.key} must be at least {f.minimum}, found {shown(v)}"),
    FieldCheck("maximum", lambda f: f.maximum is not None, lambda f: c(f.name) <= f.maximum,
               lambda f, v: f"{f.key} must be at most {f.maximum}, found {shown(v)}"),
    FieldCheck("length", lambda f: f.min_length is not None or f.max_length is not None,
               lambda f: c(f.name).str.len_chars().is_between(f.min_length or 0,
                                                              f.max_length or 2**31),
               _wrong_length),
    FieldCheck("characters", lambda f: f.free_text,
               lambda f: ~c(f.name).str.contains(INVISIBLE), _holds_invisible),
    # Our own check so the failure carries our rule id; as fast as pandera's
    # unique=True here (benchmarks/bench_validation.py).
    FieldCheck("unique", lambda f: f.unique,
               lambda f: c(f.name).is_null() | ~c(f.name).is_duplicated(),
               lambda f, v: f"{f.key} {shown(v)} is used by more than one record; it must "
                            "be unique"),
)}


def field_exprs(table: str, f: Field) -> list[tuple[str, pl.Expr]]:
    """(rule id, expression true for good rows) of each check of one field."""
    return [(f"{table}.{f.name}.{k.kind}", k.ok(f)) for k in FIELD_CHECKS.values()
            if k.applies(f)]


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


def key_says(t: TableSchema, check: str, row: dict[str, Any]) -> str:
    """What a failure of a key check (`primary_key`, `foreign_key.<fields>`) says."""
    if check == "primary_key":
        keys = ", ".join(f"{k}={shown(row.get(k))}" for k in t.primary_key)
        return f"another record has the same key ({keys}); keys must be unique"
    fields = check.split(".", 1)[1].split("+")
    fk = next(fk for fk in t.foreign_keys if list(fk.fields) == fields)
    vals = ", ".join(shown(row.get(f)) for f in fields)
    keys = "+".join(t.field(f).key for f in fields)
    return (f"{keys} {vals} refers to no record of {fk.resource} "
            f"(no {fk.resource} with {'+'.join(fk.reference_fields)} = {vals})")


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
    rules that need the sources (`needs: sources`). A rule that reads a table the report
    does not have (all the rows of its own table: links_form_no_cycle) is the tables'."""
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
    rules = []
    for r in t.rules:
        if ((r.needs is None or given.get(r.needs, False))
                and set(r.fields) <= names and not set(r.fields) & skip):
            try:
                rules.append(expr_check(f"{table}.{r.id}", RULES[f"{table}.{r.id}"](ctx)))
            except KeyError:  # it reads a whole table (links_form_no_cycle): not one report's
                continue
    return pa.DataFrameSchema(columns, checks=rules, name=table)
