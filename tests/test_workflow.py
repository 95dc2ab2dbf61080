"""The coder's workflow: add-source, code, check, discrepancies, agreement, pledges.

Each test runs on a repository holding only the seed sources (conftest.seed_copy), so
what coders add to the real one changes nothing here; ids a command gives out are read
from its output, not assumed."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import polars as pl
import pytest
from click.testing import CliRunner
from conftest import seed_copy

from gsi_events.cli import main
from gsi_events.coders.agreement import compare_codings
from gsi_events.compile.pipeline import compile_repository
from gsi_events.compile.repository import read_repository
from gsi_events.queries import pledges

REPO = Path(__file__).resolve().parents[1]
TEXT = "Xinhua, Beijing -- China donated 20 patrol cars to the police of Laos on Tuesday.\n"


@pytest.fixture
def root(tmp_path: Path) -> Path:
    """The seed sources without their second codings."""
    repo = seed_copy(tmp_path / "repo")
    shutil.rmtree(repo / "coding" / "second")
    return repo


def new_source_id(out: str) -> str:
    """The id add-source gave the new source, as its output says."""
    found = re.findall(r"src-[0-9]{4,}", out)
    assert found, out
    return found[0]


def next_event_id(root: Path) -> str:
    """An event id no coding file (or retired.yaml) uses yet."""
    repo = read_repository(root)
    used = {r.event_id for r in [*repo.reports, *repo.rejected_reports]}
    used |= repo.retired.get("events", set())
    n = max([int(e.split("-")[1]) for e in used] or [0]) + 1
    return f"ev-{n:04d}"


def run(root: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, [*args[:1], "--root", str(root), *args[1:]])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    assert "Traceback" not in result.output
    return result.exit_code, result.output


def tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes()
            for p in sorted(root.rglob("*")) if p.is_file()}


def add(root: Path, tmp_path: Path, *extra: str, text: str = TEXT) -> tuple[int, str]:
    capture = tmp_path / "capture.txt"
    capture.write_text(text, encoding="utf-8")
    return run(root, "add-source", str(capture), "--url", "https://example.org/laos-cars",
               "--publisher", "Xinhua", "--type", "state_media", *extra)


def test_add_source_archives_byte_exact(root: Path, tmp_path: Path) -> None:
    raw = ("Xinhua -- caf\u0065\u0301 police\r\n" + TEXT).encode()  # NFD and CRLF kept as is
    capture = tmp_path / "c.txt"
    capture.write_bytes(raw)
    code, out = run(root, "add-source", str(capture), "--url", "https://example.org/x",
                    "--publisher", "Xinhua", "--published", "2024-10", "--type", "state_media")
    assert code == 0, out
    sid = new_source_id(out)
    assert (root / f"archive/{sid}.txt").read_bytes() == raw
    record = (root / f"archive/{sid}.yaml").read_text()
    assert "published_precision: month" in record and "published_end: 2024-10-31" in record
    assert run(root, "validate")[0] == 0


def test_unknown_publication_date_is_allowed(root: Path, tmp_path: Path) -> None:
    code, out = add(root, tmp_path)
    assert code == 0, out
    sid = new_source_id(out)
    assert "published_precision: unknown" in (root / f"archive/{sid}.yaml").read_text()
    assert run(root, "validate")[0] == 0


def test_duplicate_text_or_address_is_refused_naming_the_existing_source(
        root: Path, tmp_path: Path) -> None:
    code, out = add(root, tmp_path)
    assert code == 0, out
    sid = new_source_id(out)
    before = tree(root)
    code, out = add(root, tmp_path)
    assert code == 1
    assert f"already archived as {sid}" in out
    assert "add_source.duplicate_text" in out and "add_source.duplicate_url" in out
    seed = (REPO / "archive/src-0001.txt").read_text(encoding="utf-8")
    code, out = run(root, "add-source", str(REPO / "archive/src-0001.txt"), "--url",
                    "https://example.org/other", "--publisher", "X")
    assert code == 1 and "already archived as src-0001" in out and seed
    assert tree(root) == before


def test_bad_metadata_lists_every_problem_and_writes_nothing(root: Path,
                                                            tmp_path: Path) -> None:
    before = tree(root)
    code, out = add(root, tmp_path, "--published", "2024-13-01", "--language", "english",
                    "--body-ends", "not in the text")
    assert code == 1
    for rule in ("add_source.published", "sources.language", "sources.body_markers_found"):
        assert rule in out
    assert "nothing was written" in out
    assert tree(root) == before


def test_code_scaffold_is_valid_and_lists_the_vocabularies(root: Path, tmp_path: Path) -> None:
    code, out = add(root, tmp_path)
    assert code == 0, out
    sid = new_source_id(out)
    code, out = run(root, "code", sid, "--coder", "tester")
    assert code == 0, out
    text = (root / f"coding/{sid}.yaml").read_text()
    assert "training_pledged" in text and "equipment_donated" in text and "coder: tester" in text
    assert run(root, "code", sid)[0] == 1  # never overwrites
    assert run(root, "validate")[0] == 0


def _code_laos(root: Path, sid: str, event: str, quote: str, count: str = "20") -> Path:
    path = root / f"coding/{sid}.yaml"
    path.write_text(f"""source: {sid}
