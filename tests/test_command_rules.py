"""Every rule a command declares (gsi_events.testing.command_rules: add-source, writing files
and the lock, build and release, verify), broken on purpose, one scenario each.

Each scenario builds the smallest situation that breaks its rule: a bad `add-source` call,
a tampered copy of a small release (the seed-only candidate, built once per run by
_release_support.candidate), a checkout that cannot be locked. The test then checks that
exactly that rule is reported (the declared message variant, the file named), in plain
words with no traceback, and that nothing under the test's folder changed.

`test_every_declared_rule_has_a_scenario` reads the declarations: a rule declared later
without a scenario here (or an exemption saying why none can be built) fails it.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from _release_support import candidate, copy_data, writable_copy
from click.testing import CliRunner
from conftest import snapshot

from gsi_events import cli, fileops
from gsi_events.coders import archive
from gsi_events.integrity import CITATION_FILE, release_path
from gsi_events.loading import sha256
from gsi_events.problems import Problem, ProblemsFound, Rules
from gsi_events.release import committed
from gsi_events.release.publish import citation_text
from gsi_events.testing import command_rules

V = "v0.1.0"  # the candidate release


@dataclass
class Run:
    problems: list[Problem]
    output: str
    exit_code: int | None  # None: called through the Python API
    changed: list[str]  # files under the test's folder created, changed or removed


class Kit:
    """What a scenario builds with; every path lies under the test's tmp_path, which is
    also the working folder (files are named as given, relative to it)."""

    def __init__(self, tmp: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        self.tmp = tmp
        self.monkeypatch = monkeypatch
        monkeypatch.chdir(tmp)
        monkeypatch.delenv("GSI_EVENTS_RELEASES", raising=False)

    def repo(self) -> Path:
        """A seed-only checkout (no releases), the data the candidate was built from."""
        return copy_data(self.tmp / "repo")

    def releases(self) -> Path:
        """A writable copy of the candidate's releases/ (v0.1.0 and CHANGELOG.md)."""
        return writable_copy(candidate(), self.tmp / "releases")

    def published(self) -> Path:
        """A seed-only checkout that has published the candidate as 0.1.0."""
        root = self.repo()
        writable_copy(candidate(), root / "releases")
        (root / CITATION_FILE).write_text(citation_text(root / "releases"), encoding="utf-8")
        return root

    def text(self, content: str | bytes = "Police officers from two countries trained "
             "together in Beijing.\n", name: str = "a.txt") -> str:
        data = content.encode() if isinstance(content, str) else content
        (self.tmp / name).write_bytes(data)
        return name

    def add_source(self, *args: str) -> Run:
        return self.cli("add-source", "--root", "repo", "--publisher", "Example News", *args)

    def cli(self, *args: str) -> Run:
        seen: list[Problem] = []
        real = cli.render_problems

        def recording(problems: list[Problem]) -> str:
            seen.extend(problems)
            return real(problems)

        self.monkeypatch.setattr(cli, "render_problems", recording)
        before = snapshot(self.tmp)
        result = CliRunner().invoke(cli.main, list(args), catch_exceptions=True)
        output = result.output
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            raise AssertionError(f"{args}: {result.exception!r}\n{output}") from \
                result.exception
        return Run(seen, output, result.exit_code, _changed(before, snapshot(self.tmp)))

    def api(self, call: Callable[[], Any]) -> Run:
        before = snapshot(self.tmp)
        with pytest.raises(ProblemsFound) as e:
            call()
        return Run(e.value.problems, "\n".join(map(str, e.value.problems)), None,
                   _changed(before, snapshot(self.tmp)))


def _changed(before: dict[str, bytes], after: dict[str, bytes]) -> list[str]:
    """What changed, but the checkout's lock file (gitignored; a command taking the lock
    writes who holds it there)."""
    return sorted(k for k in before.keys() | after.keys() if before.get(k) != after.get(k)
                  and Path(k).name != fileops.LOCK_FILE)


