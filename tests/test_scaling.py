"""What keeps validation linear in the size of the data (issue 12): results the same as the
simple, slower way of computing them, on data built here.

- inter-coder linkage counted from group sizes equals the count over every pair of pairs;
- the bounded nearest-passage search for a missed quote names the passage an exhaustive
  search over every window names, for quotes copied from the text with a word changed,
  and compares a bounded number of windows however long the text;
- the values_are_quoted message, worked out for all failing events at once, names for
  each event the aspects no quote supports.
"""

from __future__ import annotations

import difflib
import itertools
import re
from collections import Counter
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from gsi_events.coders.agreement import linkage
from gsi_events.compile.merge import frame
from gsi_events.compile.validate import passages
from gsi_events.compile.validate.run import validate_tables


def _report(source: str, event: str) -> Any:
    return SimpleNamespace(source_id=source, event_id=event)


@given(st.lists(st.tuples(st.sampled_from("abcd"), st.sampled_from("pqrs"),
                          st.sampled_from("wxyz")), max_size=30))
def test_linkage_counts_equal_the_pair_by_pair_count(rows: list[tuple[str, str, str]]
                                                     ) -> None:
    pairs = [(_report(s, a), _report(s, b)) for s, a, b in rows]
    total = agree = 0
    for (a1, b1), (a2, b2) in itertools.combinations(pairs, 2):
        if a1.source_id == a2.source_id:
            continue
        total += 1
        agree += (a1.event_id == a2.event_id) == (b1.event_id == b2.event_id)
    assert linkage(pairs) == (total, agree)


def exhaustive_window(quote: str, text: str) -> tuple[int, int, float]:
    """The search before it was bounded: difflib's ratio for the window of the quote's
    length at every word start; the first best wins."""
    n = len(quote)
    best = (0, min(n, len(text)), 0.0)
    matcher = difflib.SequenceMatcher(autojunk=False)
    matcher.set_seq2(quote)
    for s in [0, *[m.end() for m in re.finditer(r"\s+", text)]]:
        matcher.set_seq1(text[s: s + n])
        ratio = matcher.ratio()
        if ratio > best[2]:
            best = (s, s + len(text[s: s + n]), ratio)
    return best


# the words of a news report on the GSI, each once
VOCABULARY = sorted(set(re.findall(r"\S+", """
China will train 3,000 foreign police officers over the next five years, its minister
for public security said on Monday at a forum in Lianyungang attended by delegations
from 122 countries, regions and international organisations such as Interpol. Wang
Xiaohong told them Beijing wants the global order to develop in a more fair, reasonable
and efficient direction. The Global Security Initiative, launched in April 2022, backs
law enforcement cooperation, training programmes, equipment donations and joint patrols
with partners across Africa, Latin America, Central Asia and the Pacific islands, where
critics have raised concerns that the programs introduce authoritarian tactics.
""")))


@given(st.lists(st.sampled_from(VOCABULARY), min_size=20, max_size=80, unique=True),
       st.data())
def test_bounded_search_names_the_exhaustive_passage(words: list[str],
                                                     data: st.DataObject) -> None:
    """A quote copied from a text, one word changed to one the text does not have (a
    mistyped, added or dropped word): the bounded search names what the exhaustive one
    names."""
    text = " ".join(words)
    length = data.draw(st.integers(4, 12))
    first = data.draw(st.integers(0, len(words) - length))
    quoted = words[first: first + length]
    at = data.draw(st.integers(0, length - 1))
    change = data.draw(st.sampled_from(["mistyped", "added", "dropped"]))
    if change == "dropped":
        del quoted[at]
    else:
        quoted[at: at + (change == "mistyped")] = [data.draw(st.sampled_from(
            ["Xinjiang", "trained", "4,000", "Belgrade", "the", "police", "officers"]))]
    quote = " ".join(quoted)
    if quote not in text:
        assert passages._best_window(quote, text) == exhaustive_window(quote, text)


def regex_votes(quote: str, text: str) -> Counter[int]:
    """The window votes as they were found before the word index: one regular expression
    of the quote's words over the text."""
    places: dict[str, list[int]] = {}
    for m in re.finditer(r"\S+", quote):
        places.setdefault(m.group(), []).append(m.start())
    votes: Counter[int] = Counter()
    if not places:
        return votes
    words = "|".join(re.escape(w) for w in sorted(places, key=len, reverse=True))
    for m in re.finditer(rf"(?<!\S)(?:{words})(?!\S)", text):
        for offset in places[m.group()]:
            for start in passages._starts_near(text, m.start() - offset):
                votes[start] += len(m.group())
    return votes


# words that overlap (one inside another, regular-expression characters) and spaces of
# several kinds, so that a word index and a regular expression could disagree
TRICKY = st.lists(st.sampled_from(["a", "ab", "b", "a.b", "(a", "a)", "*", "\\", "é", "北京",
                                  " ", "  ", "\n", "\t", "\u00a0", "\u2003", "\x1c", "-"]),
                   max_size=40).map("".join)


