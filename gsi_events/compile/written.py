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


def has_number(text: str, values: set[int], language: str = "en") -> bool:
    return bool(numbers(text, language) & values)


def has_date(text: str, language: str = "en") -> bool:
    """True when the text holds a year, a written date, a month or weekday name, or a
    relative date word (English); in other languages, any year or numeric date."""
    if _DATE_FIGURES.search(text):
        return True
    return language == "en" and _DATE_WORDS.search(text) is not None
