"""The yardstick for validate_tables (benchmarks/bench_validation.py): the same checks,
written as raw polars, one lazy query per table with every check a column and the
cross-table rules as joins (value look-ups) and semi-joins (`is_in` a key column), all
collected in one `pl.collect_all`. No pandera, no
failure reports: it only says whether every check holds, as fast as polars can.

The field checks are the models' own expressions (`field_exprs`: plain polars, nothing to
gain); the rules that read only the row are the rules' own expressions; the rules that
read other tables (`needs: tables`) and the foreign keys are written here as joins. Only
for tables validated without an archive (as a release is).
"""

from __future__ import annotations

import polars as pl

from gsi_events.compile import schema
from gsi_events.compile.typemaps import polars_dtype
from gsi_events.compile.validate.models import field_exprs
from gsi_events.compile.validate.rules.context import RULES, Context

c = pl.col


def _flag(lf: pl.LazyFrame, keys: pl.LazyFrame, left: str, right: str, name: str
          ) -> pl.LazyFrame:
    """lf with a column `name`: whether lf's `left` is among keys' `right` (a semi-join
    as polars does it best: `is_in` the collected key column)."""
    found = keys.select(right).collect().to_series()
    return lf.with_columns(c(left).is_in(found.implode()).fill_null(False).alias(name))


def _value(lf: pl.LazyFrame, table: pl.LazyFrame, left: str, right: str,
           value: pl.Expr, name: str) -> pl.LazyFrame:
    """lf with a column `name`: `value` of the row of table whose `right` is lf's `left`."""
    found = table.select(c(right).alias(left), value.alias(name)).unique(left, keep="last")
    return lf.join(found, on=left, how="left")


def _joined(name: str, lf: pl.LazyFrame, lz: dict[str, pl.LazyFrame]) -> pl.LazyFrame:
    """The table with the columns its foreign keys and cross-table rules read."""
    t = schema.table(name)
    for fk in t.foreign_keys:
        lf = _flag(lf, lz[fk.resource], fk.fields[0], fk.reference_fields[0],
                   f"_fk_{fk.fields[0]}")
    if name == "events":
        links = lz["event_links"]
        summed_not = pl.concat([
            links.filter(c("relation") == "part_of").select("event_id"),
            links.filter(c("relation") == "may_overlap").select("event_id"),
            links.filter(c("relation") == "may_overlap").select(
                c("target_event_id").alias("event_id"))])
        lf = _flag(lf, summed_not, "event_id", "event_id", "_not_summable")
        counts = lz["evidence"].group_by("event_id").agg(_n=c("source_id").n_unique())
        lf = _value(lf, counts, "event_id", "event_id", c("_n"), "_n_sources")
        archived = lz["sources"].filter(c("kind") == "archived").select("source_id")
        quoted = lz["evidence"].join(archived, on="source_id", how="semi")
        lf = _flag(lf, quoted, "event_id", "event_id", "_quoted")
        actors = lz["participants"].filter(c("role") == "actor")
        lf = _flag(lf, actors, "event_id", "event_id", "_has_actor")
        aspects = lz["evidence"].select("event_id", c("supports").str.split(";")).explode(
            "supports").collect().lazy()  # once, for the six flags
        for aspect in ("action", "count", "date", "location", "covers", "value"):
            lf = _flag(lf, aspects.filter(c("supports") == aspect), "event_id", "event_id",
                       f"_has_{aspect}")
    if name == "evidence":
        lf = _value(lf, lz["sources"], "source_id", "source_id", c("kind"), "_kind")
    if name == "event_links":
        kinds = schema.action_attribute("kind")
        kind = c("action").replace_strict(list(kinds), list(kinds.values()), default=None)
        for col in ("event_id", "target_event_id"):
            lf = _value(lf, lz["events"], col, "event_id", kind, f"_kind_{col}")
        lf = _value(lf, lz["events"], "target_event_id", "event_id", c("umbrella"),
                    "_umbrella")
    return lf


