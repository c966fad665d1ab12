"""
Builds a desk connector from its configuration section, reporting every problem at once.

``desks[].options`` is free-form in the file; here it is checked against one strict model per
desk type (unknown keys are errors), credentials are resolved from their secret references,
and the connector is constructed. All problems are raised together as a ``ConfigError`` whose
lines read ``desks.<name>.options.<key>: <what is wrong>``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Annotated, Any, Literal
from zoneinfo import available_timezones

import structlog
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from connectors.desks import DeskClient
from connectors.desks.download import MAX_ATTACHMENT_BYTES
from connectors.desks.jira import JiraDesk, JiraOptions
from connectors.desks.memory import MemoryDesk
from connectors.desks.salesforce import (
    ClientCredentialsLogin,
    JwtBearerLogin,
    PasswordLogin,
    SalesforceDesk,
    SalesforceOptions,
    SessionSource,
    StaticToken,
)
from connectors.desks.salesforce_login import SOAP_LOGIN_RETIREMENT
from connectors.desks.servicenow import ServiceNowDesk, ServiceNowOptions
from connectors.desks.zendesk import ZendeskDesk, ZendeskOptions
from connectors.ratelimit import Budget, RateLimiter
from worker.config import ConfigError, DeskSettings

log = structlog.get_logger("deskpilot.wiring")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class RateLimitModel(_Strict):
    """``rate_limit: {requests: 600, per_s: 60, burst: 20}``: this desk's share of the vendor budget."""

    requests: int = Field(gt=0)
    per_s: float = Field(default=60.0, gt=0)
    burst: int = Field(default=10, gt=0)


class ReconcileSlaModel(_Strict):
    """
    ``reconcile_sla: {metric_map: {"Time to resolution": resolution}, interval_s: 300}``.

    Reads the desk's own SLA figures every ``interval_s`` and records where they differ from
    deskpilot's clocks (shown, never copied). ``metric_map`` maps the desk's SLA name to ours.
    """

    metric_map: dict[str, str] = Field(min_length=1)
    interval_s: float = Field(default=300.0, ge=30)
    tolerance_s: float = Field(default=300.0, ge=0)
    """Breach times further apart than this count as drift."""
    batch: int = Field(default=100, gt=0, le=1000)
    """Tickets read per run, least recently checked first."""

    @field_validator("metric_map")
    @classmethod
    def _names(cls, value: dict[str, str]) -> dict[str, str]:
        for desk_name, ours in value.items():
            if not desk_name.strip() or not ours.strip() or len(ours) > 64:
                raise ValueError(f"{desk_name!r}: {ours!r} must be a metric name (1-64 chars)")
        return value


class _Common(_Strict):
    overlap_s: float = Field(default=120.0, ge=0)
    replay_window_s: int = Field(default=300, gt=0)
    """Read by the webhook intake (``intake.webhooks.signing``): a signed timestamp's window."""
    rate_limit: RateLimitModel | None = None
    state_field: str | None = Field(default=None, min_length=1, max_length=255)
    """The desk field deskpilot writes its outcome into (absent: not written)."""
    max_attachment_bytes: int = Field(default=MAX_ATTACHMENT_BYTES, gt=0)
    reconcile_sla: ReconcileSlaModel | None = None


class JiraModel(_Common):
    deployment: Literal["cloud", "datacenter"] = "cloud"
    """``cloud`` (REST v3, e-mail + API token) or ``datacenter`` (REST v2, personal access token)."""
    status_map: dict[str, str] = Field(default_factory=dict)
    transition_fields: dict[str, dict[str, Any]] = Field(default_factory=dict)
    comment_api: Literal["servicedesk", "platform"] = "servicedesk"
    agent_permission: str = Field(default="SERVICEDESK_AGENT", pattern=r"^[A-Z][A-Z0-9_]{0,99}$")
    jql: str | None = None
    extra_fields: list[str] = Field(default_factory=list)
    timezone: str = "UTC"
    page_size: int = Field(default=50, gt=0, le=5000)

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        if value not in available_timezones():
            raise ValueError(
                f"unknown time zone {value!r} (use the API user's profile zone, e.g. Europe/Berlin)"
            )
        return value


