"""Tables back to hand-written files: coding files and source records.

The inverse of the build where the tables allow one. A coding file holds one source's
report of each event; the tables hold each event's canonical reading, merged from every
source that reports it. So:

* an event reported by **one** source is exported exactly: its fields, participants,
  links and quotes, in that source's coding file, and building the exported files gives
  the same tables again (`tests/test_properties.py` checks this for generated data);
* an event reported by **several** sources cannot be: the other sources' readings survive
  only as text in `discrepancies`, and the canonical values may come from several
  reports. `coding_files` refuses such tables (`ExportError`, naming the events) rather
  than attribute merged values to one source.

What the tables do not hold is not exported: comments, the coder's name (pass `coder`),
`canonical:` marks, and a report's link order (links come out sorted).

Files are written with `gsi_events.compile.yamlio.dump_yaml`, the one YAML writer, beside
the reader that reads them back.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import polars as pl

from gsi_events.compile import schema
from gsi_events.compile.yamlio import dump_yaml
from gsi_events.errors import ExportError


def _coded(table: str, row: Mapping[str, Any]) -> dict[str, Any]:
    """The row's coded fields under their coding-file keys, empty ones left out; lists
    kept as one string (`a;b`) are written as YAML lists."""
    out: dict[str, Any] = {}
    for f in schema.table(table).coded_fields:
        value = row.get(f.name)
        if value is None:
            continue
        if f.separator and isinstance(value, str):
            value = value.split(f.separator)
        out[f.key] = value
    return out


def _frames(tables: Any) -> Mapping[str, pl.DataFrame]:
    return tables.frames if hasattr(tables, "frames") else tables


def coding_files(tables: Any, coder: str = "export") -> dict[str, dict[str, Any]]:
    """source_id -> the coding file (as a mapping) holding that source's reports.

    `tables` is a `gsi_events.compile.merge.Tables` or a mapping of table name to DataFrame.
    Raises ExportError when an event has more than one source (see the module's doc).
    """
    frames = _frames(tables)
    events = frames["events"]
    multi = events.filter(pl.col("n_sources") > 1)["event_id"].to_list()
    many = (frames["evidence"].group_by("event_id").agg(pl.col("source_id").n_unique())
            .filter(pl.col("source_id") > 1)["event_id"].to_list())
    several = sorted({*multi, *many})
    if several:
        raise ExportError(
            f"{len(several)} event(s) have several sources and only their canonical reading "
            f"is in the tables: {', '.join(several[:10])}{' ...' if len(several) > 10 else ''}")
    by_event: dict[str, dict[str, list[dict[str, Any]]]] = {}
    for name in ("participants", "event_links", "evidence"):
        order = {"participants": ["event_id", "participant_no"],
                 "event_links": ["event_id", "relation", "target_event_id"],
                 "evidence": ["event_id", "quote_no"]}[name]
        for row in frames[name].sort(order).iter_rows(named=True):
            by_event.setdefault(row["event_id"], {}).setdefault(name, []).append(row)
    files: dict[str, dict[str, Any]] = {}
    for event in events.sort("event_id").iter_rows(named=True):
        parts = by_event.get(event["event_id"], {})
        report: dict[str, Any] = {"event": event["event_id"], **_coded("events", event)}
        report["participants"] = [_coded("participants", p)
                                  for p in parts.get("participants", [])]
        links = [_coded("event_links", x) for x in parts.get("event_links", [])]
        if links:
            report["links"] = links
        report["quotes"] = [_coded("evidence", q) for q in parts.get("evidence", [])]
        source = event["primary_source_id"]
        files.setdefault(source, {"source": source, "coder": coder, "events": []})
        files[source]["events"].append(report)
    return files


def source_records(tables: Any) -> dict[str, dict[str, Any]]:
    """source_id -> the source record (archive/src-NNNN.yaml) as a mapping."""
    return {row["source_id"]: _coded("sources", row)
            for row in _frames(tables)["sources"].sort("source_id").iter_rows(named=True)}


def write_coding_files(tables: Any, root: Path, coder: str = "export") -> list[Path]:
    """Write coding/src-NNNN.yaml under root for every source with events; the paths."""
    written = []
    for source, data in sorted(coding_files(tables, coder).items()):
        path = root / "coding" / f"{source}.yaml"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(dump_yaml(data), encoding="utf-8")
        written.append(path)
    return written
