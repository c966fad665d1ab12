"""Each desk's own SLA figures (``sla_values``), read at the HTTP boundary."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
import responses
from responses import matchers

from connectors.desks import DeskSlaValue
from connectors.desks.memory import MemoryDesk
from connectors.errors import (
    NotFoundError,
    NotSupportedError,
    RateLimitedError,
    RejectedError,
    UnavailableError,
)

from . import test_jira_desk as jira_cases
from . import test_salesforce_desk as salesforce_cases
from . import test_servicenow_desk as servicenow_cases
from . import test_zendesk_desk as zendesk_cases

JIRA_SLA = f"{jira_cases.BASE}/rest/servicedeskapi/request/IT-7/sla"
TASK_SLA = f"{servicenow_cases.BASE}/api/now/table/task_sla"
SYS_ID = "9d385017c611228701d22104cc95c371"
ZENDESK_TICKET = f"{zendesk_cases.BASE}/api/v2/tickets/35436.json"
DESK_DATE = {"Date": "Wed, 25 Nov 2026 11:00:00 GMT"}


@pytest.fixture
def http() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock(assert_all_requests_are_fired=True) as rsps:
        yield rsps


def test_jira_reads_ongoing_or_last_completed_cycle_over_pages(
    jira_http: responses.RequestsMock, limiter: Any, clock: Any, payload: Any
) -> None:
    """Paged by start/limit; ongoing cycle wins, else the last completed; unstarted SLAs drop."""
    jira_http.get(
        JIRA_SLA,
        json=payload("jira", "api_servicedesk_sla_page1"),
        match=[matchers.query_param_matcher({"start": "0", "limit": "50"})],
    )
    jira_http.get(
        JIRA_SLA,
        json=payload("jira", "api_servicedesk_sla_page2"),
        match=[matchers.query_param_matcher({"start": "1", "limit": "50"})],
    )

    values = jira_cases.make_desk(limiter, clock).sla_values("IT-7")

    assert [
        DeskSlaValue(
            "Time to first response",
            goal_s=7200.0,
            elapsed_s=1800.0,
            remaining_s=5400.0,
            breached=False,
            breach_at=datetime(2026, 11, 25, 12, 0, tzinfo=UTC),
            paused=True,
        ),
        DeskSlaValue(
            "Time to resolution",
            goal_s=14400.0,
            elapsed_s=18600.0,
            remaining_s=-4200.0,
            breached=True,
            breach_at=datetime(2026, 11, 25, 10, 0, tzinfo=UTC),
            paused=False,
        ),
    ] == values


def test_jira_sla_server_error_is_transient(
    jira_http: responses.RequestsMock, limiter: Any, clock: Any
) -> None:
    """A 503 on every try ends as UnavailableError, which the worker retries."""
    jira_http.get(JIRA_SLA, status=503)
    desk = jira_cases.make_desk(limiter, clock)

    with pytest.raises(UnavailableError):
        desk.sla_values("IT-7")


def test_servicenow_reads_task_sla_by_sys_id(
    http: responses.RequestsMock, limiter: Any, clock: Any, payload: Any
) -> None:
    """task_sla rows of the task, display_value=all: names, UTC due times, paused stage."""
    http.get(
        TASK_SLA,
        json=payload("servicenow", "api_task_sla"),
        match=[
            matchers.query_param_matcher(
                {
                    "sysparm_query": f"task={SYS_ID}^stage!=cancelled^ORDERBYstart_time",
                    "sysparm_display_value": "all",
                    "sysparm_limit": "100",
                },
                strict_match=False,
            )
        ],
    )

    values = servicenow_cases.make_desk(limiter, clock).sla_values(SYS_ID)

    assert [
        DeskSlaValue(
            "Priority 2 resolution (8 hour)",
            goal_s=None,
            elapsed_s=10800.0,
            remaining_s=18000.0,
            breached=False,
            breach_at=datetime(2026, 11, 25, 17, 0, tzinfo=UTC),
            paused=True,
        ),
        DeskSlaValue(
            "Priority 2 response (1 hour)",
            goal_s=None,
            elapsed_s=4800.0,
            remaining_s=-1200.0,
            breached=True,
            breach_at=datetime(2026, 11, 25, 10, 0, tzinfo=UTC),
            paused=False,
        ),
    ] == values


def test_salesforce_without_readable_slas_says_so(
    http: responses.RequestsMock, limiter: Any, clock: Any
) -> None:
    """No HTTP call; a NotSupportedError naming why."""
    with pytest.raises(NotSupportedError, match="milestones"):
        salesforce_cases.make_desk(limiter, clock).sla_values("42")


def test_memory_desk_returns_what_was_set() -> None:
    """set_sla_values is what sla_values answers; an unknown ticket in strict mode is NotFound."""
    desk = MemoryDesk("memory", strict=True)
    value = DeskSlaValue("Time to resolution", 3600.0, 60.0, 3540.0, False, None, False)
    desk.set_sla_values("T-1", [value])

    assert [value] == desk.sla_values("T-1")
    with pytest.raises(NotFoundError):
        desk.sla_values("T-2")


def _at(hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, 25, hour, minute, tzinfo=UTC)


def _zendesk_values(agent_work_breached: bool) -> list[DeskSlaValue]:
    return [
        DeskSlaValue("reply_time", 7200.0, None, None, False, _at(12), paused=False),
        DeskSlaValue("periodic_update_time", 3600.0, 3000.0, 600.0, False, _at(9, 40), False),
        DeskSlaValue("agent_work_time", 7200.0, None, None, agent_work_breached, _at(10), False),
        DeskSlaValue("requester_wait_time", 14400.0, None, None, False, None, paused=True),
    ]


def _sideload(*pages: dict[str, Any], keyed: bool = True) -> dict[str, Any]:
    """``GET /api/v2/tickets/{id}?include=metric_events``: the ticket and its events by metric."""
    events = [e for page in pages for e in page["ticket_metric_events"]]
    grouped: dict[str, list[Any]] = {}
    for event in events:
        grouped.setdefault(event["metric"], []).append(event)
    ticket = {"id": 35436, "url": f"{zendesk_cases.BASE}/api/v2/tickets/35436.json",
              "subject": "VPN access", "status": "open", "priority": "normal"}  # fmt: skip
    return {"ticket": ticket, "metric_events": grouped if keyed else events}


INCLUDE = [matchers.query_param_matcher({"include": "metric_events"})]


@pytest.mark.parametrize(
    ("headers", "expected"),
    [(DESK_DATE, _zendesk_values(True)), ({}, _zendesk_values(False))],
    ids=["desk-date-after-breach", "no-date-header"],
)
def test_zendesk_reads_latest_sla_instance_per_metric_from_the_side_load(
    zendesk_http: responses.RequestsMock,
    limiter: Any,
    clock: Any,
    payload: Any,
    headers: dict[str, str],
    expected: list[DeskSlaValue],
) -> None:
    """
    One documented call (the ticket with its metric events side-loaded); per metric the latest
    instance with an SLA applied: a breach due later (reply_time #2), fulfilled before its breach
    (periodic update), re-targeted and past its live breach at the desk's Date (agent work;
    unknown without a Date), paused with the breach withdrawn (requester wait).
    pausable_update_time never had an SLA and is left out.
    """
    body = _sideload(payload("zendesk", "api_ticket_metric_events_page1"),
                     payload("zendesk", "api_ticket_metric_events_page2"))  # fmt: skip
    zendesk_http.get(ZENDESK_TICKET, json=body, headers=headers, match=INCLUDE)

    assert expected == zendesk_cases.make_desk(limiter, clock).sla_values("35436")


def test_zendesk_side_load_as_a_flat_list_reads_the_same(
    zendesk_http: responses.RequestsMock, limiter: Any, clock: Any, payload: Any
) -> None:
    """A late fulfilment is breached, business minutes; the events may come as one list too."""
    body = _sideload(payload("zendesk", "api_ticket_metric_events_cursor_page1"),
                     payload("zendesk", "api_ticket_metric_events_cursor_page2"), keyed=False)  # fmt: skip
    zendesk_http.get(ZENDESK_TICKET, json=body, match=INCLUDE)

    values = zendesk_cases.make_desk(limiter, clock).sla_values("35436")

    assert [DeskSlaValue("reply_time", 1800.0, 3300.0, -1500.0, True, _at(8, 30), False)] == values


def test_zendesk_sla_never_calls_the_undocumented_metric_events_path(
    zendesk_http: responses.RequestsMock, limiter: Any, clock: Any
) -> None:
    """/tickets/{id}/metric_events is not in Zendesk's reference; the side-load is."""
    zendesk_http.get(ZENDESK_TICKET, json={"ticket": {"id": 35436}}, match=INCLUDE)

    assert [] == zendesk_cases.make_desk(limiter, clock).sla_values("35436")
    assert all("metric_events.json" not in str(c.request.url) for c in zendesk_http.calls)


@pytest.mark.parametrize(
    ("status", "headers", "error"),
    [(404, {}, NotFoundError), (429, {"Retry-After": "45"}, RateLimitedError)],
    ids=["404", "429"],
)
def test_zendesk_sla_errors_are_classified(
    http: responses.RequestsMock,
    limiter: Any,
    clock: Any,
    status: int,
    headers: dict[str, str],
    error: type[Exception],
) -> None:
    """An unknown ticket is NotFound; a long Retry-After is raised, not slept."""
    http.get(ZENDESK_TICKET, status=status, headers=headers, json={"error": "RecordNotFound"})

    with pytest.raises(error):
        zendesk_cases.make_desk(limiter, clock).sla_values("35436")
    assert [] == clock.sleeps


def test_zendesk_sla_key_must_be_numeric(
    http: responses.RequestsMock, limiter: Any, clock: Any
) -> None:
    """No HTTP call for a key that is not a Zendesk ticket id."""
    with pytest.raises(RejectedError, match="numeric"):
        zendesk_cases.make_desk(limiter, clock).sla_values("IT-7")
