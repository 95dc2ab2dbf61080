"""Questions users ask of a release, answered from its tables."""

from __future__ import annotations

import polars as pl

c = pl.col


def _tables(version: str | None, tables: dict[str, pl.DataFrame] | None
            ) -> dict[str, pl.DataFrame]:
    if tables is not None:
        return tables
    from gsi_events.loading import load

    return {t: load(t, version=version) for t in ("events", "event_links", "evidence")}


def action_kinds(version: str | None = None) -> dict[str, str]:
    """action -> kind (pledge, delivery, diplomatic), from that release's own
    datapackage.json (default: the newest), so an old release is read with its own
    vocabulary and no coding library is needed."""
    from gsi_events.loading import release_info

    dp = release_info(version).datapackage
    events = next(r for r in dp.get("resources", []) if r.get("name") == "events")
    action = next(f for f in events["schema"]["fields"] if f.get("name") == "action")
    return {x["value"]: x.get("kind") for x in action.get("categories", [])}


def pledges(version: str | None = None, *, tables: dict[str, pl.DataFrame] | None = None
            ) -> pl.DataFrame:
    """Every pledge, with what has been reported as delivered against it.

    A delivery counts against a pledge only through a `fulfils` link, i.e. where a source
    presents it as carrying out that pledge. `count_delivered` adds up the deliveries'
    best counts in the pledge's unit; deliveries in another unit are listed but not added.
    Pass `tables` (a dict of DataFrames) to query tables you built yourself; their
    actions are then read with the vocabulary of `version` (default: the newest release).
    """
    t = _tables(version, tables)
    kinds = action_kinds(version)
    pledge_actions = [a for a, k in kinds.items() if k == "pledge"]
    events, links, evidence = t["events"], t["event_links"], t["evidence"]
    sources = (evidence.group_by("event_id")
               .agg(c("source_id").unique().sort().str.join(";").alias("sources")))
    delivered = (
        links.filter(c("relation") == "fulfils")
        .select(c("target_event_id").alias("pledge_event_id"), c("event_id").alias("delivery"))
        .join(events.select(c("event_id").alias("delivery"), c("count_best").alias("d_count"),
                            c("count_unit").alias("d_unit"), c("date_end").alias("d_end")),
              on="delivery", how="left")
        .join(sources.rename({"event_id": "delivery", "sources": "d_sources"}),
              on="delivery", how="left")
    )
    pledged = events.filter(c("action").is_in(pledge_actions)).select(
        c("event_id").alias("pledge_event_id"), "action", "status", "summary", "date_start",
        "date_end", "date_precision", "covers_start", "covers_end",
        c("count_best").alias("count_pledged"), "count_unit")
    per_pledge = (
        delivered.join(pledged.select("pledge_event_id", "count_unit"), on="pledge_event_id")
        .group_by("pledge_event_id").agg(
            c("delivery").n_unique().alias("deliveries"),
            c("delivery").unique().sort().str.join(";").alias("delivery_event_ids"),
            pl.when(c("d_count").filter(c("d_unit") == c("count_unit")).count() > 0)
            .then(c("d_count").filter(c("d_unit") == c("count_unit")).sum())
            .alias("count_delivered"),
            c("d_end").max().alias("delivered_through"),
            c("d_sources").unique().sort().str.join(";").alias("delivery_sources"))
    )
    return (
        pledged.join(sources.rename({"event_id": "pledge_event_id"}), on="pledge_event_id",
                     how="left")
        .join(per_pledge, on="pledge_event_id", how="left")
        .with_columns(c("deliveries").fill_null(0).cast(pl.Int64))
        .sort("pledge_event_id")
    )
