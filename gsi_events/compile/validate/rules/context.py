"""What every rule reads and how rules are registered: the Context, the registries
RULES and EXPLAIN, and the look-ups the rules share.

Each rule is a small function of a Context returning an expression that is true for the
rows that keep the rule. Rules whose inputs are missing (an empty value, a source whose
text is not archived) pass here: another rule reports the missing input once.

Rules that read another table do it by hashed look-up (`is_in` a column, `replace_strict`
from one column to another) built by polars from that table's columns, never from
Python lists or dicts of its rows: that is what keeps validation linear and fast.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import polars as pl

from gsi_events.compile.read import SourceRecord

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


def ok_if_null(*cols: str) -> pl.Expr:
    """True where any of the columns is empty: the rule has nothing to compare there."""
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


def are_given(*cols: str) -> list[pl.Expr]:
    """Whether each column has a value, one expression a column."""
    return [c(x).is_not_null() for x in cols]