def resign(folder: Path) -> None:
    """Rewrite a release's SHA256SUMS for its files as they are now, so that a tampered
    datapackage.json shows only in what the datapackage says."""
    names = sorted(p.name for p in folder.iterdir() if p.name != "SHA256SUMS")
    (folder / "SHA256SUMS").write_text("".join(
        f"{sha256((folder / n).read_bytes())}  {n}\n" for n in names))


def write_datapackage(folder: Path, text: str) -> None:
    """Replace a release's datapackage.json and sign it, so only its content is wrong."""
    (folder / "datapackage.json").write_text(text)
    resign(folder)


def edit_datapackage(folder: Path, edit: Callable[[dict[str, Any]], Any]) -> None:
    dp = json.loads((folder / "datapackage.json").read_text())
    edit(dp)
    write_datapackage(folder, json.dumps(dp, indent=2))


def resource(dp: dict[str, Any], path: str) -> dict[str, Any]:
    return next(r for r in dp["resources"] if r["path"] == path)


def drop_event(root: Path, source: str, event: str) -> None:
    """Remove one event's report from a coding file (the seed's ev-0012 has one report)."""
    from ruamel.yaml import YAML

    yaml = YAML()
    path = root / "coding" / f"{source}.yaml"
    data = yaml.load(path.read_text(encoding="utf-8"))
    data["events"] = [r for r in data["events"] if r["event"] != event]
    with path.open("w", encoding="utf-8") as f:
        yaml.dump(data, f)


def git(root: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.org", *args],
                   cwd=root, check=True, capture_output=True, timeout=120)


def committed_repo(kit: Kit) -> Path:
    """A seed checkout in its own git repository, everything committed; only its coding/
    is checked (the code's schemas/ belongs to another repository)."""
    root = kit.repo()
    git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "seed")
    kit.monkeypatch.setattr(committed, "release_inputs", lambda r: [Path(r) / "coding"])
    return root


# --- the scenarios ----------------------------------------------------------------------


@dataclass(frozen=True)
class Scenario:
    make: Callable[[Kit], Run]
    file: str  # the file the problem names
    also: tuple[str, ...] = field(default=())  # keys of rules reported beside it


SCENARIOS: dict[str, Scenario] = {}


def scenario(key: str, file: str, also: tuple[str, ...] = ()
             ) -> Callable[[Callable[[Kit], Run]], Callable[[Kit], Run]]:
    def register(make: Callable[[Kit], Run]) -> Callable[[Kit], Run]:
        assert key not in SCENARIOS, key
        SCENARIOS[key] = Scenario(make, file, also)
        return make
    return register


# Rules no test can provoke, each with the reason. Keep this short.
EXEMPT: dict[str, str] = {}


# files and the lock (fileops.FILE_RULES)

@scenario("file.write", "archive/src-0004.txt")
def _(kit: Kit) -> Run:
    (kit.repo() / "archive" / "src-0004.txt").mkdir()  # where the new text would go
    return kit.add_source(kit.text(), "--url", "https://example.org/a")


@scenario("file.outside_checkout:write", "archive")
def _(kit: Kit) -> Run:
    root = kit.repo()
    shutil.move(root / "archive", kit.tmp / "elsewhere")
    (root / "archive").symlink_to(kit.tmp / "elsewhere")
    return kit.add_source(kit.text(), "--url", "https://example.org/a")


@scenario("lock.unavailable", ".gsi-events.lock")
def _(kit: Kit) -> Run:
    (kit.repo() / fileops.LOCK_FILE).mkdir()  # cannot be opened for writing
    return kit.cli("release", "0.1.0", "--root", "repo", "--allow-uncommitted")


@scenario("lock.busy", ".gsi-events.lock")
def _(kit: Kit) -> Run:
    root = kit.repo()
    kit.monkeypatch.setattr(fileops, "LOCK_WAIT", 0.1)
    with open(root / fileops.LOCK_FILE, "w") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        return kit.cli("release", "0.1.0", "--root", "repo", "--allow-uncommitted")


