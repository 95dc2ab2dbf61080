"""Building and publishing releases: reproducible bytes, atomic publication, immutability,
the version recipe, the changelog, and the full cycle on a scratch copy."""

from __future__ import annotations

import json
import os
import re
import shutil
import stat
from pathlib import Path

import polars as pl
import pytest
from _release_support import (
    CREATED,
    RELEASES,
    REPO,
    copy_data,
    edit_summary,
    run,
    writable_copy,
)
from click.testing import CliRunner

from gsi_events import loading
from gsi_events.cli import main
from gsi_events.problems import ProblemsFound
from gsi_events.release import publish as release


def tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def rules(e: pytest.ExceptionInfo[ProblemsFound]) -> set[str]:
    return {p.rule for p in e.value.problems}


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return copy_data(tmp_path / "repo")


# --- reproducibility ---------------------------------------------------------------------


def test_build_is_byte_identical_and_independent_of_reading_order(
        seed_root: Path, tmp_path: Path) -> None:
    files = sorted((seed_root / "coding").glob("src-*.yaml"))
    a = release.build(seed_root, tmp_path / "a", coding_files=files)
    b = release.build(seed_root, tmp_path / "b", coding_files=list(reversed(files)))
    parquet_a = {k: v for k, v in tree(tmp_path / "a").items() if k.endswith(".parquet")}
    assert len(parquet_a) == 6
    assert parquet_a == {k: v for k, v in tree(tmp_path / "b").items()
                         if k.endswith(".parquet")}
    # Without a version and date, datapackage.json holds nothing run-dependent either.
    assert a == b
    assert "version" not in a and "created" not in a
    for data in parquet_a.values():
        assert str(tmp_path).encode() not in data  # no paths, no timestamps in the files


