"""The table schemas in `schemas/`, read once: the single source of truth.

Everything else (pandera models, coding-file parsing, codebook tables, release metadata,
test-data generators) asks this module what a table looks like.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

from gsi_events import paths
from gsi_events.compile.schema_cache import descriptors

# The order tables are built, validated and documented in.
TABLES: tuple[str, ...] = (
    "sources",
    "events",
    "participants",
    "evidence",
    "event_links",
    "discrepancies",
)


@dataclass(frozen=True)
class Category:
    """One value of a controlled vocabulary, with its definition and extra attributes."""

    value: str
    label: str
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Field:
    name: str
    type: str
    title: str
    description: str
    required: bool
    unique: bool = False
    pattern: str | None = None
    minimum: int | None = None
    maximum: int | None = None
    min_length: int | None = None
    max_length: int | None = None
    categories: tuple[Category, ...] = ()
    codelist: str | None = None
    derived: str | None = None
    coding: str | None = None  # "implied": given by the coding file's structure
    coding_key: str | None = None  # the key in coding files, when not `name`
    merge: str = "primary"
    group: str | None = None
    compare: bool = True
    separator: str | None = None  # a list kept as one string ("KAZ;KGZ"), for R-safe Parquet
    example: Any = None

    @functools.cached_property  # asked for per value read; the schemas never change
    def values(self) -> tuple[str, ...]:
        return tuple(c.value for c in self.categories)

    @property
    def coded(self) -> bool:
        """True when coders write this field in coding files."""
        return self.derived is None and self.coding != "implied"

    @property
    def free_text(self) -> bool:
        """True for text a coder writes freely (no vocabulary, no code list): such a field
        must hold no invisible control or formatting character (validate/models.py)."""
        return self.type == "string" and self.coded and not self.categories and not self.codelist

    @property
    def key(self) -> str:
        return self.coding_key or self.name

    def category(self, value: str) -> Category:
        found = self._by_value.get(value)
        if found is None:
            raise StopIteration(value)  # as the linear search it replaces
        return found

    @functools.cached_property
    def _by_value(self) -> dict[str, Category]:
        return {c.value: c for c in self.categories}

    def attribute(self, name: str) -> dict[str, Any]:
        """value -> one attribute of each vocabulary value (an extra key on its category
        in schemas/), None where a value has none."""
        return {c.value: c.extra.get(name) for c in self.categories}

    def values_with(self, name: str) -> tuple[str, ...]:
        """The vocabulary values whose attribute `name` is true."""
        return tuple(c.value for c in self.categories if c.extra.get(name))


@dataclass(frozen=True)
class Rule:
    """A cross-field or cross-table rule: its words live in schemas/, its code in validation."""

    id: str
    description: str
    fields: tuple[str, ...]
    needs: str | None = None  # "archive" or "tables": what else the check reads


@dataclass(frozen=True)
class ForeignKey:
    fields: tuple[str, ...]
    resource: str
    reference_fields: tuple[str, ...]


@dataclass(frozen=True)
class TableSchema:
    name: str
    title: str
    description: str
    primary_key: tuple[str, ...]
    foreign_keys: tuple[ForeignKey, ...]
    fields: tuple[Field, ...]
    rules: tuple[Rule, ...]
    descriptor: dict[str, Any]  # the file as read, for release metadata

    @functools.cached_property
    def field_names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields)

    def field(self, name: str) -> Field:
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(f"{self.name} has no field {name!r}")

    @functools.cached_property  # asked for per record read
    def coded_fields(self) -> tuple[Field, ...]:
        return tuple(f for f in self.fields if f.coded)

    def rule(self, rule_id: str) -> Rule:
        return next(r for r in self.rules if r.id == rule_id)


def _field(d: dict[str, Any]) -> Field:
    c = d.get("constraints") or {}
    cats = tuple(
        Category(
            value=str(x["value"]),
            label=" ".join(str(x.get("label", "")).split()),
            extra={k: v for k, v in x.items() if k not in ("value", "label")},
        )
        for x in d.get("categories") or ()
    )
    return Field(
        name=d["name"],
        type=d.get("type", "string"),
        title=d.get("title", d["name"]),
        description=" ".join(str(d.get("description", "")).split()),
        required=bool(c.get("required", False)),
        unique=bool(c.get("unique", False)),
        pattern=c.get("pattern"),
        minimum=c.get("minimum"),
        maximum=c.get("maximum"),
        min_length=c.get("minLength"),
        max_length=c.get("maxLength"),
        categories=cats,
        codelist=d.get("codelist"),
        derived=d.get("derived"),
        coding=d.get("coding"),
        coding_key=d.get("coding_key"),
        merge=d.get("merge", "primary"),
        group=d.get("group"),
        compare=bool(d.get("compare", True)),
        separator=d.get("separator"),
        example=d.get("example"),
    )


def _table(d: dict[str, Any]) -> TableSchema:
    return TableSchema(
        name=d["name"],
        title=d.get("title", d["name"]),
        description=" ".join(str(d.get("description", "")).split()),
        primary_key=tuple(d.get("primaryKey") or ()),
        foreign_keys=tuple(
            ForeignKey(
                fields=tuple(fk["fields"]),
                resource=fk["reference"]["resource"],
                reference_fields=tuple(fk["reference"]["fields"]),
            )
            for fk in d.get("foreignKeys") or ()
        ),
        fields=tuple(_field(f) for f in d["fields"]),
        rules=tuple(
            Rule(
                id=r["id"],
                description=" ".join(str(r["description"]).split()),
                fields=tuple(r.get("fields") or ()),
                needs=r.get("needs"),
            )
            for r in d.get("rules") or ()
        ),
        descriptor=d,
    )


def read_descriptor(path: Path) -> dict[str, Any]:
    from ruamel.yaml import YAML

    return YAML(typ="safe", pure=True).load(path.read_text(encoding="utf-8"))


@functools.cache
def schemas() -> dict[str, TableSchema]:
    """All table schemas, keyed by table name, in TABLES order."""
    return {name: _table(d) for name, d in descriptors(paths.schema_dir(), TABLES).items()}


def table(name: str) -> TableSchema:
    return schemas()[name]


@functools.cache
def action_attribute(name: str) -> Mapping[str, Any]:
    """action -> one of its attributes in schemas/events.yaml (`kind`, `statuses`,
    `aggregatable`, `cameo`, `plover_event`, `plover_mode`, `plover_context`): the one
    place the action vocabulary's attributes are read."""
    return MappingProxyType(table("events").field("action").attribute(name))


@functools.cache
def begun_statuses() -> tuple[str, ...]:
    """The statuses that say an event had begun when its source was published (`begun`
    in schemas/events.yaml): it counts for aggregates, and is dated before publication."""
    return table("events").field("status").values_with("begun")

