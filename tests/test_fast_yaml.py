"""The fast YAML path (gsi_events.compile.fastyaml, libyaml) reads every file exactly as the
precise path (ruamel.yaml, YAML 1.2) does, or hands it to the precise path: the same data,
types and line numbers, and the same problems (text, line, column, order). Shown on the
bad-input corpus, the repository's own files, a generated repository, every rule's
mutation, and texts mutated character by character."""

from __future__ import annotations

import functools
import shutil
import tempfile
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from conftest import REPO, examples
from hypothesis import given
from hypothesis import strategies as st
from test_bad_input import CASES, CORPUS, expected_output, lay_over

from gsi_events import testing
from gsi_events.cli import main
from gsi_events.compile import fastyaml
from gsi_events.compile.yamlio import line_of, parse_text
from gsi_events.testing.scale import scale_repository

CORPUS_FILES = sorted(p for p in CORPUS.rglob("*.yaml"))
REPO_FILES = sorted([*REPO.glob("coding/**/*.yaml"), *REPO.glob("archive/*.yaml")])


def shape(data: Any) -> Any:
    """The data with the type of every value and the line of every mapping, key and
    list item: what the readers downstream can see of it."""
    if isinstance(data, dict):
        return ("map", line_of(data), [(shape(k), line_of(data, k), shape(v))
                                       for k, v in data.items()])
    if isinstance(data, list):
        return ("list", line_of(data), [(line_of(data, i), shape(v))
                                        for i, v in enumerate(data)])
    if isinstance(data, str):
        return ("str", str(data))
    if data is None or type(data) in (bool, int):
        return (type(data).__name__, data)
    return (type(data).__name__, repr(data))  # TaggedScalar, ScalarFloat, ...


def both(text: str) -> tuple[Any, Any, bool]:
    """(precise result, fast result, whether the fast path read it itself)."""
    precise = parse_text(text, "f.yaml", fast=False)
    fast = parse_text(text, "f.yaml", fast=True)
    return ((shape(precise[0]), precise[1]), (shape(fast[0]), fast[1]),
            fastyaml.load(text) is not fastyaml.UNSURE)


@pytest.mark.parametrize("path", CORPUS_FILES + REPO_FILES,
                         ids=lambda p: p.relative_to(REPO).as_posix())
def test_every_file_reads_the_same(path: Path) -> None:
    text = path.read_bytes().decode("utf-8", errors="replace")
    precise, fast, _ = both(text)
    assert fast == precise


def test_the_fast_path_reads_the_common_files_itself() -> None:
    """Coding files and source records without anything unusual are the fast path's."""
    with tempfile.TemporaryDirectory() as tmp:
        root = scale_repository(Path(tmp), 20)
        files = sorted(root.rglob("*.yaml"))
        texts = [p.read_text(encoding="utf-8") for p in files]
    assert files
    for text in texts:
        precise, fast, itself = both(text)
        assert itself and fast == precise


@functools.cache
def corpus_texts() -> tuple[str, ...]:
    return tuple(p.read_text(encoding="utf-8", errors="replace")
                 for p in CORPUS_FILES + REPO_FILES[:40])


# Characters that change what YAML reads: indicators, quotes, spaces, line breaks, digits,
# words YAML 1.1 reads as booleans, and characters either reader may refuse.
ALPHABET = list(":-#'\"[]{},&*!?|>%@` \n0159.+_~eyYnN\t\\\x00\x85\u2028\ufeff")


@st.composite
def mutated(draw: Any) -> str:
    text = draw(st.sampled_from(corpus_texts()))
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(text)))
        op = draw(st.sampled_from(["insert", "delete", "replace", "duplicate_line"]))
        if op == "insert":
            text = text[:at] + draw(st.text(st.sampled_from(ALPHABET), min_size=1,
                                            max_size=3)) + text[at:]
        elif op == "delete":
            text = text[:at] + text[at + draw(st.integers(1, 5)):]
        elif op == "replace":
            text = text[:at] + draw(st.sampled_from(ALPHABET)) + text[at + 1:]
        else:
            lines = text.split("\n")
            n = at % max(len(lines), 1)
            text = "\n".join([*lines[:n + 1], lines[n], *lines[n + 1:]])
    return text


@examples(20)
@given(mutated())
def test_mutated_texts_read_the_same(text: str) -> None:
    precise, fast, _ = both(text)
    assert fast == precise


@pytest.mark.parametrize("text", [
    "a: yes\nb: no\nc: on\nd: off\n",  # YAML 1.2: text
    "a: 012\nb: 0o12\nc: 0x1f\nd: 1_000\ne: +5\nf: 0\ng: -0\n",  # no 1.1 octal
    "a: 1:20\nb: 190:20:30\n",  # no sexagesimal numbers
    "a: 2024-09-09\nb: 2024-9-9\nc: 2024-09-09 10:00:00\nd: 2024-02-31\n",  # dates as text
    "a: 1.5\nb: .inf\nc: 1e3\n",  # floats
    "a: 1\na: 2\n",  # a duplicate key
    "a: &x 1\nb: *x\n", "a: !!str 12\n", "<<: {a: 1}\n", "%YAML 1.1\n---\na: yes\n",
    "? [a]\n: 1\n", "a: \"\\u00e9\\ud800\"\n", "- a\n- b\n", "just text\n", "", "# only\n",
    "a:\n  - {b: 1, c: [x, y]}\n  - |\n    kept\n    lines\n  - >\n    folded\n    lines\n",
    "true: 1\n1: true\nnull: ~\n",
])
def test_edge_cases_read_the_same(text: str) -> None:
    precise, fast, _ = both(text)
    assert fast == precise


def run_mutation_case(rule_id: str, fast: bool, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The problems of the rule's mutation of test_rules' base dataset, read with the fast
    path on or off. Each reader writes its cases into a folder of its own whose parse
    cache is kept from case to case (test_rules.scratch): the files a mutation left as
    they were are those the same reader parsed for an earlier case (the cache's key does
    not say which reader parsed a file, so the two never share one)."""
    from test_rules import base, emptied, scratch

    with monkeypatch.context() as m:
        if not fast:
            m.setattr(fastyaml, "load", lambda text: fastyaml.UNSURE)
        case, _ = testing.mutate(rule_id, base(), testing.minimal)
        root = emptied(scratch("fast" if fast else "precise"))
        return [str(p) for p in testing.run_case(case, root)]


@pytest.mark.parametrize("rule_id", testing.parse_rule_ids())
def test_every_reading_rules_mutation_gives_the_same_problems(
        rule_id: str, monkeypatch: pytest.MonkeyPatch) -> None:
    assert (run_mutation_case(rule_id, True, monkeypatch)
            == run_mutation_case(rule_id, False, monkeypatch))


@pytest.mark.parametrize("case", CASES)
def test_the_precise_path_alone_gives_the_corpus_messages(
        case: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """With the fast path off, every corpus case gets the same output as with it
    (test_bad_input checks the output with it on)."""
    from conftest import seed_copy

    root = seed_copy(tmp_path / "repo")
    lay_over(root, CORPUS / "_base")
    lay_over(root, CORPUS / case)
    monkeypatch.setattr(fastyaml, "load", lambda text: fastyaml.UNSURE)
    result = CliRunner().invoke(main, ["validate", "--root", str(root)])
    assert result.output == expected_output(case)
    shutil.rmtree(root)
