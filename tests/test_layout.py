"""The house rule: the data users' modules (the top level of gsi_events) never import the
coders' or builders' subpackages, each subpackage imports only down the data flow
(schemas -> read -> merge -> validate in compile/, then the coders' tools and the
release), and every name users get from `gsi_events` works with the coding libraries made
unimportable (the light install)."""

from __future__ import annotations

import ast
import subprocess
import sys

import pytest

from gsi_events import paths

SUBPACKAGES = ("gsi_events.compile", "gsi_events.coders", "gsi_events.release",
               "gsi_events.testing")
# The command line serves every audience and imports each command's module when it runs.
ENTRY_POINTS = {"cli.py"}
# What each subpackage may import of gsi_events besides the top level (the data users'
# modules): compile/ is the flow everyone else builds on, so it imports none of them.
MAY_IMPORT = {
    "compile": ("gsi_events.compile",),
    "coders": ("gsi_events.compile", "gsi_events.coders"),
    # a release records the coders' inter-coder agreement (coders/agreement.py)
    "release": ("gsi_events.compile", "gsi_events.coders", "gsi_events.release"),
    # test data and mutations cover every stage's rules (testing/known_rules.py)
    "testing": ("gsi_events.compile", "gsi_events.coders", "gsi_events.release",
                "gsi_events.testing"),
}


def imported(path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{a.name}" for a in node.names)
        elif isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
    return names


@pytest.mark.parametrize("module", sorted(p.name for p in paths.PACKAGE.glob("*.py")
                                          if p.name not in ENTRY_POINTS))
def test_user_modules_never_import_upward(module: str) -> None:
    upward = sorted(n for n in imported(paths.PACKAGE / module)
                    if n.startswith(SUBPACKAGES))
    assert upward == [], f"gsi_events/{module} imports {upward}"


def _within(name: str, packages: tuple[str, ...]) -> bool:
    return any(name == p or name.startswith(p + ".") for p in packages)


@pytest.mark.parametrize("module", sorted(p.relative_to(paths.PACKAGE).as_posix()
                                          for sub in MAY_IMPORT
                                          for p in (paths.PACKAGE / sub).rglob("*.py")))
def test_subpackages_import_only_down_the_flow(module: str) -> None:
    allowed = MAY_IMPORT[module.split("/")[0]]
    against = sorted(n for n in imported(paths.PACKAGE / module)
                     if _within(n, (*SUBPACKAGES, "gsi_events.cli"))
                     and not _within(n, allowed))
    assert against == [], f"gsi_events/{module} imports {against}"


@pytest.mark.parametrize("module", sorted(p.relative_to(paths.PACKAGE).as_posix()
                                          for p in paths.PACKAGE.rglob("*.py")
                                          if p.name != "__init__.py"))
def test_modules_take_no_name_from_the_package_face(module: str) -> None:
    # `from gsi_events import load` runs gsi_events/__init__.py's lazy look-up: an arrow
    # up to the face; a module imports the module that defines the name instead
    names = [a.name for node in ast.walk(ast.parse((paths.PACKAGE / module).read_text(
                 encoding="utf-8")))
             if isinstance(node, ast.ImportFrom) and node.module == "gsi_events"
             for a in node.names]
    faced = [n for n in names if not (paths.PACKAGE / f"{n}.py").is_file()
             and not (paths.PACKAGE / n / "__init__.py").is_file()]
    assert faced == [], f"gsi_events/{module} takes {faced} from gsi_events itself"


def test_every_user_name_works_without_the_coding_libraries() -> None:
    code = (
        "import sys\n"
        "for m in ('ruamel', 'pandera', 'click', 'pycountry', 'country_converter',\n"
        "          'krippendorff', 'text_to_num', 'matplotlib'):\n"
        "    sys.modules[m] = None\n"
        "import gsi_events as g\n"
        "g.versions(); g.release_info(); g.load('events'); g.cite(format='bibtex')\n"
        "g.pledges(); g.events_wide(); g.event_countries(); g.dictionary('sources')\n"
        "g.changelog()\n"
        "assert issubclass(g.ReleaseError, g.GsiEventsError)\n"
        "print(sorted(n for n in sys.modules if n.startswith('gsi_events.')))\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr
    loaded = done.stdout.strip()
    for sub in SUBPACKAGES:
        assert f"'{sub}" not in loaded, loaded


def test_a_coders_module_names_its_extra() -> None:
    code = ("import sys\nsys.modules['pandera'] = None\n"
            "import importlib.util as u\n"
            "real = u.find_spec\n"
            "u.find_spec = lambda name, *a: None if name == 'pandera' else real(name, *a)\n"
            "import gsi_events.compile\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode != 0
    assert "pip install 'gsi-events[coding]'" in done.stderr
