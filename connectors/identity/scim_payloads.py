"""
SCIM 2.0 at the edge: the schema URNs, a User or Group resource to our value types, the filter
quoting and the PatchOp operations (RFC 7643, RFC 7644).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from connectors.identity import (
    DirectoryUser,
    UserStatus,
    employee_type,
    read_texts,
)

__all__ = [
    "ENTERPRISE",
    "GROUP_SCHEMA",
    "PATCH_SCHEMA",
    "USER_SCHEMA",
    "ScimGroup",
    "attribute_path",
    "attribute_value",
    "operation",
    "parse_group",
    "parse_user",
    "path_problem",
    "quote",
]

USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
GROUP_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Group"
PATCH_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:PatchOp"

PATHS = {
    "display_name": "displayName",
    "given_name": "name.givenName",
    "family_name": "name.familyName",
    "title": "title",
    "email": "emails",
    "employee_id": f"{ENTERPRISE}:employeeNumber",
    "department": f"{ENTERPRISE}:department",
    "manager_id": f"{ENTERPRISE}:manager",
}


_ATTRNAME = r"[A-Za-z][A-Za-z0-9_-]*"
_ATTRIBUTE_PATH = re.compile(
    rf"(?:(?P<urn>urn:\S+):)?(?P<name>{_ATTRNAME})(?:\.(?P<sub>{_ATTRNAME}))?", re.IGNORECASE
)
"""RFC 7644 §3.10: ``[<schema URN>:]attrName[.subAttr]``; ``ATTRNAME = ALPHA *(nameChar)`` with
``nameChar = "-" / "_" / DIGIT / ALPHA`` (RFC 7643 §2.1). Without a URN, a core attribute."""
_SCHEMAS = frozenset(urn.casefold() for urn in (USER_SCHEMA, ENTERPRISE))


@dataclass(frozen=True)
class ScimGroup:
    """A group as this module needs it."""

    id: str
    name: str
    members: tuple[str, ...]
    etag: str | None


def parse_user(data: Mapping[str, Any], read_attributes: Iterable[str] = ()) -> DirectoryUser:
    """
    A SCIM User resource → DirectoryUser; ``read_attributes`` (in attribute notation, e.g. a
    custom extension's ``urn:…:User:contractEnd``) are reported under the names as written.
    """
    name = data.get("name") or {}
    emails = data.get("emails") or []
    primary = next((e for e in emails if e.get("primary")), emails[0] if emails else {})
    enterprise = data.get(ENTERPRISE) or {}
    manager = enterprise.get("manager") or {}
    active = data.get("active", True) not in (False, "false", "False")
    return DirectoryUser(
        id=str(data["id"]),
        login=str(data.get("userName", "")),
        email=primary.get("value"),
        display_name=data.get("displayName"),
        given_name=name.get("givenName"),
        family_name=name.get("familyName"),
        employee_id=enterprise.get("employeeNumber"),
        title=data.get("title"),
        department=enterprise.get("department"),
        manager_id=manager.get("value"),
        status=UserStatus.ACTIVE if active else UserStatus.DISABLED,
        attributes={
            **read_texts(read_attributes, lambda name: attribute_value(data, name)),
            **_attributes(data),
        },
    )


def _attributes(data: Mapping[str, Any]) -> dict[str, str]:
    """
    ``externalId``, and the employee type from core ``userType``: "the relationship between the
    organization and the user" (RFC 7643 §4.1.1: Contractor, Employee, Intern, Temp, …).
    """
    external = {"externalId": str(data["externalId"])} if data.get("externalId") else {}
    return {**external, **employee_type(data.get("userType"))}


def attribute_path(name: str) -> tuple[str | None, tuple[str, ...]] | None:
    """
    ``name`` in SCIM attribute notation as (schema URN or None for the core schema, the
    attribute and its sub-attribute); None when it is not that notation.
    """
    match = _ATTRIBUTE_PATH.fullmatch(name.strip())
    if match is None or name.strip().casefold() in _SCHEMAS:
        return None  # not the notation, or a schema URN alone (no attribute)
    urn = match["urn"]
    core = urn is None or urn.casefold() == USER_SCHEMA.casefold()
    return (None if core else urn), tuple(p for p in (match["name"], match["sub"]) if p)


def path_problem(name: str) -> str | None:
    """Why ``name`` cannot name a User attribute over SCIM, or None when it can."""
    if attribute_path(name) is not None:
        return None
    return (
        f"{name!r} is not SCIM attribute notation (RFC 7644 §3.10): write attrName, "
        "attrName.subAttr or <schema URN>:attrName, e.g. "
        f"{ENTERPRISE}:costCenter"
    )


def attribute_value(data: Mapping[str, Any], name: str) -> object:
    """
    The value ``name`` (attribute notation) holds in a resource: an extension's attributes sit
    under its schema URN, core ones at the top. Names and URNs match case-insensitively
    (RFC 7643 §2.1). None when absent or not that notation.
    """
    path = attribute_path(name)
    if path is None:
        return None
    urn, parts = path
    found: object = data if urn is None else _member(data, urn)
    for part in parts:
        found = _member(found, part)
    return found


def _member(holder: object, key: str) -> object:
    if not isinstance(holder, Mapping):
        return None
    if key in holder:
        return holder[key]
    folded = key.casefold()
    return next((v for k, v in holder.items() if str(k).casefold() == folded), None)


def parse_group(data: Mapping[str, Any], etag: str | None) -> ScimGroup:
    """A SCIM Group resource → ScimGroup."""
    members = tuple(str(m["value"]) for m in data.get("members") or () if "value" in m)
    return ScimGroup(str(data["id"]), str(data.get("displayName", "")), members, etag)


def quote(value: str) -> str:
    """A SCIM filter string literal."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def operation(key: str, value: str | None) -> dict[str, Any]:
    """One SCIM PatchOp operation: replace ``key`` with ``value``, or remove it when None."""
    path = PATHS[key]
    if value is None:
        return {"op": "remove", "path": path}
    if key == "email":
        return {
            "op": "replace",
            "path": path,
            "value": [{"value": value, "type": "work", "primary": True}],
        }
    if key == "manager_id":
        return {"op": "replace", "path": path, "value": {"value": value}}
    return {"op": "replace", "path": path, "value": value}
