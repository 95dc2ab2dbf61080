"""sources -> coding -> tables -> validation: the whole compile step in one call."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from gsi_events.compile.collector import collections_paused
from gsi_events.compile.crossfile import conflicting_reports
from gsi_events.compile.merge import Tables, build_tables
from gsi_events.compile.read import Repository, SourceRecord
from gsi_events.compile.repository import read_repository
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


def compile_repository(root: Path, coding_files: Sequence[Path] | None = None,
                       source_ids: Iterable[str] | None = None) -> Compiled:
    """Read, merge and validate everything below root (only `coding_files` and the
    source records `source_ids` when given). Writes nothing but the parse cache."""
    with collections_paused():
        return compile_read(read_repository(root, coding_files, source_ids=source_ids))


def compile_read(repo: Repository) -> Compiled:
    """Merge and validate what was read: the tables, and every report on its own."""
    with collections_paused():
        tables = build_tables(repo)
        problems = (repo.problems + table_problems(repo, tables)
                    + report_problems(repo, tables))
        return Compiled(repo=repo, tables=tables, problems=sorted(set(problems)))


def table_problems(repo: Repository, tables: Tables) -> list[Problem]:
    """The problems of the tables built from `repo` (by build_tables; the tests break a
    table rule by editing them in between)."""
    return validate_tables(tables.frames, tables.provenance, _archive(repo))


def report_problems(repo: Repository, tables: Tables) -> list[Problem]:
    """The problems of each report on its own, and of a report against its event's
    canonical values."""
    problems = validate_reports(repo.reports, tables.frames, repo.rejected_reports,
                                _archive(repo))
    canonical = {row["event_id"]: row for row in tables["events"].select(
        "event_id", "action", "status", "primary_source_id").iter_rows(named=True)}
    return problems + conflicting_reports(repo.reports, canonical)


def _archive(repo: Repository) -> dict[str, SourceRecord]:
    return {s.source_id: s for s in repo.sources}


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
