"""
What a breached clock does, decided without I/O: the priority one step up, and the message a
``notify`` action sends.

The shell queues each result in the outbox, once per breach, and a connector delivers it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from intake.model import Priority

__all__ = ["PRIORITY_STEPS", "bumped_priority", "notify_payload"]

PRIORITY_STEPS = (Priority.LOW, Priority.NORMAL, Priority.HIGH, Priority.URGENT)
"""From least to most urgent."""


def bumped_priority(priority: str | None) -> Priority | None:
    """
    The priority one step up from ``priority``; None when it is already urgent or unknown.

    Args:
        priority: the ticket's priority in deskpilot's vocabulary.
    """
    if priority not in PRIORITY_STEPS[:-1]:
        return None
    return PRIORITY_STEPS[PRIORITY_STEPS.index(Priority(priority)) + 1]


def notify_payload(
    *, desk: str, ticket: str, url: str | None, metric: str, breach_at: dt.datetime | None
) -> Mapping[str, str | None]:
    """
    The JSON a ``notify`` breach action posts to its webhook.

    Args:
        desk: the desk's configured name.
        ticket: the ticket's key in the desk.
        url: the ticket's link in the desk, if known.
        metric: the breached metric.
        breach_at: when the goal was missed.
    """
    return {
        "event": "sla.breached",
        "desk": desk,
        "ticket": ticket,
        "url": url,
        "metric": metric,
        "breach_at": breach_at.isoformat() if breach_at else None,
    }
