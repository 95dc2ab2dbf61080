"""Cold `gsi_events.load()` against a cold `import pandera.polars`, side by side.

Run: python benchmarks/bench_load.py [--repeat 15] [--releases DIR]
Each sample is a fresh Python process (cold imports; the OS file cache is warm after the
first run), alternating the two measurements. Prints the median and the range of each.
Without --releases it reads the newest published release, or, when none is published,
a candidate built from this checkout into a temporary folder.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

LOAD = """
import time
t = time.perf_counter()
import gsi_events
df = gsi_events.load("events")
elapsed = time.perf_counter() - t
import sys
assert "pandera" not in sys.modules
print(elapsed)
"""
PANDERA = """
import time
t = time.perf_counter()
import pandera.polars
print(time.perf_counter() - t)
"""


def sample(code: str, env: dict[str, str]) -> float:
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env=env, cwd=ROOT, check=True)
    return float(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--releases", type=Path, default=None)
    args = parser.parse_args()

    from gsi_events import loading

    releases = args.releases
    tmp = None
    if releases is None and not loading.versions():
        from gsi_events.release import publish as release

        tmp = tempfile.TemporaryDirectory()
        releases = Path(tmp.name) / "releases"
        release.publish(ROOT, "0.1.0", releases=releases)
    env = dict(os.environ)
    if releases is not None:
        env[loading.RELEASES_ENV] = str(releases)
    load_s, pandera_s = [], []
    for _ in range(args.repeat):
        load_s.append(sample(LOAD, env))
        pandera_s.append(sample(PANDERA, env))
    for name, xs in (("gsi_events.load() cold", load_s),
                     ("import pandera.polars cold", pandera_s)):
        print(f"{name:28} median {statistics.median(xs) * 1000:7.1f} ms "
              f"(min {min(xs) * 1000:.1f}, max {max(xs) * 1000:.1f}, n={len(xs)})")
    if tmp is not None:
        tmp.cleanup()


if __name__ == "__main__":
    main()
