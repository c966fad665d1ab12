"""
Building a running deskpilot: runtime, workers, ticker, web server.

``deskpilot run`` uses all of it in one process; ``web`` and ``worker`` split it across
processes and machines (they share the database and, in production, Redis).
"""

from __future__ import annotations

import os
import signal
import socket
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import dramatiq
import structlog
import uvicorn
from dramatiq.broker import MessageProxy
from dramatiq.brokers.redis import RedisBroker

from connectors.desks import DeskClient
from connectors.desks.memory import MemoryDesk
from connectors.identity import DirectoryClient
from connectors.identity.memory import MemoryDirectory
from connectors.ratelimit import LocalRateLimiter, RateLimiter, RedisRateLimiter
from worker.config import AppSettings
from worker.db import migrate
from worker.db.database import Database, utcnow
from worker.db.records import DeadLetterRow
from worker.queue.actors import declare_actors
from worker.queue.broker import DeadLetters, RedisJanitor, make_broker
from worker.queue.periodic import Ticker, sweep
from worker.runtime import Runtime
from worker.wiring.files import builtin_library_dir, load_classifier, load_library

log = structlog.get_logger("deskpilot.boot")


def build_runtime(
    settings: AppSettings,
    *,
    desks: Mapping[str, DeskClient] | None = None,
    directories: Mapping[str, DirectoryClient] | None = None,
    upgrade_schema: bool = True,
) -> Runtime:
    """Open the database (migrated), build broker, connectors and models, declare the actors."""
    db = Database(settings.database_url)
    if upgrade_schema:
        migrate.upgrade(db)
    broker = make_broker(settings.broker)
    rt = Runtime(
        settings=settings,
        db=db,
        broker=broker,
        desks=dict(desks) if desks is not None else build_desks(settings),
        directories=dict(directories) if directories is not None else build_directories(settings),
        webhook_secrets=_webhook_secrets(settings),
        classifier=load_classifier(settings.classifier, settings.playbooks.field_names),
        library=load_library([builtin_library_dir(), *settings.playbook_dirs]),
        node=f"{socket.gethostname()}:{os.getpid()}",
    )
    broker.add_middleware(DeadLetters(lambda message, error: _record_dead(rt, message, error)))
    declare_actors(rt)
    for desk in settings.desks:
        if desk.unsigned:
            log.warning(
                "desk.unsigned_webhooks",
                desk=desk.name,
                detail="webhooks to this desk are accepted without a signature",
            )
    return rt


def build_desks(settings: AppSettings) -> dict[str, DeskClient]:
    """One desk client per configured desk (in-memory where the config says so)."""
    from worker.wiring.desk_options import intake_options
    from worker.wiring.desks import build_desk

    limiter = build_limiter(settings.broker.url)
    desks: dict[str, DeskClient] = {}
    for desk in settings.desks:
        if desk.connector == "memory" or desk.type == "memory":
            intake_options(desk)  # its deliveries are still read with these: refused as for api
            desks[desk.name] = MemoryDesk(desk.name)
        else:
            desks[desk.name] = build_desk(desk, limiter=limiter)
    return desks


def build_limiter(broker_url: str) -> RateLimiter:
    """One rate limiter shared by every desk: in Redis when the workers share Redis."""
    if broker_url == "stub":
        return LocalRateLimiter()
    import redis

    return RedisRateLimiter(redis.Redis.from_url(broker_url))


def build_directories(settings: AppSettings) -> dict[str, DirectoryClient]:
    """One directory client per configured directory."""
    from worker.wiring.directories import build_directory

    built: dict[str, DirectoryClient] = {}
    for directory in settings.directories:
        if directory.type == "memory":
            built[directory.name] = MemoryDirectory(directory.name)
        else:
            # Connectors report only what they map: ask for the contract end too.
            contract_end = settings.playbooks.people.contract_end_of(directory.name)
            built[directory.name] = build_directory(directory, read_attributes=(contract_end,))
    return built


def _webhook_secrets(settings: AppSettings) -> dict[str, bytes | None]:
    return {
        d.name: d.webhook_secret.resolve().encode() if d.webhook_secret is not None else None
        for d in settings.desks
    }


def _record_dead(rt: Runtime, message: MessageProxy, error: str) -> None:
    with rt.db.session() as session:
        session.add(
            DeadLetterRow(
                message_id=message.message_id,
                actor=message.actor_name,
                args=list(message.args),
                error=error,
                at=utcnow(),
            )
        )


@dataclass
class Workers:
    """In-process Dramatiq workers plus the ticker and, on Redis, the janitor."""

    rt: Runtime
    threads: int
    worker: dramatiq.Worker | None = None
    ticker: Ticker | None = None
    janitor: RedisJanitor | None = None
    extras: list[Any] = field(default_factory=list)

    def start(self) -> None:
        """Start consuming every queue, ticking and (on Redis) forcing maintenance."""
        broker = self.rt.broker
        broker.emit_after("process_boot")
        self.worker = dramatiq.Worker(
            broker, worker_threads=self.threads, worker_timeout=self.rt.settings.broker.idle_poll_ms
        )
        self.worker.queue_prefetch = self.rt.settings.broker.prefetch
        self.worker.start()
        self.ticker = Ticker(self.rt)
        self.ticker.start()
        if isinstance(broker, RedisBroker):
            self.janitor = RedisJanitor(
                broker,
                self.rt.settings.broker.janitor_interval_s,
                on_data_lost=lambda: sweep(self.rt, broker_lost=True),
            )
            self.janitor.start()

    def stop(self) -> None:
        """Stop everything; in-flight messages finish first."""
        if self.ticker:
            self.ticker.stop()
        if self.janitor:
            self.janitor.stop()
        if self.worker:
            self.worker.stop(timeout=10_000)
        self.rt.broker.close()


class WebServer:
    """uvicorn serving the app in a background thread (for ``run`` and ``demo``)."""

    def __init__(self, rt: Runtime, host: str, port: int) -> None:
        from worker.web.app import create_app

        config = uvicorn.Config(
            create_app(rt),
            host=host,
            port=port,
            log_level="warning",
            access_log=False,
            lifespan="off",
        )
        self.server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self.server.run, name="deskpilot-web", daemon=True)

    def start(self, timeout_s: float = 10.0) -> None:
        """Start serving and wait until the socket is bound."""
        self._thread.start()
        ready = threading.Event()
        for _ in range(int(timeout_s * 50)):
            if self.server.started:
                ready.set()
                break
            threading.Event().wait(0.02)
        if not ready.is_set():
            raise RuntimeError("the web server did not start")

    @property
    def port(self) -> int:
        """The bound port (useful when 0 was asked for)."""
        servers = getattr(self.server, "servers", [])
        for server in servers:
            for sock in server.sockets:
                return int(sock.getsockname()[1])
        return int(self.server.config.port)

    def stop(self) -> None:
        """Stop serving."""
        self.server.should_exit = True
        self._thread.join(timeout=10)


def wait_for_signal() -> None:
    """Block until SIGINT or SIGTERM (``deskpilot run``, ``worker`` and the demo's serve mode)."""
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    while not stop.wait(0.5):
        pass
