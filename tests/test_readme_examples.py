"""The README's examples for data users run as written, and agree: Python (with the
coding libraries made unimportable, as in the light install), DuckDB SQL and R (the CSV
loader, in real R; CI installs R). Each compares with the release the README's Python
example names (a published release never changes)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys

import pytest

from gsi_events import paths

REPO = paths.repo_root()
README = (REPO / "README.md").read_text(encoding="utf-8") if REPO else ""


def blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", README, flags=re.S)


def named_version() -> str:
    """The release the README's Python example loads."""
    return re.search(r'load\("events", version="([0-9.]+)"\)', blocks("python")[0]).group(1)


def test_python_example_runs_with_the_light_install() -> None:
    code = blocks("python")[0]
    guard = ("import sys\nfor m in ('ruamel', 'pandera', 'pycountry', 'krippendorff'):\n"
             "    sys.modules[m] = None\n")
    done = subprocess.run([sys.executable, "-c", guard + code + "\nprint(events.height)"],
                          capture_output=True, text=True, cwd=REPO, timeout=300)
    assert done.returncode == 0, done.stderr
    import gsi_events

    assert done.stdout.strip().splitlines()[-1] == str(
        gsi_events.load("events", version=named_version()).height)


def test_duckdb_example_counts_each_event_once_per_country() -> None:
    duckdb = pytest.importorskip("duckdb")
    import polars as pl

    import gsi_events

    con = duckdb.connect()
    cwd = os.getcwd()
    os.chdir(REPO)
    try:
        rows = con.sql(blocks("sql")[0]).fetchall()
    finally:
        os.chdir(cwd)
    events = gsi_events.load("events", version=named_version())
    p = gsi_events.load("participants", version=named_version())
    expected = (p.filter(pl.col("country").is_not_null(), pl.col("country") != "CHN")
                .join(events.select("event_id", "action"), on="event_id")
                .group_by("country", "action").agg(pl.col("event_id").n_unique()))
    assert sorted(rows) == sorted(expected.rows())


def test_r_example_reads_what_python_reads(tmp_path) -> None:
    if shutil.which("Rscript") is None:
        if os.environ.get("CI"):
            raise RuntimeError("Rscript is missing: .ci/run installs R")
        pytest.skip("R is not installed here (CI installs it)")
    code = blocks("r")[0]
    out = tmp_path / "n.json"
    script = code + f'\njsonlite::write_json(nrow(events), "{out}", auto_unbox = TRUE)\n'
    done = subprocess.run(["Rscript", "-e", script], capture_output=True, text=True,
                          cwd=REPO, timeout=300)
    assert done.returncode == 0, done.stderr
    import gsi_events

    assert json.loads(out.read_text()) == gsi_events.load("events", version=named_version()).height
