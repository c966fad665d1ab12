"""
When a campaign nudges its reviewers: pure functions of its start and the clock.

Reminders go out at 50 % of the window, 3 days and 1 day before the due date (a reminder that
would fall before the start, or on another's time, is dropped); at the due date the reviews
still open are escalated to the fallback reviewers, and ``escalation_days`` later the campaign
closes (undecided items then follow the no-response policy).
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass
from typing import Literal

from playbooks.reviews.campaign import Campaign, Recurrence

NudgeKind = Literal["reminder", "escalate", "close"]
REMINDER_BEFORE_DUE = (dt.timedelta(days=3), dt.timedelta(days=1))


@dataclass(frozen=True)
class Nudge:
    """One thing a campaign does at a time."""

    name: str
    """Unique within the campaign (``reminder-50pct``, ``reminder-3d``, ``escalate``, ``close``)."""
    kind: NudgeKind
    at: dt.datetime


def due_date(start: dt.datetime, window_days: int) -> dt.datetime:
    """When the reviews are due."""
    return start + dt.timedelta(days=window_days)


def nudges(start: dt.datetime, window_days: int, escalation_days: int) -> tuple[Nudge, ...]:
    """Every nudge of a campaign started at ``start``, in time order."""
    due = due_date(start, window_days)
    reminders = [("reminder-50pct", start + (due - start) / 2)]
    reminders += [(f"reminder-{d.days}d", due - d) for d in REMINDER_BEFORE_DUE]
    seen: set[dt.datetime] = set()
    found: list[Nudge] = []
    for name, at in sorted(reminders, key=lambda r: r[1]):
        if start < at < due and at not in seen:
            seen.add(at)
            found.append(Nudge(name, "reminder", at))
    found.append(Nudge("escalate", "escalate", due))
    found.append(Nudge("close", "close", due + dt.timedelta(days=escalation_days)))
    return tuple(found)


def campaign_nudges(campaign: Campaign, start: dt.datetime) -> tuple[Nudge, ...]:
    """``nudges`` with the campaign's window and escalation grace."""
    return nudges(start, campaign.window_days, campaign.escalation_days)


def due_now(
    planned: tuple[Nudge, ...], now: dt.datetime, done: Collection[str]
) -> tuple[Nudge, ...]:
    """The nudges whose time has come and that have not been done yet, in order."""
    return tuple(n for n in planned if n.at <= now and n.name not in done)


def next_start(start: dt.datetime, recurrence: Recurrence) -> dt.datetime:
    """When a recurring campaign started at ``start`` starts again (months keep the day, or
    the month's last day when it is shorter)."""
    if recurrence.unit == "days":
        return start + dt.timedelta(days=recurrence.every)
    if recurrence.unit == "weeks":
        return start + dt.timedelta(weeks=recurrence.every)
    months = start.month - 1 + recurrence.every
    year, month = start.year + months // 12, months % 12 + 1
    day = min(start.day, calendar.monthrange(year, month)[1])
    return start.replace(year=year, month=month, day=day)


def overdue(due: dt.datetime, now: dt.datetime, open_items: int) -> int:
    """How many items are overdue now (the open ones, once the due date passed)."""
    return open_items if now >= due else 0
