"""The passage of a text nearest a quote that is not in it, and what differs, in words.

Validation says it when a quote is not found (evidence.quote_in_source), and
`gsi-events check` beside each quote of one file: it is part of the flow, so the coders'
tools import it from here."""

from __future__ import annotations

import difflib
import functools
import heapq
import itertools
import re
from collections import Counter

# Typographic variants coders' editors introduce: (name, pattern, plain replacement)
_VARIANTS: tuple[tuple[str, str, str], ...] = (
    ("curly vs straight quotation marks", "[\u2018\u2019\u201a\u201b\u2032]", "'"),
    ("curly vs straight quotation marks", "[\u201c\u201d\u201e\u201f\u2033]", '"'),
    ("an ellipsis", "\u2026", "..."),
    ("dashes", "[\u2010\u2011\u2012\u2013\u2014\u2015]", "-"),
    ("whitespace", r"\s+", " "),
)


def _plain(text: str) -> tuple[str, set[str]]:
    kinds: set[str] = set()
    for name, pattern, repl in _VARIANTS:
        text, n = re.subn(pattern, repl, text)
        if n and (name != "whitespace" or n):
            kinds.add(name)
    return text, kinds


# How many windows, sharing the most of the quote's words, get the exact comparison
CANDIDATES = 4
NEAR_TOP = 0.6
_WORD_AFTER = re.compile(r"\S*\s+")
_WORD = re.compile(r"\S+")
_SPLIT = re.compile(r"(\S+)")


def _next_start(text: str, s: int) -> int | None:
    """The start of the word after the one at s (None at the end of the text)."""
    m = _WORD_AFTER.match(text, s)
    return m.end() if m and m.end() < len(text) else None


def _previous_start(text: str, s: int) -> int | None:
    """The start of the word before s (0 for the first; None at the start)."""
    if s <= 0:
        return None
    i = s
    while i > 0 and text[i - 1].isspace():
        i -= 1
    while i > 0 and not text[i - 1].isspace():
        i -= 1
    return i


def _starts_near(text: str, at: int) -> tuple[int, ...]:
    """The window starts (0, or a word's first character) at or around position at."""
    if at <= 0:
        return (0,)
    if at >= len(text):
        return ()
    if text[at - 1].isspace() and not text[at].isspace():
        return (at,)
    before, after = _previous_start(text, at), _next_start(text, at)
    return tuple(x for x in (before, after) if x is not None)


@functools.lru_cache(maxsize=32)
def _word_index(text: str) -> tuple[list[str], list[int], set[int]]:
    """The text's words (runs of non-space characters) in order, where each starts, and
    those starts as a set: made once per text (the last few texts are kept) by one split
    and a running sum, both in C, so a missed quote looks its words up in the text's
    words instead of searching the text with a regular expression of its own."""
    parts = _SPLIT.split(text)  # space, word, space, ..., word, space
    ends = list(itertools.accumulate(map(len, parts), initial=0))
    starts = ends[1:len(parts):2]
    return parts[1::2], starts, set(starts)


def _aligned_votes(quote: str, text: str) -> Counter[int]:
    """Window start -> how many characters of the quote's words the text has where the
    window would put them: each occurrence in the text of a word of the quote votes,
    with its length, for the window that aligns it with its place in the quote (the
    word starts around that point). The passage a quote was copied from, a word or two
    changed, gets the votes of all the others. The words' occurrences are found in the
    text's word index (`_word_index`)."""
    places: dict[str, list[int]] = {}
    for m in _WORD.finditer(quote):
        places.setdefault(m.group(), []).append(m.start())
    votes: Counter[int] = Counter()
    if not places:
        return votes
    words, starts, heads = _word_index(text)
    for word, at in [(w, at) for w, at in zip(words, starts, strict=True) if w in places]:
        weight = len(word)
        for offset in places[word]:
            start = at - offset
            if start in heads:  # a word's first character: `_starts_near`'s answer
                votes[start] += weight
            elif start <= 0:
                votes[0] += weight
            else:
                for near in _starts_near(text, start):
                    votes[near] += weight
    return votes


