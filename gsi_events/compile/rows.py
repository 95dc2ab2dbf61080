"""A report's items as table rows, and where each came from.

The one place participant and evidence rows are built (a quote's offsets found in its
source's text) and their records named in messages: for the tables (merge.py) and for
the reports checked on their own (validate/run.py), so that both say the same thing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, overload

import polars as pl

from gsi_events.compile.read import Report, SourceRecord, item_label

Provenance = tuple[str, str]  # (file, record label) a row came from
# A row's provenance before it is named: (file, record) as it is, (report,) for the
# report's record, or (report, kind, n, item) for its n-th item of a kind (rows.label).
Place = tuple[str, str] | tuple[Report] | tuple[Report, str, int, dict[str, Any]]


def locate(quote: str, source: SourceRecord | None) -> tuple[int, int] | None:
    """Offsets of a quote in the NFC text: its first occurrence in the body, else anywhere."""
    if source is None or source.text is None or not quote:
        return None
    body = source.body_span
    i = source.text.find(quote, body[0]) if body else -1
    if i < 0:
        i = source.text.find(quote)
    return (i, i + len(quote)) if i >= 0 else None


def evidence_word(item: dict[str, Any]) -> str:
    """How an evidence entry is named in messages: a quote, or a cited passage."""
    return "quote" if item.get("quote") is not None or item.get("note") is None else "evidence"


def label(r: Report, kind: str, n: int, item: dict[str, Any]) -> str:
    """The record an item's row came from: "event ev-0002 (line 14), quote 2 (line 19)"."""
    return item_label(r.label, kind, n, item.get("_line"))


def coded(item: dict[str, Any]) -> dict[str, Any]:
    """An item's values as read, without the reader's bookkeeping (`_line`)."""
    return {k: v for k, v in item.items() if not k.startswith("_")}


def participant_row(r: Report, n: int, p: dict[str, Any]) -> dict[str, Any]:
    """The n-th participant of a report, as a participants row."""
    return {**coded(p), "event_id": r.event_id, "participant_no": n}


def evidence_row(r: Report, n: int, q: dict[str, Any], source: SourceRecord | None
                 ) -> dict[str, Any]:
    """The n-th evidence entry of a report, as an evidence row: a quote's offsets in its
    source's archived text, or none (a cited source, a quote not found)."""
    span = locate(q.get("quote") or "", source)
    return {**coded(q), "event_id": r.event_id, "source_id": r.source_id, "quote_no": n,
            "char_start": span[0] if span else None, "char_end": span[1] if span else None}


class Places(Sequence[Provenance]):
    """Where each row of a table came from, (file, record label), aligned with its rows.
    The labels are written when asked for: a message names a few rows of many."""

    def __init__(self, places: Iterable[Place] = ()) -> None:
        self._places: list[Place] = list(places)

    def append(self, place: Place) -> None:
        self._places.append(place)

    def __len__(self) -> int:
        return len(self._places)

    @overload
    def __getitem__(self, i: int) -> Provenance: ...
    @overload
    def __getitem__(self, i: slice) -> Places: ...

    def __getitem__(self, i: int | slice) -> Provenance | Places:
        if isinstance(i, slice):
            return Places(self._places[i])
        return _named(self._places[i])

    def reordered(self, order: list[int]) -> Places:
        return Places([self._places[i] for i in order])

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Sequence) and list(self) == list(other)

    def __repr__(self) -> str:
        return f"Places({list(self)!r})"


def _named(place: Place) -> Provenance:
    if len(place) == 2:
        return place  # type: ignore[return-value]
    if len(place) == 1:
        return place[0].file, place[0].label  # type: ignore[union-attr]
    r, kind, n, item = place  # type: ignore[misc]
    return r.file, label(r, kind, n, item)


def columns_frame(items: list[Mapping[str, Any]], extra: Mapping[str, list[Any]],
                  types: Mapping[str, pl.DataType]) -> pl.DataFrame:
    """A frame with the columns `types` names, in its order and types: each row's values
    from its item (a mapping as read; other keys are left out), except the columns in
    `extra`, given whole (derived and implied values). Built by polars column by column,
    much faster than a mapping made per row."""
    df = pl.from_dicts(items, schema={n: t for n, t in types.items() if n not in extra})
    return df.with_columns(pl.Series(n, col, dtype=types[n]) for n, col in extra.items()
                           ).select(list(types))
