"""A repository's hand-written files as data (`Dataset`), and writing them into a folder
that `gsi_events.compile.pipeline.compile_repository` reads."""

from __future__ import annotations

import copy
import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gsi_events.compile import schema
from gsi_events.compile.yamlio import dump_yaml


@dataclass
class Dataset:
    """A repository's hand-written files, as data.

    sources: source_id -> the source record (archive/<id>.yaml) as a mapping
    texts: source_id -> the archived text's bytes (archive/<id>.txt)
    codings: file name stem -> coding file mapping (coding/<stem>.yaml)
    retired: coding/retired.yaml as a mapping, or None for no such file
    raw: relative path -> bytes that replace the rendered file (None: leave it out)
    dirs: relative paths made as empty folders (a folder where a file is expected)
    links: relative path -> where a symbolic link made there points (written as given)
    """

    sources: dict[str, dict[str, Any]]
    texts: dict[str, bytes]
    codings: dict[str, dict[str, Any]]
    retired: dict[str, Any] | None = None
    raw: dict[str, bytes | None] = field(default_factory=dict)
    dirs: set[str] = field(default_factory=set)
    links: dict[str, str] = field(default_factory=dict)
    nulls: bool = False  # write empty optional fields as `key: null` rather than leave them out

    # -- reading it back as a coder would describe it
    def reports(self) -> list[tuple[str, int, dict[str, Any]]]:
        """(file stem, index, report) for every report in every coding file."""
        return [(stem, i, r) for stem, c in sorted(self.codings.items())
                for i, r in enumerate(c.get("events") or []) if isinstance(r, dict)]

    def reports_of(self, event_id: str) -> list[tuple[str, int, dict[str, Any]]]:
        return [x for x in self.reports() if x[2].get("event") == event_id]

    def event_ids(self) -> list[str]:
        return sorted({r.get("event") for _, _, r in self.reports()})

    def kind(self, source_id: str) -> str | None:
        """The source's kind (archived, cited), as its record says."""
        rec = self.sources.get(source_id)
        return rec.get("kind") if isinstance(rec, dict) else None

    def kind_of_coding(self, stem: str) -> str | None:
        """The kind of the source a coding file codes."""
        return self.kind(str(self.codings[stem].get("source")))

    def coding_path(self, stem: str) -> str:
        return f"coding/{stem}.yaml"

    def rendered(self, stem: str) -> str:
        return render(self._with_nulls(self.codings[stem]))

    def line_of_report(self, stem: str, index: int) -> int:
        """1-based line of the `- event:` entry of a report in its rendered file."""
        lines = self.rendered(stem).split("\n")
        starts = [n for n, line in enumerate(lines, 1) if re.match(r"^  - ", line)]
        return starts[index]

    def label(self, stem: str, index: int) -> str:
        report = self.codings[stem]["events"][index]
        return f"event {report.get('event')} (line {self.line_of_report(stem, index)})"

    def _with_nulls(self, data: Any) -> Any:
        return data if not self.nulls else _nulls(data)

    def files(self) -> dict[str, bytes | None]:
        out: dict[str, bytes | None] = {}
        for sid, rec in sorted(self.sources.items()):
            out[f"archive/{sid}.yaml"] = render(self._with_nulls(rec)).encode()
        for sid, raw in sorted(self.texts.items()):
            out[f"archive/{sid}.txt"] = raw
        for stem in sorted(self.codings):
            out[self.coding_path(stem)] = self.rendered(stem).encode()
        if self.retired is not None:
            out["coding/retired.yaml"] = render(self.retired).encode()
        out.update(self.raw)
        return out

    def write(self, root: Path) -> None:
        (root / "archive").mkdir(parents=True, exist_ok=True)
        (root / "coding").mkdir(parents=True, exist_ok=True)
        for rel, data in self.files().items():
            if data is not None:
                (root / rel).parent.mkdir(parents=True, exist_ok=True)
                (root / rel).write_bytes(data)
        for rel in self.dirs:
            (root / rel).mkdir(parents=True, exist_ok=True)
        for rel, target in self.links.items():
            (root / rel).parent.mkdir(parents=True, exist_ok=True)
            (root / rel).unlink(missing_ok=True)
            (root / rel).symlink_to(target)

    def copy(self) -> Dataset:
        return copy.deepcopy(self)


# --- rendering, remembered ---------------------------------------------------------------
# A dataset is written many times over with most of its files unchanged (every rule broken
# in one base dataset, a file rendered again to find a report's line), and ruamel.yaml's
# writer is by far the dearest step of writing it. The text of data made only of plain
# values is kept, keyed by those values with their types, so the same data never renders
# differently; anything else (a str subclass, an object of a mutation's making) is
# rendered afresh every time.

_RENDERED: dict[Any, str] = {}
_RENDERED_MAX = 4096  # texts kept; the oldest half is dropped when full
_NO_KEY = object()
_SCALARS = {str: "s", int: "i", bool: "b", type(None): "n", dt.date: "d", dt.datetime: "t"}


def render(data: Any) -> str:
    """dump_yaml(data), remembered for data of plain values (see above)."""
    key = _key(data, 0)
    if key is _NO_KEY:
        return dump_yaml(data)
    text = _RENDERED.get(key)
    if text is None:
        text = dump_yaml(data)
        if len(_RENDERED) >= _RENDERED_MAX:
            for old in list(_RENDERED)[:_RENDERED_MAX // 2]:
                del _RENDERED[old]
        _RENDERED[key] = text
    return text


def _key(data: Any, depth: int) -> Any:
    """The data as nested tuples, each value with its exact type (True is not 1, 0.0 is
    not -0.0, a date is not its text); _NO_KEY for anything else, or nesting too deep."""
    kind = data.__class__
    tag = _SCALARS.get(kind)
    if tag is not None:
        return (tag, data)
    if kind is float:
        return ("f", repr(data))
    if depth > 50:
        return _NO_KEY
    if kind is dict:
        items = []
        for k, v in data.items():
            kk, vv = _key(k, depth + 1), _key(v, depth + 1)
            if kk is _NO_KEY or vv is _NO_KEY:
                return _NO_KEY
            items.append((kk, vv))
        return ("m", tuple(items))
    if kind is list or kind is tuple:
        out = []
        for v in data:
            vv = _key(v, depth + 1)
            if vv is _NO_KEY:
                return _NO_KEY
            out.append(vv)
        return ("l" if kind is list else "u", tuple(out))
    return _NO_KEY


def _nulls(data: Any) -> Any:
    """Every optional field a record leaves out written as `key: null` instead (records
    that are not mappings, as mutations make them, are left as they are)."""
    if not isinstance(data, dict):
        return data
    if "events" in data and "coder" in data:
        events = data["events"]
        return {**data, "events": [_nulls_report(r) for r in events]
                if isinstance(events, list) else events}
    return _fill("sources", data)


def _fill(table: str, row: Any) -> Any:
    if not isinstance(row, dict):
        return row
    out = dict(row)
    for f in schema.table(table).coded_fields:
        out.setdefault(f.key, None)
    return out


def _nulls_report(r: Any) -> Any:
    if not isinstance(r, dict):
        return r
    out = _fill("events", r)
    for key, table in (("participants", "participants"), ("links", "event_links")):
        if isinstance(r.get(key), list) and r[key]:
            out[key] = [_fill(table, x) for x in r[key]]
    return out