class ZendeskModel(_Common):
    status_map: dict[str, str] = Field(default_factory=dict)
    poll_api: Literal["search", "incremental"] = "search"
    """``search``: agent-safe search export; ``incremental``: the admin-only incremental export."""
    poll_comments: bool = True
    exclude_deleted: bool = False
    page_size: int = Field(default=100, gt=0, le=1000)


class ServiceNowModel(_Common):
    table: str = Field(default="incident", pattern=r"^[a-z0-9_]+$")
    status_map: dict[str, dict[str, str]] = Field(default_factory=dict)
    query: str | None = None
    poll_comments: bool = True
    agent_roles: list[Annotated[str, Field(pattern=r"^[a-z][a-z0-9_.]{0,99}$")]] = ["itil"]
    page_size: int = Field(default=100, gt=0, le=10000)


class SalesforceModel(_Common):
    status_map: dict[str, str] = Field(default_factory=dict)
    api_version: str = Field(default="61.0", pattern=r"^[0-9]{2}\.0$")
    extra_fields: list[str] = Field(default_factory=list)
    where: str | None = None
    request_limit_retry_s: float = Field(default=900.0, gt=0)
    login_domain: str = Field(default="login", pattern=r"^(login|test|[a-z0-9][a-z0-9-]*\.my)$")
    """``login``/``test``, or the My Domain prefix (``yourcompany.my``) the client-credentials
    flow needs."""
    organization_id: str | None = Field(
        default=None, pattern=r"^00D[0-9A-Za-z]{12}([0-9A-Za-z]{3})?$"
    )
    """Read by the webhook intake: the org whose Outbound Messages are accepted."""
    hmac: bool = False
    """Read by the webhook intake: a relay signs the Outbound Messages (with ``webhook_secret``)."""


_MODELS: dict[str, type[_Common]] = {
    "jira": JiraModel,
    "zendesk": ZendeskModel,
    "servicenow": ServiceNowModel,
    "salesforce": SalesforceModel,
}
CREDENTIALS: dict[str, tuple[tuple[str, ...], ...]] = {  # each desk type's sets, one is needed
    "jira": (("email", "api_token"), ("personal_access_token",)),
    "zendesk": (("email", "api_token"), ("oauth_token",)),
    "servicenow": (("username", "password"), ("oauth_token",)),
    "salesforce": (
        ("access_token",),
        ("username", "consumer_key", "private_key"),  # OAuth 2.0 JWT bearer
        ("consumer_key", "consumer_secret"),  # OAuth 2.0 client credentials (My Domain)
        ("username", "password", "security_token"),  # legacy SOAP login()
    ),
}


def build_desk(
    settings: DeskSettings, *, limiter: RateLimiter, environ: Mapping[str, str] | None = None
) -> DeskClient:
    """
    The connector for one ``desks[]`` entry, sharing ``limiter`` with every other worker.

    Raises ConfigError listing every problem (options, base URL, credentials) with its location.
    """
    if settings.type == "memory":
        return MemoryDesk(settings.name)
    where = f"desks.{settings.name}"
    problems: list[str] = []
    options = _options(settings, where, problems)
    secrets = _credentials(settings, where, environ, problems)
    if not settings.base_url:
        problems.append(f"{where}.base_url: the {settings.type} URL is required")
    if problems or options is None:
        raise ConfigError(problems)
    assert settings.base_url is not None
    return _BUILDERS[settings.type](settings, options, secrets, limiter)


def _options(settings: DeskSettings, where: str, problems: list[str]) -> _Common | None:
    try:
        return _MODELS[settings.type].model_validate(settings.options)
    except ValidationError as exc:
        for error in exc.errors():
            loc = ".".join(str(part) for part in error["loc"])
            problems.append(f"{where}.options.{loc}: {error['msg']}")
        return None


