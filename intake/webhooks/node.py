"""
A typed, path-aware reader over parsed vendor JSON.

Vendor payloads are untrusted and loosely shaped. Reading them through :class:`Node` means a
missing or wrongly typed field becomes a :class:`MalformedPayloadError` naming its JSON path
(``$.issue.fields.status.name``), never a ``KeyError`` or ``TypeError`` deep in a normaliser.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

from intake.webhooks.errors import MalformedPayloadError

MAX_DEPTH = 64
"""Deeper nesting is refused: vendor payloads stay far below it (Jira's rich text nests ~10)."""


def parse_json(body: bytes, *, what: str = "body") -> Node:
    """Parse ``body`` as a UTF-8 JSON document; raise MalformedPayloadError if it is not one."""
    try:
        value: object = json.loads(body.decode("utf-8"))
    except RecursionError as exc:
        raise MalformedPayloadError(f"{what} nests deeper than {MAX_DEPTH} levels") from exc
    except UnicodeDecodeError as exc:
        raise MalformedPayloadError(f"{what} is not UTF-8 text (byte {exc.start})") from exc
    except json.JSONDecodeError as exc:
        raise MalformedPayloadError(
            f"{what} is not JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"
        ) from exc
    except ValueError as exc:  # an integer past Python's digit limit: not a vendor's number
        raise MalformedPayloadError(
            f"{what} holds a number with more than {sys.get_int_max_str_digits()} digits"
        ) from exc
    if nesting_depth(value) > MAX_DEPTH:
        raise MalformedPayloadError(f"{what} nests deeper than {MAX_DEPTH} levels")
    return Node(value)


_SURROGATE = re.compile("[\ud800-\udfff]")
"""What is left of a ``\\uXXXX`` escape that named half a character (a pair is one character)."""


def nesting_depth(value: object) -> int:
    """
    How deeply arrays and objects nest in ``value`` (a scalar is 0), counted without recursion.

    Raises MalformedPayloadError for a string or member name holding a lone surrogate: valid
    JSON syntax, but no Unicode text, so it could be neither stored nor written anywhere.
    """
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, str):
            _text(item)
            continue
        if isinstance(item, dict):
            for name in item:
                _text(name)
        children = (
            item.values() if isinstance(item, dict) else item if isinstance(item, list) else None
        )
        if children is None:
            continue
        deepest = max(deepest, depth)
        if depth <= MAX_DEPTH:
            stack.extend((child, depth + 1) for child in children)
    return deepest


def _text(value: str) -> None:
    found = _SURROGATE.search(value)
    if found is not None:
        raise MalformedPayloadError(
            f"a string holds a lone surrogate (U+{ord(found.group()):04X}, half a character), "
            "so it is not Unicode text"
        )


def _type_name(value: object) -> str:
    if value is None:
        return "null"
    return {dict: "object", list: "array", str: "string", bool: "boolean"}.get(
        type(value), "number"
    )


@dataclass(frozen=True)
class Node:
    """One value inside a JSON document, with the path that led to it."""

    value: object
    path: str = "$"

    @property
    def missing(self) -> bool:
        """True when the value is absent, null or an empty string."""
        return self.value is None or self.value == ""

    def is_object(self) -> bool:
        """True when the value is a JSON object."""
        return isinstance(self.value, dict)

    def get(self, key: str) -> Node:
        """The member ``key`` (a null Node when absent); error if this is not an object."""
        if self.value is None:
            return Node(None, f"{self.path}.{key}")
        if not isinstance(self.value, dict):
            raise MalformedPayloadError(
                f"expected an object at {self.path}, got {_type_name(self.value)}"
            )
        return Node(self.value.get(key), f"{self.path}.{key}")

    def req(self, key: str) -> Node:
        """The member ``key``; MalformedPayloadError naming its path when absent or null."""
        node = self.get(key)
        if node.value is None:
            raise MalformedPayloadError(f"missing required field {node.path}")
        return node

    def member_names(self) -> list[str]:
        """The member names of an object (empty for null)."""
        if self.value is None:
            return []
        if not isinstance(self.value, dict):
            raise MalformedPayloadError(
                f"expected an object at {self.path}, got {_type_name(self.value)}"
            )
        return [str(k) for k in self.value]

    def items(self) -> Iterator[Node]:
        """The elements of an array (nothing for null)."""
        if self.value is None:
            return
        if not isinstance(self.value, list):
            raise MalformedPayloadError(
                f"expected an array at {self.path}, got {_type_name(self.value)}"
            )
        for index, element in enumerate(self.value):
            yield Node(element, f"{self.path}[{index}]")

    def text(self) -> str | None:
        """The value as text (numbers and booleans converted); None when absent or empty."""
        value = self.value
        if value is None or value == "":
            return None
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, str | int | float):
            return str(value)
        raise MalformedPayloadError(f"expected text at {self.path}, got {_type_name(value)}")

    def req_text(self) -> str:
        """The value as text; MalformedPayloadError naming the path when absent or empty."""
        text = self.text()
        if text is None:
            raise MalformedPayloadError(f"missing required field {self.path}")
        return text

    def flag(self) -> bool | None:
        """The value as a boolean (accepts true/false strings); None when absent."""
        value = self.value
        if value is None or value == "":
            return None
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in ("true", "false"):
            return value.lower() == "true"
        raise MalformedPayloadError(f"expected a boolean at {self.path}, got {value!r:.40}")

    def integer(self) -> int | None:
        """The value as an integer (accepts digit strings); None when absent."""
        value = self.value
        if value is None or value == "":
            return None
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lstrip("-").isdigit():
            return int(value)
        raise MalformedPayloadError(f"expected an integer at {self.path}, got {value!r:.40}")

    def instant(self) -> datetime | None:
        """The value as an aware UTC datetime; see :func:`parse_instant`."""
        text = self.text()
        if text is None:
            return None
        return parse_instant(text, where=self.path)


def parse_instant(text: str, *, where: str) -> datetime:
    """
    Parse a vendor timestamp into an aware UTC datetime.

    Accepts ISO 8601 with ``Z`` or an offset (``+0300`` too), more than six fractional digits,
    ServiceNow's ``YYYY-MM-DD HH:MM:SS`` (UTC) and epoch milliseconds.
    """
    raw = text.strip()
    if raw.isdigit():
        return datetime.fromtimestamp(int(raw) / 1000, tz=UTC)
    candidate = _trim_fraction(raw)
    try:
        parsed = datetime.fromisoformat(candidate)
    except ValueError as exc:
        raise MalformedPayloadError(f"not a timestamp at {where}: {raw!r:.40}") from exc
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def _trim_fraction(raw: str) -> str:
    """Cut fractional seconds to microseconds (Zendesk sends nanoseconds)."""
    dot = raw.find(".", 10)
    if dot < 0:
        return raw
    end = dot + 1
    while end < len(raw) and raw[end].isdigit():
        end += 1
    return raw[: min(end, dot + 7)] + raw[end:]
