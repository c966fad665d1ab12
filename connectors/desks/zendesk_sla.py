"""
Zendesk ticket metric events (side-loaded: ``GET /api/v2/tickets/{id}?include=metric_events``) →
``DeskSlaValue``.

Zendesk has no "SLA status" resource: a ticket's SLAs are a stream of metric events, each
naming a ``metric`` (``reply_time``, ``agent_work_time``, ``requester_wait_time``,
``periodic_update_time``, ``pausable_update_time``…), an ``instance_id`` (reply and update
metrics restart per instance) and a ``type``:

* ``activate`` / ``pause`` / ``fulfill``: the metric's clock starts or resumes, pauses, stops.
  Emitted for every metric, with or without an SLA.
* ``apply_sla``: a policy target applies (again, on a re-target): ``sla.target`` in minutes
  (``target_in_seconds`` when present), ``sla.business_hours``.
* ``breach``: when the target is (or will be) missed. Zendesk writes it when the target is
  applied, with the scheduled time, so it may lie in the future; when the breach no longer
  applies (fulfilled in time, paused, re-targeted) the event is kept with ``deleted: true``.
* ``update_status``: on fulfilment, ``status.calendar`` / ``status.business`` minutes measured.

What one value says, per metric (named as Zendesk names it; ``reconcile_sla.metric_map`` maps
it onto ours):

* The cycle is the **latest instance that had an SLA applied**; instances and metrics that never
  saw ``apply_sla`` are not SLAs and are left out.
* ``goal_s``: the last ``apply_sla`` of that instance. ``breach_at``: its last breach event
  that is not ``deleted`` (None when there is none).
* ``paused``: the last of activate/pause/fulfill (by time) is a pause.
* ``elapsed_s``: the last ``update_status`` (business minutes for a business-hours target,
  else calendar), so only once fulfilled; ``remaining_s`` = goal - elapsed (negative when late).
* ``breached``: a fulfilled instance is breached when it was fulfilled after ``breach_at``
  (equality is met, as in our clocks). An open instance is breached when ``breach_at`` is
  before ``as_of``: the time **the desk** answered (its HTTP ``Date``), never a clock of ours,
  so the flag is Zendesk's view at the moment of the read. Without ``as_of`` an open instance
  reports ``breached=False`` and the caller judges ``breach_at`` against its own clock.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import requests

from connectors.desks import DeskSlaValue
from connectors.desks.polling import parse_time

_CLOCK_TYPES = ("activate", "pause", "fulfill")


@dataclass(frozen=True)
class MetricEvent:
    """One ticket metric event, as much of it as the SLA figures need."""

    id: int
    metric: str
    instance_id: int
    type: str
    time: datetime
    deleted: bool = False
    target_s: float | None = None
    """``apply_sla`` only: the target, in seconds."""
    business_hours: bool = False
    """``apply_sla`` only: the target counts business hours."""
    calendar_s: float | None = None
    """``update_status`` only: calendar time measured."""
    business_s: float | None = None
    """``update_status`` only: business time measured."""


def parse_metric_event(raw: Any) -> MetricEvent:
    """One element of ``ticket_metric_events``; ValueError naming the event when malformed."""
    try:
        sla = raw.get("sla") or {}
        status = raw.get("status") or {}
        return MetricEvent(
            id=int(raw["id"]),
            metric=str(raw["metric"]),
            instance_id=int(raw.get("instance_id") or 0),
            type=str(raw["type"]),
            time=parse_time(str(raw["time"])),
            deleted=bool(raw.get("deleted", False)),
            target_s=_target_s(sla),
            business_hours=bool(sla.get("business_hours", False)),
            calendar_s=_minutes(status.get("calendar")),
            business_s=_minutes(status.get("business")),
        )
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        ident = raw.get("id") if isinstance(raw, dict) else None
        raise ValueError(f"zendesk ticket metric event {ident!r} is malformed: {exc}") from exc


def zendesk_sla_values(
    events: Iterable[MetricEvent], *, as_of: datetime | None = None
) -> list[DeskSlaValue]:
    """
    The SLA values of one ticket's metric events, one per metric that had an SLA applied.

    Args:
        events: every metric event of the ticket, in any order.
        as_of: when the desk answered (its ``Date`` header); decides ``breached`` for open
            instances. None leaves open instances ``breached=False``.

    Returns:
        One value per metric, in the order the metrics first appear.
    """
    by_metric: dict[str, list[MetricEvent]] = {}
    for event in events:
        by_metric.setdefault(event.metric, []).append(event)
    values = (_metric_value(name, found, as_of) for name, found in by_metric.items())
    return [value for value in values if value is not None]


def _metric_value(
    metric: str, events: list[MetricEvent], as_of: datetime | None
) -> DeskSlaValue | None:
    applied = [e.instance_id for e in events if e.type == "apply_sla" and e.target_s is not None]
    if not applied:
        return None
    instance = [e for e in events if e.instance_id == max(applied)]
    return _instance_value(metric, instance, as_of)


def _instance_value(metric: str, events: list[MetricEvent], as_of: datetime | None) -> DeskSlaValue:
    sla = max((e for e in events if e.type == "apply_sla"), key=lambda e: e.id)
    breaches = [e for e in events if e.type == "breach" and not e.deleted]
    breach_at = max(breaches, key=lambda e: e.id).time if breaches else None
    clock = sorted((e for e in events if e.type in _CLOCK_TYPES), key=lambda e: (e.time, e.id))
    last = clock[-1] if clock else None
    fulfilled_at = last.time if last is not None and last.type == "fulfill" else None
    elapsed = _elapsed(events, business=sla.business_hours) if fulfilled_at else None
    goal = sla.target_s
    return DeskSlaValue(
        metric=metric,
        goal_s=goal,
        elapsed_s=elapsed,
        remaining_s=goal - elapsed if goal is not None and elapsed is not None else None,
        breached=_breached(breach_at, fulfilled_at, as_of),
        breach_at=breach_at,
        paused=last is not None and last.type == "pause",
    )


def _breached(
    breach_at: datetime | None, fulfilled_at: datetime | None, as_of: datetime | None
) -> bool:
    if breach_at is None:
        return False
    if fulfilled_at is not None:
        return fulfilled_at > breach_at
    return as_of is not None and as_of > breach_at


def _elapsed(events: list[MetricEvent], *, business: bool) -> float | None:
    updates = [e for e in events if e.type == "update_status"]
    if not updates:
        return None
    status = max(updates, key=lambda e: e.id)
    return status.business_s if business else status.calendar_s


def _target_s(sla: Any) -> float | None:
    if sla.get("target_in_seconds") is not None:
        return float(sla["target_in_seconds"])
    return _minutes(sla.get("target"))


def _minutes(value: Any) -> float | None:
    return None if value is None else float(value) * 60.0


def sideloaded_events(sideload: Any) -> list[Any]:
    """Metric events side-loaded on a ticket: grouped by metric (as documented) or a list."""
    if isinstance(sideload, Mapping):
        return [e for events in sideload.values() if isinstance(events, list) for e in events]
    return list(sideload) if isinstance(sideload, list) else []


def response_date(response: requests.Response) -> datetime | None:
    """When Zendesk answered (HTTP ``Date``): the desk's "now" for open SLA instances."""
    try:
        date = parsedate_to_datetime(response.headers.get("Date", ""))
    except (TypeError, ValueError):
        return None
    return date.replace(tzinfo=UTC) if date.tzinfo is None else date.astimezone(UTC)


def ticket_sla_values(ticket_page: Any, *, as_of: datetime | None) -> list[DeskSlaValue]:
    """
    The SLAs of a ticket fetched with ``include=metric_events``.

    Args:
        ticket_page: the ticket response, with its side-loaded ``metric_events``.
        as_of: the desk's "now" (``response_date``), for deciding whether an open SLA is breached.
    """
    raw = sideloaded_events(ticket_page.get("metric_events"))
    return zendesk_sla_values([parse_metric_event(e) for e in raw], as_of=as_of)


__all__ = [
    "MetricEvent",
    "parse_metric_event",
    "response_date",
    "sideloaded_events",
    "ticket_sla_values",
    "zendesk_sla_values",
]
