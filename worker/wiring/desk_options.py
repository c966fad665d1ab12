"""
The strict model of each desk type's ``options`` (unknown keys are errors), and the part of them
the webhook intake and the poller hand to the normalizer (``intake_options``).

One ``options:`` block per desk feeds two readers: the desk connector (``status_map`` is its
OUTBOUND map, deskpilot category → the desk's status) and the normalizer
(``inbound_status_map`` and ``priority_map``, desk name → deskpilot value; Jira's
``request_type_field`` and ``team_field``). Both are validated here, so ``deskpilot check``
reports a bad value with the desk and key, and a running worker never meets one.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, Literal
from zoneinfo import available_timezones

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from connectors.desks.download import MAX_ATTACHMENT_BYTES
from intake.model import Priority, StatusCategory
from intake.normalize.options import IntakeOptions, parse_pairs
from worker.config import ConfigError, DeskSettings


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


_OUTBOUND_ONLY = (
    "a `desk status=deskpilot status` text is the inbound override: rename this key to "
    "inbound_status_map (status_map is the outbound map, deskpilot category → the desk's "
    "status; see docs/desks.md)"
)


class CommonOptions(_Strict):
    inbound_status_map: dict[str, StatusCategory] = Field(default_factory=dict)
    """Read by the normalizer: desk status name → deskpilot status category (wins over the
    built-in names); ``"Waiting for CAB=pending_approval; Fixed=resolved"`` or a mapping."""
    priority_map: dict[str, Priority] = Field(default_factory=dict)
    """Read by the normalizer: desk priority name → deskpilot priority, same two forms."""
    overlap_s: float = Field(default=120.0, ge=0)
    replay_window_s: int = Field(default=300, gt=0)
    """Read by the webhook intake (``intake.webhooks.signing``): a signed timestamp's window."""
    rate_limit: RateLimitModel | None = None
    state_field: str | None = Field(default=None, min_length=1, max_length=255)
    """The desk field deskpilot writes its outcome into (absent: not written)."""
    max_attachment_bytes: int = Field(default=MAX_ATTACHMENT_BYTES, gt=0)
    reconcile_sla: ReconcileSlaModel | None = None

    @field_validator("inbound_status_map", "priority_map", mode="before")
    @classmethod
    def _pairs(cls, value: Any) -> Any:
        """The text form as pairs, values in lower case (``Resolved`` reads as ``resolved``)."""
        pairs = parse_pairs(value) if isinstance(value, str) else value
        if not isinstance(pairs, Mapping):
            return value
        if any(not str(name).strip() for name in pairs):
            raise ValueError("a desk name is empty")
        return {
            str(name).strip(): ours.strip().lower() if isinstance(ours, str) else ours
            for name, ours in pairs.items()
        }

    @field_validator("status_map", mode="before", check_fields=False)
    @classmethod
    def _outbound_only(cls, value: Any) -> Any:
        if isinstance(value, str):
            raise ValueError(_OUTBOUND_ONLY)
        return value


class JiraModel(CommonOptions):
    request_type_field: str | None = Field(default=None, pattern=r"^customfield_[0-9]{1,18}$")
    """Read by the normalizer: the JSM *Customer Request Type* field (absent: found by shape)."""
    team_field: str | None = Field(
        default=None, pattern=r"^(customfield_[0-9]{1,18}|[a-z][A-Za-z0-9_]{0,63})$"
    )
    """Read by the normalizer: the field naming the team (absent: the first component)."""
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


class ZendeskModel(CommonOptions):
    status_map: dict[str, str] = Field(default_factory=dict)
    poll_api: Literal["search", "incremental"] = "search"
    """``search``: agent-safe search export; ``incremental``: the admin-only incremental export."""
    poll_comments: bool = True
    exclude_deleted: bool = False
    page_size: int = Field(default=100, gt=0, le=1000)


class ServiceNowModel(CommonOptions):
    table: str = Field(default="incident", pattern=r"^[a-z0-9_]+$")
    status_map: dict[str, dict[str, str]] = Field(default_factory=dict)
    query: str | None = None
    poll_comments: bool = True
    agent_roles: list[Annotated[str, Field(pattern=r"^[a-z][a-z0-9_.]{0,99}$")]] = ["itil"]
    page_size: int = Field(default=100, gt=0, le=10000)


class SalesforceModel(CommonOptions):
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


MODELS: dict[str, type[CommonOptions]] = {
    "jira": JiraModel,
    "zendesk": ZendeskModel,
    "servicenow": ServiceNowModel,
    "salesforce": SalesforceModel,
}

_INTAKE_KEYS = frozenset({"inbound_status_map", "priority_map", "request_type_field", "team_field"})


def intake_options(settings: DeskSettings) -> IntakeOptions:
    """
    What the normalizer is to know about desk ``settings``, validated; ConfigError (with the
    desk and key) when a value is wrong. Only those keys are looked at, so an in-memory
    connector's desk (whose other options are never used) is read the same way.
    """
    if settings.type not in MODELS:
        return IntakeOptions()
    model, problems = validated_options(settings, intake_only=True)
    if model is None:
        raise ConfigError(problems)
    return IntakeOptions.of(
        request_type_field=getattr(model, "request_type_field", None),
        team_field=getattr(model, "team_field", None),
        statuses=model.inbound_status_map,
        priorities=model.priority_map,
    )


def validated_options(
    settings: DeskSettings, *, intake_only: bool = False
) -> tuple[CommonOptions | None, list[str]]:
    """
    Desk ``settings``' options as their model, or None and what is wrong with them
    (``desks.<name>.options.<key>: …``): all of them, or with ``intake_only`` only the keys the
    normalizer reads (all a desk with ``connector: memory`` uses).
    """
    options = settings.options
    if intake_only:  # and a string status_map, so the old inbound form is named, not ignored
        options = {
            key: value
            for key, value in options.items()
            if key in _INTAKE_KEYS or (key == "status_map" and isinstance(value, str))
        }
    try:
        return MODELS[settings.type].model_validate(options), []
    except ValidationError as exc:
        where = f"desks.{settings.name}.options"
        return None, [
            f"{where}.{'.'.join(str(part) for part in error['loc'])}: {_message(error)}"
            for error in exc.errors()
        ]


def _message(error: Mapping[str, Any]) -> str:
    """Pydantic's message, with the value refused and why a Jira-only key is unknown."""
    if error["type"] == "enum":
        return f"{error['input']!r}: {error['msg']}"
    if error["type"] == "extra_forbidden" and error["loc"][0] in _INTAKE_KEYS:
        return f"{error['msg']} (only a jira desk's tickets are read with it)"
    return str(error["msg"])


__all__ = [
    "MODELS",
    "CommonOptions",
    "JiraModel",
    "ReconcileSlaModel",
    "intake_options",
    "validated_options",
]
