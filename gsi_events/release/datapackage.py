"""datapackage.json, derived: schemas/datapackage.yaml (the package's metadata) plus the
table schemas beside it, as a Frictionless Data Package v2 descriptor.

The table schemas are used as written, with two additions for other tools:
- `constraints.enum` from each field's `categories`;
- `missingValues: ["", "nan"]` on optional integer fields. Parquet has real nulls, but the
  `frictionless` validator reads Parquet through pandas, where a missing integer becomes
  the float NaN; without this it reports every such null as a type error.
The non-standard keys (`rules`, `codelist`, `derived`, `merge`, extra attributes of
categories, ...) are kept: Frictionless allows custom properties, and `frictionless
validate` accepts them (tests/test_datapackage.py checks it).

Imports only the standard library and gsi_events.compile.schema: `gsi_events.load()` never
comes here.
"""

from __future__ import annotations

import copy
import datetime as dt
from typing import Any

from gsi_events import paths
from gsi_events.compile import schema
from gsi_events.loading import sha256

PROFILE = "https://datapackage.org/profiles/2.0/datapackage.json"
PARQUET_MEDIATYPE = "application/vnd.apache.parquet"
METADATA_FILE = "datapackage.yaml"
NAN_MISSING = ["", "nan"]


def package_metadata() -> dict[str, Any]:
    """schemas/datapackage.yaml as read."""
    return schema.read_descriptor(paths.schema_dir() / METADATA_FILE)


def jsonable(value: Any) -> Any:
    """YAML values as JSON values: dates as ISO strings, folded text on one line."""
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, str):
        return " ".join(value.split()) if "\n" in value else value
    return value


def field_descriptor(d: dict[str, Any]) -> dict[str, Any]:
    f = jsonable(copy.deepcopy(d))
    for key in ("description", "title"):
        if isinstance(f.get(key), str):
            f[key] = " ".join(f[key].split())
    for c in f.get("categories") or ():
        if isinstance(c, dict) and isinstance(c.get("label"), str):
            c["label"] = " ".join(c["label"].split())
    constraints = f.setdefault("constraints", {})
    if f.get("categories"):
        values = [c["value"] if isinstance(c, dict) else c for c in f["categories"]]
        if f.get("type", "string") == "string":
            values = [str(v) for v in values]
        constraints["enum"] = values
    if not constraints:
        del f["constraints"]
    if f.get("type") == "integer" and not constraints.get("required"):
        f["missingValues"] = list(NAN_MISSING)
    return f


def table_schema(name: str) -> dict[str, Any]:
    """The Table Schema of one table, as it goes into datapackage.json."""
    d = schema.table(name).descriptor
    out: dict[str, Any] = {"fields": [field_descriptor(f) for f in d["fields"]]}
    for key in ("primaryKey", "foreignKeys", "rules"):
        if d.get(key):
            out[key] = jsonable(copy.deepcopy(d[key]))
    return out


def resource(name: str, path: str, data: bytes) -> dict[str, Any]:
    """A table's Parquet file. No `bytes`: frictionless reads Parquet through pandas and
    never measures it, so a declared size always fails its check; `gsi-events verify` and
    `load()` check the sha256 `hash` (and SHA256SUMS) instead."""
    t = schema.table(name)
    return {
        "name": name,
        "type": "table",
        "path": path,
        "format": "parquet",
        "mediatype": PARQUET_MEDIATYPE,
        "hash": "sha256:" + sha256(data),
        "title": t.title,
        "description": t.description,
        "schema": table_schema(name),
    }


CSV_SUFFIX = "-csv"


def csv_resource(name: str, path: str, data: bytes) -> dict[str, Any]:
    """The same table as CSV (resource `<table>-csv`), with its size and sha256, which
    frictionless checks, and foreign keys to the other CSV resources."""
    t = schema.table(name)
    table = table_schema(name)
    for fk in table.get("foreignKeys", []):
        fk["reference"]["resource"] += CSV_SUFFIX
    return {
        "name": name + CSV_SUFFIX,
        "type": "table",
        "path": path,
        "format": "csv",
        "mediatype": "text/csv",
        "encoding": "utf-8",
        "dialect": {"header": True, "delimiter": ",", "lineTerminator": "\n",
                    "quoteChar": '"'},
        "bytes": len(data),
        "hash": "sha256:" + sha256(data),
        "title": f"{t.title} (CSV)",
        "description": f"{t.description} The same rows as {name}.parquet, as CSV: UTF-8, ISO "
                       "dates, empty for missing, booleans as true/false.",
        "schema": {**table, "missingValues": [""]},
    }


def source_entries(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One `sources` entry per source, shaped like OWID's Origin (producer, url, dates, a
    full citation) inside a Frictionless source (title, path): what was coded, where it
    was found and, for an archived text, its sha256 and size."""
    out = []
    for r in sorted(rows, key=lambda r: r["source_id"]):
        title = f"{r['source_id']}: {r['publisher']}"
        if r.get("title"):
            title += f", {r['title']}"
        published = (str(r["published_start"]) if r.get("published_precision") == "day"
                     else f"{r.get('published_start')}..{r.get('published_end')}"
                     if r.get("published_start") else None)
        entry: dict[str, Any] = {
            "title": title, "path": r["url"], "source_id": r["source_id"],
            "kind": r.get("kind"), "producer": r["publisher"],
            "date_published": published, "date_accessed": _iso(r.get("date_accessed")),
            "citation_full": citation(r),
        }
        if r.get("kind") != "cited":
            entry |= {"sha256": r.get("sha256"), "bytes": r.get("bytes")}
        out.append({k: v for k, v in entry.items() if v is not None})
    return out


def _iso(value: Any) -> str | None:
    return None if value is None else str(value)


def citation(r: dict[str, Any]) -> str:
    """The source as a reference: author, title, publisher, date, address."""
    parts = [r.get("author"), f"\u201c{r['title']}\u201d" if r.get("title") else None,
             r["publisher"] + (f" (via {r['via']})" if r.get("via") else "")]
    if r.get("published_precision") == "day":
        parts.append(str(r["published_start"]))
    elif r.get("published_start"):
        parts.append(f"{r['published_start']}..{r['published_end']}")
    parts.append(r["url"])
    if r.get("date_accessed"):
        parts.append(f"accessed {r['date_accessed']}")
    return ", ".join(p for p in parts if p) + "."


def descriptor(resources: list[dict[str, Any]], *, sources: list[dict[str, Any]],
               build: dict[str, Any], version: str | None = None,
               created: str | None = None, quality: dict[str, Any] | None = None,
               ) -> dict[str, Any]:
    """The whole datapackage.json. Without version and created (a plain `gsi-events build`)
    it holds nothing that changes from run to run."""
    meta = jsonable(package_metadata())
    out: dict[str, Any] = {"$schema": PROFILE, "name": meta["name"]}
    if version is not None:
        out["version"] = version
    for key in ("title", "description", "homepage", "keywords"):
        if meta.get(key):
            out[key] = meta[key]
    if created is not None:
        out["created"] = created
    for key in ("licenses", "contributors"):
        out[key] = meta[key]
    out["sources"] = list(meta.get("sources") or []) + sources
    out["resources"] = resources
    out["build"] = build
    # Room for data-quality figures (inter-coder agreement, added by `gsi_events.coders.agreement`
    # when it reports them): an object, empty until then.
    out["quality"] = quality or {}
    return out
