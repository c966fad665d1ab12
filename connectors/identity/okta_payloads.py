"""
Okta's JSON at the edge: user objects to ``DirectoryUser``, our attribute names to Okta profile
keys, Okta statuses to ours, and the quoting its search expressions and paths need.
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Iterable, Mapping
from typing import Any

from connectors.identity import DirectoryUser, NewUser, UserStatus, employee_type, read_texts

__all__ = [
    "PROFILE_KEYS",
    "STATUS",
    "float_or_none",
    "new_user_extras",
    "quoted",
    "segment",
    "user_of",
]

PROFILE_KEYS: Mapping[str, str] = {
    "email": "email",
    "display_name": "displayName",
    "given_name": "firstName",
    "family_name": "lastName",
    "employee_id": "employeeNumber",
    "title": "title",
    "department": "department",
    "manager_id": "managerId",
}

STATUS: Mapping[str, tuple[UserStatus, bool, bool]] = {
    # Okta status → (our status, locked, password must change)
    "ACTIVE": (UserStatus.ACTIVE, False, False),
    "STAGED": (UserStatus.STAGED, False, False),
    "PROVISIONED": (UserStatus.STAGED, False, False),
    "SUSPENDED": (UserStatus.DISABLED, False, False),
    "DEPROVISIONED": (UserStatus.DISABLED, False, False),
    "LOCKED_OUT": (UserStatus.LOCKED, True, False),
    "PASSWORD_EXPIRED": (UserStatus.ACTIVE, False, True),
    "RECOVERY": (UserStatus.ACTIVE, False, True),
}


def user_of(item: Mapping[str, Any], read_attributes: Iterable[str] = ()) -> DirectoryUser:
    """
    An Okta user object as a ``DirectoryUser``; the profile properties ``read_attributes``
    name (custom ones included: Okta returns the whole profile) are reported under their names
    when they hold text.
    """
    profile: Mapping[str, Any] = item.get("profile") or {}
    okta_status = str(item.get("status", "ACTIVE"))
    status, locked, must_change = STATUS.get(okta_status, (UserStatus.ACTIVE, False, False))
    given, family = profile.get("firstName"), profile.get("lastName")
    return DirectoryUser(
        id=str(item["id"]),
        login=str(profile.get("login", "")),
        email=profile.get("email"),
        display_name=profile.get("displayName")
        or " ".join(p for p in (given, family) if p)
        or None,
        given_name=given,
        family_name=family,
        employee_id=profile.get("employeeNumber"),
        title=profile.get("title"),
        department=profile.get("department"),
        manager_id=profile.get("managerId"),
        status=status,
        locked=locked,
        password_must_change=must_change,
        # userType: "the organization to user relationship such as Employee or Contractor"
        # (Okta's default user profile attributes).
        attributes={
            **read_texts(read_attributes, profile.get),
            "okta_status": okta_status,
            **employee_type(profile.get("userType")),
        },
    )


def new_user_extras(user: NewUser) -> dict[str, str]:
    """The optional profile fields a new user brings (our names; ``PROFILE_KEYS`` maps them)."""
    extras = {
        "employee_id": user.employee_id,
        "title": user.title,
        "department": user.department,
        "manager_id": user.manager_id,
    }
    return {k: v for k, v in extras.items() if v is not None}


def quoted(value: str) -> str:
    """``value`` inside a double-quoted Okta search expression."""
    return value.replace("\\", "\\\\").replace('"', '\\"')


def segment(value: str) -> str:
    """``value`` as one URL path segment."""
    return urllib.parse.quote(value, safe="")


def float_or_none(value: str | None) -> float | None:
    """A header's number, or None when absent or not a number."""
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None
