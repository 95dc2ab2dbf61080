"""The R loader (r/read_gsi_events.R) in real R: every value it reads from a release's CSV
files equals what polars reads from the Parquet files, with R's own types; a changed byte
is refused. Runs on a release built from the three seed sources (a fixture), so it holds
whatever else is coded. CI installs R from Debian's packages (.ci/run)."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
from pathlib import Path

import polars as pl
import pytest

from gsi_events import paths

REPO = paths.repo_root()
LOADER = (REPO / "r" / "read_gsi_events.R") if REPO else None
SEEDS = ("src-0001", "src-0002", "src-0003")

if shutil.which("Rscript") is None:
    if os.environ.get("CI"):
        raise RuntimeError("Rscript is missing: .ci/run installs r-base-core, r-cran-jsonlite, "
                           "r-cran-readr and r-cran-digest")
    pytest.skip("R is not installed here (CI installs it)", allow_module_level=True)


@pytest.fixture(scope="module")
def release(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from gsi_events.release.publish import build

    assert REPO is not None
    root = tmp_path_factory.mktemp("seeds")
    for folder in ("archive", "coding"):
        (root / folder).mkdir()
    for sid in SEEDS:
        for suffix in (".yaml", ".txt"):
            shutil.copy(REPO / "archive" / f"{sid}{suffix}", root / "archive")
        shutil.copy(REPO / "coding" / f"{sid}.yaml", root / "coding")
    out = tmp_path_factory.mktemp("release")
    build(root, out)
    return out


def r_read_all(release: Path, out: Path) -> subprocess.CompletedProcess[str]:
    script = f"""
source({json.dumps(str(LOADER))})
for (t in gsi_tables({json.dumps(str(release))})) {{
  df <- read_gsi_events({json.dumps(str(release))}, t)
  types <- vapply(df, function(x) class(x)[1], "")
  jsonlite::write_json(list(types = as.list(types), rows = df),
                       file.path({json.dumps(str(out))}, paste0(t, ".json")),
                       dataframe = "rows", na = "null", Date = "ISO8601", auto_unbox = TRUE,
                       digits = NA, null = "null")
}}
"""
    return subprocess.run(["Rscript", "-e", script], capture_output=True, text=True,
                          timeout=300)


R_TYPES = {pl.String: "character", pl.Int32: "integer", pl.Int64: "integer",
           pl.Boolean: "logical", pl.Date: "Date", pl.Float64: "numeric"}


def test_r_reads_every_value_with_its_type(release: Path, tmp_path: Path) -> None:
    done = r_read_all(release, tmp_path)
    assert done.returncode == 0, done.stderr
    for parquet in sorted(release.glob("*.parquet")):
        table = parquet.stem
        expected = pl.read_parquet(parquet)
        got = json.loads((tmp_path / f"{table}.json").read_text(encoding="utf-8"))
        assert list(got["types"]) == expected.columns
        for name, dtype in expected.schema.items():
            assert got["types"][name] == R_TYPES[dtype], (table, name)
        rows = got["rows"] if isinstance(got["rows"], list) else []
        assert len(rows) == expected.height, table
        for want, have in zip(expected.to_dicts(), rows, strict=True):
            for name, value in want.items():
                if isinstance(value, dt.date):
                    value = value.isoformat()
                assert have.get(name) == value, (table, name, want, have)


def test_r_refuses_a_changed_file(release: Path, tmp_path: Path) -> None:
    copy = tmp_path / "release"
    shutil.copytree(release, copy)
    data = (copy / "events.csv").read_bytes()
    (copy / "events.csv").write_bytes(data.replace(b"Lianyungang", b"Lianyungang ", 1))
    done = subprocess.run(
        ["Rscript", "-e", f"source({json.dumps(str(LOADER))}); "
                          f"read_gsi_events({json.dumps(str(copy))}, 'events')"],
        capture_output=True, text=True, timeout=120)
    assert done.returncode != 0
    assert "differs from the one published" in done.stderr
