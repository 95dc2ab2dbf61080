"""gsi_events: hand-coded event data on China's Global Security Initiative.

    import gsi_events
    gsi_events.versions()                           # ['0.1.0', ...]
    events = gsi_events.load("events", version="0.1.0")   # a polars DataFrame
    print(gsi_events.cite("0.1.0", format="bibtex"))
    gsi_events.pledges()                            # each pledge and what was delivered

The functions are imported on first use, so `import gsi_events` stays cheap, and loading
a release never imports the validation code.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from gsi_events.errors import (
    ArgumentError,
    GsiEventsError,
    IntegrityError,
    ProblemsFound,
    ReleaseError,
)

if TYPE_CHECKING:
    from gsi_events.citation import cite
    from gsi_events.loading import load, release_info, versions
    from gsi_events.queries import pledges
    from gsi_events.views import changelog, dictionary, event_countries, events_wide

__all__ = [  # noqa: RUF022 (grouped by use, not sorted)
    # loading and citing a release
    "cite", "load", "pledges", "release_info", "versions",
    # analysis views and documentation as data
    "changelog", "dictionary", "event_countries", "events_wide",
    # exceptions (all are GsiEventsError)
    "ArgumentError", "GsiEventsError", "IntegrityError", "ProblemsFound", "ReleaseError",
]

_LAZY = {"load": "gsi_events.loading", "versions": "gsi_events.loading",
         "release_info": "gsi_events.loading", "cite": "gsi_events.citation",
         "pledges": "gsi_events.queries", "changelog": "gsi_events.views",
         "dictionary": "gsi_events.views", "event_countries": "gsi_events.views",
         "events_wide": "gsi_events.views"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'gsi_events' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
