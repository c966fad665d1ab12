"""
The Dramatiq broker: an in-process StubBroker on the embedded default, Redis in production.

Messages only carry row ids; the database is the truth. What this module adds to Dramatiq:

* one retry rule (``should_retry``): only transient errors are retried (a vendor's
  Retry-After becomes the retry delay in ``worker.queue.actors``);
* a logging middleware that binds ``actor`` and ``message_id`` for every log line of a message
  and ends each message with one summary line;
* a dead-letter middleware that records a message that failed for good in the database;
* a Redis janitor that forces Dramatiq's maintenance every few seconds, so a dead worker's
  unacked messages come back in about ``heartbeat_timeout`` instead of the default's minutes,
  and that notices Redis losing its data (a marker key vanishes) so the sweeper re-sends the
  waiting work at once instead of after its lease (see docs/operations.md).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import dramatiq
import redis
import structlog
from dramatiq.broker import MessageProxy
from dramatiq.brokers.redis import MAINTENANCE_SCALE, RedisBroker
from dramatiq.brokers.stub import StubBroker
from dramatiq.middleware import CurrentMessage, Middleware

from connectors.errors import TransientError
from worker.config import BrokerSettings
from worker.db.outage import database_unavailable
from worker.metrics import MESSAGES, QUEUE_WAIT

log = structlog.get_logger("deskpilot.broker")

MAX_RETRIES = 45
"""With the default backoff (``BrokerSettings.min_backoff_ms`` 500, ``max_backoff_ms`` 5000),
backoff doubles from half a second and stays between 2.5 and 5 s from the fourth retry on:
45 retries wait out about two and a half minutes of outage, and work resumes within 5 s of a
fault clearing (a cap of minutes made a 30 s outage cost a minute or more)."""
MAX_RETRY_AFTER_MS = 5 * 60 * 1000
"""The longest a vendor's Retry-After is honoured as a retry delay."""
QUEUES = ("intake", "playbooks", "writeback", "periodic")


BROKER_UNAVAILABLE = (
    redis.ConnectionError | redis.TimeoutError | dramatiq.errors.BrokerConnectionError
)
"""Redis not answering, as redis-py and Dramatiq report it: transient like any outage."""


def should_retry(retries: int, exc: BaseException) -> bool:
    """
    The one retry rule: transient errors (and explicit ``dramatiq.Retry``) only.

    Transient: a connector's ``TransientError``; the database being briefly unable to answer
    (unreachable or restarting, a deadlock or lock timeout, no pooled connection free in time);
    Redis (the broker, the rate limiter) unreachable or timing out. A constraint violation or a
    bad statement is a bug and is not retried.
    """
    if retries >= MAX_RETRIES:
        return False
    return isinstance(
        exc, TransientError | dramatiq.Retry | BROKER_UNAVAILABLE
    ) or database_unavailable(exc)


class MessageLogging(Middleware):
    """Bind actor and message id to the log context; one summary line per message."""

    def __init__(self) -> None:
        self._started: dict[str, float] = {}

    def before_process_message(self, broker: dramatiq.Broker, message: MessageProxy) -> None:
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(
            actor=message.actor_name, message_id=message.message_id
        )
        self._started[message.message_id] = time.perf_counter()
        waited_s = max(0.0, time.time() - message.message_timestamp / 1000)
        QUEUE_WAIT.labels(message.queue_name).observe(waited_s)
        MESSAGES.labels(message.actor_name, "started").inc()

    def after_process_message(
        self,
        broker: dramatiq.Broker,
        message: MessageProxy,
        *,
        result: Any = None,
        exception: BaseException | None = None,
    ) -> None:
        started = self._started.pop(message.message_id, time.perf_counter())
        duration_ms = round((time.perf_counter() - started) * 1000, 1)
        event = f"{message.actor_name}.finished"
        if exception is None:
            log.info(event, outcome="ok", duration_ms=duration_ms)
        elif should_retry(0, exception):
            log.warning(event, outcome="retry", error=_short(exception), duration_ms=duration_ms)
        else:
            log.error(event, outcome="failed", error=repr(exception), duration_ms=duration_ms)
        structlog.contextvars.clear_contextvars()

    def after_skip_message(self, broker: dramatiq.Broker, message: MessageProxy) -> None:
        self.after_process_message(broker, message)


def _short(exc: BaseException) -> str:
    # A database error's text carries the statement and its parameters: the first line says it.
    return (str(exc).splitlines() or [type(exc).__name__])[0][:300]