# add-source (coders/archive.ADD_SOURCE_RULES)

URL = ("--url", "https://example.org/new")


@scenario("add_source.unreadable", "missing.txt")
def _(kit: Kit) -> Run:
    kit.repo()
    return kit.add_source("missing.txt", *URL)


@scenario("add_source.unreadable:not_regular", "pipe.txt")
def _(kit: Kit) -> Run:
    kit.repo()
    os.mkfifo(kit.tmp / "pipe.txt")
    return kit.add_source("pipe.txt", *URL)


@scenario("add_source.utf8", "a.txt")
def _(kit: Kit) -> Run:
    kit.repo()
    return kit.add_source(kit.text(b"Caf\xe9 talks on police training.\n"), *URL)


@scenario("add_source.utf8:option", "a.txt")
def _(kit: Kit) -> Run:
    # Through the command an option holding invalid UTF-8 (a lone surrogate) is refused
    # before add-source runs (cli.Checked); this rule guards the Python API.
    root, name = kit.repo(), kit.text()
    return kit.api(lambda: archive.add_source(root, Path(name), url=URL[1],
                                              publisher="Caf\udce9 News"))


@scenario("add_source.empty", "a.txt")
def _(kit: Kit) -> Run:
    kit.repo()
    return kit.add_source(kit.text(" \n\t\n"), *URL)


@scenario("add_source.duplicate_text", "a.txt")
def _(kit: Kit) -> Run:
    root = kit.repo()
    return kit.add_source(kit.text((root / "archive/src-0001.txt").read_bytes()), *URL)


@scenario("add_source.duplicate_url", "a.txt")
def _(kit: Kit) -> Run:
    root = kit.repo()
    url = re.search(r"^url: (\S+)", (root / "archive/src-0001.yaml").read_text(), re.M)
    assert url is not None
    return kit.add_source(kit.text(), "--url", url.group(1).strip("'\""))


@scenario("add_source.published", "a.txt")
def _(kit: Kit) -> Run:
    kit.repo()
    return kit.add_source(kit.text(), *URL, "--published", "2024-13")


@scenario("add_source.accessed", "archive/(new cited source)")
def _(kit: Kit) -> Run:
    kit.repo()
    return kit.add_source("--cited", *URL, "--title", "Talks", "--accessed", "2024-02-30")


@scenario("sources.{field}.vocabulary", "a.txt")
def _(kit: Kit) -> Run:
    kit.repo()
    return kit.add_source(kit.text(), *URL, "--type", "rumour")


@scenario("sources.{field}.pattern", "a.txt")
def _(kit: Kit) -> Run:
    kit.repo()
    return kit.add_source(kit.text(), "--url", "ftp://example.org/new")


@scenario("sources.language.codelist", "a.txt")
def _(kit: Kit) -> Run:
    kit.repo()
    return kit.add_source(kit.text(), *URL, "--language", "xq")


@scenario("sources.body_markers_found", "a.txt")
def _(kit: Kit) -> Run:
    kit.repo()
    return kit.add_source(kit.text(), *URL, "--body-begins", "words the text lacks")


@scenario("sources.fields_match_kind", "archive/(new cited source)")
def _(kit: Kit) -> Run:
    kit.repo()
    return kit.add_source("--cited", *URL)


# verify (integrity.VERIFY_RULES), on a tampered copy of the candidate release

def verify(kit: Kit, *version: str) -> Run:
    return kit.cli("verify", "--releases", "releases", *version)


@scenario("release.symlink", release_path("0.1.0"))
def _(kit: Kit) -> Run:
    releases = kit.releases()
    shutil.move(releases / V, kit.tmp / "real")
    (releases / V).symlink_to(kit.tmp / "real")
    return verify(kit, "0.1.0")


@scenario("release.symlink:listed", "releases/v0.2.0")
def _(kit: Kit) -> Run:
    releases = kit.releases()
    (releases / "v0.2.0").symlink_to(releases / V)
    return verify(kit)


