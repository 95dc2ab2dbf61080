"""gsi_events.load(), versions(), release_info() and cite(): the reader's side."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import polars as pl
import pytest
from _release_support import RELEASES, REPO, candidate, published

import gsi_events
from gsi_events import loading


def test_versions_of_the_repository() -> None:
    folders = sorted((p.name[1:] for p in RELEASES.glob("v*") if p.is_dir()),
                     key=loading.version_key) if RELEASES.is_dir() else []
    assert gsi_events.versions(RELEASES) == folders == published()
    if not folders:
        with pytest.raises(loading.ReleaseError, match="no release is published yet"):
            gsi_events.load(releases=RELEASES)


@pytest.mark.parametrize("version", published())
def test_load_every_published_release(version: str) -> None:
    info = gsi_events.release_info(version, RELEASES)
    for table in info.tables:
        df = gsi_events.load(table, version=version, releases=RELEASES)
        assert df.equals(pl.read_parquet(RELEASES / f"v{version}" / f"{table}.parquet"))


def test_load_newest_or_named_release() -> None:
    releases = candidate()
    events = gsi_events.load(releases=releases)
    assert isinstance(events, pl.DataFrame)
    assert events.equals(pl.read_parquet(releases / "v0.1.0" / "events.parquet"))
    assert events.equals(gsi_events.load("events", "0.1.0", releases=releases))
    assert events.equals(gsi_events.load("events", "v0.1.0", releases=releases))
    info = gsi_events.release_info(releases=releases)
    assert (info.version, info.date) == ("0.1.0", "2030-01-02")
    assert info.tables == ("sources", "events", "participants", "evidence", "event_links",
                           "discrepancies")
    pandas = events.to_pandas()
    assert list(pandas.columns) == events.columns and len(pandas) == events.height


def test_unknown_version_or_table_lists_what_exists() -> None:
    releases = candidate()
    with pytest.raises(loading.ReleaseError, match=r"no release '9\.9\.9'; published "
                       r"releases: 0\.1\.0"):
        gsi_events.load("events", version="9.9.9", releases=releases)
    with pytest.raises(loading.ReleaseError, match="no table 'event'; its tables: sources, "
                       "events, participants"):
        gsi_events.load("event", releases=releases)
    with pytest.raises(loading.ReleaseError, match="no release is published yet"):
        gsi_events.load(releases=REPO / "no-such-folder")
    assert gsi_events.versions(REPO / "no-such-folder") == []


def test_environment_variable_chooses_the_releases(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(loading.RELEASES_ENV, str(candidate()))
    assert gsi_events.versions() == ["0.1.0"]
    assert gsi_events.load("sources").height > 0


def test_cite_names_exactly_one_release() -> None:
    releases = candidate()
    info = gsi_events.release_info(releases=releases)
    apa = gsi_events.cite(releases=releases)
    assert "(Version 0.1.0) [Data set]" in apa and "(2030)" in apa
    assert info.datapackage_sha256 in apa
    bib = gsi_events.cite("0.1.0", format="bibtex", releases=releases)
    assert bib.startswith("@misc{gsi_events_v0_1_0,") and "{gsi\\_events" in bib
    assert bib.count("{") == bib.count("}")
    cff = gsi_events.cite("0.1.0", format="cff", releases=releases)
    assert "type: dataset" in cff and 'version: "0.1.0"' in cff
    assert 'date-released: "2030-01-02"' in cff
    with pytest.raises(ValueError, match="apa, bibtex, cff"):
        gsi_events.cite(format="chicago", releases=releases)
    with pytest.raises(loading.ReleaseError):
        gsi_events.cite("0.0.1", releases=releases)


def _python(code: str, **env: str) -> dict[str, object]:
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env={**os.environ, **env}, cwd=REPO, timeout=120)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_import_is_cheap_and_load_never_imports_validation() -> None:
    modules = _python(
        "import json, sys; import gsi_events; "
        "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in "
        "('polars', 'pyarrow', 'pandera', 'pandas', 'ruamel', 'gsi_events'))))")
    # gsi_events.errors (exception classes, no imports of its own) is all it loads
    assert modules == ["gsi_events", "gsi_events.errors"]
    found = _python(
        "import json, sys; import gsi_events; df = gsi_events.load('events'); "
        "print(json.dumps({'rows': df.height, 'pandera': 'pandera' in sys.modules, "
        "'validation': any(m.startswith('gsi_events.compile.validate') for m in sys.modules), "
        "'ruamel': 'ruamel' in sys.modules}))",
        **{loading.RELEASES_ENV: str(candidate())})
    assert found == {"rows": gsi_events.load(releases=candidate()).height,
                     "pandera": False, "validation": False, "ruamel": False}
