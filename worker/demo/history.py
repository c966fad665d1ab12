"""
Sixty days of history for ``deskpilot demo``, made by deskpilot itself on a simulated clock.

Before the live demo starts, tickets filed over the last ``days`` days (the bundled tickets'
wording, new keys, a deterministic weekday/weekend rhythm) go through the real pipeline: each
signed delivery through ``receive_webhook``, then every message the pipeline queues is handled
inline, in the order the workers would (``drain``), with ``rt.clock`` standing at the simulated
instant. What people do afterwards happens through the same APIs the review page and the desks
use, at later simulated instants: approvers approve or reject (``decide_run``, the
``/approve`` handler with its authority checks), agents confirm runs, mark some wrong with the
right intent and roll a few back (``worker.runs.rollback``), desk agents resolve the tickets
deskpilot escalated (the desk's own "resolved" delivery, ``worker.demo.updates``), and due
timers fire (SLA breaches, expiring access). Clocks are met or breached by the SLA engine from
those events; nothing is written around the product's rules.
"""

from __future__ import annotations

import dataclasses
import heapq
import itertools
import random
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta

import structlog
from dramatiq import Message
from dramatiq.brokers.stub import StubBroker
from sqlalchemy import select

from connectors.desks.memory import MemoryDesk
from connectors.errors import NotFoundError
from connectors.identity import DirectoryClient, DirectoryUser
from playbooks.lifecycle import RunState, TicketStage
from playbooks.policy import Decision
from worker.db.tables import RunRow, TicketRow
from worker.demo.data import DemoDesk, DemoSet, DemoTicket
from worker.demo.deliveries import BUILDERS, requester_id, signed_headers
from worker.demo.directory import DemoDirectory
from worker.demo.updates import AGENT_EMAIL, AGENT_ID, AGENT_LOGIN, resolved_bodies
from worker.inbound.receive import receive_webhook
from worker.queue import timers
from worker.queue.actors import PRIORITY
from worker.queue.names import ActorName
from worker.runs.rollback import ReviewError, confirm_run, decide_run, mark_wrong, roll_back
from worker.runtime import Runtime

log = structlog.get_logger("deskpilot.demo")

DAYS = 60
SEED = 60
AGENT = AGENT_LOGIN
"""The review-page agent who confirms and corrects (the demo's IT support lead)."""
OUTAGE_DAYS_AGO = 23
OUTAGE_HOURS = 3.0
OUTAGE_INTENTS = ("account_unlock", "password_reset")
"""The simulated incident: after a failover the directory is read-only for ``OUTAGE_HOURS``,
from just before the first unlock or reset filed at least ``OUTAGE_DAYS_AGO`` days back (those
apply without an approval, so their runs meet it; ``worker.demo.directory``)."""
_KEY_BASE = {"jira": 1000, "zendesk": 2000, "servicenow": 9000}
"""History keys start here (IT-1000, 2000, INC0009000): clear of the live demo's tickets."""


@dataclass
class History:
    """What the history made, for the demo's summary line."""

    tickets: int = 0
    actions: Counter[str] = field(default_factory=Counter)
    errors: int = 0


@dataclass(order=True)
class _Due:
    at: datetime
    seq: int
    action: str = field(compare=False)
    key: str = field(compare=False)
    ticket: DemoTicket = field(compare=False)
    created: datetime = field(compare=False)


def drain(rt: Runtime) -> int:
    """
    Handle every message queued on ``rt``'s StubBroker inline, later pipeline stages first (as
    the workers order them), until none is left; returns how many failed (logged, not raised).
    """
    broker = rt.broker
    assert isinstance(broker, StubBroker), "the demo's history runs on the stub broker"
    failed = 0
    while True:
        pending = [
            (PRIORITY.get(ActorName(message.actor_name), 0), n, name, message)
            for name in list(broker.queues)
            for n, message in enumerate(_take(broker, name))
        ]
        if not pending:
            return failed
        for _, _, _, message in sorted(pending, key=lambda p: (p[0], p[1])):
            try:
                broker.get_actor(message.actor_name).fn(*message.args, **message.kwargs)
            except Exception as exc:  # noqa: BLE001 (the demo keeps going; the row says what failed)
                failed += 1
                log.warning("demo.history_step_failed", actor=message.actor_name, error=str(exc))


def _take(broker: StubBroker, name: str) -> list[Message[object]]:
    queue, taken = broker.queues[name], []
    while not queue.empty():
        taken.append(Message.decode(queue.get_nowait()))
        queue.task_done()
    return taken


def _key(desk: DemoDesk, template: DemoTicket, n: int) -> str:
    number = _KEY_BASE[desk.type] + n
    if desk.type == "jira":
        return f"{desk.project or template.key.split('-')[0]}-{number}"
    if desk.type == "servicenow":
        return f"{'RITM' if template.key.startswith('RITM') else 'INC'}{number:07d}"
    return str(number)


