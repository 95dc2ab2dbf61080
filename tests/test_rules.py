"""Every rule rejects a record that breaks it, naming that rule, that file and that record.

The rule ids are not listed here: `gsi_events.testing.rule_ids()` reads them from the
pandera models built from schemas/ (field checks, keys, the `rules:` of each table) and
from the reading stage's declarations (gsi_events/compile/parse_rules.py). The commands'
rules (add-source, files and the lock, releases) break no data a mutation writes; their
declarations are read by the check every test makes (tests/conftest.py).
The mutations come from `gsi_events.testing.MUTATIONS`: derived from the schema for field
checks and keys, one written per cross-field or parse-stage rule (in the modules of
gsi_events/testing/mutations/; a new module there registers itself). So a rule added
anywhere without a mutation that exercises it fails `test_rule_coverage_is_complete`.
"""

from __future__ import annotations

import atexit
import functools
import re
import shutil
import tempfile
from pathlib import Path
from typing import Any

import pytest
from conftest import examples
from hypothesis import given
from hypothesis import strategies as st

from gsi_events import testing
from gsi_events.compile import cache, schema
from gsi_events.compile.validate.rules.context import RULES

RULE_IDS = testing.rule_ids()


@functools.cache
def base() -> testing.Dataset:
    """The valid dataset every rule is broken in (fixed: the same on every run)."""
    return testing.example_dataset(multi=True, max_sources=3, max_events=4)


@functools.cache
def scratch(name: str = "rules") -> Path:
    """The one folder (of that name) every broken case of this process is written into,
    one after the other (tests/test_fast_yaml.py keeps one per reader). Each case's files
    are written afresh (everything else there is removed first), and the parse cache
    beside them is kept, as in a coder's checkout: the files a mutation left as they were
    are found in the cache by their bytes instead of being parsed again, and the file it
    changed is parsed (a cache hit gives what parsing gives: tests/test_cache.py)."""
    path = Path(tempfile.mkdtemp(prefix=f"gsi-{name}-"))
    atexit.register(shutil.rmtree, path, ignore_errors=True)
    return path


def emptied(root: Path) -> Path:
    """root with nothing left in it but the parse cache."""
    for child in root.iterdir():
        if child.name == cache.CACHE_DIR:
            continue
        if child.is_dir() and not child.is_symlink():
            shutil.rmtree(child)
        else:
            child.unlink()
    return root


@functools.cache
def broken(rule_id: str) -> tuple[testing.Target, tuple[Any, ...]]:
    """Break rule_id in the base dataset: where the problem must point, and the problems."""
    case, target = testing.mutate(rule_id, base(), testing.minimal)
    problems = tuple(testing.run_case(case, emptied(scratch()), rule_id))
    return target, problems


def _explain(rule_id: str, target: testing.Target, problems: tuple[Any, ...]) -> str:
    shown = "\n  ".join(str(p) for p in problems[:15]) or "(none)"
    return (f"breaking {rule_id} in {sorted(target.files)} at {target.record!r} gave:\n"
            f"  {shown}")


def test_the_base_dataset_is_valid() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        compiled = testing.compile_dataset(base(), Path(tmp))
    assert [str(p) for p in compiled.problems] == []
    for table in schema.TABLES:  # every table has rows to break
        assert compiled.tables[table].height > 0, table


@pytest.mark.parametrize("rule_id", RULE_IDS)
def test_breaking_a_rule_is_reported(rule_id: str) -> None:
    target, problems = broken(rule_id)
    hits = [p for p in problems if p.rule == rule_id and target.matches(p)]
    assert hits, _explain(rule_id, target, problems)
    for p in hits:  # the text names the file and the record
        assert str(p).startswith(f"{p.file}: {p.record}" if p.record else p.file)
        assert p.message and "Traceback" not in p.message


def test_rule_coverage_is_complete() -> None:
    """By construction: every rule id known to the schemas and the reading code has a
    mutation, and that mutation produced a problem with exactly that id."""
    # the cross-field and cross-table rules in schemas/ and in validate/rules/ are the same set
    in_schemas = {f"{t}.{r.id}" for t in schema.TABLES for r in schema.table(t).rules}
    assert in_schemas == set(RULES), "schemas/ rules and compile/validate/rules/ differ"
    assert in_schemas <= set(RULE_IDS)
    unexercised = [r for r in RULE_IDS if r not in testing.MUTATIONS]
    assert unexercised == [], f"rules no mutation exercises: {unexercised}"
    produced = set()
    for rule_id in RULE_IDS:
        target, problems = broken(rule_id)
        produced |= {p.rule for p in problems if p.rule == rule_id and target.matches(p)}
    assert sorted(set(RULE_IDS) - produced) == []
    # every rule the reading code can raise, including ids built from parts
    # (f"{table}.{field}.type"), matches a rule some mutation produced
    for template in testing.parse_rule_templates():
        assert any(re.fullmatch(template, r) for r in produced), template


def test_stray_mutations_name_real_rules() -> None:
    """A mutation registered for a rule id that no longer exists is stale."""
    assert sorted(set(testing.MUTATIONS) - set(RULE_IDS)) == []


@examples(2)
@given(dataset=testing.datasets(multi=True, max_sources=3, max_events=4),
       rule_id=st.sampled_from(RULE_IDS), data=st.data())
def test_a_mutation_of_any_valid_dataset_is_rejected(dataset: testing.Dataset, rule_id: str,
                                                     data: st.DataObject) -> None:
    case, target = testing.mutate(rule_id, dataset, data.draw)
    with tempfile.TemporaryDirectory() as tmp:
        problems = testing.run_case(case, Path(tmp), rule_id)
    hits = [p for p in problems if p.rule == rule_id and target.matches(p)]
    assert hits, _explain(rule_id, target, tuple(problems))
