"""Faults and hostile input (issue "Hardening", continued): `code` never writes outside the
checkout; `add-source` writes nothing `validate` rejects; a lock serialises the commands
that allocate ids or publish; file system errors are problems, not tracebacks; a release
is all or nothing under a kill (a rerun finishes or cleans up); loading never reads outside
a release folder nor a non-regular file, and malformed release metadata is a clear error.

Every test runs on a scratch checkout holding only the seed sources, never on the
repository's live data."""

from __future__ import annotations

import errno
import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

import gsi_events
from gsi_events import fileops, paths
from gsi_events.cli import main
from gsi_events.errors import IntegrityError, ProblemsFound, ReleaseError
from gsi_events.release import publish as rel

REPO = paths.repo_root()
SEEDS = ("src-0001", "src-0002", "src-0003")
PYTHON = sys.executable
GSI_EVENTS = str(Path(sys.executable).parent / "gsi-events")


def make_seeds(root: Path) -> Path:
    """A checkout holding only the three seed sources and their coding."""
    assert REPO is not None
    for folder in ("archive", "coding"):
        (root / folder).mkdir(parents=True)
    for sid in SEEDS:
        for suffix in (".yaml", ".txt"):
            shutil.copy(REPO / "archive" / f"{sid}{suffix}", root / "archive")
        shutil.copy(REPO / "coding" / f"{sid}.yaml", root / "coding")
    return root


