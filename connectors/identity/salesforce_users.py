"""
Salesforce's User records at the edge: the fields we read and write, the SOQL that selects them
(with any other field configured to be read, e.g. a custom ``Contract_End__c``), and a record
with its UserLogin (frozen, password-locked) as a ``DirectoryUser``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from connectors.identity import DirectoryUser, UserStatus, read_texts

__all__ = ["FIELDS", "field_problem", "fields_to_read", "select_users", "user_of"]

FIELDS: Mapping[str, str] = {
    "email": "Email",
    "given_name": "FirstName",
    "family_name": "LastName",
    "employee_id": "EmployeeNumber",
    "title": "Title",
    "department": "Department",
    "manager_id": "ManagerId",
}
_IDENTIFIER = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,254}")
"""A field's API name as SOQL takes it bare: a letter, then letters, digits and underscores
(custom fields end in ``__c``, a managed package's start with its ``namespace__``)."""


def select_users(fields: Iterable[str] = ()) -> str:
    """
    The SOQL selecting users with our fields and ``fields`` (API names that ``field_problem``
    passed: nothing else can reach the query text).
    """
    extra = [f for f in fields if field_problem(f) is None]
    names = ", ".join(
        dict.fromkeys(["Id", "Username", "Name", "IsActive", *FIELDS.values(), *extra])
    )
    return f"SELECT {names} FROM User"  # noqa: S608 (identifiers only; values go through format_soql)


def field_problem(name: str) -> str | None:
    """Why ``name`` cannot be a User field's API name in SOQL, or None when it can."""
    if _IDENTIFIER.fullmatch(name):
        return None
    return (
        f"{name!r} is not a Salesforce field API name (a letter, then letters, digits and "
        "underscores, e.g. Contract_End__c)"
    )


def fields_to_read(names: Iterable[str], described: Mapping[str, Any]) -> dict[str, str]:
    """
    Each of ``names`` that is a SOQL identifier and a field of the User ``describe`` result
    (matched case-insensitively, as SOQL does) → that field, spelled as ``describe`` spells it.
    Other names are left out: SOQL refuses a whole query naming a field the object lacks.
    """
    fields = {str(f["name"]).casefold(): str(f["name"]) for f in described.get("fields", [])}
    return {
        name: fields[name.casefold()]
        for name in names
        if field_problem(name) is None and name.casefold() in fields
    }


def user_of(
    record: Mapping[str, Any], login: Mapping[str, Any], read: Mapping[str, str] | None = None
) -> DirectoryUser:
    """
    A Salesforce User record and its UserLogin as a ``DirectoryUser``; ``read`` maps other
    names to report (as configured) to the User fields selected for them, whose text values
    (a date field reads ``2027-02-28``) are reported under those names.
    """
    fields = read or {}
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
            **read_texts(fields, lambda name: record.get(fields[name])),
            "is_active": str(active).lower(),
            "frozen": str(frozen).lower(),
            "user_login_id": str(login.get("Id") or ""),
        },
    )
