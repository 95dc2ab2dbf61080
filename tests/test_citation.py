"""CITATION.cff and the CFF of every release pass `cffconvert --validate` (run from its own
virtual environment, .ci/cffconvert, which .ci/run creates)."""

from __future__ import annotations

from pathlib import Path

import pytest
from _release_support import RELEASES, REPO, candidate, cffconvert_or_skip, published, run

import gsi_events


def validate(exe: str, path: Path) -> None:
    out = run(exe, "--validate", "-i", path, timeout=120)
    assert out.returncode == 0, out.stdout + out.stderr


def test_repository_citation_cff_is_valid() -> None:
    text = (REPO / "CITATION.cff").read_text(encoding="utf-8")
    assert "type: dataset" in text
    if published():
        newest = published()[-1]
        assert f'version: "{newest}"' in text and "date-released: " in text
    validate(cffconvert_or_skip(), REPO / "CITATION.cff")


def test_release_cff_is_valid(tmp_path: Path) -> None:
    exe = cffconvert_or_skip()
    for version in published():
        path = tmp_path / f"{version}.cff"
        path.write_text(gsi_events.cite(version, "cff", releases=RELEASES), encoding="utf-8")
        validate(exe, path)
    path = tmp_path / "candidate.cff"
    path.write_text(gsi_events.cite(format="cff", releases=candidate()), encoding="utf-8")
    validate(exe, path)
    bib = run(exe, "-i", path, "-f", "bibtex", timeout=120)
    assert bib.returncode == 0 and "year = {2030}" in bib.stdout, bib.stderr  # date read


@pytest.mark.parametrize("version", published())
def test_citation_of_a_published_release(version: str) -> None:
    info = gsi_events.release_info(version, RELEASES)
    for fmt in ("apa", "bibtex", "cff"):
        text = gsi_events.cite(version, fmt, releases=RELEASES)
        assert version in text and info.datapackage_sha256 in text
        assert (info.date or "") in text
