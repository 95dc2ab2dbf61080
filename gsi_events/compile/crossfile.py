"""Rules that span files but come before the tables (what the tables cannot show), and
the check of every report against its event's canonical values after them.

Run on everything read, whether from the files or from the parse cache: they read other
files' results, so no file's result alone can hold them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from gsi_events.compile import written
from gsi_events.compile.parse_rules import problem
from gsi_events.compile.read import (
    ARCHIVE_DIR,
    DISAGREEABLE,
    Coding,
    Report,
    Repository,
    item_label,
    record_label,
)
from gsi_events.problems import Problem


def evidence_wording(r: Report, language: str) -> list[Problem]:
    """Evidence that supports a count, a money value or a date says it in writing."""
    problems: list[Problem] = []
    counts = {r.fields.get(k) for k in ("count_best", "count_low", "count_high")} - {None}
    value = {r.fields.get("value_amount")} - {None}
    dated = r.fields.get("date_precision") not in (None, "unknown")
    for n, q in enumerate(r.quotes, 1):
        words = q.get("quote") or q.get("note")
        if not isinstance(words, str):
            continue
        supports = set(str(q.get("supports") or "").split(";"))
        missing = [aspect for aspect, wanted in (("count", counts), ("value", value))
                   if aspect in supports and wanted
                   and not written.has_number(words, wanted, language)]
        if "date" in supports and dated and not written.has_date(words, language):
            missing.append("date")
        if not missing:
            continue
        what = "quote" if q.get("quote") else "evidence"
        label = item_label(r.label, what, n, q.get("_line"))
        fix = ("quote the words that give it" if what == "quote"
               else "state it in the note")
        for aspect in missing:
            if aspect == "date":
                problems.append(problem("evidence.date_written", r.file, label, words=words,
                                        fix=fix))
                continue
            wanted = counts if aspect == "count" else value
            shown = ", ".join(f"{v:,}" for v in sorted(wanted))
            problems.append(problem("evidence.{aspect}_written", r.file, label,
                                    aspect=aspect, words=words, numbers=shown, fix=fix))
    return problems


# The wording problems of coding files: given each file, its source's language and
# whether its source is known, each file's problems (`coding_wording`, or those kept).
Wording = Callable[[list[tuple[Coding, str, bool]]], list[list[Problem]]]


def coding_wording(files: list[tuple[Coding, str, bool]]) -> list[list[Problem]]:
    """`evidence_wording` of each report of each coding file, in its source's language."""
    return [[p for r in [*c.reports, *c.rejected] for p in evidence_wording(r, language)]
            for c, language, _ in files]


def cross_file_problems(repo: Repository, wording: Wording = coding_wording) -> list[Problem]:
    """Rules that span files but come before the tables: what the tables cannot show.
    `wording`: how the coding files' wording problems are found (the parse cache keeps
    them: gsi_events.compile.repository)."""
    problems: list[Problem] = []
    known = {s.source_id for s in repo.sources}
    by_source: dict[str, str] = {}
    for c in repo.codings:
        if c.source_id not in known:  # no quote can be found: checked, but not tabled
            c.rejected, c.reports = [*c.rejected, *c.reports], []
        if c.source_id not in known and (repo.root / ARCHIVE_DIR / f"{c.source_id}.yaml").exists():
            continue  # the source record is broken; its own problems say why
        if c.source_id not in known:
            problems.append(problem("coding.unknown_source", c.file, "line 1",
                                    source=c.source_id,
                                    record=f"{ARCHIVE_DIR}/{c.source_id}.yaml"))
        if c.source_id in by_source:
            problems.append(problem("coding.source_twice", c.file, "line 1",
                                    source=c.source_id, file=by_source[c.source_id]))
        by_source[c.source_id] = c.file
        for r in [*c.reports, *c.rejected]:
            if r.event_id in repo.retired.get("events", set()):
                problems.append(problem("events.retired_id", c.file, r.label,
                                        event=r.event_id))
    for s in repo.sources:
        if s.source_id in repo.retired.get("sources", set()):
            problems.append(problem("sources.retired_id", s.file,
                                    record_label("source", s.source_id, s.line),
                                    source=s.source_id))
    sources = {s.source_id: s for s in repo.sources}
    files = []
    for c in repo.codings:
        source = sources.get(c.source_id)
        language = str(source.row.get("language") or "en") if source else "en"
        files.append((c, language, source is not None))
    for found in wording(files):
        problems += found
    canon: dict[str, list[Report]] = {}
    for r in repo.reports:
        if r.canonical:
            canon.setdefault(r.event_id, []).append(r)
    for event_id, reports in canon.items():
        if len(reports) > 1:
            for r in reports:
                problems.append(problem("events.canonical_once", r.file, r.label,
                                        n=len(reports), event=event_id))
    coded = {r.event_id for c in repo.codings for r in [*c.reports, *c.rejected]}
    for c in repo.codings:
        for r in [*c.reports, *c.rejected]:
            for other in sorted(set(r.distinct_from) - coded):
                why = (" (it is retired: coding/retired.yaml)"
                       if other in repo.retired.get("events", set()) else "")
                problems.append(problem("events.distinct_from.unknown_event", c.file, r.label,
                                        other=other, why=why))
    return problems


def conflicting_reports(reports: Iterable[Report], canonical: dict[str, dict[str, Any]]
                        ) -> list[Problem]:
    """A report whose action or status differs from its event's canonical value (a row
    of the events table, by event id) is an error, unless the report records that it
    disagrees (`disagrees`): a source that says something else may be of another event.
    A recorded disagreement is still listed in the discrepancies table."""
    reports = list(reports)
    files = {r.source_id: r.file for r in reports}
    problems: list[Problem] = []
    for r in reports:
        row = canonical.get(r.event_id)
        if row is None or r.source_id == row.get("primary_source_id"):
            continue
        primary = str(row.get("primary_source_id"))
        for name in DISAGREEABLE:
            mine, canon = r.fields.get(name), row.get(name)
            if mine is None or canon is None or mine == canon or name in r.disagrees:
                continue
            problems.append(problem("events.report_conflicts_canonical", r.file, r.label,
                                    field=name, mine=mine, canon=canon, event=r.event_id,
                                    primary=primary, file=files.get(primary, "no coding file"),
                                    source=r.source_id))
    return problems
