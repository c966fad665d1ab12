"""
The ``sla:`` section of the configuration file (pydantic), and its compilation into definitions.

The models only check shapes (types, unknown keys), so a file with several mistakes still loads
far enough for ``check_sla_settings`` (``sla.check``) to report every problem with its location.
``compile_sla`` turns checked settings into the frozen definitions the engine uses.
"""

from __future__ import annotations

import enum
import re
from datetime import date
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field
from pydantic import Strict as StrictType

from intake.model import Priority

_DURATION = re.compile(
    r"^\s*(\d+(?:\.\d+)?)\s*(s|sec|m|min|h|hr|hours?|d|days?|w|weeks?)\s*$", re.I
)
_UNIT_SECONDS = {
    "s": 1,
    "sec": 1,
    "m": 60,
    "min": 60,
    "h": 3600,
    "hr": 3600,
    "d": 86400,
    "w": 604800,
}


class Strict(BaseModel):
    """Base for SLA config models: unknown keys are errors, values are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class MetricKind(enum.StrEnum):
    """The metrics deskpilot measures (Zendesk-style)."""

    FIRST_RESPONSE = "first_response"
    RESOLUTION = "resolution"
    NEXT_REPLY = "next_reply"
    PERIODIC_UPDATE = "periodic_update"
    REQUESTER_WAIT = "requester_wait"
    AGENT_WORK = "agent_work"


class HolidaySettings(Strict):
    """Closed dates: a country's (and region's) public holidays plus your own dates."""

    country: str | None = None
    """ISO 3166 code known to the ``holidays`` package (``US``, ``GB``, ``DE``)."""
    subdivision: str | None = None
    """Region code of that country (``NY``, ``ENG``, ``BY``)."""
    dates: list[date] = Field(default_factory=list)


Weekly = dict[str, list[tuple[str, str]]]


class CalendarVersionSettings(Strict):
    """A later version of a calendar, used for local dates from ``effective_from`` on."""

    effective_from: date
    weekly: Weekly
    holidays: HolidaySettings | list[date] | None = None
    """None keeps the previous version's holidays."""


class CalendarSettings(Strict):
    """A business calendar (also the vectors' calendar format)."""

    timezone: str
    weekly: Weekly = Field(default_factory=dict)
    """``{mon: [["09:00", "12:00"], ["13:00", "17:00"]], fri: [["22:00", "06:00+1"]]}``."""
    holidays: HolidaySettings | list[date] = Field(default_factory=HolidaySettings)
    versions: list[CalendarVersionSettings] = Field(default_factory=list)


class MetricSettings(Strict):
    """How one metric's clock starts, pauses and stops; unset fields use the kind's defaults."""

    kind: MetricKind | None = None
    """Defaults to the metric's name when that is a kind (``first_response``...)."""
    start: list[str] | None = None
    stop: list[str] | None = None
    pause_while: list[str] | None = None
    """Status categories in which the clock is paused (``pending_requester``...)."""
    resume: list[str] | None = None
    """Triggers that resume; empty = resume as soon as the status leaves ``pause_while``."""
    cancel: list[str] | None = None
    reset: list[str] | None = None
    cycles: Literal["first_only", "every"] | None = None
    goal_change: Literal["retarget_keep_elapsed", "cancel_and_reattach"] = "retarget_keep_elapsed"
    count_automation_replies: bool = True
    """Whether deskpilot's own public replies count as an agent reply (Zendesk's do not)."""


class MatchSettings(Strict):
    """Which tickets a policy applies to; an empty list matches anything."""

    desk: list[str] = Field(default_factory=list)
    intent: list[str] = Field(default_factory=list)
    priority: list[Priority] = Field(default_factory=list)
    organisation: list[str] = Field(default_factory=list)
    """The requester's organisation as the desk names it (Zendesk organization id, ServiceNow
    company, Salesforce account id)."""
    group: list[str] = Field(default_factory=list)
    """The ticket's group / assignment group / queue (as on the dashboard's teams)."""
    customer: list[str] = Field(default_factory=list)
    """The requester, by e-mail address (any case) or desk person id."""


class GoalSettings(Strict):
    """The target of one metric under a policy."""

    goal: int | str
    """Seconds, or ``30m``, ``4h``, ``2d`` (a day is 24 h of clock time, not a working day)."""
    clock: Literal["business", "calendar"] = "business"
    calendar: str | None = None
    """A name from ``sla.calendars``; defaults to ``sla.default_calendar``."""


class AtRiskSettings(Strict):
    """At-risk when at least ``percent`` of the goal is used, or at most ``time_left`` is left."""

    percent: Annotated[float, StrictType()] | None = None
    time_left: Annotated[int, StrictType()] | Annotated[str, StrictType()] | None = None


class BreachActionSettings(Strict):
    """What the worker does on a breach (declared here, executed by the worker)."""

    action: Literal["internal_note", "priority_bump", "reassign", "notify"]
    note: str | None = None
    team: str | None = None
    """For ``reassign``: the team (assignment group) to move the ticket to."""
    url: str | None = None
    """For ``notify``: the webhook URL that receives a JSON message."""


class PolicySettings(Strict):
    """Goals for the tickets a policy matches; policies are tried in order, first match wins."""

    name: str
    match: MatchSettings = Field(default_factory=MatchSettings)
    goals: dict[str, GoalSettings] = Field(default_factory=dict)
    at_risk: list[AtRiskSettings] | None = None
    """Defaults to ``sla.at_risk``."""
    on_breach: list[BreachActionSettings] = Field(default_factory=list)


def _default_at_risk() -> list[AtRiskSettings]:
    return [AtRiskSettings(percent=75), AtRiskSettings(time_left="30m")]


class SlaSettings(Strict):
    """The ``sla:`` section: calendars, metric behaviour and goal policies."""

    calendars: dict[str, CalendarSettings] = Field(default_factory=dict)
    default_calendar: str | None = None
    metrics: dict[str, MetricSettings] = Field(default_factory=dict)
    """Empty = the six built-in metrics with their default conditions."""
    policies: list[PolicySettings] = Field(default_factory=list)
    at_risk: list[AtRiskSettings] = Field(default_factory=_default_at_risk)


def parse_goal_duration(value: int | str) -> float:
    """
    Read a goal duration into seconds.

    Args:
        value: seconds (int) or text such as ``90s``, ``30m``, ``4h``, ``1.5h``, ``2d``, ``1w``.

    Raises:
        ValueError: unreadable or not positive.
    """
    if isinstance(value, int) and not isinstance(value, bool):
        seconds = float(value)
    else:
        match = _DURATION.match(str(value))
        if match is None:
            raise ValueError(f"cannot read duration {value!r} (try 90s, 30m, 4h, 2d)")
        unit = match.group(2).lower()
        unit = unit if unit in _UNIT_SECONDS else unit[0]
        seconds = float(match.group(1)) * _UNIT_SECONDS[unit]
    if seconds <= 0:
        raise ValueError(f"duration {value!r} must be longer than zero")
    return seconds
