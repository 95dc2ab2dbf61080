"""Hypothesis strategies for gsi_events data, derived from `schemas/`.

pandera cannot generate data for polars schemas (`strategy()` and `example()` raise
NotImplementedError on the polars backend), so the generators live here. They are built
from what `gsi_events.compile.schema` reads from `schemas/`: field types, patterns, vocabularies,
code lists, lengths and minimums, each action's statuses and kind, the date precisions,
the aspects a quote can support. Someone who extends a schema (a new field, a new
vocabulary value, a new action) gets data using it without touching this module. A new
date precision, a new kind of source or a new cross-field rule needs its generator (or
mutation) registered here; until then the strategies and `rule_ids()` say so loudly.

Public API
----------

`field_values(table, name)`
    Valid values of one field, from its schema entry alone (type, pattern, vocabulary,
    code list, bounds, length), reaching the edges: CJK, Cyrillic, Arabic and combining
    characters, counts at 0 and at the largest integer a release stores (2**31-1), leap
    days and year ends.

`datasets(...)`
    Whole repositories as a coder writes them: source records (`archive/src-NNNN.yaml`)
    of both kinds, archived (with the text, `archive/src-NNNN.txt`, sometimes in CRLF or
    NFD form) and cited (title and date_accessed, no text), and coding files
    (`coding/src-NNNN.yaml`: `quotes` from an archived source, `evidence` with locator
    and note from a cited one), consistent and valid by construction: every quote occurs
    in its source's article body, every value a rule needs supported is supported, and
    evidence supporting a count, money value or date writes it (the number, the ISO
    date); money values are complete or absent, count_kind comes with items, links join
    existing events (`fulfils` from a delivery to a pledge). Events have one or many
    sources that may disagree (so `discrepancies` is exercised), unknown or day / week /
    month / year / range dating, empty optional fields (absent or written as `null`),
    and links to other events. `kinds=("archived",)` limits the kinds of source. A
    `Dataset` writes itself into a folder (`Dataset.write(root)`) that
    `gsi_events.compile.pipeline.compile_repository` reads.

`rule_ids()`
    Every rule id validation can report: the field checks and keys of the pandera
    models built from `schemas/`, the cross-field and cross-table rules listed under
    `rules:` in `schemas/`, and the parse-stage rules declared in
    `gsi_events/compile/parse_rules.py`.

`command_rules()`, `is_declared(rule_id)`
    The rules the commands declare beside their code (add-source, files and the lock,
    building and publishing releases, verifying them), and whether any stage declares a
    rule id.

`MUTATIONS`, `mutate(rule_id, dataset, draw)`
    For each rule id, a targeted mutation that breaks that rule in a valid dataset and
    names the record that must be reported. Field-check mutations are derived from the
    schema; cross-field rules have one each. To add one, put a module in
    `gsi_events/testing/mutations/` and decorate a function with `@mutation("t.rule")`
    (see `gsi_events.testing.mutations`).

`edits(dataset)`
    A valid edited copy of a dataset (events added, removed, changed) and an `Edit`
    saying exactly what changed: what a release diff between the two must report.

`compile_dataset(dataset, root)`, `run_case(case, root)`
    Write a dataset (or a mutated case) under root and run the real pipeline on it.

`example_dataset(**kwargs)`, `minimal(strategy)`
    Deterministic values for tests outside hypothesis: one fixed dataset, and the
    simplest value of a strategy (a `draw` for `mutate`).

Needs hypothesis (the `test` extra). Example:

    from hypothesis import given
    from gsi_events import testing

    @given(testing.datasets())
    def test_my_extension(dataset):
        with tempfile.TemporaryDirectory() as tmp:
            assert testing.compile_dataset(dataset, Path(tmp)).ok

Layout
------
`values` (text, dates, one field's values), `dataset` (`Dataset` and writing it),
`generate` (`datasets`, `edits`), `known_rules` (`rule_ids` and friends), `mutations/`
(`Target`, `Case`, `mutation`, `MUTATIONS`; `fields`, `files`, `rules` and `tools`), and
`run` (`compile_dataset`, `run_case`, `minimal`). Every public name is re-exported here.
"""

from __future__ import annotations

try:
    import hypothesis  # noqa: F401
except ImportError as e:  # pragma: no cover - depends on what is installed
    raise ImportError(
        "gsi_events.testing needs hypothesis, part of the test extra: "
        "pip install 'gsi-events[test]'") from e

from gsi_events.compile.typemaps import INT_MAX, INT_MIN
from gsi_events.testing.dataset import Dataset
from gsi_events.testing.generate import (
    Edit,
    datasets,
    edits,
    example_dataset,
    needs,
    participant,
    quote_aspects,
    report,
    source_record,
)
from gsi_events.testing.known_rules import (
    command_rules,
    is_declared,
    parse_rule_ids,
    parse_rule_templates,
    rule_ids,
    table_rule_ids,
)
from gsi_events.testing.mutations import MUTATIONS, Case, Mutation, Target, mutate, mutation
from gsi_events.testing.mutations.tools import table_mutation
from gsi_events.testing.run import compile_dataset, minimal, run_case
from gsi_events.testing.values import (
    EDGE_DATES,
    SENTINEL,
    SPANS,
    dates,
    field_values,
    optional,
    span,
    text,
)

__all__ = [
    "EDGE_DATES",
    "INT_MAX",
    "INT_MIN",
    "MUTATIONS",
    "SENTINEL",
    "SPANS",
    "Case",
    "Dataset",
    "Edit",
    "Mutation",
    "Target",
    "command_rules",
    "compile_dataset",
    "datasets",
    "dates",
    "edits",
    "example_dataset",
    "field_values",
    "is_declared",
    "minimal",
    "mutate",
    "mutation",
    "needs",
    "optional",
    "parse_rule_ids",
    "parse_rule_templates",
    "participant",
    "quote_aspects",
    "report",
    "rule_ids",
    "run_case",
    "source_record",
    "span",
    "table_mutation",
    "table_rule_ids",
    "text",
]
