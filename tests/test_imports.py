"""pandera without pandas, numpy and hypothesis in the command's process
(gsi_events.imports): the same problems, word for word, as pandera imported with them,
on every case of the bad-input corpus, for `validate` and `check`."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import seed_copy
from test_bad_input import CASES, CORPUS, expected_output, lay_over

from gsi_events import imports, paths

# Runs each command in one fresh process, as the gsi-events command does (after importing
# pandas, numpy and hypothesis first when told to: pandera then imports them); prints
# what each said, and which of the three was imported at all.
RUN = """
import json, sys
if sys.argv[2] == "with":
    import hypothesis, numpy, pandas
from click.testing import CliRunner
from gsi_events.cli import main
said = [[r.exit_code, r.output] for r in
        (CliRunner().invoke(main, args) for args in json.loads(sys.argv[1]))]
print(json.dumps({"said": said, "imported": sorted(
    m for m in ("hypothesis", "numpy", "pandas") if m in sys.modules)}))
"""


def commands(tmp_path: Path) -> list[tuple[str, list[str]]]:
    """A `validate` of each case laid over the seed repository, and a `check` of each
    coding file the case holds: (case, arguments)."""
    out = []
    for case in CASES:
        root = seed_copy(tmp_path / case)
        lay_over(root, CORPUS / "_base")
        lay_over(root, CORPUS / case)
        out.append((case, ["validate", "--root", str(root)]))
        out += [(case, ["check", "--root", str(root), f"coding/{p.name}"])
                for p in sorted((CORPUS / case / "coding").glob("*.yaml"))]
    return out


def test_the_command_without_pandas_says_what_pandera_with_it_says(tmp_path: Path) -> None:
    todo = commands(tmp_path)
    runs = {how: subprocess.Popen(
        [sys.executable, "-c", RUN, json.dumps([a for _, a in todo]), how],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=paths.PACKAGE.parent)
        for how in ("without", "with")}
    reports = {}
    for how, run in runs.items():
        out, err = run.communicate(timeout=1800)
        assert run.returncode == 0, err
        reports[how] = json.loads(out)
    assert reports["without"]["imported"] == []  # pandera ran without them
    assert reports["with"]["imported"] == sorted(imports.UNUSED)
    assert reports["without"]["said"] == reports["with"]["said"]
    for (case, args), (code, output) in zip(todo, reports["without"]["said"], strict=True):
        if args[0] == "validate":
            assert (code, output) == (1, expected_output(case)), case
        else:
            assert "Traceback" not in output and code in (0, 1), (case, args)


def test_the_country_table_is_country_converters_own() -> None:
    """Gleditsch-Ward codes are read from country_converter's table, found without
    importing that package (its __init__ imports pandas)."""
    from importlib import resources

    from gsi_events.compile import countries

    shipped = resources.files("country_converter").joinpath("country_data.tsv")
    assert countries._country_data().read_bytes() == shipped.read_bytes()


def test_the_language_codes_are_pycountrys() -> None:
    """ISO 639-1 codes read from pycountry's own file are those its objects have."""
    import pycountry

    from gsi_events.compile import countries

    fresh = pycountry.db.Database.__new__(type(pycountry.languages))
    fresh.__init__(pycountry.languages.filename)  # not loaded: the file is read
    countries.iso639_1_codes.cache_clear()
    try:
        with pytest.MonkeyPatch.context() as m:
            m.setattr(pycountry, "languages", fresh)
            assert not fresh._is_loaded
            got = countries.iso639_1_codes()
    finally:
        countries.iso639_1_codes.cache_clear()
    assert got == {lang.alpha_2 for lang in pycountry.languages if hasattr(lang, "alpha_2")}
    assert {"en", "zh", "fr", "ru"} <= got
