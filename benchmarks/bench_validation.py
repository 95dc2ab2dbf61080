"""Validation cost at scale: validate_tables against the same checks as one raw polars
pass (benchmarks/raw_validation.py), and the uniqueness check we use vs pandera's own.

Run: python benchmarks/bench_validation.py [--repeat 5] [--events 1020000]
Tables are the repository's tables cloned k times with fresh ids (archive checks off, as
when a release is validated): k = 1, 100 and as many as give about --events events.
validate_tables and the raw pass run in turn in one process; medians of --repeat runs,
and the median of the per-run ratios.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import pandera.polars as pa
import polars as pl

from gsi_events.compile.pipeline import compile_repository
from gsi_events.compile.validate.models import expr_check
from gsi_events.compile.validate.run import validate_tables

try:
    from raw_validation import raw_validate
except ImportError:  # run as a module from the repository root
    from benchmarks.raw_validation import raw_validate

ROOT = Path(__file__).resolve().parents[1]
ID_COLS = ("event_id", "target_event_id")


def scaled(frames: dict[str, pl.DataFrame], k: int) -> dict[str, pl.DataFrame]:
    out = {"sources": frames["sources"]}
    for name in ("events", "participants", "evidence", "event_links", "discrepancies"):
        parts = []
        for i in range(k):
            df = frames[name]
            for col in ID_COLS:
                if col in df.columns:
                    df = df.with_columns(
                        (pl.lit("ev-") + (pl.col(col).str.slice(3).cast(pl.Int64) + i * 10_000)
                         .cast(pl.String).str.zfill(6)).alias(col))
            parts.append(df)
        out[name] = pl.concat(parts)
    return out


def median_seconds(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def side_by_side(frames: dict[str, pl.DataFrame], repeat: int) -> tuple[float, float, float]:
    """Medians of validate_tables and of the raw pass, run in turn, and of their ratio."""
    ours, raw = [], []
    for _ in range(repeat):
        t = time.perf_counter()
        validate_tables(frames, {}, None)
        ours.append(time.perf_counter() - t)
        t = time.perf_counter()
        raw_validate(frames)
        raw.append(time.perf_counter() - t)
    ratios = [a / b for a, b in zip(ours, raw, strict=True)]
    return statistics.median(ours), statistics.median(raw), statistics.median(ratios)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--events", type=int, default=1_020_000)
    args = ap.parse_args()
    frames = compile_repository(ROOT).tables.frames
    print(f"validate_tables (no archive) and the raw polars pass, median of {args.repeat}:")
    print(f"{'events':>8} {'rows, all tables':>17} {'validate_tables':>16} {'raw pass':>9} "
          f"{'ratio':>6}")
    big = -(-args.events // frames["events"].height)
    for k in (1, 100, big):
        f = scaled(frames, k)
        rows = sum(df.height for df in f.values())
        problems = validate_tables(f, {}, None)
        assert not problems, problems[:3]
        assert raw_validate(f)
        ours, raw, ratio = side_by_side(f, args.repeat)
        print(f"{f['events'].height:>8} {rows:>17} {ours:>15.3f}s {raw:>8.3f}s {ratio:>6.2f}")

    n = 1_000_000
    df = pl.DataFrame({"id": [f"ev-{i:07d}" for i in range(n)]})
    ours = pa.DataFrameSchema({"id": pa.Column(pl.String, checks=[
        expr_check("t.id.unique", pl.col("id").is_null() | ~pl.col("id").is_duplicated())])})
    theirs = pa.DataFrameSchema({"id": pa.Column(pl.String, unique=True)})
    a = median_seconds(lambda: ours.validate(df), args.repeat)
    b = median_seconds(lambda: theirs.validate(df), args.repeat)
    c = median_seconds(lambda: df["id"].n_unique() == df.height, args.repeat)
    print(f"\nuniqueness of {n:,} distinct ids, median of {args.repeat}, side by side:")
    print(f"  is_duplicated check in a pandera schema (ours): {a:.3f} s")
    print(f"  pandera Column(unique=True):                    {b:.3f} s  ({b / a:.1f}x ours)")
    print(f"  n_unique() == len(), detection only:            {c:.3f} s  ({c / a:.2f}x ours)")


if __name__ == "__main__":
    main()
