"""Feed rules: normalised ticket events become the right clock events and figures per metric."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta

import pytest

from intake.model import Comment, EventKind, Person, Priority, StatusCategory, TicketEvent
from sla.clock import ClockResult, Stage
from sla.config import SlaSettings
from sla.definition import compile_sla
from sla.feed import evaluate_ticket, waiting_breakdown

T0 = datetime(2025, 6, 2, 8, tzinfo=UTC)  # a Monday
AGENT = Person("a1", is_agent=True)
REQUESTER = Person("r1", is_agent=False)
BOT = Person("deskpilot", is_agent=True)

SETTINGS = SlaSettings.model_validate(
    {
        "calendars": {
            "utc": {
                "timezone": "UTC",
                "weekly": {
                    d: [["00:00", "24:00"]]
                    for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
                },
            }
        },
        "default_calendar": "utc",
        "metrics": {
            "first_response": {},
            "resolution": {},
            "next_reply": {},
            "periodic_update": {},
            "requester_wait": {},
            "agent_work": {},
            "bot_blind_first_response": {
                "kind": "first_response",
                "count_automation_replies": False,
            },
        },
        "policies": [
            {
                "name": "urgent",
                "match": {"priority": ["urgent"]},
                "goals": {"resolution": {"goal": "2h"}},
            },
            {
                "name": "default",
                "goals": {
                    m: {"goal": "4h"}
                    for m in (
                        "first_response",
                        "resolution",
                        "next_reply",
                        "periodic_update",
                        "requester_wait",
                        "agent_work",
                        "bot_blind_first_response",
                    )
                },
            },
        ],
    }
)
DEFS = compile_sla(SETTINGS)


def at(hours: float) -> datetime:
    return T0 + timedelta(hours=hours)


def created(
    status: StatusCategory = StatusCategory.NEW, priority: Priority = Priority.NORMAL
) -> TicketEvent:
    return TicketEvent(EventKind.CREATED, T0, "c", status=status, priority=priority)


def status(hours: float, value: StatusCategory) -> TicketEvent:
    return TicketEvent(EventKind.STATUS, at(hours), f"s{hours}", status=value)


def comment(hours: float, who: Person, public: bool = True) -> TicketEvent:
    return TicketEvent(
        EventKind.COMMENT, at(hours), f"m{hours}", comment=Comment(f"m{hours}", "text", public, who)
    )


def clocks(
    events: list[TicketEvent], now_h: float, bots: frozenset[str] = frozenset({"deskpilot"})
) -> Mapping[str, ClockResult]:
    return evaluate_ticket(DEFS, "jira-it", None, events, at(now_h), automation_ids=bots)


def test_first_response_stops_on_first_public_agent_comment_only() -> None:
    """Internal notes and requester comments do not answer the requester."""
    events = [
        created(),
        comment(0.5, AGENT, public=False),
        comment(1, REQUESTER),
        comment(1.5, AGENT),
        comment(3, AGENT),
    ]

    result = clocks(events, 5)["first_response"]

    assert (
        result.stage,
        result.cycles[-1].business_elapsed_seconds,
        len(result.cycles),
    ) == (Stage.COMPLETED, 5400.0, 1)


@pytest.mark.parametrize(
    ("metric", "elapsed"),
    [("first_response", 3600.0), ("bot_blind_first_response", 7200.0)],
    ids=["deskpilot-reply-counts", "bot-replies-ignored"],
)
def test_automation_replies_count_unless_configured_not_to(metric: str, elapsed: float) -> None:
    """deskpilot's own public reply answers the requester unless the metric says otherwise."""
    events = [created(), comment(1, BOT), comment(2, AGENT)]

    assert elapsed == clocks(events, 5)[metric].cycles[-1].business_elapsed_seconds


def test_resolution_pauses_while_pending_and_opens_a_cycle_on_reopen() -> None:
    """Pending requester/approval pause; resolved stops; reopening starts cycle 2."""
    events = [
        created(),
        status(1, StatusCategory.PENDING_APPROVAL),
        status(2, StatusCategory.IN_PROGRESS),
        status(3, StatusCategory.PENDING_REQUESTER),
        status(4, StatusCategory.OPEN),
        status(5, StatusCategory.RESOLVED),
        status(7, StatusCategory.OPEN),
    ]

    result = clocks(events, 8)["resolution"]

    assert [
        (c.stage, c.business_elapsed_seconds, c.business_pause_seconds) for c in result.cycles
    ] == [(Stage.COMPLETED, 10800.0, 7200.0), (Stage.RUNNING, 3600.0, 0.0)]


def test_requester_wait_and_agent_work_pause_differently() -> None:
    """Requester wait counts on-hold; agent work pauses on it."""
    events = [
        created(),
        status(1, StatusCategory.PENDING_OTHER),
        status(3, StatusCategory.OPEN),
        status(4, StatusCategory.RESOLVED),
    ]

    result = clocks(events, 6)

    assert (
        result["requester_wait"].cycles[-1].business_elapsed_seconds,
        result["agent_work"].cycles[-1].business_elapsed_seconds,
    ) == (14400.0, 7200.0)


def test_next_reply_measures_from_oldest_unanswered_and_periodic_update_resets() -> None:
    """Next reply: from the first unanswered requester comment; periodic: between agent replies."""
    events = [
        created(),
        comment(1, AGENT),
        comment(2, REQUESTER),
        comment(2.5, REQUESTER),
        comment(3.75, AGENT),
        comment(8, AGENT),
    ]

    result = clocks(events, 9)

    assert [c.business_elapsed_seconds for c in result["next_reply"].cycles] == [6300.0]
    assert [c.business_elapsed_seconds for c in result["periodic_update"].cycles] == [
        9900.0,
        15300.0,
        3600.0,
    ]
    assert [c.breached for c in result["periodic_update"].cycles] == [False, True, False]