def _outage(arrivals: list[_Due], now: datetime) -> list[_Due]:
    """The incident's start and end, when the history reaches back that far."""
    cut = now - timedelta(days=OUTAGE_DAYS_AGO)
    first = next(
        (a for a in sorted(arrivals) if a.at >= cut and a.ticket.expect_intent in OUTAGE_INTENTS),
        None,
    )
    if first is None:
        return []
    start, end = first.at - timedelta(minutes=10), first.at + timedelta(hours=OUTAGE_HOURS)
    return [
        _Due(start, -2, "outage", "", first.ticket, now),
        _Due(end, -1, "recovered", "", first.ticket, now),
    ]


def _arrivals(demo: DemoSet, rng: random.Random, now: datetime, days: int) -> list[_Due]:
    """The tickets people file: 4-8 per weekday in office hours, at most 1 on a weekend day."""
    templates = sorted(demo.tickets, key=lambda t: t.key)
    seq, numbers, out = itertools.count(), Counter[str](), []
    for back in range(days, 0, -1):
        day = now.date() - timedelta(days=back)
        count = rng.randint(4, 8) if day.weekday() < 5 else rng.randint(0, 1)
        for _ in range(count):
            template = rng.choice(templates)
            desk = demo.desks[template.desk]
            at = datetime.combine(day, time(7, 30), UTC) + timedelta(minutes=rng.uniform(0, 600))
            numbers[desk.type] += 1
            ticket = dataclasses.replace(
                template, key=_key(desk, template, numbers[desk.type]), created_minutes_ago=0
            )
            out.append(_Due(at, next(seq), "create", ticket.key, ticket, at))
    return out


