"""pandera's polars API, as the validation uses it. Imported through
`gsi_events.imports.import_pandera`, which in the gsi-events command imports it without
pandas and hypothesis (see there), with what pandera imports on its first check (its
polars backends and built-in checks, and its look for pandas frames), so that nothing
imports them later."""

from __future__ import annotations

import contextlib
from types import ModuleType
from typing import Any

import polars as pl  # before pandera: polars looks for pandas when imported

from gsi_events.imports import import_pandera


def _load() -> tuple[ModuleType, Any]:
    import pandera.backends.polars.builtin_checks
    import pandera.backends.polars.checks
    import pandera.backends.polars.components
    import pandera.backends.polars.container
    import pandera.polars
    from pandera.api.polars.types import PolarsData

    with contextlib.suppress(ImportError):  # what the first check does first
        from pandera.backends.register_checks import register_default_check_backends

        register_default_check_backends(pl.LazyFrame)
    return pandera.polars, PolarsData


pa, PolarsData = import_pandera(_load)