def _credentials(
    settings: DeskSettings, where: str, environ: Mapping[str, str] | None, problems: list[str]
) -> dict[str, str]:
    chosen = _credential_set(settings, where, problems)
    secrets: dict[str, str] = {}
    for key in chosen or ():
        try:
            secrets[key] = settings.credentials[key].resolve(environ)
        except ConfigError as exc:
            problems.extend(f"{where}.credentials.{key}: {problem}" for problem in exc.problems)
    return secrets


def _credential_set(
    settings: DeskSettings, where: str, problems: list[str]
) -> tuple[str, ...] | None:
    """The first whole set of credentials given, reporting unknown keys and a missing set."""
    choices = CREDENTIALS[settings.type]
    known = {key for choice in choices for key in choice}
    for key in sorted(set(settings.credentials) - known):
        problems.append(
            f"{where}.credentials.{key}: not used by {settings.type} (use {sorted(known)})"
        )
    chosen = next((c for c in choices if all(k in settings.credentials for k in c)), None)
    if chosen is None:
        problems.append(f"{where}.credentials: {needed_credentials(settings.type)}")
    return chosen


def needed_credentials(desk_type: str) -> str:
    """The credential sets a desk of ``desk_type`` can call its API with, as one phrase."""
    sets = " or ".join("+".join(choice) for choice in CREDENTIALS[desk_type])
    return f"{desk_type} needs {sets}"


def desk_problems(settings: DeskSettings) -> list[str]:
    """
    What ``build_desk`` would refuse in desk ``settings`` (its options, unknown credential keys,
    no whole set of credentials), without reading a secret; empty for an in-memory desk.
    """
    if settings.type == "memory" or settings.connector == "memory":
        return []
    where = f"desks.{settings.name}"
    problems: list[str] = []
    _options(settings, where, problems)
    _credential_set(settings, where, problems)
    return problems


def state_field(settings: DeskSettings) -> str | None:
    """The field desk ``settings`` has deskpilot write its state into; None when not configured."""
    value = settings.options.get("state_field")
    return value if isinstance(value, str) and value else None


