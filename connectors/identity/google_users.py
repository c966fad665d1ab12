"""
Google Workspace's Directory API resources at the edge: a user resource as a ``DirectoryUser``,
our attribute names to its name/organisation/external-id fields, and path quoting.
"""

from __future__ import annotations

import re
import urllib.parse
from collections.abc import Iterable, Mapping
from typing import Any

from connectors.identity import DirectoryUser, UserStatus, read_texts

__all__ = [
    "EDITABLE",
    "NAME_KEYS",
    "ORG_KEYS",
    "custom_field",
    "custom_field_mask",
    "custom_field_problem",
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
_CUSTOM_FIELD = re.compile(r"customSchemas\.([A-Za-z0-9_]+)\.([A-Za-z0-9_]+)")
"""A custom user field as written in configuration: ``customSchemas.<schemaName>.<fieldName>``,
the path of its value in the user resource (Directory API ``customSchemas``)."""


def user_of(item: Mapping[str, Any], read_attributes: Iterable[str] = ()) -> DirectoryUser:
    """
    A Directory API user resource as a ``DirectoryUser``; the custom fields ``read_attributes``
    name (``customSchemas.<schema>.<field>``, fetched with ``custom_field_mask``) are reported
    under those names when single-valued text (a DATE field reads ``2027-02-28``).
    """
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
        attributes=read_texts(read_attributes, lambda name: _custom_value(item, name)),
    )


def custom_field(name: str) -> tuple[str, str] | None:
    """``customSchemas.<schema>.<field>`` as (schema, field); None for any other name."""
    match = _CUSTOM_FIELD.fullmatch(name.strip())
    return (match[1], match[2]) if match else None


def custom_field_problem(name: str) -> str | None:
    """Why ``name`` cannot name a Google Workspace user field to read, or None when it can."""
    if custom_field(name) is not None:
        return None
    return (
        f"{name!r} is not a custom user field: write customSchemas.<SchemaName>.<fieldName> "
        "(letters, digits and underscores), e.g. customSchemas.Employment.contractEnd"
    )


def custom_field_mask(names: Iterable[str]) -> str | None:
    """The ``customFieldMask`` (schema names, comma-separated) that fetches ``names``; None: none."""
    schemas = [field[0] for name in names if (field := custom_field(name)) is not None]
    return ",".join(dict.fromkeys(schemas)) or None


def _custom_value(item: Mapping[str, Any], name: str) -> object:
    field = custom_field(name)
    if field is None:
        return None
    schemas = item.get("customSchemas")
    schema = schemas.get(field[0]) if isinstance(schemas, Mapping) else None
    return schema.get(field[1]) if isinstance(schema, Mapping) else None


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
