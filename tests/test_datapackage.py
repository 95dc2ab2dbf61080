"""datapackage.json derived from schemas/: what is added, what is kept, and that an
independent validator both accepts it and catches a broken foreign key."""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

import polars as pl
import pyarrow.parquet as pq
import pytest
from _release_support import candidate, run, writable_copy
from frictionless import Package

from gsi_events.compile import schema
from gsi_events.release import datapackage


def test_package_metadata() -> None:
    meta = datapackage.package_metadata()
    for key in ("name", "title", "description", "licenses", "contributors", "sources"):
        assert meta.get(key), key
    assert [x["name"] for x in meta["licenses"]] == ["CC-BY-4.0", "MIT"]


@pytest.mark.parametrize("table", schema.TABLES)
def test_table_schema_is_derived_from_schemas(table: str) -> None:
    t = schema.table(table)
    derived = datapackage.table_schema(table)
    assert derived["primaryKey"] == list(t.primary_key)
    assert [fk["reference"]["resource"] for fk in derived.get("foreignKeys", [])] == [
        fk.resource for fk in t.foreign_keys]
    assert [f["name"] for f in derived["fields"]] == list(t.field_names)
    for f, raw, d in zip(t.fields, t.descriptor["fields"], derived["fields"], strict=True):
        assert d["type"] == f.type
        if f.categories:
            assert d["constraints"]["enum"] == list(f.values)
            assert [c["value"] for c in d["categories"]] == list(f.values)
        else:
            assert "enum" not in d.get("constraints", {})
        assert ("missingValues" in d) == (f.type == "integer" and not f.required)
        # Every key of the schema is kept (frictionless accepts the custom ones).
        assert set(raw) <= set(d)
    json.dumps(derived)  # plain JSON: no dates or other YAML-only values


def test_frictionless_catches_a_broken_foreign_key(tmp_path: Path) -> None:
    folder = writable_copy(candidate() / "v0.1.0", tmp_path / "v0.1.0")
    path = folder / "events.parquet"
    original = pq.read_table(path)
    df = pl.from_arrow(original)
    broken = df.with_columns(primary_source_id=pl.when(pl.int_range(pl.len()) == 0)
                             .then(pl.lit("src-9999")).otherwise("primary_source_id"))
    pq.write_table(broken.to_arrow().cast(original.schema), path, compression="zstd")
    dp = json.loads((folder / "datapackage.json").read_text())
    res = next(r for r in dp["resources"] if r["name"] == "events")
    res["bytes"] = path.stat().st_size
    res["hash"] = "sha256:" + hashlib.sha256(path.read_bytes()).hexdigest()
    (folder / "datapackage.json").write_text(json.dumps(dp))
    out = run(sys.executable, "-m", "frictionless", "validate", "--json", "--skip-errors",
              "byte-count", "datapackage.json", cwd=folder, timeout=300)
    report = json.loads(out.stdout)
    errors = [(t["name"], e["type"]) for t in report["tasks"] for e in t["errors"]]
    assert errors == [("events", "foreign-key")]


def test_frictionless_descriptor_check_catches_a_bad_schema() -> None:
    """The descriptor-only check run on every published release is not vacuous: a primary
    key naming no field, and an enum that is not a list, are each reported."""
    dp = json.loads((candidate() / "v0.1.0" / "datapackage.json").read_text())
    assert list(Package.metadata_validate(dp)) == []
    dp["resources"][0]["schema"]["primaryKey"] = ["no_such_field"]
    dp["resources"][1]["schema"]["fields"][0]["constraints"] = {"enum": "x"}
    assert sorted(e.type for e in Package.metadata_validate(dp)) == ["field-error",
                                                                      "schema-error"]
