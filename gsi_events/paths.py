"""Where things live: the repository's folders, or the installed package's data."""

from __future__ import annotations

from pathlib import Path

PACKAGE = Path(__file__).resolve().parent


def repo_root() -> Path | None:
    """The checkout this package runs from, or None when installed from a wheel."""
    root = PACKAGE.parent
    return root if (root / "pyproject.toml").is_file() and (root / "schemas").is_dir() else None


def checkout(start: Path | None = None) -> Path | None:
    """The gsi_events checkout that `start` (default: the working directory) lies in, as git
    finds its repository: the nearest folder upward holding pyproject.toml, schemas/ and
    coding/. None outside a checkout."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if ((folder / "pyproject.toml").is_file() and (folder / "schemas").is_dir()
                and (folder / "coding").is_dir()):
            return folder
    return None


def schema_dir() -> Path:
    bundled = PACKAGE / "_data" / "schemas"
    if bundled.is_dir():
        return bundled
    root = repo_root()
    if root is None:
        raise FileNotFoundError("gsi_events cannot find its schemas/ folder")
    return root / "schemas"
