"""
The metrics every SLA knows: the trigger vocabulary, each built-in kind's defaults, and how a
configured metric falls back to its kind's defaults.

Shared by the settings check (``sla.check``) and the compiler (``sla.definition``).
"""

from __future__ import annotations

from sla.config import MetricKind, MetricSettings, SlaSettings

__all__ = ["EVENT_TRIGGERS", "effective_metrics", "metric_kind", "metric_setting"]

EVENT_TRIGGERS = frozenset(
    {
        "created",
        "reopened",
        "comment:public_agent",
        "comment:public_agent_reply",
        "comment:public_requester",
        "comment:internal",
        "assigned",
        "unassigned",
        "assignee_changed",
        "priority_changed",
    }
)
_DONE = ["status:resolved", "status:closed"]
_CANCEL = ["status:cancelled"]
_DEFAULTS: dict[MetricKind, dict[str, list[str] | str]] = {
    # The reply that answers the requester: on a ticket an agent opened, only after the
    # requester's first public comment (Zendesk first reply time).
    MetricKind.FIRST_RESPONSE: {"start": ["created"], "stop": ["comment:public_agent_reply"], "cycles": "first_only"},
    MetricKind.RESOLUTION: {
        "start": ["created", "reopened"],
        "stop": _DONE,
        "pause_while": ["pending_requester", "pending_approval"],
        "cycles": "every",
    },
    MetricKind.NEXT_REPLY: {
        "start": ["comment:public_requester"],
        "stop": ["comment:public_agent", *_DONE],
        "cycles": "every",
    },
    MetricKind.PERIODIC_UPDATE: {
        "start": ["comment:public_agent"],
        "reset": ["comment:public_agent"],
        "stop": _DONE,
        "cycles": "every",
    },
    MetricKind.REQUESTER_WAIT: {
        "start": ["created"],
        "stop": _DONE,
        "pause_while": ["pending_requester"],
        "cycles": "first_only",
    },
    MetricKind.AGENT_WORK: {
        "start": ["created"],
        "stop": _DONE,
        "pause_while": ["pending_requester", "pending_approval", "pending_other"],
        "cycles": "first_only",
    },
}  # fmt: skip


def metric_setting(name: str, settings: MetricSettings, field: str) -> list[str] | str | None:
    """
    A metric's field, falling back to its kind's default.

    Args:
        name: the metric's name in the configuration.
        settings: its settings.
        field: ``start``, ``stop``, ``pause_while``, ``resume``, ``cancel``, ``reset``, ``cycles``.
    """
    value = getattr(settings, field)
    if value is not None:
        return value  # type: ignore[no-any-return]
    kind = metric_kind(name, settings)
    default = _DEFAULTS.get(kind, {}).get(field) if kind else None
    if default is None:
        return _CANCEL if field == "cancel" else ([] if field != "cycles" else "every")
    return default


def metric_kind(name: str, settings: MetricSettings) -> MetricKind | None:
    """The metric's kind: explicit, else its name when that is a kind, else None."""
    if settings.kind is not None:
        return settings.kind
    return MetricKind(name) if name in MetricKind.__members__.values() else None


def effective_metrics(settings: SlaSettings) -> dict[str, MetricSettings]:
    """The configured metrics, or the six built-in ones when none are configured."""
    return dict(settings.metrics) or {kind.value: MetricSettings() for kind in MetricKind}
