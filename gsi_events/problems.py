"""Problems found in the data: errors as data, each naming file, record and rule."""

from __future__ import annotations

from dataclasses import dataclass

from gsi_events.errors import ProblemsFound

__all__ = ["Problem", "ProblemsFound", "render"]


@dataclass(frozen=True, order=True)
class Problem:
    file: str  # path relative to the repository (or the release folder)
    record: str  # "event ev-0002 (line 14)", "line 3", or "" for the whole file
    rule: str  # a stable rule id, e.g. "events.count_order" or "yaml.duplicate_key"
    message: str  # plain words, saying what is wrong and, where possible, how to fix it

    def __str__(self) -> str:
        where = f"{self.file}: {self.record}" if self.record else self.file
        return f"{where}: {self.message} [rule {self.rule}]"


def render(problems: list[Problem]) -> str:
    lines = [str(p) for p in sorted(set(problems))]
    n = len(lines)
    lines.append(f"{n} problem{'s' if n != 1 else ''} found; nothing was written.")
    return "\n".join(lines)
