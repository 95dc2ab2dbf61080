"""Every rule id validation can report: the field checks and keys of the pandera models
built from `schemas/`, the cross-field and cross-table rules under `rules:` in
`schemas/`, and the parse-stage rules raised by the reading code."""

from __future__ import annotations

import ast
import importlib
import inspect
import re

import polars as pl

from gsi_events.compile import schema
from gsi_events.compile.typemaps import polars_dtype

# The modules that read the hand-written files and raise parse-stage Problems with
# literal rule ids (or ids built from parts in an f-string). A module that starts raising
# Problems before the tables are built belongs here.
READING_MODULES = ("gsi_events.compile.read", "gsi_events.compile.yamlio")


def parse_rule_templates() -> list[str]:
    """The rule ids of every Problem the reading code can raise, as regular expressions:
    a literal id, or a pattern for an id built from parts (f"{table}.{field}.type").
    Read from the source of the imported READING_MODULES (wherever they are installed)."""
    out: list[str] = []
    for name in READING_MODULES:
        tree = ast.parse(inspect.getsource(importlib.import_module(name)))
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and getattr(node.func, "id", "") == "Problem"):
                continue
            arg = node.args[2] if len(node.args) > 2 else next(
                (k.value for k in node.keywords if k.arg == "rule"), None)
            if isinstance(arg, ast.Constant):
                out.append(re.escape(arg.value))
            elif isinstance(arg, ast.JoinedStr):
                out.append("".join(re.escape(v.value) if isinstance(v, ast.Constant)
                                   else "[a-z_0-9]+" for v in arg.values))
            else:
                raise AssertionError(f"{name}: a Problem's rule is not a string literal")
    return sorted(set(out))

def table_rule_ids() -> list[str]:
    """Every rule id the table validation can report, from the pandera models."""
    from gsi_events.compile.validate.models import model
    from gsi_events.compile.validate.rules import Context

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
    out = [t for t in parse_rule_templates() if re.escape(re.sub(r"\\(.)", r"\1", t)) == t]
    out = [re.sub(r"\\(.)", r"\1", t) for t in out]
    for t in ("sources", "events", "participants", "evidence", "event_links"):
        out += [f"{t}.not_a_mapping", f"{t}.unknown_key"]
        for f in schema.table(t).coded_fields:
            out.append(f"{t}.{f.name}.type")
            if f.required:
                out.append(f"{t}.{f.name}.required")
    out += ["events.participants.required", "events.participants.type",
            "events.quotes.required", "events.quotes.type", "events.links.type",
            "events.evidence.required", "events.evidence.type", "coding.events.type"]
    # evidence_wording's f"evidence.{aspect}_written", for the aspects it checks
    out += [f"evidence.{aspect}_written" for aspect in ("count", "value")]
    return out


def rule_ids() -> list[str]:
    """Every rule id a mutation must exercise (see the module's doc)."""
    return sorted(set(table_rule_ids()) | set(parse_rule_ids()))

