"""Mutations derived from the schema: one per field check (pattern, vocabulary, code
list, bounds, length, invisible
characters, type, required, unique) and key, in the hand-written files for
coded fields and in the built tables for derived and implied ones. Registered last, and
only for rule ids no hand-written mutation claims."""

from __future__ import annotations

import datetime as dt
import re
from functools import partial
from typing import Any

import polars as pl
from hypothesis import strategies as st

from gsi_events.compile import schema
from gsi_events.compile.schema import Field
from gsi_events.testing.mutations import MUTATIONS, Case, Target
from gsi_events.testing.mutations.tools import (
    DELETE,
    set_coded,
    table_mutation,
    whole_table,
)
from gsi_events.testing.values import codes


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
    known = set(codes(f))
    for candidate in ("XXX", "QQQ", "ZZZ", "XXA", "xx", "qq", "zz"):
        if candidate not in known and re.search(f.pattern or ".", candidate):
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
    step = dt.timedelta(days=1) if f.type == "date" else 1  # a day before / after
    if kind == "minimum":
        return (f.minimum or 0) - step
    if kind == "maximum":
        return (f.maximum or 0) + step
    if kind == "characters":  # a right-to-left override inside the text
        return "Wang Xiao\u202ehong"
    if kind == "length":
        return _bad_length(f)
    raise AssertionError(kind)


def _retype(table: str, name: str, to: Any, case: Case) -> Target:
    return whole_table(case, table, lambda df: df.with_columns(
        pl.col(name).cast(pl.String).cast(to, strict=False)))


def _drop(table: str, name: str, case: Case) -> Target:
    return whole_table(case, table, lambda df: df.drop(name))


def _extra_column(table: str, case: Case) -> Target:
    return whole_table(case, table, lambda df: df.with_columns(pl.lit("x").alias("extra")))


def derive_field_mutations() -> None:
    """One mutation per field check and key, from the schema: in the hand-written files
    for coded fields, in the built tables for derived and implied ones."""
    for t in schema.TABLES:
        for f in schema.table(t).fields:
            in_files = f.coded and t != "discrepancies"
            kinds = [k for k, on in (("pattern", f.pattern), ("vocabulary", f.categories),
                                     ("codelist", f.codelist),
                                     ("minimum", f.minimum is not None),
                                     ("maximum", f.maximum is not None),
                                     ("length", f.min_length or f.max_length),
                                     ("characters", f.free_text)) if on]
            for kind in kinds:
                value = _bad_value(f, kind)
                fn = (partial(set_coded, table=t, f=f, value=value) if in_files
                      else partial(table_mutation, table=t, name=f.name, value=value))
                MUTATIONS.setdefault(f"{t}.{f.name}.{kind}", fn)
            # type and required: in the files the parser reports them record by record;
            # in the tables a column of another type is a whole-table problem
            if in_files:
                MUTATIONS.setdefault(f"{t}.{f.name}.type",
                                     partial(set_coded, table=t, f=f, value=_wrong_type(f)))
                if f.required:
                    MUTATIONS.setdefault(f"{t}.{f.name}.required",
                                         partial(set_coded, table=t, f=f, value=DELETE))
            else:
                other = pl.Int64 if f.type != "integer" else pl.String
                MUTATIONS.setdefault(f"{t}.{f.name}.type", partial(_retype, t, f.name, other))
                if f.required:
                    MUTATIONS.setdefault(f"{t}.{f.name}.required",
                                         partial(table_mutation, table=t, name=f.name,
                                                 value=None))
            MUTATIONS.setdefault(f"{t}.{f.name}.missing", partial(_drop, t, f.name))
            if f.unique:
                MUTATIONS.setdefault(f"{t}.{f.name}.unique", partial(duplicate_row, table=t))
        MUTATIONS.setdefault(f"{t}.extra_column", partial(_extra_column, t))
        if len(schema.table(t).primary_key) > 1:
            MUTATIONS.setdefault(f"{t}.primary_key", partial(duplicate_row, table=t))
        for fk in schema.table(t).foreign_keys:
            MUTATIONS.setdefault(f"{t}.foreign_key.{'+'.join(fk.fields)}",
                                 partial(table_mutation, table=t, name=fk.fields[0],
                                         value=_dangling(fk)))


def _dangling(fk: Any) -> str:
    ref = schema.table(fk.resource).field(fk.reference_fields[0])
    return {"^ev-[0-9]{4,}$": "ev-99999999", "^src-[0-9]{4,}$": "src-99999999"}.get(
        ref.pattern or "", "nothing-here")


def duplicate_row(case: Case, table: str) -> Target:
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

