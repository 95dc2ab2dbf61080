"""Krippendorff's alpha of the agreement figures (gsi_events.coders.agreement): computed from
value counts, held to the `krippendorff` package's figure on random data."""

from __future__ import annotations

import math

import krippendorff
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from gsi_events.coders.agreement import field_agreement, nominal_alpha
from gsi_events.compile.read import Report


def package_alpha(pairs: list[tuple[str, str]]) -> float | None:
    """The package's figure, asked as the agreement figures asked it before: coders x
    units, each value coded by its rank; None where it refuses (one value only)."""
    domain = sorted({v for pair in pairs for v in pair})
    if len(domain) < 2:
        with pytest.raises(ValueError):
            krippendorff.alpha(reliability_data=np.zeros((2, max(1, len(pairs)))),
                               level_of_measurement="nominal")
        return None
    code = {v: i for i, v in enumerate(domain)}
    data = np.array([[code[v] for v in row] for row in zip(*pairs, strict=True)], dtype=float)
    return float(krippendorff.alpha(reliability_data=data, level_of_measurement="nominal"))


# few values (many ties), many values (most units disagree), and one value only
few = st.sampled_from(["a", "b", "c"])
many = st.integers(0, 60).map(str)
pairs_of = lambda values: st.lists(st.tuples(values, values), min_size=1,  # noqa: E731
                                   max_size=40)


@given(st.one_of(pairs_of(few), pairs_of(many), pairs_of(st.just("only")),
                 pairs_of(st.sampled_from(["x", "None"]))))
def test_alpha_is_the_packages(pairs: list[tuple[str, str]]) -> None:
    mine, theirs = nominal_alpha(pairs), package_alpha(pairs)
    if theirs is None:
        assert mine is None
    else:
        assert mine is not None and math.isclose(mine, theirs, rel_tol=0, abs_tol=1e-12)


@pytest.mark.parametrize(("pairs", "expected"), [
    ([("a", "a"), ("b", "b")], 1.0),  # perfect agreement
    ([("a", "b"), ("b", "a")], -0.5),  # n=4, D=2, 16-8: 1 - 2*2*3/8
    ([("a", "a"), ("a", "a")], None),  # one value only
    ([("a", "a"), ("a", "b")], 0.0),  # n=4, D=1, counts 3,1: 1 - 2*1*3/(16-10)
])
def test_alpha_by_hand(pairs: list[tuple[str, str]], expected: float | None) -> None:
    assert nominal_alpha(pairs) == expected


def report(value: object) -> Report:
    return Report(source_id="src-0001", event_id="ev-0001", fields={"status": value},
                  participants=[], links=[], quotes=[], file="coding/src-0001.yaml", line=1)


@given(st.lists(st.tuples(st.sampled_from([None, "done", "planned", 1, "1"]),
                          st.sampled_from([None, "done", "planned", 1, "1"])), max_size=30))
def test_field_figures_as_the_package_gives_them(values: list[tuple[object, object]]) -> None:
    """An empty value is a category where the other coder gave one; values compare as
    text (1 and "1" are one value for alpha); rounded to 4 places."""
    got = field_agreement("status", [(report(x), report(y)) for x, y in values])
    kept = [(x, y) for x, y in values if x is not None or y is not None]
    assert got.n == len(kept)
    assert got.agree == sum(1 for x, y in kept if x == y)
    theirs = package_alpha([(str(x), str(y)) for x, y in kept]) if kept else None
    if theirs is None:
        assert got.alpha is None
    else:  # the same figure, but where the package's rounding error crosses a tie
        assert got.alpha is not None and abs(got.alpha - theirs) <= 0.5e-4 + 1e-12
