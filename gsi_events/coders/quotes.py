"""Finding a quote in its source, and saying why it was not found."""

from __future__ import annotations

import difflib
import re

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


def _best_window(quote: str, text: str) -> tuple[int, int, float]:
    """Start, end and similarity of the passage of text most like the quote."""
    n = len(quote)
    if not text or not n:
        return 0, 0, 0.0
    starts = [0, *[m.end() for m in re.finditer(r"\s+", text)]]
    best = (0, min(n, len(text)), 0.0)
    matcher = difflib.SequenceMatcher(autojunk=False)
    matcher.set_seq2(quote)
    for s in starts:
        window = text[s: s + n]
        matcher.set_seq1(window)
        if matcher.real_quick_ratio() <= best[2] or matcher.quick_ratio() <= best[2]:
            continue
        ratio = matcher.ratio()
        if ratio > best[2]:
            best = (s, s + len(window), ratio)
    return best


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
