"""Rules that span files but come before the tables (what the tables cannot show), and
the check of every report against its event's canonical values after them.

Run on everything read, whether from the files or from the parse cache: they read other
files' results, so no file's result alone can hold them.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from gsi_events.compile import written
from gsi_events.compile.read import (
    ARCHIVE_DIR,
    DISAGREEABLE,
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
    for n, q in enumerate(r.quotes, 1):
        words = q.get("quote") or q.get("note")
        supports = set(str(q.get("supports") or "").split(";"))
        if not isinstance(words, str):
            continue
        what = "quote" if q.get("quote") else "evidence"
        label = item_label(r.label, what, n, q.get("_line"))
        fix = ("quote the words that give it" if what == "quote"
               else "state it in the note")
        for aspect, wanted in (("count", counts), ("value", value)):
            if aspect in supports and wanted and not written.has_number(words, wanted,
                                                                          language):
                shown = ", ".join(f"{v:,}" for v in sorted(wanted))
                problems.append(Problem(r.file, label, f"evidence.{aspect}_written",
                    f"supports {aspect}, but {words!r} writes none of the coded numbers "
                    f"({shown}) in digits (2,700 or 2700) or words (two thousand seven "
                    f"hundred; a dozen); {fix}"))
        if ("date" in supports and r.fields.get("date_precision") not in (None, "unknown")
                and not written.has_date(words, language)):
            problems.append(Problem(r.file, label, "evidence.date_written",
                f"supports date, but {words!r} holds no date or date expression (a year, a "
                f"month or weekday, or words such as 'last week'); {fix}"))
    return problems


def cross_file_problems(repo: Repository) -> list[Problem]:
    """Rules that span files but come before the tables: what the tables cannot show."""
    problems: list[Problem] = []
    known = {s.source_id for s in repo.sources}
    by_source: dict[str, str] = {}
    for c in repo.codings:
        if c.source_id not in known:  # no quote can be found: checked, but not tabled
            c.rejected, c.reports = [*c.rejected, *c.reports], []
        if c.source_id not in known and (repo.root / ARCHIVE_DIR / f"{c.source_id}.yaml").exists():
            continue  # the source record is broken; its own problems say why
        if c.source_id not in known:
            problems.append(Problem(c.file, "line 1", "coding.unknown_source",
                f"codes {c.source_id}, but there is no source record "
                f"{ARCHIVE_DIR}/{c.source_id}.yaml; archive the source first "
                "(gsi-events add-source)"))
        if c.source_id in by_source:
            problems.append(Problem(c.file, "line 1", "coding.source_twice",
                f"{c.source_id} is already coded in {by_source[c.source_id]}; a source has "
                "one coding file (a second coder's goes in coding/second/)"))
        by_source[c.source_id] = c.file
        for r in [*c.reports, *c.rejected]:
            if r.event_id in repo.retired.get("events", set()):
                problems.append(Problem(c.file, r.label, "events.retired_id",
                    f"{r.event_id} is retired (coding/retired.yaml) and is never reused; "
                    "give the event a new id"))
    for s in repo.sources:
        if s.source_id in repo.retired.get("sources", set()):
            problems.append(Problem(s.file, record_label("source", s.source_id, s.line),
                "sources.retired_id", f"{s.source_id} is retired and is never reused"))
    sources = {s.source_id: s for s in repo.sources}
    for c in repo.codings:
        source = sources.get(c.source_id)
        language = str(source.row.get("language") or "en") if source else "en"
        for r in [*c.reports, *c.rejected]:
            problems += evidence_wording(r, language)
    canon: dict[str, list[Report]] = {}
    for r in repo.reports:
        if r.canonical:
            canon.setdefault(r.event_id, []).append(r)
    for event_id, reports in canon.items():
        if len(reports) > 1:
            for r in reports:
                problems.append(Problem(r.file, r.label, "events.canonical_once",
                    f"{len(reports)} reports of {event_id} are marked canonical; mark one"))
    coded = {r.event_id for c in repo.codings for r in [*c.reports, *c.rejected]}
    for c in repo.codings:
        for r in [*c.reports, *c.rejected]:
            for other in sorted(set(r.distinct_from) - coded):
                why = (" (it is retired: coding/retired.yaml)"
                       if other in repo.retired.get("events", set()) else "")
                problems.append(Problem(c.file, r.label, "events.distinct_from.unknown_event",
                    f"distinct_from names {other}, which no coding file reports{why}; name "
                    "an event that is coded, or remove the entry"))
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
            problems.append(Problem(r.file, r.label, "events.report_conflicts_canonical",
                f"{name} {mine!r} contradicts {r.event_id}'s canonical {name} {canon!r}, "
                f"from its primary source {primary} ({files.get(primary, 'no coding file')})."
                f" If {r.source_id} reports another event, give it its own id; if the "
                f"sources disagree, record it in this report: 'disagrees: [{{field: {name}, "
                "reason: ...}]' (the discrepancies table keeps both readings)"))
    return problems