@pytest.fixture
def seeds(tmp_path: Path) -> Path:
    return make_seeds(tmp_path / "repo")


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A seed checkout with release 0.1.0 published (CITATION.cff beside releases/)."""
    root = make_seeds(tmp_path_factory.mktemp("published") / "repo")
    rel.publish(root, "0.1.0", allow_uncommitted=True, message="Seed.")
    return root


@pytest.fixture
def releases(published: Path, tmp_path: Path) -> Path:
    """A writable copy of the published checkout; returns its releases/ folder."""
    root = tmp_path / "copy"
    shutil.copytree(published, root, symlinks=True)
    for p in root.rglob("*"):
        if not p.is_symlink():
            p.chmod(0o755 if p.is_dir() else 0o644)
    return root / "releases"


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        result.exception)
    assert "Traceback" not in result.output
    return result.exit_code, result.output


def files_of(folder: Path) -> set[str]:
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*")}


# --- item 2: `code` never writes outside the checkout ------------------------------------


def test_code_refuses_a_path_out_of_the_checkout(seeds: Path, tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    shutil.copy(seeds / "archive" / "src-0001.yaml", outside)
    shutil.copy(seeds / "archive" / "src-0001.txt", outside)
    before = files_of(tmp_path)
    for given in ("../../../outside/src-0001", str(outside / "src-0001.yaml"),
                  "../outside/src-0001.yaml", "archive/../../outside/src-0001.yaml",
                  "/etc/passwd"):
        code, out = run("code", given, "--second", "--root", str(seeds))
        assert code == 2 and "is neither a source id" in out, (given, out)
    assert files_of(tmp_path) == before


@pytest.mark.parametrize("form", ["relative", "absolute"])
def test_code_takes_the_path_of_an_archived_record(seeds: Path, form: str) -> None:
    record = seeds / "archive" / "src-0002.yaml"
    given = str(record) if form == "absolute" else "archive/src-0002.yaml"
    code, out = run("code", given, "--second", "--root", str(seeds))
    assert code == 0, out
    assert (seeds / "coding" / "second" / "src-0002.yaml").is_file()


# --- item 12: values are written into the scaffold as YAML, never pasted ---------------


@pytest.mark.parametrize("coder", ["ana\nevents: [oops]", "ana # lead", "- ana", "'ana",
                                   "null", "ana: b"])
def test_code_writes_the_coder_as_a_yaml_value(seeds: Path, coder: str) -> None:
    from ruamel.yaml import YAML

    code, out = run("code", "src-0001", "--second", "--coder", coder, "--root", str(seeds))
    assert code == 0, out
    path = seeds / "coding" / "second" / "src-0001.yaml"
    assert YAML(typ="safe").load(path.read_text(encoding="utf-8"))["coder"] == coder
    code, out = run("check", str(path), "--root", str(seeds))
    assert code == 0, out


@pytest.mark.parametrize("publisher", ["Daily\nsource: src-9999 # x", "Daily # News: 'A'"])
def test_a_publisher_stays_in_its_comment(seeds: Path, publisher: str) -> None:
    code, out = run("add-source", "--cited", "--root", str(seeds), "--url",
                    "https://example.org/a", "--publisher", publisher,
                    "--title", "A title", "--published", "2024-09-01")
    if code != 0:  # refused: then nothing is written
        assert not (seeds / "archive" / "src-0004.yaml").exists()
        return
    code, out = run("code", "src-0004", "--root", str(seeds))
    assert code == 0, out
    code, out = run("check", "coding/src-0004.yaml", "--root", str(seeds))
    assert code == 0, out


# --- item 3: add-source writes nothing validate would reject ---------------------------


def text_file(tmp_path: Path) -> Path:
    path = tmp_path / "capture.txt"
    path.write_text("Police training for officers.\nThe body of the article ends here.\n",
                    encoding="utf-8")
    return path


@pytest.mark.parametrize("option", ["--body-begins", "--body-ends"])
def test_add_source_refuses_an_empty_body_marker(seeds: Path, tmp_path: Path,
                                                 option: str) -> None:
    before = files_of(seeds)
    code, out = run("add-source", str(text_file(tmp_path)), "--root", str(seeds), "--url",
                    "https://example.org/b", "--publisher", "P", option, "")
    assert code == 1 and f"sources.{option[2:].replace('-', '_')}.length" in out, out
    assert "nothing was written" in out and files_of(seeds) == before


def test_add_source_refuses_invalid_utf8_in_an_option(seeds: Path, tmp_path: Path) -> None:
    before = files_of(seeds)
    code, out = run("add-source", str(text_file(tmp_path)), "--root", str(seeds), "--url",
                    "https://example.org/c", "--publisher", "Caf\udce9")
    assert code == 2 and "--publisher" in out and "not valid UTF-8" in out
    with pytest.raises(ProblemsFound) as e:  # the library refuses it too
        from gsi_events.coders.archive import add_cited_source

        add_cited_source(seeds, url="https://example.org/c", publisher="Caf\udce9",
                         title="T")
    assert "half" in str(e.value.problems[0])  # validate's own word for a lone surrogate
    assert files_of(seeds) == before


def test_add_source_refuses_a_device_a_pipe_and_a_huge_file(seeds: Path, tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch
                                                            ) -> None:
    from gsi_events.coders import archive

    fifo = tmp_path / "pipe.txt"
    os.mkfifo(fifo)
    big = text_file(tmp_path)
    monkeypatch.setattr(archive, "MAX_TEXT_BYTES", 20)
    before = files_of(seeds)
    for path, words in (("/dev/zero", "not a regular file"), (fifo, "not a regular file"),
                        (big, "more than the 20 allowed")):
        code, out = run("add-source", str(path), "--root", str(seeds), "--url",
                        f"https://example.org/{len(str(path))}", "--publisher", "P")
        assert code == 1 and words in out and "[rule add_source.unreadable]" in out, out
    assert files_of(seeds) == before


# --- items 4 and 7: a lock; ids never collide ------------------------------------------


def test_concurrent_add_source_never_collides(seeds: Path, tmp_path: Path) -> None:
    runs = [subprocess.Popen(
        [GSI_EVENTS, "add-source", "--cited", "--root", str(seeds),
         "--url", f"https://example.org/news/{i}", "--publisher", f"Outlet {i}",
         "--title", f"Title {i}"], cwd=tmp_path, stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, text=True) for i in range(6)]
    outs = [(p.wait(timeout=120), p.stdout.read()) for p in runs]  # type: ignore[union-attr]
    assert all(code == 0 for code, _ in outs), outs
    ids = sorted(out.split("cited source ")[1].split(":")[0] for _, out in outs)
    assert ids == [f"src-{n:04d}" for n in range(4, 10)]
    urls = {(seeds / "archive" / f"{i}.yaml").read_text().split("url: ")[1].split("\n")[0]
            for i in ids}
    assert len(urls) == 6
    code, out = run("validate", "--root", str(seeds))
    assert code == 0, out


def test_concurrent_add_source_of_one_address_records_it_once(seeds: Path,
                                                             tmp_path: Path) -> None:
    runs = [subprocess.Popen(
        [GSI_EVENTS, "add-source", "--cited", "--root", str(seeds),
         "--url", "https://example.org/same", "--publisher", "Outlet", "--title", "Title"],
        cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        for _ in range(3)]
    outs = sorted((p.wait(timeout=120), p.stdout.read()) for p in runs)  # type: ignore[union-attr]
    assert [code for code, _ in outs] == [0, 1, 1], outs
    assert all("[rule add_source.duplicate_url]" in out for _, out in outs[1:])
    assert sorted(p.name for p in (seeds / "archive").glob("src-0004*")) == ["src-0004.yaml"]
    assert not (seeds / "archive" / "src-0005.yaml").exists()


def test_a_busy_lock_is_a_clear_message(seeds: Path, monkeypatch: pytest.MonkeyPatch
                                        ) -> None:
    monkeypatch.setattr(fileops, "LOCK_WAIT", 0.2)
    with fileops.locked(seeds, "release 9.9.9"):
        code, out = run("add-source", "--cited", "--root", str(seeds), "--url",
                        "https://example.org/x", "--publisher", "P", "--title", "T")
        assert code == 1 and "[rule lock.busy]" in out and "release 9.9.9" in out
        code, out = run("release", "0.1.0", "--allow-uncommitted", "--root", str(seeds), "-m", "x")
        assert code == 1 and "[rule lock.busy]" in out
    assert not (seeds / "archive" / "src-0004.yaml").exists()
    assert not (seeds / "releases").exists()


def test_concurrent_releases_publish_once(seeds: Path, tmp_path: Path) -> None:
    runs = [subprocess.Popen(
        [GSI_EVENTS, "release", "0.1.0", "--allow-uncommitted", "--root", str(seeds), "-m",
         "x"], cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        for _ in range(2)]
    outs = sorted((p.wait(timeout=300), p.stdout.read()) for p in runs)  # type: ignore[union-attr]
    assert [code for code, _ in outs] == [0, 1], outs
    assert "[rule release.exists]" in outs[1][1] and "Traceback" not in outs[1][1]
    assert rel.verify(seeds / "releases") == (["0.1.0"], [])


# --- items 8, 9, 14: file system errors are problems; nothing is left half-written ------


def fail_with(code: int):  # a monkeypatch replacement that fails as the OS does
    def fail(*args: object, **kwargs: object) -> None:
        raise OSError(code, os.strerror(code), str(kwargs.get("dir") or args[0]))
    return fail


def test_a_full_disk_during_a_first_release(seeds: Path, monkeypatch: pytest.MonkeyPatch
                                            ) -> None:
    monkeypatch.setattr(rel, "_write_file", fail_with(errno.ENOSPC))
    code, out = run("release", "0.1.0", "--allow-uncommitted", "--root", str(seeds), "-m", "x")
    assert code == 1 and "No space left on device" in out and "[rule file.write]" in out
    assert "releases/.v0.1.0.partial-" in out  # the file named
    assert not (seeds / "releases").exists()  # no empty releases/ folder
    assert not (seeds / "CITATION.cff").exists()


@pytest.mark.parametrize("failing", [1, 2])  # CHANGELOG.md, CITATION.cff
def test_a_full_disk_after_the_rename_takes_the_release_back(
        seeds: Path, monkeypatch: pytest.MonkeyPatch, failing: int) -> None:
    calls = []
    real = rel._replace_file

    def replace_file(path: Path, data: bytes) -> None:
        calls.append(path)
        if len(calls) == failing:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))
        real(path, data)

    monkeypatch.setattr(rel, "_replace_file", replace_file)
    code, out = run("release", "0.1.0", "--allow-uncommitted", "--root", str(seeds), "-m", "x")
    assert code == 1 and "No space left on device" in out, out
    assert not (seeds / "releases").exists() and not (seeds / "CITATION.cff").exists()


def test_read_only_checkout_and_unwritable_out(seeds: Path, tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    code, out = run("build", "--root", str(seeds), "--out", str(blocker / "out"))
    assert code == 1 and "[rule file.write]" in out and "a-file" in out
    (seeds / "coding" / "second").mkdir()
    shutil.copy(seeds / "coding" / "src-0001.yaml", seeds / "coding" / "second")
    code, out = run("agreement", "--root", str(seeds), "--json", str(blocker / "a.json"))
    assert code == 1 and "[rule file.write]" in out and "a-file" in out
    (seeds / "coding" / "second" / "src-0001.yaml").unlink()
    monkeypatch.setattr(fileops.tempfile, "mkstemp", fail_with(errno.EROFS))
    before = files_of(seeds)
    code, out = run("code", "src-0001", "--second", "--root", str(seeds))
    assert code == 1 and "Read-only file system" in out and "[rule file.write]" in out
    code, out = run("add-source", "--cited", "--root", str(seeds), "--url",
                    "https://example.org/ro", "--publisher", "P", "--title", "T")
    assert code == 1 and "Read-only file system" in out
    code, out = run("build", "--root", str(seeds), "--out", str(tmp_path / "out"))
    assert code == 1 and "Read-only file system" in out
    assert files_of(seeds) - before <= {"coding/second", ".gsi-events.lock"}


# --- items 8 and "kill -9": all or nothing, and a rerun finishes or cleans up ----------

KILLER = textwrap.dedent("""
    import os, signal, sys
    from pathlib import Path
    from gsi_events.release import publish as rel

    root, what, nth, when = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
    owner = os if what in ("rename", "replace") else rel
    real, calls = getattr(owner, what), [0]

    def step(*args, **kwargs):
        calls[0] += 1
        if calls[0] == nth and when == "before":
            os.kill(os.getpid(), signal.SIGKILL)
        out = real(*args, **kwargs)
        if calls[0] == nth and when == "after":
            os.kill(os.getpid(), signal.SIGKILL)
        return out

    setattr(owner, what, step)
    rel.publish(Path(root), "0.1.0", allow_uncommitted=True, message="Seed.")
    sys.exit(3)  # the kill point was never reached
