"""Problems found in the data: errors as data, each naming file, record and rule."""

from __future__ import annotations

import re
from dataclasses import dataclass

from gsi_events.errors import ProblemsFound

__all__ = ["Problem", "ProblemsFound", "printable", "render", "shown"]


@dataclass(frozen=True, order=True)
class Problem:
    file: str  # path relative to the repository (or the release folder)
    record: str  # "event ev-0002 (line 14)", "line 3", or "" for the whole file
    rule: str  # a stable rule id, e.g. "events.count_order" or "yaml.duplicate_key"
    message: str  # plain words, saying what is wrong and, where possible, how to fix it

    def __str__(self) -> str:
        where = f"{self.file}: {self.record}" if self.record else self.file
        return f"{printable(where)}: {printable(self.message, lines=True)} [rule {self.rule}]"


def shown(value: object) -> str:
    """A value as a message shows it: text quoted, nothing as `empty`."""
    return "empty" if value is None else repr(value) if isinstance(value, str) else str(value)


def render(problems: list[Problem]) -> str:
    lines = [str(p) for p in sorted(set(problems))]
    n = len(lines)
    lines.append(f"{n} problem{'s' if n != 1 else ''} found; nothing was written.")
    return "\n".join(lines)


# Control characters (C0, DEL, C1), and the invisible ones that reorder or hide text
# (bidirectional overrides and isolates, zero-width characters).
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]")


def printable(text: str, lines: bool = False) -> str:
    """Text safe to print on a terminal: control characters (a terminal escape, a newline
    in a file name that would forge another output line) and invisible reordering or
    zero-width characters shown as escapes (\\x1b, \\n, \\u202e). With `lines`, a
    newline followed by an indent (a message's own continuation line) is kept."""
    def escape(m: re.Match[str]) -> str:
        if lines and m.group() == "\n" and m.string.startswith("  ", m.end()):
            return "\n"
        return m.group().encode("unicode_escape").decode("ascii")

    return _UNSAFE.sub(escape, str(text))
