"""Analysis views of a release, and its documentation as data: what users ask first.

`events_wide()` is one row per event with its countries as ISO3 lists; `event_countries()`
is one row per event and counterpart country, with group members expanded;
`dictionary()` describes every column; `changelog()` says what each release changed.
Everything is read from the release itself (its tables and datapackage.json), so an old
release is described as it was published. Polars and the standard library only.
"""

from __future__ import annotations

from typing import Any

import polars as pl

from gsi_events.loading import folder_name, release_info, releases_location, version_key

c = pl.col
CHINA = "CHN"


def dictionary(table: str = "events", version: str | None = None) -> pl.DataFrame:
    """The data dictionary of one table: field, type, required, title, description and,
    for a coded vocabulary, its values with their definitions ("value: definition | ...").
    """
    rel = release_info(version)
    fields = rel.resource(table)["schema"]["fields"]
    rows: list[dict[str, Any]] = []
    for f in fields:
        cats = f.get("categories") or []
        rows.append({
            "field": f["name"], "type": f.get("type", "string"),
            "required": bool((f.get("constraints") or {}).get("required", False)),
            "title": f.get("title"), "description": f.get("description"),
            "categories": " | ".join(f"{x['value']}: {x.get('label', '')}" for x in cats)
            or None,
        })
    return pl.DataFrame(rows, schema={"field": pl.String, "type": pl.String,
                                      "required": pl.Boolean, "title": pl.String,
                                      "description": pl.String, "categories": pl.String})


def changelog(version: str | None = None) -> str:
    """The changelog of every release up to `version` (default: all), newest first."""
    loc = releases_location()
    text = loc.joinpath("CHANGELOG.md")
    if version is None and text.is_file():
        return text.read_text(encoding="utf-8")
    rel = release_info(version)
    from gsi_events.loading import versions

    entries = []
    for v in reversed(versions()):
        if version_key(v) > version_key(rel.version):
            continue
        changes = loc.joinpath(folder_name(v), "CHANGES.md")
        if changes.is_file():
            entries.append(changes.read_text(encoding="utf-8").strip())
    return "\n\n".join(entries) + "\n"


def event_countries(version: str | None = None, *,
                    tables: dict[str, pl.DataFrame] | None = None) -> pl.DataFrame:
    """One row per event and country taking part in it (other than as China's own
    actor): a participant's `country`, and each member of a participant group
    (`group_members`, expanded). `via` says which; `role` is the participant's role.

    Use it to count events per counterpart country without losing partners (a joint
    patrol's other force is a `partner`, not a `target`) or group members.
    """
    t = tables or {"participants": release_info(version).load("participants")}
    p = t["participants"]
    direct = p.filter(c("country").is_not_null()).select(
        "event_id", "role", "country", pl.lit("participant").alias("via"))
    members = (p.filter(c("group_members").is_not_null())
               .select("event_id", "role", c("group_members").str.split(";").alias("country"))
               .explode("country").with_columns(pl.lit("group_member").alias("via")))
    both = pl.concat([direct, members])
    return (both.filter(~((c("country") == CHINA) & (c("role") == "actor")))
            .unique(["event_id", "role", "country", "via"]).sort("event_id", "country", "role"))


def events_wide(version: str | None = None) -> pl.DataFrame:
    """One row per event: the events table with `actor_countries` and
    `counterpart_countries` (ISO3 codes joined by ";", R- and CSV-safe; group members
    included) and `counterpart_groups` (group names joined by "; ")."""
    rel = release_info(version)
    events, p = rel.load("events"), rel.load("participants")
    actors = (p.filter(c("role") == "actor", c("country").is_not_null())
              .group_by("event_id").agg(c("country").unique().sort().str.join(";")
                                        .alias("actor_countries")))
    counter = (event_countries(tables={"participants": p})
               .filter(c("country") != CHINA)
               .group_by("event_id").agg(c("country").unique().sort().str.join(";")
                                         .alias("counterpart_countries")))
    groups = (p.filter(c("group_name").is_not_null(), c("role") != "actor")
              .group_by("event_id").agg(c("group_name").unique().sort().str.join("; ")
                                        .alias("counterpart_groups")))
    return (events.join(actors, on="event_id", how="left")
            .join(counter, on="event_id", how="left")
            .join(groups, on="event_id", how="left").sort("event_id"))


__all__ = ["changelog", "dictionary", "event_countries", "events_wide"]
