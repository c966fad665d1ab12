"""Apply exactly once, through the worker: approvals, races, crashes, failures, expiry, refusals.

Tickets and comments arrive as signed Jira webhook deliveries; the pipeline functions run to
completion (``World.drain``); the in-memory directory's ``apply_counts`` prove what changed once.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import select

from connectors.errors import RejectedError
from connectors.identity import Change
from connectors.identity.memory import MemoryDirectory
from tests.integration.playbooks.world import World, company, seed, world
from worker.db.records import AuditRow
from worker.db.tables import ApprovalRow, RunRow, StepRow
from worker.queue.periodic import sweep
from worker.runs import commands
from worker.runs.apply import apply_run

GRANT = ("Need access to Salesforce", "Please give me access to Salesforce for 2 weeks.")


@pytest.fixture
def w(tmp_path: Any) -> Iterator[World]:
    with world(f"sqlite:///{tmp_path / 'deskpilot.sqlite3'}") as built:
        yield built


def _grant(w: World, key: str = "IT-3") -> None:
    w.ticket(key, "bob", *GRANT)
    w.drain()
    assert [r.state for r in w.runs(key)] == ["waiting_approval"]


def test_access_grant_waits_then_applies_once_after_the_owner_approves(database_url: str) -> None:
    """Bob asks for Salesforce; Olivia (owner) approves by comment; applied once, resolved."""
    with world(database_url) as w:
        _grant(w)
        assert w.notes("IT-3", public=True) == [], "waiting for an approval is for the agents"
        assert "reply `/approve`" in w.text("IT-3", public=False)
        w.comment("IT-3", "olivia", "/approve")
        w.drain()
        bob = w.user("bob")
        assert "app-salesforce" in w.groups("bob")
        assert w.directory.licenses_of(bob.id) == ["sf-sales"]
        assert w.ticket_row("IT-3").outcome == "resolved"
        assert w.desk.statuses["IT-3"] == "resolved"
        internal = w.text("IT-3", public=False)
        assert "Approved by olivia" in internal
        assert "✅ read back: member_of:app-salesforce: true" in internal


@pytest.mark.parametrize(
    ("approver", "reason"),
    [("bob", "own"), ("maria", "owner")],
    ids=["self-approval", "not-the-app-owner"],
)
def test_approval_by_someone_not_allowed_is_refused(w: World, approver: str, reason: str) -> None:
    """Nobody approves their own request; only the application's owner counts."""
    _grant(w)
    w.comment("IT-3", approver, "/approve")
    w.drain()
    assert [r.state for r in w.runs("IT-3")] == ["waiting_approval"]
    assert "app-salesforce" not in w.groups("bob")
    refused = [n.body for n in w.notes("IT-3", public=False) if "not accepted" in n.body]
    assert len(refused) == 1
    assert reason in refused[0].lower()


