"""
Build the licence snapshot sources from ``licences.sources`` in the configuration.

Every problem is collected with its location (``licences.sources.<name>.options.<key>: …``) and
raised together as one ``ConfigError``. Secrets are read here from the environment or files
named in ``credentials``; nothing connects to a vendor until ``snapshot`` is called.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from connectors.desks.salesforce_options import StaticToken
from connectors.identity import DirectoryClient
from connectors.identity.ad import ActiveDirectory
from connectors.identity.ldap_directory import LdapDirectoryBase
from connectors.licences import LicenceSource
from connectors.licences.directory_activity import DirectoryActivity
from connectors.licences.salesforce import SalesforceLicences
from connectors.licences.scim import ScimLicences
from connectors.licences.slack import SlackLicences
from connectors.licences.zoom import ZoomLicences
from worker.config import ConfigError, LicenceSourceSettings

__all__ = ["OPTIONS", "build_source", "directory_activity"]

DEFAULT_VENDOR = {
    "m365": "Microsoft", "google": "Google", "salesforce": "Salesforce", "slack": "Slack",
    "zoom": "Zoom",
}  # fmt: skip
OPTIONS: Mapping[str, tuple[frozenset[str], frozenset[str], frozenset[str]]] = {
    # type: (required options, optional options, credentials)
    "m365": (
        frozenset({"tenant_id", "client_id"}),
        frozenset({"graph_url", "authority_host"}),
        frozenset({"client_secret"}),
    ),
    "google": (
        frozenset({"customer_id", "admin_email"}),
        frozenset({"products"}),
        frozenset({"service_account_json"}),
    ),
    "salesforce": (
        frozenset({"instance_url"}),
        frozenset({"api_version"}),
        frozenset({"access_token"}),
    ),
    "scim": (frozenset({"url"}), frozenset({"attribute", "value_type"}), frozenset({"token"})),
    "slack": (frozenset({"sku"}), frozenset(), frozenset({"token"})),
    "zoom": (frozenset(), frozenset({"sku"}), frozenset({"token"})),
}


def build_source(settings: LicenceSourceSettings) -> LicenceSource:
    """
    The snapshot source ``settings`` describes.

    Raises:
        ConfigError: every missing or unknown option, missing secret and bad value, located.
    """
    where = f"licences.sources.{settings.name}"
    required, optional, secrets = OPTIONS[settings.type]
    problems = [
        f"{where}.options.{key}: unknown for {settings.type} (known: {', '.join(sorted(required | optional))})"
        for key in sorted(set(settings.options) - required - optional)
    ]
    problems += [
        f"{where}.options.{key}: required" for key in sorted(required - set(settings.options))
    ]
    problems += [
        f"{where}.credentials.{key}: unknown for {settings.type} (known: {', '.join(sorted(secrets))})"
        for key in sorted(set(settings.credentials) - secrets)
    ]
    secret: dict[str, str] = {}
    for key in sorted(secrets):
        ref = settings.credentials.get(key)
        if ref is None:
            problems.append(f"{where}.credentials.{key}: required")
            continue
        try:
            secret[key] = ref.resolve()
        except ConfigError as exc:
            problems += [f"{where}.credentials.{key}: {p}" for p in exc.problems]
    if settings.type == "scim" and settings.vendor is None:
        problems.append(f"{where}.vendor: required for a SCIM app (the ledger's vendor name)")
    if problems:
        raise ConfigError(problems)
    options = dict(settings.options)
    vendor = settings.vendor or DEFAULT_VENDOR.get(settings.type, settings.name)
    try:
        return _BUILDERS[settings.type](settings.name, vendor, options, secret)
    except (ValueError, TypeError) as exc:
        raise ConfigError([f"{where}: {exc}"]) from exc


Builder = Callable[[str, str, dict[str, Any], dict[str, str]], LicenceSource]


def _m365(name: str, vendor: str, o: dict[str, Any], s: dict[str, str]) -> LicenceSource:
    # msal (the m365 extra) is loaded only for an m365 source: a plain install starts without it.
    from connectors.licences.m365 import M365Licences

    return M365Licences(
        name,
        str(o["tenant_id"]),
        str(o["client_id"]),
        s["client_secret"],
        vendor=vendor,
        graph_url=str(o.get("graph_url", "https://graph.microsoft.com/v1.0")),
        authority_host=str(o.get("authority_host", "https://login.microsoftonline.com")),
    )


def _google(name: str, vendor: str, o: dict[str, Any], s: dict[str, str]) -> LicenceSource:
    # google-auth (the google extra) is loaded only for a google source, like msal above.
    from connectors.identity.google import service_account_session
    from connectors.licences.google import SCOPES as GOOGLE_SCOPES
    from connectors.licences.google import GoogleLicences

    try:
        info = json.loads(s["service_account_json"])
    except ValueError:
        raise ValueError("credentials.service_account_json is not a JSON key file") from None
    session = service_account_session(info, str(o["admin_email"]), scopes=GOOGLE_SCOPES)
    products = o.get("products", ["Google-Apps"])
    if not isinstance(products, list) or not all(isinstance(p, str) for p in products):
        raise ValueError("options.products must be a list of product ids")
    return GoogleLicences(
        name,
        session,
        customer_id=str(o["customer_id"]),
        products=products,
        vendor=vendor,
    )


def _salesforce(name: str, vendor: str, o: dict[str, Any], s: dict[str, str]) -> LicenceSource:
    version = str(o.get("api_version", "61.0"))
    return SalesforceLicences(
        name,
        str(o["instance_url"]),
        StaticToken(s["access_token"]),
        api_version=version,
        vendor=vendor,
    )


def _scim(name: str, vendor: str, o: dict[str, Any], s: dict[str, str]) -> LicenceSource:
    attribute = str(o.get("attribute", "entitlements"))
    if attribute not in ("entitlements", "roles"):
        raise ValueError(f"options.attribute {attribute!r} is not entitlements or roles")
    value_type = o.get("value_type", "license")
    return ScimLicences(
        name,
        str(o["url"]),
        s["token"],
        vendor=vendor,
        attribute="roles" if attribute == "roles" else "entitlements",
        value_type=None if value_type is None else str(value_type),
    )


def _slack(name: str, vendor: str, o: dict[str, Any], s: dict[str, str]) -> LicenceSource:
    return SlackLicences(name, s["token"], sku=str(o["sku"]), vendor=vendor)


def _zoom(name: str, vendor: str, o: dict[str, Any], s: dict[str, str]) -> LicenceSource:
    return ZoomLicences(name, s["token"], sku=str(o.get("sku", "Licensed")), vendor=vendor)


_BUILDERS: Mapping[str, Builder] = {
    "m365": _m365, "google": _google, "salesforce": _salesforce, "scim": _scim, "slack": _slack,
    "zoom": _zoom,
}  # fmt: skip


def directory_activity(name: str, client: DirectoryClient) -> DirectoryActivity:
    """
    The last-logon reader for directory ``name`` (``licences.directories``).

    Raises:
        ConfigError: the directory records no logons deskpilot can read (not AD or LDAP).
    """
    if isinstance(client, ActiveDirectory):
        return DirectoryActivity(name, client.options, kind="active_directory")
    if isinstance(client, LdapDirectoryBase):
        return DirectoryActivity(name, client.options, kind="openldap")
    raise ConfigError(
        [
            f"licences.directories: {name} is not an active_directory or ldap directory; only "
            "those record last logons deskpilot reads (SaaS sign-ins come from licences.sources)"
        ]
    )
