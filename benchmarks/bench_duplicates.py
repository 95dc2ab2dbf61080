"""The probable-duplicate search (gsi_events.coders.duplicates) on generated tables.

Run: python benchmarks/bench_duplicates.py [--events 10000 50000] [--repeat 5] [--seed 1]
For each size, builds an events and a participants table like the coded data (every
action family; dates from 2015 to 2025 at day, week, month, year and range precision, a
ninth undated; one to three counterpart countries of 60, a fifth of them as group
members; a place of 200 for half the events), then prints the median wall-clock and CPU
time of `probable_duplicates` (CPU time is the steadier figure on a shared machine) and
the number of pairs it reports. A naive all-pairs comparison would do n(n-1)/2
comparisons: 50 million at 10,000 events.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import statistics
import time

import polars as pl

from gsi_events.coders.duplicates import probable_duplicates
from gsi_events.compile import schema
from gsi_events.compile.merge import frame

PRECISIONS = ("day", "day", "day", "week", "month", "month", "year", "range", "unknown")


def tables(n: int, seed: int) -> tuple[pl.DataFrame, pl.DataFrame]:
    rng = random.Random(seed)
    actions = list(schema.table("events").field("action").values)
    countries = [f"C{i:02d}" for i in range(60)]
    places = [f"Place {i}" for i in range(200)]
    first = dt.date(2015, 1, 1)
    events, participants = [], []
    for i in range(n):
        ev = f"ev-{i + 1:05d}"
        precision = rng.choice(PRECISIONS)
        start = first + dt.timedelta(days=rng.randrange(11 * 365))
        length = {"day": 0, "week": 6, "month": 30, "year": 364, "range": rng.randrange(1, 200),
                  "unknown": 0}[precision]
        dated = precision != "unknown"
        events.append({
            "event_id": ev, "action": rng.choice(actions), "status": "completed",
            "summary": f"Generated event {ev}.", "date_precision": precision,
            "date_start": start if dated else None,
            "date_end": start + dt.timedelta(days=length) if dated else None,
            "location_place": rng.choice(places) if rng.random() < 0.5 else None,
        })
        participants.append({"event_id": ev, "participant_no": 1, "role": "actor",
                             "country": "CHN"})
        picked = rng.sample(countries, rng.randint(1, 3))
        if rng.random() < 0.2:
            participants.append({"event_id": ev, "participant_no": 2, "role": "target",
                                 "group_name": "a region", "group_members": ";".join(picked)})
        else:
            participants += [{"event_id": ev, "participant_no": k, "role": "target",
                              "country": c} for k, c in enumerate(picked, 2)]
    return frame("events", events), frame("participants", participants)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--events", type=int, nargs="+", default=[10_000, 50_000])
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    for n in args.events:
        events, participants = tables(n, args.seed)
        wall, cpu, pairs = [], [], 0
        for _ in range(args.repeat):
            t, c = time.perf_counter(), time.process_time()
            pairs = len(probable_duplicates(events, participants))
            wall.append(time.perf_counter() - t)
            cpu.append(time.process_time() - c)
        print(f"{n:>7,} events: median {statistics.median(wall):.3f} s wall "
              f"(range {min(wall):.3f}-{max(wall):.3f} s), {statistics.median(cpu):.3f} s CPU, "
              f"{args.repeat} runs; {pairs:,} probable duplicates")


if __name__ == "__main__":
    main()
