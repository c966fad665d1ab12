"""A small company wired to the real worker: signed Jira webhooks in, notes and directory state out.

``World`` builds a Runtime with ``worker.boot.build_runtime`` (StubBroker, SQLite or PostgreSQL),
a ``MemoryDesk`` called ``jira-it`` and a seeded directory, and drives the pipeline functions
(``ingest → process_ticket → handle_comments → apply_run → writeback``) to completion, one row
at a time, so tests are deterministic. ``run_workers`` does the same through real Dramatiq
workers on the StubBroker.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import secrets
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import dramatiq
from sqlalchemy import select

from connectors.desks import WrittenComment
from connectors.desks.memory import MemoryDesk
from connectors.identity import DirectoryClient, DirectoryUser, NewUser
from connectors.identity.memory import MemoryDirectory
from intake.webhooks import sign_jira
from worker.boot import build_runtime
from worker.config import AppSettings
from worker.db.tables import InboxItem, OutboxRow, RunRow, TicketEventRow, TicketRow
from worker.inbound import ingest
from worker.inbound.receive import Outcome, receive_webhook
from worker.outbound import writeback
from worker.queue import timers
from worker.runs import commands, process
from worker.runs.apply import apply_run
from worker.runtime import Runtime

DESK = "jira-it"
NOW = dt.datetime(2026, 11, 25, 9, 0, tzinfo=dt.UTC)
AGENT_TOKEN = "agent-token-for-tests-0123456789abcdef"
PEOPLE = [
    # login, given, family, manager, department, groups
    ("maria", "Maria", "Manager", None, "Sales", ["hr-team", "all-staff"]),
    ("alice", "Alice", "Liddell", "maria", "Sales", ["all-staff", "sales"]),
    ("bob", "Bob", "Builder", "maria", "Sales", ["all-staff"]),
    ("olivia", "Olivia", "Owner", None, "IT", ["hr-team"]),
    ("sam", "Sam", "Security", None, "Security", ["security-approvers"]),
    ("administrator", "Built-in", "Admin", None, "IT", ["Domain Admins"]),
    ("carol", "Carol", "Contractor", "maria", "Sales", []),
    ("dave", "Dave", "Agent", None, "IT", ["it-asset-team"]),
]
POLICY: dict[str, Any] = {
    "applications": [
        {
            "name": "Salesforce",
            "aliases": ["sfdc"],
            "group": "app-salesforce",
            "owners": ["olivia"],
            "license": "sf-sales",
        },
        {"name": "GitHub", "group": "app-github", "owners": ["olivia"]},
    ],
    "role_templates": [
        {"department": "Sales", "groups": ["all-staff", "sales"], "licenses": ["m365-e3"]},
        {
            "department": "Engineering",
            "groups": ["all-staff", "engineering", "app-github"],
            "licenses": ["m365-e3"],
        },
    ],
}


def seed(directory: DirectoryClient, *, licenses: bool = True) -> dict[str, DirectoryUser]:
    """The company in ``directory``: Maria manages Alice, Bob and Carol; Olivia owns apps."""
    users: dict[str, DirectoryUser] = {}
    for login, given, family, manager, dept, groups in PEOPLE:
        manager_id = users[manager].id if manager else None
        directory.create_user(
            NewUser(
                login,
                given,
                family,
                email=f"{login}@example.com",
                manager_id=manager_id,
                department=dept,
                title="Staff",
            )
        )
        found = directory.find_user(login=login)
        assert found is not None
        users[login] = found
        for group in groups:
            directory.add_to_group(found.id, group)
    if licenses:
        directory.assign_license(users["alice"].id, "m365-e3")
    return users


SENDER = "deskpilot@example.com"


def company() -> MemoryDirectory:
    """A seeded in-memory directory with licences, its counters cleared."""
    directory = MemoryDirectory("corp", licenses={"m365-e3": 50, "sf-sales": 5, "visio": 0})
    seed(directory)
    directory.apply_counts.clear()
    return directory


@dataclass(frozen=True)
class WebToken:
    """One more API token for the web pages (beside Olivia's agent token)."""

    name: str
    role: str
    token: str
    desk_identity: str | None = None


def settings_for(
    database_url: str,
    *,
    directory_type: str = "memory",
    tokens: Sequence[WebToken] = (),
    **policy: Any,
) -> AppSettings:
    """A desk ``jira-it`` (memory writeback, signed webhooks), one directory, the test policy;
    ``tokens`` are added to Olivia's agent token."""
    env = f"DESKPILOT_TEST_PLAYBOOKS_{uuid.uuid4().hex[:8].upper()}"
    os.environ[env] = secrets.token_hex(16)
    os.environ["DESKPILOT_TEST_AGENT_TOKEN"] = AGENT_TOKEN
    extra = []
    for t in tokens:
        os.environ[f"DESKPILOT_TEST_TOKEN_{t.name.upper()}"] = t.token
        extra.append({"name": t.name, "role": t.role, "desk_identity": t.desk_identity,
                      "token": {"env": f"DESKPILOT_TEST_TOKEN_{t.name.upper()}"}})  # fmt: skip
    return AppSettings.model_validate(
        {
            "database_url": database_url,
            "broker": {"url": "stub"},
            "web": {
                "public_url": "https://deskpilot.example.com",
                "api_tokens": [
                    {
                        "name": "olivia",
                        "role": "agent",
                        "token": {"env": "DESKPILOT_TEST_AGENT_TOKEN"},
                        "desk_identity": "olivia@example.com",
                    },
                    *extra,
                ],
            },
            # The codes that prove a one-time link's owner (a test with a mailbox sets the port).
            "mail": {"host": "127.0.0.1", "port": 25, "security": "none", "sender": SENDER},
            "runtime": {"lease_s": 60},
            "desks": [
                {
                    "name": DESK,
                    "type": "jira",
                    "connector": "memory",
                    "base_url": "https://acme-it.atlassian.net",
                    "webhook_secret": {"env": env},
                    "directory": "corp",
                }
            ],
            "directories": [{"name": "corp", "type": directory_type}],
            "playbooks": {**POLICY, **policy},
        }
    )


def account_id(login: str) -> str:
    """The Jira account id of ``login`` (the desk's user API knows it: ``World.know``)."""
    return "712020:" + str(uuid.uuid5(uuid.NAMESPACE_DNS, login))


def _person(login: str) -> dict[str, object]:
    return {
        "accountId": account_id(login),
        "displayName": login.title(),
        "emailAddress": f"{login}@example.com",
        "active": True,
        "accountType": "customer",
    }


def _jira_time(at: dt.datetime) -> str:
    return at.strftime("%Y-%m-%dT%H:%M:%S.000+0000")


def settle(rt: Runtime, rounds: int = 20, *, writeback_rows: bool = True) -> None:
    """
    Run every pipeline step of ``rt`` that has work until nothing is left (one row at a time);
    ``writeback_rows=False`` leaves the outbox alone (its rows would call the desks).
    """
    for _ in range(rounds):
        if not _step(rt, writeback_rows):
            return
    raise AssertionError("the pipeline did not settle")


def _step(rt: Runtime, writeback_rows: bool) -> bool:
    with rt.db.session() as session:
        inbox = session.scalars(select(InboxItem.id).where(InboxItem.state == "received")).all()
        tickets = session.scalars(select(TicketRow.id).where(TicketRow.stage == "received")).all()
        comments = session.scalars(
            select(TicketEventRow.ticket_id)
            .where(TicketEventRow.kind == "comment", TicketEventRow.handled.is_(False))
            .distinct()
        ).all()
        runs = session.scalars(select(RunRow.id).where(RunRow.state == "approved")).all()
        outbox = (
            session.scalars(select(OutboxRow.id).where(OutboxRow.state == "pending")).all()
            if writeback_rows
            else []
        )
    for inbox_id in inbox:
        ingest.ingest(rt, inbox_id)
    for ticket_id in tickets:
        process.process_ticket(rt, ticket_id)
    for ticket_id in comments:
        commands.handle_comments(rt, ticket_id)
    for run_id in runs:
        apply_run(rt, run_id)
    for outbox_id in outbox:
        writeback.writeback(rt, outbox_id)
    return bool(inbox or tickets or comments or runs or outbox)


@dataclass
class World:
    """The runtime, its desk and directory, and a settable clock."""

    rt: Runtime
    desk: MemoryDesk
    directory: DirectoryClient
    secret: bytes
    now: dt.datetime = NOW
    issues: dict[str, dict[str, Any]] = field(default_factory=dict)
    _comment_ids: Iterator[int] = field(default_factory=lambda: iter(range(20000, 10**6)))

    def clock(self) -> dt.datetime:
        """The world's time (tests move it with ``advance``)."""
        return self.now

    def advance(self, **delta: float) -> None:
        """Move the clock forward."""
        self.now += dt.timedelta(**delta)

    def know(self, login: str) -> None:
        """Make ``login`` a user the desk's user API answers for (account id → address)."""
        self.desk.add_person(account_id(login), f"{login}@example.com")

    def deliver(self, payload: dict[str, Any]) -> None:
        """Sign and post one Jira webhook delivery, as the desk would."""
        body = json.dumps(payload).encode()
        headers = {
            "Content-Type": "application/json",
            "X-Atlassian-Webhook-Identifier": str(uuid.uuid4()),
            **sign_jira(self.secret, body),
        }
        receipt = receive_webhook(self.rt, DESK, headers, body)
        assert receipt.outcome in (Outcome.ACCEPTED, Outcome.DUPLICATE), receipt.detail

    def ticket(
        self,
        key: str,
        requester: str,
        subject: str,
        description: str = "",
        *,
        fields: dict[str, Any] | None = None,
        attachments: list[dict[str, Any]] | None = None,
    ) -> None:
        """A ``jira:issue_created`` from ``requester`` (a login of the company)."""
        number = int(key.rsplit("-", 1)[1])
        issue = {
            "id": str(10000 + number),
            "key": key,
            "self": f"https://acme-it.atlassian.net/rest/api/2/issue/{10000 + number}",
            "fields": {
                "summary": subject,
                "description": description or subject,
                "issuetype": {"id": "10004", "name": "Service Request"},
                "project": {"id": "10000", "key": key.split("-")[0], "name": "IT Help"},
                "reporter": _person(requester),
                "creator": _person(requester),
                "priority": {"id": "3", "name": "Medium"},
                "status": {
                    "id": "10001",
                    "name": "Waiting for support",
                    "statusCategory": {"id": 2, "key": "new", "name": "To Do"},
                },
                "created": _jira_time(self.now),
                "updated": _jira_time(self.now),
                "attachment": attachments or [],
                "comment": {"comments": [], "maxResults": 0, "total": 0, "startAt": 0},
                **(fields or {}),
            },
        }
        self.issues[key] = issue
        self.desk.register(key)
        self.know(requester)
        self.deliver(
            {
                "timestamp": int(self.now.timestamp() * 1000),
                "webhookEvent": "jira:issue_created",
                "issue_event_type_name": "issue_created",
                "user": _person(requester),
                "issue": issue,
            }
        )

    def comment(self, key: str, author: str, body: str, *, public: bool = False) -> None:
        """A ``comment_created`` delivery on ``key`` by ``author`` (a login)."""
        comment_id = str(next(self._comment_ids))
        issue = self.issues[key]
        self.know(author)
        self.deliver(
            {
                "timestamp": int(self.now.timestamp() * 1000),
                "webhookEvent": "comment_created",
                "comment": {
                    "self": f"{issue['self']}/comment/{comment_id}",
                    "id": comment_id,
                    "author": _person(author),
                    "body": body,
                    "updateAuthor": _person(author),
                    "created": _jira_time(self.now),
                    "updated": _jira_time(self.now),
                    "jsdPublic": public,
                },
                "issue": {k: v for k, v in issue.items() if k != "fields"}
                | {"fields": {"summary": issue["fields"]["summary"]}},
            }
        )

    def drain(self, rounds: int = 20) -> None:
        """Run every pipeline step that has work until nothing is left (one row at a time)."""
        settle(self.rt, rounds)

    def step(self) -> bool:
        """One round of every pipeline step that has work; False when there was none."""
        return _step(self.rt, writeback_rows=True)

    def fire_timers(self) -> int:
        """Fire the timers due at the world's time, then settle."""
        fired = timers.fire_timers(self.rt)
        self.drain()
        return fired

    # -- what happened --------------------------------------------------------------------------

    def notes(self, key: str, *, public: bool | None = None) -> list[WrittenComment]:
        """The comments deskpilot wrote on ``key`` (public replies, internal notes or both)."""
        return [c for c in self.desk.comments[key] if public is None or c.public == public]

    def text(self, key: str, *, public: bool | None = None) -> str:
        """Every comment body on ``key``, joined."""
        return "\n".join(c.body for c in self.notes(key, public=public))

    def ticket_row(self, key: str) -> TicketRow:
        """The ticket's row."""
        with self.rt.db.session() as session:
            row = session.scalars(select(TicketRow).where(TicketRow.key == key)).one()
            session.expunge(row)
            return row

    def runs(self, key: str) -> list[RunRow]:
        """The ticket's runs, first attempt first."""
        with self.rt.db.session() as session:
            rows = session.scalars(
                select(RunRow)
                .join(TicketRow, TicketRow.id == RunRow.ticket_id)
                .where(TicketRow.key == key)
                .order_by(RunRow.attempt)
            ).all()
            for row in rows:
                session.expunge(row)
            return list(rows)

    def user(self, login: str) -> DirectoryUser:
        """A directory user by login."""
        found = self.directory.find_user(login=login)
        assert found is not None, login
        return found

    def groups(self, login: str) -> list[str]:
        """The user's groups."""
        return sorted(self.directory.groups_of(self.user(login).id))

    def run_workers(self, timeout_s: float = 60.0) -> None:
        """Consume every queued message with real Dramatiq workers until the queues are empty."""
        broker = self.rt.broker
        worker = dramatiq.Worker(broker, worker_threads=4, worker_timeout=50)
        worker.start()
        try:
            for _ in range(10):
                for queue in sorted(broker.get_declared_queues()):
                    broker.join(queue, timeout=int(timeout_s * 1000), fail_fast=True)  # type: ignore[call-arg]
                worker.join()
        finally:
            worker.stop()


@contextmanager
def world(
    database_url: str, directory: DirectoryClient | None = None, **policy: Any
) -> Iterator[World]:
    """A World on ``database_url`` (migrated), disposed afterwards."""
    with world_of(settings_for(database_url, **policy), directory) as w:
        yield w


@contextmanager
def world_of(settings: AppSettings, directory: DirectoryClient | None = None) -> Iterator[World]:
    """A World on ``settings`` (``settings_for``'s, e.g. with more web tokens), disposed afterwards."""
    desk = MemoryDesk(DESK)
    directory = directory if directory is not None else company()
    rt = build_runtime(settings, desks={DESK: desk}, directories={"corp": directory})
    secret = rt.webhook_secrets[DESK]
    assert secret is not None
    w = World(rt, desk, directory, secret)
    rt.clock = w.clock
    try:
        yield w
    finally:
        rt.broker.close()
        rt.db.dispose()
