"""The analysis views and the documentation as data, on the published release 0.1.0
(immutable, so these facts about it hold whatever is coded later)."""

from __future__ import annotations

import subprocess
import sys

import polars as pl

import gsi_events


def test_dictionary_describes_every_column_of_the_release() -> None:
    d = gsi_events.dictionary("events", version="0.1.0")
    events = gsi_events.load("events", version="0.1.0")
    assert d["field"].to_list() == events.columns
    action = d.filter(pl.col("field") == "action").row(0, named=True)
    assert action["required"] is True
    assert "training_pledged: China promises" in action["categories"]


def test_event_countries_expands_groups_and_keeps_partners() -> None:
    ec = gsi_events.event_countries(version="0.1.0")
    ev8 = ec.filter(pl.col("event_id") == "ev-0008")
    assert sorted(ev8["country"].to_list()) == ["KAZ", "KGZ", "TJK", "TKM", "UZB"]
    assert set(ev8["via"]) == {"group_member"}
    # Serbia is the partner on the Sanya patrol, not a target: it must not drop out
    assert ec.filter(pl.col("event_id") == "ev-0012", pl.col("country") == "SRB").height == 1
    assert ec.filter(pl.col("country") == "CHN", pl.col("role") == "actor").height == 0


def test_events_wide_is_one_row_per_event_with_country_lists() -> None:
    w = gsi_events.events_wide(version="0.1.0")
    events = gsi_events.load("events", version="0.1.0")
    assert w.height == events.height and w["event_id"].is_unique().all()
    row = w.filter(pl.col("event_id") == "ev-0007").row(0, named=True)
    assert row["actor_countries"] == "CHN"
    assert row["counterpart_countries"] == "KAZ;KGZ;TJK;TKM;UZB"


def test_changelog_names_each_release() -> None:
    assert "0.1.0" in gsi_events.changelog()
    assert "0.1.0" in gsi_events.changelog("0.1.0")


def test_views_need_no_coding_dependencies() -> None:
    code = ("import sys\n"
            "for m in ('ruamel', 'pandera', 'click', 'pycountry'): sys.modules[m] = None\n"
            "import gsi_events as g\n"
            "g.events_wide(version='0.1.0'); g.dictionary('events', version='0.1.0')\n"
            "g.event_countries(version='0.1.0'); g.changelog(); g.pledges(version='0.1.0')\n")
    subprocess.run([sys.executable, "-c", code], check=True)