@scenario("release.unreadable", release_path("0.1.0", "events.csv"))
def _(kit: Kit) -> Run:
    folder = kit.releases() / V
    shutil.move(folder / "events.csv", kit.tmp / "events.csv")
    (folder / "events.csv").symlink_to(kit.tmp / "events.csv")  # same bytes, via a link
    return verify(kit)


@scenario("release.sums_missing", release_path("0.1.0", "SHA256SUMS"))
def _(kit: Kit) -> Run:
    (kit.releases() / V / "SHA256SUMS").unlink()
    return verify(kit)


@scenario("release.sums_format", release_path("0.1.0", "SHA256SUMS"))
def _(kit: Kit) -> Run:
    with open(kit.releases() / V / "SHA256SUMS", "a") as f:
        f.write("not a checksum line\n")
    return verify(kit)


@scenario("release.sums_format:utf8", release_path("0.1.0", "SHA256SUMS"))
def _(kit: Kit) -> Run:
    with open(kit.releases() / V / "SHA256SUMS", "ab") as f:
        f.write(b"\xff\n")
    return verify(kit)


@scenario("release.file_missing", release_path("0.1.0", "diff.json"))
def _(kit: Kit) -> Run:
    (kit.releases() / V / "diff.json").unlink()  # listed, and no resource
    return verify(kit)


@scenario("release.hash", release_path("0.1.0", "CHANGES.md"))
def _(kit: Kit) -> Run:
    with open(kit.releases() / V / "CHANGES.md", "a") as f:
        f.write("A line added later.\n")
    return verify(kit)


@scenario("release.file_unlisted", release_path("0.1.0", "extra.txt"))
def _(kit: Kit) -> Run:
    (kit.releases() / V / "extra.txt").write_text("added\n")
    return verify(kit)


@scenario("release.datapackage_missing", release_path("0.1.0", "datapackage.json"))
def _(kit: Kit) -> Run:
    folder = kit.releases() / V
    (folder / "datapackage.json").unlink()
    resign(folder)
    return verify(kit)


@scenario("release.datapackage_json", release_path("0.1.0", "datapackage.json"))
def _(kit: Kit) -> Run:
    write_datapackage(kit.releases() / V, '{"version": "0.1.0",')
    return verify(kit)


@scenario("release.datapackage_json:not_an_object", release_path("0.1.0", "datapackage.json"))
def _(kit: Kit) -> Run:
    write_datapackage(kit.releases() / V, "[]")
    return verify(kit)


@scenario("release.version_mismatch", release_path("0.1.0", "datapackage.json"))
def _(kit: Kit) -> Run:
    edit_datapackage(kit.releases() / V, lambda dp: dp.update(version="0.9.0"))
    return verify(kit)


@scenario("release.resource_missing", release_path("0.1.0", "gone.csv"))
def _(kit: Kit) -> Run:
    edit_datapackage(kit.releases() / V,
                     lambda dp: resource(dp, "events.csv").update(path="gone.csv"))
    return verify(kit)


@scenario("release.bytes", release_path("0.1.0", "events.csv"))
def _(kit: Kit) -> Run:
    def more(dp: dict[str, Any]) -> None:
        resource(dp, "events.csv")["bytes"] += 1

    edit_datapackage(kit.releases() / V, more)
    return verify(kit)


@scenario("release.resource_hash", release_path("0.1.0", "events.csv"))
def _(kit: Kit) -> Run:
    edit_datapackage(kit.releases() / V,
                     lambda dp: resource(dp, "events.csv").update(hash="sha256:" + "0" * 64))
    return verify(kit)


@scenario("release.unknown", release_path("0.9.0"))
def _(kit: Kit) -> Run:
    kit.releases()
    return verify(kit, "0.9.0")


@scenario("release.partial", "releases/.v0.2.0.partial-123")
def _(kit: Kit) -> Run:
    (kit.releases() / ".v0.2.0.partial-123").mkdir()
    return verify(kit)


