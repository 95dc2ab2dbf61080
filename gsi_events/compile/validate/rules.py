"""The cross-field and cross-table rules named in schemas/, as vectorised polars expressions.

Each rule is a small function of a Context returning an expression that is true for the
rows that keep the rule. Rules whose inputs are missing (an empty value, a source whose
text is not archived) pass here: another rule reports the missing input once.

Rules that read another table do it by hashed look-up (`is_in` a column, `replace_strict`
from one column to another) built by polars from that table's columns, never from
Python lists or dicts of its rows: that is what keeps validation linear and fast. The
archived texts stay Python strings in the archive: a rule that reads them runs one
Python function over a whole column (`_per_source`), so no text is ever copied into a
column, let alone onto every row that cites it.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import polars as pl

from gsi_events.compile import schema
from gsi_events.compile.read import SourceRecord
from gsi_events.loading import sha256
from gsi_events.problems import shown

c = pl.col


@dataclass
class Context:
    """What checks may read besides the table they check, and what is derived from it
    once (`memo`) for all the rules and messages that need it."""

    frames: dict[str, pl.DataFrame]
    archive: dict[str, SourceRecord] | None  # None when validating a release
    _memo: dict[Hashable, Any] = field(default_factory=dict, repr=False)

    def memo(self, key: Hashable, build: Callable[[], Any]) -> Any:
        if key not in self._memo:
            self._memo[key] = build()
        return self._memo[key]


Rule = Callable[[Context], pl.Expr]
RULES: dict[str, Rule] = {}

# What a failure of a rule says besides its description in schemas/, for the rules whose
# values alone do not show the mistake: more words (after the description), and the
# fields to show as found (None: the rule's own; (): none). Given the failing row, the
# context, and for values_are_quoted the aspects no quote supports.
Explanation = tuple[str, tuple[str, ...] | None]
Explain = Callable[[dict[str, Any], Context, tuple[str, ...]], Explanation]
EXPLAIN: dict[str, Explain] = {}

F = TypeVar("F", Rule, Explain)


def _registered(into: dict[str, F], rule_id: str) -> Callable[[F], F]:
    def register(fn: F) -> F:
        into[rule_id] = fn
        return fn

    return register


def rule(rule_id: str) -> Callable[[Rule], Rule]:
    """Registers a rule's check (RULES)."""
    return _registered(RULES, rule_id)


def explains(rule_id: str) -> Callable[[Explain], Explain]:
    """Registers what a rule's failure says besides its description (EXPLAIN)."""
    return _registered(EXPLAIN, rule_id)


def _ok_if_null(*cols: str) -> pl.Expr:
    return pl.any_horizontal(*(c(x).is_null() for x in cols))


def ids_in(col: str, ids: pl.Series) -> pl.Expr:
    """`col` is one of `ids`, by a hashed look-up. Ids are compared as text: an id column
    of another type (its type check reports it) matches nothing, it does not stop the
    check."""
    return c(col).cast(pl.String, strict=False).is_in(
        ids.cast(pl.String, strict=False).implode())


def lookup(key: str, table: pl.DataFrame, key_col: str, value: str | pl.Expr,
           default: Any = None) -> pl.Expr:
    """`value` of the row of `table` whose id `key_col` equals column `key`, by a hashed
    look-up (`default` where there is none). The table's ids are read as text, so an id
    column of another type there matches nothing; a `key` column of another type stops
    the check (its type check reports it). An id the table repeats takes its last row's
    value (as a dict built from the rows would); an empty id matches nothing."""
    pairs = (table.select(c(key_col).cast(pl.String, strict=False).alias("key"),
                          (c(value) if isinstance(value, str) else value).alias("value"))
             .filter(c("key").is_not_null())
             .unique("key", keep="last"))
    return c(key).replace_strict(pairs["key"], pairs["value"], default=default,
                                 return_dtype=pairs["value"].dtype)


def _per_source(ctx: Context, cols: tuple[str, ...], fn: Callable[..., Any],
                dtype: pl.DataType) -> pl.Expr:
    """fn(source record, *values) for each row, with the record of the row's source_id
    (None when the source is not archived). One Python call over the whole column: the
    texts are read where they are, not copied into the frame."""
    archive = ctx.archive or {}

    def run(s: pl.Series) -> pl.Series:
        rows = s.struct.unnest().iter_rows()
        return pl.Series([fn(archive.get(sid) if isinstance(sid, str) else None, *rest)
                          for sid, *rest in rows], dtype=dtype)

    return pl.struct("source_id", *cols).map_batches(run, return_dtype=dtype)


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


def archived_files(ctx: Context) -> pl.DataFrame:
    """source_id, sha256 and bytes of every archived text as found (hashed once)."""

    def build() -> pl.DataFrame:
        found = [(k, sha256(s.raw), len(s.raw)) for k, s in (ctx.archive or {}).items()
                 if s.raw is not None]
        return pl.DataFrame(found, schema={"source_id": pl.String, "sha256": pl.String,
                                           "bytes": pl.Int64}, orient="row")

    return ctx.memo("archived_files", build)


