"""
Who holds a claim, and whether the current attempt is the last one.

A row's claim (a ticket being processed, a run being applied, outbox rows being sent) records the
id of the Dramatiq message that took it. The same message takes the claim straight back: Dramatiq's
retry after a failed attempt, and Redis redelivering the messages of a worker that died, keep the
message id. So a failed attempt never has to write anything to the database (which may be what
just failed) for its retry to do the work, and a dead worker's tickets resume as soon as Redis
hands its messages out again; any other message still waits for the lease.
"""

from __future__ import annotations

import uuid

from dramatiq.middleware import CurrentMessage

from worker.queue.broker import MAX_RETRIES


def claim_token() -> str:
    """
    The id the current attempt claims rows under: its message's id, kept across retries and
    redeliveries. Outside a message (a direct call) a fresh id, so the call claims for itself.
    """
    message = CurrentMessage.get_current_message()
    return message.message_id if message is not None else uuid.uuid4().hex


def last_attempt() -> bool:
    """
    Whether the current message has spent its retries (a failure now is not retried).

    False outside a message: a direct call has no retries to spend.
    """
    message = CurrentMessage.get_current_message()
    if message is None:
        return False
    return int(message.options.get("retries", 0)) >= MAX_RETRIES


__all__ = ["claim_token", "last_attempt"]
