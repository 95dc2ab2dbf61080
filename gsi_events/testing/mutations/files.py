"""Mutations of the hand-written files as files and records: encodings, YAML, file names,
keys, types and structure of coding files and source records (parse-stage rules)."""

from __future__ import annotations

import copy
import unicodedata
from typing import Any

from hypothesis import strategies as st

from gsi_events.testing.mutations import Case, Mutation, Target, mutation
from gsi_events.testing.mutations.tools import (
    DELETE,
    ITEM_KEYS,
    coding_text,
    items_of,
    pick_report,
    pick_source,
    replace_file,
    report_target,
    source_target,
)

# -- the hand-written files as text --------------------------------------------------------


@mutation("file.bom")
def _bom(case: Case) -> Target:
    stem, txt = coding_text(case)
    return Target({replace_file(case, stem, b"\xef\xbb\xbf" + txt.encode())}, "line 1")


@mutation("file.line_endings")
def _crlf(case: Case) -> Target:
    stem, txt = coding_text(case)
    return Target({replace_file(case, stem, txt.replace("\n", "\r\n").encode())}, "line 1")


@mutation("file.tab_indent")
def _tab(case: Case) -> Target:
    stem, txt = coding_text(case)
    lines = txt.split("\n")
    n = next(i for i, line in enumerate(lines) if line.startswith("  "))
    lines[n] = "\t" + lines[n][2:]
    return Target({replace_file(case, stem, "\n".join(lines).encode())}, f"line {n + 1}")


@mutation("file.unicode_nfc")
def _nfd(case: Case) -> Target:
    stem, _i, r = pick_report(case)
    r["summary"] = "Café talks in Zürich, as NFD"
    txt = case.dataset.rendered(stem)
    decomposed = unicodedata.normalize("NFD", txt)
    n = next(k for k, (a, b) in enumerate(zip(txt.split("\n"), decomposed.split("\n"),
                                               strict=True), 1) if a != b)
    return Target({replace_file(case, stem, decomposed.encode())}, f"line {n}")


@mutation("file.unreadable")
def _directory(case: Case) -> Target:
    stem = case.draw(st.sampled_from(sorted(case.dataset.sources)))
    path = replace_file(case, f"{stem}.extra", None)
    case.dataset.dirs.add(path)
    return Target({path}, "")


@mutation("file.utf8")
def _latin1(case: Case) -> Target:
    stem, _i, r = pick_report(case)
    r["summary"] = "Talks held at the café in Zürich"
    data = case.dataset.rendered(stem).encode("latin-1", errors="replace")
    first = next(k for k, b in enumerate(data) if b >= 0x80)
    line = data[:first].count(b"\n") + 1
    return Target({replace_file(case, stem, data)}, f"line {line}")


@mutation("yaml.duplicate_key")
def _duplicate_key(case: Case) -> Target:
    stem, txt = coding_text(case)
    lines = txt.split("\n")
    n = next(i for i, line in enumerate(lines) if line.startswith("    status: "))
    lines.insert(n + 1, lines[n])
    return Target({replace_file(case, stem, "\n".join(lines).encode())}, f"line {n + 2}")


@mutation("yaml.version")
def _yaml_1_1(case: Case) -> Target:
    """A `%YAML 1.1` directive, under which `no` would read as false."""
    stem, txt = coding_text(case)
    return Target({replace_file(case, stem, f"%YAML 1.1\n---\n{txt}".encode())}, "line 1")


@mutation("file.outside_checkout")
def _link_out(case: Case) -> Target:
    """A coding file that is a symbolic link to a file outside the checkout (it need not
    exist there: nothing is read through the link)."""
    stem, _ = coding_text(case)
    path = replace_file(case, stem, None)
    case.dataset.links[path] = "/nonexistent-gsi-events-outside/elsewhere.yaml"
    return Target({path}, "")


@mutation("yaml.syntax")
def _syntax(case: Case) -> Target:
    stem, txt = coding_text(case)
    lines = txt.split("\n")
    n = next(i for i, line in enumerate(lines) if line.startswith("    summary: "))
    lines[n] = "    summary: [an unclosed list"
    return Target({replace_file(case, stem, "\n".join(lines).encode())}, "line")


