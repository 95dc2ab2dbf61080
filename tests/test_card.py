"""The data card (gsi-events card): made for the published release 0.1.0 (immutable, so
the facts checked hold whatever is coded later), opened in real headless Chromium: it loads
with no console errors and its screenshot shows the figures."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from gsi_events.cli import main

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="module")
def card(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("card")
    result = CliRunner().invoke(main, ["card", "0.1.0", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "Wrote the data card of 0.1.0" in result.output
    return out


def test_card_states_coverage_and_limits(card: Path) -> None:
    page = (card / "card.html").read_text(encoding="utf-8")
    for heading in ("What this release covers", "What it does not cover", "Figures",
                    "Pledges and linked deliveries", "Inter-coder agreement",
                    "Cite this release", "Changelog"):
        assert f"<h2>{heading}</h2>" in page
    assert "17 events from 3 sources" in page  # release 0.1.0
    assert page.count('src="data:image/png;base64,') == 6
    for name in ("actions", "status", "years", "countries", "evidence", "timeline"):
        assert (card / f"{name}.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_card_opens_in_headless_chromium(card: Path, tmp_path: Path) -> None:
    if CHROMIUM is None:
        if os.environ.get("CI"):
            raise RuntimeError("chromium is missing: .ci/run installs it")
        pytest.skip("Chromium is not installed here (CI installs it)")
    shot = tmp_path / "shot.png"
    done = subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
         "--no-first-run", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", f"--user-data-dir={tmp_path / 'profile'}", "--window-size=1100,2400",
         "--enable-logging=stderr", "--v=0", f"--screenshot={shot}",
         (card / "card.html").as_uri()],
        capture_output=True, text=True, timeout=120)
    assert shot.is_file(), done.stderr[-2000:]
    console = [ln for ln in done.stderr.splitlines() if "CONSOLE" in ln]
    assert console == [], console
    import matplotlib.image as mpimg
    import numpy as np

    pixels = mpimg.imread(shot)[:, :, :3]
    colours = np.unique((pixels.reshape(-1, 3) * 255).astype(int), axis=0)
    bar = np.array([0x2F, 0x5D, 0x8A])  # the figures' bar colour
    assert len(colours) > 50  # text and figures, not a blank page
    assert (np.abs(pixels * 255 - bar).sum(axis=2) < 12).sum() > 2000  # bars are visible
