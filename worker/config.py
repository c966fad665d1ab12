"""
deskpilot's configuration: one YAML file, validated with pydantic, secrets only by reference.

A secret is never written in the file: it is named as ``{env: VAR}`` or ``{file: /path}`` and read
when a connector is built. ``load_config`` collects every problem with its location
(``desks[1].secret: ...``, line numbers where the YAML parser knows them) instead of stopping at
the first one, so ``deskpilot check`` can print them all.
"""

from __future__ import annotations

import ipaddress
import os
import urllib.parse
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from intake.config import ClassifierSettings
from playbooks.config import PolicySettings
from playbooks.licences.config import LicenceRunSettings
from sla.config import SlaSettings
from worker.config_locations import format_validation_error, yaml_locations

DESK_TYPES = ("jira", "zendesk", "servicenow", "salesforce", "memory")
DIRECTORY_TYPES = (
    "ldap",
    "active_directory",
    "scim",
    "okta",
    "entra",
    "google",
    "salesforce",
    "memory",
)


class ConfigError(ValueError):
    """The configuration is invalid; ``problems`` lists each one with its location."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


class Strict(BaseModel):
    """Base for config sections: unknown keys are errors (a typo must not pass silently)."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class SecretRef(Strict):
    """Where a secret lives: an environment variable or a file (e.g. a mounted Kubernetes secret)."""

    env: str | None = None
    file: Path | None = None

    @model_validator(mode="after")
    def _one_source(self) -> SecretRef:
        if (self.env is None) == (self.file is None):
            raise ValueError("name exactly one of `env` or `file`")
        return self

    def resolve(self, environ: Mapping[str, str] | None = None) -> str:
        """Read the secret now; raise ConfigError if it is not there."""
        env = os.environ if environ is None else environ
        if self.env is not None:
            value = env.get(self.env)
            if not value:
                raise ConfigError([f"environment variable {self.env} is not set"])
            return value
        assert self.file is not None
        try:
            return self.file.read_text().strip()
        except OSError as exc:
            raise ConfigError([f"cannot read secret file {self.file}: {exc.strerror}"]) from exc


class DeskSettings(Strict):
    """One desk instance; its webhooks arrive at ``/hooks/{name}``."""

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{0,62}$")
    type: Literal["jira", "zendesk", "servicenow", "salesforce", "memory"]
    base_url: str | None = None
    webhook_secret: SecretRef | None = None
    unsigned: bool = False
    """Accept unsigned webhooks. Only for desks that cannot sign; a warning is logged at start."""
    credentials: dict[str, SecretRef] = Field(default_factory=dict)
    options: dict[str, Any] = Field(default_factory=dict)
    """Vendor options (status mapping, field ids, budgets…); checked when the desk is built."""
    directory: str | None = None
    """The directory whose accounts this desk's requesters have (default: the first one)."""
    poll_interval_s: float | None = Field(default=None, gt=0)
    """Poll every N seconds in addition to webhooks; None disables polling."""
    unverified_requesters: Literal["untrusted", "trusted"] = "untrusted"
    """Requester addresses the desk did not verify (Salesforce ``SuppliedEmail`` from web-to-case
    or e-mail-to-case, Zendesk users with an unverified address, JSM requests raised by e-mail
    or on the anonymous portal, ServiceNow records with ``contact_type`` email) entitle no
    self-service action
    (``untrusted``) unless this site's web form and mailbox authenticate people (``trusted``)."""
    connector: Literal["api", "memory"] = "api"
    """``memory`` keeps writeback in process (demo, trials) while webhooks keep the desk's shape."""

    @model_validator(mode="after")
    def _signed_or_explicitly_not(self) -> DeskSettings:
        if self.type != "memory" and self.webhook_secret is None and not self.unsigned:
            raise ValueError(
                "set `webhook_secret`, or `unsigned: true` to accept unsigned webhooks"
            )
        if self.type != "memory" and self.connector == "api" and not self.base_url:
            raise ValueError(f"base_url: the {self.type} URL is required (e.g. https://…)")
        return self


class DirectorySettings(Strict):
    """One directory deskpilot reads and changes."""

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{0,62}$")
    type: Literal[
        "ldap", "active_directory", "scim", "okta", "entra", "google", "salesforce", "memory"
    ]
    url: str | None = None
    credentials: dict[str, SecretRef] = Field(default_factory=dict)
    options: dict[str, Any] = Field(default_factory=dict)


class LicenceSourceSettings(Strict):
    """One vendor account read as a licence snapshot (docs/licences.md)."""

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{0,62}$")
    type: Literal["m365", "google", "salesforce", "scim", "slack", "zoom"]
    vendor: str | None = None
    """The vendor as the seat ledger names it (default: per type, e.g. ``Microsoft``)."""
    credentials: dict[str, SecretRef] = Field(default_factory=dict)
    options: dict[str, Any] = Field(default_factory=dict)


