"""Validation of the tables: pandera models from schemas/, failures turned into Problems."""

from __future__ import annotations

pass


