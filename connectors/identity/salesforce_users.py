"""
Salesforce's User records at the edge: the fields we read and write, the SOQL that selects them,
and a record with its UserLogin (frozen, password-locked) as a ``DirectoryUser``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from connectors.identity import DirectoryUser, UserStatus

__all__ = ["FIELDS", "SELECT_USERS", "user_of"]

FIELDS: Mapping[str, str] = {
    "email": "Email",
    "given_name": "FirstName",
    "family_name": "LastName",
    "employee_id": "EmployeeNumber",
    "title": "Title",
    "department": "Department",
    "manager_id": "ManagerId",
}
SELECT_USERS = "SELECT Id, Username, Name, IsActive, " + ", ".join(FIELDS.values()) + " FROM User"  # noqa: S608 (constant field names; values go through format_soql)


def user_of(record: Mapping[str, Any], login: Mapping[str, Any]) -> DirectoryUser:
    """A Salesforce User record and its UserLogin as a ``DirectoryUser``."""
    active, frozen, locked = (
        bool(record.get("IsActive")),
        bool(login.get("IsFrozen")),
        bool(login.get("IsPasswordLocked")),
    )
    status = (
        UserStatus.DISABLED
        if not active or frozen
        else UserStatus.LOCKED
        if locked
        else UserStatus.ACTIVE
    )
    return DirectoryUser(
        id=str(record["Id"]),
        login=str(record.get("Username", "")),
        email=record.get("Email"),
        display_name=record.get("Name"),
        given_name=record.get("FirstName"),
        family_name=record.get("LastName"),
        employee_id=record.get("EmployeeNumber"),
        title=record.get("Title"),
        department=record.get("Department"),
        manager_id=record.get("ManagerId"),
        status=status,
        locked=locked,
        attributes={
            "is_active": str(active).lower(),
            "frozen": str(frozen).lower(),
            "user_login_id": str(login.get("Id") or ""),
        },
    )
