"""
Build a directory client from its configuration section.

``ldap``, ``active_directory``, ``scim`` and ``memory`` are built here; the SaaS types (okta,
entra, google, salesforce) are built by ``worker.wiring.directories_saas``. Every problem is
collected with its location (``directories.<name>.options.<key>: …``) and raised together as one
``ConfigError``. Secrets are read here; nothing connects until the first call.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from connectors.identity import DirectoryClient
from connectors.identity.memory import MemoryDirectory
from worker.config import ConfigError, DirectorySettings

if TYPE_CHECKING:
    from connectors.identity.ldap import LdapOptions

SAAS_TYPES = frozenset({"okta", "entra", "google", "salesforce"})
_LDAP_OPTIONS = frozenset(
    {"bind_dn", "base_dn", "user_base", "group_base", "ca_file", "start_tls", "timeout_s"}
)
_OPTIONS: Mapping[str, frozenset[str]] = {
    "ldap": _LDAP_OPTIONS | {"empty_group_member"},
    "active_directory": _LDAP_OPTIONS | {"upn_suffix"},
    "scim": frozenset({"timeout_s"}),
    "memory": frozenset(),
}
_CREDENTIALS: Mapping[str, frozenset[str]] = {
    "ldap": frozenset({"bind_password"}),
    "active_directory": frozenset({"bind_password"}),
    "scim": frozenset({"token"}),
    "memory": frozenset(),
}
_LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})


def attribute_problem(kind: str, name: str) -> str | None:
    """
    Why a directory of type ``kind`` cannot read an attribute written ``name`` (the contract
    end ``playbooks.people`` names for it), or None when it can or reads names as they come.

    SCIM takes attribute notation, Google a custom field (``customSchemas.<schema>.<field>``),
    Salesforce a field's API name; LDAP, AD, Okta and Entra ID report any name they hold.
    """
    if kind == "scim":
        from connectors.identity.scim_payloads import path_problem

        return path_problem(name)
    if kind == "google":
        from connectors.identity.google_users import custom_field_problem

        return custom_field_problem(name)
    if kind == "salesforce":
        from connectors.identity.salesforce_users import field_problem

        return field_problem(name)
    return None


def build_directory(
    settings: DirectorySettings,
    *,
    environ: Mapping[str, str] | None = None,
    read_attributes: tuple[str, ...] = (),
) -> DirectoryClient:
    """
    The directory client for one ``directories`` section.

    ``read_attributes`` are other account attributes the client asks for (where its API asks)
    and reports under their own names: the contract end ``playbooks.people`` names for this
    directory. A name the directory cannot express (``attribute_problem``) is not read.

    Raises:
        ConfigError: listing every problem as ``directories.<name>.<section>.<key>: problem``.
    """
    if settings.type in SAAS_TYPES:
        from worker.wiring.directories_saas import build_saas_directory

        return build_saas_directory(settings, environ=environ, read_attributes=read_attributes)
    reader = _Reader(settings, os.environ if environ is None else environ, read_attributes)
    reader.unknown_keys()
    build = _BUILDERS[settings.type](reader)
    if reader.problems:
        raise ConfigError(reader.problems)
    return build()


@dataclass
class _Reader:
    """Reads one section's options and secrets, noting every problem instead of stopping."""

    settings: DirectorySettings
    environ: Mapping[str, str]
    read_attributes: tuple[str, ...] = ()
    problems: list[str] = field(default_factory=list)

    def problem(self, where: str, text: str) -> None:
        self.problems.append(f"directories.{self.settings.name}.{where}: {text}")

    def text(self, key: str, *, required: bool = False) -> str | None:
        value = self.settings.options.get(key)
        if value is None:
            if required:
                self.problem(f"options.{key}", "required")
            return None
        if not isinstance(value, str) or not value.strip():
            self.problem(f"options.{key}", "must be a non-empty string")
            return None
        return value

    def flag(self, key: str) -> bool:
        value = self.settings.options.get(key, False)
        if not isinstance(value, bool):
            self.problem(f"options.{key}", "must be true or false")
            return False
        return value

    def seconds(self, key: str, default: float) -> float:
        value = self.settings.options.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
            self.problem(f"options.{key}", "must be a positive number of seconds")
            return default
        return float(value)

    def secret(self, key: str) -> str:
        ref = self.settings.credentials.get(key)
        if ref is None:
            self.problem(f"credentials.{key}", "required (as {env: VAR} or {file: /path})")
            return ""
        try:
            return ref.resolve(self.environ)
        except ConfigError as exc:
            for text in exc.problems:
                self.problem(f"credentials.{key}", text)
            return ""

    def unknown_keys(self) -> None:
        kind = self.settings.type
        for section, known in (("options", _OPTIONS[kind]), ("credentials", _CREDENTIALS[kind])):
            present = self.settings.options if section == "options" else self.settings.credentials
            for key in sorted(set(present) - known):
                listed = ", ".join(sorted(known)) or "none"
                self.problem(f"{section}.{key}", f"unknown for {kind} (known: {listed})")


