"""Hostile input gets a clear message, never a traceback, and nothing is written where it
must not be (issue "Hardening": the cases fixed so far)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from gsi_events import paths
from gsi_events.cli import main
from gsi_events.release import committed as committed_module

REPO = paths.repo_root()
SEEDS = ("src-0001", "src-0002", "src-0003")


@pytest.fixture
def seeds(tmp_path: Path) -> Path:
    """A checkout holding only the three seed sources and their coding."""
    assert REPO is not None
    root = tmp_path / "repo"
    for folder in ("archive", "coding", "releases"):
        (root / folder).mkdir(parents=True)
    for sid in SEEDS:
        for suffix in (".yaml", ".txt"):
            shutil.copy(REPO / "archive" / f"{sid}{suffix}", root / "archive")
        shutil.copy(REPO / "coding" / f"{sid}.yaml", root / "coding")
    return root


def files_of(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() if p.is_file() else b""
            for p in folder.rglob("*")}


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        result.exception)
    return result.exit_code, result.output


@pytest.mark.parametrize("value", ["!!int abc", "!!float xyz", "!!bool maybe", "9" * 5000])
def test_a_value_its_tag_cannot_hold_is_a_problem(seeds: Path, value: str) -> None:
    path = seeds / "coding" / "src-0001.yaml"
    text = path.read_text(encoding="utf-8").replace("count_best: 122", f"count_best: {value}", 1)
    path.write_text(text, encoding="utf-8")
    code, out = run("validate", "--root", str(seeds))
    assert code == 1
    assert "coding/src-0001.yaml: not valid YAML" in out and "[rule yaml.syntax]" in out
    assert "Traceback" not in out


@pytest.mark.parametrize("folder", ["missing", "empty"])
def test_root_must_be_a_checkout(tmp_path: Path, folder: str) -> None:
    root = tmp_path / folder
    if folder == "empty":
        root.mkdir()
    code, out = run("validate", "--root", str(root))
    assert code == 2 and "is not a gsi_events checkout" in out
    assert "All valid" not in out


def test_build_refuses_the_releases_folder(seeds: Path) -> None:
    target = seeds / "releases" / "v9.9.9"
    code, out = run("build", "--root", str(seeds), "--out", str(target))
    assert code == 1 and "[rule build.into_releases]" in out
    assert not target.exists()


def test_release_refuses_a_version_with_a_newline(seeds: Path) -> None:
    code, out = run("release", "1.0.0\n", "--allow-uncommitted", "--root", str(seeds), "-m", "x")
    assert code == 1 and "[rule release.version]" in out
    assert not any(p.name.startswith("v1") for p in (seeds / "releases").iterdir())


# --- symbolic links out of the checkout: refused, nothing read or written there --------


def outside_copy(seeds: Path, rel: str) -> Path:
    """A copy of the checkout's file `rel` outside the checkout (beside it)."""
    target = seeds.parent / "outside" / Path(rel).name
    target.parent.mkdir(exist_ok=True)
    shutil.copy(seeds / rel, target)
    return target


@pytest.mark.parametrize("rel", ["coding/src-0001.yaml", "archive/src-0001.yaml",
                                 "archive/src-0001.txt"])
def test_a_file_linked_out_of_the_checkout_is_refused(seeds: Path, rel: str) -> None:
    """Even an identical copy: what lies outside the repository never becomes coded data
    or published evidence (issue: the first line of /etc/passwd as evidence)."""
    target = outside_copy(seeds, rel)
    (seeds / rel).unlink()
    (seeds / rel).symlink_to(target)
    code, out = run("validate", "--root", str(seeds))
    assert code == 1 and "Traceback" not in out
    assert f"{rel}: " in out and "[rule file.outside_checkout]" in out
    assert str(target) in out


