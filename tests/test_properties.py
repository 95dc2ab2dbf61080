"""Property-based tests: whole classes of generated data, through the real pipeline.

The generators are `gsi_events.testing` (derived from schemas/). Example counts follow the
hypothesis profile (conftest.py): `quick` by default, `--hypothesis-profile=thorough` for
ten times as many.
"""

from __future__ import annotations

import io
import random
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner
from conftest import examples, snapshot
from hypothesis import event, given
from hypothesis import strategies as st

from gsi_events import diff, testing
from gsi_events.cli import main
from gsi_events.coders import export
from gsi_events.compile import schema
from gsi_events.compile.merge import build_tables
from gsi_events.compile.pipeline import compile_repository
from gsi_events.compile.read import read_coding
from gsi_events.compile.repository import read_repository
from gsi_events.compile.yamlio import dump_yaml
from gsi_events.problems import ProblemsFound
from gsi_events.release import parquet
from gsi_events.release import publish as release


@contextmanager
def folder() -> Iterator[Path]:
    with tempfile.TemporaryDirectory() as tmp:
        yield Path(tmp)


def built(root: Path, files: list[Path] | None = None) -> release.Built:
    """release.build_release, failing with the problems when there are any."""
    try:
        return release.build_release(root, files)
    except ProblemsFound as e:
        pytest.fail("\n".join(str(p) for p in e.problems))


def compiled_ok(dataset: testing.Dataset, root: Path):  # type: ignore[no-untyped-def]
    compiled = testing.compile_dataset(dataset, root)
    assert [str(p) for p in compiled.problems] == []
    return compiled


def _describe(dataset: testing.Dataset) -> None:
    """Label what the example reaches (shown by --hypothesis-show-statistics)."""
    for _, _, r in dataset.reports():
        event(f"date_precision={r.get('date_precision')}")
        if r.get("count_best") in (0, testing.INT_MAX):
            event(f"count_best={r['count_best']}")
    for rec in dataset.sources.values():
        event(f"published_precision={rec.get('published_precision')}")
    event(f"sources per event: max {max(len(dataset.reports_of(e)) for e in dataset.event_ids())}")
    if any(r.get("links") for _, _, r in dataset.reports()):
        event("has links")


# --- every generated valid dataset passes ------------------------------------------------


@examples(2)
@given(testing.datasets())
def test_every_generated_dataset_is_valid(dataset: testing.Dataset) -> None:
    _describe(dataset)
    with folder() as root:
        compiled = compiled_ok(dataset, root)
        assert compiled.tables["events"].height == len(dataset.event_ids())
        assert compiled.tables["sources"].height == len(dataset.sources)


@examples(0.3)
@given(testing.datasets(max_sources=2, max_events=3))
def test_every_generated_dataset_passes_the_command(dataset: testing.Dataset) -> None:
    with folder() as root:
        dataset.write(root)
        result = CliRunner().invoke(main, ["validate", "--root", str(root)])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("All valid.")


# --- Parquet ------------------------------------------------------------------------------

R_SAFE = {"string": pa.string(), "integer": pa.int32(), "number": pa.float64(),
          "date": pa.date32(), "boolean": pa.bool_()}


@examples(1)
@given(testing.datasets())
def test_parquet_round_trip_keeps_values_and_types(dataset: testing.Dataset) -> None:
    with folder() as root:
        compiled = compiled_ok(dataset, root)
    for name in schema.TABLES:
        df = compiled.tables[name]
        tbl = parquet.arrow_table(name, df)
        back = pq.read_table(io.BytesIO(parquet.parquet_bytes(tbl)))
        # the Arrow types exactly, and the R-safe rules: one plain type per schema type
        # (32-bit integers, date32, no dictionaries, nothing nested), nullable unless required
        expected = pa.schema([pa.field(f.name, R_SAFE[f.type], nullable=not f.required)
                              for f in schema.table(name).fields])
        assert back.schema.remove_metadata() == expected, name
        assert back.schema.remove_metadata() == parquet.arrow_schema(name)
        # the values exactly, as pyarrow and as polars read them
        assert back.to_pylist() == tbl.to_pylist() == df.to_dicts(), name
        assert pl.from_arrow(back).to_dicts() == df.to_dicts(), name


# --- determinism ---------------------------------------------------------------------------


