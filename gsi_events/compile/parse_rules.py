"""Every rule the reading of the hand-written files can break, with the words its problem
says: declared once, here, for the reading code (read.py, yamlio.py, crossfile.py) and for
the tests, which list the rules from PARSE_RULES. The rules of the tables are declared in
schemas/ (`rules:`, and the checks each field's definition implies); those of the commands
beside their code (gsi_events.problems.Rules says how a declaration reads).

A key is a rule id, or a rule id and the name of one of its messages (`yaml.syntax:nested`)
where a rule says different things about different mistakes. `{placeholders}` in an id
stand for its parts (`{table}.{field}.type`: one rule per table and field); in a message,
for what was found. Both are filled in by `problem`.
"""

from __future__ import annotations

from gsi_events.problems import Rules

PARSE_RULES = Rules({
    # --- a file as bytes and text, before YAML (yamlio.py) -----------------------------
    "file.unreadable": "cannot be read: {why}",
    "file.utf8": "is not valid UTF-8 (byte {byte}); save it as UTF-8",
    "file.bom": "the file starts with a UTF-8 byte-order mark (BOM); save it as UTF-8 "
                "without BOM",
    "file.line_endings": "the file has Windows (CRLF) or old Mac (CR) line endings; save it "
                         "with Unix (LF) line endings",
    "file.tab_indent": "a tab in the indentation; YAML indents with spaces only",
    "file.unicode_nfc": "text is not in Unicode NFC form (a letter and its accent stored as "
                        "two characters, as some editors and macOS copy-paste do); save the "
                        "file NFC-normalised",
    "file.outside_checkout": "{path} leads out of the checkout through a symbolic link (to "
                             "{real}); coding files, source records and archived texts must "
                             "be files inside the repository: replace the link with the file "
                             "itself",
    # --- a file as YAML (yamlio.py) ----------------------------------------------------
    "yaml.version": "the file declares %YAML {version}; coding files and source records are "
                    "read as YAML 1.2 only, where yes/no/on/off are text, not true/false: "
                    "delete the %YAML line (and write true or false)",
    "yaml.syntax": "not valid YAML{column}: {what}",
    "yaml.syntax:nested": "lists or mappings are nested too deeply to read (a coding file "
                          "needs four levels)",
    "yaml.syntax:control": "not valid YAML{column}: the control character U+{char:04X} is "
                           "not allowed in a YAML file; delete it",
    "yaml.syntax:tagged": "not valid YAML: a value cannot be read as its type ({error}); "
                          "remove explicit tags such as !!int and write plain values",
    "yaml.syntax:surrogate": "not valid YAML text{column}: the escape {escape} stands for "
                             "half a character (a lone UTF-16 surrogate); write the character "
                             "itself",
    "yaml.duplicate_key": "the key {key!r} appears twice in the same record; keep one",
    # --- a record's fields, typed against its table's schema (read.py) -----------------
    "{table}.not_a_mapping": "must be a mapping of keys to values, found {found}",
    "{table}.unknown_key": "unknown key {key!r}{hint}",
    "{table}.{field}.required": "{key} is required: {description}",
    "{table}.{field}.type:list": "{key} must be a list of text values",
    "{table}.{field}.type:text": "{key} must be text, found {found}",
    "{table}.{field}.type:int_range": "{key} must be a whole number from {min} to {max} "
                                      "(releases store 32-bit integers), found {value}",
    "{table}.{field}.type:int": "{key} must be a whole number, found {found}{hint}",
    "{table}.{field}.type:bool": "{key} must be true or false, found {found}{hint}",
    "{table}.{field}.type:date_form": "{key} must be a date written YYYY-MM-DD (e.g. "
                                      "2024-09-09), found {found}",
    "{table}.{field}.type:date": "{key}: {text} is not a real calendar date",
    # a list of a record's items (participants, quotes, ...; a coding file's events)
    "{table}.{field}.required:list": "{field} is required and must list at least one entry",
    "{table}.{field}.required:empty_list": "{field} must list at least one entry",
    "{table}.{field}.type:list_form": "{field} must be a list (entries starting with '- ')",
    # --- source records (read.py) ------------------------------------------------------
    "sources.not_a_mapping:empty": "the source record is empty; it is a mapping of the "
                                   "sources fields (publisher, url, ...)",
    "archive.file_name": "source record files are named after their source id "
                         "(src-0001.yaml)",
    "archive.cited_has_text": "{path} exists, but the source is cited: a cited source keeps "
                              "no text in the repository (delete the text, or record the "
                              "source as kind: archived)",
    "archive.text_missing": "the archived text {path} is missing",
    "archive.text_utf8": "the archived text is not valid UTF-8",
    # --- coding files (read.py) --------------------------------------------------------
    "coding.not_a_mapping": "a coding file is a mapping with the keys source, coder and events",
    "coding.not_a_mapping:empty": "the file is empty; a coding file is a mapping with the "
                                  "keys source, coder and events",
    "coding.unknown_key": "unknown key {key!r}; a coding file has {keys}",
    "coding.source": "source must name the coded source's id (src-0001)",
    "coding.file_name": "the file codes {source} and must be named {source}.yaml",
    "coding.coder": "coder must name who coded the file",
    "coding.event_twice": "{event} is coded twice in this file (also at line {line}); one "
                          "source reports an event once",
    "events.event_id.pattern": "event must be an event id like ev-0001, found {found}",
    "events.canonical.type": "canonical must be true or false",
    "events.quotes_and_evidence": "give quotes (from an archived source) or evidence (from a "
                                  "cited source), not both",
    "events.distinct_from.form": "distinct_from is a list of entries, each naming another "
                                 "event this one is not a duplicate of, and why: '- {{event: "
                                 "ev-0025, reason: a second course, a month later}}'; {wrong}",
    "events.disagrees.form": "disagrees is a list of entries, each naming a field on which "
                             "this report contradicts the event's canonical value ({fields}), "
                             "and why: '- {{field: status, reason: this source reports the "
                             "talks as failed}}'; {wrong}",
    "retired.entry": "each retired entry needs an id and a reason",
    "retired.entry:not_a_mapping": "retired.yaml is a mapping with the keys events and "
                                   "sources, each a list of entries with an id and a reason",
    "retired.entry:not_a_list": "{kind} must be a list of entries with an id and a reason",
    "retired.entry:id": "{id!r} is not the id of one of the {kind} ({example}); write it "
                        "exactly",
    # --- across files, before the tables (read.py) -------------------------------------
    "coding.unknown_source": "codes {source}, but there is no source record {record}; "
                             "archive the source first (gsi-events add-source)",
    "coding.source_twice": "{source} is already coded in {file}; a source has one coding "
                           "file (a second coder's goes in coding/second/)",
    "events.retired_id": "{event} is retired (coding/retired.yaml) and is never reused; give "
                         "the event a new id",
    "sources.retired_id": "{source} is retired and is never reused",
    "evidence.{aspect}_written": "supports {aspect}, but {words!r} writes none of the coded "
                                 "numbers ({numbers}) in digits (2,700 or 2700) or words (two "
                                 "thousand seven hundred; a dozen); {fix}",
    "evidence.date_written": "supports date, but {words!r} holds no date or date expression "
                             "(a year, a month or weekday, or words such as 'last week'); "
                             "{fix}",
    "events.canonical_once": "{n} reports of {event} are marked canonical; mark one",
    "events.distinct_from.unknown_event": "distinct_from names {other}, which no coding file "
                                          "reports{why}; name an event that is coded, or "
                                          "remove the entry",
    "events.report_conflicts_canonical": "{field} {mine!r} contradicts {event}'s canonical "
                                         "{field} {canon!r}, from its primary source "
                                         "{primary} ({file}). If {source} reports another "
                                         "event, give it its own id; if the sources "
                                         "disagree, record it in this report: 'disagrees: "
                                         "[{{field: {field}, reason: ...}}]' (the "
                                         "discrepancies table keeps both readings)",
})

# The Problem of a declared rule: its id and its message, filled in with the values given.
problem = PARSE_RULES.problem
