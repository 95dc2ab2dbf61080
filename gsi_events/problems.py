"""Problems found in the data: errors as data, each naming file, record and rule; and
`Rules`, how each stage declares the rules it can report, once, with their words."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from gsi_events.errors import ProblemsFound

__all__ = ["Problem", "ProblemsFound", "Rules", "printable", "render_problems", "shown"]


@dataclass(frozen=True, order=True)
class Problem:
    file: str  # path relative to the repository (or the release folder)
    record: str  # "event ev-0002 (line 14)", "line 3", or "" for the whole file
    rule: str  # a stable rule id, e.g. "events.count_order" or "yaml.duplicate_key"
    message: str  # plain words, saying what is wrong and, where possible, how to fix it

    def __str__(self) -> str:
        where = f"{self.file}: {self.record}" if self.record else self.file
        return f"{printable(where)}: {printable(self.message, lines=True)} [rule {self.rule}]"


_PLACEHOLDER = re.compile(r"\{[a-z_]+\}")


class Rules(dict[str, str]):
    """The rules one stage can report, each declared once beside the code that raises it:
    a key -> its message template. `problem` is how the stage raises one, so a rule raised
    is a rule declared (an undeclared key is a KeyError), and the tests list the rules
    from the declarations (gsi_events.testing.known_rules).

    A key is a rule id, or a rule id and the name of one of its messages
    (`yaml.syntax:nested`) where a rule says different things about different mistakes.
    `{placeholders}` in an id stand for its parts (`{table}.{field}.type`: one rule per
    table and field); in a message, for what was found. `constants` fill placeholders the
    stage's messages share (a file name), so that a name is written once, in code.
    """

    def __init__(self, rules: dict[str, str], /, **constants: object) -> None:
        super().__init__(rules)
        self.constants = constants

    def problem(self, key: str, file: str, record: str, /, **values: Any) -> Problem:
        """The Problem of a declared rule: its id and its message, filled in with
        `values` (and the stage's constants)."""
        rule = key.split(":", 1)[0].format(**values)
        return Problem(file, record, rule, self[key].format(**self.constants, **values))

    def ids(self) -> list[str]:
        """Every declared rule id, its parts in braces (`{table}.{field}.type`)."""
        return sorted({key.split(":", 1)[0] for key in self})

    def patterns(self) -> list[str]:
        """Every declared rule id as a regular expression (a part in braces matches any
        part: `{table}.{field}.type` matches `events.count_best.type`)."""
        return sorted("[a-z_0-9]+".join(re.escape(part) for part in _PLACEHOLDER.split(rule))
                      for rule in self.ids())


def shown(value: object) -> str:
    """A value as a message shows it: text quoted, nothing as `empty`."""
    return "empty" if value is None else repr(value) if isinstance(value, str) else str(value)


def render_problems(problems: list[Problem]) -> str:
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
