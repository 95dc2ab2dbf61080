"""The parse cache (gsi_events.compile.cache): a hit gives exactly what parsing gives
(problems and byte-identical builds), a changed byte, schema or code version is never
served from it, a corrupt entry or database is ignored, and a run after one file changed
parses that file only."""

from __future__ import annotations

import marshal
import os
import shutil
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from conftest import seed_copy
from test_bad_input import CORPUS, lay_over

from gsi_events.cli import main
from gsi_events.compile import cache, crossfile
from gsi_events.compile.pipeline import compile_repository

DB = Path(cache.CACHE_DIR) / cache.DATABASE


@pytest.fixture
def fixture_repo(tmp_path: Path) -> Path:
    root = seed_copy(tmp_path / "repo")
    lay_over(root, CORPUS / "_base")
    return root


def parses(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The files parsed afresh from now on (paths), counted in this process."""
    done: list[str] = []
    real = cache._parse

    def counted(job: tuple[str, bytes, str, str]) -> str:
        done.append(job[2])
        return real(job)

    monkeypatch.setattr(cache, "_parse", counted)
    return done


def problems(root: Path) -> list[str]:
    return [str(p) for p in compile_repository(root).problems]


def uncached(root: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    with monkeypatch.context() as m:
        m.setenv(cache.DISABLED, "1")
        return problems(root)


def build_bytes(root: Path, out: Path) -> dict[str, bytes]:
    result = CliRunner().invoke(main, ["build", "--root", str(root), "--out", str(out)])
    assert result.exit_code == 0, result.output
    return {p.name: p.read_bytes() for p in sorted(out.iterdir())}


# A cache hit gives each bad-input case its exact message: tests/test_bad_input.py
# (test_bad_input_gets_its_exact_message validates every case twice, cold and cached).


def test_hit_miss_and_no_cache_give_the_same_problems_and_builds(
        fixture_repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cold = build_bytes(fixture_repo, tmp_path / "cold")
    warm = build_bytes(fixture_repo, tmp_path / "warm")
    with monkeypatch.context() as m:
        m.setenv(cache.DISABLED, "1")
        none = build_bytes(fixture_repo, tmp_path / "none")
    assert cold == warm == none
    lay_over(fixture_repo, CORPUS / "several_mistakes")
    first, second = problems(fixture_repo), problems(fixture_repo)
    assert first == second == uncached(fixture_repo, monkeypatch) != []


def test_one_changed_file_is_the_only_one_parsed(
        fixture_repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    before = problems(fixture_repo)
    done = parses(monkeypatch)
    assert problems(fixture_repo) == before and done == []
    path = fixture_repo / "coding" / "src-9001.yaml"
    path.write_bytes(path.read_bytes().replace(b"summary: ", b"summary:  ", 1))
    assert problems(fixture_repo) == before
    assert done == ["coding/src-9001.yaml"]
    path.write_bytes(path.read_bytes() + b"misspelt_key: 1\n")  # a changed byte is seen
    after = problems(fixture_repo)
    assert any("misspelt_key" in p for p in after)
    assert after == uncached(fixture_repo, monkeypatch)


def test_a_new_schema_or_code_version_is_never_served_from_the_cache(
        fixture_repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    before = problems(fixture_repo)
    done = parses(monkeypatch)
    monkeypatch.setattr(cache, "code_version", lambda: "another version")
    assert problems(fixture_repo) == before
    assert len(done) == len(list(fixture_repo.glob("archive/*.yaml"))) + len(
        [p for p in fixture_repo.glob("coding/*.yaml") if p.name != "retired.yaml"])
    with sqlite3.connect(fixture_repo / DB) as db:  # entries of the old version are gone
        assert {v for (v,) in db.execute("SELECT DISTINCT version FROM entries")} == {
            "another version"}


def test_the_version_follows_the_schemas_and_the_code(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from gsi_events import paths

    first = cache.digest("coding", "coding/src-0001.yaml", b"source: src-0001\n")
    schemas = paths.schema_dir()
    for what in ("schemas", "package"):
        copy = tmp_path / what
        source = paths.schema_dir() if what == "schemas" else paths.PACKAGE
        shutil.copytree(source, copy, ignore=shutil.ignore_patterns("__pycache__"))
        target = next(p for p in sorted(copy.rglob("*.yaml" if what == "schemas" else "*.py")))
        target.write_bytes(target.read_bytes() + b"\n# changed\n")
        with monkeypatch.context() as m:
            if what == "schemas":
                m.setattr(paths, "schema_dir", lambda copy=copy: copy)
            else:
                m.setattr(paths, "PACKAGE", copy)
                m.setattr(paths, "schema_dir", lambda: schemas)
            cache.code_version.cache_clear()
            assert cache.digest("coding", "coding/src-0001.yaml",
                                b"source: src-0001\n") != first
        cache.code_version.cache_clear()
    assert cache.digest("coding", "coding/src-0001.yaml", b"source: src-0001\n") == first
    assert cache.digest("coding", "coding/src-0001.yaml", b"source: src-0002\n") != first


def test_a_corrupt_entry_is_ignored(fixture_repo: Path,
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    before = problems(fixture_repo)
    with sqlite3.connect(fixture_repo / DB) as db:
        keys = [k for (k,) in db.execute("SELECT key FROM entries ORDER BY key")]
        db.execute("UPDATE entries SET value = 'not json' WHERE key = ?", (keys[0],))
        db.execute("UPDATE entries SET value = '{\"coding\": 1}' WHERE key = ?", (keys[1],))
        db.execute("UPDATE entries SET value = '[]' WHERE key = ?", (keys[2],))
    done = parses(monkeypatch)
    assert problems(fixture_repo) == before
    assert len(done) == 3
    done.clear()
    assert problems(fixture_repo) == before and done == []  # rewritten


def test_a_corrupt_database_is_ignored(fixture_repo: Path) -> None:
    before = problems(fixture_repo)
    (fixture_repo / DB).write_bytes(b"not a database at all" * 100)
    assert problems(fixture_repo) == before
    assert problems(fixture_repo) == before
    with sqlite3.connect(fixture_repo / DB) as db:  # started again
        assert db.execute("SELECT count(*) FROM entries").fetchone()[0] > 0


def test_worker_processes_give_the_same_results(
        fixture_repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    lay_over(fixture_repo, CORPUS / "several_mistakes")
    serial = uncached(fixture_repo, monkeypatch)
    monkeypatch.setattr(cache, "PARALLEL_FROM", 1)
    assert problems(fixture_repo) == serial


def wording_checks(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The coding files whose reports' wording is checked afresh from now on (paths)."""
    done: list[str] = []
    real = crossfile.evidence_wording

    def counted(r: Any, language: str) -> Any:
        done.append(r.file)
        return real(r, language)

    monkeypatch.setattr(crossfile, "evidence_wording", counted)
    return done


def test_wording_problems_are_kept_by_file_and_language(
        fixture_repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The wording problems of a coding file (evidence written as a number or date) are
    kept by its entry and its source's language: a warm run checks no wording and says
    what checking says; a changed language or file is checked again."""
    record = fixture_repo / "archive" / "src-9004.yaml"
    coding = fixture_repo / "coding" / "src-9004.yaml"
    assert problems(fixture_repo) == uncached(fixture_repo, monkeypatch) == []
    checked = wording_checks(monkeypatch)
    assert problems(fixture_repo) == [] and checked == []
    # in Chinese, "twenty" and "on Monday" are not read as a number and a date
    record.write_bytes(record.read_bytes().replace(b"language: en", b"language: zh"))
    other_language = problems(fixture_repo)
    assert set(checked) == {"coding/src-9004.yaml"}
    assert any("evidence.count_written" in p for p in other_language)
    assert other_language == uncached(fixture_repo, monkeypatch)
    checked.clear()
    assert problems(fixture_repo) == other_language and checked == []
    checked.clear()
    coding.write_bytes(coding.read_bytes().replace(b"handed twenty", b"handed 20"))
    count_in_digits = problems(fixture_repo)
    assert set(checked) == {"coding/src-9004.yaml"}
    assert not any("evidence.count_written" in p for p in count_in_digits)
    assert count_in_digits != [] and count_in_digits == uncached(fixture_repo, monkeypatch)


def test_a_corrupt_derived_result_is_made_again(
        fixture_repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    lay_over(fixture_repo, CORPUS / "count_note_without_number")
    before = problems(fixture_repo)
    assert any("evidence.count_written" in p for p in before)
    with sqlite3.connect(fixture_repo / DB) as db:
        keys = [k for (k,) in db.execute("SELECT key FROM derived ORDER BY key")]
        assert len(keys) == len(list(fixture_repo.glob("coding/src-*.yaml")))
        db.execute("UPDATE derived SET value = 'not marshal' WHERE key = ?", (keys[0],))
        db.execute("UPDATE derived SET value = ? WHERE key = ?",
                   (marshal.dumps([["a", "b", "c"]]), keys[1]))
        db.execute("UPDATE derived SET value = ? WHERE key = ?",
                   (marshal.dumps("abcd"), keys[2]))
    checked = wording_checks(monkeypatch)
    assert problems(fixture_repo) == before
    assert len(set(checked)) == 3
    checked.clear()
    assert problems(fixture_repo) == before and checked == []  # rewritten


def test_the_cache_folder_is_gitignored() -> None:
    from conftest import REPO

    lines = (REPO / ".gitignore").read_text(encoding="utf-8").splitlines()
    assert f"/{cache.CACHE_DIR}/" in lines


def test_build_reads_each_file_once(repo_copy: Path, tmp_path: Path,
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """`build` (and so `release`) computes the tables and the agreement figures from one
    reading: no file is read twice, and the figures are those of a separate reading."""
    import json

    from gsi_events.compile import read
    from gsi_events.release.publish import quality

    assert list((repo_copy / "coding" / "second").glob("*.yaml"))  # agreement has work
    separately = quality(repo_copy)
    assert separately
    monkeypatch.setattr(cache, "trusted", lambda *_: False)  # every file read, none skipped
    seen: list[str] = []
    for module in (cache, read):
        real = module.read_bytes
        monkeypatch.setattr(module, "read_bytes", lambda path, rel, *more, real=real: (
            seen.append(rel), real(path, rel, *more))[1])
    build_bytes(repo_copy, tmp_path / "out")
    yaml_files = [p.relative_to(repo_copy).as_posix() for p in repo_copy.rglob("*.yaml")
                  if p.parts[-2] in ("archive", "coding", "second") and p.name != "retired.yaml"]
    assert sorted(seen) == sorted(yaml_files)
    dp = json.loads((tmp_path / "out" / "datapackage.json").read_text(encoding="utf-8"))
    assert dp["quality"] == json.loads(json.dumps(separately))


# --- the index of file signatures ---------------------------------------------------------


def read_here(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The files read from disk by the cache from now on (paths)."""
    seen: list[str] = []
    real = cache.read_bytes
    monkeypatch.setattr(cache, "read_bytes", lambda path, rel, *more: (
        seen.append(rel), real(path, rel, *more))[1])
    return seen


def settled_run(root: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Problems of a run that began an hour from now: every file is settled for it, so the
    index it writes is trusted for files whose signature does not change."""
    later = cache._now_ns() + 3600 * 10**9
    with monkeypatch.context() as m:
        m.setattr(cache, "_now_ns", lambda: later)
        return problems(root)


def same_size_edit(path: Path) -> bytes:
    """Change one byte of the file, keeping its size; the new bytes."""
    data = path.read_bytes()
    at = data.index(b"summary: ") + len(b"summary: ")
    new = data[:at] + (b"X" if data[at:at + 1] != b"X" else b"Y") + data[at + 1:]
    path.write_bytes(new)
    return new


def test_an_unchanged_settled_file_is_neither_read_nor_parsed(
        fixture_repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    before = settled_run(fixture_repo, monkeypatch)
    seen, done = read_here(monkeypatch), parses(monkeypatch)
    assert problems(fixture_repo) == before and seen == [] and done == []


def test_a_file_changed_in_the_tick_it_was_read_is_hashed_again(
        fixture_repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Racily clean: on a file system whose timestamps did not move (here: a signature of
    the size alone), a same-size edit right after a run is still seen, because a file
    changed less than SETTLED_NS before the run began is never trusted."""
    monkeypatch.setattr(cache, "signature", lambda info: str(info.st_size))
    problems(fixture_repo)
    path = fixture_repo / "coding" / "src-9001.yaml"
    same_size_edit(path)
    seen, done = read_here(monkeypatch), parses(monkeypatch)
    after = problems(fixture_repo)
    assert "coding/src-9001.yaml" in seen and done == ["coding/src-9001.yaml"]
    assert after == uncached(fixture_repo, monkeypatch)


def test_the_index_alone_would_be_fooled_by_timestamps_that_did_not_move(
        fixture_repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The counterpart of the racy rule (so that the test above can fail): a run whose
    files all look settled trusts a signature that did not change."""
    monkeypatch.setattr(cache, "signature", lambda info: str(info.st_size))
    settled_run(fixture_repo, monkeypatch)
    same_size_edit(fixture_repo / "coding" / "src-9001.yaml")
    seen = read_here(monkeypatch)
    problems(fixture_repo)
    assert seen == []


@pytest.mark.parametrize("how", ["in_place_mtime_restored", "renamed_over", "touched"])
def test_a_changed_signature_is_read_and_hashed(
        how: str, fixture_repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A same-size edit with its mtime set back (ctime still moves), a file replaced by
    a rename (another inode), a touch (bytes unchanged: read and hashed, not parsed)."""
    settled_run(fixture_repo, monkeypatch)
    path = fixture_repo / "coding" / "src-9001.yaml"
    old = path.stat()
    if how == "in_place_mtime_restored":
        same_size_edit(path)
        os.utime(path, ns=(old.st_atime_ns, old.st_mtime_ns))
    elif how == "renamed_over":
        other = path.with_name("new.tmp")
        other.write_bytes(path.read_bytes())
        same_size_edit(other)
        os.utime(other, ns=(old.st_atime_ns, old.st_mtime_ns))
        os.replace(other, path)
    else:
        os.utime(path, ns=(old.st_atime_ns, old.st_mtime_ns + 10**9))
    seen, done = read_here(monkeypatch), parses(monkeypatch)
    after = problems(fixture_repo)
    assert seen == ["coding/src-9001.yaml"]
    assert done == ([] if how == "touched" else ["coding/src-9001.yaml"])
    assert after == uncached(fixture_repo, monkeypatch)


def test_an_index_row_whose_entry_is_gone_reads_the_file(
        fixture_repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    before = settled_run(fixture_repo, monkeypatch)
    with sqlite3.connect(fixture_repo / DB) as db:
        db.execute("DELETE FROM entries")
        indexed = db.execute("SELECT count(*) FROM files").fetchone()[0]
    seen, done = read_here(monkeypatch), parses(monkeypatch)
    assert problems(fixture_repo) == before
    assert len(seen) == len(done) == indexed > 0


@pytest.mark.parametrize("changed, started, trusted", [
    (100 * 10**9, 100 * 10**9, False),  # changed as the run began
    (100 * 10**9, 100 * 10**9 + cache.SETTLED_NS, False),  # not settled yet
    (100 * 10**9, 101 * 10**9 + cache.SETTLED_NS, True),
])
def test_trusted_needs_mtime_and_ctime_settled(changed: int, started: int,
                                               trusted: bool) -> None:
    for mtime, ctime in ((changed, 0), (0, changed), (changed, changed)):
        assert cache.trusted(mtime, ctime, started) is trusted


def test_an_entry_holds_plain_values(tmp_path: Path) -> None:
    """A value ruamel.yaml gives as a str subclass (a block scalar) is stored as the text
    it is, and read back equal to what parsing gives."""
    from gsi_events.compile.read import parse_coding

    raw = b"source: |\n  src-9001\ncoder: a\\b\nevents: []\n"  # \\: the precise path
    job = ("coding", raw, "coding/src-9001.yaml", "src-9001")
    assert cache.decode("coding", cache._parse(job)) == parse_coding(*job[1:])
