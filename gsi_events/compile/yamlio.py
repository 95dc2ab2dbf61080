"""Strict reading of the hand-written YAML files (coding files, source records), and the
one writer of the YAML files the package generates (new source records, exports, test data).

Coders' mistakes that YAML libraries accept silently or report cryptically (a BOM,
CRLF line ends, tabs, decomposed Unicode, duplicate keys, calendar-invalid dates) are
turned into Problems with a line number. Dates stay text here; fields are typed later
against the schema, so one bad date does not hide the rest of the file.
"""

from __future__ import annotations

import io
import re
import unicodedata
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.constructor import DuplicateKeyError, RoundTripConstructor
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.reader import ReaderError

from gsi_events.compile import fastyaml
from gsi_events.compile.parse_rules import problem
from gsi_events.fileops import Realpaths, outside, read_regular
from gsi_events.problems import Problem

MAX_FILE_BYTES = 64_000_000  # far above any hand-written file
# A `%YAML` directive (YAML 1.1 would read yes/no/on/off as true/false): only 1.2 is read.
_DIRECTIVE = re.compile(r"^%YAML[ \t]+([^ \t#\n]*)", re.M)


class _TextDates(RoundTripConstructor):
    """Keeps YAML timestamps as the text the coder wrote."""


_TextDates.add_constructor(
    "tag:yaml.org,2002:timestamp", lambda loader, node: loader.construct_scalar(node)
)


def _yaml() -> YAML:
    y = YAML(typ="rt")
    y.Constructor = _TextDates
    y.allow_duplicate_keys = False
    return y


def line_of(container: Any, key: Any = None) -> int | None:
    """1-based line of a mapping (or of one of its keys / list items), when known."""
    lc = getattr(container, "lc", None)
    if lc is None:
        return None
    try:
        if key is None:
            return lc.line + 1
        if isinstance(key, int):
            return lc.item(key)[0] + 1
        return lc.key(key)[0] + 1
    except (KeyError, IndexError, TypeError, AttributeError):
        return lc.line + 1


def check_text(text: str, rel: str) -> list[Problem]:
    """Problems of the file as text, before YAML sees it."""
    problems: list[Problem] = []
    if text.startswith("\ufeff"):
        problems.append(problem("file.bom", rel, "line 1"))
    if "\r" in text:
        n = text[: text.index("\r")].count("\n") + 1
        problems.append(problem("file.line_endings", rel, f"line {n}"))
    for n, line in enumerate(text.split("\n"), 1):
        indent = line[: len(line) - len(line.lstrip(" \t"))]
        if "\t" in indent:
            problems.append(problem("file.tab_indent", rel, f"line {n}"))
            break
    if unicodedata.normalize("NFC", text) != text:
        for n, line in enumerate(text.split("\n"), 1):
            if unicodedata.normalize("NFC", line) != line:
                problems.append(problem("file.unicode_nfc", rel, f"line {n}"))
                break
    return problems


def outside_problem(path: Path, root: Path, rel: str, label: str = "",
                    links: Realpaths | None = None) -> Problem | None:
    """A Problem when path (or a folder above it) is a symbolic link leading out of the
    checkout: what lies there must never become coded data or published evidence.
    `links`: the reading's memo of real paths (the same answer, cheaper)."""
    real = outside(path, root) if links is None else links.outside(path)
    if real is None:
        return None
    return problem("file.outside_checkout", rel, label, path=rel, real=real)


def version_problem(text: str, rel: str) -> Problem | None:
    """A `%YAML` directive other than 1.2: refused, never read as YAML 1.1 (where `no`
    would be false)."""
    m = _DIRECTIVE.search(text)
    if m is None or m.group(1) == "1.2":
        return None
    line = text.count("\n", 0, m.start()) + 1
    return problem("yaml.version", rel, f"line {line}", version=m.group(1) or "(no version)")


def read_yaml(path: Path, rel: str, root: Path | None = None) -> tuple[Any, list[Problem]]:
    """The file's data, or None and the problems that stop it being read. With `root`,
    a file that leads out of that checkout through a symbolic link is not read."""
    raw, problems = read_bytes(path, rel, root)
    return (None, problems) if raw is None else parse_bytes(raw, rel)


def read_bytes(path: Path, rel: str, root: Path | None = None,
               links: Realpaths | None = None) -> tuple[bytes | None, list[Problem]]:
    """A regular file's bytes, or None and why it cannot be read (with `root`: a file
    that leads out of that checkout through a symbolic link is not read; `links`, the
    reading's memo of real paths below `root`)."""
    if root is not None:
        away = outside_problem(path, root, rel, links=links)
        if away is not None:
            return None, [away]
    try:
        return read_regular(path, MAX_FILE_BYTES), []
    except OSError as e:
        return None, [problem("file.unreadable", rel, "", why=e.strerror)]
    except ValueError as e:  # a named pipe (which would hang), a device, a huge file
        return None, [problem("file.unreadable", rel, "", why=f"it {e}")]


