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
from worker.runs import commands, process
from worker.runs.apply import apply_run
from worker.runtime import Runtime

TIME_LIMIT_MS = 5 * 60 * 1000
PRIORITY = {
    "writeback": 0,
    "writeback_ticket": 0,
    "apply_run": 10,
    "handle_comments": 10,
    "process_ticket": 20,
    "update_sla": 20,
    "ingest": 30,
}
"""Among the messages a worker has fetched, later stages of a ticket go first (lower runs
sooner): a burst then finishes tickets in the order they came instead of taking every ticket
through each stage together. Later-stage work only comes from earlier stages, so nothing
starves. Periodic jobs keep Dramatiq's default (0): a due timer should not wait behind a burst."""


def declare_actors(rt: Runtime) -> dict[str, dramatiq.Actor[Any, Any]]:
    """Declare every actor on ``rt.broker``, bound to ``rt``; also stored in ``rt.actors``."""
    table: dict[str, tuple[str, Callable[..., Any]]] = {
        "ingest": ("intake", lambda inbox_id: ingest.ingest(rt, inbox_id)),
        "update_sla": ("intake", lambda ticket_id: slaclock.update_sla(rt, ticket_id)),
        "process_ticket": ("playbooks", lambda ticket_id: process.process_ticket(rt, ticket_id)),
        "handle_comments": ("playbooks", lambda ticket_id: commands.handle_comments(rt, ticket_id)),
        "apply_run": ("playbooks", lambda run_id: apply_run(rt, run_id)),
        "writeback": ("writeback", lambda outbox_id: writeback.writeback(rt, outbox_id)),
        "writeback_ticket": (
            "writeback",
            lambda ticket_id: writeback.writeback_ticket(rt, ticket_id),
        ),
        "sweep": ("periodic", lambda: periodic.sweep(rt)),
        "fire_timers": ("periodic", lambda: timers.fire_timers(rt)),
        "poll_desk": ("periodic", lambda desk: poll.poll_desk(rt, desk)),
        "post_digest": ("periodic", lambda: digest.post_daily_digest(rt)),
        "reconcile_desk": ("periodic", lambda desk: reconcile.reconcile_desk(rt, desk)),
    }
    actors: dict[str, dramatiq.Actor[Any, Any]] = {}
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
