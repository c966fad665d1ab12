"""The cells of a bulk row (or a form) that carry a person's own groups and licences."""

from __future__ import annotations

from collections.abc import Mapping


def row_list(row: Mapping[str, str], column: str) -> list[str]:
    """
    A ``;``-separated cell as a list (empty entries dropped).

    Args:
        row: one row of the file.
        column: ``groups`` or ``licenses``.
    """
    return [v.strip() for v in (row.get(column) or "").split(";") if v.strip()]


def carries_access(row: Mapping[str, str]) -> bool:
    """
    True when a row lists its own groups or licences: then no role template is added on top.

    Args:
        row: one row of the file.
    """
    return bool(row_list(row, "groups") or row_list(row, "licenses"))


__all__ = ["carries_access", "row_list"]
