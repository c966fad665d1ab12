"""
SCIM 2.0 at the edge: the schema URNs, a User or Group resource to our value types, the filter
quoting and the PatchOp operations (RFC 7643, RFC 7644).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from connectors.identity import (
    DirectoryUser,
    UserStatus,
    employee_type,
)

__all__ = [
    "ENTERPRISE",
    "GROUP_SCHEMA",
    "PATCH_SCHEMA",
    "USER_SCHEMA",
    "ScimGroup",
    "operation",
    "parse_group",
    "parse_user",
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


@dataclass(frozen=True)
class ScimGroup:
    """A group as this module needs it."""

    id: str
    name: str
    members: tuple[str, ...]
    etag: str | None


def parse_user(data: Mapping[str, Any]) -> DirectoryUser:
    """A SCIM User resource → DirectoryUser."""
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
        attributes=_attributes(data),
    )


def _attributes(data: Mapping[str, Any]) -> dict[str, str]:
    """
    ``externalId``, and the employee type from core ``userType``: "the relationship between the
    organization and the user" (RFC 7643 §4.1.1: Contractor, Employee, Intern, Temp, …).
    """
    external = {"externalId": str(data["externalId"])} if data.get("externalId") else {}
    return {**external, **employee_type(data.get("userType"))}


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
