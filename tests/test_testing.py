"""gsi_events.testing as a package others build on: its public names, its import guard,
and how mutations are registered."""

from __future__ import annotations

import subprocess
import sys

import pytest

from gsi_events import testing
from gsi_events.testing import mutations


def test_every_public_name_is_exported() -> None:
    assert sorted(testing.__all__) == sorted(set(testing.__all__))
    missing = [name for name in testing.__all__ if not hasattr(testing, name)]
    assert missing == []
    for name in ("datasets", "Dataset", "mutation", "MUTATIONS", "rule_ids", "run_case",
                 "compile_dataset", "example_dataset", "minimal", "mutate", "edits"):
        assert name in testing.__all__


def test_importing_it_without_hypothesis_names_the_extra() -> None:
    code = ("import sys; sys.modules['hypothesis'] = None\n"
            "try:\n    import gsi_events.testing\n"
            "except ImportError as e:\n    print(e)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr
    assert "pip install 'gsi-events[test]'" in out.stdout


def test_a_second_mutation_for_one_rule_is_refused() -> None:
    rule_id = next(iter(testing.MUTATIONS))
    with pytest.raises(ValueError, match="two mutations"):
        testing.mutation(rule_id)(lambda case: testing.Target(set(), ""))


def test_every_module_of_mutations_is_loaded() -> None:
    """A module dropped into gsi_events/testing/mutations/ registers its mutations with no
    other edit: every module of the package is imported with gsi_events.testing."""
    import pkgutil

    names = [m.name for m in pkgutil.iter_modules(mutations.__path__)
             if not m.name.startswith("_")]
    assert {"fields", "files", "rules", "tools"} <= set(names)
    for name in names:
        assert f"gsi_events.testing.mutations.{name}" in sys.modules
    registered_in = {getattr(fn, "__module__", "") for fn in testing.MUTATIONS.values()}
    assert {"gsi_events.testing.mutations.files",
            "gsi_events.testing.mutations.rules"} <= registered_in


def test_generated_data_has_both_kinds_of_source() -> None:
    dataset = testing.example_dataset(multi=True, max_sources=3, max_events=4)
    kinds = {rec["kind"] for rec in dataset.sources.values()}
    assert kinds == {"archived", "cited"}
    for sid, rec in dataset.sources.items():
        assert (sid in dataset.texts) == (rec["kind"] == "archived")
