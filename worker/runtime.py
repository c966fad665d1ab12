"""
Everything a running deskpilot process holds: settings, database, broker, connectors, models.

Actors and web handlers receive a ``Runtime``; nothing reads globals. The broker is only a
dispatcher: ``send`` is called after the database transaction that made the work commits, and the
sweeper re-sends anything whose message was lost.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import dramatiq
import structlog

from connectors.desks import DeskClient
from connectors.identity import DirectoryClient
from connectors.notify import Notifier, WebhookNotifier
from intake.classify import Classifier
from playbooks.load import Library
from sla.definition import SlaDefinitions, compile_sla
from worker.config import AppSettings, DeskSettings
from worker.db.database import Database, utcnow
from worker.queue.names import ActorName

log = structlog.get_logger("deskpilot.runtime")


@dataclass
class Runtime:
    """One process's view of deskpilot; built by ``worker.boot.build_runtime``."""

    settings: AppSettings
    db: Database
    broker: dramatiq.Broker
    desks: dict[str, DeskClient]
    directories: dict[str, DirectoryClient]
    webhook_secrets: dict[str, bytes | None]
    classifier: Classifier
    library: Library
    clock: Callable[[], dt.datetime] = utcnow
    actors: dict[ActorName, dramatiq.Actor[..., None]] = field(default_factory=dict)
    sla: SlaDefinitions | None = None
    """The compiled SLA definitions (``sla_definitions``)."""
    notifier: Notifier = field(default_factory=WebhookNotifier)
    """Delivers the ``notify`` breach actions (through the outbox)."""
    node: str = "deskpilot"

    def send(self, actor: ActorName, *args: int | str, delay_ms: int | None = None) -> None:
        """Enqueue ``actor(*args)``; a failure is logged, never raised (the sweeper re-sends)."""
        try:
            self.actors[actor].send_with_options(args=args, delay=delay_ms)
        except Exception as exc:  # noqa: BLE001 (the DB row is the truth; the sweeper re-sends)
            log.warning("message.enqueue_failed", actor=actor, error=str(exc))

    def sla_definitions(self) -> SlaDefinitions:
        """The compiled SLA definitions of this runtime (compiled once, at first use)."""
        if self.sla is None:
            self.sla = compile_sla(self.settings.sla)
        return self.sla

    def desk_settings(self, name: str) -> DeskSettings:
        """The settings of desk ``name`` (KeyError if it is not configured)."""
        desk = self.settings.desk(name)
        if desk is None:
            raise KeyError(name)
        return desk

    def directory_for(self, desk: str) -> DirectoryClient:
        """The directory whose accounts the requesters of ``desk`` have."""
        settings = self.settings.desk(desk)
        name = settings.directory if settings and settings.directory else None
        if name is None:
            name = next(iter(self.directories))
        return self.directories[name]

    @property
    def directory_map(self) -> Mapping[str, DirectoryClient]:
        """Every configured directory by name."""
        return self.directories
