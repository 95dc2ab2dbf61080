"""The rules on one row's own values (and the vocabularies of schemas/): nothing they
check needs another row, another table or an archived text."""

from __future__ import annotations

import polars as pl

from gsi_events.compile import schema
from gsi_events.compile.validate.rules.context import Context, are_given, ok_if_null, rule

c = pl.col


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


@rule("sources.fields_match_kind")
def fields_match_kind(ctx: Context) -> pl.Expr:
    text_fields = ("sha256", "bytes", "body_begins", "body_ends")
    archived = pl.all_horizontal(*are_given(*text_fields))
    cited = (pl.all_horizontal(*are_given("title", "date_accessed"))
             & ~pl.any_horizontal(*are_given(*text_fields)))
    return (pl.when(c("kind") == "archived").then(archived)
            .when(c("kind") == "cited").then(cited)
            .otherwise(True))  # an unknown kind: the vocabulary check reports it


@rule("sources.published_dates_match_precision")
def published_dates_match_precision(ctx: Context) -> pl.Expr:
    return _dates_match("published_start", "published_end", "published_precision",
                        ("day", "month", "year", "unknown")) & (
        ok_if_null("published_start", "published_end")
        | (c("published_precision") != "day") | (c("published_start") == c("published_end")))


# --- events ----------------------------------------------------------------------------


@rule("events.status_allowed_for_action")
def status_allowed_for_action(ctx: Context) -> pl.Expr:
    statuses = schema.action_attribute("statuses")
    pairs = [f"{a}|{s}" for a, ss in statuses.items() for s in ss or ()]
    return ok_if_null("action", "status") | ~c("action").is_in(list(statuses)) | (
        pl.concat_str([c("action"), c("status")], separator="|").is_in(pairs))


@rule("events.date_order")
def date_order(ctx: Context) -> pl.Expr:
    return (ok_if_null("date_start", "date_end") | (c("date_start") <= c("date_end"))) & (
        ok_if_null("covers_start", "covers_end") | (c("covers_start") <= c("covers_end")))


@rule("events.dates_match_precision")
def dates_match_precision(ctx: Context) -> pl.Expr:
    f = schema.table("events").field("date_precision")
    return _dates_match("date_start", "date_end", "date_precision", f.values)


@rule("events.covers_both_or_neither")
def covers_both_or_neither(ctx: Context) -> pl.Expr:
    return c("covers_start").is_null() == c("covers_end").is_null()


@rule("events.count_order")
def count_order(ctx: Context) -> pl.Expr:
    return ((ok_if_null("count_low", "count_best") | (c("count_low") <= c("count_best")))
            & (ok_if_null("count_best", "count_high") | (c("count_best") <= c("count_high")))
            & (ok_if_null("count_low", "count_high") | (c("count_low") <= c("count_high"))))


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
    given = are_given("value_amount", "value_currency", "value_year")
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
        ok_if_null("group_members", "group_size") | (members <= c("group_size")))


@rule("participants.country_names_match")
def country_names_match(ctx: Context) -> pl.Expr:
    from gsi_events.compile import countries

    name = c("country").replace_strict(countries.names(), default=None, return_dtype=pl.String)
    gw = c("country").replace_strict(countries.gw_codes(), default=None, return_dtype=pl.Int64)
    return c("country_name").eq_missing(name) & c("gw_code").eq_missing(gw)


# --- evidence --------------------------------------------------------------------------


@rule("evidence.offsets_match_quote")
def offsets_match_quote(ctx: Context) -> pl.Expr:
    return ok_if_null("char_start", "char_end") | (
        (c("char_end") - c("char_start")) == c("quote").str.len_chars())


# --- event_links -----------------------------------------------------------------------


@rule("event_links.link_not_to_itself")
def link_not_to_itself(ctx: Context) -> pl.Expr:
    return c("event_id") != c("target_event_id")
