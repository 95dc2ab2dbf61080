"""sources -> coding -> tables -> validation: the whole compile step in one call."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from gsi_events.compile.merge import Tables, build_tables
from gsi_events.compile.read import Repository, conflicting_reports, read_repository
from gsi_events.compile.validate.run import validate_reports, validate_tables
from gsi_events.problems import Problem


@dataclass
class Compiled:
    repo: Repository
    tables: Tables
    problems: list[Problem]

    @property
    def ok(self) -> bool:
        return not self.problems


def compile_repository(root: Path, coding_files: Sequence[Path] | None = None) -> Compiled:
    """Read, merge and validate everything below root. Writes nothing."""
    repo = read_repository(root, coding_files)
    tables = build_tables(repo)
    archive = {s.source_id: s for s in repo.sources}
    problems = repo.problems + validate_tables(tables.frames, tables.provenance, archive)
    problems += validate_reports(repo.reports, tables.frames, repo.rejected_reports, archive)
    canonical = {row["event_id"]: row for row in tables["events"].select(
        "event_id", "action", "status", "primary_source_id").iter_rows(named=True)}
    problems += conflicting_reports(repo.reports, canonical)
    return Compiled(repo=repo, tables=tables, problems=sorted(set(problems)))


def summary(tables: Tables) -> str:
    events = tables["events"]
    by_action = Counter(events["action"].to_list())
    by_status = Counter(events["status"].to_list())
    fmt = lambda c: ", ".join(f"{k} {v}" for k, v in sorted(c.items()))  # noqa: E731
    return (
        f"{tables['sources'].height} sources, {events.height} events, "
        f"{tables['evidence'].height} quotes, {tables['discrepancies'].height} discrepancies.\n"
        f"By action: {fmt(by_action)}.\nBy status: {fmt(by_status)}."
    )