@examples(1)
@given(testing.datasets(), st.randoms(use_true_random=False))
def test_build_is_deterministic_and_order_independent(dataset: testing.Dataset,
                                                      rnd: random.Random) -> None:
    with folder() as root:
        dataset.write(root)
        files = sorted(p for p in (root / "coding").glob("*.yaml") if p.name != "retired.yaml")
        first = built(root, files)
        shuffled = list(files)
        rnd.shuffle(shuffled)
        second = built(root, shuffled)
        assert first.files == second.files  # byte-identical Parquet
        assert release.dumps(first.datapackage()) == release.dumps(second.datapackage())
        # the merge itself does not depend on the order reports were read in
        repo = read_repository(root)
        tables = build_tables(repo)
        rnd.shuffle(repo.codings)
        for c in repo.codings:
            rnd.shuffle(c.reports)
        again = build_tables(repo)
    for name in schema.TABLES:
        assert tables[name].equals(again[name]), name
        assert parquet.parquet_bytes(parquet.arrow_table(name, tables[name])) == \
            first.files[f"{name}.parquet"]


# --- diff -----------------------------------------------------------------------------------


@st.composite
def dataset_and_edit(draw):  # type: ignore[no-untyped-def]
    dataset = draw(testing.datasets(max_sources=3, max_events=5))
    edited, edit = draw(testing.edits(dataset))
    return dataset, edited, edit


@examples(1)
@given(dataset_and_edit())
def test_diff_reports_exactly_the_edit(case: tuple[testing.Dataset, testing.Dataset,
                                                   testing.Edit]) -> None:
    dataset, edited, edit = case
    with folder() as a, folder() as b:
        dataset.write(a)
        edited.write(b)
        old, new = built(a), built(b)
    same = diff.compare_releases(old.frames, old.frames, old.datapackage(), old.datapackage())
    assert same["required_bump"] is None
    for name, t in same["tables"].items():
        assert (t["added"], t["removed"], t["changed"]) == ([], [], []), name
    d = diff.compare_releases(old.frames, new.frames, old.datapackage(), new.datapackage())
    events = d["tables"]["events"]
    assert {r["event_id"] for r in events["added"]} == edit.added
    assert {r["event_id"] for r in events["removed"]} == edit.removed
    assert {c["key"]["event_id"]: set(c["fields"]) for c in events["changed"]} == edit.changed
    for c in events["changed"]:
        for f in c["fields"]:
            assert c["before"][f] != c["after"][f]
    assert not any(d["schema"].values())
    # the recipe: removing rows other tables refer to (events) is major, adding minor,
    # correcting a patch
    expected = ("major" if edit.removed else "minor" if edit.added else
                "patch" if edit.changed else None)
    assert d["required_bump"] == expected


# --- export round trip ------------------------------------------------------------------


def _reports(root: Path) -> dict[tuple[str, str], tuple]:
    """(source, event) -> the report as parsed, comparable (a link coded twice is kept
    once, with its first note, as the tables keep it)."""
    out = {}
    for path in sorted((root / "coding").glob("*.yaml")):
        if path.name == "retired.yaml":
            continue
        coding, problems = read_coding(path, root)
        assert coding is not None, problems
        for r in coding.reports:
            parts = [[{k: v for k, v in x.items() if k != "_line"} for x in rows]
                     for rows in (r.participants, r.quotes, r.links)]
            links: dict[tuple, dict] = {}  # a link is kept once: its first coding
            for x in parts[2]:
                links.setdefault((x["relation"], x["target_event_id"]), x)
            out[coding.source_id, r.event_id] = (r.fields, parts[0], parts[1], links)
    return out


@examples(1)
@given(testing.datasets(max_sources_per_event=1, canonical=False))
def test_coding_files_tables_export_round_trip(dataset: testing.Dataset) -> None:
    with folder() as a, folder() as b:
        first = compiled_ok(dataset, a)
        for rel, data in dataset.files().items():  # the same archive
            if rel.startswith("archive/") and data is not None:
                (b / rel).parent.mkdir(parents=True, exist_ok=True)
                (b / rel).write_bytes(data)
        export.write_coding_files(first.tables, b, coder="coder-a")
        second = compile_repository(b)
        assert [str(p) for p in second.problems] == []
        for name in schema.TABLES:
            assert first.tables[name].equals(second.tables[name]), name
        assert _reports(a) == _reports(b)
        records = export.source_records(first.tables)
        assert {k: dump_yaml(v) for k, v in records.items()} == \
            {k: dump_yaml(v) for k, v in dataset.sources.items()}


def test_export_refuses_events_with_several_sources() -> None:
    dataset = testing.example_dataset(multi=True, max_sources=2, max_events=2)
    with folder() as root:
        compiled = compiled_ok(dataset, root)
    with pytest.raises(export.ExportError, match="several sources"):
        export.coding_files(compiled.tables)