@mutation("archive.file_name")
def _source_file_name(case: Case) -> Target:
    sid = pick_source(case)
    case.dataset.sources["source-one"] = case.dataset.sources.pop(sid)
    if sid in case.dataset.texts:
        case.dataset.texts["source-one"] = case.dataset.texts.pop(sid)
    return Target({"archive/source-one.yaml"}, "source source-one")


@mutation("archive.text_missing")
def _text_missing(case: Case) -> Target:
    sid = pick_source(case, "archived")
    del case.dataset.texts[sid]
    return source_target(case, sid)


@mutation("archive.cited_has_text")
def _cited_with_text(case: Case) -> Target:
    """A text saved beside a cited source's record: the project keeps no cited text."""
    sid = pick_source(case, "cited")
    case.dataset.texts[sid] = b"A copy of the cited page, saved by mistake.\n"
    return source_target(case, sid)


@mutation("archive.text_utf8")
def _text_utf8(case: Case) -> Target:
    sid = pick_source(case, "archived")
    case.dataset.texts[sid] = case.dataset.texts[sid] + b"\xff\xfe"
    return source_target(case, sid)


@mutation("sources.not_a_mapping")
def _source_not_mapping(case: Case) -> Target:
    sid = pick_source(case)
    case.dataset.raw[f"archive/{sid}.yaml"] = b"- a list\n- not a record\n"
    return source_target(case, sid)


@mutation("sources.unknown_key")
def _source_unknown_key(case: Case) -> Target:
    sid = pick_source(case)
    case.dataset.sources[sid]["titel"] = "A misspelt key"
    return source_target(case, sid)


@mutation("events.not_a_mapping")
def _report_not_mapping(case: Case) -> Target:
    stem, _i, _r = pick_report(case)
    case.dataset.codings[stem]["events"].append("ev-0001 was here")
    return Target({case.dataset.coding_path(stem)}, "unnamed event")


@mutation("events.unknown_key")
def _report_unknown_key(case: Case) -> Target:
    stem, i, r = pick_report(case)
    r["acton"] = r["action"]
    return report_target(case, stem, i)


@mutation("events.canonical.type")
def _canonical_type(case: Case) -> Target:
    stem, i, r = pick_report(case)
    r["canonical"] = "yes"
    return report_target(case, stem, i)


@mutation("events.event_id.pattern")
def _event_id_pattern(case: Case) -> Target:
    stem, i, r = pick_report(case)
    r["event"] = "ev-1"
    return report_target(case, stem, i)


def _part_list(key: str, value: Any, kind: str | None = None) -> Mutation:
    """Set (or delete) a report's list `key`, in a report of a source of `kind`."""

    def fn(case: Case) -> Target:
        stem, i, r = pick_report(case, kind=kind)
        if value is DELETE:
            r.pop(key, None)
        else:
            r[key] = value
        return report_target(case, stem, i)

    return fn


for _key, _kind in (("participants", None), ("links", None), ("quotes", "archived"),
                    ("evidence", "cited")):
    mutation(f"events.{_key}.type")(_part_list(_key, "a text, not a list", _kind))
mutation("events.participants.required")(_part_list("participants", DELETE))
# no list at all is read as missing quotes; an empty list is missing under its own key
mutation("events.quotes.required")(_part_list("quotes", DELETE, "archived"))
mutation("events.evidence.required")(_part_list("evidence", [], "cited"))


@mutation("events.quotes_and_evidence")
def _quotes_and_evidence(case: Case) -> Target:
    """A report giving both lists: quotes (archived) and evidence (cited)."""
    stem, i, r = pick_report(case)
    if "quotes" in r:
        r["evidence"] = [{"locator": "paragraph 1", "note": "The article names the action.",
                          "supports": ["action"]}]
    else:
        r["quotes"] = [{"quote": "words from the page", "supports": ["action"]}]
    return report_target(case, stem, i)


def _item_not_mapping(table: str) -> Mutation:
    def fn(case: Case) -> Target:
        stem, i, r = pick_report(case)
        key = next((k for k in ITEM_KEYS[table] if isinstance(r.get(k), list)),
                   ITEM_KEYS[table][0])
        r.setdefault(key, []).append("not a mapping")
        return report_target(case, stem, i)

    return fn


