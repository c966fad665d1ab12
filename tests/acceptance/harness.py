"""
One scenario through the real pipeline: the web app (FastAPI TestClient) receives the desk's
signed webhooks, the poller reads the in-memory desk's poll forms, real Dramatiq workers on the
embedded StubBroker do the rest, on SQLite, with a fake clock that only the timeline moves.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import itertools
import re
import time
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import dramatiq
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from connectors.desks.memory import MemoryDesk
from connectors.render import marker_text
from tests.acceptance.deployment import DESK_NAMES, DIRECTORY, settings_for
from tests.acceptance.desks import SHAPES, DeskShape, DeskTicket, Who, attachment_name
from tests.acceptance.directory import ScenarioDirectory, user_by_email
from worker.boot import build_runtime
from worker.db.records import AuditRow
from worker.db.tables import (
    ClassificationRow,
    InboxItem,
    OutboxRow,
    RunRow,
    TicketRow,
    TimerRow,
)
from worker.queue.broker import QUEUES
from worker.queue.names import ActorName
from worker.runtime import Runtime
from worker.web.app import create_app

DESKPILOT = Who("deskpilot@automation.invalid", "deskpilot", staff=True, login="deskpilot")
STEP = dt.timedelta(minutes=1)
MAX_ROUNDS = 40
JOIN_S = 60.0
"""How long one drain waits for the queues (a retried message waits on its backoff)."""


_ISO_DURATION = re.compile(
    r"^P(?:(?P<weeks>\d+)W)?(?:(?P<days>\d+)D)?"
    r"(?:T(?:(?P<hours>\d+)H)?(?:(?P<minutes>\d+)M)?(?:(?P<seconds>\d+)S)?)?$"
)


def parse_duration(text: str) -> dt.timedelta:
    """An ISO-8601 duration in calendar time (``P10D``, ``PT3M``, ``P1W``, ``PT10S``)."""
    match = _ISO_DURATION.match(text.strip())
    if match is None or not any(match.groups()):
        raise ValueError(f"not an ISO-8601 duration of weeks, days and time: {text!r}")
    return dt.timedelta(**{k: int(v) for k, v in match.groupdict().items() if v})


@dataclass
class Harness:
    """The runtime, the scenario's desk and directory, the clock, and what was delivered."""

    doc: Mapping[str, Any]
    scenario: Mapping[str, Any]
    rt: Runtime
    desk: MemoryDesk
    shape: DeskShape
    directory: ScenarioDirectory
    client: TestClient
    now: dt.datetime
    ticket: DeskTicket | None = None
    echo: bool = False
    echoed: set[str] = field(default_factory=set)
    comment_numbers: Iterator[int] = field(default_factory=lambda: itertools.count(1))
    first_delivery: tuple[bytes, dict[str, str]] | None = None

    # -- identities -----------------------------------------------------------------------------

    def who(self, login: str) -> Who:
        """A directory user as the desk knows them."""
        user = next(u for u in self.doc["directory"]["users"] if u["login"] == login)
        return _who(user)

    def requester(self) -> Who:
        email = self.scenario["ticket"]["requester_email"]
        user = user_by_email(self.doc["directory"], email)
        if user is not None:
            return _who(user)
        return Who(email, email.split("@")[0].replace(".", " ").title(), staff=False)

    @property
    def key(self) -> str:
        assert self.ticket is not None
        return self.shape.key(self.ticket.index)

    @property
    def polled(self) -> bool:
        intake = self.scenario["ticket"].get("intake", "webhook")
        return intake == "polling" or not self.shape.comments_by_webhook

    # -- delivering -----------------------------------------------------------------------------

    def post(self, body: bytes, headers: Mapping[str, str]) -> None:
        response = self.client.post(f"/hooks/{self.desk.name}", content=body, headers=dict(headers))
        assert response.status_code in (200, 202), (response.status_code, response.text)

    def open_ticket(self) -> None:
        spec = dict(self.scenario["ticket"])
        if self.scenario.get("requester_not_in_directory"):
            spec["_outside"] = True
        people = {u["display_name"]: _who(u) for u in self.doc["directory"]["users"]}
        self.ticket = DeskTicket(1, spec, self.requester(), self.now, people)
        self.desk.register(self.key)
        if spec.get("attachment_csv") is not None:
            # Jira deliveries list the file (``attachment_meta``); the other desks' API does
            data, name = str(spec["attachment_csv"]).encode(), attachment_name(self.ticket)
            self.desk.add_attachment(self.key, "101", data, filename=name)
        self.desk.set_ticket(self.key, self.shape.poll(self.ticket))
        if spec.get("intake", "webhook") == "polling":
            self.desk.pending.append(self.shape.poll(self.ticket))
            return
        self.first_delivery = self.shape.created(self.ticket, self.now, str(uuid.uuid4()))
        self.post(*self.first_delivery)

    def redeliver(self, spec: Mapping[str, Any]) -> None:
        """The desk sends the ticket-created webhook again (at-least-once delivery)."""
        assert self.ticket is not None
        assert self.first_delivery is not None
        body, headers = self.first_delivery
        if not spec.get("identical_body", True):
            body = self.shape.created(self.ticket, self.now, str(uuid.uuid4()))[0]
        delivery = str(uuid.uuid4()) if spec.get("new_delivery_id", True) else None
        self.post(body, self.shape.resign(body, headers, self.now, delivery))

    def comment(self, who: Who, body: str, public: bool) -> None:
        assert self.ticket is not None
        number = next(self.comment_numbers)
        comment = self.shape.comment(self.ticket, number, who, body, public, self.now)
        self.ticket.comments.append(comment)
        self.ticket.updated = self.now
        self.ticket.version += 1
        self.desk.set_ticket(self.key, self.shape.poll(self.ticket))
        if self.polled:
            self.desk.pending.append(self.shape.poll(self.ticket))
        else:
            self.post(
                *self.shape.comment_webhook(self.ticket, comment, self.now, str(uuid.uuid4()))
            )

    def echo_writebacks(self) -> bool:
        """Report deskpilot's own new notes back to it as comments (desk_behaviour)."""
        fresh = [c for c in self.desk.comments.get(self.key, []) if c.comment_id not in self.echoed]
        for written in fresh:
            self.echoed.add(written.comment_id)
            self.comment(
                DESKPILOT, f"{written.body}\n\n{marker_text(written.marker)}", written.public
            )
        return bool(fresh)

    # -- settling -------------------------------------------------------------------------------

    def drain(self) -> None:
        """Let deskpilot finish everything pending: deliveries, polls, jobs, due timers."""
        for _ in range(MAX_ROUNDS):
            before = self._progress()
            if self.polled or self.desk.pending:
                self.rt.send(ActorName.POLL_DESK, self.desk.name)
            self.rt.send(ActorName.FIRE_TIMERS)
            self._join()
            if self.echo and self.echo_writebacks():
                continue
            if self._progress() == before:
                return
        raise AssertionError(f"deskpilot did not settle in {MAX_ROUNDS} rounds")

    def _join(self) -> None:
        """Wait until every queue (delayed retries included) is empty, at most ``JOIN_S``."""
        broker: Any = self.rt.broker
        deadline = time.monotonic() + JOIN_S
        while time.monotonic() < deadline:
            for queue in QUEUES:
                left = max(deadline - time.monotonic(), 0.1)
                with contextlib.suppress(dramatiq.errors.QueueJoinTimeout):
                    broker.join(queue, timeout=int(left * 1000))
            if not any(
                broker.queues[q].unfinished_tasks + broker.queues[f"{q}.DQ"].unfinished_tasks
                for q in QUEUES
            ):
                return
        raise AssertionError(f"deskpilot's queues did not drain in {JOIN_S:.0f} s")

    def _progress(self) -> tuple[object, ...]:
        with self.rt.db.session() as session:
            counts = tuple(
                session.scalar(select(func.count()).select_from(model))
                for model in (InboxItem, AuditRow, OutboxRow, RunRow)
            )
            fired = session.scalar(select(func.count(TimerRow.id)).where(TimerRow.state == "fired"))
        return (*counts, fired, len(self.desk.comments.get(self.key, [])), len(self.desk.pending))

    def advance(self, delta: dt.timedelta) -> None:
        """Move the clock forward in day-sized steps, firing every timer that falls due."""
        end = self.now + delta
        while self.now < end:
            self.now = min(end, self.now + dt.timedelta(days=1))
            self.drain()

    # -- observing ------------------------------------------------------------------------------

    def ticket_row(self) -> TicketRow | None:
        with self.rt.db.session() as session:
            row = session.scalars(
                select(TicketRow).where(TicketRow.desk == self.desk.name, TicketRow.key == self.key)
            ).first()
            if row is not None:
                session.expunge(row)
            return row

    def classification(self) -> ClassificationRow | None:
        row = self.ticket_row()
        if row is None:
            return None
        with self.rt.db.session() as session:
            found = session.scalars(
                select(ClassificationRow).where(ClassificationRow.ticket_id == row.id)
            ).first()
            if found is not None:
                session.expunge(found)
            return found

    def runs(self) -> list[RunRow]:
        row = self.ticket_row()
        if row is None:
            return []
        with self.rt.db.session() as session:
            runs = list(session.scalars(select(RunRow).where(RunRow.ticket_id == row.id)))
            for run in runs:
                session.expunge(run)
            return runs

    def audit_count(self) -> int:
        row = self.ticket_row()
        if row is None:
            return 0
        with self.rt.db.session() as session:
            return int(
                session.scalar(select(func.count(AuditRow.id)).where(AuditRow.ticket_id == row.id))
                or 0
            )

    def notes(self) -> list[tuple[bool, str]]:
        """(public, body) of every comment deskpilot wrote on the ticket, in order."""
        return [(c.public, c.body) for c in self.desk.comments.get(self.key, [])]


