"""`gsi-events check FILE` compiles only the files that FILE's rules and warnings read
(gsi_events.coders.related), and finds for FILE exactly what compiling the whole
repository finds: the same problems and the same probable duplicates."""

from __future__ import annotations

import marshal
import os
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from conftest import REPO
from test_bad_input import CASES, CORPUS, lay_over

from gsi_events.coders import related
from gsi_events.coders.check import check_file, sibling_files
from gsi_events.coders.duplicates import distinct_pairs, probable_duplicates
from gsi_events.compile import cache
from gsi_events.compile.pipeline import Compiled, compile_repository
from gsi_events.testing.scale import scale_repository


def found_for(compiled: Compiled, rel: str) -> tuple[list[str], list[str]]:
    """The problems of one file, and the probable duplicates of its events."""
    repo = compiled.repo
    events = {r.event_id for c in repo.codings if c.file == rel
              for r in [*c.reports, *c.rejected]}
    dups = probable_duplicates(compiled.tables["events"], compiled.tables["participants"],
                               distinct_pairs([*repo.reports, *repo.rejected_reports]))
    return ([str(p) for p in compiled.problems if p.file == rel],
            [str(d) for d in dups if d.first in events or d.second in events])


def assert_same(root: Path, path: Path) -> None:
    rel = path.relative_to(root).as_posix()
    whole = compile_repository(root, sibling_files(root, path))
    checked, _ = check_file(root, path)
    assert found_for(checked, rel) == found_for(whole, rel)
    assert len(checked.repo.codings) <= len(whole.repo.codings)


