"""
Where a key is written in deskpilot's YAML configuration, for error messages that name the file,
line and column (``deskpilot.yaml:12:5: desks[1].secret: …``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import yaml
from pydantic import ValidationError


@dataclass(frozen=True)
class Location:
    """Line and column of a key in the YAML file, for error messages."""

    line: int
    column: int


def yaml_locations(text: str) -> dict[tuple[str | int, ...], Location]:
    """Map each key path in a YAML document to where it is written (1-based line, column)."""
    locations: dict[tuple[str | int, ...], Location] = {}

    def walk(node: yaml.Node, path: tuple[str | int, ...]) -> None:
        locations.setdefault(path, Location(node.start_mark.line + 1, node.start_mark.column + 1))
        if isinstance(node, yaml.MappingNode):
            for key_node, value_node in node.value:
                key = str(key_node.value)
                locations[(*path, key)] = Location(
                    key_node.start_mark.line + 1, key_node.start_mark.column + 1
                )
                walk(value_node, (*path, key))
        elif isinstance(node, yaml.SequenceNode):
            for index, item in enumerate(node.value):
                walk(item, (*path, index))

    root = yaml.compose(text, Loader=yaml.SafeLoader)
    if root is not None:
        walk(root, ())
    return locations


def format_validation_error(
    error: ValidationError, locations: Mapping[tuple[str | int, ...], Location], source: str
) -> list[str]:
    """One line per pydantic error: ``file:line:col: path.to.key: message``."""
    problems = []
    for item in error.errors():
        loc = tuple(part for part in item["loc"] if not _is_union_tag(part))
        where = _nearest(loc, locations)
        dotted = _dotted(loc) or "(top level)"
        prefix = f"{source}:{where.line}:{where.column}" if where else source
        problems.append(f"{prefix}: {dotted}: {item['msg']}")
    return problems


def _is_union_tag(part: str | int) -> bool:
    # pydantic inserts the chosen model or function name into locations of unions/validators.
    return isinstance(part, str) and (part.startswith("function-") or part[:1].isupper())


def _nearest(
    loc: tuple[str | int, ...], locations: Mapping[tuple[str | int, ...], Location]
) -> Location | None:
    for end in range(len(loc), -1, -1):
        found = locations.get(loc[:end])
        if found is not None:
            return found
    return None


def _dotted(loc: tuple[str | int, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


__all__ = ["Location", "format_validation_error", "yaml_locations"]
