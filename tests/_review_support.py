"""Small hand-made repositories for the review tests (finding events, probable
duplicates, conflicting reports): cited sources, whose evidence is a note, so that no
archived text is needed. Built in a tmp folder with the checkout's schemas/ only; never
the repository's own data."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path
from typing import Any

from gsi_events.compile.yamlio import dump_yaml

REPO = Path(__file__).resolve().parents[1]
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December")


def new_repo(root: Path) -> Path:
    """An empty checkout: schemas/ and docs/, empty archive/ and coding/."""
    shutil.copytree(REPO / "schemas", root / "schemas")
    shutil.copytree(REPO / "docs", root / "docs")
    (root / "archive").mkdir()
    (root / "coding").mkdir()
    return root


def source(root: Path, sid: str, source_type: str = "international_media",
           published: str = "2024-12-01") -> None:
    """A cited source record (no text kept)."""
    record = {
        "kind": "cited", "title": f"Test source {sid}", "publisher": "Test Times",
        "url": f"https://example.org/gsi-events/tests/{sid}",
        "published_start": published, "published_end": published,
        "published_precision": "day", "published_basis": "test fixture",
        "source_type": source_type, "language": "en", "date_accessed": "2026-12-01",
    }
    (root / "archive" / f"{sid}.yaml").write_text(dump_yaml(record), encoding="utf-8")


def report(event: str, action: str = "training_delivered", status: str = "completed",
           month: str | None = "2024-03", countries: tuple[str, ...] = ("SRB",),
           members: tuple[str, ...] = (), place: str | None = None,
           summary: str | None = None, **extra: Any) -> dict[str, Any]:
    """One valid report: China the actor, `countries` the targets, dated to a month (or
    undated with month=None), its evidence a note that says each value."""
    r: dict[str, Any] = {
        "event": event, "action": action, "status": status,
        "summary": summary or f"Test event {event}: {action} with {', '.join(countries)}.",
        "gsi_framing": "contextual", "umbrella": False,
    }
    note = f"The source reports {action} ({status})"
    supports = ["action", "status", "participants"]
    if month:
        year, m = (int(x) for x in month.split("-"))
        last = [31, 29 if year % 4 == 0 else 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1]
        r.update(date_start=dt.date(year, m, 1), date_end=dt.date(year, m, last),
                 date_precision="month")
        note += f" in {MONTHS[m - 1]} {year}"
        supports.append("date")
    else:
        r["date_precision"] = "unknown"
    if place:
        r.update(location_place=place)
        note += f" at {place}"
        supports.append("location")
    r.update(extra)
    parts: list[dict[str, Any]] = [{"role": "actor", "country": "CHN"}]
    parts += [{"role": "target", "country": c} for c in countries]
    if members:
        parts.append({"role": "target", "group_name": "a group of countries",
                      "group_members": list(members)})
    r["participants"] = parts
    r["evidence"] = [{"locator": "paragraph 1", "note": note + ".", "supports": supports}]
    return r


def coding(root: Path, sid: str, *reports: dict[str, Any], coder: str = "coder-test") -> Path:
    path = root / "coding" / f"{sid}.yaml"
    path.write_text(dump_yaml({"source": sid, "coder": coder, "events": list(reports)}),
                    encoding="utf-8")
    return path


def repo_with(root: Path, codings: dict[str, list[dict[str, Any]]],
              types: dict[str, str] | None = None) -> Path:
    """A checkout with one cited source per coding file: {source id: reports}."""
    new_repo(root)
    for sid, reports in codings.items():
        source(root, sid, (types or {}).get(sid, "international_media"))
        coding(root, sid, *reports)
    return root
