"""Inter-coder agreement between the main coding (coding/) and a second, independent one
(coding/second/).

The coders' event ids differ, so reports of the same source are matched by content
(action, date, count, participants). Agreement is reported at the event level (how many
reports both coders found) and per field over the matched pairs: raw agreement and
Krippendorff's alpha (nominal), computed from the counts of each value (`nominal_alpha`:
memory in proportion to the pairs, where the `krippendorff` package builds an array of
units x values x values; the tests hold it to that package's figure).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

from gsi_events.compile import schema
from gsi_events.compile.merge import date_span, participant_names
from gsi_events.compile.read import (
    CODING_DIR,
    SECOND_CODING_DIR,
    Report,
    Repository,
    coding_files_in,
)
from gsi_events.compile.repository import read_repository

MIN_SCORE = 3.0  # below this, two reports are not taken to be of the same event


def _names(r: Report, role: str) -> str:
    return "; ".join(n.split(": ", 1)[1] for n in participant_names(r) if n.startswith(role))


# field name -> how to read it off a report, for comparison
FIELDS: dict[str, Any] = {
    "action": lambda r: r.fields.get("action"),
    "status": lambda r: r.fields.get("status"),
    "date_precision": lambda r: r.fields.get("date_precision"),
    "date": lambda r: (f"{r.fields.get('date_start')}..{r.fields.get('date_end')}"
                       if r.fields.get("date_start") else None),
    "count_best": lambda r: r.fields.get("count_best"),
    "count_unit": lambda r: r.fields.get("count_unit"),
    "covers": lambda r: (f"{r.fields.get('covers_start')}..{r.fields.get('covers_end')}"
                         if r.fields.get("covers_start") else None),
    "location_country": lambda r: r.fields.get("location_country"),
    "gsi_framing": lambda r: r.fields.get("gsi_framing"),
    "umbrella": lambda r: r.fields.get("umbrella"),
    "actors": lambda r: _names(r, "actor") or None,
    "targets": lambda r: _names(r, "target") or None,
}


def score(a: Report, b: Report) -> float:
    kinds = schema.action_attribute("kind")
    s = 0.0
    if a.fields.get("action") == b.fields.get("action"):
        s += 4
    elif kinds.get(a.fields.get("action")) == kinds.get(b.fields.get("action")):
        s += 1
    sa, sb = date_span(a.fields), date_span(b.fields)
    if sa and sb and sa[0] <= sb[1] and sb[0] <= sa[1]:
        s += 1
    elif sa is None and sb is None:
        s += 0.5
    if a.fields.get("count_best") is not None and a.fields.get("count_best") == b.fields.get(
            "count_best"):
        s += 2
    pa, pb = set(participant_names(a)), set(participant_names(b))
    if pa | pb:
        s += 2 * len(pa & pb) / len(pa | pb)
    return s


def match(a: list[Report], b: list[Report]) -> list[tuple[Report, Report]]:
    """Greedy one-to-one matching, best-scoring pairs first."""
    pairs = sorted(((score(x, y), i, j) for i, x in enumerate(a) for j, y in enumerate(b)),
                   key=lambda t: (-t[0], t[1], t[2]))
    used_a: set[int] = set()
    used_b: set[int] = set()
    out = []
    for s, i, j in pairs:
        if s < MIN_SCORE or i in used_a or j in used_b:
            continue
        used_a.add(i)
        used_b.add(j)
        out.append((a[i], b[j]))
    return out


@dataclass
class FieldAgreement:
    field: str
    n: int  # matched pairs where at least one coder gave a value
    agree: int
    raw: float | None
    alpha: float | None  # None when undefined (fewer than two distinct values)


@dataclass
class Agreement:
    coder_a: str
    coder_b: str
    sources: list[str]
    reports_a: int
    reports_b: int
    matched: int
    unmatched_a: list[str] = field(default_factory=list)  # "src-0001 ev-0016: summary"
    unmatched_b: list[str] = field(default_factory=list)
    fields: list[FieldAgreement] = field(default_factory=list)
    linkage_pairs: int = 0  # pairs of matched reports in different sources
    linkage_agree: int = 0  # ... on which both coders agree whether they are one event

    @property
    def match_rate(self) -> float:
        union = self.reports_a + self.reports_b - self.matched
        return self.matched / union if union else 1.0

    def as_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["match_rate"] = round(self.match_rate, 4)
        d["method"] = ("Reports of the same source matched by content (greedy, score >= "
                       f"{MIN_SCORE}); match_rate = matched / (reports_a + reports_b - matched); "
                       "per field over matched pairs where either coder gave a value (an empty "
                       "value counts as a category): raw agreement and Krippendorff's alpha "
                       "(nominal, computed from the counts of each value; tested against the "
                       "krippendorff package); alpha is null where undefined "
                       "(one value only).")
        return d


def nominal_alpha(pairs: Sequence[tuple[Hashable, Hashable]]) -> float | None:
    """Krippendorff's alpha (nominal) of two coders who both coded every unit (a pair);
    None when undefined (fewer than two distinct values).

    With two values per unit the coincidence matrix o has, for each unit (x, y), 1 in
    o[x][y] and 1 in o[y][x] (2 in o[x][x] when x == y), so with N units:
    n = 2N pairable values; n_c = how often value c occurs among them (o's margins);
    observed disagreement: sum of o off the diagonal = 2 * (units where x != y);
    expected disagreement: sum over c != k of n_c * n_k / (n - 1)
                           = (n^2 - sum of n_c^2) / (n - 1);
    alpha = 1 - observed / expected = 1 - 2 * disagreeing * (n - 1) / (n^2 - sum n_c^2).
    Computed exactly in integers (the package sums floats: the two differ by rounding
    error only), then made a float."""
    counts = Counter(v for pair in pairs for v in pair)
    if len(counts) < 2:
        return None
    n = 2 * len(pairs)
    disagreeing = sum(1 for x, y in pairs if x != y)
    expected = n * n - sum(c * c for c in counts.values())  # > 0: two values at least
    return float(1 - Fraction(2 * disagreeing * (n - 1), expected))


def field_agreement(name: str, pairs: list[tuple[Report, Report]]) -> FieldAgreement:
    read = FIELDS[name]
    values = [(read(a), read(b)) for a, b in pairs]
    values = [(x, y) for x, y in values if x is not None or y is not None]
    agree = sum(1 for x, y in values if x == y)
    # Among pairs where either coder gave a value, leaving it empty is a coding decision
    # too: it is a category of its own, not a missing value. Values are compared as
    # text (as the figures have always been).
    alpha = nominal_alpha([(str(x), str(y)) for x, y in values])
    raw = round(agree / len(values), 4) if values else None
    return FieldAgreement(name, len(values), agree, raw,
                          None if alpha is None else round(alpha, 4))


def compare_codings(a: Repository, b: Repository) -> Agreement:
    coder = lambda repo: ", ".join(sorted({c.coder for c in repo.codings}))  # noqa: E731
    sources = sorted({c.source_id for c in a.codings} & {c.source_id for c in b.codings})
    result = Agreement(coder_a=coder(a), coder_b=coder(b), sources=sources,
                       reports_a=0, reports_b=0, matched=0)
    pairs: list[tuple[Report, Report]] = []
    reports_a, reports_b = _by_source(a.reports), _by_source(b.reports)
    for s in sources:
        ra, rb = reports_a.get(s, []), reports_b.get(s, [])
        m = match(ra, rb)
        result.reports_a += len(ra)
        result.reports_b += len(rb)
        result.matched += len(m)
        got_a = {id(x) for x, _ in m}
        got_b = {id(y) for _, y in m}
        result.unmatched_a += [f"{s} {r.event_id}: {r.fields.get('summary')}" for r in ra
                               if id(r) not in got_a]
        result.unmatched_b += [f"{s} {r.event_id}: {r.fields.get('summary')}" for r in rb
                               if id(r) not in got_b]
        pairs += m
    result.fields = [field_agreement(name, pairs) for name in FIELDS]
    result.linkage_pairs, result.linkage_agree = linkage(pairs)
    return result


def _by_source(reports: list[Report]) -> dict[str, list[Report]]:
    """Reports grouped by source, in their order: one pass instead of one per source."""
    out: dict[str, list[Report]] = {}
    for r in reports:
        out.setdefault(r.source_id, []).append(r)
    return out


def _pairs_within(keys: Iterable[Hashable]) -> int:
    """How many unordered pairs of items share a key."""
    return sum(n * (n - 1) // 2 for n in Counter(keys).values())


def linkage(pairs: list[tuple[Report, Report]]) -> tuple[int, int]:
    """Of the pairs of matched pairs from different sources, how many there are and on
    how many both coders agree whether the two reports are one event (both say "same
    event" or both say "different events"). Counted from group sizes, not pair by pair
    (pairs of pairs grow with the square of the data)."""

    def cross(key: Callable[[Report, Report], Hashable]) -> int:
        # pairs sharing the key, less those that also share a source
        return (_pairs_within(key(a, b) for a, b in pairs)
                - _pairs_within((a.source_id, key(a, b)) for a, b in pairs))

    total = cross(lambda a, b: None)
    same_a = cross(lambda a, b: a.event_id)
    same_b = cross(lambda a, b: b.event_id)
    same_both = cross(lambda a, b: (a.event_id, b.event_id))
    return total, total - same_a - same_b + 2 * same_both


def agreement(root: Path, main: Repository | None = None) -> tuple[Agreement, list[Any]]:
    """Compare coding/ with coding/second/; also return the problems reading them. `main`:
    the main coding as read already (by the build), so that only coding/second/ is read
    here; the archive is read once either way."""
    if main is None:
        main = read_repository(root, coding_files_in(root, CODING_DIR))
    second = read_repository(root, coding_files_in(root, SECOND_CODING_DIR),
                             sources=main.sources)
    return compare_codings(main, second), main.problems + second.problems


def render_agreement(result: Agreement) -> str:
    lines = [
        f"Coders: {result.coder_a} vs {result.coder_b}; sources: {', '.join(result.sources)}",
        f"Reports: {result.reports_a} vs {result.reports_b}; matched {result.matched}; "
        f"event-level match rate {result.match_rate:.2f}",
        f"Same-event linkage across sources: {result.linkage_agree}/{result.linkage_pairs} "
        "pairs agree",
        "",
        f"{'field':<18}{'n':>4}{'agree':>7}{'raw':>7}{'alpha':>8}",
    ]
    for f in result.fields:
        raw = f"{f.raw:.2f}" if f.raw is not None else "–"
        alpha = f"{f.alpha:.2f}" if f.alpha is not None else "n/a"
        lines.append(f"{f.field:<18}{f.n:>4}{f.agree:>7}{raw:>7}{alpha:>8}")
    for label, items in (("Only in the main coding", result.unmatched_a),
                         ("Only in the second coding", result.unmatched_b)):
        if items:
            lines += ["", f"{label}:"] + [f"  {x}" for x in items]
    return "\n".join(lines)
