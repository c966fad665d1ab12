"""
Build the SaaS directories (Okta, Entra ID, Google Workspace, Salesforce) from their settings.

Every problem is collected with its location (``directories.<name>.options.<key>: …``) and raised
together as one ``ConfigError``, so ``deskpilot check`` can show them all at once. Secrets are
read here, from the environment or files named in ``credentials``; nothing connects to the
vendor until the first call.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, cast

from connectors.identity import DirectoryClient
from worker.config import ConfigError, DirectorySettings

_OPTIONS: Mapping[str, frozenset[str]] = {
    "okta": frozenset({"disable_mode"}),
    "entra": frozenset({"tenant_id", "client_id", "authority_host", "graph_url"}),
    "google": frozenset({"admin_email", "customer", "licenses"}),
    "salesforce": frozenset({"domain", "api_version", "disable_mode"}),
}
_CREDENTIALS: Mapping[str, frozenset[str]] = {
    "okta": frozenset({"token"}),
    "entra": frozenset({"client_secret"}),
    "google": frozenset({"service_account_json"}),
    "salesforce": frozenset(
        {"username", "password", "security_token", "consumer_key", "consumer_secret"}
    ),
}


@dataclass
class _Reader:
    """Reads options and secrets of one directory, noting every problem instead of stopping."""

    settings: DirectorySettings
    environ: Mapping[str, str]
    read_attributes: tuple[str, ...] = ()
    problems: list[str] = field(default_factory=list)

    def problem(self, section: str, key: str, text: str) -> None:
        self.problems.append(f"directories.{self.settings.name}.{section}.{key}: {text}")

    def option(self, key: str, default: str | None = None, *, choices: tuple[str, ...] = ()) -> str:
        value = self.settings.options.get(key, default)
        if value is None:
            self.problem("options", key, "required")
            return ""
        if not isinstance(value, str) or not value.strip():
            self.problem("options", key, "must be a non-empty string")
            return ""
        if choices and value not in choices:
            self.problem("options", key, f"must be one of {', '.join(choices)} (got {value!r})")
        return value

    def secret(self, key: str, *, required: bool = True) -> str:
        ref = self.settings.credentials.get(key)
        if ref is None:
            if required:
                self.problem("credentials", key, "required (as {env: VAR} or {file: /path})")
            return ""
        try:
            return ref.resolve(self.environ)
        except ConfigError as exc:
            for text in exc.problems:
                self.problem("credentials", key, text)
            return ""

    def https_url(self, value: str | None, where: str) -> str:
        if not value or not value.startswith("https://"):
            self.problems.append(
                f"directories.{self.settings.name}.{where}: must be an https:// URL"
            )
            return ""
        return value.rstrip("/")

    def unknown_keys(self) -> None:
        kind = self.settings.type
        for key in sorted(set(self.settings.options) - _OPTIONS[kind]):
            self.problem(
                "options",
                key,
                f"unknown option for {kind} (known: {', '.join(sorted(_OPTIONS[kind]))})",
            )
        for key in sorted(set(self.settings.credentials) - _CREDENTIALS[kind]):
            self.problem(
                "credentials",
                key,
                f"unknown credential for {kind} (known: {', '.join(sorted(_CREDENTIALS[kind]))})",
            )


def build_saas_directory(
    settings: DirectorySettings,
    *,
    environ: Mapping[str, str] | None = None,
    read_attributes: tuple[str, ...] = (),
) -> DirectoryClient:
    """
    The directory client for an ``okta``, ``entra``, ``google`` or ``salesforce`` section.

    ``read_attributes`` are other account properties reported under their own names: the
    contract end ``playbooks.people`` names for this directory. Okta reads them from the
    profile, Entra ID asks for them with ``$select`` when Graph has them, Google fetches a
    ``customSchemas.<schema>.<field>`` with its schema's ``customFieldMask``, and Salesforce
    selects a User field its ``describe`` lists.

    Raises:
        ConfigError: listing every problem as ``directories.<name>.<section>.<key>: problem``.
    """
    builder = _BUILDERS.get(settings.type)
    if builder is None:
        raise ConfigError(
            [f"directories.{settings.name}.type: {settings.type!r} is not a SaaS directory"]
        )
    reader = _Reader(settings, os.environ if environ is None else environ, read_attributes)
    reader.unknown_keys()
    build = builder(reader)
    if reader.problems:
        raise ConfigError(reader.problems)
    return build()


def _okta(r: _Reader) -> Callable[[], DirectoryClient]:
    from connectors.identity.okta import DisableMode, OktaDirectory

    url = r.https_url(r.settings.url, "url")
    token = r.secret("token")
    mode = r.option("disable_mode", "suspend", choices=("suspend", "deactivate"))
    return lambda: OktaDirectory(
        r.settings.name,
        url,
        token,
        disable_mode=cast(DisableMode, mode),
        read_attributes=r.read_attributes,
    )


def _entra(r: _Reader) -> Callable[[], DirectoryClient]:
    from connectors.identity.entra import EntraDirectory

    tenant, client = r.option("tenant_id"), r.option("client_id")
    authority = r.https_url(
        r.option("authority_host", "https://login.microsoftonline.com"), "options.authority_host"
    )
    graph = r.https_url(
        r.option("graph_url", "https://graph.microsoft.com/v1.0"), "options.graph_url"
    )
    secret = r.secret("client_secret")
    return lambda: EntraDirectory(
        r.settings.name,
        tenant,
        client,
        secret,
        authority_host=authority,
        graph_url=graph,
        read_attributes=r.read_attributes,
    )


def _google(r: _Reader) -> Callable[[], DirectoryClient]:
    from connectors.identity.google import GoogleDirectory, service_account_session

    admin = r.option("admin_email")
    if admin and "@" not in admin:
        r.problem("options", "admin_email", "must be the e-mail address of a Workspace admin")
    customer = r.option("customer", "my_customer")
    licenses = _licence_list(r)
    info = _key_info(r)
    session = None
    if info and admin:
        try:  # parses the private key; no network until the first call
            session = service_account_session(info, admin)
        except ValueError:
            r.problem("credentials", "service_account_json", "its private_key cannot be read")

    def build() -> DirectoryClient:
        assert session is not None, "built only when no problem was recorded"
        return GoogleDirectory(
            r.settings.name,
            session,
            customer=customer,
            licenses=licenses,
            read_attributes=r.read_attributes,
        )

    return build


def _salesforce(r: _Reader) -> Callable[[], DirectoryClient]:
    from simple_salesforce.api import Salesforce

    from connectors.http import BoundedSession
    from connectors.identity.salesforce import DisableMode as SalesforceDisableMode
    from connectors.identity.salesforce import SalesforceDirectory

    domain = r.option("domain", "login")
    version = r.option("api_version", "60.0")
    mode = r.option("disable_mode", "deactivate", choices=("deactivate", "freeze"))
    if "consumer_key" in r.settings.credentials:  # OAuth client-credentials flow (My Domain)
        key, secret = r.secret("consumer_key"), r.secret("consumer_secret")

        def connect() -> Salesforce:
            return Salesforce(
                consumer_key=key,
                consumer_secret=secret,
                domain=domain,
                version=version,
                session=BoundedSession(),
            )
    else:
        user, password, token = (r.secret(k) for k in ("username", "password", "security_token"))

        def connect() -> Salesforce:
            return Salesforce(
                username=user,
                password=password,
                security_token=token,
                domain=domain,
                version=version,
                session=BoundedSession(),
            )

    return lambda: SalesforceDirectory(
        r.settings.name,
        connect,
        disable_mode=cast(SalesforceDisableMode, mode),
        read_attributes=r.read_attributes,
    )


def _licence_list(r: _Reader) -> tuple[str, ...]:
    value: Any = r.settings.options.get("licenses", [])
    if not isinstance(value, list) or not all(
        isinstance(v, str) and v.count("/") == 1 for v in value
    ):
        r.problem(
            "options",
            "licenses",
            "must be a list of 'productId/skuId' strings, e.g. Google-Apps/1010020027",
        )
        return ()
    return tuple(value)


def _key_info(r: _Reader) -> dict[str, str]:
    raw = r.secret("service_account_json")
    if not raw:
        return {}
    try:
        info = json.loads(raw)
    except ValueError:
        r.problem(
            "credentials", "service_account_json", "is not JSON (use the key file Google gave you)"
        )
        return {}
    missing = [
        k
        for k in ("client_email", "private_key", "token_uri")
        if not isinstance(info, dict) or k not in info
    ]
    if missing:
        r.problem(
            "credentials",
            "service_account_json",
            f"is not a service-account key (lacks {', '.join(missing)})",
        )
        return {}
    return {str(k): v for k, v in info.items()}


_BUILDERS: Mapping[str, Callable[[_Reader], Callable[[], DirectoryClient]]] = {
    "okta": _okta,
    "entra": _entra,
    "google": _google,
    "salesforce": _salesforce,
}
