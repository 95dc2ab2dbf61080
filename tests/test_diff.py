"""The diff between releases, and the version bump the data-package-version recipe asks for."""

from __future__ import annotations

import copy
import datetime as dt
from typing import Any

import polars as pl
import pytest

from gsi_events import diff


def events(rows: list[tuple[str, int | None, dt.date | None]]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema={"event_id": pl.String, "count_best": pl.Int32,
                                      "date_start": pl.Date}, orient="row")


def dp(fields: list[dict[str, Any]] | None = None, **extra: Any) -> dict[str, Any]:
    fields = fields or [{"name": "event_id", "type": "string"},
                        {"name": "count_best", "type": "integer"},
                        {"name": "date_start", "type": "date"}]
    return {"name": "x", "version": extra.pop("version", "0.1.0"), **extra,
            "resources": [{"name": "events", "schema": {"fields": fields,
                                                        "primaryKey": ["event_id"]}}]}


OLD = events([("ev-0001", 3, dt.date(2024, 1, 1)), ("ev-0002", None, None),
              ("ev-0003", 5, None)])


def test_rows_added_removed_and_changed_with_fields() -> None:
    new = events([("ev-0001", 4, dt.date(2024, 1, 1)), ("ev-0002", None, dt.date(2024, 2, 1)),
                  ("ev-0004", 1, None)])
    d = diff.compare_releases({"events": OLD}, {"events": new}, dp(), dp(version="0.2.0"))
    t = d["tables"]["events"]
    assert t["added"] == [{"event_id": "ev-0004"}]
    assert t["removed"] == [{"event_id": "ev-0003"}]
    assert t["changed"] == [
        {"key": {"event_id": "ev-0001"}, "fields": ["count_best"],
         "before": {"count_best": 3}, "after": {"count_best": 4}},
        {"key": {"event_id": "ev-0002"}, "fields": ["date_start"],
         "before": {"date_start": None}, "after": {"date_start": "2024-02-01"}},
    ]
    assert (t["rows_before"], t["rows_after"]) == (3, 3)
    assert d["required_bump"] == "minor"
    text = diff.render_diff(d)
    assert "added: ev-0004" in text and "removed: ev-0003" in text
    assert "changed ev-0001: count_best" in text


def test_nulls_equal_nulls() -> None:
    d = diff.compare_releases({"events": OLD}, {"events": OLD.clone()}, dp(), dp())
    assert d["tables"]["events"]["changed"] == []
    assert d["required_bump"] is None


@pytest.mark.parametrize(("change", "bump"), [
    ("correct a value", "patch"),
    ("remove a row", "patch"),
    ("add a row", "minor"),
    ("describe differently", "patch"),
    ("allow a new category", "minor"),
    ("drop a category", "major"),
    ("add a field", "major"),
    ("retype a field", "major"),
    ("make a field required", "major"),
    ("add a table", "minor"),
    ("remove a row other tables refer to", "major"),
    ("nothing", None),
])
def test_required_bump_follows_the_recipe(change: str, bump: str | None) -> None:
    enum = {"constraints": {"enum": ["a", "b"]}}
    fields = [{"name": "event_id", "type": "string"},
              {"name": "count_best", "type": "integer"},
              {"name": "date_start", "type": "date", **copy.deepcopy(enum)}]
    old_dp, new_dp = dp(copy.deepcopy(fields)), dp(copy.deepcopy(fields))
    old_t, new_t = {"events": OLD}, {"events": OLD.clone()}
    f = new_dp["resources"][0]["schema"]["fields"]
    if change == "correct a value":
        new_t["events"] = OLD.with_columns(count_best=pl.lit(9, pl.Int32))
    elif change == "remove a row":
        new_t["events"] = OLD.head(2)
    elif change == "add a row":
        new_t["events"] = pl.concat([OLD, events([("ev-0009", 1, None)])])
    elif change == "describe differently":
        f[1]["description"] = "Reworded."
    elif change == "allow a new category":
        f[2]["constraints"]["enum"].append("c")
    elif change == "drop a category":
        f[2]["constraints"]["enum"].remove("b")
    elif change == "add a field":
        f.append({"name": "note", "type": "string"})
    elif change == "retype a field":
        f[1]["type"] = "number"
    elif change == "make a field required":
        f[1]["constraints"] = {"required": True}
    elif change == "remove a row other tables refer to":
        new_t["events"] = OLD.head(2)
        new_dp["resources"].append({"name": "evidence", "schema": {
            "fields": fields[:1], "primaryKey": ["event_id"], "foreignKeys": [
                {"fields": ["event_id"], "reference": {"resource": "events",
                                                       "fields": ["event_id"]}}]}})
        old_dp["resources"].append(new_dp["resources"][-1])
        old_t["evidence"] = new_t["evidence"] = OLD.select("event_id").head(2)
    elif change == "add a table":
        new_dp["resources"].append({"name": "more", "schema": {"fields": fields,
                                                               "primaryKey": ["event_id"]}})
        new_t["more"] = OLD
    assert diff.compare_releases(old_t, new_t, old_dp, new_dp)["required_bump"] == bump


def test_bump_between() -> None:
    assert diff.bump_between("0.1.0", "0.1.1") == "patch"
    assert diff.bump_between("0.1.9", "0.2.0") == "minor"
    assert diff.bump_between("0.9.0", "0.10.0") == "minor"
    assert diff.bump_between("0.1.0", "1.0.0") == "major"
    assert diff.bump_between("0.2.0", "0.1.9") is None
    assert diff.bump_between("0.2.0", "0.2.0") is None
