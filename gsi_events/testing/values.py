"""Valid values, one field at a time: text in any script, dates at the edges, date spans
per precision, and `field_values(table, name)` from a field's schema entry alone."""

from __future__ import annotations

import datetime as dt
import functools
import re
import unicodedata
from collections.abc import Callable
from typing import Any

from hypothesis import strategies as st

from gsi_events.compile import schema
from gsi_events.compile.schema import Field
from gsi_events.compile.typemaps import INT_MAX, INT_MIN

SENTINEL = "§"  # never in generated text: body markers carry it, so they are unique

# --- text ------------------------------------------------------------------------------

# Characters YAML itself treats as line breaks inside a scalar (NEL, LS, PS) are left out:
# ruamel writes them raw inside quoted scalars and reads them back folded. Tabs and line
# breaks are left out of one-line fields.
NOT_TEXT = SENTINEL + "\x85\u2028\u2029\ufeff"
_CHARS = st.characters(codec="utf-8", categories=("L", "M", "N", "P", "S", "Zs"),
                       exclude_characters=NOT_TEXT)
_SCRIPTS = st.sampled_from([
    # CJK, Cyrillic, Arabic, Devanagari, Vietnamese with stacked marks, Greek, Thai
    "王小红", "公安部", "连云港", "Ерлан Қошанов", "Министерство", "محمد بن سلمان",
    "وزارة الداخلية", "गृह मंत्रालय", "Nguyễn Tấn Dũng", "Ἀθῆναι", "กระทรวง",
    # combining characters: some compose under NFC, some have no precomposed form
    "Zoë", "José", "q\u0307\u0323", "Ko\u0301s\u030c", "A\u030a", "\u1e0b\u0323",
    # quotation marks, dashes and ellipses that must be copied exactly
    "“fair and reasonable”", "it’s", "1,000–2,000", "so…", "'single'", '"double"',
    # things YAML would read as something else unless quoted
    "yes", "null", "~", "2024-09-09", "3000", "- dash", "a: b", "#hash", "@at", "*star",
])


def nfc(s: str) -> str:
    return unicodedata.normalize("NFC", s)


@functools.cache
def text(min_size: int = 0, max_size: int | None = None) -> st.SearchStrategy[str]:
    """One-line NFC text of min_size..max_size characters (code points), any script."""
    hi = max_size if max_size is not None else max(min_size, 40)
    word = st.one_of(_SCRIPTS, st.text(_CHARS, min_size=1, max_size=12))

    def fit(words: list[str]) -> str:
        s = nfc(" ".join(words))
        if unicodedata.category(s[:1] or "a")[0] == "M":  # no leading combining mark
            s = "a" + s
        s = nfc((s + " " + "x" * min_size) if len(s) < min_size else s)
        return nfc(s[:hi])

    return (st.lists(word, min_size=1, max_size=8).map(fit)
            .filter(lambda s: min_size <= len(s) <= hi))


# --- dates -----------------------------------------------------------------------------

EDGE_DATES = (
    dt.date(2024, 2, 29), dt.date(2000, 2, 29), dt.date(2023, 2, 28), dt.date(2023, 12, 31),
    dt.date(2024, 12, 30), dt.date(2024, 12, 31), dt.date(2025, 1, 1), dt.date(1999, 12, 31),
    dt.date(2022, 4, 21),  # the GSI's launch
)


LAST_DAY = dt.date(2100, 12, 31)  # the schema's maximum for dates (minimum: 1900-01-01)


def dates() -> st.SearchStrategy[dt.date]:
    return st.one_of(st.sampled_from(EDGE_DATES), st.dates(dt.date(1950, 1, 1), LAST_DAY))


def _month_end(d: dt.date) -> dt.date:
    nxt = dt.date(d.year + (d.month == 12), d.month % 12 + 1, 1)
    return nxt - dt.timedelta(days=1)


def _day(draw: Any, single: bool) -> tuple[dt.date, dt.date]:
    d = draw(dates())
    if single:
        return d, d
    n = draw(st.sampled_from([0, 0, 1, 2, 6, 30, 365]))
    return d, min(d + dt.timedelta(days=n), LAST_DAY)


