"""
ServiceNow ``task_sla`` records → ``DeskSlaValue``.

Read with ``sysparm_display_value=all`` so each field carries both ``value`` (UTC, machine
form) and ``display_value`` (the SLA definition's name for the ``sla`` reference). Durations
(``business_time_left``, ``time_left``, ``business_duration``) are glide durations: a date-time
counted from 1970-01-01 00:00:00. A task can carry several records of one definition (a
cancelled one and its successor): records come oldest first and the last one per name wins.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from connectors.desks import DeskSlaValue

TASK_SLA_FIELDS = (
    "sla,has_breached,planned_end_time,business_time_left,time_left,business_duration,stage"
)
_TIME = "%Y-%m-%d %H:%M:%S"


def parse_servicenow_slas(records: list[Any]) -> list[DeskSlaValue]:
    """The ``task_sla`` records of one task, one value per SLA definition name."""
    latest: dict[str, DeskSlaValue] = {}
    for record in records:
        value = parse_servicenow_sla(record)
        latest[value.metric] = value
    return list(latest.values())


def parse_servicenow_sla(record: Any) -> DeskSlaValue:
    """One ``task_sla`` record (display_value=all form) as a ``DeskSlaValue``."""
    left = _duration(_raw(record, "business_time_left"))
    if left is None:
        left = _duration(_raw(record, "time_left"))
    breached = _raw(record, "has_breached") == "true"
    return DeskSlaValue(
        metric=_display(record, "sla"),
        goal_s=None,
        elapsed_s=_duration(_raw(record, "business_duration")),
        remaining_s=-left if breached and left is not None and left > 0 else left,
        breached=breached,
        breach_at=_instant(_raw(record, "planned_end_time")),
        paused=_raw(record, "stage") == "paused",
    )


def _raw(record: Any, name: str) -> str:
    found = record.get(name)
    if isinstance(found, dict):
        return str(found.get("value") or "")
    return str(found or "")


def _display(record: Any, name: str) -> str:
    found = record.get(name)
    if isinstance(found, dict):
        return str(found.get("display_value") or found.get("value") or "")
    return str(found or "")


def _instant(text: str) -> datetime | None:
    if not text:
        return None
    return datetime.strptime(text, _TIME).replace(tzinfo=UTC)


def _duration(text: str) -> float | None:
    moment = _instant(text)
    if moment is None:
        return None
    return (moment - datetime(1970, 1, 1, tzinfo=UTC)).total_seconds()


__all__ = ["TASK_SLA_FIELDS", "parse_servicenow_sla", "parse_servicenow_slas"]