def _cross_table(name: str, ctx: Context) -> dict[str, pl.Expr]:
    """The `needs: tables` rules of a table, on the columns `_joined` adds."""
    if name == "events":
        aggregatable = [a for a, v in schema.action_attribute("aggregatable").items() if v]
        expected = (c("action").is_in(aggregatable)
                    & c("status").is_in(schema.begun_statuses())
                    & c("count_best").is_not_null() & ~c("_not_summable"))
        n = c("_n_sources").fill_null(0)
        from gsi_events.compile.validate.rules.across import NEEDS_QUOTE

        unquoted = [needed.fill_null(False) & ~c(f"_has_{a}") for a, needed in
                    NEEDS_QUOTE.items()]
        return {
            "aggregates_flag_correct": c("recommended_for_aggregates").eq_missing(
                expected.fill_null(False)),
            "every_event_has_evidence": (n >= 1) & c("n_sources").eq_missing(n),
            "evidence_kind_correct": c("evidence_kind").eq_missing(
                pl.when(c("_quoted")).then(pl.lit("quoted")).otherwise(pl.lit("cited"))),
            "every_event_has_actor": c("_has_actor"),
            "values_are_quoted": ~pl.any_horizontal(*unquoted),
        }
    if name == "evidence":
        quote = c("quote").is_not_null() & c("locator").is_null() & c("note").is_null()
        cited = c("quote").is_null() & c("locator").is_not_null() & c("note").is_not_null()
        return {"matches_source_kind": pl.when(c("_kind") == "archived").then(quote)
                .when(c("_kind") == "cited").then(cited).otherwise(True)}
    if name == "event_links":
        src, dst = c("_kind_event_id"), c("_kind_target_event_id")
        return {
            "fulfils_links_delivery_to_pledge": (c("relation") != "fulfils") | src.is_null()
            | dst.is_null() | ((src == "delivery") & (dst == "pledge")),
            "part_of_targets_umbrella": (c("relation") != "part_of")
            | c("_umbrella").is_null() | c("_umbrella"),
            # a graph search, not a join: the rule's own expression
            "links_form_no_cycle": RULES["event_links.links_form_no_cycle"](ctx),
        }
    return {}


def _query(name: str, frames: dict[str, pl.DataFrame], ctx: Context) -> pl.LazyFrame:
    t = schema.table(name)
    lz = {k: v.lazy() for k, v in frames.items()}
    checks: list[pl.Expr] = []
    for f in t.fields:
        if f.required:
            checks.append(c(f.name).is_not_null().alias(f"{f.name}.required"))
        checks += [e.fill_null(True).alias(rid) for rid, e in field_exprs(name, f)]
    if len(t.primary_key) > 1:
        checks.append(~pl.struct(list(t.primary_key)).is_duplicated().alias("primary_key"))
    checks += [(c(f"_fk_{fk.fields[0]}") | c(fk.fields[0]).is_null()).alias(
        f"foreign_key.{fk.fields[0]}") for fk in t.foreign_keys]
    cross = _cross_table(name, ctx)
    for r in t.rules:
        if r.needs == "archive":
            continue
        expr = cross[r.id] if r.needs == "tables" else RULES[f"{name}.{r.id}"](ctx)
        checks.append(expr.fill_null(True).alias(r.id))
    return _joined(name, lz[name], lz).select(pl.all_horizontal(checks).all().alias(name))


def raw_validate(frames: dict[str, pl.DataFrame]) -> bool:
    """Whether every check of every table holds; types checked against schemas/."""
    for name in schema.TABLES:
        want = {f.name: polars_dtype(f.type) for f in schema.table(name).fields}
        if dict(frames[name].schema) != want:
            return False
    ctx = Context(frames=frames, archive=None)
    results = pl.collect_all([_query(name, frames, ctx) for name in schema.TABLES])
    return all(df.item() for df in results)