def _who(user: Mapping[str, Any]) -> Who:
    staff = user.get("desk_role") in ("agent", "light_agent")
    return Who(
        user.get("email") or "", user.get("display_name") or user["login"], staff, user["login"]
    )


@contextmanager
def harness(
    doc: Mapping[str, Any],
    scenario: Mapping[str, Any],
    database_url: str,
    *,
    echo: bool | None = None,
) -> Iterator[Harness]:
    """A migrated runtime for ``scenario``, its workers running; disposed afterwards."""
    from tests.acceptance.deployment import field_keys

    keys = field_keys(doc)
    settings, desk_secrets = settings_for(doc, database_url, keys)
    kind = scenario["desk"]
    name = DESK_NAMES[kind]
    desks = {n: MemoryDesk(n) for n in DESK_NAMES.values()}
    directory = ScenarioDirectory.seed(doc["directory"], DIRECTORY)
    directory.faults = list(scenario.get("faults") or [])
    rt = build_runtime(settings, desks=dict(desks), directories={DIRECTORY: directory})
    start = dt.datetime.fromisoformat(doc["clock_start"].replace("Z", "+00:00"))
    shape = SHAPES[kind](name, desk_secrets[name], keys[kind])
    h = Harness(doc, scenario, rt, desks[name], shape, directory, TestClient(create_app(rt)), start)
    h.echo = (
        bool((scenario.get("desk_behaviour") or {}).get("echo_own_writebacks"))
        if echo is None
        else echo
    )
    rt.clock = lambda: h.now
    people = [_who(u) for u in doc["directory"]["users"] if u.get("email")]
    for who in (*people, h.requester(), DESKPILOT):
        for person_id in shape.person_ids(who):
            h.desk.add_person(person_id, who.email)
    worker = dramatiq.Worker(rt.broker, worker_threads=2, worker_timeout=20)
    worker.start()
    try:
        yield h
    finally:
        worker.stop()
        rt.broker.close()
        rt.db.dispose()
