"""The rules on the archived texts and the quotes in them: each text's hash, its body
markers, each quote's place in its source.

The archived texts stay Python strings in the archive: a rule that reads them runs one
Python function over a whole column (`_per_source`), so no text is ever copied into a
column, let alone onto every row that cites it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import polars as pl

from gsi_events.compile.read import SourceRecord
from gsi_events.compile.validate.passages import explain_miss
from gsi_events.compile.validate.rules.context import (
    Context,
    Explanation,
    explains,
    lookup,
    ok_if_null,
    rule,
)
from gsi_events.loading import sha256
from gsi_events.problems import shown

c = pl.col


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


# --- sources ---------------------------------------------------------------------------


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


@explains("sources.body_markers_once")
def _markers_explained(row: dict[str, Any], ctx: Context, _: tuple[str, ...]) -> Explanation:
    record = (ctx.archive or {}).get(row.get("source_id") or "")
    if record is None or record.text is None:
        return "", None
    times = [f"{k} {shown(row.get(k))} occurs {record.text.count(row.get(k) or '')} times"
             for k in ("body_begins", "body_ends")
             if row.get(k) and record.text.count(row[k]) > 1]
    return f" In the archived text, {' and '.join(times)}.", ()


# --- evidence --------------------------------------------------------------------------


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
    return ok_if_null("char_start", "char_end") | b.is_null() | (
        (c("char_start") >= b) & (c("char_end") <= e))