@given(TRICKY, TRICKY)
def test_word_index_votes_as_the_regular_expression_did(quote: str, text: str) -> None:
    assert passages._aligned_votes(quote, text) == regex_votes(quote, text)


@given(st.lists(st.sampled_from(VOCABULARY), min_size=20, max_size=80), st.data())
def test_word_index_votes_as_the_regular_expression_did_on_news_words(
        words: list[str], data: st.DataObject) -> None:
    text = data.draw(st.sampled_from([" ", "\n", "  "])).join(words)
    quote = " ".join(data.draw(st.lists(st.sampled_from([*VOCABULARY, "Xinjiang"]),
                                        min_size=1, max_size=14)))
    assert passages._aligned_votes(quote, text) == regex_votes(quote, text)


@given(TRICKY, TRICKY)
def test_quick_ratio_is_difflibs(window: str, quote: str) -> None:
    matcher = difflib.SequenceMatcher(None, window, quote, autojunk=False)
    assert passages._quick_ratio(window, Counter(quote), len(quote)) == matcher.quick_ratio()


def test_bounded_search_compares_few_windows_however_long_the_text(
        monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []
    real = difflib.SequenceMatcher.ratio

    def counting(self: difflib.SequenceMatcher) -> float:
        calls.append(1)
        return real(self)

    monkeypatch.setattr(difflib.SequenceMatcher, "ratio", counting)
    quote = "China will train 3,000 foreign police officers in Xinjiang next year"
    for repeat in (1, 10, 100):
        text = ("The minister said China will train 3,000 foreign police officers "
                "in Urumqi next year. " + "Officials gave no details on the day. " * 50
                ) * repeat
        calls.clear()
        explained = passages.explain_miss(quote, text)
        assert "the nearest passage is at characters 18-86" in explained
        assert "quote has 'Xinjiang' where the text has 'Urumqi'" in explained
        assert len(calls) <= 3 * passages.CANDIDATES + 1  # + the word-by-word comparison


def test_unrelated_quote_has_no_similar_passage() -> None:
    text = "China will train 3,000 foreign police officers. " * 20
    assert passages.explain_miss("Lorem ipsum dolor sit amet", text) == (
        "no similar passage in the text")


def _events_without_quotes(n: int) -> dict[str, pl.DataFrame]:
    """Tables in which event i has a count and a place, and its one quote supports only
    the action (events with an even number) or the action and the count."""
    events = frame("events", [
        {"event_id": f"ev-{i:04d}", "action": "meeting", "status": "completed",
         "date_precision": "unknown", "location_place": "Belgrade", "count_best": 3,
         "count_unit": "officers", "n_sources": 1, "evidence_kind": "cited"}
        for i in range(1, n + 1)])
    evidence = frame("evidence", [
        {"event_id": f"ev-{i:04d}", "source_id": "src-0001", "quote_no": 1,
         "supports": "action" if i % 2 == 0 else "action;count"}
        for i in range(1, n + 1)])
    empty = {t: frame(t, []) for t in ("sources", "participants", "event_links",
                                        "discrepancies")}
    return {**empty, "events": events, "evidence": evidence}


def test_values_are_quoted_names_each_events_unquoted_aspects() -> None:
    frames = _events_without_quotes(6)
    problems = [p for p in validate_tables(frames, {}, None)
                if p.rule == "events.values_are_quoted"]
    assert len(problems) == 6
    for p in problems:
        even = int(p.record.split("ev-")[1]) % 2 == 0
        need = "count, location" if even else "location"
        assert f"No quote supports: {need} (add it" in p.message, p


def test_validation_reads_no_text_into_a_column(monkeypatch: pytest.MonkeyPatch,
                                               tmp_path: Path) -> None:
    """The archived texts are looked up where they are: no polars column is built from
    them (the old way copied each text onto every evidence row)."""
    from conftest import seed_copy

    from gsi_events.compile.pipeline import compile_repository
    from gsi_events.compile.repository import read_repository

    texts = {s.text for s in read_repository(seed_copy(tmp_path / "repo")).sources
             if s.text}
    assert texts
    built: list[Any] = []
    real_series, real_replace = pl.Series.__init__, pl.Expr.replace_strict

    def series(self: pl.Series, *args: Any, **kwargs: Any) -> None:
        built.append(args[1] if len(args) > 1 else kwargs.get("values"))
        real_series(self, *args, **kwargs)

    def replace(self: pl.Expr, *args: Any, **kwargs: Any) -> pl.Expr:
        built.extend([*args, kwargs.get("new")])
        return real_replace(self, *args, **kwargs)

    monkeypatch.setattr(pl.Series, "__init__", series)
    monkeypatch.setattr(pl.Expr, "replace_strict", replace)
    compiled = compile_repository(tmp_path / "repo")
    assert compiled.ok, compiled.problems[:3]
    for values in built:
        items = values.values() if isinstance(values, dict) else (
            values if isinstance(values, (list, tuple, pl.Series)) else [values])
        assert not texts & {v for v in items if isinstance(v, str)}
