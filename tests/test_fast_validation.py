"""The one-query pass over a table's checks (`validate.models.passes`): it says a table
passes only when pandera finds nothing wrong, so that pandera runs, and words the
problems, whenever anything is; the problems are the same with and without it.

Every rule broken in the base dataset is still reported with it in place
(tests/test_rules.py), as is every bad-input case (tests/test_bad_input.py).
"""

from __future__ import annotations

import functools
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from gsi_events import testing
from gsi_events.compile import pipeline, schema
from gsi_events.compile.validate import models, run
from gsi_events.compile.validate.engine import pa
from gsi_events.compile.validate.rules.context import Context


@functools.cache
def compiled() -> Any:
    dataset = testing.example_dataset(multi=True, max_sources=3, max_events=4)
    with tempfile.TemporaryDirectory() as tmp:
        return testing.compile_dataset(dataset, Path(tmp))


def pandera_finds(df: pl.DataFrame, dfs: pa.DataFrameSchema) -> bool:
    try:
        dfs.validate(df, lazy=True)
    except pa.errors.SchemaErrors:
        return True
    return False


def table_problems(frames: dict[str, pl.DataFrame], fast: bool,
                   monkeypatch: pytest.MonkeyPatch) -> list[str]:
    c = compiled()
    with monkeypatch.context() as m:
        if not fast:
            m.setattr(run, "passes", lambda *_: False)
        return [str(p) for p in run.validate_tables(frames, c.tables.provenance,
                                                    pipeline._archive(c.repo))]


def test_valid_tables_pass_in_one_query() -> None:
    c = compiled()
    ctx = Context(frames=c.tables.frames, archive=pipeline._archive(c.repo))
    for table in schema.TABLES:
        dfs = models.model(table, ctx)
        assert models.passes(c.tables[table], dfs), table
        assert not pandera_finds(c.tables[table], dfs), table


def _null_first(df: pl.DataFrame, name: str) -> pl.DataFrame:
    return df.with_columns(pl.when(pl.int_range(pl.len()) == 0).then(None)
                           .otherwise(pl.col(name)).alias(name))


BREAKS: dict[str, tuple[str, Callable[[pl.DataFrame], pl.DataFrame]]] = {
    "a required value missing": ("events", lambda df: _null_first(df, "action")),
    "a value not in the vocabulary": ("events", lambda df: df.with_columns(
        pl.lit("not_an_action").alias("action"))),
    "a column of another type": ("events", lambda df: df.with_columns(
        pl.col("count_best").cast(pl.Float64))),
    "a column not in the schema": ("participants", lambda df: df.with_columns(
        pl.lit(1).alias("stray"))),
    "a key used twice": ("sources", lambda df: pl.concat([df, df.head(1)])),
    "a rule across tables broken": ("evidence", lambda df: df.with_columns(
        pl.lit("src-9999").alias("source_id"))),
}


@pytest.mark.parametrize("case", sorted(BREAKS))
def test_a_broken_table_goes_to_pandera_with_the_same_problems(
        case: str, monkeypatch: pytest.MonkeyPatch) -> None:
    c = compiled()
    table, edit = BREAKS[case]
    frames = {**c.tables.frames, table: edit(c.tables[table])}
    ctx = Context(frames=frames, archive=pipeline._archive(c.repo))
    dfs = models.model(table, ctx)
    assert pandera_finds(frames[table], dfs)
    assert not models.passes(frames[table], dfs)
    fast = table_problems(frames, True, monkeypatch)
    assert fast and fast == table_problems(frames, False, monkeypatch)


def test_only_what_it_knows_is_passed() -> None:
    """A float NaN in a required column, a check that fails to run, a check pandera built
    itself, a missing column: each is left to pandera."""
    frame = pl.DataFrame({"x": [1.0, 2.0]})
    ok = models.expr_check("t.ok", pl.col("x") > 0)
    assert models.passes(frame, pa.DataFrameSchema({"x": pa.Column(pl.Float64)}, checks=[ok]))
    nan = pl.DataFrame({"x": [1.0, float("nan")]})
    required = pa.DataFrameSchema({"x": pa.Column(pl.Float64, nullable=False)})
    assert not models.passes(nan, required) and pandera_finds(nan, required)
    raises = models.expr_check("t.raises", pl.col("no_such_column") > 0)
    broken = pa.DataFrameSchema({"x": pa.Column(pl.Float64)}, checks=[raises])
    assert not models.passes(frame, broken) and pandera_finds(frame, broken)
    builtin = pa.DataFrameSchema({"x": pa.Column(pl.Float64, checks=[pa.Check.ge(0)])})
    assert not models.passes(frame, builtin) and not pandera_finds(frame, builtin)
    missing = pa.DataFrameSchema({"x": pa.Column(pl.Float64), "y": pa.Column(pl.Int64)})
    assert not models.passes(frame, missing) and pandera_finds(frame, missing)