def _week(draw: Any) -> tuple[dt.date, dt.date]:
    d = draw(dates())
    monday = d - dt.timedelta(days=d.weekday())
    if monday.year < 1950:
        monday += dt.timedelta(days=7)
    if monday + dt.timedelta(days=6) > LAST_DAY:
        monday -= dt.timedelta(days=7)
    return monday, monday + dt.timedelta(days=6)


def _month(draw: Any) -> tuple[dt.date, dt.date]:
    d = draw(dates()).replace(day=1)
    return d, _month_end(d)


def _year(draw: Any) -> tuple[dt.date, dt.date]:
    y = draw(dates()).year
    return dt.date(y, 1, 1), dt.date(y, 12, 31)


def _range(draw: Any) -> tuple[dt.date, dt.date]:
    a, b = draw(dates()), draw(dates())
    if a == b:
        a = b - dt.timedelta(days=1)
    return min(a, b), max(a, b)


# What each precision value means for (start, end). Keyed by the vocabulary values in
# schemas/; a precision added there needs an entry here (span() says so).
SPANS: dict[str, Callable[[Any, bool], tuple[dt.date | None, dt.date | None]]] = {
    "day": lambda draw, published: _day(draw, published),
    "week": lambda draw, published: _week(draw),
    "month": lambda draw, published: _month(draw),
    "year": lambda draw, published: _year(draw),
    "range": lambda draw, published: _range(draw),
    "unknown": lambda draw, published: (None, None),
}


def span(draw: Any, precision: str, published: bool = False
         ) -> tuple[dt.date | None, dt.date | None]:
    if precision not in SPANS:
        raise NotImplementedError(
            f"no generator for the date precision {precision!r} in schemas/; add it to "
            "gsi_events.testing.values.SPANS")
    return SPANS[precision](draw, published)


# --- one field, from its schema entry --------------------------------------------------


def codes(f: Field) -> list[str]:
    from gsi_events.compile.countries import CODELISTS

    return sorted(CODELISTS[f.codelist or ""].codes())


@functools.cache
def field_values(table: str, name: str) -> st.SearchStrategy[Any]:
    """Valid values of one field, from its entry in schemas/<table>.yaml alone."""
    f = schema.table(table).field(name)
    if f.categories:
        return st.sampled_from(f.values)
    if f.codelist:
        known = codes(f)
        if f.separator:
            return st.lists(st.sampled_from(known), min_size=1, max_size=6,
                            unique=True).map(f.separator.join)
        return st.sampled_from(known)
    if f.type == "integer":
        lo = f.minimum if f.minimum is not None else INT_MIN
        hi = f.maximum if f.maximum is not None else INT_MAX
        return st.one_of(st.sampled_from(sorted({lo, min(lo + 1, hi), hi})),
                         st.integers(lo, min(hi, lo + 10_000)), st.integers(lo, hi))
    if f.type == "date":
        return dates()
    if f.type == "boolean":
        return st.booleans()
    if f.type != "string":
        raise NotImplementedError(f"no generator for type {f.type!r} ({table}.{name})")
    if f.pattern:
        if "[^ ]" in f.pattern:  # free text in a pattern (addresses): keep it one line
            alphabet = st.characters(codec="utf-8", exclude_characters=" \t\n\r" + NOT_TEXT,
                                     categories=("L", "M", "N", "P", "S"))
            return st.from_regex(f.pattern, fullmatch=True, alphabet=alphabet).map(
                nfc).filter(lambda s: re.search(f.pattern, s) is not None)
        return st.from_regex(f.pattern, fullmatch=True).filter(lambda s: "\n" not in s)
    return text(f.min_length or 0, f.max_length)


@functools.cache
def optional(table: str, name: str) -> st.SearchStrategy[Any]:
    """The field's values, or None when the field is optional."""
    f = schema.table(table).field(name)
    values = field_values(table, name)
    return values if f.required else st.one_of(st.none(), values)

