"""
Microsoft Graph at the edge for the Entra directory: the user fields we read and write, a user
object as a ``DirectoryUser``, the authentication methods (their paths, the order Entra lets
them be deleted in, and the report of a reset it stopped halfway), and OData quoting.
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Mapping
from typing import Any

from connectors.errors import RejectedError
from connectors.identity import DirectoryUser, UserStatus, employee_type

__all__ = [
    "AUTH_HINT",
    "FIELDS",
    "METHOD_PATHS",
    "PHONE_ORDER",
    "SELECT",
    "deletion_rank",
    "describe_method",
    "method_path",
    "partial_reset",
    "quoted",
    "segment",
    "user_of",
]

AUTH_HINT = (
    "check tenant_id, client_id and the client secret (credentials.client_secret), that admin "
    "consent was granted for the Graph application permissions, and the app's Entra role "
    "(see docs/directories-saas.md)"
)
"""Appended to every authentication failure: what to check."""

FIELDS: Mapping[str, str] = {
    "email": "mail",
    "display_name": "displayName",
    "given_name": "givenName",
    "family_name": "surname",
    "employee_id": "employeeId",
    "title": "jobTitle",
    "department": "department",
}
SELECT = "id,userPrincipalName,accountEnabled,employeeType," + ",".join(FIELDS.values())
"""``employeeType`` ("enterprise worker type. For example, Employee, Contractor, Consultant, or
Vendor", Graph v1.0 user resource) is returned only when selected; it becomes
``attributes["employee_type"]``. Not ``userType``: there it is Member or Guest."""
METHOD_PATHS: Mapping[str, str] = {
    "#microsoft.graph.microsoftAuthenticatorAuthenticationMethod": "microsoftAuthenticatorMethods",
    "#microsoft.graph.fido2AuthenticationMethod": "fido2Methods",
    "#microsoft.graph.softwareOathAuthenticationMethod": "softwareOathMethods",
    "#microsoft.graph.temporaryAccessPassAuthenticationMethod": "temporaryAccessPassMethods",
    "#microsoft.graph.windowsHelloForBusinessAuthenticationMethod": "windowsHelloForBusinessMethods",
    "#microsoft.graph.platformCredentialAuthenticationMethod": "platformCredentialMethods",
    "#microsoft.graph.emailAuthenticationMethod": "emailMethods",
    # Phones last: Entra refuses to drop a default phone while other methods remain.
    "#microsoft.graph.phoneAuthenticationMethod": "phoneMethods",
}
# Graph: "A user can't have an alternateMobile number without a mobile number", so the mobile
# phone goes after the alternate one; office phones first of the three.
PHONE_ORDER = ("office", "alternateMobile", "mobile")


def user_of(item: Mapping[str, Any]) -> DirectoryUser:
    """A Graph user object as a ``DirectoryUser``."""
    return DirectoryUser(
        id=str(item["id"]),
        login=str(item.get("userPrincipalName", "")),
        email=item.get("mail"),
        display_name=item.get("displayName"),
        given_name=item.get("givenName"),
        family_name=item.get("surname"),
        employee_id=item.get("employeeId"),
        title=item.get("jobTitle"),
        department=item.get("department"),
        status=UserStatus.ACTIVE if item.get("accountEnabled", True) else UserStatus.DISABLED,
        attributes=employee_type(item.get("employeeType")),
    )


def quoted(value: str) -> str:
    """``value`` inside a single-quoted OData filter literal."""
    return value.replace("'", "''")


def deletion_rank(method: Mapping[str, Any]) -> tuple[int, int]:
    """Where a method goes in the deletion order (phones last, mobile after alternate)."""
    kind = list(METHOD_PATHS).index(method["@odata.type"])
    phone = str(method.get("phoneType") or "")
    return kind, PHONE_ORDER.index(phone) if phone in PHONE_ORDER else -1


def method_path(method: Mapping[str, Any]) -> str:
    """The Graph path of one authentication method, under the user's ``authentication``."""
    return f"{METHOD_PATHS[method['@odata.type']]}/{segment(method['id'])}"


def describe_method(method: Mapping[str, Any]) -> str:
    """A method as agents read it (``phone (mobile)``)."""
    kind = METHOD_PATHS[method["@odata.type"]].removesuffix("Methods")
    detail = method.get("phoneType") or method.get("displayName")
    return f"{kind} ({detail})" if detail else kind


def partial_reset(
    system: str, methods: list[dict[str, Any]], refused: Mapping[str, str]
) -> RejectedError:
    """The error for an MFA reset Entra stopped halfway: what went, what stays, what to do."""
    removed = [describe_method(m) for m in methods if m["id"] not in refused]
    left = [describe_method(m) for m in methods if m["id"] in refused]
    reason = next(iter(refused.values()))
    return RejectedError(
        "MFA reset is partial: removed "
        + (", ".join(removed) or "nothing")
        + "; still registered: "
        + ", ".join(left)
        + ". Entra refuses to delete a user's default method; the user (or an authentication "
        "administrator in the Entra admin centre) must change the default, then run the reset "
        f"again. Graph said: {reason}",
        system=system,
    )


def segment(value: str) -> str:
    """``value`` as one URL path segment."""
    return urllib.parse.quote(value, safe="")
