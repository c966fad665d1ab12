"""
Compiled SLA definitions: metrics with their conditions, goal policies, calendars.

Conditions are *triggers* (something happened in an update) or *states* (``pause_while``: the
ticket's status category). Trigger vocabulary, on normalised ``TicketEvent``s:

* ``created``; ``reopened`` (a done status becomes a not-done one); ``status:<category>``
  (entered that ``StatusCategory``);
* ``comment:public_agent``, ``comment:public_requester``, ``comment:internal``;
* ``comment:public_agent_reply``: a public agent comment that answers the requester. On a ticket
  an agent opened (phone, on behalf: an agent's public comment at the creation instant) that is
  only a public agent comment *after the requester's first public comment* (Zendesk's first
  reply time); on any other ticket it is every public agent comment;
* ``assigned`` (from nobody), ``unassigned``, ``assignee_changed``; ``priority_changed``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from intake.model import Priority, StatusCategory
from sla.calendar import Calendar, HolidaySource, make_calendar
from sla.check import check_sla_settings
from sla.clock import CyclePolicy, GoalChange
from sla.config import (
    CalendarSettings,
    HolidaySettings,
    MetricKind,
    MetricSettings,
    SlaSettings,
    parse_goal_duration,
)
from sla.metric import effective_metrics, metric_kind, metric_setting
from sla.timer import Threshold


class SlaConfigError(ValueError):
    """The SLA settings are invalid; ``problems`` lists each one with its location."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class MetricDefinition:
    """One metric's clock behaviour."""

    name: str
    kind: MetricKind
    start: frozenset[str]
    stop: frozenset[str]
    pause_while: frozenset[StatusCategory]
    resume: frozenset[str]
    cancel: frozenset[str]
    reset: frozenset[str]
    cycles: CyclePolicy
    goal_change: GoalChange
    count_automation_replies: bool = True


@dataclass(frozen=True)
class Goal:
    """A metric's target under a policy; ``calendar`` is None for a calendar-hours clock."""

    metric: str
    seconds: float
    clock: str
    calendar: Calendar | None


@dataclass(frozen=True)
class BreachAction:
    """A declared breach action (``internal_note``, ``priority_bump``, ``reassign``, ``notify``)."""

    action: str
    note: str | None = None
    team: str | None = None
    url: str | None = None


@dataclass(frozen=True)
class Routing:
    """Who a ticket is for and where it sits, for policies that match on them."""

    organisation: str | None = None
    group: str | None = None
    customer: frozenset[str] = frozenset()
    """The requester's e-mail address (lower case) and desk id, whichever are known."""

    @classmethod
    def of(
        cls, *, organisation: str | None, group: str | None, customer: Iterable[str | None]
    ) -> Routing:
        """A routing from raw desk values (the customer's identifiers compared in lower case)."""
        return cls(organisation, group, frozenset(c.lower() for c in customer if c))


NO_ROUTING = Routing()


@dataclass(frozen=True)
class Policy:
    """Goals for matching tickets (empty match sets match anything)."""

    name: str
    desks: frozenset[str]
    intents: frozenset[str]
    priorities: frozenset[Priority]
    goals: tuple[Goal, ...]
    thresholds: tuple[Threshold, ...]
    on_breach: tuple[BreachAction, ...]
    organisations: frozenset[str] = frozenset()
    groups: frozenset[str] = frozenset()
    customers: frozenset[str] = frozenset()
    """Lower case."""

    def matches(
        self,
        desk: str,
        intent: str | None,
        priority: Priority | None,
        routing: Routing = NO_ROUTING,
    ) -> bool:
        """Whether a ticket of this desk, intent, priority and routing falls under the policy."""
        return (
            (not self.desks or desk in self.desks)
            and (not self.intents or intent in self.intents)
            and (not self.priorities or priority in self.priorities)
            and (not self.organisations or routing.organisation in self.organisations)
            and (not self.groups or routing.group in self.groups)
            and (not self.customers or bool(self.customers & routing.customer))
        )

    def goal(self, metric: str) -> Goal | None:
        """The goal for ``metric``, if this policy sets one."""
        return next((g for g in self.goals if g.metric == metric), None)