class _Replay:
    """The simulated clock, the schedule of what happens next, and the people who act."""

    def __init__(
        self, rt: Runtime, demo: DemoSet, desks: Mapping[str, MemoryDesk],
        secrets: Mapping[str, bytes], now: datetime,
    ) -> None:  # fmt: skip
        self.rt, self.demo, self.desks, self.secrets, self.end = rt, demo, desks, secrets, now
        self.rng = random.Random(SEED)  # noqa: S311 (a reproducible demo, not a secret)
        self.queue: list[_Due] = []
        self.seq = itertools.count(10**6)
        self.clock = now
        self.report = History()
        for name, desk in demo.desks.items():
            agent = AGENT_ID.get(desk.type, AGENT_LOGIN)
            desks[name].add_person(agent, AGENT_EMAIL, agent=True)

    def later(self, due: _Due, action: str, hours: float) -> None:
        at = due.at + timedelta(hours=hours)
        if at < self.end:
            heapq.heappush(
                self.queue, _Due(at, next(self.seq), action, due.key, due.ticket, due.created)
            )

    def run(self, arrivals: list[_Due]) -> History:
        self.queue = list(arrivals)
        heapq.heapify(self.queue)
        saved = self.rt.clock
        self.rt.clock = lambda: self.clock
        try:
            while self.queue:
                due = heapq.heappop(self.queue)
                self.clock = due.at
                timers.fire_timers(self.rt)
                self.ACTIONS[due.action](self, due)
                self.report.actions[due.action] += 1
                self.report.errors += drain(self.rt)
        finally:
            self.rt.clock = saved
        return self.report

    # -- what happens -------------------------------------------------------------------------

    def _deliver(self, due: _Due, body: bytes, event: str = "") -> None:
        desk = self.demo.desks[due.ticket.desk]
        secret = self.secrets[due.ticket.desk]
        headers = signed_headers(desk, due.ticket, body, secret, due.at, event)
        receive_webhook(self.rt, desk.name, headers, body, received_at=due.at)

    def create(self, due: _Due) -> None:
        desk = self.demo.desks[due.ticket.desk]
        person = due.ticket.requester
        self.desks[desk.name].add_person(requester_id(desk, person), person.email)
        self._deliver(due, BUILDERS[desk.type](due.ticket, desk, due.at))
        self.report.tickets += 1
        self.report.errors += drain(self.rt)
        self._next(due)

    def _state(self, key: str, desk: str) -> tuple[TicketRow, RunRow | None]:
        with self.rt.db.session() as session:
            ticket = session.scalars(
                select(TicketRow).where(TicketRow.desk == desk, TicketRow.key == key)
            ).one()
            run = session.scalars(
                select(RunRow).where(RunRow.ticket_id == ticket.id).order_by(RunRow.attempt.desc())
            ).first()
            session.expunge_all()
            return ticket, run

    def _next(self, due: _Due) -> None:
        """What people do next with the ticket, by where deskpilot left it."""
        ticket, run = self._state(due.key, due.ticket.desk)
        r = self.rng.random()
        if run is not None and run.state == RunState.WAITING_APPROVAL:
            self.later(due, "approve" if r < 0.85 else "reject", self.rng.uniform(0.2, 9))
        elif run is not None and run.state == RunState.APPLIED:
            self._review_later(due)
        if ticket.stage != TicketStage.DONE or ticket.outcome != "resolved":
            # People finish what deskpilot did not: most within a working day, some far later.
            hours = self.rng.lognormvariate(2.0, 1.1)
            self.later(
                due, "resolve", hours + (10 if run and run.state == "waiting_approval" else 0)
            )

    def _review_later(self, due: _Due) -> None:
        """An agent looks at an applied run: confirms it, marks it wrong, or rolls it back."""
        r = self.rng.random()
        if r < 0.25:
            self.later(due, "confirm", self.rng.uniform(0.5, 30))
        elif r < 0.31:
            self.later(due, "correct", self.rng.uniform(0.5, 30))
        elif r < 0.35:
            self.later(due, "roll_back", self.rng.uniform(0.5, 6))

    def resolve(self, due: _Due) -> None:
        ticket, _ = self._state(due.key, due.ticket.desk)
        if ticket.outcome == "resolved":
            return
        desk = self.demo.desks[due.ticket.desk]
        for event, body in resolved_bodies(due.ticket, desk, due.created, due.at):
            self._deliver(due, body, event)

    def _approver(self, run: RunRow, ticket: TicketRow) -> str | None:
        """The address of someone who may approve the run (never its requester)."""
        decision = Decision.from_json(str(run.decision["json"]))
        if decision.approvals is None:
            return None
        directory = self.rt.directory_for(ticket.desk)
        asked = (ticket.requester or "").casefold()
        for stage in decision.approvals.stages:
            named = [directory.find_user(login=a) or _by_id(directory, a) for a in stage.approvers]
            emails = [u.email for u in named if u is not None and u.email]
            if stage.group is not None:
                emails += [u.email for u in self.demo.users if stage.group in u.groups]
            for email in emails:
                if email.casefold() != asked:
                    return email
        return None

    def approve(self, due: _Due) -> None:
        self._decide(due, "/approve")

    def reject(self, due: _Due) -> None:
        self._decide(due, "/reject not needed any more, checked with the requester")

    def _decide(self, due: _Due, text: str) -> None:
        ticket, run = self._state(due.key, due.ticket.desk)
        if run is None or run.state != RunState.WAITING_APPROVAL:
            return
        identity = self._approver(run, ticket)
        if identity is None:
            return
        try:
            decide_run(self.rt, run.id, identity.split("@")[0], identity, text)
        except ReviewError as exc:
            log.info("demo.history_refused", key=due.key, reason=str(exc))
            return
        self.report.errors += drain(self.rt)
        if self._applied(due) is not None:
            self._review_later(due)

    def _applied(self, due: _Due) -> RunRow | None:
        _, run = self._state(due.key, due.ticket.desk)
        return run if run is not None and run.state == RunState.APPLIED else None

    def confirm(self, due: _Due) -> None:
        if (run := self._applied(due)) is not None:
            confirm_run(self.rt, run.id, AGENT)

    def correct(self, due: _Due) -> None:
        if (run := self._applied(due)) is not None:
            wrong = sorted({t.expect_intent for t in self.demo.tickets} - {run.intent})
            mark_wrong(self.rt, run.id, AGENT, AGENT_EMAIL, self.rng.choice(wrong))

    def _directories(self, writable: bool) -> None:
        for directory in self.rt.directories.values():
            if isinstance(directory, DemoDirectory):
                directory.writable = writable

    def outage(self, due: _Due) -> None:
        self._directories(False)

    def recovered(self, due: _Due) -> None:
        self._directories(True)

    def roll_back(self, due: _Due) -> None:
        ticket, run = self._state(due.key, due.ticket.desk)
        if run is None or run.state != RunState.APPLIED:
            return
        # Someone who could approve the change; a change that needed no approval: the IT lead.
        identity = self._approver(run, ticket) or AGENT_EMAIL
        try:
            roll_back(self.rt, run.id, identity.split("@")[0], identity)
        except ReviewError as exc:
            log.info("demo.history_refused", key=due.key, reason=str(exc))

    ACTIONS: Mapping[str, Callable[[_Replay, _Due], None]] = {
        "create": create, "resolve": resolve, "approve": approve, "reject": reject,
        "confirm": confirm, "correct": correct, "roll_back": roll_back, "outage": outage,
        "recovered": recovered,
    }  # fmt: skip


def _by_id(directory: DirectoryClient, user_id: str) -> DirectoryUser | None:
    try:
        return directory.get_user(user_id)
    except NotFoundError:
        return None


def seed_history(
    rt: Runtime,
    demo: DemoSet,
    desks: Mapping[str, MemoryDesk],
    secrets: Mapping[str, bytes],
    now: datetime,
    days: int = DAYS,
) -> History:
    """Replay ``days`` days of tickets up to ``now`` through ``rt`` (workers not started yet)."""
    rng = random.Random(SEED)  # noqa: S311 (a reproducible demo, not a secret)
    replay = _Replay(rt, demo, desks, secrets, now)
    arrivals = _arrivals(demo, rng, now, days)
    return replay.run(arrivals + _outage(arrivals, now))
