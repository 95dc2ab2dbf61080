"""A new coding file for a source, with every field and vocabulary in comments.

Generated from schemas/, so the template never falls behind the schema.
"""

from __future__ import annotations

import textwrap

from gsi_events.compile import schema
from gsi_events.compile.read import SourceRecord
from gsi_events.compile.schema import Field
from gsi_events.compile.yamlio import dump_yaml


def _comment(f: Field, indent: str) -> list[str]:
    need = "required" if f.required else "optional"
    lines = [f"{indent}#   {f.key} ({f.type}, {need}): {f.description}"]
    if f.categories:
        vocab = ", ".join(f.values)
        lines += [f"{indent}#     {line}" for line in textwrap.wrap(f"one of: {vocab}", 84)]
    return lines


def _scalar(value: str) -> str:
    """A YAML scalar written by the YAML library (quoted where the value needs it: a
    newline, '#', ': ', a leading '-' or quote), never pasted as it comes."""
    text = dump_yaml({"k": value}).removesuffix("\n")
    if "\n" in text:  # a long value folded over lines: use JSON's double quotes instead
        import json

        return json.dumps(value, ensure_ascii=False)
    return text.removeprefix("k: ")


def _one_line(value: object) -> str:
    """A value shown in a comment: on one line, so it can never end the comment."""
    return " ".join(str(value).split()) if value is not None else ""


def template(source: SourceRecord, coder: str) -> str:
    row = source.row
    pub = row.get("published_precision")
    when = ("unknown" if pub == "unknown" else
            f"{row.get('published_start')}..{row.get('published_end')} ({pub})")
    cited = row.get("kind") == "cited"
    if cited:
        where = [f"# Cited source: {_one_line(row.get('url'))}",
                 "# No text is kept: evidence is your own account of each passage (never "
                 "copied words),", "# with a locator (headline, paragraph 3)."]
    else:
        where = [f"# Text: archive/{source.source_id}.txt. Code only the body, from",
                 f"#   {row.get('body_begins')!r}", f"#   to {row.get('body_ends')!r}."]
    evidence_key = "evidence" if cited else "quotes"
    out = [
        f"# Coding file for {source.source_id}: {_one_line(row.get('publisher'))}, "
        f"published {when}.",
        *where,
        "# The codebook (docs/codebook.md) says what to code and how; check this file with",
        f"#   gsi-events check coding/{source.source_id}.yaml",
        "#",
        "# Each entry under events: is this source's report of one event. Keys:",
        "#   event: ev-NNNN (the existing id when another source already reports the event)",
        "#   canonical: true (optional; only to override the choice of primary report)",
        "#   disagrees: (optional) where this report's action or status contradicts the",
        "#     event's canonical one on purpose: - {field: status, reason: ...}",
        "#   distinct_from: (optional) an event `validate` warns may be this one, checked",
        "#     and found different: - {event: ev-NNNN, reason: ...}",
    ]
    for f in schema.table("events").coded_fields:
        out += _comment(f, "")
    for key, table in (("participants", "participants"), ("links", "event_links"),
                       (evidence_key, "evidence")):
        out.append(f"#   {key}: a list; each entry has")
        for f in schema.table(table).coded_fields:
            if (key == "evidence" and f.name == "quote") or (key == "quotes" and f.name in (
                    "locator", "note")):
                continue  # the other kind of source's evidence
            out += _comment(f, "  ")
    out += [
        f"source: {source.source_id}",
        f"coder: {_scalar(coder)}",
        "events: []",
        "# Replace [] by a list of reports, for example:",
        "# events:",
        "#   - event: ev-NNNN",
        "#     action: training_pledged",
        "#     status: announced",
        "#     summary: One sentence saying who did what to whom.",
        "#     gsi_framing: contextual",
        "#     umbrella: false",
        "#     date_precision: unknown",
        "#     participants:",
        "#       - role: actor",
        "#         country: CHN",
        *(["#     evidence:",
            "#       - locator: paragraph 2",
            "#         note: What the passage says, in your own words.",
            "#         supports: [action, status, participants]"] if cited else
          ["#     quotes:",
           "#       - quote: words copied exactly from the text",
           "#         supports: [action, status, participants]"]),
    ]
    return "\n".join(out) + "\n"
