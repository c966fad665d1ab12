"""
Sending a queued ``notify`` writeback: the outbox row names the SLA policy and its breach action;
the webhook URL (which may carry a token) is read from the configuration at send time, so it is
never stored in the outbox or exported with a ticket's evidence.
"""

from __future__ import annotations

import json

from connectors.errors import RejectedError
from worker.runtime import Runtime

__all__ = ["send_notification"]


def send_notification(rt: Runtime, body: str, marker: str) -> None:
    """
    Deliver one queued notification through ``rt.notifier``, keyed by the row's ``marker``.

    Raises:
        RejectedError: the policy or its ``notify`` action is no longer configured.
        TransientError: the receiver is unreachable or said "later" (the row is retried).
    """
    message = json.loads(body)
    policy = next((p for p in rt.sla_definitions().policies if p.name == message["policy"]), None)
    actions = policy.on_breach if policy is not None else ()
    index = int(message["action"])
    action = actions[index] if 0 <= index < len(actions) else None
    if action is None or action.action != "notify" or not action.url:
        raise RejectedError(
            f"breach action {index} of SLA policy {message['policy']!r} is no longer a notify",
            system="notify",
        )
    rt.notifier.notify(action.url, message["payload"], idempotency_key=marker)
