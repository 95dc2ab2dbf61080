"""The schemas as ruamel.yaml reads them, kept between runs: ruamel's pure-Python reader
takes about 0.2 s for the six table schemas, a fifth of a `check` of one file.

The kept copy is one file in the checkout's `.gsi-events-cache/` (gitignored, safe to
delete), the marshal of plain data (never code) under a key: the sha256 of every schema
file's name and bytes, this module and `schema.py` (which read and use them), and the
versions of ruamel.yaml and Python. It is used only when its key is the key of the bytes
read now, so an edited schema, reader or library is read afresh; a corrupt or foreign
file is read afresh and written again. A schema folder outside a checkout (an installed
wheel), `GSI_EVENTS_NO_CACHE=1` or a checkout that cannot be written is read every time.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import io
import marshal
import os
import sys
from collections.abc import Sequence
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from gsi_events import paths

FILE = "schemas.marshal"
_HERE = Path(__file__).resolve()


def descriptors(folder: Path, names: Sequence[str]) -> dict[str, Any]:
    """Each schema file `folder/NAME.yaml` as `read_descriptor` reads it, by name."""
    raws = {name: (folder / f"{name}.yaml").read_bytes() for name in names}
    kept = kept_file(folder)
    if kept is None:
        return {name: _read(raw) for name, raw in raws.items()}
    key = _key(raws)
    found = load(kept, key)
    if found is not None and list(found) == list(names):
        return found
    out = {name: _read(raw) for name, raw in raws.items()}
    save(kept, key, out)
    return out


def kept_file(folder: Path) -> Path | None:
    """Where the schemas of `folder` are kept: the cache of the checkout they are the
    schemas of, else nowhere."""
    if os.environ.get("GSI_EVENTS_NO_CACHE"):
        return None
    root = paths.repo_root()
    if root is None or folder.resolve() != (root / "schemas").resolve():
        return None
    return root / ".gsi-events-cache" / FILE


def _read(raw: bytes) -> Any:
    """As `schema.read_descriptor` reads a file (`read_text`: UTF-8, universal newlines)."""
    from ruamel.yaml import YAML

    with io.TextIOWrapper(io.BytesIO(raw), encoding="utf-8") as text:
        return YAML(typ="safe", pure=True).load(text.read())


def _key(raws: dict[str, bytes]) -> str:
    h = hashlib.sha256()
    for name, raw in raws.items():
        h.update(f"{name}\0{len(raw)}\0".encode() + raw)
    for code in (_HERE, _HERE.with_name("schema.py")):
        h.update(code.read_bytes())
    with contextlib.suppress(PackageNotFoundError):
        h.update(f"ruamel.yaml {version('ruamel.yaml')}".encode())
    h.update(sys.version.encode())
    return h.hexdigest()


def load(path: Path, key: str) -> dict[str, Any] | None:
    """The descriptors kept at `path` under `key`; None when there are none, or for
    anything this module did not write."""
    try:
        kept = marshal.loads(path.read_bytes())
        if kept.__class__ is dict and kept.get("key") == key:
            out = _decoded(kept["descriptors"])
            if out.__class__ is dict:
                return out
    except (OSError, ValueError, EOFError, TypeError, KeyError, AttributeError):
        pass
    return None


def save(path: Path, key: str, descriptors: dict[str, Any]) -> None:
    """Keep the descriptors (written whole, then renamed: a reader never sees half a
    file); nothing when a value is not plain data or the folder cannot be written."""
    try:
        data = marshal.dumps({"key": key, "descriptors": _encoded(descriptors)})
    except ValueError:
        return
    temporary = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(exist_ok=True)
        temporary.write_bytes(data)
        os.replace(temporary, path)
    except OSError:
        with contextlib.suppress(OSError):
            temporary.unlink()


# A date (YAML's timestamp without a time) is kept as ("date", "YYYY-MM-DD"): ruamel's
# safe reader gives lists, never tuples, so the tag cannot be mistaken for a value. Any
# other type than these raises ValueError, and the schemas are not kept.
_PLAIN = (str, int, float, bool, type(None))


def _encoded(value: Any) -> Any:
    kind = value.__class__
    if kind is dict:
        return {_encoded(k): _encoded(v) for k, v in value.items()}
    if kind is list:
        return [_encoded(v) for v in value]
    if kind is dt.date:
        return ("date", value.isoformat())
    if kind in _PLAIN:
        return value
    raise ValueError(f"not kept: {kind.__name__}")


def _decoded(value: Any) -> Any:
    kind = value.__class__
    if kind is dict:
        return {_decoded(k): _decoded(v) for k, v in value.items()}
    if kind is list:
        return [_decoded(v) for v in value]
    if kind is tuple:
        tag, text = value
        if tag != "date":
            raise ValueError(tag)
        return dt.date.fromisoformat(text)
    if kind in _PLAIN:
        return value
    raise ValueError(f"not written here: {kind.__name__}")