class DeadLetters(Middleware):
    """Hand every message that failed for good to ``record`` (the runtime stores it)."""

    def __init__(self, record: Callable[[MessageProxy, str], None]) -> None:
        self.record = record

    def after_nack(self, broker: dramatiq.Broker, message: MessageProxy) -> None:
        error = str(message.options.get("traceback") or "failed after retries")
        try:
            self.record(message, error[-4000:])
        except Exception:
            log.exception("dead_letter.record_failed", message_id=message.message_id)


def make_broker(settings: BrokerSettings) -> dramatiq.Broker:
    """Build the broker the settings name, with deskpilot's middleware, and declare its queues."""
    broker: dramatiq.Broker
    if settings.url == "stub":
        broker = StubBroker()
    else:
        broker = RedisBroker(  # type: ignore[no-untyped-call]
            url=settings.url, heartbeat_timeout=int(settings.heartbeat_timeout_s * 1000)
        )
    for middleware in broker.middleware:
        if isinstance(middleware, dramatiq.middleware.Retries):
            middleware.retry_when = should_retry
            middleware.max_retries = MAX_RETRIES
            middleware.min_backoff = settings.min_backoff_ms
            middleware.max_backoff = settings.max_backoff_ms
    broker.add_middleware(CurrentMessage())  # claims are held by message (worker.queue.claim)
    broker.add_middleware(MessageLogging())
    for queue in QUEUES:
        broker.declare_queue(queue)
    return broker


class RedisJanitor:
    """
    Forces Dramatiq's Redis maintenance on every queue every ``interval_s`` seconds.

    Dramatiq re-queues a dead worker's unacked messages only during "maintenance", which it runs
    on a 0.1 % chance per command; on a quiet queue that takes many minutes. Any number of
    janitors may run (maintenance is idempotent), so every worker process runs one.
    """

    def __init__(
        self,
        broker: RedisBroker,
        interval_s: float,
        *,
        on_data_lost: Callable[[], object] | None = None,
    ) -> None:
        self._janitor = RedisBroker(  # type: ignore[no-untyped-call]
            client=broker.client,
            namespace=broker.namespace,
            heartbeat_timeout=broker.heartbeat_timeout,
            maintenance_chance=MAINTENANCE_SCALE,
        )
        self._client: redis.Redis = broker.client
        self._queues = sorted(broker.get_declared_queues() | broker.get_declared_delay_queues())
        self._marker = f"{broker.namespace}:deskpilot-marker"
        self._marked = False
        self._on_data_lost = on_data_lost
        self.interval_s = interval_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="deskpilot-janitor", daemon=True)

    def start(self) -> None:
        """Start the janitor thread."""
        self._thread.start()

    def stop(self) -> None:
        """Stop the janitor thread."""
        self._stop.set()
        self._thread.join(timeout=5)

    def sweep_once(self) -> None:
        """Run maintenance on every queue now; notice if Redis lost its data since last time."""
        self.check_marker()
        dispatch = self._janitor._dispatch("qsize")  # type: ignore[no-untyped-call]
        for queue in self._queues:
            dispatch(queue)

    def check_marker(self) -> bool:
        """
        Keep a marker key in Redis; True (and ``on_data_lost`` called) when it vanished — Redis
        was flushed or restarted empty, so every queued message is gone. Whichever janitor puts
        the marker back first reports the loss; the others find it there.
        """
        if self._client.set(self._marker, "1", nx=True) is None:
            self._marked = True
            return False
        if not self._marked:
            self._marked = True  # our own first marker: nothing was lost yet
            return False
        log.warning("broker.data_lost", detail="the marker key vanished: queued messages are gone")
        self._lost()
        return True

    def _run(self) -> None:
        unreachable = False
        while not self._stop.wait(self.interval_s):
            try:
                self.sweep_once()
            except Exception as exc:  # noqa: BLE001 (Redis hiccups must not kill the janitor)
                log.warning("janitor.failed", error=str(exc))
                unreachable = True
                continue
            if unreachable:
                # Whatever was sent while Redis could not be reached was not enqueued (sending
                # never raises: the row is the truth): send the waiting work again now.
                unreachable = False
                log.warning("broker.reachable_again")
                self._lost()

    def _lost(self) -> None:
        if self._on_data_lost is None:
            return
        try:
            self._on_data_lost()
        except Exception as exc:  # noqa: BLE001 (the sweeper's own schedule still covers it)
            log.warning("janitor.resend_failed", error=str(exc))