def test_build_command_and_pinned_writer(seed_root: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["build", "--root", str(seed_root), "--out",
                                       str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    dp = json.loads((tmp_path / "out" / "datapackage.json").read_text())
    import pyarrow as pa

    assert dp["build"]["pyarrow"] == pa.__version__
    assert dp["build"]["parquet"]["compression"] == "zstd"
    # pyproject pins the writer exactly, and releases are built with that version.
    pyproject = (REPO / "pyproject.toml").read_text()
    assert f'"pyarrow=={pa.__version__}"' in pyproject


def test_build_refuses_a_release_folder(seed_root: Path, tmp_path: Path) -> None:
    folder = tmp_path / "v9.9.9"
    folder.mkdir()
    (folder / "SHA256SUMS").write_text("")
    result = CliRunner().invoke(main, ["build", "--root", str(seed_root), "--out",
                                       str(folder)])
    assert result.exit_code == 1 and "build.published" in result.output
    assert "Traceback" not in result.output


def test_build_refuses_invalid_data(root: Path, tmp_path: Path) -> None:
    path = sorted((root / "coding").glob("src-*.yaml"))[0]
    text = path.read_text(encoding="utf-8")
    path.write_text(text + "\ncoder: someone-else\n", encoding="utf-8")  # a duplicate key
    result = CliRunner().invoke(main, ["build", "--root", str(root), "--out",
                                       str(tmp_path / "out")])
    assert result.exit_code == 1, result.output
    assert "duplicate" in result.output and "Traceback" not in result.output
    assert not (tmp_path / "out").exists()
    result = CliRunner().invoke(main, ["release", "0.1.0", "--allow-uncommitted", "--root",
                                       str(root)])
    assert result.exit_code == 1
    assert not (root / "releases" / "v0.1.0").exists()


# --- the full cycle on a scratch copy ----------------------------------------------------


def test_full_cycle(root: Path) -> None:
    runner = CliRunner()
    # First release, through the command, into the copy's own releases/ folder.
    result = runner.invoke(main, ["release", "0.1.0", "--allow-uncommitted", "--root", str(root),
                                  "-m", "First."])
    assert result.exit_code == 0, result.output
    v010 = root / "releases" / "v0.1.0"
    assert sorted(p.name for p in v010.iterdir()) == sorted(
        ["CHANGES.md", "SHA256SUMS", "datapackage.json", "diff.json", *(
            f"{t}.{ext}" for t in ("sources", "events", "participants", "evidence",
                                   "event_links", "discrepancies")
            for ext in ("parquet", "csv"))])
    assert not [p for p in (root / "releases").iterdir() if release.PARTIAL in p.name]
    for p in v010.iterdir():  # published files are read-only
        assert not p.stat().st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH)
    if shutil.which("sha256sum"):
        check = run("sha256sum", "-c", "SHA256SUMS", cwd=v010)
        assert check.returncode == 0, check.stdout + check.stderr
    dp = json.loads((v010 / "datapackage.json").read_text())
    assert dp["version"] == "0.1.0" and dp["created"].endswith("Z")
    first = json.loads((v010 / "diff.json").read_text())
    assert first["from"] is None and first["to"] == "0.1.0"
    assert len(first["tables"]["events"]["added"]) == pl.read_parquet(
        v010 / "events.parquet").height
    assert (root / "CITATION.cff").read_text() == release.citation_text(root / "releases")
    assert 'version: "0.1.0"' in (root / "CITATION.cff").read_text()
    before = tree(root / "releases" / "v0.1.0")

    # The same version again is refused, and nothing changes.
    result = runner.invoke(main, ["release", "0.1.0", "--allow-uncommitted", "--root", str(root)])
    assert result.exit_code == 1 and "release.exists" in result.output
    # Nothing changed: no new release either.
    result = runner.invoke(main, ["release", "0.1.1", "--allow-uncommitted", "--root", str(root)])
    assert result.exit_code == 1 and "release.unchanged" in result.output
    assert not (root / "releases" / "v0.1.1").exists()

    # A correction is a patch release; a lower version is refused.
    event_id = edit_summary(root)
    with pytest.raises(ProblemsFound) as e:
        release.publish(root, "0.0.9", allow_uncommitted=True, created=CREATED)
    assert rules(e) == {"release.order"}
    release.publish(root, "0.1.1", allow_uncommitted=True, message="Corrected a summary.",
                    created=CREATED)
    assert tree(root / "releases" / "v0.1.0") == before  # earlier release untouched
    d = json.loads((root / "releases" / "v0.1.1" / "diff.json").read_text())
    assert d["from"] == "0.1.0" and d["to"] == "0.1.1" and d["required_bump"] == "patch"
    events = d["tables"]["events"]
    assert events["added"] == [] and events["removed"] == []
    assert [c["key"] for c in events["changed"]] == [{"event_id": event_id}]
    assert events["changed"][0]["fields"] == ["summary"]
    assert events["changed"][0]["after"]["summary"].startswith("Corrected: ")
    changelog = (root / "releases" / "CHANGELOG.md").read_text()
    assert changelog.index("## 0.1.1") < changelog.index("## 0.1.0")
    assert "Corrected a summary." in changelog and f"changed {event_id}: summary" in changelog
    assert changelog == release.changelog_text(root / "releases")

    # Verify, versions, diff and cite through the command line.
    rel = ["--releases", str(root / "releases")]
    result = runner.invoke(main, ["verify", *rel])
    assert result.exit_code == 0 and "0.1.0, 0.1.1" in result.output, result.output
    result = runner.invoke(main, ["versions", *rel])
    assert re.findall(r"^([0-9.]+) ", result.output, re.M) == ["0.1.0", "0.1.1"]
    result = runner.invoke(main, ["diff", *rel, "--json"])
    assert json.loads(result.output) == d
    result = runner.invoke(main, ["diff", "0.1.0", "0.1.1", *rel])
    assert f"changed {event_id}: summary" in result.output
    result = runner.invoke(main, ["cite", *rel, "--version", "0.1.0", "--format", "bibtex"])
    assert "version      = {0.1.0}" in result.output
    assert 'version: "0.1.1"' in (root / "CITATION.cff").read_text()


def test_a_changed_byte_fails_verification(tmp_path: Path) -> None:
    from _release_support import candidate

    folder = writable_copy(candidate() / "v0.1.0", tmp_path / "releases" / "v0.1.0")
    assert release.verify(tmp_path / "releases") == (["0.1.0"], [])
    path = folder / "events.parquet"
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))
    problems = release.verify(tmp_path / "releases")[1]
    assert {p.rule for p in problems} == {"release.hash", "release.resource_hash"}
    assert all(p.file == "releases/v0.1.0/events.parquet" for p in problems)
    result = CliRunner().invoke(main, ["verify", "0.1.0", "--releases",
                                       str(tmp_path / "releases")])
    assert result.exit_code == 1 and "release.hash" in result.output
    assert "Traceback" not in result.output
    with pytest.raises(loading.IntegrityError, match="differs from the one published"):
        loading.load("events", releases=tmp_path / "releases")
    assert loading.load("sources", releases=tmp_path / "releases").height > 0


def test_verify_catches_added_missing_and_relabelled_files(tmp_path: Path) -> None:
    from _release_support import candidate

    folder = writable_copy(candidate() / "v0.1.0", tmp_path / "releases" / "v0.1.0")
    (folder / "extra.txt").write_text("added later")
    (folder / "evidence.parquet").unlink()
    dp = json.loads((folder / "datapackage.json").read_text())
    dp["version"] = "0.2.0"
    (folder / "datapackage.json").write_text(json.dumps(dp))
    (tmp_path / "releases" / ".v0.2.0.partial-x").mkdir()
    rules_found = {p.rule for p in release.verify(tmp_path / "releases")[1]}
    assert {"release.file_unlisted", "release.file_missing", "release.resource_missing",
            "release.hash", "release.partial"} <= rules_found
    # With datapackage.json changed, the loader refuses the whole release.
    with pytest.raises(loading.IntegrityError):
        loading.load("events", releases=tmp_path / "releases")


