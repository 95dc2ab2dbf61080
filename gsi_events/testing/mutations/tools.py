"""The tools mutations are written with: choosing a record of a dataset to break, naming
the Target its Problem must point at, and editing the built tables (for fields coders do
not write)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import polars as pl
from hypothesis import strategies as st

from gsi_events.compile.schema import Field
from gsi_events.testing.mutations import Case, Target


def pick_report(case: Case, where: Callable[[dict[str, Any]], bool] = lambda r: True
                 ) -> tuple[str, int, dict[str, Any]]:
    choices = [x for x in case.dataset.reports() if where(x[2])]
    return case.draw(st.sampled_from(choices))


def report_target(case: Case, stem: str, index: int, suffix: str = "") -> Target:
    return Target({case.dataset.coding_path(stem)}, case.dataset.label(stem, index) + suffix)


def pick_source(case: Case) -> str:
    return case.draw(st.sampled_from(sorted(case.dataset.sources)))


def source_target(case: Case, sid: str) -> Target:
    return Target({f"archive/{sid}.yaml"}, f"source {sid}")


def items_of(case: Case, table: str) -> list[tuple[str, int, dict[str, Any]]]:
    """(stem, report index, item) for each participant / link / quote, or each report."""
    key = {"participants": "participants", "event_links": "links", "evidence": "quotes"}
    out = []
    for stem, i, r in case.dataset.reports():
        if table == "events":
            out.append((stem, i, r))
        else:
            out += [(stem, i, x) for x in r.get(key[table]) or []]
    return out


def set_coded(case: Case, table: str, f: Field, value: Any, suffix: str = ""
               ) -> Target:
    """Give a coded field a value in one record of the hand-written files."""
    if table == "sources":
        sid = pick_source(case)
        if value is DELETE:
            case.dataset.sources[sid].pop(f.key, None)
        else:
            case.dataset.sources[sid][f.key] = value
        return source_target(case, sid)
    if table == "event_links" and not items_of(case, table):
        stem, i, r = pick_report(case)
        r["links"] = [{"relation": "follows", "event": r["event"]}]
    if table == "events":
        stem, i, item = pick_report(case)
    else:
        stem, i, item = case.draw(st.sampled_from(items_of(case, table)))
    if value is DELETE:
        item.pop(f.key, None)
    else:
        item[f.key] = value
    return report_target(case, stem, i, suffix)


DELETE = object()


def table_row(case: Case, table: str, edit: Callable[[pl.DataFrame, int], pl.DataFrame]
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


def set_cell(df: pl.DataFrame, i: int, name: str, value: Any) -> pl.DataFrame:
    dtype = df.schema[name]
    col = df[name].to_list()
    col[i] = value
    return df.with_columns(pl.Series(name, col, dtype=dtype))


def table_mutation(case: Case, table: str, name: str, value: Any) -> Target:
    """Set one cell of a built table (fields the coder does not write)."""
    return table_row(case, table, lambda df, i: set_cell(df, i, name, value))


def whole_table(case: Case, table: str, edit: Callable[[pl.DataFrame], pl.DataFrame]
                 ) -> Target:
    def apply(tables: Any) -> None:
        tables.frames[table] = edit(tables.frames[table])

    case.table_edits.append(apply)
    return Target({f"{table} table"}, "")


def event_target(case: Case, event: str) -> Target:
    return Target({case.dataset.coding_path(s) for s, _, _ in case.dataset.reports_of(event)},
                  f"event {event}")


def coding_text(case: Case) -> tuple[str, str]:
    stem = case.draw(st.sampled_from(sorted(s for s, c in case.dataset.codings.items()
                                            if c.get("events"))))
    return stem, case.dataset.rendered(stem)


def replace_file(case: Case, stem: str, data: bytes | None) -> str:
    path = case.dataset.coding_path(stem)
    case.dataset.raw[path] = data
    return path