@scenario("release.unfinished", "releases/CHANGELOG.md")
def _(kit: Kit) -> Run:
    (kit.releases() / "CHANGELOG.md").write_text("# Changelog\n")
    return verify(kit)


@scenario("release.unfinished:citation", CITATION_FILE)
def _(kit: Kit) -> Run:
    kit.releases()
    (kit.tmp / CITATION_FILE).write_text('cff-version: 1.2.0\nversion: "0.0.9"\n')
    return verify(kit)


@scenario("release.citation_hash", release_path("0.1.0", "datapackage.json"))
def _(kit: Kit) -> Run:
    kit.releases()
    (kit.tmp / CITATION_FILE).write_text(
        'cff-version: 1.2.0\nversion: "0.1.0"\nidentifiers:\n  - type: other\n'
        f'    value: "sha256:{"0" * 64}"\n')
    return verify(kit)


# build and release (release/rules.RELEASE_RULES)

@scenario("build.into_releases", "repo/releases/new")
def _(kit: Kit) -> Run:
    kit.repo()
    return kit.cli("build", "--root", "repo", "--out", "repo/releases/new")


@scenario("build.published", "out")
def _(kit: Kit) -> Run:
    kit.repo()
    (kit.tmp / "out").mkdir()
    (kit.tmp / "out" / "SHA256SUMS").write_text("")
    return kit.cli("build", "--root", "repo", "--out", "out")


def release(*args: str) -> tuple[str, ...]:
    return ("release", "--root", "repo", *args)


@scenario("release.version", release_path("1.0"))
def _(kit: Kit) -> Run:
    kit.repo()
    return kit.cli(*release("1.0", "--allow-uncommitted"))


@scenario("release.exists", release_path("0.1.0"))
def _(kit: Kit) -> Run:
    kit.published()
    return kit.cli(*release("0.1.0", "--allow-uncommitted"))


@scenario("release.order", release_path("0.0.9"))
def _(kit: Kit) -> Run:
    kit.published()
    return kit.cli(*release("0.0.9", "--allow-uncommitted"))


@scenario("release.first_version", release_path("0.2.0"))
def _(kit: Kit) -> Run:
    kit.repo()
    return kit.cli(*release("0.2.0", "--allow-uncommitted"))


@scenario("release.earlier_invalid", release_path("0.1.1"), also=("release.hash",))
def _(kit: Kit) -> Run:
    root = kit.published()
    with open(root / "releases" / V / "CHANGES.md", "a") as f:
        f.write("A line added later.\n")
    return kit.cli(*release("0.1.1", "--allow-uncommitted"))


@scenario("release.empty", release_path("0.1.0"))
def _(kit: Kit) -> Run:
    root = kit.repo()
    for path in (root / "coding").glob("src-*.yaml"):
        path.unlink()  # the sources are archived; none is coded yet
    return kit.cli(*release("0.1.0", "--allow-uncommitted"))


@scenario("release.unchanged", release_path("0.1.1"))
def _(kit: Kit) -> Run:
    kit.published()
    return kit.cli(*release("0.1.1", "--allow-uncommitted"))


@scenario("release.version_recipe", release_path("0.1.1"))
def _(kit: Kit) -> Run:
    root = kit.published()
    drop_event(root, "src-0002", "ev-0012")  # rows other tables refer to: major
    (root / "coding" / "retired.yaml").write_text(
        "events:\n  - id: ev-0012\n    reason: withdrawn by the test\n")
    return kit.cli(*release("0.1.1", "--allow-uncommitted"))


@scenario("release.removed_not_retired", release_path("1.0.0"))
def _(kit: Kit) -> Run:
    root = kit.published()
    drop_event(root, "src-0002", "ev-0012")
    return kit.cli(*release("1.0.0", "--allow-uncommitted"))


@scenario("release.uncommitted", "coding")
def _(kit: Kit) -> Run:
    root = committed_repo(kit)
    with open(root / "coding" / "src-0001.yaml", "a") as f:
        f.write("# an edit not committed\n")
    return kit.cli(*release("0.1.0"))


