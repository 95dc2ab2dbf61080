"""Validation cost at scale, and the uniqueness check we use vs pandera's own.

Run: python benchmarks/bench_validation.py [--repeat 5]
Tables are the seed tables cloned k times with fresh ids (archive checks off, as when a
release is validated). Medians of --repeat runs, all measured in one process, side by side.
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


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    frames = compile_repository(ROOT).tables.frames
    print(f"validate_tables (no archive), median of {args.repeat}:")
    print(f"{'events':>8} {'rows, all tables':>18} {'seconds':>9}")
    for k in (1, 100, 1000):
        f = scaled(frames, k)
        rows = sum(df.height for df in f.values())
        problems = validate_tables(f, {}, None)
        assert not problems, problems[:3]
        s = median_seconds(lambda f=f: validate_tables(f, {}, None), args.repeat)
        print(f"{f['events'].height:>8} {rows:>18} {s:>9.3f}")

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