# --- atomicity ---------------------------------------------------------------------------


@pytest.mark.parametrize("error", [OSError("disk full"), KeyboardInterrupt()])
def test_an_interrupted_release_leaves_nothing(root: Path, monkeypatch: pytest.MonkeyPatch,
                                               error: BaseException) -> None:
    release.publish(root, "0.1.0", allow_uncommitted=True, created=CREATED)
    before = tree(root / "releases")
    citation = (root / "CITATION.cff").read_bytes()
    edit_summary(root)
    calls = []
    real = release._write_file

    def failing(path: Path, data: bytes) -> None:
        calls.append(path)
        if len(calls) == 4:
            raise error
        real(path, data)

    monkeypatch.setattr(release, "_write_file", failing)
    with pytest.raises(type(error)):
        release.publish(root, "0.1.1", allow_uncommitted=True, created=CREATED)
    assert len(calls) == 4
    assert tree(root / "releases") == before  # no partial folder; 0.1.0 untouched
    assert sorted(p.name for p in (root / "releases").iterdir()) == ["CHANGELOG.md", "v0.1.0"]
    assert (root / "CITATION.cff").read_bytes() == citation
    monkeypatch.setattr(release, "_write_file", real)
    release.publish(root, "0.1.1", allow_uncommitted=True, created=CREATED)  # and a retry works
    assert loading.versions(root / "releases") == ["0.1.0", "0.1.1"]


def test_a_failing_rename_leaves_nothing(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def no_rename(src: str, dst: str) -> None:
        raise OSError("cannot rename")

    monkeypatch.setattr(os, "rename", no_rename)
    with pytest.raises(OSError, match="cannot rename"):
        release.publish(root, "0.1.0", allow_uncommitted=True, created=CREATED)
    assert not (root / "releases").exists()  # a failed first release leaves no releases/
    assert not (root / "CITATION.cff").exists()


# --- the version recipe ------------------------------------------------------------------


def test_publish_enforces_the_version_recipe(root: Path, monkeypatch: pytest.MonkeyPatch
                                             ) -> None:
    release.publish(root, "0.1.0", allow_uncommitted=True, created=CREATED)
    edit_summary(root)
    real = release.compare_releases

    def data_added(*args: object, **kwargs: object) -> dict[str, object]:
        d = real(*args, **kwargs)  # type: ignore[arg-type]
        d["required_bump"] = "minor"
        return d

    monkeypatch.setattr(release, "compare_releases", data_added)
    with pytest.raises(ProblemsFound) as e:
        release.publish(root, "0.1.1", allow_uncommitted=True, created=CREATED)
    assert rules(e) == {"release.version_recipe"}
    assert "at least a minor bump" in str(e.value.problems[0].message)
    release.publish(root, "0.2.0", allow_uncommitted=True, created=CREATED)
    assert loading.versions(root / "releases") == ["0.1.0", "0.2.0"]


@pytest.mark.parametrize("bad", ["1.0", "v1.0.0.0", "01.2.3", "1.2.3-rc1", "x"])
def test_publish_refuses_malformed_versions(root: Path, bad: str) -> None:
    with pytest.raises(ProblemsFound) as e:
        release.publish(root, bad, allow_uncommitted=True)
    assert rules(e) == {"release.version"}
    assert not (root / "releases").exists() or not any((root / "releases").iterdir())


# --- the repository's own release files --------------------------------------------------


def test_repository_changelog_and_citation_are_current() -> None:
    changelog = RELEASES / release.CHANGELOG_FILE
    if loading.versions(RELEASES):
        assert changelog.read_text(encoding="utf-8") == release.changelog_text(RELEASES), (
            "releases/CHANGELOG.md is not the concatenation of the releases' CHANGES.md")
    else:
        assert not changelog.exists()
    assert (REPO / "CITATION.cff").read_text(encoding="utf-8") == release.citation_text(
        RELEASES), "CITATION.cff is not the newest release's (gsi-events release writes it)"


def test_published_files_were_never_modified_in_git_history() -> None:
    """Every file under releases/vX.Y.Z/ was added once and never changed or deleted."""
    if shutil.which("git") is None or not (REPO / ".git").exists():
        pytest.skip("not a git checkout")
    log = run("git", "log", "--format=%h", "--name-status", "--diff-filter=MDR", "--",
              "releases", cwd=REPO)
    assert log.returncode == 0, log.stderr
    touched = [line for line in log.stdout.splitlines()
               if line[:1] in "MDR" and "\t" in line and "/v" in line.split("\t", 1)[1]
               and line.split("\t")[1].startswith("releases/v")]
    assert touched == [], "published release files were modified or deleted:\n" + "\n".join(
        touched)