class LicenceSettings(LicenceRunSettings):
    """Licences: the vendor accounts to read and the monthly run (docs/licences.md)."""

    sources: list[LicenceSourceSettings] = Field(default_factory=list)


class BrokerSettings(Strict):
    """Where messages go: ``stub`` (embedded, in-process) or a ``redis://`` URL."""

    url: str = "stub"
    processes: int = Field(default=1, ge=1)
    threads: int = Field(default=8, ge=1)
    prefetch: int = Field(default=64, ge=1)
    idle_poll_ms: int = Field(default=100, ge=10)
    janitor_interval_s: float = Field(default=5.0, gt=0)
    heartbeat_timeout_s: float = Field(default=15.0, ge=5)
    """A worker silent this long is dead and its unacked messages go back to the queue."""
    min_backoff_ms: int = Field(default=500, ge=1)
    """The first retry's delay; it doubles with each retry up to ``max_backoff_ms``."""
    max_backoff_ms: int = Field(default=5000, ge=1)
    """The longest wait between two retries of a message (the number of retries is fixed)."""

    @model_validator(mode="after")
    def _backoff_order(self) -> BrokerSettings:
        if self.min_backoff_ms > self.max_backoff_ms:
            raise ValueError(
                f"broker.min_backoff_ms ({self.min_backoff_ms}) is above "
                f"broker.max_backoff_ms ({self.max_backoff_ms})"
            )
        return self

    @field_validator("url")
    @classmethod
    def _known_scheme(cls, value: str) -> str:
        if value != "stub" and not value.startswith(("redis://", "rediss://", "unix://")):
            raise ValueError("use `stub` or a redis:// URL")
        return value


MIN_TOKEN_CHARS = 32
"""An API token shorter than this is refused (``deskpilot check``, and the web app at start)."""


class ApiToken(Strict):
    """A named credential for the dashboard and the review page."""

    name: str
    role: Literal["viewer", "agent", "admin"] = "viewer"
    """viewer: dashboard; agent: also the review page (approve, confirm, mark wrong); admin: all."""
    token: SecretRef
    desk_identity: str | None = None
    """For agents: their identity on the desk (email), so review-page approvals are checked
    against the same rules as ``/approve`` comments."""


class WebSettings(Strict):
    """The web app: webhooks, dashboard, review page, metrics."""

    host: str = "127.0.0.1"
    port: int = Field(default=8080, ge=0, le=65535)
    max_body_bytes: int = Field(default=1_048_576, gt=0)
    keep_rejected: int = Field(default=1000, ge=0)
    """How many refused webhook deliveries to keep for ``deskpilot inbox`` (newest first); 0: none."""
    public_url: str | None = None
    """How people reach deskpilot (for links in notes); defaults to http://host:port."""
    secret_key: SecretRef | None = None
    """Encrypts one-time secrets (32+ random characters); every node must share it. Without one,
    each process makes its own and a one-time link only opens on the node that issued it."""
    api_tokens: list[ApiToken] = Field(default_factory=list)
    """Who may open the dashboard and the review page. None configured: both are closed.
    Each token has 32 characters or more, and each name is used once (the session names it)."""
    secure_cookies: bool | None = None
    """The session cookie's ``Secure`` flag. None: on, unless deskpilot is reached by plain HTTP
    on a loopback address (``host`` loopback and ``public_url`` unset or ``http://`` loopback)."""
    docs: bool = False
    """Serve the OpenAPI schema and ``/docs``; off by default (it maps every endpoint)."""
    metrics: Literal["open", "viewer", "off"] = "open"
    """``/metrics``: open (for a Prometheus on a private network), viewer (a bearer token with
    the viewer role), or off."""
    refused_decisions_limit: int = Field(default=20, gt=0)
    """Refused decisions (not eligible, not the campaign's item, a run not waiting, a stale
    form) one signed-in token may make on ``/access-reviews`` and ``/review`` within
    ``refused_decisions_window_s`` before its decisions are answered 429 (each refusal is an
    audit entry; the pause is one)."""
    refused_decisions_window_s: float = Field(default=600.0, gt=0)
    """The sliding window of ``refused_decisions_limit``, in seconds."""
    owner_proof: Literal["email", "none"] = "email"
    """How the owner of a one-time link proves it is theirs before the secret shows: ``email``,
    a code sent by ``mail`` to their address in the directory (a one-time password cannot be
    issued without ``mail`` and an address); ``none``, whoever holds the link (a public reply
    that others on the ticket read) sees it."""

    @model_validator(mode="after")
    def _token_names_once(self) -> WebSettings:
        names = [t.name for t in self.api_tokens]
        twice = sorted({n for n in names if names.count(n) > 1})
        if twice:
            raise ValueError(f"api_tokens: each name once; used more than once: {', '.join(twice)}")
        return self

    @property
    def cookies_secure(self) -> bool:
        """Whether the session cookie is ``Secure`` (see ``secure_cookies``)."""
        if self.secure_cookies is not None:
            return self.secure_cookies
        public = urllib.parse.urlsplit(self.public_url) if self.public_url else None
        if public is not None and (public.scheme != "http" or not _loopback(public.hostname)):
            return True
        return not _loopback(self.host)


