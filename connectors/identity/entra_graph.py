"""
Microsoft Graph at the edge for the Entra directory: the user fields we read and write, a user
object as a ``DirectoryUser``, the authentication methods (their paths, the order Entra lets
them be deleted in, and the report of a reset it stopped halfway), and OData quoting.
"""

from __future__ import annotations

import re
import urllib.parse
from collections.abc import Iterable, Mapping
from typing import Any

from connectors.errors import RejectedError
from connectors.identity import DirectoryUser, UserStatus, employee_type, read_texts

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
    "select_for",
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
READABLE = frozenset(
    {
        "employeeLeaveDateTime",  # read with User-LifeCycleInfo.Read.All (Graph v1.0 user)
        "employeeHireDate",
        *("ageGroup", "city", "companyName", "consentProvidedForMinor", "country"),
        *("createdDateTime", "creationType", "department", "displayName", "employeeId"),
        *("employeeType", "externalUserState", "externalUserStateChangeDateTime", "faxNumber"),
        *("givenName", "jobTitle", "lastPasswordChangeDateTime", "legalAgeGroupClassification"),
        *("mail", "mailNickname", "mobilePhone", "officeLocation", "onPremisesDistinguishedName"),
        *("onPremisesDomainName", "onPremisesImmutableId", "onPremisesLastSyncDateTime"),
        *("onPremisesSamAccountName", "onPremisesSecurityIdentifier", "passwordPolicies"),
        *("onPremisesUserPrincipalName", "postalCode", "preferredDataLocation", "state"),
        *("preferredLanguage", "securityIdentifier", "signInSessionsValidFromDateTime"),
        *("streetAddress", "surname", "usageLocation", "userPrincipalName", "userType"),
    }
)
"""The text and date properties of the v1.0 user resource another attribute (the contract end)
may name. Graph refuses a request whose ``$select`` names an unknown property, so nothing else
is asked for; the SharePoint-backed ones (``aboutMe``, ``birthday``, ``hireDate``…) are left
out too, since listing users cannot select them."""
_DIRECTORY_EXTENSION = re.compile(r"^extension_[0-9a-fA-F]{32}_[A-Za-z0-9_]+$")
_ON_PREMISES = re.compile(r"^extensionAttribute(1[0-5]|[1-9])$")
"""Exchange's ``extensionAttribute1``…``15`` synced from AD, under
``onPremisesExtensionAttributes``."""
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


def select_for(read_attributes: Iterable[str]) -> str:
    """
    ``$select`` with the properties ``read_attributes`` name: a user property in ``READABLE``,
    a directory extension (``extension_<app id>_<name>``) or an on-premises
    ``extensionAttributeN``. Other names are not asked for (Graph would refuse the request).
    """
    extra = [_selected(name) for name in read_attributes]
    return ",".join(dict.fromkeys([*SELECT.split(","), *(s for s in extra if s is not None)]))


def _selected(name: str) -> str | None:
    if name in READABLE or _DIRECTORY_EXTENSION.match(name):
        return name
    return "onPremisesExtensionAttributes" if _ON_PREMISES.match(name) else None


def _read(item: Mapping[str, Any], names: Iterable[str]) -> dict[str, str]:
    """The non-empty text values of ``names`` in a user object, under those names."""

    def value_of(name: str) -> object:
        if _selected(name) is None:
            return None
        if _ON_PREMISES.match(name):
            return (item.get("onPremisesExtensionAttributes") or {}).get(name)
        return item.get(name)

    return read_texts(names, value_of)


def user_of(item: Mapping[str, Any], read_attributes: Iterable[str] = ()) -> DirectoryUser:
    """
    A Graph user object as a ``DirectoryUser``; ``read_attributes`` (selected with
    ``select_for``) are reported under their own names.
    """
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
        attributes={**_read(item, read_attributes), **employee_type(item.get("employeeType"))},
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
