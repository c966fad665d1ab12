"""The pure reading of Zendesk ticket metric events (``connectors.desks.zendesk_sla``)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from connectors.desks import DeskSlaValue
from connectors.desks.zendesk_sla import parse_metric_event, zendesk_sla_values


def _event(n: int, kind: str, time: str, **extra: Any) -> dict[str, Any]:
    return {
        "id": n,
        "ticket_id": 35436,
        "metric": "reply_time",
        "instance_id": 1,
        "type": kind,
        "time": f"2026-11-25T{time}:00Z",
        **extra,
    }


APPLY = _event(1, "apply_sla", "08:00", sla={"target": 60, "business_hours": False})
BREACH = _event(2, "breach", "09:00")


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"id": 7, "metric": "reply_time", "type": "activate"}, "7"),
        (_event(8, "activate", "08:00") | {"time": "yesterday"}, "8"),
        ("not an object", "None"),
    ],
    ids=["no-time", "bad-time", "not-an-object"],
)
def test_malformed_events_say_which(raw: Any, message: str) -> None:
    with pytest.raises(ValueError, match=f"metric event {message}"):
        parse_metric_event(raw)


@pytest.mark.parametrize(
    ("extra", "as_of", "breached"),
    [
        ([_event(3, "fulfill", "09:00")], None, False),
        ([_event(3, "fulfill", "09:01")], None, True),
        ([], datetime(2026, 11, 25, 9, 0, tzinfo=UTC), False),
        ([], datetime(2026, 11, 25, 9, 0, 1, tzinfo=UTC), True),
    ],
    ids=["fulfilled-at-breach-is-met", "fulfilled-after", "open-at-breach", "open-after"],
)
def test_breached_is_strictly_after_breach_time(
    extra: list[dict[str, Any]], as_of: datetime | None, breached: bool
) -> None:
    events = [parse_metric_event(e) for e in (APPLY, BREACH, *extra)]

    [value] = zendesk_sla_values(events, as_of=as_of)

    assert breached is value.breached


def test_target_in_seconds_wins_and_resume_unpauses() -> None:
    apply = APPLY | {"sla": {"target": 1, "target_in_seconds": 75, "business_hours": False}}
    raw = [apply, _event(3, "pause", "08:10"), _event(4, "activate", "08:20")]

    values = zendesk_sla_values([parse_metric_event(e) for e in raw])

    assert [DeskSlaValue("reply_time", 75.0, None, None, False, None, False)] == values