@scenario("release.uncommitted:no_git", "git")
def _(kit: Kit) -> Run:
    kit.repo()
    (kit.tmp / "bin").mkdir()
    kit.monkeypatch.setenv("PATH", str(kit.tmp / "bin"))  # no git on it
    return kit.cli(*release("0.1.0"))


@scenario("release.uncommitted:no_repository", "coding")
def _(kit: Kit) -> Run:
    kit.repo()
    kit.monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(kit.tmp))  # nothing above counts
    kit.monkeypatch.setattr(committed, "release_inputs", lambda r: [Path(r) / "coding"])
    return kit.cli(*release("0.1.0"))


@scenario("release.uncommitted:git_failed", "coding")
def _(kit: Kit) -> Run:
    root = committed_repo(kit)
    (root / ".git" / "index").write_bytes(b"not an index")  # git status cannot read it
    return kit.cli(*release("0.1.0"))


# --- the tests --------------------------------------------------------------------------


def declared() -> dict[str, Rules]:
    """Every declared key (rule id, or id:variant) -> the Rules declaring it."""
    out: dict[str, Rules] = {}
    for rules in command_rules().values():
        for key in rules:
            assert key not in out, f"{key} is declared twice"
            out[key] = rules
    return out


def message_pattern(rules: Rules, key: str) -> re.Pattern[str]:
    """The messages of one declared key: its template, each placeholder any text (the
    stage's constants, such as a file name, as they are)."""
    out = []
    for part in re.split(r"(\{[^{}]*\})", rules[key]):
        name = re.fullmatch(r"\{([a-z_]+)[^{}]*\}", part)
        if name is None:
            out.append(re.escape(part))
        elif name.group(1) in rules.constants:
            out.append(re.escape(str(rules.constants[name.group(1)])))
        else:
            out.append("(?s:.*?)")
    return re.compile("".join(out))


def id_pattern(key: str) -> re.Pattern[str]:
    return re.compile("[a-z_0-9]+".join(
        re.escape(p) for p in re.split(r"\{[a-z_]+\}", key.split(":", 1)[0])))


def matches(problem: Problem, key: str, rules: Rules) -> bool:
    return bool(id_pattern(key).fullmatch(problem.rule)
                and message_pattern(rules, key).fullmatch(problem.message))


def test_every_declared_rule_has_a_scenario() -> None:
    keys = declared()
    missing = sorted(keys.keys() - SCENARIOS.keys() - EXEMPT.keys())
    assert missing == [], f"declared rules no scenario here breaks: {missing}"
    stale = sorted((SCENARIOS.keys() | EXEMPT.keys()) - keys.keys())
    assert stale == [], f"scenarios of rules no longer declared: {stale}"
    assert not SCENARIOS.keys() & EXEMPT.keys()


@pytest.mark.parametrize("key", sorted(SCENARIOS))
def test_the_scenario_reports_its_rule(key: str, tmp_path: Path,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    keys = declared()
    case = SCENARIOS[key]
    run = case.make(Kit(tmp_path, monkeypatch))
    problems = sorted(set(run.problems))
    assert problems, run.output
    mine = [p for p in problems if matches(p, key, keys[key])]
    assert len(mine) == 1, f"{key}: expected one problem of it, got:\n{run.output}"
    assert mine[0].file == case.file, run.output
    others = [p for p in problems if p is not mine[0]]
    assert [p for p in others if not any(matches(p, k, keys[k]) for k in case.also)] == [], \
        f"{key}: other rules reported too:\n{run.output}"
    assert len(others) == len(case.also), run.output
    # plain words: no traceback, no Python object or exception names
    assert "Traceback" not in run.output
    for p in problems:
        assert not re.search(r"object at 0x|\b[A-Z]\w*(Error|Exception)\b", p.message), p
    if run.exit_code is not None:
        assert run.exit_code == 1, run.output
        assert run.output.rstrip().endswith("nothing was written."), run.output
    assert run.changed == [], f"{key}: the failed command wrote {run.changed}"
