"""Python's cycle collector paused while a compile or a `check` runs."""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator


@contextlib.contextmanager
def collections_paused() -> Iterator[None]:
    """The collector off, as it was after. A compile makes about a million objects that
    live until it ends (the reports read, the rows merged; for `check`, its imports and
    one search entry per coding file), and every collection of the oldest generation
    walks all of them: about a quarter of a warm `validate`'s CPU at 10,000 sources, for
    a few megabytes of cycles freed. Reference counting still frees memory; cycles wait.
    A light module of its own, so that `check` pauses before its imports."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
