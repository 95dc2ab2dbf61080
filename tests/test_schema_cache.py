"""The schemas kept between runs (gsi_events.compile.schema_cache): a kept copy gives
exactly what ruamel.yaml reads (types included), and is used only for the same bytes;
an edited schema, a kept file under another key and a corrupt file are read afresh."""

from __future__ import annotations

import marshal
import shutil
from pathlib import Path
from typing import Any

import pytest

from gsi_events import paths
from gsi_events.compile import schema, schema_cache
from gsi_events.compile.schema_cache import descriptors


@pytest.fixture
def checkout(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A checkout holding a copy of the schemas, as the package's own."""
    root = tmp_path / "checkout"
    shutil.copytree(paths.schema_dir(), root / "schemas")
    monkeypatch.setattr(paths, "repo_root", lambda: root)
    monkeypatch.delenv("GSI_EVENTS_NO_CACHE", raising=False)
    return root


def read(folder: Path) -> dict[str, Any]:
    return {n: schema.read_descriptor(folder / f"{n}.yaml") for n in schema.TABLES}


def reads(monkeypatch: pytest.MonkeyPatch) -> list[bytes]:
    """The schema files read by ruamel.yaml from now on."""
    done: list[bytes] = []
    real = schema_cache._read

    def counted(raw: bytes) -> Any:
        done.append(raw)
        return real(raw)

    monkeypatch.setattr(schema_cache, "_read", counted)
    return done


def kept(root: Path) -> Path:
    return root / ".gsi-events-cache" / schema_cache.FILE


def test_kept_and_used_with_the_same_values_and_types(
        checkout: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    expected = read(checkout / "schemas")
    done = reads(monkeypatch)
    first = descriptors(checkout / "schemas", schema.TABLES)
    assert len(done) == len(schema.TABLES) and kept(checkout).is_file()
    second = descriptors(checkout / "schemas", schema.TABLES)
    assert len(done) == len(schema.TABLES)  # the second came from the kept file
    for got in (first, second):  # repr: True is not 1, a date not its text
        assert got == expected and repr(got) == repr(expected)
        assert list(got) == list(schema.TABLES)


def test_an_edited_schema_is_read_again(checkout: Path,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    descriptors(checkout / "schemas", schema.TABLES)
    events = checkout / "schemas" / "events.yaml"
    events.write_bytes(events.read_bytes().replace(b"description:", b"description: Edited.",
                                                   1))
    done = reads(monkeypatch)
    got = descriptors(checkout / "schemas", schema.TABLES)
    assert len(done) == len(schema.TABLES)
    assert got == read(checkout / "schemas") and "Edited." in repr(got["events"])
    assert descriptors(checkout / "schemas", schema.TABLES) == got
    assert len(done) == len(schema.TABLES)  # kept again, under the new bytes' key


def test_a_kept_file_of_other_code_is_not_used(checkout: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    descriptors(checkout / "schemas", schema.TABLES)
    raws = {n: (checkout / "schemas" / f"{n}.yaml").read_bytes() for n in schema.TABLES}
    key = schema_cache._key(raws)
    monkeypatch.setattr(schema_cache, "version", lambda dist: "0.0.0")  # another ruamel
    assert schema_cache._key(raws) != key
    done = reads(monkeypatch)
    assert descriptors(checkout / "schemas", schema.TABLES) == read(checkout / "schemas")
    assert len(done) == len(schema.TABLES)


@pytest.mark.parametrize("content", [
    b"", b"not marshal at all", marshal.dumps({"key": "x"})[:-3], marshal.dumps([1, 2]),
    marshal.dumps({"key": None, "descriptors": {}}),
])
def test_a_corrupt_or_foreign_file_is_read_afresh(
        checkout: Path, monkeypatch: pytest.MonkeyPatch, content: bytes) -> None:
    kept(checkout).parent.mkdir()
    kept(checkout).write_bytes(content)
    done = reads(monkeypatch)
    assert descriptors(checkout / "schemas", schema.TABLES) == read(checkout / "schemas")
    assert len(done) == len(schema.TABLES)
    assert schema_cache.load(kept(checkout), schema_cache._key(
        {n: (checkout / "schemas" / f"{n}.yaml").read_bytes() for n in schema.TABLES}))


def test_a_kept_file_with_the_right_key_and_bad_values_is_not_used(
        checkout: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    raws = {n: (checkout / "schemas" / f"{n}.yaml").read_bytes() for n in schema.TABLES}
    key = schema_cache._key(raws)
    kept(checkout).parent.mkdir()
    for bad in ({n: ("time", "12:00") for n in schema.TABLES}, [1], {1: {1, 2}}):
        kept(checkout).write_bytes(marshal.dumps({"key": key, "descriptors": bad}))
        assert descriptors(checkout / "schemas", schema.TABLES) == read(checkout / "schemas")


def test_not_kept_outside_the_checkout_or_when_caching_is_off(
        checkout: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    elsewhere = shutil.copytree(checkout / "schemas", tmp_path / "installed" / "schemas")
    assert schema_cache.kept_file(elsewhere) is None
    assert descriptors(elsewhere, schema.TABLES) == read(elsewhere)
    monkeypatch.setenv("GSI_EVENTS_NO_CACHE", "1")
    assert descriptors(checkout / "schemas", schema.TABLES) == read(checkout / "schemas")
    assert not kept(checkout).exists()


def test_a_value_marshal_cannot_hold_is_not_kept(checkout: Path) -> None:
    schema_cache.save(kept(checkout), "k", {"events": {"a": {1, 2}}})
    assert not kept(checkout).exists()
    schema_cache.save(kept(checkout), "k", {"events": {"a": (1, 2)}})
    assert not kept(checkout).exists()
