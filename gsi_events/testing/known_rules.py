"""Every rule id gsi_events can report, read from where each is declared: validation's
(the field checks and keys of the pandera models built from `schemas/`, the cross-field
and cross-table rules under `rules:` in `schemas/`, and the parse-stage rules declared in
`gsi_events.compile.parse_rules`) and the commands' (add-source, writing files and the
lock, building, publishing and verifying releases: `command_rules`)."""

from __future__ import annotations

import functools
import re

import polars as pl

from gsi_events.coders.archive import ADD_SOURCE_RULES
from gsi_events.compile import schema
from gsi_events.compile.parse_rules import PARSE_RULES
from gsi_events.compile.typemaps import polars_dtype
from gsi_events.fileops import FILE_RULES
from gsi_events.integrity import VERIFY_RULES
from gsi_events.problems import Rules
from gsi_events.release.rules import RELEASE_RULES


def parse_rule_templates() -> list[str]:
    """The rule ids of every Problem the reading code can raise, as regular expressions:
    a literal id, or a pattern for an id built from parts (`{table}.{field}.type`), as
    `gsi_events.compile.parse_rules` declares them."""
    return PARSE_RULES.patterns()


def command_rules() -> dict[str, Rules]:
    """What each command stage declares it can report beyond validation, by stage. Their
    rules break no data a mutation could write (a release out of order, a busy lock), so
    they are not in `rule_ids`; a problem naming none of them fails the test that made
    it (tests/conftest.py)."""
    return {"add-source": ADD_SOURCE_RULES, "files and lock": FILE_RULES,
            "build and release": RELEASE_RULES, "verify": VERIFY_RULES}


@functools.cache
def _declared() -> re.Pattern[str]:
    patterns = [re.escape(r) for r in table_rule_ids()] + PARSE_RULES.patterns()
    for rules in command_rules().values():
        patterns += rules.patterns()
    return re.compile("|".join(sorted(set(patterns))))


def is_declared(rule_id: str) -> bool:
    """Whether some stage declares `rule_id`: the tables, the reading or a command."""
    return _declared().fullmatch(rule_id) is not None


def table_rule_ids() -> list[str]:
    """Every rule id the table validation can report, from the pandera models."""
    from gsi_events.compile.validate.models import model
    from gsi_events.compile.validate.rules.context import Context

    frames = {t: pl.DataFrame(schema={f.name: polars_dtype(f.type)
                                      for f in schema.table(t).fields}) for t in schema.TABLES}
    ctx = Context(frames=frames, archive={})
    out: list[str] = []
    for t in schema.TABLES:
        m = model(t, ctx)
        out.append(f"{t}.extra_column")
        for name, col in m.columns.items():
            out += [f"{t}.{name}.type", f"{t}.{name}.missing"]
            if not col.nullable:
                out.append(f"{t}.{name}.required")
            out += [str(ch.name) for ch in col.checks]
        out += [str(ch.name) for ch in m.checks]
    return out


def parse_rule_ids() -> list[str]:
    """The parse-stage rule ids spelt out: literal ones, and per-field ones for every
    coded field of every table (`events.count_best.type`, `sources.url.required`)."""
    out = [r for r in PARSE_RULES.ids() if "{" not in r]
    for t in ("sources", "events", "participants", "evidence", "event_links"):
        out += [f"{t}.not_a_mapping", f"{t}.unknown_key"]
        for f in schema.table(t).coded_fields:
            out.append(f"{t}.{f.name}.type")
            if f.required:
                out.append(f"{t}.{f.name}.required")
    out += ["events.participants.required", "events.participants.type",
            "events.quotes.required", "events.quotes.type", "events.links.type",
            "events.evidence.required", "events.evidence.type", "coding.events.type"]
    # evidence.{aspect}_written, for the aspects evidence_wording checks
    out += [f"evidence.{aspect}_written" for aspect in ("count", "value")]
    return out


def rule_ids() -> list[str]:
    """Every rule id a mutation must exercise (see the module's doc)."""
    return sorted(set(table_rule_ids()) | set(parse_rule_ids()))

