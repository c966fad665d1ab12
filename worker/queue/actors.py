"""
The Dramatiq actors: thin wrappers that hand a row id to the pipeline function that owns it.

Queues are per workload (``intake``, ``playbooks``, ``writeback``, ``periodic``) so a burst of
webhooks never starves approvals or notes. Retries follow the broker's one rule
(``worker.queue.broker.should_retry``): transient errors only.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import dramatiq

from connectors.errors import RateLimitedError
from worker.clocks import reconcile, slaclock
from worker.inbound import ingest, poll
from worker.outbound import digest, writeback
from worker.queue import periodic, timers
from worker.queue.broker import MAX_RETRY_AFTER_MS
from worker.queue.names import ActorName
from worker.reports import licences
from worker.runs import commands, process
from worker.runs.apply import apply_run
from worker.runtime import Runtime

TIME_LIMIT_MS = 5 * 60 * 1000
PRIORITY: dict[ActorName, int] = {
    ActorName.WRITEBACK: 0,
    ActorName.WRITEBACK_TICKET: 0,
    ActorName.APPLY_RUN: 10,
    ActorName.HANDLE_COMMENTS: 10,
    ActorName.PROCESS_TICKET: 20,
    ActorName.UPDATE_SLA: 20,
    ActorName.INGEST: 30,
}
"""Among the messages a worker has fetched, later stages of a ticket go first (lower runs
sooner): a burst then finishes tickets in the order they came instead of taking every ticket
through each stage together. Later-stage work only comes from earlier stages, so nothing
starves. Periodic jobs keep Dramatiq's default (0): a due timer should not wait behind a burst."""


def declare_actors(rt: Runtime) -> dict[ActorName, dramatiq.Actor[..., None]]:
    """Declare every actor on ``rt.broker``, bound to ``rt``; also stored in ``rt.actors``."""
    table: dict[ActorName, tuple[str, Callable[..., Any]]] = {
        ActorName.INGEST: ("intake", lambda inbox_id: ingest.ingest(rt, inbox_id)),
        ActorName.UPDATE_SLA: ("intake", lambda ticket_id: slaclock.update_sla(rt, ticket_id)),
        ActorName.PROCESS_TICKET: (
            "playbooks",
            lambda ticket_id: process.process_ticket(rt, ticket_id),
        ),
        ActorName.HANDLE_COMMENTS: (
            "playbooks",
            lambda ticket_id: commands.handle_comments(rt, ticket_id),
        ),
        ActorName.APPLY_RUN: ("playbooks", lambda run_id: apply_run(rt, run_id)),
        ActorName.WRITEBACK: ("writeback", lambda outbox_id: writeback.writeback(rt, outbox_id)),
        ActorName.WRITEBACK_TICKET: (
            "writeback",
            lambda ticket_id: writeback.writeback_ticket(rt, ticket_id),
        ),
        ActorName.SWEEP: ("periodic", lambda: periodic.sweep(rt)),
        ActorName.FIRE_TIMERS: ("periodic", lambda: timers.fire_timers(rt)),
        ActorName.POLL_DESK: ("periodic", lambda desk: poll.poll_desk(rt, desk)),
        ActorName.POST_DIGEST: ("periodic", lambda: digest.post_daily_digest(rt)),
        ActorName.RECONCILE_DESK: ("periodic", lambda desk: reconcile.reconcile_desk(rt, desk)),
        ActorName.LICENCES: ("periodic", lambda: licences.licence_tick(rt)),
    }
    actors: dict[ActorName, dramatiq.Actor[..., None]] = {}
    for name, (queue, fn) in table.items():
        declare = dramatiq.actor(
            actor_name=name,
            queue_name=queue,
            broker=rt.broker,
            time_limit=TIME_LIMIT_MS,
            priority=PRIORITY.get(name, 0),
        )
        actors[name] = declare(_named(fn, name))
    rt.actors = actors
    return actors


def _named(fn: Callable[..., Any], name: str) -> Callable[..., None]:
    def run(*args: Any) -> None:
        try:
            fn(*args)
        except RateLimitedError as exc:
            # The vendor said when to come back: retry then, not on the generic backoff.
            delay_ms = int(max(exc.retry_after_s, 0.1) * 1000)
            raise dramatiq.Retry(str(exc), delay=min(delay_ms, MAX_RETRY_AFTER_MS)) from exc

    run.__name__ = run.__qualname__ = name
    return run
