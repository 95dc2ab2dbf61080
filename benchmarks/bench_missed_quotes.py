"""The nearest-passage search alone, on the missed quotes of a repository written by
bench_scale.py's validate-mistyped scenario: `explain_miss` of each coding file's
mistyped quote ("China with ..."), and the CPU seconds they took in all.

Run: python benchmarks/bench_missed_quotes.py WORK/repo-10000-seed0-v2-mistyped
"""

from __future__ import annotations

import argparse
import re
import time
from pathlib import Path

from gsi_events.compile.validate.passages import explain_miss

MISTYPED = re.compile(r'- quote: ("?China with [^\n]*)')


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("repo", type=Path)
    root = ap.parse_args().repo
    pairs = []
    for path in sorted((root / "coding").glob("src-*.yaml")):
        m = MISTYPED.search(path.read_text(encoding="utf-8"))
        text = root / "archive" / f"{path.stem}.txt"
        if m is None or not text.is_file():
            continue
        quote = m.group(1)
        quote = quote[1:-1] if quote.startswith('"') else quote
        pairs.append((quote, text.read_text(encoding="utf-8")))
    start = time.process_time()
    for quote, text in pairs:
        explain_miss(quote, text)
    print(f"{len(pairs)} missed quotes explained in {time.process_time() - start:.2f} s CPU")


if __name__ == "__main__":
    main()
