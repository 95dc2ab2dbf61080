"""The rules that read other rows or other tables: a source's publication, the links
between events, evidence and participants of each event, the aspects quotes support.

They read the other table by hashed look-up (`ids_in`, `lookup`), never by Python lists
or dicts of its rows: that is what keeps validation linear and fast.
"""

from __future__ import annotations

from typing import Any

import polars as pl

from gsi_events.compile import schema
from gsi_events.compile.validate.rules.context import (
    Context,
    Explanation,
    explains,
    ids_in,
    lookup,
    rule,
)

c = pl.col


# --- events ----------------------------------------------------------------------------


def published_by(ctx: Context) -> dict[str, Any]:
    """source_id -> the last day the source can have been published (published_end), for
    sources whose publication date is known."""
    sources = ctx.frames.get("sources")
    if sources is None or sources.schema.get("published_end") != pl.Date:
        return {}  # a column of another type: its own type check reports it
    return {str(k): v for k, v in sources.select("source_id", "published_end").rows()
            if v is not None}


@rule("events.dates_before_publication")
def dates_before_publication(ctx: Context) -> pl.Expr:
    latest = c("primary_source_id").cast(pl.String).replace_strict(
        published_by(ctx), default=None, return_dtype=pl.Date)
    begun = c("date_start") <= latest
    ended = (c("status") != "completed") | (c("date_precision") != "day") | (
        c("date_end") <= latest)
    return (~c("status").is_in(schema.begun_statuses())).fill_null(True) | latest.is_null() | (
        begun.fill_null(True) & ended.fill_null(True))


@explains("events.dates_before_publication")
def _publication_explained(row: dict[str, Any], ctx: Context, _: tuple[str, ...]
                           ) -> Explanation:
    fields = schema.table("events").rule("dates_before_publication").fields
    return (f" {_publication(row.get('primary_source_id'), ctx)}",
            tuple(k for k in fields if k != "primary_source_id"))


def _publication(source_id: Any, ctx: Context) -> str:
    """When a source was published, in words, for events.dates_before_publication. The
    same words for a report (its own source) and for the events table (the primary
    source), so that one mistake in the primary report is reported once."""
    sources = ctx.frames.get("sources")
    rows = [] if sources is None else sources.filter(
        pl.col("source_id") == str(source_id)).select(
        "published_end", "published_precision").rows()
    if not rows:
        return f"{source_id} is the source."
    end, precision = rows[0]
    return (f"{source_id} was published by {end} (its published_end; its publication date "
            f"is known to the {precision}). Resolve relative dates against the publication "
            "(codebook, section 8), or code the status the source reports; where the event's "
            "dates come from another source's report, the two disagree on when it took "
            "place.")


def not_summable(links: pl.DataFrame) -> pl.Series:
    """Ids of events that are part_of another or in a may_overlap link."""
    part_of = links.filter(c("relation") == "part_of")
    overlap = links.filter(c("relation") == "may_overlap")
    # cast: an id column of another type is reported by its type check, not a crash
    return pl.concat([part_of["event_id"].cast(pl.String),
                      overlap["event_id"].cast(pl.String),
                      overlap["target_event_id"].cast(pl.String)]).unique()


@rule("events.aggregates_flag_correct")
def aggregates_flag_correct(ctx: Context) -> pl.Expr:
    aggregatable = [a for a, v in schema.action_attribute("aggregatable").items() if v]
    expected = (c("action").is_in(aggregatable) & c("status").is_in(schema.begun_statuses())
                & c("count_best").is_not_null()
                & ~ids_in("event_id", not_summable(ctx.frames["event_links"])))
    return c("recommended_for_aggregates").eq_missing(expected.fill_null(False))


@rule("events.every_event_has_evidence")
def every_event_has_evidence(ctx: Context) -> pl.Expr:
    counts = ctx.frames["evidence"].group_by("event_id").agg(n=c("source_id").n_unique())
    n = lookup("event_id", counts, "event_id", c("n").cast(pl.Int64), default=0)
    return (n >= 1) & c("n_sources").eq_missing(n)


def source_kind(ctx: Context, source_id: str) -> pl.Expr:
    """The kind (archived, cited) of the source a column names, from the sources table."""
    return lookup(source_id, ctx.frames["sources"], "source_id", "kind")


def quoted_events(ctx: Context) -> pl.Series:
    """Ids of events that at least one archived source reports."""
    sources = ctx.frames["sources"]
    archived = sources.filter(source_kind(ctx, "source_id") == "archived")["source_id"]
    ev = ctx.frames["evidence"]
    # cast: a source_id column of another type is reported by its type check, not a crash
    return ev.filter(c("source_id").cast(pl.String).is_in(archived.cast(pl.String).implode())
                     )["event_id"].unique()


@rule("events.evidence_kind_correct")
def evidence_kind_correct(ctx: Context) -> pl.Expr:
    expected = pl.when(c("event_id").is_in(quoted_events(ctx).implode())).then(
        pl.lit("quoted")).otherwise(pl.lit("cited"))
    return c("evidence_kind").eq_missing(expected)