def test_racing_approvals_apply_exactly_once(w: World) -> None:
    """Two approvals handled at the same moment by two threads: one apply, each change once."""
    w.ticket("IT-3", "bob", *GRANT)
    w.drain()
    w.comment("IT-3", "olivia", "/approve")
    w.comment("IT-3", "olivia", "/approve\nlooks fine")
    ticket_id = w.ticket_row("IT-3").id
    from worker.db.tables import InboxItem
    from worker.inbound import ingest

    with w.rt.db.session() as session:
        inbox = session.scalars(select(InboxItem.id).where(InboxItem.state == "received")).all()
    for inbox_id in inbox:
        ingest.ingest(w.rt, inbox_id)
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def approve() -> None:
        try:
            barrier.wait()
            commands.handle_comments(w.rt, ticket_id)
            for run in w.runs("IT-3"):
                apply_run(w.rt, run.id)
        except BaseException as exc:  # noqa: BLE001 (reported by the assertion below)
            errors.append(exc)

    threads = [threading.Thread(target=approve) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    w.drain()
    assert errors == []
    bob = w.user("bob")
    assert w.directory.apply_counts[("add_to_group", bob.id)] == 1  # type: ignore[attr-defined]
    assert w.directory.apply_counts[("assign_license", bob.id)] == 1  # type: ignore[attr-defined]
    with w.rt.db.session() as session:
        applied = session.scalars(select(AuditRow).where(AuditRow.action == "run.applied")).all()
        steps = session.scalars(select(StepRow).where(StepRow.phase == "apply")).all()
    assert len(applied) == 1
    assert sorted(s.idx for s in steps) == [1, 2]


class WorkerKilledError(BaseException):
    """Like a killed worker thread: not an Exception, so nothing in deskpilot catches it."""


class CrashOnce(MemoryDirectory):
    """Dies (like a killed worker) the first time it is asked for a Salesforce licence."""

    crashed = False

    def assign_license(self, user_id: str, license_id: str) -> Change:
        if license_id == "sf-sales" and not self.crashed:
            self.crashed = True
            raise WorkerKilledError("worker killed mid-run")
        return super().assign_license(user_id, license_id)


class FailLicence(MemoryDirectory):
    """Refuses Salesforce licences, as a directory out of seats would."""

    def assign_license(self, user_id: str, license_id: str) -> Change:
        if license_id != "sf-sales":
            return super().assign_license(user_id, license_id)
        raise RejectedError(f"no seats left on {license_id}", system=self.name)


def _directory(cls: type[MemoryDirectory]) -> MemoryDirectory:
    directory = cls("corp", licenses={"m365-e3": 50, "sf-sales": 5})
    seed(directory)
    directory.apply_counts.clear()
    return directory


def test_crash_mid_run_resumes_after_the_lease_without_repeating(database_url: str) -> None:
    """A worker killed after step 1 leaves the run 'applying'; after the lease it resumes once."""
    with world(database_url, _directory(CrashOnce)) as w:
        _grant(w)
        w.comment("IT-3", "olivia", "/approve")
        with pytest.raises(WorkerKilledError):
            w.drain()
        run = w.runs("IT-3")[0]
        assert run.state == "applying"
        assert apply_run(w.rt, run.id) is None  # still leased to the dead worker
        w.advance(seconds=w.rt.settings.runtime.lease_s + 1)
        assert sweep(w.rt)["apply_run"] == 1
        assert apply_run(w.rt, run.id) == "applied"
        w.drain()
        bob = w.user("bob")
        counts = w.directory.apply_counts  # type: ignore[attr-defined]
        assert counts[("add_to_group", bob.id)] == 1
        assert counts[("assign_license", bob.id)] == 1
        assert w.ticket_row("IT-3").outcome == "resolved"
        assert len([n for n in w.notes("IT-3", public=True) if "now has access" in n.body]) == 1


def test_failure_mid_run_is_compensated_in_reverse_and_escalated(tmp_path: Any) -> None:
    """The licence step fails for good: the group added before is removed, agents take over."""
    with world(f"sqlite:///{tmp_path / 'db.sqlite3'}", _directory(FailLicence)) as w2:
        _grant(w2)
        w2.comment("IT-3", "olivia", "/approve")
        w2.drain()
        bob = w2.user("bob")
        assert "app-salesforce" not in w2.groups("bob")
        counts = w2.directory.apply_counts  # type: ignore[attr-defined]
        assert counts[("add_to_group", bob.id)] == 1
        assert counts[("remove_from_group", bob.id)] == 1
        assert w2.runs("IT-3")[0].state == "compensated"
        assert w2.ticket_row("IT-3").outcome == "escalated"
        internal = w2.text("IT-3", public=False)
        assert "#### Undone after the failure" in internal
        assert "❌ failed:" in internal
        assert "no seats left on sf-sales" in internal
        assert "escalated" in internal
        assert w2.notes("IT-3", public=True) == [], "an escalated ticket gets no public reply"


def test_expiry_rechecks_the_directory_and_removes_readded_access(w: World) -> None:
    """At the end date the grant is re-read: access someone added back is removed again."""
    _grant(w)
    w.comment("IT-3", "olivia", "/approve")
    w.drain()
    bob = w.user("bob")
    w.directory.remove_from_group(bob.id, "app-salesforce")  # an agent removed it by hand…
    w.directory.add_to_group(bob.id, "app-salesforce")  # …and someone added it back
    w.advance(days=13)
    assert w.fire_timers() == 0
    w.advance(days=1, minutes=1)
    assert w.fire_timers() == 1
    assert "app-salesforce" not in w.groups("bob")
    assert w.directory.licenses_of(bob.id) == []
    assert w.runs("IT-3")[0].state == "expired"
    assert "ended as planned" in w.text("IT-3", public=False)
    assert "has now ended" not in w.text("IT-3", public=True), "an expiry is an internal note"
    assert w.fire_timers() == 0


def test_privileged_target_is_refused_and_nothing_changes(w: World) -> None:
    """A reset of the built-in administrator is never automatic."""
    w.ticket(
        "IT-11",
        "alice",
        "Reset admin password",
        "Please reset the password for administrator@example.com.",
    )
    w.drain()
    assert w.ticket_row("IT-11").outcome == "escalated"
    assert dict(w.directory.apply_counts) == {}  # type: ignore[attr-defined]
    internal = w.text("IT-11", public=False)
    assert "Outcome: **refused**" in internal
    assert "administrator is a privileged account" in internal
    assert w.notes("IT-11", public=True) == [], "escalated: a person answers, deskpilot does not"


def test_mfa_reset_needs_the_manager_then_applies(w: World) -> None:
    """Alice's MFA reset waits for Maria (her manager); after /approve the factors are gone."""
    alice = w.user("alice")
    w.directory.set_mfa_factors(alice.id, ("totp", "sms"))  # type: ignore[attr-defined]
    w.ticket("IT-4", "alice", "Reset my MFA", "I got a new phone, please reset my MFA.")
    w.drain()
    assert w.ticket_row("IT-4").outcome == "waiting_approval"
    assert w.directory.apply_counts[("reset_mfa", alice.id)] == 0  # type: ignore[attr-defined]
    w.comment("IT-4", "maria", "/approve")
    w.drain()
    assert w.directory.apply_counts[("reset_mfa", alice.id)] == 1  # type: ignore[attr-defined]
    assert w.ticket_row("IT-4").outcome == "resolved"
    with w.rt.db.session() as session:
        approvals = session.scalars(select(ApprovalRow)).all()
    assert [(a.directory_login, a.verdict) for a in approvals] == [("maria", "approved")]


def test_reject_closes_the_ticket_with_a_public_reply(w: World) -> None:
    """``/reject <reason>`` by the owner: nothing changes, the requester reads why."""
    _grant(w)
    w.comment("IT-3", "olivia", "/reject licences are frozen until January")
    w.drain()
    assert w.runs("IT-3")[0].state == "rejected"
    assert w.ticket_row("IT-3").outcome == "rejected"
    assert "app-salesforce" not in w.groups("bob")
    assert "licences are frozen until January" in w.text("IT-3", public=True)


def test_real_dramatiq_workers_run_the_same_pipeline(w: World) -> None:
    """The webhook's messages, consumed by a real Dramatiq worker on the StubBroker."""
    w.ticket("IT-2", "alice", "Forgot my password", "I forgot my password, please reset it.")
    w.run_workers()
    with w.rt.db.session() as session:
        run = session.scalars(select(RunRow)).one()
    assert run.state == "applied"
    assert w.ticket_row("IT-2").outcome == "resolved"
    assert w.desk.statuses["IT-2"] == "resolved"


def test_no_password_anywhere_and_link_only_for_the_owner(tmp_path: Any) -> None:
    """Without a reset flow: the one-time link in the owner's reply, masked in the internal note."""
    from connectors.identity import Capability

    directory = company()
    directory.capabilities = frozenset(Capability) - {Capability.RESET_PASSWORD_FLOW}
    with world(f"sqlite:///{tmp_path / 'db.sqlite3'}", directory) as w:
        w.ticket("IT-2", "alice", "Forgot my password", "I forgot my password, please reset it.")
        w.drain()
        public = w.text("IT-2", public=True)
        internal = w.text("IT-2", public=False)
        assert "https://deskpilot.example.com/secret/" in public
        assert "/secret/" not in internal
        assert "sent to the owner" in internal
        with w.rt.db.session() as session:
            applied = session.scalars(
                select(AuditRow).where(AuditRow.action == "step.applied")
            ).one()
        assert applied.data["after"]["one_time_link"] == "(issued)"
