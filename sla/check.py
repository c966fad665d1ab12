"""
``check_sla_settings``: every problem in the ``sla:`` section, each with its location.

Problems read like ``sla.calendars.emea.weekly.mon[1]: window 12:00-11:00 is inverted`` (with an en dash) so an
admin can find the line; all are collected, none stops the others.
"""

from __future__ import annotations

import itertools
from datetime import date
from functools import lru_cache

import holidays as holidays_lib

from intake.model import StatusCategory
from sla.calendar import WEEKDAYS, CalendarError, parse_label
from sla.config import (
    AtRiskSettings,
    BreachActionSettings,
    CalendarSettings,
    GoalSettings,
    HolidaySettings,
    MetricSettings,
    SlaSettings,
    Weekly,
    parse_goal_duration,
)
from sla.metric import EVENT_TRIGGERS, effective_metrics, metric_kind, metric_setting
from sla.zone import zone_of

_DASH = "\u2013"  # an en dash, so a window reads as a time range
_STATUSES = frozenset(s.value for s in StatusCategory)
_TRIGGER_FIELDS = ("start", "stop", "resume", "cancel", "reset")
_Placed = tuple[int, int, str]  # start minute, end minute, "mon[1] 09:00-17:00"


def check_sla_settings(settings: SlaSettings, where: str = "sla") -> list[str]:
    """
    Find every problem in the SLA settings.

    Args:
        settings: the ``sla:`` section (shape already validated by pydantic).
        where: the section's location prefix in messages.

    Returns:
        One message per problem, ``<location>: <what is wrong>``; empty when all is well.
    """
    problems: list[str] = []
    for name, calendar in settings.calendars.items():
        problems += _check_calendar(f"{where}.calendars.{name}", calendar)
    if (
        settings.default_calendar is not None
        and settings.default_calendar not in settings.calendars
    ):
        problems.append(f"{where}.default_calendar: unknown calendar {settings.default_calendar!r}")
    metrics = effective_metrics(settings)
    for name, metric in metrics.items():
        problems += _check_metric(f"{where}.metrics.{name}", name, metric)
    problems += _check_thresholds(f"{where}.at_risk", settings.at_risk)
    names = [p.name for p in settings.policies]
    for i, policy in enumerate(settings.policies):
        at = f"{where}.policies[{i}]"
        if names.count(policy.name) > 1:
            problems.append(f"{at}.name: policy name {policy.name!r} is used more than once")
        for metric_name, goal in policy.goals.items():
            here = f"{at}.goals.{metric_name}"
            problems += _check_goal(here, metric_name, goal, settings, set(metrics))
        if policy.at_risk is not None:
            problems += _check_thresholds(f"{at}.at_risk", policy.at_risk)
        for j, action in enumerate(policy.on_breach):
            problems += _check_action(f"{at}.on_breach[{j}]", action)
    return problems


def sla_warnings(settings: SlaSettings, where: str = "sla") -> list[str]:
    """
    What is allowed but worth a second look: metrics whose policies measure on mixed calendars.

    A ticket whose priority (or routing) moves it to another policy is re-targeted to that
    policy's goal, calendar and clock type, and its clock re-measured from its start: moving
    between business and calendar hours can breach at once, or give back time already used.

    Args:
        settings: the ``sla:`` section.
        where: the section's location prefix in messages.
    """
    warnings: list[str] = []
    for metric in effective_metrics(settings):
        clocks: dict[str, list[str]] = {}
        for policy in settings.policies:
            goal = policy.goals.get(metric)
            if goal is not None:
                clocks.setdefault(_measured_on(goal, settings), []).append(policy.name)
        if len(clocks) > 1:
            mixed = "; ".join(f"{how}: {', '.join(names)}" for how, names in clocks.items())
            warnings.append(
                f"{where}.metrics.{metric}: policies measure it on different calendars ({mixed}); "
                "a ticket moved to another of these policies is re-measured from its start on "
                "the new one and may breach at once (docs/sla.md, Priority changes)"
            )
    return warnings


def _measured_on(goal: GoalSettings, settings: SlaSettings) -> str:
    if goal.clock == "calendar":
        return "calendar hours (24x7)"
    return f"business hours on {goal.calendar or settings.default_calendar!s}"


def _check_calendar(at: str, calendar: CalendarSettings) -> list[str]:
    problems: list[str] = []
    try:
        zone_of(calendar.timezone)
    except ValueError:
        problems.append(f"{at}.timezone: unknown time zone {calendar.timezone!r}")
    problems += _check_weekly(f"{at}.weekly", calendar.weekly)
    problems += _check_holidays(f"{at}.holidays", calendar.holidays)
    seen = set()
    for i, version in enumerate(calendar.versions):
        if version.effective_from in seen:
            problems.append(f"{at}.versions[{i}].effective_from: two versions start on that date")
        seen.add(version.effective_from)
        problems += _check_weekly(f"{at}.versions[{i}].weekly", version.weekly)
        if version.holidays is not None:
            problems += _check_holidays(f"{at}.versions[{i}].holidays", version.holidays)
    if not any(calendar.weekly.values()) and not any(
        any(v.weekly.values()) for v in calendar.versions
    ):
        problems.append(f"{at}.weekly: the calendar has no open window at all")
    return problems