def test_priority_change_retargets_keeping_elapsed() -> None:
    """Going urgent (2 h policy) after 3 h is breached at once, with breach_at in the past."""
    events = [created(), TicketEvent(EventKind.PRIORITY, at(3), "p", priority=Priority.URGENT)]

    result = clocks(events, 3.5)["resolution"]

    assert (7200.0, True, at(2)) == (
        result.cycles[-1].goal_seconds,
        result.breached,
        result.breach_at,
    )


def test_duplicate_and_out_of_order_ticket_events_are_harmless() -> None:
    """The same events delivered twice and shuffled give the same clocks."""
    events = [
        created(),
        status(1, StatusCategory.PENDING_REQUESTER),
        status(2, StatusCategory.OPEN),
        comment(2.5, AGENT),
    ]
    messy = [events[3], events[1], events[0], events[1], events[2], events[3]]

    assert clocks(events, 4)["resolution"].cycles == clocks(messy, 4)["resolution"].cycles


def test_waiting_breakdown_splits_time_by_party() -> None:
    """Requester, approver, deskpilot (assigned to it) and agent time add up to the open time."""
    events = [
        created(StatusCategory.OPEN),
        TicketEvent(EventKind.ASSIGNEE, at(1), "as1", assignee=BOT),
        status(2, StatusCategory.PENDING_APPROVAL),
        status(5, StatusCategory.IN_PROGRESS),
        TicketEvent(EventKind.ASSIGNEE, at(6), "as2", assignee=AGENT),
        status(7, StatusCategory.PENDING_REQUESTER),
        status(7.5, StatusCategory.OPEN),
        status(8, StatusCategory.RESOLVED),
    ]

    got = waiting_breakdown(events, at(20), automation_ids=frozenset({"deskpilot"}))

    assert (
        got.requester_seconds,
        got.approver_seconds,
        got.system_seconds,
        got.agent_seconds,
        got.third_party_seconds,
    ) == (1800.0, 10800.0, 7200.0, 7200.0 + 1800.0, 0.0)
    assert got.total_seconds == 8 * 3600.0


TWO_CLOCKS = compile_sla(
    SlaSettings.model_validate(
        {
            "calendars": {
                "ny8to5": {
                    "timezone": "America/New_York",
                    "weekly": {
                        d: [["08:00", "17:00"]] for d in ("mon", "tue", "wed", "thu", "fri")
                    },
                }
            },
            "default_calendar": "ny8to5",
            "metrics": {"resolution": {}},
            "policies": [
                {
                    "name": "urgent",
                    "match": {"priority": ["urgent"]},
                    "goals": {"resolution": {"goal": "4h", "clock": "calendar"}},
                },
                {"name": "normal", "goals": {"resolution": {"goal": "8h"}}},
            ],
        }
    )
)


@pytest.mark.parametrize(
    ("first", "then", "now", "elapsed_h", "breach_at", "breached"),
    [
        (Priority.NORMAL, Priority.URGENT, datetime(2025, 12, 13, 5, tzinfo=UTC), 8.0,
         datetime(2025, 12, 13, 1, tzinfo=UTC), True),
        (Priority.URGENT, Priority.NORMAL, datetime(2025, 12, 16, 14, tzinfo=UTC), 1.0,
         datetime(2025, 12, 16, 21, tzinfo=UTC), False),
    ],
    ids=["business-to-24x7", "24x7-to-business"],
)  # fmt: skip
def test_priority_change_retargets_to_the_new_policys_calendar(
    first: Priority,
    then: Priority,
    now: datetime,
    elapsed_h: float,
    breach_at: datetime,
    breached: bool,
) -> None:
    """Raised to urgent on a Friday evening: counted 24x7 (breaches overnight); lowered to normal:
    counted in business hours (no false breach overnight)."""
    start = (
        datetime(2025, 12, 12, 21, tzinfo=UTC)
        if first is Priority.NORMAL
        else datetime(2025, 12, 15, 22, tzinfo=UTC)
    )
    events = [
        TicketEvent(EventKind.CREATED, start, "c", status=StatusCategory.NEW, priority=first),
        TicketEvent(EventKind.PRIORITY, start + timedelta(minutes=30), "p", priority=then),
    ]

    clock = evaluate_ticket(TWO_CLOCKS, "zendesk-it", None, events, now)["resolution"]

    assert clock.last is not None
    assert (clock.last.business_elapsed_seconds, clock.breach_at, clock.breached) == (
        elapsed_h * 3600,
        breach_at,
        breached,
    )


def test_first_reply_on_an_agent_created_ticket_waits_for_the_requester() -> None:
    """An agent opened it (phone): its opening comment and a follow-up before the requester spoke
    are not the first reply; the agent's first public comment after the requester's is."""
    opening = TicketEvent(
        EventKind.COMMENT, T0, "m0", seq=1, comment=Comment("m0", "called in", True, AGENT)
    )
    events = [created(), opening, comment(1, AGENT), comment(2, REQUESTER), comment(3, AGENT)]

    first = clocks(events, 5)["first_response"]

    assert first.last is not None
    assert (first.stage, first.last.stopped_at) == (Stage.COMPLETED, at(3))
