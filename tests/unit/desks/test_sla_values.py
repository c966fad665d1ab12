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
from connectors.errors import NotFoundError, NotSupportedError, UnavailableError

from . import test_jira_desk as jira_cases
from . import test_salesforce_desk as salesforce_cases
from . import test_servicenow_desk as servicenow_cases
from . import test_zendesk_desk as zendesk_cases

JIRA_SLA = f"{jira_cases.BASE}/rest/servicedeskapi/request/IT-7/sla"
TASK_SLA = f"{servicenow_cases.BASE}/api/now/table/task_sla"
SYS_ID = "9d385017c611228701d22104cc95c371"


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


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda lim, clk: zendesk_cases.make_desk(lim, clk), "metric events"),
        (lambda lim, clk: salesforce_cases.make_desk(lim, clk), "milestones"),
    ],
    ids=["zendesk", "salesforce"],
)
def test_desks_without_readable_slas_say_so(
    http: responses.RequestsMock, limiter: Any, clock: Any, make: Any, message: str
) -> None:
    """No HTTP call; a NotSupportedError naming why."""
    with pytest.raises(NotSupportedError, match=message):
        make(limiter, clock).sla_values("42")


def test_memory_desk_returns_what_was_set() -> None:
    """set_sla_values is what sla_values answers; an unknown ticket in strict mode is NotFound."""
    desk = MemoryDesk("memory", strict=True)
    value = DeskSlaValue("Time to resolution", 3600.0, 60.0, 3540.0, False, None, False)
    desk.set_sla_values("T-1", [value])

    assert [value] == desk.sla_values("T-1")
    with pytest.raises(NotFoundError):
        desk.sla_values("T-2")
