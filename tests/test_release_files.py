"""Every published release (and a candidate built from this checkout, so the checks run
even while releases/ is empty): hashes, R-safe Parquet types, four Parquet readers that
agree, and an independent Data Package validator."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import sys
from pathlib import Path
from typing import Any

import duckdb
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from _release_support import (
    JS,
    newest_release_folders,
    node_or_skip,
    release_folders,
    resolve,
    run,
)
from frictionless import Package

from gsi_events.release import publish as release

FOLDERS = release_folders()


def datapackage(folder: Path) -> dict[str, Any]:
    return json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))


def parquet_resources(folder: Path) -> list[dict[str, Any]]:
    """The Parquet resources (releases since CSV was added also carry each table as CSV)."""
    return [r for r in datapackage(folder)["resources"] if r["format"] == "parquet"]


def parquet_files(folder: Path) -> list[Path]:
    return [folder / r["path"] for r in parquet_resources(folder)]


@pytest.mark.parametrize("folder", FOLDERS)
def test_every_file_matches_its_recorded_hash(folder: Path | str) -> None:
    folder = resolve(folder)
    version = folder.name[1:]
    assert release.verify_release(folder, version) == []
    if shutil.which("sha256sum"):
        check = run("sha256sum", "--strict", "-c", "SHA256SUMS", cwd=folder)
        assert check.returncode == 0, check.stdout + check.stderr


@pytest.mark.parametrize("folder", FOLDERS)
def test_datapackage_describes_the_files(folder: Path | str) -> None:
    folder = resolve(folder)
    dp = datapackage(folder)
    assert dp["$schema"] == "https://datapackage.org/profiles/2.0/datapackage.json"
    assert dp["version"] == folder.name[1:]
    for key in ("name", "title", "description", "licenses", "contributors", "sources",
                "created", "build", "quality"):
        assert dp.get(key) is not None, key
    assert {x["name"] for x in dp["licenses"]} == {"CC-BY-4.0", "MIT"}
    assert dp["build"]["pyarrow"] and dp["build"]["polars"]
    sources = pl.read_parquet(folder / "sources.parquet")
    archived = {s["source_id"]: s["sha256"] for s in dp["sources"] if "sha256" in s}
    if "kind" in sources.columns:  # every source is listed; archived ones with their sha256
        listed = {s["source_id"] for s in dp["sources"] if "source_id" in s}
        assert listed == set(sources["source_id"])
        sources = sources.filter(pl.col("kind") == "archived")
    assert archived == dict(zip(sources["source_id"], sources["sha256"], strict=True))
    assert len(parquet_resources(folder)) == 6
    for r in dp["resources"]:
        data = (folder / r["path"]).read_bytes()
        if "bytes" in r:  # Parquet resources of newer releases declare none (frictionless)
            assert r["bytes"] == len(data)
        assert r["hash"] == "sha256:" + release.sha256(data)
        assert r["schema"]["primaryKey"]
        names = [f["name"] for f in r["schema"]["fields"]]
        if r["format"] == "parquet":
            assert r["path"] == f"{r['name']}.parquet"
            assert pq.read_schema(folder / r["path"]).names == names
        else:
            assert r["format"] == "csv" and r["name"].endswith("-csv")
            assert r["path"] == f"{r['name'].removesuffix('-csv')}.csv"
            assert data.decode("utf-8").split("\n", 1)[0].split(",") == names


# --- R-safe types --------------------------------------------------------------------------


def r_safe_problem(field: pa.Field) -> str | None:
    """Why R's arrow or nanoparquet would read this column with a surprise, if they would."""
    t = field.type
    if pa.types.is_dictionary(t):
        return None if pa.types.is_string(t.value_type) or pa.types.is_large_string(
            t.value_type) else f"dictionary of {t.value_type}"
    if pa.types.is_unsigned_integer(t):
        return f"unsigned integer {t}"
    if pa.types.is_nested(t):
        return f"nested type {t}"
    if pa.types.is_timestamp(t):
        return None if t.tz == "UTC" else f"timestamp not in UTC ({t})"
    if pa.types.is_date(t):
        return None if pa.types.is_date32(t) else f"{t} (dates must be date32)"
    ok = (pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_boolean(t)
          or pa.types.is_int32(t) or pa.types.is_int64(t) or pa.types.is_float64(t))
    return None if ok else f"type {t}"


@pytest.mark.parametrize("folder", FOLDERS)
def test_parquet_types_are_r_safe(folder: Path | str) -> None:
    folder = resolve(folder)
    for path in parquet_files(folder):
        meta = pq.ParquetFile(path)
        problems = [f"{path.name}.{f.name}: {why}" for f in meta.schema_arrow
                    if (why := r_safe_problem(f))]
        assert problems == []
        for i in range(meta.metadata.num_columns):
            col = meta.schema.column(i)
            assert col.max_repetition_level == 0, f"{path.name}.{col.name} is repeated"
            assert col.physical_type != "INT96", f"{path.name}.{col.name} is INT96"
        for rg in range(meta.metadata.num_row_groups):
            for i in range(meta.metadata.num_columns):
                chunk = meta.metadata.row_group(rg).column(i)
                assert chunk.compression == "ZSTD", f"{path.name}: {chunk.compression}"


