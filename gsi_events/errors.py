"""Every exception gsi_events raises, in one hierarchy (standard library only).

Catch `GsiEventsError` for all of them. Problems in the data are not exceptions: they
are `Problem` records (gsi_events.problems), collected all at once; `ProblemsFound`
carries them out of a step that refuses to go on.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any


class GsiEventsError(Exception):
    """Base class of every gsi_events exception."""


class ReleaseError(GsiEventsError, LookupError):
    """The release or table asked for is not published (the message names what is)."""


class IntegrityError(GsiEventsError):
    """A release file's bytes are not the ones its release recorded (sha256 or size)."""


class ArgumentError(GsiEventsError, ValueError):
    """An argument is not one the function accepts (the message lists what it does)."""


class ExportError(GsiEventsError, ValueError):
    """The tables cannot be written back as coding files without losing or inventing data."""


class CodebookError(GsiEventsError, KeyError):
    """docs/codebook.md and the generated blocks the schemas make do not match."""


class ProblemsFound(GsiEventsError):
    """Raised by steps that refuse to go on (build, release, add-source) when the data has
    problems; `.problems` lists every one, sorted. They are gsi_events.problems.Problem
    records, typed loosely here: gsi_events.problems imports this module (and re-exports
    ProblemsFound), so this one names nothing of it, and the two form no import circle."""

    def __init__(self, problems: Iterable[Any]):
        self.problems: list[Any] = sorted(set(problems))
        super().__init__(f"{len(self.problems)} problem(s)")


class MissingExtra(GsiEventsError, ImportError):
    """A coder's, builder's or tester's module was imported without its extra installed."""


# The importable modules each extra of pyproject.toml brings.
EXTRAS: dict[str, tuple[str, ...]] = {
    "coding": ("ruamel", "pandera", "pycountry", "country_converter", "text_to_num"),
    "test": ("ruamel", "pandera", "pycountry", "country_converter", "krippendorff",
             "text_to_num", "hypothesis"),
}


def require_extra(package: str, extra: str) -> None:
    """Raise MissingExtra, naming the pip command, when a module `package` needs is absent.

    Looks modules up without importing them, so a fenced package costs nothing to enter.
    """
    from importlib.util import find_spec

    missing = [m for m in EXTRAS[extra] if find_spec(m) is None]
    if missing:
        raise MissingExtra(
            f"{package} needs the {extra!r} extra "
            f"(missing: {', '.join(missing)}); install it with: "
            f"pip install 'gsi-events[{extra}]'")