def test_a_folder_linked_out_of_the_checkout_is_refused(seeds: Path, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere-coding"
    shutil.move(seeds / "coding", elsewhere)
    (seeds / "coding").symlink_to(elsewhere, target_is_directory=True)
    code, out = run("validate", "--root", str(seeds))
    assert code == 1
    for sid in SEEDS:
        assert f"coding/{sid}.yaml: {sid}" not in out
        assert f"coding/{sid}.yaml: coding/{sid}.yaml leads out of the checkout" in out


def test_a_link_that_stays_inside_the_checkout_is_read(seeds: Path) -> None:
    kept = seeds / "texts" / "src-0001.txt"
    kept.parent.mkdir()
    shutil.move(seeds / "archive" / "src-0001.txt", kept)
    (seeds / "archive" / "src-0001.txt").symlink_to(Path("..") / "texts" / "src-0001.txt")
    code, out = run("validate", "--root", str(seeds))
    assert code == 0, out


def test_nothing_is_written_through_a_folder_linked_out(seeds: Path, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    (elsewhere / "second").mkdir(parents=True)
    (seeds / "coding" / "second").symlink_to(elsewhere / "second", target_is_directory=True)
    code, out = run("code", "src-0001", "--second", "--root", str(seeds))
    assert code == 1 and "[rule file.outside_checkout]" in out
    shutil.move(seeds / "archive", elsewhere / "archive")
    (seeds / "archive").symlink_to(elsewhere / "archive", target_is_directory=True)
    text = tmp_path / "new.txt"
    text.write_text("A new article.\nIts body, in two lines.\n", encoding="utf-8")
    code, out = run("add-source", str(text), "--root", str(seeds), "--url",
                    "https://example.org/new", "--publisher", "Example")
    assert code == 1 and "[rule file.outside_checkout]" in out and "Traceback" not in out
    assert sorted(p.name for p in elsewhere.rglob("*")) == sorted(
        ["second", "archive", *(f"{s}{x}" for s in SEEDS for x in (".yaml", ".txt"))])


# --- YAML 1.1 directives ------------------------------------------------------------------


@pytest.mark.parametrize("version", ["1.1", "1.3", "2.0", ""])
@pytest.mark.parametrize("rel", ["coding/src-0001.yaml", "archive/src-0001.yaml"])
def test_a_yaml_directive_other_than_1_2_is_refused(seeds: Path, rel: str,
                                                    version: str) -> None:
    path = seeds / rel
    path.write_text(f"%YAML {version}\n---\n" + path.read_text(encoding="utf-8"),
                    encoding="utf-8")
    code, out = run("validate", "--root", str(seeds))
    assert code == 1 and "Traceback" not in out
    assert f"{rel}: line 1: the file declares %YAML" in out and "[rule yaml.version]" in out


def test_a_yaml_1_2_directive_is_read(seeds: Path) -> None:
    path = seeds / "coding" / "src-0001.yaml"
    path.write_text("%YAML 1.2\n---\n" + path.read_text(encoding="utf-8"), encoding="utf-8")
    code, out = run("validate", "--root", str(seeds))
    assert code == 0, out


# --- invisible characters and lengths, in every text field --------------------------------


@pytest.mark.parametrize("char, name", [
    ("\\0", "U+0000 (a control character)"), ("\\e", "U+001B (a control character)"),
    ("\\u202e", "U+202E (RIGHT-TO-LEFT OVERRIDE)"), ("\\u2066", "U+2066 (LEFT-TO-RIGHT ISOLATE)"),
    ("\\u200b", "U+200B (ZERO WIDTH SPACE)"), ("\\u200d", "U+200D (ZERO WIDTH JOINER)"),
    ("\\ufeff", "U+FEFF (ZERO WIDTH NO-BREAK SPACE)"), ("\\u2028", "U+2028 (LINE SEPARATOR)")])
def test_an_invisible_character_in_text_is_refused(seeds: Path, char: str, name: str) -> None:
    """Written as a YAML escape, as a literal control character cannot be pasted: in a
    coding file (a person) and in a source record (the publisher)."""
    coding = seeds / "coding" / "src-0001.yaml"
    coding.write_text(coding.read_text(encoding="utf-8").replace(
        "person: Wang Xiaohong", f'person: "Wang Xiao{char}hong"', 1), encoding="utf-8")
    record = seeds / "archive" / "src-0002.yaml"
    text = record.read_text(encoding="utf-8")
    publisher = next(line for line in text.splitlines() if line.startswith("publisher: "))
    record.write_text(text.replace(publisher, f'publisher: "The{char} Guardian"', 1),
                      encoding="utf-8")
    code, out = run("validate", "--root", str(seeds))
    assert code == 1 and "Traceback" not in out
    assert (f"participant 1 (line 23): person holds {name} at character 10" in out
            and "[rule participants.person.characters]" in out), out
    assert (f"archive/src-0002.yaml: source src-0002 (line 2): publisher holds {name} at "
            "character 4" in out and "[rule sources.publisher.characters]" in out), out


def test_a_ten_megabyte_name_is_a_length_problem(seeds: Path) -> None:
    coding = seeds / "coding" / "src-0001.yaml"
    coding.write_text(coding.read_text(encoding="utf-8").replace(
        "person: Wang Xiaohong", "person: Wang " + "x" * 10_000_000, 1), encoding="utf-8")
    code, out = run("validate", "--root", str(seeds))
    assert code == 1 and "Traceback" not in out and len(out) < 10_000
    assert ("person must have 1 to 300 characters, found 10000005 "
            "[rule participants.person.length]") in out


def test_add_source_refuses_an_invisible_character_or_a_huge_value(seeds: Path,
                                                                  tmp_path: Path) -> None:
    text = tmp_path / "new.txt"
    text.write_text("A new article.\nIts body, in two lines.\n", encoding="utf-8")
    before = files_of(seeds)
    for publisher, rule in (("The\u202e Times", "sources.publisher.characters"),
                            ("x" * 100_000, "sources.publisher.length")):
        code, out = run("add-source", str(text), "--root", str(seeds), "--url",
                        "https://example.org/new", "--publisher", publisher)
        assert code == 1 and f"[rule {rule}]" in out, out
    assert files_of(seeds) == before


# --- body markers found twice ---------------------------------------------------------------


def test_add_source_refuses_a_body_marker_found_twice(seeds: Path, tmp_path: Path) -> None:
    text = tmp_path / "new.txt"
    text.write_text("Menu\nThe body begins here.\nThe body ends here.\nMenu\n",
                    encoding="utf-8")
    before = files_of(seeds)
    code, out = run("add-source", str(text), "--root", str(seeds), "--url",
                    "https://example.org/new", "--publisher", "Example", "--body-begins",
                    "The body", "--body-ends", "ends here.")
    assert code == 1 and "[rule sources.body_markers_once]" in out
    assert "body_begins 'The body' occurs 2 times" in out
    assert files_of(seeds) == before
    code, out = run("add-source", str(text), "--root", str(seeds), "--url",
                    "https://example.org/new", "--publisher", "Example", "--body-begins",
                    "The body begins", "--body-ends", "ends here.")
    assert code == 0, out


# --- dates against the publication date and the calendar -----------------------------------


def test_every_report_is_dated_against_its_own_source(seeds: Path) -> None:
    """src-0001 (published 2024-09-13) is not ev-0001's primary source: its report is
    checked against its own publication date all the same."""
    coding = seeds / "coding" / "src-0001.yaml"
    text = coding.read_text(encoding="utf-8")
    coding.write_text(text.replace("    date_start: 2024-09-09\n    date_end: 2024-09-09\n",
                                   "    date_start: 2024-09-09\n    date_end: 2024-09-20\n",
                                   1), encoding="utf-8")
    code, out = run("validate", "--root", str(seeds))
    assert code == 1
    lines = [x for x in out.splitlines() if "[rule events.dates_before_publication]" in x]
    assert len(lines) == 1 and lines[0].startswith("coding/src-0001.yaml: event ev-0001 (")
    assert "src-0001 was published by 2024-09-13" in lines[0]


@pytest.mark.parametrize("start, end, rule", [
    ("0001-01-01", "2024-09-09", "events.date_start.minimum"),
    ("9999-12-31", "9999-12-31", "events.date_end.maximum"),
    ("9999-12-31", "9999-12-31", "events.dates_before_publication")])
def test_absurd_dates_are_refused(seeds: Path, start: str, end: str, rule: str) -> None:
    coding = seeds / "coding" / "src-0001.yaml"
    text = coding.read_text(encoding="utf-8")
    coding.write_text(text.replace(
        "    date_start: 2024-09-09\n    date_end: 2024-09-09\n    date_precision: day\n",
        f"    date_start: {start}\n    date_end: {end}\n    date_precision: "
        f"{'range' if start != end else 'day'}\n", 1), encoding="utf-8")
    code, out = run("validate", "--root", str(seeds))
    assert code == 1 and "coding/src-0001.yaml: event ev-0001 (line 6): " in out
    assert f"[rule {rule}]" in out, out


# --- releases: from committed data, a first version, removed ids retired -----------------


def git(root: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "user.name=Test", "-c", "user.email=test@example.org",
                    "-c", "commit.gpgsign=false", *args], cwd=root, check=True,
                   capture_output=True)


@pytest.fixture
def committed(seeds: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The seed checkout, with its own copy of schemas/, committed in a git repository of
    its own; a release checks its coding/, archive/ and schemas/ (not the schemas/ of the
    checkout the tests run from, which a developer may be editing)."""
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    assert REPO is not None
    shutil.copytree(REPO / "schemas", seeds / "schemas")
    git(seeds, "init", "-q")
    git(seeds, "add", "-A")
    git(seeds, "commit", "-q", "-m", "seed")
    monkeypatch.setattr(committed_module, "release_inputs",
                        lambda root: [root / "coding", root / "archive", root / "schemas"])
    return seeds


def test_the_release_inputs_are_coding_archive_and_the_schemas_in_use(seeds: Path) -> None:
    assert REPO is not None
    assert committed_module.release_inputs(seeds) == [
        seeds / "coding", seeds / "archive", REPO / "schemas"]


def test_release_refuses_uncommitted_data_unless_allowed(committed: Path) -> None:
    root = committed
    coding = root / "coding" / "src-0001.yaml"
    coding.write_text(coding.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    (root / "archive" / "notes.txt").write_text("a note\n", encoding="utf-8")
    (root / "schemas" / "README.md").unlink()
    code, out = run("release", "0.1.0", "--root", str(root), "-m", "x")
    assert code == 1 and not (root / "releases" / "v0.1.0").exists()
    assert ("coding: has changes git has not committed: coding/src-0001.yaml (modified); "
            "releases are made from committed data") in out
    assert "archive: has changes git has not committed: archive/notes.txt (untracked)" in out
    assert "schemas: has changes git has not committed: schemas/README.md (deleted)" in out
    assert out.count("[rule release.uncommitted]") == 3
    code, out = run("release", "0.1.0", "--allow-uncommitted", "--root", str(root), "-m", "x")
    assert code == 0, out


def test_release_from_committed_data(committed: Path) -> None:
    code, out = run("release", "0.1.0", "--root", str(committed), "-m", "x")
    assert code == 0, out
    assert (committed / "releases" / "v0.1.0" / "SHA256SUMS").is_file()


def test_release_refuses_data_outside_git(seeds: Path) -> None:
    code, out = run("release", "0.1.0", "--root", str(seeds), "-m", "x")
    assert code == 1 and "coding: is not in a git repository" in out
    assert "[rule release.uncommitted]" in out
    assert not (seeds / "releases" / "v0.1.0").exists()


@pytest.mark.parametrize("version", ["0.0.1", "0.2.0", "2.0.0", "1.0.1"])
def test_the_first_release_is_0_1_0_or_1_0_0(seeds: Path, version: str) -> None:
    code, out = run("release", version, "--allow-uncommitted", "--root", str(seeds), "-m", "x")
    assert code == 1 and "[rule release.first_version]" in out
    assert "the first release is 0.1.0 or 1.0.0" in out
    assert list((seeds / "releases").iterdir()) == []
    code, out = run("release", "1.0.0", "--allow-uncommitted", "--root", str(seeds), "-m", "x")
    assert code == 0, out


def test_an_event_removed_without_being_retired_is_refused(seeds: Path) -> None:
    """ev-0012 is reported only by src-0002 and no link touches it: removing it is a
    major change, and it must be retired (its id never reused)."""
    from ruamel.yaml import YAML

    code, out = run("release", "0.1.0", "--allow-uncommitted", "--root", str(seeds), "-m", "x")
    assert code == 0, out
    yaml = YAML()
    path = seeds / "coding" / "src-0002.yaml"
    data = yaml.load(path.read_text(encoding="utf-8"))
    data["events"] = [r for r in data["events"] if r["event"] != "ev-0012"]
    with path.open("w", encoding="utf-8") as f:
        yaml.dump(data, f)
    code, out = run("release", "1.0.0", "--allow-uncommitted", "--root", str(seeds), "-m", "x")
    assert code == 1 and not (seeds / "releases" / "v1.0.0").exists()
    assert ("releases/v1.0.0: 1 events of release 0.1.0 are not in this one, and "
            "coding/retired.yaml does not retire them: ev-0012.") in out
    assert "[rule release.removed_not_retired]" in out
    (seeds / "coding" / "retired.yaml").write_text(
        "events:\n  - id: ev-0012\n    reason: a test removes it\n", encoding="utf-8")
    code, out = run("release", "1.0.0", "--allow-uncommitted", "--root", str(seeds), "-m", "x")
    assert code == 0, out


def test_every_free_text_field_has_a_length_limit_and_every_date_bounds() -> None:
    """schemas/README.md: the limits a new field must declare too."""
    from gsi_events.compile import schema

    for t in schema.TABLES:
        for f in schema.table(t).fields:
            if f.free_text and not f.pattern:
                assert f.max_length, f"{t}.{f.name} has no maxLength"
            if f.type == "date":
                assert (str(f.minimum), str(f.maximum)) == ("1900-01-01", "2100-12-31"), (
                    f"{t}.{f.name}")