def _check_weekly(at: str, weekly: Weekly) -> list[str]:
    problems: list[str] = []
    days: list[list[_Placed]] = [[] for _ in WEEKDAYS]
    for day, windows in weekly.items():
        if day not in WEEKDAYS:
            problems.append(f"{at}.{day}: not a weekday (use {', '.join(WEEKDAYS)})")
            continue
        index = WEEKDAYS.index(day)
        for i, (start, end) in enumerate(windows):
            placed, problem = _place(index, f"{day}[{i}]", start, end)
            if problem:
                problems.append(f"{at}.{day}[{i}]: {problem}")
            for target, piece in placed:
                days[target].append(piece)
    for index, pieces in enumerate(days):
        pieces.sort()
        for before, after in itertools.pairwise(pieces):
            if after[0] < before[1]:
                day = WEEKDAYS[index]
                problems.append(f"{at}.{day}: window {after[2]} overlaps {before[2]}")
    return problems


def _place(index: int, label: str, start: str, end: str) -> tuple[list[tuple[int, _Placed]], str]:
    """Place one window on the week (a night shift in two pieces), or say what is wrong."""
    try:
        (lo, lo_next), (hi, hi_next) = parse_label(start), parse_label(end)
    except CalendarError as exc:
        return [], str(exc)
    text = f"{label} {start}{_DASH}{end}"
    if lo_next or lo == 1440:
        return [], f"window {start}{_DASH}{end} must start before 24:00 of its day"
    if not hi_next:
        if hi <= lo:
            return [], f"window {start}{_DASH}{end} is inverted (write {end}+1 for a night shift)"
        return [(index, (lo, hi, text))], ""
    if hi == 0 or hi > lo:
        return [], f"night shift {start}{_DASH}{end} would overlap itself the next day"
    return [(index, (lo, 1440, text)), ((index + 1) % 7, (0, hi, text))], ""


@lru_cache(maxsize=1)
def _countries() -> dict[str, list[str]]:
    return {
        code: list(subdivisions)
        for code, subdivisions in holidays_lib.list_supported_countries().items()
    }


def _check_holidays(at: str, value: HolidaySettings | list[date]) -> list[str]:
    if not isinstance(value, HolidaySettings) or value.country is None:
        if isinstance(value, HolidaySettings) and value.subdivision is not None:
            return [f"{at}.subdivision: a subdivision needs a country"]
        return []
    known = _countries()
    if value.country not in known:
        return [f"{at}.country: the holidays package does not know country {value.country!r}"]
    if value.subdivision is not None and value.subdivision not in known[value.country]:
        return [
            f"{at}.subdivision: {value.country} has no subdivision {value.subdivision!r} "
            f"(known: {', '.join(known[value.country][:12])}...)"
        ]
    return []


def _check_trigger(at: str, trigger: str) -> list[str]:
    if trigger in EVENT_TRIGGERS:
        return []
    if trigger.startswith("status:"):
        status = trigger.removeprefix("status:")
        if status in _STATUSES:
            return []
        return [f"{at}: unknown status {status!r} (known: {', '.join(sorted(_STATUSES))})"]
    return [
        f"{at}: unknown condition {trigger!r} (known: {', '.join(sorted(EVENT_TRIGGERS))}, status:<category>)"
    ]


def _check_metric(at: str, name: str, metric: MetricSettings) -> list[str]:
    if metric_kind(name, metric) is None:
        return [
            f"{at}.kind: {name!r} is not a metric kind; set kind (first_response, resolution, ...)"
        ]
    problems: list[str] = []
    for field in _TRIGGER_FIELDS:
        for i, trigger in enumerate(metric_setting(name, metric, field) or ()):
            problems += _check_trigger(f"{at}.{field}[{i}]", trigger)
    for i, status in enumerate(metric_setting(name, metric, "pause_while") or ()):
        if status not in _STATUSES:
            problems.append(f"{at}.pause_while[{i}]: unknown status {status!r}")
    start = set(metric_setting(name, metric, "start") or ()) | set(
        metric_setting(name, metric, "reset") or ()
    )
    if not start:
        problems.append(f"{at}.start: the clock never starts (no start or reset condition)")
    return problems


def _check_goal(
    at: str, metric: str, goal: GoalSettings, settings: SlaSettings, metrics: set[str]
) -> list[str]:
    problems = (
        []
        if metric in metrics
        else [f"{at}: unknown metric {metric!r} (known: {', '.join(sorted(metrics))})"]
    )
    try:
        parse_goal_duration(goal.goal)
    except ValueError as exc:
        problems.append(f"{at}.goal: {exc}")
    if goal.clock == "business":
        calendar = goal.calendar or settings.default_calendar
        if calendar is None:
            problems.append(
                f"{at}.calendar: a business-hours goal needs a calendar (or sla.default_calendar)"
            )
        elif calendar not in settings.calendars:
            problems.append(f"{at}.calendar: unknown calendar {calendar!r}")
    return problems


def _check_thresholds(at: str, thresholds: list[AtRiskSettings]) -> list[str]:
    problems: list[str] = []
    for i, threshold in enumerate(thresholds):
        here = f"{at}[{i}]"
        if (threshold.percent is None) == (threshold.time_left is None):
            problems.append(f"{here}: set exactly one of percent or time_left")
        elif threshold.percent is not None and not 0 < threshold.percent < 100:
            problems.append(f"{here}.percent: {threshold.percent:g} is not between 0 and 100")
        elif threshold.time_left is not None:
            try:
                parse_goal_duration(threshold.time_left)
            except ValueError as exc:
                problems.append(f"{here}.time_left: {exc}")
    return problems


def _check_action(at: str, action: BreachActionSettings) -> list[str]:
    if action.action == "notify" and not (action.url or "").startswith(("https://", "http://")):
        return [f"{at}.url: notify needs an http(s) webhook URL"]
    if action.action == "reassign" and not action.team:
        return [f"{at}.team: reassign needs the team to move the ticket to"]
    return []
