"""The fast path of reading YAML: libyaml, PyYAML's C parser, about twenty times faster
than ruamel.yaml's pure-Python round-trip loader.

libyaml parses YAML 1.1, and gives no duplicate-key errors and no messages of ours; the
files must read exactly as the precise path (`yamlio`, ruamel.yaml, YAML 1.2) reads them.
So this path takes only what it is sure of: the node tree libyaml composes, with every
plain scalar resolved by ruamel's own YAML 1.2 resolver table, and mappings and lists
carrying the line numbers `yamlio.line_of` reads. For anything else it returns UNSURE and
the precise path reads the file: an error of any kind, a tag, an anchor or alias, a merge
key, a duplicate or non-scalar key, a float, an integer with a sign, leading zero or
underscore, a timestamp with a time, a directive, a backslash escape, a tab, a character
ruamel's reader refuses, or a line break YAML 1.2 does not have (NEL, LS, PS). That the
two paths agree is tested on the bad-input corpus, the coded data and mutated texts
(tests/test_fast_yaml.py).
"""

from __future__ import annotations

import re
from typing import Any

try:
    from yaml import YAMLError as _LibyamlError
    from yaml._yaml import CParser
except ImportError:  # PyYAML without libyaml: every file takes the precise path
    CParser = None

from ruamel.yaml.reader import Reader
from ruamel.yaml.resolver import VersionedResolver

UNSURE = object()
IMPLICIT = "?"  # the tag the composer gives every node without an explicit tag
MAX_DEPTH = 40  # deeper files go to the precise path, whose limit is its own

# Text the precise path must read: a tab, a backslash (escapes), a directive, line
# breaks of YAML 1.1 only, a byte-order mark inside the file.
_UNSURE_TEXT = re.compile("[\t\\\\\x85\u2028\u2029\ufeff]|^%", re.MULTILINE)
_DECIMAL = re.compile(r"-?[1-9][0-9]*")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_TRUE = ("true", "True", "TRUE")


class _Unsure(Exception):
    """The file is not one this path is sure to read as the precise path does."""


class LineCol:
    """Where a mapping or list and its keys or items are, as ruamel's `lc` has it."""

    __slots__ = ("col", "data", "line")

    def __init__(self, line: int, col: int) -> None:
        self.line, self.col = line, col
        self.data: Any = None

    def key(self, key: Any) -> tuple[int, int]:
        return self.data[key]

    def item(self, index: int) -> tuple[int, int]:
        return self.data[index]


class Map(dict):  # type: ignore[type-arg]
    __slots__ = ("lc",)


class Seq(list):  # type: ignore[type-arg]
    __slots__ = ("lc",)


def _resolvers() -> dict[Any, list[tuple[str, re.Pattern[str]]]]:
    return VersionedResolver(version=(1, 2)).versioned_resolver  # type: ignore[no-any-return]


if CParser is not None:

    class _Composer(CParser):  # type: ignore[misc, valid-type]
        """libyaml's composer, leaving the tags of plain scalars unresolved."""

        def resolve(self, kind: Any, value: Any, implicit: Any) -> str:
            return IMPLICIT

        def descend_resolver(self, parent: Any, index: Any) -> None:
            pass

        def ascend_resolver(self) -> None:
            pass


class _Builder:
    """Python data from libyaml's nodes, as ruamel's round-trip loader builds it."""

    def __init__(self) -> None:
        self.seen: set[int] = set()
        self.resolvers = _RESOLVERS

    def build(self, node: Any, depth: int = 0) -> Any:
        if depth > MAX_DEPTH or node.tag != IMPLICIT or id(node) in self.seen:
            raise _Unsure  # too deep; an explicit tag; an alias
        self.seen.add(id(node))
        kind = node.id
        if kind == "scalar":
            return self.scalar(node)
        mark = node.start_mark
        lc = LineCol(mark.line, mark.column)
        if kind == "sequence":
            seq = Seq(self.build(item, depth + 1) for item in node.value)
            lc.data = [(item.start_mark.line, item.start_mark.column) for item in node.value]
            seq.lc = lc
            return seq
        out = Map()
        lc.data = {}
        for key_node, value_node in node.value:
            if key_node.id != "scalar":
                raise _Unsure
            key = self.build(key_node, depth + 1)
            if key in out:
                raise _Unsure  # a duplicate key: the precise path words it
            out[key] = self.build(value_node, depth + 1)
            lc.data[key] = (key_node.start_mark.line, key_node.start_mark.column)
        out.lc = lc
        return out

    def scalar(self, node: Any) -> Any:
        value: str = node.value
        if node.style:  # quoted or block: text
            return value
        for tag, regexp in [*self.resolvers.get(value[:1], ()), *self.resolvers.get(None, ())]:
            if regexp.match(value):
                return _implicit(tag, value)
        return value


def _implicit(tag: str, value: str) -> Any:
    """A plain scalar YAML 1.2 resolves to `tag`, as the precise path constructs it."""
    name = tag.rsplit(":", 1)[1]
    if name == "null":
        return None
    if name == "bool":
        return value in _TRUE
    if name == "int" and _DECIMAL.fullmatch(value):
        return int(value)
    if name == "timestamp" and _DATE.fullmatch(value):
        return value  # dates stay text, as yamlio reads them
    raise _Unsure


try:
    _RESOLVERS = _resolvers()
except Exception:  # another ruamel.yaml: the precise path reads everything
    CParser = None


def load(text: str) -> Any:
    """The data of a YAML text as the precise path reads it, or UNSURE."""
    if CParser is None or _UNSURE_TEXT.search(text) or Reader.NON_PRINTABLE.search(text):
        return UNSURE
    parser = _Composer(text)
    try:
        node = parser.get_single_node()
        return None if node is None else _Builder().build(node)
    except (_Unsure, _LibyamlError, RecursionError, ValueError, TypeError):
        return UNSURE
    finally:
        parser.dispose()
