"""
From a ticket's normalised ``TicketEvent``s to clock events, per metric (research/sla.md §3.2).

Each desk update is one evaluation point. Triggers (``sla.definition``) fire on what the update
did; ``pause_while`` is a state: entering it pauses, leaving it resumes (or, when the metric has
``resume`` triggers, only those resume). A priority change that selects another policy's goal
becomes a ``retarget`` to that goal *and* its calendar and clock type (business or calendar
hours): the clock is re-measured as the new policy measures, never half on the old one.
``waiting_breakdown`` says on whom a ticket was waiting, automation included.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from intake.model import EventKind, Priority, StatusCategory, TicketEvent
from sla.calendar import Calendar, business_between
from sla.clock import (
    ClockEvent,
    ClockEventKind,
    ClockResult,
    ClockSpec,
    Retime,
    evaluate_clock,
)
from sla.cycle import utc
from sla.definition import NO_ROUTING, Goal, MetricDefinition, Policy, Routing, SlaDefinitions


@dataclass(frozen=True)
class MetricFeed:
    """The clock of one metric for one ticket: how it measures and what happened to it."""

    metric: MetricDefinition
    policy: Policy | None
    spec: ClockSpec
    events: tuple[ClockEvent, ...]


@dataclass
class _TicketState:
    status: StatusCategory | None = None
    priority: Priority | None = None
    assignee: str | None = None
    requester_spoke: bool = True
    """False from the start of a ticket an agent opened, until the requester comments in public."""


def ordered_updates(events: Iterable[TicketEvent]) -> list[list[TicketEvent]]:
    """
    Deduplicate by ``desk_event_id`` and group into desk updates by ``(at, seq)``.

    Args:
        events: the ticket's events in any order.
    """
    unique = {
        e.desk_event_id: e
        for e in sorted(events, key=lambda e: (utc(e.at), e.seq, e.desk_event_id))
    }
    updates: list[list[TicketEvent]] = []
    for event in sorted(unique.values(), key=lambda e: (utc(e.at), e.seq, e.desk_event_id)):
        if updates and (utc(updates[-1][0].at), updates[-1][0].seq) == (utc(event.at), event.seq):
            updates[-1].append(event)
        else:
            updates.append([event])
    return updates


def _is_agent(
    event: TicketEvent, automation_ids: frozenset[str], count_automation: bool
) -> bool | None:
    """True for an agent (or counted automation), False for a requester, None for ignored bots."""
    author = event.comment.author if event.comment else None
    if author is not None and author.id in automation_ids:
        return True if count_automation else None
    return bool(author and author.is_agent)


def _triggers(
    event: TicketEvent,
    state: _TicketState,
    metric: MetricDefinition,
    automation_ids: frozenset[str],
) -> set[str]:
    fired: set[str] = set()
    if event.kind is EventKind.CREATED:
        fired.add("created")
    if event.status is not None and event.status != state.status:
        fired.add(f"status:{event.status.value}")
        if state.status is not None and state.status.is_done and not event.status.is_done:
            fired.add("reopened")
    if event.kind is EventKind.COMMENT and event.comment is not None:
        agent = _is_agent(event, automation_ids, metric.count_automation_replies)
        if not event.comment.public:
            fired.add("comment:internal")
        elif agent is not None:
            fired.add("comment:public_agent" if agent else "comment:public_requester")
            if agent and state.requester_spoke:
                fired.add("comment:public_agent_reply")
    if event.kind is EventKind.ASSIGNEE:
        new = event.assignee.id if event.assignee else None
        fired.add("assignee_changed")
        fired.add(
            "assigned" if state.assignee is None and new else "unassigned" if new is None else ""
        )
    if event.kind is EventKind.PRIORITY:
        fired.add("priority_changed")
    fired.discard("")
    return fired


def opened_by_agent(updates: Sequence[list[TicketEvent]]) -> bool:
    """
    Whether an agent opened the ticket (phone, on behalf): the public comment made as it was
    created (its description) is an agent's, and the requester said nothing at that instant.

    Args:
        updates: ``ordered_updates`` of the ticket's events.
    """
    created = [utc(e.at) for u in updates for e in u if e.kind is EventKind.CREATED]
    if not created:
        return False
    opening = [
        e.comment.author
        for u in updates
        for e in u
        if e.comment is not None and e.comment.public and utc(e.at) == min(created)
    ]
    authors = [a for a in opening if a is not None]
    return bool(authors) and all(a.is_agent for a in authors)


def _advance(state: _TicketState, event: TicketEvent) -> None:
    comment = event.comment if event.kind is EventKind.COMMENT else None
    if comment is not None and comment.public and comment.author and not comment.author.is_agent:
        state.requester_spoke = True
    if event.status is not None:
        state.status = event.status
    if event.priority is not None:
        state.priority = event.priority
    if event.kind is EventKind.ASSIGNEE:
        state.assignee = event.assignee.id if event.assignee else None


def _clock_kinds(
    metric: MetricDefinition,
    fired: set[str],
    was: StatusCategory | None,
    now: StatusCategory | None,
) -> list[ClockEventKind]:
    kinds = [
        kind
        for kind, triggers in (
            (ClockEventKind.START, metric.start),
            (ClockEventKind.STOP, metric.stop),
            (ClockEventKind.CANCEL, metric.cancel),
            (ClockEventKind.RESET, metric.reset),
        )
        if fired & triggers
    ]
    pausing = now in metric.pause_while
    if pausing and (was not in metric.pause_while or ClockEventKind.START in kinds):
        kinds.append(ClockEventKind.PAUSE)
    elif (metric.resume and fired & metric.resume) or (
        not metric.resume and not pausing and was in metric.pause_while
    ):
        kinds.append(ClockEventKind.RESUME)
    return kinds


def _goal(
    defs: SlaDefinitions,
    metric: str,
    desk: str,
    intent: str | None,
    priority: Priority | None,
    routing: Routing,
) -> tuple[Policy | None, Goal | None]:
    policy = defs.select_policy(desk, intent, priority, routing)
    return policy, policy.goal(metric) if policy else None


def feed_metric(
    defs: SlaDefinitions,
    metric: MetricDefinition,
    desk: str,
    intent: str | None,
    events: Iterable[TicketEvent],
    *,
    automation_ids: frozenset[str] = frozenset(),
    updates: Sequence[list[TicketEvent]] | None = None,
    routing: Routing = NO_ROUTING,
) -> MetricFeed:
    """
    The clock events of one metric for one ticket.

    Args:
        defs: compiled SLA definitions (goal policies by desk / intent / priority).
        metric: the metric.
        desk: the ticket's desk name.
        intent: the ticket's classified intent, if any.
        events: the ticket's normalised events, any order, duplicates allowed.
        automation_ids: desk person ids of deskpilot's own account(s).
        updates: ``ordered_updates(events)`` when the caller has it already (one ticket's
            metrics share it).
        routing: organisation, group and customer, for policies that match on them.

    Returns:
        The metric's clock spec (goal and calendar of the policy matched at creation) and events;
        a priority change that selects another goal, calendar or clock type adds a ``retarget``
        carrying all three.
    """
    updates = ordered_updates(events) if updates is None else updates
    state, clock_events = _TicketState(requester_spoke=not opened_by_agent(updates)), []
    first_policy: Policy | None = None
    current: Goal | None = None
    for update in updates:
        was, fired = state.status, set[str]()
        for event in update:
            fired |= _triggers(event, state, metric, automation_ids)
            _advance(state, event)
        at, seq, ref = update[0].at, update[0].seq, update[0].desk_event_id
        policy, goal = _goal(defs, metric.name, desk, intent, state.priority, routing)
        first_policy = first_policy or policy
        kinds = _clock_kinds(metric, fired, was, state.status)
        if goal is not None and not _same_target(goal, current):
            if not (current is None and ClockEventKind.START in kinds):
                kinds.append(ClockEventKind.RETARGET)
            current = goal
        clock_events += [_clock_event(at, k, current, ref, seq) for k in kinds]
    return MetricFeed(metric, first_policy, _spec(metric, first_policy), tuple(clock_events))


def _same_target(goal: Goal, current: Goal | None) -> bool:
    return (
        current is not None
        and goal.seconds == current.seconds
        and goal.calendar is current.calendar
    )


def _clock_event(
    at: datetime, kind: ClockEventKind, target: Goal | None, ref: str, seq: int
) -> ClockEvent:
    if kind not in _GOAL_KINDS or target is None:
        return ClockEvent(at, kind, None, f"{ref}:{kind.value}", seq)
    return ClockEvent(
        at, kind, target.seconds, f"{ref}:{kind.value}", seq, retime=Retime(target.calendar)
    )


_GOAL_KINDS = frozenset({ClockEventKind.START, ClockEventKind.RETARGET, ClockEventKind.RESET})


def _spec(metric: MetricDefinition, policy: Policy | None) -> ClockSpec:
    goal = policy.goal(metric.name) if policy else None
    return ClockSpec(
        calendar=goal.calendar if goal else None,
        goal_seconds=goal.seconds if goal else None,
        cycles=metric.cycles,
        goal_change=metric.goal_change,
    )


def evaluate_ticket(
    defs: SlaDefinitions,
    desk: str,
    intent: str | None,
    events: Sequence[TicketEvent],
    now: datetime,
    *,
    automation_ids: frozenset[str] = frozenset(),
    skew_seconds: float = 0.0,
    routing: Routing = NO_ROUTING,
) -> Mapping[str, ClockResult]:
    """
    Every metric's clock for one ticket at ``now`` (worker clock).

    Args:
        defs: compiled SLA definitions.
        desk: the ticket's desk name.
        intent: the ticket's classified intent, if any.
        events: the ticket's normalised events.
        now: the worker's clock reading.
        automation_ids: desk person ids of deskpilot's own account(s).
        skew_seconds: worker clock minus desk clock.
        routing: organisation, group and customer, for policies that match on them.

    Returns:
        Metric name to its evaluated clock.
    """
    out: dict[str, ClockResult] = {}
    updates = ordered_updates(events)
    for metric in defs.metrics:
        feed = feed_metric(
            defs,
            metric,
            desk,
            intent,
            events,
            automation_ids=automation_ids,
            updates=updates,
            routing=routing,
        )
        out[metric.name] = evaluate_clock(feed.spec, feed.events, now, skew_seconds=skew_seconds)
    return out


@dataclass(frozen=True)
class Breakdown:
    """Seconds a ticket spent waiting on each party, from creation to resolution (or now)."""

    requester_seconds: float
    approver_seconds: float
    system_seconds: float
    """Assigned to deskpilot (automation working)."""
    agent_seconds: float
    third_party_seconds: float

    @property
    def total_seconds(self) -> float:
        """All waiting time."""
        return (
            self.requester_seconds
            + self.approver_seconds
            + self.system_seconds
            + self.agent_seconds
            + self.third_party_seconds
        )


def _party(state: _TicketState, automation_ids: frozenset[str]) -> str | None:
    status = state.status
    if status is None or status.is_done:
        return None
    if status is StatusCategory.PENDING_REQUESTER:
        return "requester"
    if status is StatusCategory.PENDING_APPROVAL:
        return "approver"
    if status is StatusCategory.PENDING_OTHER:
        return "third_party"
    return "system" if state.assignee in automation_ids else "agent"


def waiting_breakdown(
    events: Iterable[TicketEvent],
    now: datetime,
    *,
    automation_ids: frozenset[str] = frozenset(),
    calendar: Calendar | None = None,
) -> Breakdown:
    """
    On whom the ticket waited: requester, approver, deskpilot, an agent, or a third party.

    Args:
        events: the ticket's normalised events (any order, duplicates allowed).
        now: the end of the measurement for a ticket still open.
        automation_ids: desk person ids of deskpilot's own account(s): while one is the
            assignee of an open ticket, the wait counts as ``system``.
        calendar: measure business time on it instead of real time.
    """
    totals = dict.fromkeys(
        ("requester", "approver", "system", "agent", "third_party"), timedelta(0)
    )
    state, since, end = _TicketState(), None, utc(now)
    for update in ordered_updates(events):
        at = min(utc(update[0].at), end)
        party = _party(state, automation_ids)
        if party is not None and since is not None:
            totals[party] += business_between(calendar, since, at) if calendar else at - since
        for event in update:
            _advance(state, event)
        since = at
    party = _party(state, automation_ids)
    if party is not None and since is not None and since < end:
        totals[party] += business_between(calendar, since, end) if calendar else end - since
    return Breakdown(
        *(
            totals[k].total_seconds()
            for k in ("requester", "approver", "system", "agent", "third_party")
        )
    )