def reconcile_settings(settings: DeskSettings) -> ReconcileSlaModel | None:
    """
    Desk ``settings``' ``reconcile_sla`` option, validated; None when not set.

    Raises ConfigError (``desks.<name>.options.reconcile_sla.<key>: …``) when it is malformed;
    memory desks are checked here too, as ``build_desk`` does not look at their options.
    """
    raw = settings.options.get("reconcile_sla")
    if raw is None:
        return None
    try:
        return ReconcileSlaModel.model_validate(raw)
    except ValidationError as exc:
        where = f"desks.{settings.name}.options.reconcile_sla"
        raise ConfigError(
            [f"{where}.{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()]
        ) from exc


def _budget(model: _Common, default: Budget) -> Budget:
    limit = model.rate_limit
    return default if limit is None else Budget(limit.requests, limit.per_s, limit.burst)


def _jira(s: DeskSettings, m: Any, secrets: dict[str, str], limiter: RateLimiter) -> DeskClient:
    options = JiraOptions(
        deployment=m.deployment,
        status_map=m.status_map,
        transition_fields=m.transition_fields,
        comment_api=m.comment_api,
        agent_permission=m.agent_permission,
        jql=m.jql,
        extra_fields=tuple(m.extra_fields),
        timezone=m.timezone,
        overlap_s=m.overlap_s,
        page_size=m.page_size,
        max_attachment_bytes=m.max_attachment_bytes,
        budget=_budget(m, JiraOptions().budget),
    )
    cloud = m.deployment == "cloud"
    if cloud != ("api_token" in secrets):
        need = "email + api_token" if cloud else "personal_access_token"
        raise ConfigError([f"desks.{s.name}.credentials: jira {m.deployment} needs {need}"])
    return JiraDesk(s.name, str(s.base_url), limiter=limiter, options=options,
                    email=secrets.get("email"), api_token=secrets.get("api_token"),
                    personal_access_token=secrets.get("personal_access_token"))  # fmt: skip


def _zendesk(s: DeskSettings, m: Any, secrets: dict[str, str], limiter: RateLimiter) -> DeskClient:
    options = ZendeskOptions(
        status_map=m.status_map,
        poll_api=m.poll_api,
        poll_comments=m.poll_comments,
        exclude_deleted=m.exclude_deleted,
        overlap_s=m.overlap_s,
        page_size=m.page_size,
        max_attachment_bytes=m.max_attachment_bytes,
        budget=_budget(m, ZendeskOptions().budget),
    )
    return ZendeskDesk(
        s.name,
        str(s.base_url),
        limiter=limiter,
        options=options,
        email=secrets.get("email"),
        api_token=secrets.get("api_token"),
        oauth_token=secrets.get("oauth_token"),
    )


def _servicenow(
    s: DeskSettings, m: Any, secrets: dict[str, str], limiter: RateLimiter
) -> DeskClient:
    options = ServiceNowOptions(
        table=m.table,
        status_map=m.status_map,
        query=m.query,
        poll_comments=m.poll_comments,
        agent_roles=tuple(m.agent_roles),
        overlap_s=m.overlap_s,
        page_size=m.page_size,
        max_attachment_bytes=m.max_attachment_bytes,
        budget=_budget(m, ServiceNowOptions().budget),
    )
    return ServiceNowDesk(
        s.name,
        str(s.base_url),
        limiter=limiter,
        options=options,
        username=secrets.get("username"),
        password=secrets.get("password"),
        oauth_token=secrets.get("oauth_token"),
    )


def _salesforce(
    s: DeskSettings, m: Any, secrets: dict[str, str], limiter: RateLimiter
) -> DeskClient:
    options = SalesforceOptions(
        status_map=m.status_map,
        api_version=m.api_version,
        extra_fields=tuple(m.extra_fields),
        where=m.where,
        overlap_s=m.overlap_s,
        request_limit_retry_s=m.request_limit_retry_s,
        max_attachment_bytes=m.max_attachment_bytes,
        budget=_budget(m, SalesforceOptions().budget),
    )
    source = _salesforce_login(s, m, secrets)
    return SalesforceDesk(
        s.name, str(s.base_url), limiter=limiter, session_source=source, options=options
    )


def _salesforce_login(s: DeskSettings, m: Any, secrets: dict[str, str]) -> SessionSource:
    where = {"domain": m.login_domain, "api_version": m.api_version}
    if "access_token" in secrets:
        return StaticToken(secrets["access_token"])
    if "private_key" in secrets:
        return JwtBearerLogin(secrets["username"], secrets["consumer_key"], secrets["private_key"],
                              **where)  # fmt: skip
    if "consumer_secret" in secrets:
        if m.login_domain in ("login", "test"):
            raise ConfigError([f"desks.{s.name}.options.login_domain: the client-credentials "
                               "flow needs the org's My Domain, e.g. yourcompany.my"])  # fmt: skip
        return ClientCredentialsLogin(secrets["consumer_key"], secrets["consumer_secret"], **where)
    log.warning("desk.salesforce_soap_login", desk=s.name, detail=SOAP_LOGIN_RETIREMENT)
    return PasswordLogin(secrets["username"], secrets["password"], secrets["security_token"],
                         **where)  # fmt: skip


_BUILDERS: dict[str, Callable[[DeskSettings, Any, dict[str, str], RateLimiter], DeskClient]] = {
    "jira": _jira,
    "zendesk": _zendesk,
    "servicenow": _servicenow,
    "salesforce": _salesforce,
}

__all__ = [
    "CREDENTIALS",
    "ReconcileSlaModel",
    "build_desk",
    "desk_problems",
    "needed_credentials",
    "reconcile_settings",
    "state_field",
]