def _best_window(quote: str, text: str) -> tuple[int, int, float]:
    """Start, end and similarity (difflib's ratio) of the passage of text most like the
    quote, among windows of the quote's length starting at a word; ties go to the
    earliest.

    Bounded: the exact ratio costs about the quote's length squared, so it is computed
    only for the few windows (at most CANDIDATES) where nearly as many of the
    quote's words stand where the quote has them as in the best-placed one (NEAR_TOP of
    it, `_aligned_votes`). The text's other windows are
    never compared (a quote with no word in the text has no similar passage), so a
    mistyped quote costs about the same in a long text as in a short one."""
    n = len(quote)
    best = (0, min(n, len(text)), 0.0)
    scores = _aligned_votes(quote, text) if text and n else Counter()
    top = max(scores.values(), default=0)
    placed = heapq.nlargest(CANDIDATES, (s for s, v in scores.items()
                                         if v > 0 and v >= NEAR_TOP * top),
                            key=lambda s: (scores[s], -s))
    # and the windows a word earlier and later: the quote's length from its own first
    # word may cut a changed passage short, where a window a word off is more alike
    chosen = list(dict.fromkeys(x for s in placed for x in (
        s, _previous_start(text, s), _next_start(text, s)) if x is not None))
    matcher = difflib.SequenceMatcher(autojunk=False)
    matcher.set_seq2(quote)
    counts = Counter(quote)
    for s in chosen:  # most shared words first: a good best early prunes the rest
        window = text[s: s + n]
        matcher.set_seq1(window)
        if not _may_beat(matcher.real_quick_ratio(), s, best) or not _may_beat(
                _quick_ratio(window, counts, n), s, best):
            continue
        ratio = matcher.ratio()
        if _may_beat(ratio, s, best):
            best = (s, s + len(window), ratio)
    return _slide(matcher, text, best)


def _slide(matcher: difflib.SequenceMatcher, text: str, best: tuple[int, int, float]
           ) -> tuple[int, int, float]:
    """The best window, moved a word at a time while that makes it more alike (later or
    earlier), or as alike and earlier: a few more comparisons, at most CANDIDATES."""
    n = len(matcher.b)
    counts = Counter(matcher.b)
    for _ in range(CANDIDATES):
        if best[2] == 0:
            break
        moved = False
        for s in (_previous_start(text, best[0]), _next_start(text, best[0])):
            if s is None:
                continue
            matcher.set_seq1(text[s: s + n])
            if _may_beat(_quick_ratio(matcher.a, counts, n), s, best):
                ratio = matcher.ratio()
                if _may_beat(ratio, s, best):
                    best, moved = (s, s + len(matcher.a), ratio), True
                    break
        if not moved:
            break
    return best


def _quick_ratio(window: str, quote_counts: Counter[str], n: int) -> float:
    """difflib's `quick_ratio` of the window against the quote (n characters, counted in
    quote_counts), the same number: twice the characters the two have in common, counted
    with their repeats, over both lengths. Counted in C, not character by character."""
    length = len(window) + n
    if not length:
        return 1.0
    get = quote_counts.get
    matches = sum([min(k, get(c, 0)) for c, k in Counter(window).items()])
    return 2.0 * matches / length


def _may_beat(ratio: float, start: int, best: tuple[int, int, float]) -> bool:
    """Whether a window at start with this ratio (or bound) beats the best so far: a
    higher ratio, or the same one earlier in the text."""
    return ratio > best[2] or (ratio == best[2] > 0 and start < best[0])


def explain_miss(quote: str, text: str | None) -> str:
    """Where the nearest passage is and what differs from the quote, in words."""
    if text is None:
        return "the source's text is not archived"
    plain_quote, _ = _plain(quote)
    plain_text, _ = _plain(text)
    if plain_quote in plain_text:
        kinds = sorted({name for name, pattern, _ in _VARIANTS if re.search(pattern, quote)}
                       | {name for name, pattern, _ in _VARIANTS
                          if name != "whitespace" and re.search(pattern, _near(quote, text))})
        what = ", ".join(k for k in kinds if k != "whitespace") or "whitespace"
        return f"the text has these words but differs in {what}; copy the passage exactly"
    marks = "[\"'\u2018\u2019\u201c\u201d]"
    if re.sub(marks, "", plain_quote) in re.sub(marks, "", plain_text):
        return ("the text has these words but not the same quotation marks (the quote adds, "
                "drops or changes them); copy the passage exactly")
    if "..." in quote or "\u2026" in quote:
        return ("the quote contains an ellipsis, so it skips words; quote the passage whole "
                "or as several short quotes")
    start, end, ratio = _best_window(quote, text)
    if ratio < 0.5:
        return "no similar passage in the text"
    passage = text[start:end]
    a, b = quote.split(), passage.split()
    changes = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if op != "equal":
            changes.append(f"quote has {' '.join(a[i1:i2]) or 'nothing'!r} where the text has "
                           f"{' '.join(b[j1:j2]) or 'nothing'!r}")
    return (f"the nearest passage is at characters {start}-{end}: {passage.strip()!r}; "
            + ("; ".join(changes[:3]) or "they differ in spacing or punctuation"))


def _near(quote: str, text: str) -> str:
    start, end, _ = _best_window(quote, text)
    return text[start:end]
