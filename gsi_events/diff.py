"""What changed between two releases (or a release and a build), as data.

`compare_releases` gives a JSON-ready dict: per table, the rows added and removed (by primary key)
and the rows changed, with the fields that changed and their values before and after; the
schema and metadata changes; and the version bump the Frictionless data-package-version
recipe asks for:

- major: the schema changed incompatibly (a table or field removed, renamed, reordered or
  retyped; a key changed; a constraint made stricter), or rows removed that other tables
  refer to;
- minor: data added (rows, a table), or the schema relaxed (e.g. a category allowed);
- patch: data corrected (rows changed, or removed where nothing refers to them), or
  descriptive metadata changed.

(https://datapackage.org/recipes/data-package-version/)

Imports polars and the standard library only.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

BUMPS = ("patch", "minor", "major")  # in increasing order


def _json(value: Any) -> Any:
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    return value


def table_diff(pk: list[str], old: Any, new: Any) -> dict[str, Any]:
    """Rows added, removed and changed between two polars DataFrames keyed by pk."""
    import polars as pl

    out: dict[str, Any] = {"primary_key": list(pk), "rows_before": 0 if old is None else
                           old.height, "rows_after": new.height,
                           "added": [], "removed": [], "changed": []}
    if old is None:
        out["added"] = [{k: _json(v) for k, v in r.items()} for r in new.select(pk).to_dicts()]
        return out
    keys_old, keys_new = old.select(pk), new.select(pk)
    if dict(keys_old.schema) != dict(keys_new.schema):
        keys_old = keys_old.cast(pl.String)
        keys_new = keys_new.cast(pl.String)
        old = old.with_columns(keys_old)
        new = new.with_columns(keys_new)
    # Primary keys are never null (validation requires them), so plain joins match them.
    added = new.join(old.select(pk), on=pk, how="anti").select(pk).sort(pk)
    removed = old.join(new.select(pk), on=pk, how="anti").select(pk).sort(pk)
    out["added"] = [{k: _json(v) for k, v in r.items()} for r in added.to_dicts()]
    out["removed"] = [{k: _json(v) for k, v in r.items()} for r in removed.to_dicts()]
    common = [c for c in new.columns if c in old.columns and c not in pk]
    if common:
        both = new.join(old, on=pk, how="inner", suffix="__before").sort(pk)
        exprs = []
        for c in common:
            a, b = pl.col(c), pl.col(f"{c}__before")
            if new.schema[c] != old.schema[c]:
                a, b = a.cast(pl.String), b.cast(pl.String)
            exprs.append(a.ne_missing(b).alias(f"{c}__changed"))
        flags = both.with_columns(exprs)
        for row in flags.filter(pl.any_horizontal(pl.col("^.*__changed$"))).to_dicts():
            fields = [c for c in common if row[f"{c}__changed"]]
            out["changed"].append({
                "key": {k: _json(row[k]) for k in pk},
                "fields": fields,
                "before": {c: _json(row[f"{c}__before"]) for c in fields},
                "after": {c: _json(row[c]) for c in fields},
            })
    return out


# --- schema and metadata ---------------------------------------------------------------

DESCRIPTIVE = ("title", "description", "example", "categories")
STRUCTURAL = ("type", "format")


def _constraint_changes(where: str, old: dict[str, Any], new: dict[str, Any],
                        out: dict[str, list[str]]) -> None:
    for key in sorted(set(old) | set(new)):
        a, b = old.get(key), new.get(key)
        if a == b:
            continue
        if key == "enum" and a is not None and b is not None:
            gone, come = set(a) - set(b), set(b) - set(a)
            if gone:
                out["major"].append(f"{where}: values no longer allowed: {sorted(gone)}")
            if come:
                out["minor"].append(f"{where}: values newly allowed: {sorted(come)}")
        elif key == "required" and not b:
            out["minor"].append(f"{where}: no longer required")
        elif key == "enum" and b is None:
            out["minor"].append(f"{where}: no longer restricted to a list of values")
        else:
            out["major"].append(f"{where}: constraint {key} changed from {a!r} to {b!r}")


def schema_changes(old_dp: dict[str, Any] | None, new_dp: dict[str, Any]
                   ) -> dict[str, list[str]]:
    """Differences between two datapackage.json descriptors, sorted into major, minor and
    patch changes (data rows aside)."""
    out: dict[str, list[str]] = {"major": [], "minor": [], "patch": []}
    if old_dp is None:
        return out
    old_res = {r["name"]: r for r in old_dp.get("resources", [])}
    new_res = {r["name"]: r for r in new_dp.get("resources", [])}
    for name in sorted(set(old_res) - set(new_res)):
        out["major"].append(f"table {name} removed")
    for name in sorted(set(new_res) - set(old_res)):
        out["minor"].append(f"table {name} added")
    for name in [n for n in old_res if n in new_res]:
        a, b = old_res[name].get("schema", {}), new_res[name].get("schema", {})
        fa = {f["name"]: f for f in a.get("fields", [])}
        fb = {f["name"]: f for f in b.get("fields", [])}
        if list(fa) != list(fb):
            gone = [f for f in fa if f not in fb]
            come = [f for f in fb if f not in fa]
            what = "; ".join(x for x in (
                f"removed {gone}" if gone else "", f"added {come}" if come else "",
                "reordered" if not gone and not come else "") if x)
            out["major"].append(f"{name}: fields {what}")
        for key in ("primaryKey", "foreignKeys"):
            if a.get(key) != b.get(key):
                out["major"].append(f"{name}: {key} changed")
        if a.get("rules") != b.get("rules"):
            out["patch"].append(f"{name}: rules reworded or changed")
        for fname in [f for f in fa if f in fb]:
            x, y = fa[fname], fb[fname]
            where = f"{name}.{fname}"
            for key in STRUCTURAL:
                if x.get(key) != y.get(key):
                    out["major"].append(f"{where}: {key} changed from {x.get(key)!r} "
                                        f"to {y.get(key)!r}")
            _constraint_changes(where, x.get("constraints") or {}, y.get("constraints") or {},
                                out)
            rest = {k for k in set(x) | set(y) if k not in (*STRUCTURAL, "constraints")}
            if any(x.get(k) != y.get(k) for k in rest):
                out["patch"].append(f"{where}: description or other metadata changed")
        for key in ("title", "description"):
            if old_res[name].get(key) != new_res[name].get(key):
                out["patch"].append(f"{name}: {key} changed")
    for key in ("name", "title", "description", "keywords", "licenses", "contributors",
                "homepage", "quality"):
        if old_dp.get(key) != new_dp.get(key):
            out["patch"].append(f"package {key} changed")
    old_build, new_build = old_dp.get("build") or {}, new_dp.get("build") or {}
    for key in ("pyarrow", "parquet"):
        if old_build.get(key) != new_build.get(key):
            out["patch"].append(f"Parquet writer changed ({key}: {old_build.get(key)} -> "
                                f"{new_build.get(key)})")
    return out


def data_changes(tables: dict[str, Any], new_dp: dict[str, Any], *, first: bool = False
                 ) -> dict[str, list[str]]:
    """Row changes sorted into major, minor and patch changes, as the recipe sorts them:
    rows added are minor; rows corrected or removed are a patch, except rows removed from a
    table other tables refer to by foreign key (deleting referenced data is major)."""
    out: dict[str, list[str]] = {"major": [], "minor": [], "patch": []}
    if first:
        return out
    referenced = {fk["reference"]["resource"] for r in new_dp.get("resources", [])
                  for fk in r.get("schema", {}).get("foreignKeys") or []}
    for name, t in tables.items():
        removed = t["rows_before"] if t["removed"] == "all" else len(t["removed"])
        if t["added"]:
            out["minor"].append(f"{name}: {len(t['added'])} rows added")
        if removed:
            level = "major" if name in referenced else "patch"
            why = " that other tables refer to" if name in referenced else ""
            out[level].append(f"{name}: {removed} rows removed{why}")
        if t["changed"]:
            out["patch"].append(f"{name}: {len(t['changed'])} rows corrected")
    return out


def compare_releases(old_tables: dict[str, Any] | None, new_tables: dict[str, Any],
            old_dp: dict[str, Any] | None, new_dp: dict[str, Any]) -> dict[str, Any]:
    """The whole diff between two releases (old_* None: the first release)."""
    tables: dict[str, Any] = {}
    pks = {r["name"]: list(r.get("schema", {}).get("primaryKey") or [])
           for r in new_dp["resources"]}
    for name, new in new_tables.items():
        old = None if old_tables is None else old_tables.get(name)
        pk = pks.get(name) or list(new.columns)
        if old is not None and not set(pk) <= set(old.columns):
            old = None  # the key itself changed: every row is new (a major change anyway)
        tables[name] = table_diff(pk, old, new)
    for name in sorted(set(old_tables or {}) - set(new_tables)):
        old = (old_tables or {})[name]
        tables[name] = {"primary_key": [], "rows_before": old.height, "rows_after": 0,
                        "added": [], "removed": "all", "changed": []}
    first = old_dp is None
    schema = schema_changes(old_dp, new_dp)
    data = data_changes(tables, new_dp, first=first)
    return {"from": None if first else old_dp.get("version"),  # type: ignore[union-attr]
            "to": new_dp.get("version"),
            "required_bump": required_bump(schema, data, first=first),
            "schema": schema, "data": data, "tables": tables}


def required_bump(schema: dict[str, list[str]], data: dict[str, list[str]], *,
                  first: bool = False) -> str | None:
    """The smallest version bump the recipe allows; None when nothing changed."""
    if first:
        return "minor"
    for level in ("major", "minor", "patch"):
        if schema[level] or data[level]:
            return level
    return None


def bump_between(old: str, new: str) -> str | None:
    """major, minor or patch: which part of the version went up; None if it did not."""
    from gsi_events.loading import version_key

    a, b = version_key(old), version_key(new)
    if b <= a:
        return None
    return "major" if b[0] > a[0] else "minor" if b[1] > a[1] else "patch"


def render_diff(d: dict[str, Any], *, limit: int = 20) -> str:
    """The diff in a few plain lines (for CHANGES.md and `gsi-events diff`)."""
    lines = []
    if d["from"] is None:
        lines.append("No earlier release: every row is new.")
    else:
        lines.append(f"Changes from {d['from']} to {d['to'] or 'this build'} "
                     f"(the recipe asks for at least a {d['required_bump'] or 'no'} bump).")
    for name, t in d["tables"].items():
        removed = t["removed"]
        n_removed = t["rows_before"] if removed == "all" else len(removed)
        counts = (f"{t['rows_after']} rows: {len(t['added'])} added, {n_removed} removed, "
                  f"{len(t['changed'])} changed")
        lines.append(f"- {name}: {counts}")
        if d["from"] is None:
            continue
        for label, rows in (("added", t["added"]), ("removed", [] if removed == "all"
                                                     else removed)):
            if rows:
                keys = [", ".join(str(v) for v in r.values()) for r in rows]
                more = f" and {len(keys) - limit} more" if len(keys) > limit else ""
                lines.append(f"  - {label}: {'; '.join(keys[:limit])}{more}")
        for c in t["changed"][:limit]:
            key = ", ".join(str(v) for v in c["key"].values())
            lines.append(f"  - changed {key}: {', '.join(c['fields'])}")
        if len(t["changed"]) > limit:
            lines.append(f"  - ... and {len(t['changed']) - limit} more changed rows")
    for level in ("major", "minor", "patch"):
        for s in d["schema"][level]:
            lines.append(f"- schema ({level}): {s}")
    return "\n".join(lines)
