"""What a piece of evidence says in writing: the numbers and date expressions it contains.

A quote or note that supports a count must contain one of the coded numbers, and one
that supports a date must contain a date or a date expression (codebook, section 10).
Number words are read by text2num (maintained; English, French, Spanish, Portuguese,
German, Dutch, Danish and Italian); digits with any thousands separator and a scale word
("$40m", "1.5 million") are read here.
"""

from __future__ import annotations

import contextlib
import functools
import re

# Languages text2num reads number words in; in others only digits count.
WORD_LANGUAGES = frozenset({"en", "fr", "es", "pt", "de", "nl", "da", "it"})

_SCALES = {"k": 10**3, "thousand": 10**3, "m": 10**6, "mn": 10**6, "million": 10**6,
           "millions": 10**6, "bn": 10**9, "b": 10**9, "billion": 10**9, "billions": 10**9}
# a number in digits, with thousands separated by , . space, narrow or no-break space or
# an apostrophe, an optional decimal part, and an optional scale word after it
_NUMBER = re.compile(
    r"(?<![0-9])([0-9]{1,3}(?:[,.'\u00a0\u202f ][0-9]{3})+|[0-9]+)(?:\.([0-9]+))?"
    r"(?:\s?(k|thousand|m|mn|million|millions|bn|b|billion|billions)\b)?",
    re.IGNORECASE)
_DOZEN = re.compile(r"\b(half a dozen|a dozen|one dozen|dozen)\b", re.IGNORECASE)

_MONTHS = ("january|february|march|april|may|june|july|august|september|october|november|"
           "december|jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec")
_DAYS = "monday|tuesday|wednesday|thursday|friday|saturday|sunday"
_RELATIVE = ("today|yesterday|tomorrow|tonight|day|days|week|weeks|weekend|month|months|"
             "year|years|decade|ago|last|next|earlier|later|recent|recently|past|since|"
             "annual|annually|morning|afternoon|evening|quarter|spring|summer|autumn|"
             "winter|fortnight|currently|now|upcoming|previous|after|before|following|"
             "wake|during|ahead|prior|until|amid")
_DATE_WORDS = re.compile(rf"\b({_MONTHS}|{_DAYS}|{_RELATIVE})\b", re.IGNORECASE)
_DATE_FIGURES = re.compile(r"(?<![0-9])(1[89][0-9]{2}|2[01][0-9]{2})(?![0-9])|"
                           r"[0-9]{1,4}[-/.][0-9]{1,2}[-/.][0-9]{1,4}|[0-9]+\s*[年月日]")


@functools.lru_cache(maxsize=4096)
def numbers(text: str, language: str = "en") -> frozenset[int]:
    """Every whole number the text writes, in digits or (in WORD_LANGUAGES) in words."""
    out: set[int] = set()
    if language in WORD_LANGUAGES:
        from text_to_num import alpha2digit

        for m in _DOZEN.finditer(text):
            out.add(6 if m.group(1).lower().startswith("half") else 12)
        with contextlib.suppress(Exception):  # a free-text parser never stops a check
            text = f"{text} {alpha2digit(text, language, threshold=0)}"
    for m in _NUMBER.finditer(text):
        whole = re.sub(r"[^0-9]", "", m.group(1))
        frac = m.group(2) or ""
        scale = _SCALES.get((m.group(3) or "").lower(), 1)
        out.add(int(whole))
        if scale > 1:
            out.add(round(float(f"{whole}.{frac or 0}") * scale))
    return frozenset(out)


# The codebook's vague-word table (section 7): the readings of words that give no number.
VAGUE_READINGS = {"dozens": (24, 99), "hundreds": (200, 999), "thousands": (2000, 9999)}
_VAGUE = re.compile(r"\b(dozens|hundreds|thousands)\b", re.IGNORECASE)
_HEDGE = re.compile(r"\b(about|around|some|nearly|approximately|roughly|almost|"
                    r"an estimated|estimated|close to)\s+(a\s+)?$", re.IGNORECASE)
_MORE = re.compile(r"\b(more than|over|above|upwards of|in excess of)\s+$", re.IGNORECASE)


def has_number(text: str, values: set[int], language: str = "en") -> bool:
    """True when the text writes one of `values`, or a number or word whose reading in
    the codebook's vague-word table is one of them ("over 50" -> 51; "about 3,000" ->
    2,700 to 3,300; "about a dozen" -> 10 to 14; "dozens" -> 24 to 99)."""
    written = numbers(text, language)
    if written & values:
        return True
    readings: set[int] = set()
    for m in _VAGUE.finditer(text):
        readings |= set(VAGUE_READINGS[m.group(1).lower()])
    for n in written:
        for m in re.finditer(rf"(?<![0-9]){n:,}(?![0-9])|(?<![0-9]){n}(?![0-9])|\bdozen\b",
                             text):
            before = text[max(0, m.start() - 30):m.start()]
            value = 12 if m.group(0) == "dozen" else n
            if _MORE.search(before):
                readings.add(value + 1)
            if _HEDGE.search(before) or _HEDGE.search(before.removesuffix("a ")):
                spread = max(1, round(value * 0.1)) if value != 12 else 2
                if any(abs(v - value) <= spread for v in values):
                    return True
    return bool(readings & values)


def has_date(text: str, language: str = "en") -> bool:
    """True when the text holds a year, a written date, a month or weekday name, or a
    relative date word (English); in other languages, any year or numeric date."""
    if _DATE_FIGURES.search(text):
        return True
    return language == "en" and _DATE_WORDS.search(text) is not None