def _ldap_options(r: _Reader) -> Callable[[], LdapOptions]:
    from connectors.identity.ldap import LdapOptions

    url = r.settings.url or ""
    start_tls = r.flag("start_tls")
    scheme = urlsplit(url).scheme.lower()
    if scheme not in ("ldap", "ldaps"):
        r.problem("url", "must be an ldaps:// or ldap:// URL")
    elif scheme == "ldap" and not start_tls:
        r.problem(
            "url", "ldap:// sends the bind password in clear: use ldaps:// or start_tls: true"
        )
    bind_dn, base_dn = r.text("bind_dn", required=True), r.text("base_dn", required=True)
    user_base, group_base, ca_file = r.text("user_base"), r.text("group_base"), r.text("ca_file")
    password, timeout = r.secret("bind_password"), r.seconds("timeout_s", 10.0)
    return lambda: LdapOptions(
        url=url,
        bind_dn=bind_dn or "",
        bind_password=password,
        base_dn=base_dn or "",
        user_base=user_base or "",
        group_base=group_base or "",
        ca_file=ca_file,
        start_tls=start_tls,
        timeout_s=timeout,
    )


def _openldap(r: _Reader) -> Callable[[], DirectoryClient]:
    from connectors.identity.openldap import LdapDirectory

    options = _ldap_options(r)
    placeholder = r.text("empty_group_member")
    return lambda: LdapDirectory(
        r.settings.name,
        options(),
        empty_group_member=placeholder,
        read_attributes=r.read_attributes,
    )


def _active_directory(r: _Reader) -> Callable[[], DirectoryClient]:
    from connectors.identity.ad import ActiveDirectory

    options = _ldap_options(r)
    suffix = r.text("upn_suffix")
    return lambda: ActiveDirectory(
        r.settings.name, options(), upn_suffix=suffix, read_attributes=r.read_attributes
    )


def _scim(r: _Reader) -> Callable[[], DirectoryClient]:
    from connectors.http import BoundedSession
    from connectors.identity.scim import ScimDirectory

    url = (r.settings.url or "").rstrip("/")
    parts = urlsplit(url)
    if parts.scheme != "https" and not (parts.scheme == "http" and parts.hostname in _LOOPBACK):
        r.problem("url", "must be an https:// URL (http:// only on loopback)")
    token = r.secret("token")
    timeout = r.seconds("timeout_s", 30.0)
    return lambda: ScimDirectory(
        r.settings.name,
        url,
        token,
        session=BoundedSession(timeout=(5.0, timeout)),
        read_attributes=r.read_attributes,
    )


def _memory(r: _Reader) -> Callable[[], DirectoryClient]:
    return lambda: MemoryDirectory(r.settings.name)


_BUILDERS: Mapping[str, Callable[[_Reader], Callable[[], DirectoryClient]]] = {
    "ldap": _openldap,
    "active_directory": _active_directory,
    "scim": _scim,
    "memory": _memory,
}
