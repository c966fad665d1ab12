"""
The name of every actor deskpilot declares: ``Runtime.send`` takes one of these, so a message to
an actor that does not exist fails type-checking instead of being dropped at run time.
"""

from __future__ import annotations

import enum

__all__ = ["ActorName"]


class ActorName(enum.StrEnum):
    """A Dramatiq actor's name; the value is the name the broker and the sweeper's counts use."""

    INGEST = "ingest"
    UPDATE_SLA = "update_sla"
    PROCESS_TICKET = "process_ticket"
    HANDLE_COMMENTS = "handle_comments"
    APPLY_RUN = "apply_run"
    WRITEBACK = "writeback"
    WRITEBACK_TICKET = "writeback_ticket"
    SWEEP = "sweep"
    FIRE_TIMERS = "fire_timers"
    POLL_DESK = "poll_desk"
    POST_DIGEST = "post_digest"
    RECONCILE_DESK = "reconcile_desk"
    LICENCES = "licences"
