"""
JSM SLA records (``GET /rest/servicedeskapi/request/{key}/sla``) → ``DeskSlaValue``.

Each record has zero or one ``ongoingCycle`` and zero or more ``completedCycles``. The value
shown is the ongoing cycle, or else the last completed one (what JQL's ``breached()`` looks at).
A record with neither (an SLA that never started) is left out.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from connectors.desks import DeskSlaValue


def parse_jira_sla(record: Any) -> DeskSlaValue | None:
    """One ``SlaInformationDTO`` as a ``DeskSlaValue``; None when no cycle has started."""
    cycle = record.get("ongoingCycle")
    if not cycle:
        completed = record.get("completedCycles") or []
        if not completed:
            return None
        cycle = completed[-1]
    return DeskSlaValue(
        metric=str(record.get("name") or ""),
        goal_s=_seconds(cycle.get("goalDuration")),
        elapsed_s=_seconds(cycle.get("elapsedTime")),
        remaining_s=_seconds(cycle.get("remainingTime")),
        breached=bool(cycle.get("breached", False)),
        breach_at=_instant(cycle.get("breachTime")),
        paused=bool(cycle.get("paused", False)),
    )


def _seconds(duration: Any) -> float | None:
    if not duration or duration.get("millis") is None:
        return None
    return int(duration["millis"]) / 1000.0


def _instant(date: Any) -> datetime | None:
    if not date or date.get("epochMillis") is None:
        return None
    return datetime.fromtimestamp(int(date["epochMillis"]) / 1000.0, tz=UTC)


__all__ = ["parse_jira_sla"]
