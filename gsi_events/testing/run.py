"""Running the real pipeline on generated data: `compile_dataset` for a valid dataset,
`run_case` for a mutated one, `minimal` as a deterministic `draw` outside hypothesis."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hypothesis import strategies as st

from gsi_events.testing.dataset import Dataset
from gsi_events.testing.mutations import Case


def compile_dataset(dataset: Dataset, root: Path) -> Any:
    """Write the dataset under root and run the whole pipeline on it (a `Compiled`)."""
    from gsi_events.compile.pipeline import compile_repository

    dataset.write(root)
    return compile_repository(root)



def run_case(case: Case, root: Path, rule_id: str | None = None) -> list[Any]:
    """Write the case's files under root and run the pipeline on them; the problems.

    Without table edits this is `compile_repository`, except that when `rule_id` is given
    and reading the files already reports it, the tables are not built (a shortcut for
    parse-stage rules). With table edits the files are read and merged, the edits made,
    and the tables validated."""
    from gsi_events.compile.merge import build_tables
    from gsi_events.compile.pipeline import compile_read, table_problems
    from gsi_events.compile.repository import read_repository

    case.dataset.write(root)
    repo = read_repository(root)
    if not case.table_edits:
        if rule_id is not None and any(p.rule == rule_id for p in repo.problems):
            return repo.problems
        return compile_read(repo).problems
    tables = build_tables(repo)
    for edit in case.table_edits:
        edit(tables)
    return sorted(set(repo.problems + table_problems(repo, tables)))


def minimal(strategy: st.SearchStrategy[Any]) -> Any:
    """The simplest value of a strategy (the first of a sampled_from, 0 of integers): a
    deterministic `draw` for running mutations outside a hypothesis test."""
    from hypothesis import HealthCheck, Phase, find, settings

    return find(strategy, lambda _: True, settings=settings(
        database=None, phases=[Phase.generate, Phase.shrink], max_examples=10,
        suppress_health_check=list(HealthCheck)))


