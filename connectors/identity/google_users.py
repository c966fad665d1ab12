"""
Google Workspace's Directory API resources at the edge: a user resource as a ``DirectoryUser``,
our attribute names to its name/organisation/external-id fields, and path quoting.
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Mapping
from typing import Any

from connectors.identity import DirectoryUser, UserStatus

__all__ = [
    "EDITABLE",
    "NAME_KEYS",
    "ORG_KEYS",
    "employee_id_of",
    "matches",
    "primary_org",
    "segment",
    "sku_path",
    "update_body",
    "user_of",
]

NAME_KEYS = {"given_name": "givenName", "family_name": "familyName"}
ORG_KEYS = {"title": "title", "department": "department"}
EDITABLE = frozenset({*NAME_KEYS, *ORG_KEYS, "employee_id"})


def user_of(item: Mapping[str, Any]) -> DirectoryUser:
    """A Directory API user resource as a ``DirectoryUser``."""
    name: Mapping[str, Any] = item.get("name") or {}
    org = primary_org(item)
    disabled = bool(item.get("suspended")) or bool(item.get("archived"))
    return DirectoryUser(
        id=str(item["id"]),
        login=str(item.get("primaryEmail", "")),
        email=item.get("primaryEmail"),
        display_name=name.get("fullName"),
        given_name=name.get("givenName"),
        family_name=name.get("familyName"),
        employee_id=employee_id_of(item),
        title=org.get("title"),
        department=org.get("department"),
        manager_id=next(
            (r.get("value") for r in item.get("relations", []) if r.get("type") == "manager"), None
        ),
        status=UserStatus.DISABLED if disabled else UserStatus.ACTIVE,
        password_must_change=bool(item.get("changePasswordAtNextLogin")),
        mfa_factors=("2sv",) if item.get("isEnrolledIn2Sv") else (),
    )


def update_body(raw: Mapping[str, Any], wanted: Mapping[str, str | None]) -> dict[str, Any]:
    """The PATCH body that sets ``wanted`` (our names) on the user ``raw``, keeping the rest."""
    body: dict[str, Any] = {}
    names = {NAME_KEYS[k]: v for k, v in wanted.items() if k in NAME_KEYS}
    if names:
        body["name"] = {
            **{k: v for k, v in (raw.get("name") or {}).items() if k != "fullName"},
            **names,
        }
    if "employee_id" in wanted:
        others = [e for e in raw.get("externalIds", []) if e.get("type") != "organization"]
        mine = (
            [{"value": wanted["employee_id"], "type": "organization"}]
            if wanted["employee_id"]
            else []
        )
        body["externalIds"] = others + mine
    orgs = {ORG_KEYS[k]: v for k, v in wanted.items() if k in ORG_KEYS}
    if orgs:
        current = list(raw.get("organizations", []))
        primary = next((o for o in current if o.get("primary")), None)
        rest = [o for o in current if o is not primary]
        body["organizations"] = [{**(primary or {"primary": True}), **orgs}, *rest]
    return body


def matches(
    item: Mapping[str, Any], *, email: str | None, login: str | None, employee_id: str | None
) -> bool:
    """Whether a user resource has every given key (e-mail among its aliases)."""
    primary = str(item.get("primaryEmail", "")).lower()
    addresses = {primary} | {str(e.get("address", "")).lower() for e in item.get("emails", [])}
    if login is not None and login.lower() != primary:
        return False
    if email is not None and email.lower() not in addresses:
        return False
    return employee_id is None or employee_id == employee_id_of(item)


def employee_id_of(item: Mapping[str, Any]) -> str | None:
    """The user's organisation external id, if any."""
    return next(
        (e.get("value") for e in item.get("externalIds", []) if e.get("type") == "organization"),
        None,
    )


def primary_org(item: Mapping[str, Any]) -> Mapping[str, Any]:
    """The user's primary organisation entry (or the first, or none)."""
    orgs = item.get("organizations", [])
    return next((o for o in orgs if o.get("primary")), orgs[0] if orgs else {})


def sku_path(license_id: str) -> str:
    """``product/sku`` as the Licensing API path."""
    product, sku = license_id.split("/", 1)
    return f"{segment(product)}/sku/{segment(sku)}"


def segment(value: str) -> str:
    """``value`` as one URL path segment (``@`` kept)."""
    return urllib.parse.quote(value, safe="@")
