"""
What review tickets say: the items a reviewer decides (pages of ``PAGE`` items: the first in the
ticket, the rest as comments), the commands, reminders, escalations and command results. Pure.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

PAGE = 100
"""Items per ticket description or comment: well inside every desk's comment limit."""


@dataclass(frozen=True)
class ListedItem:
    """One item as a reviewer sees it."""

    number: int
    subject: str
    """``login (Display Name)``."""
    entitlement: str
    recommendation: str | None
    recommendation_reason: str
    state: str = "pending"
    first: str | None = None
    """For the second level: the first reviewer's decision, ``revoke by boss: left``."""


def _line(item: ListedItem) -> str:
    hint = (
        f" · recommended: **{item.recommendation}** ({item.recommendation_reason})"
        if item.recommendation
        else f" · {item.recommendation_reason}"
    )
    first = f" · first level: {item.first}" if item.first else ""
    return f"- **#{item.number}** {item.subject}: {item.entitlement}{hint}{first}"


def pages(items: Sequence[ListedItem]) -> list[str]:
    """The item list in pages of ``PAGE`` lines."""
    lines = [_line(i) for i in sorted(items, key=lambda i: i.number)]
    return ["\n".join(lines[n : n + PAGE]) for n in range(0, len(lines), PAGE)] or [""]


def ticket_subject(title: str, reviewer: str, application: str, level: int) -> str:
    """``Access review: Finance Q4 — boss (Payroll)``."""
    app = f" ({application})" if application else ""
    second = " [second level]" if level == 2 else ""
    return f"Access review: {title} - {reviewer}{app}{second}"


def ticket_body(
    title: str,
    reviewer: str,
    due: dt.datetime,
    items: Sequence[ListedItem],
    *,
    level: int,
    no_response: str,
    more_pages: int,
) -> str:
    """The ticket's description: what to do, by when, the commands, and the first page of items."""
    who = "confirm (or overturn) the first-level decisions on" if level == 2 else "review"
    silence = {
        "keep": "are kept and flagged for follow-up",
        "revoke": "are **revoked**",
        "recommendation": "follow the recommendation shown",
    }[no_response]
    later = f"\n\nThe next {more_pages} page(s) of items follow as comments." if more_pages else ""
    return (
        f"{reviewer}, please {who} the {len(items)} access item(s) below for **{title}** "
        f"by **{due:%Y-%m-%d %H:%M} UTC**.\n\n"
        "Reply with one command per comment, at the start of a line:\n\n"
        "- `/keep 3 5-7` keeps the listed items\n"
        "- `/revoke 4 moved to another team` removes them (a reason is required)\n"
        "- `/keep-all` keeps every item still open for you here\n\n"
        f"Items left undecided when the campaign closes {silence}. Nobody decides their own "
        f"access: such items went to another reviewer.{later}\n\n"
        f"{pages(items)[0]}"
    )


def reminder(title: str, due: dt.datetime, open_items: Sequence[int], now: dt.datetime) -> str:
    """A reminder with what is still open."""
    left = due - now
    days = max(left.days, 0)
    when = (
        f"in {days} day(s)" if days else f"in {max(int(left.total_seconds() // 3600), 0)} hour(s)"
    )
    return (
        f"Reminder: {len(open_items)} item(s) of **{title}** still need your decision, due "
        f"{when} ({due:%Y-%m-%d %H:%M} UTC): {_numbers(open_items)}."
    )


def escalation(
    title: str, reviewer: str, fallback: Sequence[str], open_items: Sequence[int]
) -> str:
    """The note at the due date: who may now decide the open items."""
    return (
        f"**{title}** is due and {len(open_items)} item(s) assigned to {reviewer} are still "
        f"open ({_numbers(open_items)}). They are escalated: {', '.join(fallback)} may now "
        "decide them here too."
    )


def outcome(author: str, accepted: Sequence[str], refused: Sequence[str]) -> str:
    """The note answering a command: what was recorded and what was refused, and why."""
    parts = [
        f"{author}: recorded " + "; ".join(accepted) + "."
        if accepted
        else f"{author}: nothing recorded."
    ]
    if refused:
        parts.append("Not accepted:\n" + "\n".join(f"- {r}" for r in refused))
    return "\n\n".join(parts)


def _numbers(numbers: Sequence[int]) -> str:
    shown = ", ".join(f"#{n}" for n in sorted(numbers)[:50])
    return shown + (f" and {len(numbers) - 50} more" if len(numbers) > 50 else "")
