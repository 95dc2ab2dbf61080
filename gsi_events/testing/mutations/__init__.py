"""Mutations: for each rule id, a targeted edit that breaks that rule in a valid dataset
and names the record whose Problem must be reported (a `Target`).

Adding mutations for new rules
------------------------------
Put them in a module of your own in this folder (any name not starting with "_"): every
module here is imported when `gsi_events.testing` is imported, so decorating a function
registers it. Nothing else needs editing::

    # gsi_events/testing/mutations/my_rules.py
    from gsi_events.testing.mutations import Case, Target, mutation
    from gsi_events.testing.mutations.tools import pick_report, report_target

    @mutation("events.my_new_rule")
    def _break_my_rule(case: Case) -> Target:
        stem, i, r = pick_report(case)   # a report of case.dataset, chosen by case.draw
        r["value_amount"] = -1            # ... break the rule in the hand-written data
        return report_target(case, stem, i)

`tools` holds the helpers (choosing a report, a source or a participant; naming targets;
`table_mutation` for fields coders do not write). A rule id may have one hand-written
mutation: registering a second raises. `fields.py` derives the field-check and key
mutations from the schema, for rule ids no hand-written mutation claims;
`files.py` holds the parse-stage ones, `rules.py` those of the `rules:` in schemas/.
`tests/test_rules.py` checks that every rule id has a mutation and that each mutation
produces its rule's problem at its target.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from hypothesis import strategies as st

from gsi_events.testing.dataset import Dataset


@dataclass
class Target:
    """Where a mutation's Problem must point: one of `files`, and a record containing
    `record` ("" for a whole-file or whole-table problem)."""

    files: set[str]
    record: str

    def matches(self, problem: Any) -> bool:
        return problem.file in self.files and self.record in problem.record


@dataclass
class Case:
    """A valid dataset being mutated; `table_edits` run on the built tables."""

    dataset: Dataset
    draw: Callable[[st.SearchStrategy[Any]], Any]
    table_edits: list[Callable[[Any], None]] = field(default_factory=list)


Mutation = Callable[[Case], Target]
MUTATIONS: dict[str, Mutation] = {}


def mutation(*rule_ids: str) -> Callable[[Mutation], Mutation]:
    """Register a mutation for each of rule_ids (a decorator)."""

    def register(fn: Mutation) -> Mutation:
        for rid in rule_ids:
            other = MUTATIONS.get(rid)
            if other is not None and other is not fn:
                raise ValueError(f"two mutations for {rid!r}: {getattr(other, '__module__', '')}"
                                 f".{getattr(other, '__name__', other)} and "
                                 f"{fn.__module__}.{getattr(fn, '__name__', fn)}")
            MUTATIONS[rid] = fn
        return fn

    return register


def mutate(rule_id: str, dataset: Dataset, draw: Callable[[Any], Any]) -> tuple[Case, Target]:
    """Break rule_id in a copy of dataset; the case (with any table edits) and where the
    Problem must point."""
    if rule_id not in MUTATIONS:
        raise KeyError(f"no mutation exercises the rule {rule_id!r}; register one with "
                       "@gsi_events.testing.mutation in a module of gsi_events/testing/mutations/")
    case = Case(dataset=dataset.copy(), draw=draw)
    return case, MUTATIONS[rule_id](case)


def _register_all() -> None:
    """Import every module of this package (each registers its mutations), then derive
    the schema's field-check mutations for the rule ids still free."""
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if not info.name.startswith("_"):
            importlib.import_module(f"{__name__}.{info.name}")
    from gsi_events.testing.mutations.fields import derive_field_mutations

    derive_field_mutations()


_register_all()