@pytest.fixture(scope="module")
def scaled(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """80 generated sources, with a probable duplicate and a broken file planted."""
    root = tmp_path_factory.mktemp("scaled") / "repo"
    shutil.copytree(REPO / "schemas", root / "schemas")
    scale_repository(root, 80, seed=3)
    cited = [p for p in sorted((root / "coding").glob("src-*.yaml"))
             if "  evidence:" in p.read_text(encoding="utf-8")]
    first, other = cited[1], cited[-1]
    text = first.read_text(encoding="utf-8")
    event = text.split("- event: ", 2)[1].split("\n", 1)[0]
    twin = re.sub(r"(?m)^  canonical: true\n", "",
                  text.split("events:\n", 1)[1].split("\n- event:", 1)[0]).replace(
        event, "ev-90001")
    other.write_text(other.read_text(encoding="utf-8") + twin.rstrip("\n") + "\n",
                     encoding="utf-8")
    (root / "twin").write_text(other.name, encoding="utf-8")
    broken = root / "coding" / "src-00050.yaml"
    broken.write_text(broken.read_text(encoding="utf-8").replace("status:", "status: [", 1),
                      encoding="utf-8")
    return root


def test_the_planted_duplicate_is_found(scaled: Path) -> None:
    name = (scaled / "twin").read_text(encoding="utf-8")
    checked, _ = check_file(scaled, scaled / "coding" / name)
    problems, dups = found_for(checked, f"coding/{name}")
    assert problems == []
    assert any("ev-90001" in d for d in dups)
    assert_same(scaled, scaled / "coding" / name)


@pytest.mark.parametrize("n", [1, 10, 11, 25, 40, 50, 63, 80])
def test_check_finds_what_the_whole_compile_finds(scaled: Path, n: int) -> None:
    assert_same(scaled, scaled / "coding" / f"src-{n:05d}.yaml")


@pytest.mark.parametrize("case", CASES)
def test_check_of_each_corpus_file(case: str, repo_copy: Path) -> None:
    lay_over(repo_copy, CORPUS / "_base")
    lay_over(repo_copy, CORPUS / case)
    for path in sorted((CORPUS / case).rglob("*.yaml")):
        target = repo_copy / path.relative_to(CORPUS / case)
        if target.parent.name == "coding" and target.is_file():
            assert_same(repo_copy, target)


# --- the index of what each file mentions (related.index) ------------------------------------


def fresh_copy(scaled: Path, tmp_path: Path) -> Path:
    """The generated repository without its parse cache, with its parse cache filled
    as a validate leaves it (every file's parse, no index yet)."""
    root = tmp_path / "repo"
    shutil.copytree(scaled, root, ignore=shutil.ignore_patterns(cache.CACHE_DIR))
    compile_repository(root, sibling_files(root, root / "coding" / "src-00001.yaml"))
    return root


def first_event(path: Path) -> str:
    return path.read_text(encoding="utf-8").split("- event: ", 1)[1].split("\n", 1)[0]


def related_names(root: Path, path: Path) -> list[str]:
    return [p.name for p in related.related_files(root, path, sibling_files(root, path))[0]]


def count_reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The files the search reads itself (compiling the chosen ones reads those again)."""
    seen: list[str] = []
    real = related.read_bytes

    def counted(path: Path, rel: str, root: Path | None = None) -> Any:
        seen.append(rel)
        return real(path, rel, root)

    monkeypatch.setattr(related, "read_bytes", counted)
    return seen


def test_an_unchanged_repository_is_searched_from_the_index(
        scaled: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = fresh_copy(scaled, tmp_path)
    monkeypatch.setattr(cache, "SETTLED_NS", 0)  # files just written count as settled
    target = root / "coding" / "src-00011.yaml"
    before = related_names(root, target)
    seen = count_reads(monkeypatch)
    assert related_names(root, target) == before
    assert seen == []
    assert_same(root, target)


@pytest.mark.parametrize("same_size_and_time", [False, True])
def test_a_changed_file_is_never_searched_from_its_old_entry(
        scaled: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        same_size_and_time: bool) -> None:
    root = fresh_copy(scaled, tmp_path)
    monkeypatch.setattr(cache, "SETTLED_NS", 0)
    target, other = root / "coding" / "src-00011.yaml", root / "coding" / "src-00070.yaml"
    assert other.name not in related_names(root, target)  # the index now holds `other`
    event = first_event(target)
    text = other.read_text(encoding="utf-8")
    if same_size_and_time:  # overwrite its last bytes: same size, its time put back
        times = other.stat()
        edit = f"# {event}\n"
        other.write_text(text[:-len(edit)] + edit, encoding="utf-8")
        os.utime(other, ns=(times.st_atime_ns, times.st_mtime_ns))
        assert other.stat().st_size == times.st_size
    else:
        other.write_text(text + f"# see {event}\n", encoding="utf-8")
    seen = count_reads(monkeypatch)
    assert other.name in related_names(root, target)
    assert seen == ["coding/src-00070.yaml"]


def test_a_file_changed_within_a_clock_tick_is_read_again(
        scaled: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A coarse clock: the signature stays the same whatever is written; a file that had
    changed less than SETTLED_NS before it was indexed is read again."""
    root = fresh_copy(scaled, tmp_path)
    monkeypatch.setattr(cache, "signature", lambda info: "unchanged")
    target, other = root / "coding" / "src-00011.yaml", root / "coding" / "src-00070.yaml"
    os.utime(other)  # changed just before it is indexed
    assert other.name not in related_names(root, target)
    other.write_text(other.read_text(encoding="utf-8") + f"# see {first_event(target)}\n",
                     encoding="utf-8")
    assert other.name in related_names(root, target)


def test_an_edit_is_seen_by_checks_index_and_kept_for_validate(
        scaled: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """check's search and validate keep one index of file signatures (the parse cache's):
    a file edited after both indexed it is read and hashed by check, which finds its new
    mention and keeps its new row; the next validate then reads no file at all."""
    root = fresh_copy(scaled, tmp_path)  # validate has indexed every file
    monkeypatch.setattr(cache, "SETTLED_NS", 0)
    target, other = root / "coding" / "src-00011.yaml", root / "coding" / "src-00070.yaml"
    rel = "coding/src-00070.yaml"
    assert other.name not in related_names(root, target)
    other.write_text(other.read_text(encoding="utf-8") + f"# see {first_event(target)}\n",
                     encoding="utf-8")
    seen = count_reads(monkeypatch)
    assert other.name in related_names(root, target)
    assert seen == [rel]
    store = cache.Store(root)
    row = store.index([rel])[rel]
    store.close()
    assert row[1] == cache.signature(os.lstat(other))
    assert row[3] == cache.digest("coding", rel, other.read_bytes())
    validated: list[str] = []
    real = cache.read_bytes
    monkeypatch.setattr(cache, "read_bytes", lambda path, rel, *more: (
        validated.append(rel), real(path, rel, *more))[1])
    compile_repository(root, sibling_files(root, target))
    assert validated == []


def test_broken_index_entries_are_not_used(
        scaled: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = fresh_copy(scaled, tmp_path)
    monkeypatch.setattr(cache, "SETTLED_NS", 0)
    target = root / "coding" / "src-00011.yaml"
    before = related_names(root, target)
    store = cache.Store(root)
    assert store.db is not None
    with store.db:
        store.db.execute("UPDATE entries SET value = substr(value, 2) "
                         "WHERE key LIKE 'related-%'")
    store.close()
    assert related_names(root, target) == before
    assert_same(root, target)


@pytest.mark.parametrize("n", [11, 40, 63])
def test_check_without_cached_parses(scaled: Path, tmp_path: Path, n: int,
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """Files whose parse is not cached are searched in their bytes: with no parse cache,
    and with one holding only what checking another file parsed."""
    root = tmp_path / "repo"
    shutil.copytree(scaled, root, ignore=shutil.ignore_patterns(cache.CACHE_DIR))
    path = root / "coding" / f"src-{n:05d}.yaml"
    rel = path.relative_to(root).as_posix()
    with monkeypatch.context() as m:
        m.setenv(cache.DISABLED, "1")
        whole = found_for(compile_repository(root, sibling_files(root, path)), rel)
        assert found_for(check_file(root, path)[0], rel) == whole
    check_file(root, root / "coding" / "src-00001.yaml")
    assert found_for(check_file(root, path)[0], rel) == whole


def test_an_entry_is_read_back_as_written_and_a_broken_one_raises() -> None:
    e = related.Entry({"src-0002", "ev-0001"}, (("ev-0001", "agreement", ("KAZ", 4), None),
                                                ("ev-0002", "training", (), "astana")))
    back = related.Entry.load(e.dump())
    assert back.ids == ("ev-0001", "src-0002")
    assert back.marks == (("ev-0001", "agreement", ("KAZ", 4), None),
                          ("ev-0002", "training", (), "astana"))
    assert related.Entry.load(related.Entry({"ev-0001"}).dump()).marks == ()
    for broken in (e.dump()[1:], e.dump()[:-1], b"", marshal.dumps([1, 2]),
                   marshal.dumps((("ev-0001",), (("ev-0001", "x", ["KAZ"], None),))),
                   marshal.dumps(((1,), ())), marshal.dumps((("ev-0001",), ((1, 2),)))):
        with pytest.raises((ValueError, EOFError, TypeError)):
            related.Entry.load(broken)