@dataclass(frozen=True)
class SlaDefinitions:
    """Everything the engine needs from the ``sla:`` section."""

    calendars: Mapping[str, Calendar]
    metrics: tuple[MetricDefinition, ...]
    policies: tuple[Policy, ...]

    def select_policy(
        self,
        desk: str,
        intent: str | None,
        priority: Priority | None,
        routing: Routing = NO_ROUTING,
    ) -> Policy | None:
        """
        The first policy matching the ticket (first match wins), or None.

        Args:
            desk: configured desk name.
            intent: classified intent, if any.
            priority: current priority.
            routing: the requester's organisation, the ticket's group, the customer.
        """
        return next((p for p in self.policies if p.matches(desk, intent, priority, routing)), None)


def holiday_source(value: HolidaySettings | Sequence[date]) -> HolidaySource:
    """Turn holiday settings (or a plain list of dates) into a ``HolidaySource``."""
    if isinstance(value, HolidaySettings):
        return HolidaySource(value.country, value.subdivision, frozenset(value.dates))
    return HolidaySource(dates=frozenset(value))


def build_calendar(name: str, settings: CalendarSettings) -> Calendar:
    """
    Build one calendar from its settings.

    Args:
        name: the calendar's name.
        settings: its settings.

    Raises:
        CalendarError: a window or label is malformed.
    """
    versions = [
        (v.effective_from, v.weekly, None if v.holidays is None else holiday_source(v.holidays))
        for v in settings.versions
    ]
    return make_calendar(
        name, settings.timezone, settings.weekly, holiday_source(settings.holidays), versions
    )


def _metric(name: str, settings: MetricSettings) -> MetricDefinition:
    def triggers(field: str) -> frozenset[str]:
        return frozenset(metric_setting(name, settings, field) or ())

    kind = metric_kind(name, settings)
    assert kind is not None
    return MetricDefinition(
        name=name,
        kind=kind,
        start=triggers("start"),
        stop=triggers("stop"),
        pause_while=frozenset(StatusCategory(s) for s in triggers("pause_while")),
        resume=triggers("resume"),
        cancel=triggers("cancel"),
        reset=triggers("reset"),
        cycles=CyclePolicy(str(metric_setting(name, settings, "cycles"))),
        goal_change=GoalChange(settings.goal_change),
        count_automation_replies=settings.count_automation_replies,
    )


def _threshold(percent: float | None, time_left: int | str | None) -> Threshold:
    if percent is not None:
        return Threshold(percent=percent)
    assert time_left is not None
    return Threshold(time_left_seconds=parse_goal_duration(time_left))


def compile_sla(settings: SlaSettings) -> SlaDefinitions:
    """
    Check the settings and compile them into definitions.

    Args:
        settings: the validated ``sla:`` section.

    Raises:
        SlaConfigError: with every problem ``check_sla_settings`` finds.
    """
    problems = check_sla_settings(settings)
    if problems:
        raise SlaConfigError(problems)
    calendars = {name: build_calendar(name, c) for name, c in settings.calendars.items()}
    metrics = tuple(_metric(n, m) for n, m in effective_metrics(settings).items())
    policies = []
    for policy in settings.policies:
        goals = tuple(
            Goal(
                metric=metric,
                seconds=parse_goal_duration(g.goal),
                clock=g.clock,
                calendar=calendars[g.calendar or settings.default_calendar or ""]
                if g.clock == "business"
                else None,
            )
            for metric, g in policy.goals.items()
        )
        risk = policy.at_risk if policy.at_risk is not None else settings.at_risk
        policies.append(
            Policy(
                name=policy.name,
                desks=frozenset(policy.match.desk),
                intents=frozenset(policy.match.intent),
                priorities=frozenset(policy.match.priority),
                goals=goals,
                thresholds=tuple(_threshold(r.percent, r.time_left) for r in risk),
                on_breach=tuple(
                    BreachAction(a.action, a.note, a.team, a.url) for a in policy.on_breach
                ),
                organisations=frozenset(policy.match.organisation),
                groups=frozenset(policy.match.group),
                customers=frozenset(c.lower() for c in policy.match.customer),
            )
        )
    return SlaDefinitions(calendars, metrics, tuple(policies))
