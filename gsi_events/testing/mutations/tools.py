"""The tools mutations are written with: choosing a record of a dataset to break, naming
the Target its Problem must point at, and editing the built tables (for fields coders do
not write)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import polars as pl
from hypothesis import strategies as st

from gsi_events.compile.schema import Field
from gsi_events.testing.generate import EVIDENCE_KEY
from gsi_events.testing.mutations import Case, Target


def pick_report(case: Case, where: Callable[[dict[str, Any]], bool] = lambda r: True,
                kind: str | None = None) -> tuple[str, int, dict[str, Any]]:
    """(file stem, index, report) of a report `where` accepts, from a source of `kind`
    (any kind when None)."""
    choices = [x for x in case.dataset.reports() if where(x[2])
               and kind in (None, case.dataset.kind_of_coding(x[0]))]
    if not choices:
        raise AssertionError(f"the dataset has no report to break (kind {kind})")
    return case.draw(st.sampled_from(choices))


def report_target(case: Case, stem: str, index: int, suffix: str = "") -> Target:
    return Target({case.dataset.coding_path(stem)}, case.dataset.label(stem, index) + suffix)


def pick_source(case: Case, kind: str | None = None) -> str:
    """A source id, of `kind` when given."""
    choices = sorted(s for s in case.dataset.sources
                     if kind in (None, case.dataset.kind(s)))
    if not choices:
        raise AssertionError(f"the dataset has no {kind} source to break")
    return case.draw(st.sampled_from(choices))


def source_target(case: Case, sid: str) -> Target:
    return Target({f"archive/{sid}.yaml"}, f"source {sid}")


ITEM_KEYS = {"participants": ("participants",), "event_links": ("links",),
             "evidence": tuple(EVIDENCE_KEY.values())}


def items_of(case: Case, table: str, kind: str | None = None
             ) -> list[tuple[str, int, dict[str, Any]]]:
    """(stem, report index, item) for each participant / link / evidence entry (quotes
    and cited evidence), or each report; from sources of `kind` when given."""
    out = []
    for stem, i, r in case.dataset.reports():
        if kind not in (None, case.dataset.kind_of_coding(stem)):
            continue
        if table == "events":
            out.append((stem, i, r))
        else:
            out += [(stem, i, x) for key in ITEM_KEYS[table]
                    if isinstance(r.get(key), list) for x in r[key]]
    return out


def evidence_target(case: Case, stem: str, index: int, n: int = 1) -> Target:
    """The n-th evidence entry (from 1) of a report: `quote n` or `evidence n`."""
    word = "quote" if case.dataset.kind_of_coding(stem) == "archived" else "evidence"
    return report_target(case, stem, index, f", {word} {n}")


# Fields of evidence only an archived source's quotes have, and only a cited source's.
EVIDENCE_FIELD_KIND = {"quote": "archived", "locator": "cited", "note": "cited"}


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
    kind = EVIDENCE_FIELD_KIND.get(f.name) if table == "evidence" else None
    if table == "events":
        stem, i, item = pick_report(case)
    else:
        stem, i, item = case.draw(st.sampled_from(items_of(case, table, kind)))
    if value is DELETE:
        item.pop(f.key, None)
    else:
        item[f.key] = value
    return report_target(case, stem, i, suffix)


DELETE = object()


def table_row(case: Case, table: str, edit: Callable[[pl.DataFrame, int], pl.DataFrame],
              where: pl.Expr | None = None) -> Target:
    """A table edit on one row (chosen by draw, among the rows `where` is true for); the
    Target is filled in when it runs."""
    choice = case.draw(st.integers(0, 10**6))
    target = Target(set(), "\0 not built yet")

    def apply(tables: Any) -> None:
        df = tables.frames[table]
        rows = (list(range(df.height)) if where is None else
                df.with_row_index("_i").filter(where)["_i"].to_list())
        if not rows:
            raise AssertionError(f"the dataset has no {table} rows to mutate")
        i = rows[choice % len(rows)]
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