# --- bad input never crashes ---------------------------------------------------------------

# keys a coding file may hold, and values of every YAML type, some of them nearly right
KEYS = sorted({"source", "coder", "events", "event", "canonical", "participants", "links",
               "quotes", *(f.key for t in ("events", "participants", "evidence",
                                           "event_links") for f in
                           schema.table(t).coded_fields), "colour"})
SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(), st.integers(min_value=2**31 - 2),
    st.floats(allow_nan=True), st.text(max_size=30),
    st.sampled_from(["src-0001", "ev-0001", "ev-1", "2024-02-30", "2024/09/09",
                     "2024-09-09", "3,000", "CHN", "XXX", "training_pledged", "announced",
                     "actor", "action;count", "", "\u00e9", "e\u0301", "\ufeff"]),
    st.dates(),
)
YAML_DATA = st.recursive(
    SCALARS,
    lambda inner: st.one_of(st.lists(inner, max_size=4),
                            st.dictionaries(st.sampled_from(KEYS), inner, max_size=6)),
    max_leaves=30,
)
SNIPPETS = st.sampled_from([
    "", "%YAML 1.1\n---\n", "---\n", "\n...\n", "a: &x [1, *x]\n", "? [a, b]\n: c\n",
    "<<: {coder: a}\n", "source: !!binary aGVsbG8=\n", "x: !custom 1\n", "\t- tab\n",
    "key: value\nkey: again\n", "[" * 2000, "\x00", '"\\ud800"\n', "\ufeffsource: x\n",
    "events:\n- event: ev-0001\n  date_start: 2024-02-30\n", "\r\n",
])


@st.composite
def yaml_texts(draw):  # type: ignore[no-untyped-def]
    data = draw(YAML_DATA)
    text = dump_yaml(data) if not isinstance(data, str) or draw(st.booleans()) else data
    cut = draw(st.integers(0, len(text)))
    return text[:cut] + draw(SNIPPETS) + text[cut:]


@st.composite
def broken_files(draw):  # type: ignore[no-untyped-def]
    """A valid dataset with one file replaced: by arbitrary bytes, a valid file with bytes
    flipped, arbitrary YAML, or a report replaced by arbitrary YAML data."""
    dataset = draw(testing.datasets(max_sources=2, max_events=3))
    kind = draw(st.sampled_from(["bytes", "flipped", "yaml", "report"]))
    coded = [s for s, c in dataset.codings.items() if c.get("events")]
    stem = draw(st.sampled_from(coded))
    rel = draw(st.sampled_from([f"coding/{stem}.yaml", f"archive/{stem}.yaml",
                                "coding/retired.yaml"]))
    if kind == "report":
        events = dataset.codings[stem]["events"]
        events[draw(st.integers(0, len(events) - 1))] = draw(YAML_DATA)
        return dataset, f"coding/{stem}.yaml"
    if kind == "bytes":
        data = draw(st.binary(max_size=300))
    elif kind == "yaml":
        data = draw(yaml_texts()).encode("utf-8", "surrogatepass")
    else:
        data = bytearray(dataset.files().get(rel) or dump_yaml({"events": []}).encode())
        for _ in range(draw(st.integers(1, 5))):
            i = draw(st.integers(0, len(data)))
            data[i:i + draw(st.integers(0, 3))] = draw(st.binary(min_size=0, max_size=3))
        data = bytes(data)
    dataset.raw[rel] = data
    return dataset, rel


@examples(3)
@given(broken_files())
def test_bad_input_never_crashes_and_writes_nothing(case: tuple[testing.Dataset, str]) -> None:
    dataset, _ = case
    with folder() as root:
        dataset.write(root)
        before = snapshot(root)
        compiled = compile_repository(root)  # no exception: problems are data
        for p in compiled.problems:
            assert p.file and p.rule and p.message
            str(p).encode("utf-8")  # printable as it is
        result = CliRunner().invoke(main, ["validate", "--root", str(root)])
        assert result.exception is None or isinstance(result.exception, SystemExit), \
            result.exception
        assert "Traceback" not in result.output
        assert result.exit_code == (1 if compiled.problems else 0), result.output
        if compiled.problems:
            assert result.output.rstrip().endswith("nothing was written.")
            out = root / "out"
            built = CliRunner().invoke(main, ["build", "--root", str(root), "--out", str(out)])
            assert built.exit_code == 1 and "Traceback" not in built.output, built.output
            assert not out.exists()
        assert snapshot(root) == before
