"""The nearest-passage search for a quote that is not found (gsi_events.compile.validate.passages):
the bounded search against the exhaustive one it replaced, on mistyped quotes.

Run: python benchmarks/bench_quotes.py [--quotes 400] [--seed 0]
Takes passages of 4 to 35 words from the seed sources' archived texts (archive/src-0001..3,
real news pages), changes each the way coders mistype (a word replaced, dropped, added or
misspelt, a number changed, two words swapped, a capital, three words replaced) and
explains each miss twice: with the bounded search, and with the exhaustive one (difflib's
ratio at every word start of the text). Prints the seconds each took in all and how many
explanations are identical, by kind of change.
"""

from __future__ import annotations

import argparse
import difflib
import random
import re
import time
import unicodedata
from collections import Counter
from pathlib import Path

from gsi_events.compile.validate import passages

ROOT = Path(__file__).resolve().parents[1]
KINDS = ("replaced", "dropped", "added", "misspelt", "number", "swapped", "capital",
         "three replaced")


def exhaustive_window(quote: str, text: str) -> tuple[int, int, float]:
    """The search before it was bounded: every word start, the first best wins."""
    n = len(quote)
    best = (0, min(n, len(text)), 0.0)
    matcher = difflib.SequenceMatcher(autojunk=False)
    matcher.set_seq2(quote)
    for s in [0, *[m.end() for m in re.finditer(r"\s+", text)]]:
        window = text[s: s + n]
        matcher.set_seq1(window)
        if matcher.real_quick_ratio() <= best[2] or matcher.quick_ratio() <= best[2]:
            continue
        ratio = matcher.ratio()
        if ratio > best[2]:
            best = (s, s + len(window), ratio)
    return best


def mistype(words: list[str], kind: str, vocabulary: list[str], rng: random.Random
            ) -> list[str]:
    w = list(words)
    i = rng.randrange(len(w))
    if kind == "replaced":
        w[i] = rng.choice(vocabulary)
    elif kind == "dropped" and len(w) > 2:
        del w[i]
    elif kind == "added":
        w.insert(i, rng.choice(vocabulary))
    elif kind == "misspelt" and len(w[i]) > 2:
        j = rng.randrange(len(w[i]) - 1)
        w[i] = w[i][:j] + w[i][j + 1] + w[i][j] + w[i][j + 2:]
    elif kind == "number":
        w[i] = str(rng.randint(1, 5000))
    elif kind == "swapped" and len(w) > 2:
        i = min(i, len(w) - 2)
        w[i], w[i + 1] = w[i + 1], w[i]
    elif kind == "capital":
        w[0] = w[0].upper()
    elif kind == "three replaced":
        for _ in range(3):
            w[rng.randrange(len(w))] = rng.choice(vocabulary)
    return w


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quotes", type=int, default=400)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    texts = [unicodedata.normalize("NFC", (ROOT / "archive" / f"src-000{i}.txt").read_text(
        encoding="utf-8")) for i in (1, 2, 3)]
    bounded = passages._best_window
    seconds = {"bounded": 0.0, "exhaustive": 0.0}
    same: Counter[str] = Counter()
    total: Counter[str] = Counter()
    for _ in range(args.quotes):
        text = rng.choice(texts)
        words = text.split()
        first = rng.randrange(len(words) - 40)
        passage = words[first: first + rng.choice([4, 6, 8, 12, 20, 35])]
        kind = rng.choice(KINDS)
        quote = " ".join(mistype(passage, kind, words, rng))
        if quote in text:
            continue
        answers = []
        for name, search in (("bounded", bounded), ("exhaustive", exhaustive_window)):
            passages._best_window = search
            t = time.perf_counter()
            answers.append(passages.explain_miss(quote, text))
            seconds[name] += time.perf_counter() - t
        passages._best_window = bounded
        total[kind] += 1
        same[kind] += answers[0] == answers[1]
    n = sum(total.values())
    print(f"{n} mistyped quotes: bounded {seconds['bounded']:.2f} s "
          f"({1000 * seconds['bounded'] / n:.1f} ms each), exhaustive "
          f"{seconds['exhaustive']:.2f} s ({1000 * seconds['exhaustive'] / n:.1f} ms each)")
    print(f"identical explanations: {sum(same.values())} of {n}")
    for kind in KINDS:
        print(f"  {kind:<15} {same[kind]:>4} of {total[kind]:>4}")


if __name__ == "__main__":
    main()