def _item_unknown_key(table: str) -> Mutation:
    def fn(case: Case) -> Target:
        if table == "event_links" and not items_of(case, table):
            stem, i, r = pick_report(case)
            r["links"] = [{"relation": "follows", "event": r["event"]}]
        stem, i, item = case.draw(st.sampled_from(items_of(case, table)))
        item["colour"] = "red"
        return report_target(case, stem, i)

    return fn


for _table in ("participants", "evidence", "event_links"):
    mutation(f"{_table}.not_a_mapping")(_item_not_mapping(_table))
    mutation(f"{_table}.unknown_key")(_item_unknown_key(_table))


@mutation("coding.not_a_mapping")
def _coding_not_mapping(case: Case) -> Target:
    stem, _ = coding_text(case)
    return Target({replace_file(case, stem, b"- source: src-0001\n")}, "")


@mutation("coding.unknown_key")
def _coding_unknown_key(case: Case) -> Target:
    stem, _ = coding_text(case)
    case.dataset.codings[stem]["coded_on"] = "2024-09-09"
    return Target({case.dataset.coding_path(stem)}, "line")


@mutation("coding.source")
def _coding_source(case: Case) -> Target:
    stem, _ = coding_text(case)
    case.dataset.codings[stem]["source"] = "source one"
    return Target({case.dataset.coding_path(stem)}, "line 1")


@mutation("coding.file_name")
def _coding_file_name(case: Case) -> Target:
    stem, _ = coding_text(case)
    case.dataset.codings["coded-" + stem] = case.dataset.codings.pop(stem)
    return Target({case.dataset.coding_path("coded-" + stem)}, "line 1")


@mutation("coding.coder")
def _coding_coder(case: Case) -> Target:
    stem, _ = coding_text(case)
    del case.dataset.codings[stem]["coder"]
    return Target({case.dataset.coding_path(stem)}, "line 1")


@mutation("coding.events.type")
def _coding_events_type(case: Case) -> Target:
    stem, _ = coding_text(case)
    case.dataset.codings[stem]["events"] = "ev-0001"
    return Target({case.dataset.coding_path(stem)}, "")


@mutation("coding.event_twice")
def _event_twice(case: Case) -> Target:
    stem, _i, r = pick_report(case)
    events = case.dataset.codings[stem]["events"]
    events.append(copy.deepcopy(r))
    return report_target(case, stem, len(events) - 1)


@mutation("coding.unknown_source")
def _unknown_source(case: Case) -> Target:
    stem, _i, _r = pick_report(case)
    sid = case.dataset.codings[stem]["source"]
    del case.dataset.sources[sid]
    return Target({case.dataset.coding_path(stem)}, "line 1")


@mutation("coding.source_twice")
def _source_twice(case: Case) -> Target:
    stem, _ = coding_text(case)
    case.dataset.codings[f"{stem}.second"] = copy.deepcopy(case.dataset.codings[stem])
    later = max(f"{stem}.second.yaml", f"{stem}.yaml")
    return Target({f"coding/{later}"}, "line 1")


@mutation("events.retired_id")
def _retired_event(case: Case) -> Target:
    stem, i, r = pick_report(case)
    case.dataset.retired = {"events": [{"id": r["event"], "reason": "a duplicate"}]}
    return report_target(case, stem, i)


@mutation("sources.retired_id")
def _retired_source(case: Case) -> Target:
    sid = pick_source(case)
    case.dataset.retired = {"sources": [{"id": sid, "reason": "withdrawn"}]}
    return source_target(case, sid)


@mutation("retired.entry")
def _retired_entry(case: Case) -> Target:
    case.dataset.retired = {"events": [{"id": "ev-99999"}]}
    return Target({"coding/retired.yaml"}, "line")


@mutation("events.canonical_once")
def _canonical_once(case: Case) -> Target:
    multi = [e for e in case.dataset.event_ids() if len(case.dataset.reports_of(e)) > 1]
    event = case.draw(st.sampled_from(multi))
    reports = case.dataset.reports_of(event)
    for _, _, r in reports:
        r["canonical"] = True
    return Target({case.dataset.coding_path(s) for s, _, _ in reports}, f"event {event}")