@rule("sources.archived_text_matches_hash")
def archived_text_matches_hash(ctx: Context) -> pl.Expr:
    files = archived_files(ctx)
    actual = lookup("source_id", files, "source_id", "sha256")
    size = lookup("source_id", files, "source_id", "bytes")
    return actual.is_null() | ((actual == c("sha256")) & (size == c("bytes")))


@explains("sources.archived_text_matches_hash")
def _hash_explained(row: dict[str, Any], ctx: Context, _: tuple[str, ...]) -> Explanation:
    files = ctx.memo("archived_files_by_id", lambda: {
        sid: (digest, size) for sid, digest, size in archived_files(ctx).iter_rows()})
    actual = files.get(row.get("source_id") or "")
    if actual is None:
        return "", None
    return (f" The archived text now has sha256 {actual[0]} and {actual[1]} bytes; the "
            f"record says {row.get('sha256')} and {row.get('bytes')}. Archived texts are "
            "never edited: restore it, or archive the new text as a new source.", ())


def _markers_in_order(s: SourceRecord | None, begins: Any, ends: Any) -> bool:
    if s is None or s.text is None:
        return True
    if not isinstance(begins, str) or not isinstance(ends, str):
        return False
    at, to = s.text.find(begins), s.text.find(ends)
    return 0 <= at <= to


@rule("sources.body_markers_found")
def body_markers_found(ctx: Context) -> pl.Expr:
    return _per_source(ctx, ("body_begins", "body_ends"), _markers_in_order, pl.Boolean)


def _markers_once(s: SourceRecord | None, begins: Any, ends: Any) -> bool:
    if s is None or s.text is None:
        return True
    return all(s.text.count(m) <= 1 for m in (begins, ends) if isinstance(m, str))


@rule("sources.body_markers_once")
def body_markers_once(ctx: Context) -> pl.Expr:
    return _per_source(ctx, ("body_begins", "body_ends"), _markers_once, pl.Boolean)


# --- events ----------------------------------------------------------------------------


@explains("sources.body_markers_once")
def _markers_explained(row: dict[str, Any], ctx: Context, _: tuple[str, ...]) -> Explanation:
    record = (ctx.archive or {}).get(row.get("source_id") or "")
    if record is None or record.text is None:
        return "", None
    times = [f"{k} {shown(row.get(k))} occurs {record.text.count(row.get(k) or '')} times"
             for k in ("body_begins", "body_ends")
             if row.get(k) and record.text.count(row[k]) > 1]
    return f" In the archived text, {' and '.join(times)}.", ()


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


# --- participants ----------------------------------------------------------------------


@explains("events.values_are_quoted")
def _unquoted_explained(row: dict[str, Any], ctx: Context, unquoted: tuple[str, ...]
                        ) -> Explanation:
    return f" No quote supports: {', '.join(unquoted)} (add it to a quote's supports).", ()


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
    kind = source_kind(ctx, "source_id")
    quote = c("quote").is_not_null() & c("locator").is_null() & c("note").is_null()
    cited = c("quote").is_null() & c("locator").is_not_null() & c("note").is_not_null()
    return (pl.when(kind == "archived").then(quote)
            .when(kind == "cited").then(cited)
            .otherwise(True))  # an unknown source: the foreign key reports it


def _quote_at(s: SourceRecord | None, quote: Any, start: Any, end: Any) -> bool | None:
    """True when the text has the quote at start..end; None (not known: the required
    check reports it) without an end."""
    if s is None or s.text is None or quote is None:
        return True
    if start is None:
        return False
    if end is None:
        return None
    return 0 <= start <= end and s.text[start:end] == quote


@rule("evidence.quote_in_source")
def quote_in_source(ctx: Context) -> pl.Expr:
    if ctx.archive is None:
        return pl.lit(True)
    return _per_source(ctx, ("quote", "char_start", "char_end"), _quote_at, pl.Boolean)


@explains("evidence.quote_in_source")
def _missed_quote_explained(row: dict[str, Any], ctx: Context, _: tuple[str, ...]
                            ) -> Explanation:
    if row.get("char_start") is not None:
        return "", None
    return f" Not found in {row.get('source_id')}'s archived text: {_near(row, ctx)}.", ()


def _near(row: dict[str, Any], ctx: Context) -> str:
    from gsi_events.coders.quotes import explain_miss

    s = (ctx.archive or {}).get(row.get("source_id") or "")
    return explain_miss(row.get("quote") or "", s.text if s else None)


def body_spans(ctx: Context) -> pl.DataFrame:
    """source_id, start and end of the article body of every archived text (found once)."""

    def build() -> pl.DataFrame:
        spans = [(k, *span) for k, s in (ctx.archive or {}).items()
                 if (span := s.body_span) is not None]
        return pl.DataFrame(spans, schema={"source_id": pl.String, "start": pl.Int64,
                                           "end": pl.Int64}, orient="row")

    return ctx.memo("body_spans", build)


@rule("evidence.quote_in_article_body")
def quote_in_article_body(ctx: Context) -> pl.Expr:
    spans = body_spans(ctx)
    b = lookup("source_id", spans, "source_id", "start")
    e = lookup("source_id", spans, "source_id", "end")
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
