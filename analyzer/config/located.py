"""YAML and TOML documents as trees of values that remember their line, so findings can cite it.

YAML goes through pyyaml's node API (``compose_all``), which keeps every node's position, and handles
anchors, aliases and ``<<`` merge keys as Compose does. ``tomllib`` gives no positions, so TOML lines are
found by scanning the table headers and ``key =`` lines of the text.
"""

from __future__ import annotations

import contextlib
import re
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Final

import yaml

from analyzer.errors import ConfigError, Location

Scalar = str | int | float | bool | None


@dataclass(frozen=True)
class Y:
    """A value and the 1-based line it starts on (for a mapping entry: the line of its key)."""

    value: Any  # Scalar | dict[str, Y] | list[Y]
    line: int | None

    def get(self, key: str) -> Y | None:
        """The entry ``key`` of a mapping, matched case-insensitively (Traefik's keys are); None if absent."""
        if not isinstance(self.value, dict):
            return None
        if key in self.value:
            return self.value[key]
        folded = key.lower()
        return next((v for k, v in self.value.items() if k.lower() == folded), None)

    def path(self, *keys: str) -> Y | None:
        """``get`` along several keys."""
        node: Y | None = self
        for key in keys:
            node = node.get(key) if node is not None else None
        return node

    def items(self) -> Iterator[tuple[str, Y]]:
        """Entries of a mapping (nothing for other values)."""
        if isinstance(self.value, dict):
            yield from self.value.items()

    def elements(self) -> list[Y]:
        """Elements of a sequence (a lone scalar counts as a sequence of one)."""
        if isinstance(self.value, list):
            return list(self.value)
        if self.value is None or isinstance(self.value, dict):
            return []
        return [self]

    @property
    def is_map(self) -> bool:
        return isinstance(self.value, dict)

    def text(self) -> str | None:
        """The value as a string, as Traefik labels and Compose read scalars (``true``, ``8080``)."""
        v = self.value
        if v is None or isinstance(v, (dict, list)):
            return None
        if isinstance(v, bool):
            return "true" if v else "false"
        return str(v)

    def plain(self) -> Any:
        """The value without line information."""
        if isinstance(self.value, dict):
            return {k: v.plain() for k, v in self.value.items()}
        if isinstance(self.value, list):
            return [v.plain() for v in self.value]
        return self.value


# -- YAML ---------------------------------------------------------------------------------------------


def yaml_documents(text: str, path: str) -> list[Y]:
    """Every document of a YAML stream; raise :class:`ConfigError` with the line of a syntax error."""
    last = text.count("\n") + 1
    try:
        nodes = list(yaml.compose_all(text, Loader=yaml.SafeLoader))
        constructor = yaml.SafeLoader("")
        return [_from_node(node, constructor, set()) for node in nodes if node is not None]
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = min(mark.line + 1, last) if mark else None
        problem = exc.problem or exc.context or "invalid YAML"
        raise ConfigError(f"invalid YAML: {problem}", location=Location(path, line)) from exc
    except yaml.YAMLError as exc:
        raise ConfigError(f"invalid YAML: {str(exc).splitlines()[0]}", location=Location(path)) from exc
    except RecursionError as exc:
        raise ConfigError("invalid YAML: nested too deeply", location=Location(path)) from exc


def _from_node(node: yaml.Node, constructor: yaml.SafeLoader, seen: set[int]) -> Y:
    line = node.start_mark.line + 1
    if isinstance(node, yaml.ScalarNode):
        try:
            value = constructor.construct_object(node)
        except yaml.YAMLError:
            value = node.value
        if not isinstance(value, Scalar):  # timestamps, binary: keep the text
            value = node.value
        return Y(value, line)
    if id(node) in seen:  # a recursive alias
        return Y(None, line)
    seen = seen | {id(node)}
    if isinstance(node, yaml.SequenceNode):
        return Y([_from_node(item, constructor, seen) for item in node.value], line)
    assert isinstance(node, yaml.MappingNode)
    with contextlib.suppress(yaml.YAMLError):
        constructor.flatten_mapping(node)  # "<<: *anchor" merge keys
    entries: dict[str, Y] = {}
    for key_node, value_node in node.value:
        key = str(key_node.value) if isinstance(key_node, yaml.ScalarNode) else ""
        child = _from_node(value_node, constructor, seen)
        entries[key] = Y(child.value, key_node.start_mark.line + 1)
    return Y(entries, line)


# -- TOML ---------------------------------------------------------------------------------------------

_HEADER: Final = re.compile(r"^\s*\[\[?\s*(?P<key>[^\]]+?)\s*\]\]?\s*(?:#.*)?$")
_ASSIGN: Final = re.compile(
    r"""^\s*(?P<key>(?:[A-Za-z0-9_-]+|"[^"]*"|'[^']*')(?:\s*\.\s*(?:[A-Za-z0-9_-]+|"[^"]*"|'[^']*'))*)\s*="""
)
_KEY_PART: Final = re.compile(r"""\s*(?:"(?P<dq>[^"]*)"|'(?P<sq>[^']*)'|(?P<bare>[A-Za-z0-9_-]+))\s*""")


def toml_document(text: str, path: str) -> Y:
    """A TOML document; raise :class:`ConfigError` (with the line tomllib names) when it does not parse."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        m = re.search(r"line (\d+)", str(exc))
        line = min(int(m.group(1)), text.count("\n") + 1) if m else None
        raise ConfigError(
            f"invalid TOML: {str(exc).split(' (at ')[0]}", location=Location(path, line)
        ) from exc
    except RecursionError as exc:
        raise ConfigError("invalid TOML: nested too deeply", location=Location(path)) from exc
    return _located(data, (), _toml_lines(text), 1)


def _toml_lines(text: str) -> dict[tuple[str, ...], int]:
    """The line each table header and key is written on, by full key path (the first occurrence wins)."""
    lines: dict[tuple[str, ...], int] = {}
    table: tuple[str, ...] = ()
    for number, raw in enumerate(text.splitlines(), start=1):
        header = _HEADER.match(raw)
        if header:
            table = _split_key(header.group("key"))
            lines.setdefault(table, number)
            continue
        assign = _ASSIGN.match(raw)
        if assign:
            lines.setdefault((*table, *_split_key(assign.group("key"))), number)
    return lines


def _split_key(key: str) -> tuple[str, ...]:
    parts = []
    for piece in re.finditer(r"""(?:"[^"]*"|'[^']*'|[^.]+)""", key):
        m = _KEY_PART.fullmatch(piece.group())
        if m:
            parts.append(
                m.group("dq") if m.group("dq") is not None else m.group("sq") or m.group("bare") or ""
            )
    return tuple(parts)


def _located(value: Any, key: tuple[str, ...], lines: dict[tuple[str, ...], int], default: int | None) -> Y:
    line = _line_for(key, lines, default)
    if isinstance(value, dict):
        return Y({k: _located(v, (*key, k), lines, line) for k, v in value.items()}, line)
    if isinstance(value, list):
        return Y([_located(v, key, lines, line) for v in value], line)
    if not isinstance(value, Scalar):  # dates and times
        value = str(value)
    return Y(value, line)


def _line_for(key: tuple[str, ...], lines: dict[tuple[str, ...], int], default: int | None) -> int | None:
    """The line of ``key``, or of its longest known parent (keys inside inline tables have none)."""
    for size in range(len(key), 0, -1):
        if key[:size] in lines:
            return lines[key[:size]]
    return default