coder: tester
events:
  - event: {event}
    action: equipment_donated
    status: completed
    summary: China donated 20 patrol cars to the police of Laos.
    gsi_framing: contextual
    umbrella: false
    date_precision: unknown
    count_best: {count}
    count_low: 20
    count_high: 20
    count_unit: items
    count_kind: patrol cars
    participants:
      - role: actor
        country: CHN
      - role: target
        country: LAO
        institution: police
    quotes:
      - quote: {quote}
        supports: [action, status, count, participants]
""", encoding="utf-8")
    return path


def test_check_locates_quotes_and_explains_misses(root: Path, tmp_path: Path) -> None:
    code, out = add(root, tmp_path)
    assert code == 0, out
    sid, event = new_source_id(out), next_event_id(root)
    _code_laos(root, sid, event, "China donated 20 patrol cars to the police of Laos")
    code, out = run(root, "check", f"coding/{sid}.yaml")
    assert code == 0, out
    assert f"found at characters {TEXT.index('China')}-{TEXT.index(' on Tuesday')}" in out

    cases = {
        "“China donated 20 patrol cars”": "not the same quotation marks",
        "China donated 20 patrol cars … of Laos": "ellipsis",
        "China donated 20   patrol cars": "whitespace",
        "China donated 20 police cars to the police of Laos": "'police' where the text has",
    }
    for quote, expected in cases.items():
        _code_laos(root, sid, event, f'"{quote}"')
        code, out = run(root, "check", f"coding/{sid}.yaml")
        assert code == 1 and expected in out, (quote, out)
        assert "evidence.quote_in_source" in out


def test_check_reports_every_mistake_with_its_line(root: Path, tmp_path: Path) -> None:
    code, out = add(root, tmp_path)
    assert code == 0, out
    sid, event = new_source_id(out), next_event_id(root)
    _code_laos(root, sid, event, "China donated 20 patrol cars", count='"2,0"')
    code, out = run(root, "check", f"coding/{sid}.yaml")
    assert code == 1
    assert f"coding/{sid}.yaml: event {event} (line 4)" in out
    assert "events.count_best.type" in out


def test_second_source_attaches_to_existing_event_and_discrepancies_list_it(
        root: Path) -> None:
    compiled = compile_repository(root)
    events = compiled.tables["events"]
    assert events.filter(pl.col("event_id") == "ev-0002")["n_sources"].item() == 3
    code, out = run(root, "discrepancies", "--event", "ev-0004")
    assert code == 0
    assert "src-0003 says: 2023-01-01..2023-12-31 (year)" in out
    assert "[conflict]" in out and "why:" in out


def test_agreement_identical_codings_agree_fully(root: Path) -> None:
    repo = read_repository(root)
    result = compare_codings(repo, repo)
    assert result.match_rate == 1.0
    assert result.matched == len(repo.reports)
    assert all(f.raw == 1.0 for f in result.fields if f.n)
    assert result.linkage_agree == result.linkage_pairs


def test_agreement_sees_a_changed_field(root: Path) -> None:
    a = read_repository(root)
    b = read_repository(root)
    changed = next(r for r in b.reports if r.event_id == "ev-0011")
    changed.fields["status"] = "failed"
    dropped = next(r for r in b.codings[0].reports if r.event_id == "ev-0017")
    b.codings[0].reports.remove(dropped)
    result = compare_codings(a, b)
    status = next(f for f in result.fields if f.field == "status")
    assert status.agree == status.n - 1
    assert status.alpha is not None and status.alpha < 1
    assert result.matched == len(a.reports) - 1
    assert any("ev-0017" in x for x in result.unmatched_a)


def test_agreement_command_needs_a_second_coding(root: Path) -> None:
    code, out = run(root, "agreement")
    assert code == 1 and "No source is coded in both" in out


def test_pledges_lists_pledges_with_deliveries(root: Path) -> None:
    tables = dict(compile_repository(root).tables.frames)
    out = pledges(tables=tables)
    assert set(out["action"]) <= {"training_pledged", "advisers_pledged", "equipment_pledged",
                                  "cooperation_agreed", "agreement_proposed",
                                  "peace_plan_proposed"}
    assert out.filter(pl.col("pledge_event_id") == "ev-0002")["count_pledged"].item() == 3000
    links = tables["event_links"]
    tables["event_links"] = pl.concat([links, pl.DataFrame(
        {"event_id": ["ev-0004"], "relation": ["fulfils"], "target_event_id": ["ev-0002"],
         "note": [None]}, schema=links.schema)])
    row = pledges(tables=tables).filter(pl.col("pledge_event_id") == "ev-0002").row(0, named=True)
    assert row["deliveries"] == 1 and row["count_delivered"] == 2700
    assert row["delivery_event_ids"] == "ev-0004"


def test_release_metadata_carries_the_agreement_figures(seed_root: Path) -> None:
    """On the seed sources and their second codings (coding/second/)."""
    from gsi_events.release.publish import quality

    q = quality(seed_root)
    figures = q["intercoder_agreement"]
    assert figures["coder_a"] == "coder-a" and figures["coder_b"] == "coder-b"
    assert 0 <= figures["match_rate"] <= 1
    assert {f["field"] for f in figures["fields"]} >= {"action", "status", "count_best"}
    assert "note" in q["intercoder_agreement_blind_pass"]


def test_pledges_from_the_newest_release() -> None:
    import gsi_events

    if not gsi_events.versions():
        pytest.skip("no release published yet")
    out = gsi_events.pledges()
    assert out.height >= 1
    assert out["pledge_event_id"].is_unique().all()
    assert set(out["deliveries"].to_list()) <= set(range(100))
