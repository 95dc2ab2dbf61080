"""pandera as a polars-only install has it, in the gsi-events command's own process.

pandera imports pandas and numpy whenever they are installed (0.3 to 0.4 s, a third of a
`check` of one file), and its built-in checks import hypothesis (for data generation);
the polars validation uses none of them, and pandera supports installs without them
(`pandera[polars]` needs neither numpy nor pandas; hypothesis is its `strategies`
extra). The command hides them while pandera is imported (`hide_unused`, called before
the command's imports): pandera then imports as it does where they are not installed.
They are not hidden afterwards (polars, imported first, still finds numpy), and are
never hidden in a program that imports gsi_events as a library (where pandera's own
pandas API may be wanted), nor once pandera was imported; either way the same checks run
and give the same failures (tests/test_imports.py compares the two).
"""

from __future__ import annotations

import importlib.abc
import sys
from collections.abc import Callable, Sequence
from importlib.machinery import ModuleSpec
from types import ModuleType
from typing import TypeVar

UNUSED = ("pandas", "hypothesis", "numpy")  # by pandera's polars validation
_hiding = False
T = TypeVar("T")


def hide_unused() -> None:
    """Import pandera without `UNUSED` in this process (the command's: see the doc)."""
    global _hiding
    _hiding = True


class _Hidden(importlib.abc.MetaPathFinder):
    """Finds the hidden packages as absent, as Python says of one not installed."""

    def find_spec(self, name: str, path: Sequence[str] | None = None,
                  target: ModuleType | None = None) -> ModuleSpec | None:
        if name.partition(".")[0] in UNUSED:
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None


def import_pandera(load: Callable[[], T]) -> T:
    """`load()` (pandera's imports: gsi_events.compile.validate.engine) with `UNUSED`
    hidden when the command asked for it and pandera is not imported yet. Should that
    fail (a pandera that needs them), the pandera modules it imported are forgotten and
    `load()` runs again with nothing hidden."""
    if not _hiding or "pandera" in sys.modules:
        return load()
    before = set(sys.modules)
    finder = _Hidden()
    sys.meta_path.insert(0, finder)
    try:
        return load()
    except ImportError:
        pass
    finally:
        sys.meta_path.remove(finder)
    for name in set(sys.modules) - before:
        if name.partition(".")[0] == "pandera":
            del sys.modules[name]
    return load()