def parse_bytes(raw: bytes, rel: str) -> tuple[Any, list[Problem]]:
    """A file's data from its bytes, or None and the problems that stop it being read."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        line = raw[: e.start].count(b"\n") + 1
        return None, [problem("file.utf8", rel, f"line {line}", byte=e.start)]
    return parse_text(text, rel)


def parse_text(text: str, rel: str, fast: bool = True) -> tuple[Any, list[Problem]]:
    """The data of a file's text, or None and the problems that stop it being read. The
    fast path (`fastyaml`, libyaml) reads what it is sure to read as the precise one
    (ruamel.yaml) does; everything else, and every file with a problem, the precise one."""
    problems = check_text(text, rel)
    directive = version_problem(text, rel)
    if problems or directive:
        return None, problems + ([directive] if directive else [])
    if fast:
        data = fastyaml.load(text)
        if data is not fastyaml.UNSURE:
            return data, []
    try:
        data = _yaml().load(text)
    except RecursionError:
        return None, [problem("yaml.syntax:nested", rel, "")]
    except ReaderError as e:
        where, col = _position(text, e.position)
        char = e.character if isinstance(e.character, int) else ord(str(e.character)[:1] or " ")
        return None, [problem("yaml.syntax:control", rel, where, column=col, char=char)]
    except DuplicateKeyError as e:
        mark = e.problem_mark
        key = str(e.problem).split('"')[1] if '"' in str(e.problem) else "a key"
        return None, [problem("yaml.duplicate_key", rel, f"line {mark.line + 1}", key=key)]
    except MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        where = f"line {mark.line + 1}" if mark else ""
        what = (e.problem or e.context or "not valid YAML").strip()
        col = f" (column {mark.column + 1})" if mark else ""
        began = e.context_mark if e.problem and e.context else None
        if began is not None and mark is not None and began.line != mark.line:
            what += (f" ({e.context.strip()} that begins at line {began.line + 1}, column "
                     f"{began.column + 1}: is it closed?)")
        return None, [problem("yaml.syntax", rel, where, column=col, what=what)]
    except YAMLError as e:
        return None, [problem("yaml.syntax", rel, "", column="", what=e)]
    except (ValueError, KeyError, TypeError, OverflowError) as e:
        # ruamel's constructors raise these for a value its tag cannot hold
        # (`!!int abc`, `!!bool maybe`, an integer of thousands of digits)
        return None, [problem("yaml.syntax:tagged", rel, "",
                              error=f"{type(e).__name__}: {str(e)[:120]}")]
    escape = _SURROGATE_ESCAPE.search(text)
    if escape and _has_surrogate(data):
        where, col = _position(text, escape.start())
        return None, [problem("yaml.syntax:surrogate", rel, where, column=col,
                              escape=escape.group())]
    return data, []


# A \u or \U escape of a code point in U+D800..U+DFFF (not a character on its own).
_SURROGATE_ESCAPE = re.compile(r"\\(u[dD][89a-fA-F]|U0000[dD][89a-fA-F])[0-9a-fA-F]{2}")


def _position(text: str, offset: int) -> tuple[str, str]:
    """("line N", " (column C)") of a character offset into text."""
    line = text.count("\n", 0, offset) + 1
    column = offset - text.rfind("\n", 0, offset)
    return f"line {line}", f" (column {column})"


def _has_surrogate(data: Any) -> bool:
    """True when a key or value anywhere in the data holds a lone surrogate."""
    todo, seen = [data], set()
    while todo:
        x = todo.pop()
        if isinstance(x, str):
            if any("\ud800" <= ch <= "\udfff" for ch in x):
                return True
        elif isinstance(x, dict | list | tuple) and id(x) not in seen:
            seen.add(id(x))
            todo += [*x.keys(), *x.values()] if isinstance(x, dict) else list(x)
    return False


def dump_yaml(data: Any) -> str:
    """YAML 1.2 text in the style of the hand-written files (2-space maps, `  - ` lists),
    read back as it was written by `read_yaml`.

    Strings that YAML would read as something else (`'2024-01-01'`, `'null'`, `'3000'`)
    are quoted; dates are written as plain YYYY-MM-DD.
    """
    y = YAML(typ="rt")
    y.allow_unicode = True
    y.default_flow_style = False
    y.width = 1 << 20  # never fold a line: a folded quote is harder to check by eye
    y.indent(mapping=2, sequence=4, offset=2)
    y.representer.ignore_aliases = lambda data: True  # no &id001 / *id001: write it out
    out = io.StringIO()
    y.dump(data, out)
    return out.getvalue()
