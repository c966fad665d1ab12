"""
The reset rate limit: which intents and step kinds count as resets, whether deciding a request
needs the requester's recent resets, and whether a plan would exceed the limit. Pure; the shell
reads the recent resets and ``playbooks.policy.decide`` weighs the result.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from playbooks.config import PolicySettings
from playbooks.planned import Plan
from playbooks.request import PlanRequest

__all__ = ["RESET_INTENTS", "RESET_KINDS", "counts_resets", "rate_problems"]

RESET_KINDS = frozenset({"send_password_reset", "set_one_time_password", "reset_mfa"})
"""The step kinds that count against a requester's reset rate limit."""
RESET_INTENTS = frozenset({"password_reset", "mfa_reset", "account_unlock"})
"""The intents whose earlier runs are a requester's recent resets (``rate_problems``)."""


def counts_resets(request: PlanRequest) -> bool:
    """
    Whether deciding ``request`` needs the requester's recent resets (the shell reads them).

    Args:
        request: the request being planned.
    """
    return request.requester is not None and request.intent in RESET_INTENTS


def rate_problems(
    plan: Plan, settings: PolicySettings, recent_resets: Sequence[datetime]
) -> list[str]:
    """
    Too many resets asked for by this requester within the window.

    Args:
        plan: whether it resets anything; its ``created_at`` is now.
        settings: the limit.
        recent_resets: the requester's earlier resets.
    """
    if not any(s.kind in RESET_KINDS for s in plan.steps):
        return []
    limit = settings.reset_rate_limit
    since = plan.created_at - timedelta(seconds=limit.window_s)
    count = sum(1 for at in recent_resets if since < at <= plan.created_at)
    if count >= limit.count:
        return [
            f"{count} resets already asked for in the last {limit.window}: a person must check this one"
        ]
    return []