def _loopback(host: str | None) -> bool:
    if host in ("localhost", "localhost."):
        return True
    try:
        return ipaddress.ip_address(host or "").is_loopback
    except ValueError:
        return False


class RuntimeSettings(Strict):
    """Timers, sweeps and leases."""

    sweep_interval_s: float = Field(default=30.0, gt=0)
    lease_s: float = Field(default=120.0, gt=0)
    """Work not finished this long after it was last touched is re-enqueued by the sweeper."""
    timer_tick_s: float = Field(default=15.0, gt=0)
    digest_ticket: str | None = Field(default=None, pattern=r"^[a-z0-9][a-z0-9-]{0,62}:.+$")
    """``desk:KEY`` of a ticket that receives the daily digest of automated resolutions as an
    internal note (e.g. ``jira-it:IT-1``); None: no digest is posted."""


class MailSettings(Strict):
    """Outgoing mail (SMTP): the codes that prove a one-time link's owner."""

    host: str
    port: int = Field(default=587, ge=1, le=65535)
    security: Literal["starttls", "tls", "none"] = "starttls"
    """``starttls`` (port 587), ``tls`` (implicit, port 465) or ``none`` (a local relay only)."""
    username: str | None = None
    password: SecretRef | None = None
    sender: str = Field(pattern=r"^[^@\s]+@[^@\s]+$")
    """The From: address."""
    address_attribute: str | None = None
    """A directory attribute holding the address codes go to (e.g. a personal address, for
    people whose mailbox is behind the password being reset); unset: the account's e-mail."""
    timeout_s: float = Field(default=15.0, gt=0)


class AppSettings(Strict):
    """The whole configuration file."""

    database_url: str = "sqlite:///deskpilot.sqlite3"
    broker: BrokerSettings = Field(default_factory=BrokerSettings)
    web: WebSettings = Field(default_factory=WebSettings)
    mail: MailSettings | None = None
    runtime: RuntimeSettings = Field(default_factory=RuntimeSettings)
    desks: list[DeskSettings] = Field(default_factory=list)
    directories: list[DirectorySettings] = Field(default_factory=list)
    classifier: ClassifierSettings = Field(default_factory=ClassifierSettings)
    playbooks: PolicySettings = Field(default_factory=PolicySettings)
    playbook_dirs: list[Path] = Field(default_factory=list)
    """Directories of the admin's own playbooks; a playbook there overrides the library's."""
    sla: SlaSettings = Field(default_factory=SlaSettings)
    licences: LicenceSettings = Field(default_factory=LicenceSettings)

    @model_validator(mode="after")
    def _names_unique_and_references_known(self) -> AppSettings:
        problems = []
        for kind, names in (
            ("desks", [d.name for d in self.desks]),
            ("directories", [d.name for d in self.directories]),
            ("licences.sources", [s.name for s in self.licences.sources]),
        ):
            dupes = sorted({n for n in names if names.count(n) > 1})
            if dupes:
                problems.append(f"{kind}: duplicate names {dupes}")
        known = {d.name for d in self.directories}
        problems += self.licences.unknown_references({d.name for d in self.desks}, known)
        for i, desk in enumerate(self.desks):
            if desk.directory is not None and desk.directory not in known:
                problems.append(f"desks[{i}].directory: unknown directory {desk.directory!r}")
        if problems:
            raise ValueError("; ".join(problems))
        return self

    def desk(self, name: str) -> DeskSettings | None:
        """The desk called ``name``, if configured."""
        return next((d for d in self.desks if d.name == name), None)


def parse_config(text: str, *, source: str = "<config>") -> AppSettings:
    """Validate a YAML document; ConfigError lists every problem with file:line:column."""
    try:
        data = yaml.safe_load(text)
        locations = yaml_locations(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{source}:{mark.line + 1}:{mark.column + 1}" if mark else source
        raise ConfigError([f"{where}: not valid YAML: {getattr(exc, 'problem', exc)}"]) from exc
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError([f"{source}:1:1: the configuration must be a mapping of sections"])
    try:
        return AppSettings.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(format_validation_error(exc, locations, source)) from exc


def load_config(path: Path) -> AppSettings:
    """Read and validate the configuration file at ``path``."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError([f"{path}: cannot read: {exc.strerror}"]) from exc
    return parse_config(text, source=str(path))