""")

KILL_POINTS = [
    ("_write_file", 1, "before"),  # nothing written yet
    ("_write_file", 9, "after"),  # half of the files in the hidden folder
    ("_fsync_dir", 1, "before"),  # every file written, not yet renamed
    ("rename", 1, "after"),  # published; CHANGELOG.md and CITATION.cff not yet
    ("replace", 1, "before"),  # CHANGELOG.md's temporary file written, not renamed
    ("_replace_file", 2, "before"),  # CHANGELOG.md written, CITATION.cff not
    ("_replace_file", 2, "after"),  # everything done
]


@pytest.mark.parametrize(("what", "nth", "when"), KILL_POINTS)
def test_release_killed_at_each_step_then_rerun(seeds: Path, tmp_path: Path, what: str,
                                                nth: int, when: str) -> None:
    killed = subprocess.run([PYTHON, "-c", KILLER, str(seeds), what, str(nth), when],
                            cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    loc = seeds / "releases"
    published_before = rel.loading.versions(loc) == ["0.1.0"]
    assert published_before == ((what, when) not in (("_write_file", "before"),
                                                     ("_write_file", "after"),
                                                     ("_fsync_dir", "before")))
    code, out = run("release", "0.1.0", "--allow-uncommitted", "--root", str(seeds), "-m", "Seed.")
    if (what, nth, when) == ("_replace_file", 2, "after"):
        assert code == 1 and "[rule release.exists]" in out  # nothing left to finish
    else:
        assert code == 0, out
    assert rel.verify(loc) == (["0.1.0"], [])
    assert (loc / rel.CHANGELOG_FILE).read_text() == rel.changelog_text(loc)
    assert (seeds / rel.CITATION_FILE).read_text() == rel.citation_text(loc)
    leftovers = [p for p in (*loc.iterdir(), *seeds.iterdir()) if rel.PARTIAL in p.name]
    assert leftovers == []


def test_verify_reports_an_interrupted_release(releases: Path) -> None:
    root = releases.parent
    cff = root / rel.CITATION_FILE  # as if the run was killed before writing it
    cff.write_text(cff.read_text().replace('version: "0.1.0"', 'version: "0.0.9"'))
    (releases / ".v0.2.0.partial-abc").mkdir()
    code, out = run("verify", "--releases", str(releases))
    assert code == 1 and "[rule release.unfinished]" in out and "[rule release.partial]" in out
    assert "gsi-events release 0.1.0" in out
    # finishes, cleans up
    code, out = run("release", "0.1.0", "--allow-uncommitted", "--root", str(root))
    assert code == 0, out
    assert rel.verify(releases) == (["0.1.0"], [])


# --- items 10 and 11: reading releases -------------------------------------------------


def reseal(folder: Path, dp: object | bytes) -> None:
    """Rewrite datapackage.json and SHA256SUMS to match each other (a forgery)."""
    raw = dp if isinstance(dp, bytes) else json.dumps(dp).encode()
    (folder / "datapackage.json").write_bytes(raw)
    names = sorted(p.name for p in folder.iterdir() if p.name != "SHA256SUMS")
    (folder / "SHA256SUMS").write_text("".join(
        f"{rel.sha256((folder / n).read_bytes())}  {n}\n" for n in names if
        (folder / n).is_file() and not (folder / n).is_symlink()))


@pytest.mark.parametrize("path", ["/etc/passwd", "../../etc/passwd", "sub/../events.csv",
                                  "/dev/zero", ".hidden"])
def test_load_never_reads_outside_the_release(releases: Path, path: str) -> None:
    folder = releases / "v0.1.0"
    dp = json.loads((folder / "datapackage.json").read_text())
    dp["resources"][0]["path"] = path
    reseal(folder, dp)
    with pytest.raises(IntegrityError, match="not a file of its folder"):
        gsi_events.load(dp["resources"][0]["name"], "0.1.0", releases=releases)
    code, out = run("verify", "--releases", str(releases))
    assert code == 1 and "[rule release.resource_missing]" in out


def test_load_never_reads_a_device_or_follows_a_symlink(releases: Path) -> None:
    folder = releases / "v0.1.0"
    (folder / "events.parquet").unlink()
    (folder / "events.parquet").symlink_to("/dev/zero")
    with pytest.raises(IntegrityError, match="symbolic link"):
        gsi_events.load("events", "0.1.0", releases=releases)
    code, out = run("verify", "--releases", str(releases))
    assert code == 1 and "symbolic link" in out
    (folder / "datapackage.json").unlink()
    (folder / "datapackage.json").symlink_to("/dev/zero")
    for command in ("versions", "verify", "cite", "diff"):
        code, out = run(command, "--releases", str(releases))
        assert code in (0, 1), (command, out)


@pytest.mark.parametrize("raw", [b"{not json", b"[1, 2]", b'{"version": "0.1.0"}',
                                 b'{"name": "x", "version": "0.1.0", "resources": [3]}',
                                 b"\xff\xfe{}", b'{"name": "x", "version": "9.9.9"}'])
def test_malformed_datapackage_is_a_release_error(releases: Path, raw: bytes) -> None:
    reseal(releases / "v0.1.0", raw)
    with pytest.raises(ReleaseError, match=r"datapackage\.json"):
        gsi_events.release_info("0.1.0", releases)
    for command in ("cite", "diff", "verify"):
        code, out = run(command, "--releases", str(releases))
        assert code == 1 and "datapackage.json" in out, (command, out)
    code, out = run("versions", "--releases", str(releases))
    assert code == 1


def test_sums_not_utf8(releases: Path) -> None:
    (releases / "v0.1.0" / "SHA256SUMS").write_bytes(b"\xff\xfe garbage\n")
    with pytest.raises(IntegrityError, match="not UTF-8"):
        gsi_events.load("events", "0.1.0", releases=releases)
    for command in ("versions", "cite", "diff", "verify"):
        code, out = run(command, "--releases", str(releases))
        assert code == 1 and "SHA256SUMS" in out, (command, out)


def test_a_symlinked_release_folder_is_refused(releases: Path) -> None:
    (releases / "v0.9.9").symlink_to("v0.1.0")
    assert gsi_events.versions(releases) == ["0.1.0"]
    with pytest.raises(ReleaseError):
        gsi_events.load("events", "0.9.9", releases=releases)
    code, out = run("verify", "--releases", str(releases))
    assert code == 1 and "releases/v0.9.9: a symbolic link" in out


def test_a_copied_release_folder_is_refused(releases: Path) -> None:
    shutil.copytree(releases / "v0.1.0", releases / "v0.9.9")
    with pytest.raises(ReleaseError, match=r"records version '0\.1\.0', not 0\.9\.9"):
        gsi_events.load("events", "0.9.9", releases=releases)


def test_verify_detects_a_consistent_forgery_against_the_citation(releases: Path) -> None:
    folder = releases / "v0.1.0"
    forged = (folder / "events.csv").read_bytes().replace(b"CHN", b"USA")
    (folder / "events.csv").write_bytes(forged)
    dp = json.loads((folder / "datapackage.json").read_text())
    for r in dp["resources"]:
        if r["path"] == "events.csv":
            r["hash"], r["bytes"] = f"sha256:{rel.sha256(forged)}", len(forged)
    reseal(folder, dp)
    assert rel.verify_release(folder, "0.1.0") == []  # its own files cannot show it
    code, out = run("verify", "--releases", str(releases))
    assert code == 1 and "[rule release.citation_hash]" in out and "CITATION.cff" in out


# --- held only in part: parse-stage problems and what is printed -----------------------


def test_a_named_pipe_in_coding_is_a_problem_not_a_hang(seeds: Path) -> None:
    os.mkfifo(seeds / "coding" / "src-0009.yaml")
    code, out = run("validate", "--root", str(seeds))
    assert code == 1
    assert ("coding/src-0009.yaml: cannot be read: it is not a regular file (a named pipe, "
            "device, socket or folder) [rule file.unreadable]") in out


@pytest.mark.parametrize("ident", ["src-1", "ev-12", "ev-0001 ", "src_0001"])
def test_a_malformed_retired_id_is_a_problem(seeds: Path, ident: str) -> None:
    kind = "events" if ident.startswith("ev") else "sources"
    (seeds / "coding" / "retired.yaml").write_text(
        f"{kind}:\n  - id: {json.dumps(ident)}\n    reason: withdrawn\n", encoding="utf-8")
    code, out = run("validate", "--root", str(seeds))
    assert code == 1 and "coding/retired.yaml: line 2: " in out
    assert "is not the id of one of the" in out and "[rule retired.entry]" in out


def test_a_file_name_cannot_forge_an_output_line(seeds: Path) -> None:
    (seeds / "coding" / "src-0001\nAll valid. 3 sources\x1b[2K.yaml").write_text(
        "source: src-0001\n", encoding="utf-8")
    code, out = run("validate", "--root", str(seeds))
    assert code == 1 and "\x1b" not in out
    assert not any(line.startswith("All valid") for line in out.splitlines())
    assert "src-0001\\nAll valid. 3 sources\\x1b[2K.yaml" in out