@rule("events.every_event_has_actor")
def every_event_has_actor(ctx: Context) -> pl.Expr:
    actors = ctx.frames["participants"].filter(c("role") == "actor")["event_id"]
    return c("event_id").is_in(actors.implode())


def quoted_aspects(evidence: pl.DataFrame) -> pl.DataFrame:
    """(event_id, supports): each part of an event a quote supports, once per quote."""
    return evidence.select("event_id", c("supports").str.split(";")).explode("supports")


# aspect of a quote -> the condition under which an event needs it
NEEDS_QUOTE: dict[str, pl.Expr] = {
    "action": pl.lit(True),
    "count": pl.any_horizontal(c("count_best").is_not_null(), c("count_low").is_not_null(),
                               c("count_high").is_not_null()),
    "date": c("date_precision") != "unknown",
    "location": c("location_place").is_not_null() | c("location_country").is_not_null(),
    "covers": c("covers_start").is_not_null(),
    "value": c("value_amount").is_not_null(),
}


def quote_needs(ctx: Context) -> dict[str, tuple[pl.Expr, pl.Expr]]:
    """aspect -> (whether an event needs a quote supporting it, whether it has one)."""
    aspects = ctx.memo("quoted_aspects", lambda: quoted_aspects(ctx.frames["evidence"]))
    return {aspect: (needed.fill_null(False),
                     ids_in("event_id", aspects.filter(c("supports") == aspect)["event_id"]))
            for aspect, needed in NEEDS_QUOTE.items()}


@rule("events.values_are_quoted")
def values_are_quoted(ctx: Context) -> pl.Expr:
    return ~pl.any_horizontal(*(needed & ~has for needed, has in quote_needs(ctx).values()))


@explains("events.values_are_quoted")
def _unquoted_explained(row: dict[str, Any], ctx: Context, unquoted: tuple[str, ...]
                        ) -> Explanation:
    return f" No quote supports: {', '.join(unquoted)} (add it to a quote's supports).", ()


# --- evidence --------------------------------------------------------------------------


@rule("evidence.matches_source_kind")
def matches_source_kind(ctx: Context) -> pl.Expr:
    kind = source_kind(ctx, "source_id")
    quote = c("quote").is_not_null() & c("locator").is_null() & c("note").is_null()
    cited = c("quote").is_null() & c("locator").is_not_null() & c("note").is_not_null()
    return (pl.when(kind == "archived").then(quote)
            .when(kind == "cited").then(cited)
            .otherwise(True))  # an unknown source: the foreign key reports it


# --- event_links -----------------------------------------------------------------------


@rule("event_links.fulfils_links_delivery_to_pledge")
def fulfils_links_delivery_to_pledge(ctx: Context) -> pl.Expr:
    kinds = schema.action_attribute("kind")
    kind = c("action").replace_strict(list(kinds), list(kinds.values()), default=None,
                                      return_dtype=pl.String)
    events = ctx.frames["events"]
    src = lookup("event_id", events, "event_id", kind)
    dst = lookup("target_event_id", events, "event_id", kind)
    return (c("relation") != "fulfils") | src.is_null() | dst.is_null() | (
        (src == "delivery") & (dst == "pledge"))


@rule("event_links.part_of_targets_umbrella")
def part_of_targets_umbrella(ctx: Context) -> pl.Expr:
    target = lookup("target_event_id", ctx.frames["events"], "event_id", "umbrella")
    return (c("relation") != "part_of") | target.is_null() | target


def _cycle_edges(edges: list[tuple[str, str]]) -> set[tuple[str, str]]:
    """The edges that lie on a cycle of a directed graph (Tarjan's strongly connected
    components, iteratively: an edge within one component lies on a cycle)."""
    graph: dict[str, list[str]] = {}
    for a, b in edges:
        graph.setdefault(a, []).append(b)
        graph.setdefault(b, [])
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    comp: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    for start in graph:
        if start in index:
            continue
        work = [(start, 0)]
        while work:
            node, i = work.pop()
            if i == 0:
                index[node] = low[node] = len(index)
                stack.append(node)
                on_stack.add(node)
            if i < len(graph[node]):
                work.append((node, i + 1))
                nxt = graph[node][i]
                if nxt not in index:
                    work.append((nxt, 0))
                elif nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
                continue
            if low[node] == index[node]:
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    comp[member] = index[node]
                    if member == node:
                        break
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
    return {(a, b) for a, b in edges if a != b and comp[a] == comp[b]}


@rule("event_links.links_form_no_cycle")
def links_form_no_cycle(ctx: Context) -> pl.Expr:
    links = ctx.frames["event_links"]
    bad: list[str] = []
    for relation in ("part_of", "follows"):
        pairs = links.filter((c("relation") == relation) & c("event_id").is_not_null()
                             & c("target_event_id").is_not_null())
        edges = list(zip(pairs["event_id"].cast(pl.String).to_list(),
                         pairs["target_event_id"].cast(pl.String).to_list(), strict=True))
        bad += [f"{relation}|{a}|{b}" for a, b in _cycle_edges(edges)]
    key = pl.concat_str([c("relation"), c("event_id"), c("target_event_id")], separator="|")
    return key.is_null() | ~key.is_in(pl.Series(bad, dtype=pl.String).implode())