@pytest.mark.parametrize("folder", FOLDERS)
def test_rows_are_sorted_by_primary_key_and_keys_unique(folder: Path | str) -> None:
    folder = resolve(folder)
    for r in parquet_resources(folder):
        df = pl.read_parquet(folder / r["path"])
        pk = r["schema"]["primaryKey"]
        assert df.equals(df.sort(pk)), r["name"]
        assert df.select(pk).is_unique().all(), r["name"]


# --- four readers ---------------------------------------------------------------------------


def _plain(v: Any) -> Any:
    return v.isoformat() if isinstance(v, dt.date) else v


def rows_polars(path: Path) -> tuple[list[str], list[tuple[Any, ...]]]:
    df = pl.read_parquet(path)
    return df.columns, [tuple(r) for r in df.rows()]


def rows_pyarrow(path: Path) -> tuple[list[str], list[tuple[Any, ...]]]:
    t = pq.read_table(path)
    return t.column_names, [tuple(r.values()) for r in t.to_pylist()]


def rows_duckdb(path: Path) -> tuple[list[str], list[tuple[Any, ...]]]:
    with duckdb.connect() as con:
        cur = con.execute("SELECT * FROM read_parquet(?)", [str(path)])
        names = [d[0] for d in cur.description]
        return names, [tuple(r) for r in cur.fetchall()]


@pytest.mark.parametrize("folder", FOLDERS)
def test_polars_pyarrow_and_duckdb_read_identical_values(folder: Path | str) -> None:
    folder = resolve(folder)
    for path in parquet_files(folder):
        a, b, c = rows_polars(path), rows_pyarrow(path), rows_duckdb(path)
        assert a == b, f"{path.name}: polars and pyarrow differ"
        assert a == c, f"{path.name}: polars and DuckDB differ"
        assert a[1], f"{path.name} is empty"
        # Same Python types, too (a date is a date, a count an int).
        for row_a, row_c in zip(a[1], c[1], strict=True):
            assert [type(x) for x in row_a] == [type(x) for x in row_c]


@pytest.mark.parametrize("folder", FOLDERS)
def test_hyparquet_reads_identical_values(folder: Path | str) -> None:
    """hyparquet: a pure-JavaScript Parquet reader (with its zstd decompressor) that shares
    no code with Arrow, run by Node.js."""
    node = node_or_skip()
    folder = resolve(folder)
    paths = parquet_files(folder)
    out = run(node, JS / "read_parquet.mjs", *paths, cwd=JS, timeout=120)
    assert out.returncode == 0, out.stderr
    read = json.loads(out.stdout)
    for path in paths:
        names, rows = rows_polars(path)
        got = read[str(path)]
        assert got["columns"] == names
        assert [tuple(r) for r in got["rows"]] == [tuple(_plain(v) for v in r) for r in rows]


# --- an independent validator ---------------------------------------------------------------


def frictionless(*args: str | Path, cwd: Path) -> Any:
    return run(sys.executable, "-m", "frictionless", "validate", *args, cwd=cwd, timeout=300)


@pytest.mark.parametrize("folder", FOLDERS)
def test_frictionless_accepts_the_descriptor(folder: Path | str) -> None:
    """Every release's datapackage.json against frictionless's Data Package profile and its
    own checks of each resource and table schema (field types, keys), without the rows."""
    descriptor = datapackage(resolve(folder))
    errors = [f"{e.type}: {e.note}" for e in Package.metadata_validate(descriptor)]
    assert errors == []


@pytest.mark.parametrize("folder", newest_release_folders())
def test_frictionless_validates_the_release(folder: Path | str) -> None:
    """`frictionless validate` checks the descriptor against the Data Package v2 profile and
    every row against its table schema: types, required, unique, patterns, enums, primary
    and foreign keys. Its Parquet reader takes a minute or more a release (a pandas
    conversion per row, each foreign key's table read again), so it runs on the candidate
    and the newest release; each older one ran it while it was the newest, and its files
    are still those (the hash test above).

    Releases before CSV was added declared `bytes` on their Parquet resources, which
    frictionless never measures (it reads Parquet through pyarrow and pandas): it reports
    each as differing from "None" and skips the hash. That is the only error allowed;
    `gsi-events verify` and the tests above check sizes and hashes."""
    folder = resolve(folder)
    out = frictionless("--json", "datapackage.json", cwd=folder)
    report = json.loads(out.stdout)
    errors = list(report.get("errors", []))
    for task in report["tasks"]:
        errors += task["errors"]
    unexpected = [e for e in errors
                  if not (e["type"] == "byte-count" and e["note"].endswith('actual is "None"'))]
    assert unexpected == []
    assert len(report["tasks"]) == len(datapackage(folder)["resources"])
    # So `frictionless validate --skip-errors byte-count datapackage.json` passes: it is
    # this validation with the byte-count errors left out, failing on any other error.
    # (Each validation reads every row of every table, minutes for a published release:
    # the command itself is run once, on the candidate, below.)
    assert [e for e in errors if e["type"] != "byte-count"] == []


def test_frictionless_skip_errors_command_passes() -> None:
    """The by-hand command, as such, exits 0 (on the candidate release)."""
    out = frictionless("--skip-errors", "byte-count", "datapackage.json",
                       cwd=resolve("candidate"))
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]
