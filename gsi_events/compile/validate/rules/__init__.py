"""The cross-field and cross-table rules named in schemas/, as vectorised polars expressions,
by what they read: `values.py` one row's own values, `across.py` other rows and other
tables, `texts.py` the archived texts and the quotes in them; `context.py` holds what they
all share (the Context they read, the registries RULES and EXPLAIN, the look-ups).

Importing any module of this package runs this file first, so every rule is registered
in `context.RULES` before anyone reads it.
"""

from gsi_events.compile.validate.rules import across, texts, values  # noqa: F401 (registers)
