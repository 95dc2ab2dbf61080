"""The cross-field and cross-table rules named in schemas/, as vectorised polars expressions.

Each rule is a small function of a Context returning an expression that is true for the
rows that keep the rule. Rules whose inputs are missing (an empty value, a source whose
text is not archived) pass here: another rule reports the missing input once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import polars as pl

from gsi_events.compile import schema
from gsi_events.compile.read import SourceRecord
from gsi_events.loading import sha256

c = pl.col


@dataclass
class Context:
    """What checks may read besides the table they check."""

    frames: dict[str, pl.DataFrame]
    archive: dict[str, SourceRecord] | None  # None when validating a release

    def texts(self) -> dict[str, str]:
        return {k: s.text for k, s in (self.archive or {}).items() if s.text is not None}


Rule = Callable[[Context], pl.Expr]
RULES: dict[str, Rule] = {}


def rule(rule_id: str) -> Callable[[Rule], Rule]:
    def register(fn: Rule) -> Rule:
        RULES[rule_id] = fn
        return fn

    return register


def _ok_if_null(*cols: str) -> pl.Expr:
    return pl.any_horizontal(*(c(x).is_null() for x in cols))


def _dates_match(start: str, end: str, precision: str, allowed: tuple[str, ...]) -> pl.Expr:
    s, e, p = c(start), c(end), c(precision)
    both = s.is_not_null() & e.is_not_null()
    return (
        pl.when(p == "unknown").then(s.is_null() & e.is_null())
        .when(p == "day").then(both)
        .when(p == "week").then(both & (s.dt.weekday() == 1) & (e == s + pl.duration(days=6)))
        .when(p == "month").then(both & (s.dt.day() == 1) & (e == s.dt.month_end()))
        .when(p == "year").then(both & (s.dt.month() == 1) & (s.dt.day() == 1)
                                & (e.dt.month() == 12) & (e.dt.day() == 31)
                                & (s.dt.year() == e.dt.year()))
        .when(p == "range").then(both & (s < e))
        .otherwise(~p.is_in(list(allowed)) | p.is_null())  # the vocabulary rule reports it
    )


# --- sources ---------------------------------------------------------------------------


def _given(*cols: str) -> list[pl.Expr]:
    return [c(x).is_not_null() for x in cols]


@rule("sources.fields_match_kind")
def fields_match_kind(ctx: Context) -> pl.Expr:
    text_fields = ("sha256", "bytes", "body_begins", "body_ends")
    archived = pl.all_horizontal(*_given(*text_fields))
    cited = (pl.all_horizontal(*_given("title", "date_accessed"))
             & ~pl.any_horizontal(*_given(*text_fields)))
    return (pl.when(c("kind") == "archived").then(archived)
            .when(c("kind") == "cited").then(cited)
            .otherwise(True))  # an unknown kind: the vocabulary check reports it


@rule("sources.published_dates_match_precision")
def published_dates_match_precision(ctx: Context) -> pl.Expr:
    return _dates_match("published_start", "published_end", "published_precision",
                        ("day", "month", "year", "unknown")) & (
        _ok_if_null("published_start", "published_end")
        | (c("published_precision") != "day") | (c("published_start") == c("published_end")))


@rule("sources.archived_text_matches_hash")
def archived_text_matches_hash(ctx: Context) -> pl.Expr:
    found = {k: sha256(s.raw) for k, s in (ctx.archive or {}).items() if s.raw is not None}
    sizes = {k: len(s.raw) for k, s in (ctx.archive or {}).items() if s.raw is not None}
    actual = c("source_id").replace_strict(found, default=None, return_dtype=pl.String)
    size = c("source_id").replace_strict(sizes, default=None, return_dtype=pl.Int64)
    return actual.is_null() | ((actual == c("sha256")) & (size == c("bytes")))


@rule("sources.body_markers_found")
def body_markers_found(ctx: Context) -> pl.Expr:
    text = c("source_id").replace_strict(ctx.texts(), default=None, return_dtype=pl.String)
    begins = text.str.find(c("body_begins"), literal=True)
    ends = text.str.find(c("body_ends"), literal=True)
    return text.is_null() | (begins.is_not_null() & ends.is_not_null() & (begins <= ends))


@rule("sources.body_markers_once")
def body_markers_once(ctx: Context) -> pl.Expr:
    text = c("source_id").replace_strict(ctx.texts(), default=None, return_dtype=pl.String)
    once = [text.str.count_matches(c(m), literal=True) <= 1 for m in ("body_begins", "body_ends")]
    return text.is_null() | (once[0].fill_null(True) & once[1].fill_null(True))


# --- events ----------------------------------------------------------------------------


@rule("events.status_allowed_for_action")
def status_allowed_for_action(ctx: Context) -> pl.Expr:
    statuses = schema.action_attribute("statuses")
    pairs = [f"{a}|{s}" for a, ss in statuses.items() for s in ss or ()]
    return _ok_if_null("action", "status") | ~c("action").is_in(list(statuses)) | (
        pl.concat_str([c("action"), c("status")], separator="|").is_in(pairs))


@rule("events.date_order")
def date_order(ctx: Context) -> pl.Expr:
    return (_ok_if_null("date_start", "date_end") | (c("date_start") <= c("date_end"))) & (
        _ok_if_null("covers_start", "covers_end") | (c("covers_start") <= c("covers_end")))


@rule("events.dates_match_precision")
def dates_match_precision(ctx: Context) -> pl.Expr:
    f = schema.table("events").field("date_precision")
    return _dates_match("date_start", "date_end", "date_precision", f.values)


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


@rule("events.covers_both_or_neither")
def covers_both_or_neither(ctx: Context) -> pl.Expr:
    return c("covers_start").is_null() == c("covers_end").is_null()


@rule("events.count_order")
def count_order(ctx: Context) -> pl.Expr:
    return ((_ok_if_null("count_low", "count_best") | (c("count_low") <= c("count_best")))
            & (_ok_if_null("count_best", "count_high") | (c("count_best") <= c("count_high")))
            & (_ok_if_null("count_low", "count_high") | (c("count_low") <= c("count_high"))))


@rule("events.count_has_unit")
def count_has_unit(ctx: Context) -> pl.Expr:
    has_count = pl.any_horizontal(c("count_best").is_not_null(), c("count_low").is_not_null(),
                                  c("count_high").is_not_null())
    return has_count == c("count_unit").is_not_null()


@rule("events.count_kind_with_items")
def count_kind_with_items(ctx: Context) -> pl.Expr:
    return (c("count_unit") == "items").fill_null(False) == c("count_kind").is_not_null()


@rule("events.value_complete")
def value_complete(ctx: Context) -> pl.Expr:
    given = _given("value_amount", "value_currency", "value_year")
    return pl.all_horizontal(*given) | ~pl.any_horizontal(*given)


@rule("events.codes_match_action")
def codes_match_action(ctx: Context) -> pl.Expr:
    contexts = {k: ";".join(v or []) for k, v in schema.action_attribute("plover_context").items()}
    out = pl.lit(True)
    for col, mapping in (("cameo_code", schema.action_attribute("cameo")),
                         ("plover_event", schema.action_attribute("plover_event")),
                         ("plover_mode", schema.action_attribute("plover_mode")),
                         ("plover_context", contexts)):
        expected = c("action").replace_strict(mapping, default=None, return_dtype=pl.String)
        out = out & c(col).eq_missing(expected)
    return out | ~c("action").is_in(list(contexts))


def not_summable(links: pl.DataFrame) -> list[str]:
    part_of = links.filter(c("relation") == "part_of")["event_id"].to_list()
    overlap = links.filter(c("relation") == "may_overlap")
    return sorted({*part_of, *overlap["event_id"].to_list(),
                   *overlap["target_event_id"].to_list()})


@rule("events.aggregates_flag_correct")
def aggregates_flag_correct(ctx: Context) -> pl.Expr:
    aggregatable = [a for a, v in schema.action_attribute("aggregatable").items() if v]
    expected = (c("action").is_in(aggregatable) & c("status").is_in(schema.begun_statuses())
                & c("count_best").is_not_null()
                & ~c("event_id").is_in(not_summable(ctx.frames["event_links"])))
    return c("recommended_for_aggregates").eq_missing(expected.fill_null(False))


@rule("events.every_event_has_evidence")
def every_event_has_evidence(ctx: Context) -> pl.Expr:
    counts = (ctx.frames["evidence"].group_by("event_id").agg(c("source_id").n_unique())
              .rows())
    n = c("event_id").replace_strict(dict(counts), default=0, return_dtype=pl.Int64)
    return (n >= 1) & c("n_sources").eq_missing(n)


def source_kinds(ctx: Context) -> dict[str, str]:
    return dict(ctx.frames["sources"].select("source_id", "kind").rows())


def quoted_events(ctx: Context) -> pl.Series:
    """Ids of events that at least one archived source reports."""
    archived = [s for s, k in source_kinds(ctx).items() if k == "archived"]
    ev = ctx.frames["evidence"]
    # cast: a source_id column of another type is reported by its type check, not a crash
    return ev.filter(c("source_id").cast(pl.String).is_in(archived))["event_id"].unique()


@rule("events.evidence_kind_correct")
def evidence_kind_correct(ctx: Context) -> pl.Expr:
    expected = pl.when(c("event_id").is_in(quoted_events(ctx).implode())).then(
        pl.lit("quoted")).otherwise(pl.lit("cited"))
    return c("evidence_kind").eq_missing(expected)


@rule("events.every_event_has_actor")
def every_event_has_actor(ctx: Context) -> pl.Expr:
    actors = ctx.frames["participants"].filter(c("role") == "actor")["event_id"]
    return c("event_id").is_in(actors.implode())


def quoted_aspects(evidence: pl.DataFrame) -> dict[str, set[str]]:
    """event_id -> the parts of the event its quotes support."""
    rows = (evidence.select("event_id", c("supports").str.split(";")).explode("supports")
            .unique().rows())
    out: dict[str, set[str]] = {}
    for event_id, aspect in rows:
        out.setdefault(event_id, set()).add(aspect)
    return out


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


@rule("events.values_are_quoted")
def values_are_quoted(ctx: Context) -> pl.Expr:
    aspects = quoted_aspects(ctx.frames["evidence"])
    out = pl.lit(True)
    for aspect, needed in NEEDS_QUOTE.items():
        having = [e for e, a in aspects.items() if aspect in a]
        out = out & (~needed.fill_null(False) | c("event_id").is_in(having))
    return out


# --- participants ----------------------------------------------------------------------


@rule("participants.participant_is_identified")
def participant_is_identified(ctx: Context) -> pl.Expr:
    return pl.any_horizontal(c("country").is_not_null(), c("organisation").is_not_null(),
                             c("group_name").is_not_null())


@rule("participants.person_has_office")
def person_has_office(ctx: Context) -> pl.Expr:
    return c("person").is_null() == c("person_office").is_null()


@rule("participants.group_fields_need_group")
def group_fields_need_group(ctx: Context) -> pl.Expr:
    members = c("group_members").str.count_matches(";") + 1
    return (c("group_name").is_not_null()
            | (c("group_members").is_null() & c("group_size").is_null())) & (
        _ok_if_null("group_members", "group_size") | (members <= c("group_size")))


@rule("participants.country_names_match")
def country_names_match(ctx: Context) -> pl.Expr:
    from gsi_events.compile import countries

    name = c("country").replace_strict(countries.names(), default=None, return_dtype=pl.String)
    gw = c("country").replace_strict(countries.gw_codes(), default=None, return_dtype=pl.Int64)
    return c("country_name").eq_missing(name) & c("gw_code").eq_missing(gw)


# --- evidence --------------------------------------------------------------------------


@rule("evidence.matches_source_kind")
def matches_source_kind(ctx: Context) -> pl.Expr:
    kind = c("source_id").replace_strict(source_kinds(ctx), default=None,
                                          return_dtype=pl.String)
    quote = c("quote").is_not_null() & c("locator").is_null() & c("note").is_null()
    cited = c("quote").is_null() & c("locator").is_not_null() & c("note").is_not_null()
    return (pl.when(kind == "archived").then(quote)
            .when(kind == "cited").then(cited)
            .otherwise(True))  # an unknown source: the foreign key reports it


@rule("evidence.quote_in_source")
def quote_in_source(ctx: Context) -> pl.Expr:
    text = c("source_id").replace_strict(ctx.texts(), default=None, return_dtype=pl.String)
    if ctx.archive is None:
        return pl.lit(True)
    at = text.str.slice(c("char_start"), c("char_end") - c("char_start"))
    return text.is_null() | c("quote").is_null() | (
        c("char_start").is_not_null() & (at == c("quote")))


def body_spans(ctx: Context) -> tuple[dict[str, int], dict[str, int]]:
    spans = {k: s.body_span for k, s in (ctx.archive or {}).items()}
    starts = {k: span[0] for k, span in spans.items() if span}
    ends = {k: span[1] for k, span in spans.items() if span}
    return starts, ends


@rule("evidence.quote_in_article_body")
def quote_in_article_body(ctx: Context) -> pl.Expr:
    starts, ends = body_spans(ctx)
    b = c("source_id").replace_strict(starts, default=None, return_dtype=pl.Int64)
    e = c("source_id").replace_strict(ends, default=None, return_dtype=pl.Int64)
    return _ok_if_null("char_start", "char_end") | b.is_null() | (
        (c("char_start") >= b) & (c("char_end") <= e))


@rule("evidence.offsets_match_quote")
def offsets_match_quote(ctx: Context) -> pl.Expr:
    return _ok_if_null("char_start", "char_end") | (
        (c("char_end") - c("char_start")) == c("quote").str.len_chars())


# --- event_links -----------------------------------------------------------------------


@rule("event_links.link_not_to_itself")
def link_not_to_itself(ctx: Context) -> pl.Expr:
    return c("event_id") != c("target_event_id")


@rule("event_links.fulfils_links_delivery_to_pledge")
def fulfils_links_delivery_to_pledge(ctx: Context) -> pl.Expr:
    kinds = schema.action_attribute("kind")
    events = ctx.frames["events"]
    kind_of = {e: kinds.get(a) for e, a in events.select("event_id", "action").rows()}
    src = c("event_id").replace_strict(kind_of, default=None, return_dtype=pl.String)
    dst = c("target_event_id").replace_strict(kind_of, default=None, return_dtype=pl.String)
    return (c("relation") != "fulfils") | src.is_null() | dst.is_null() | (
        (src == "delivery") & (dst == "pledge"))


@rule("event_links.part_of_targets_umbrella")
def part_of_targets_umbrella(ctx: Context) -> pl.Expr:
    events = ctx.frames["events"]
    umbrella = dict(events.select("event_id", "umbrella").rows())
    target = c("target_event_id").replace_strict(umbrella, default=None,
                                                  return_dtype=pl.Boolean)
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
        edges = [(str(a), str(b)) for a, b, r in links.select(
            "event_id", "target_event_id", "relation").rows()
            if r == relation and a is not None and b is not None]
        bad += [f"{relation}|{a}|{b}" for a, b in _cycle_edges(edges)]
    key = pl.concat_str([c("relation"), c("event_id"), c("target_event_id")], separator="|")
    return key.is_null() | ~key.is_in(bad)
