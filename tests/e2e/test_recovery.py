"""
Recovery: a failed attempt leaves its work to the retry, and a failure is placed where it happened.

Signed Jira webhooks into the real pipeline (``World``), with directories that fail the way real
ones do: unreachable for a moment, refusing, or still down when the retries are spent.
"""

from __future__ import annotations

import time
from typing import Any

import pytest
from sqlalchemy import select, update

from connectors.errors import UnavailableError, UnreachableError
from connectors.identity import Capability, Change, DirectoryUser
from connectors.identity.memory import MemoryDirectory
from tests.integration.playbooks.world import World, seed, world
from worker.db.tables import InboxItem, RunRow, StepRow
from worker.inbound import ingest
from worker.queue.broker import MAX_RETRIES
from worker.queue.names import ActorName
from worker.queue.periodic import sweep
from worker.runs import commands

GRANT = ("Access request: Salesforce", "Please grant me access to Salesforce for 2 weeks.")
"""Worded so the classifier is sure enough of a high-risk intent to plan it unaided."""
RESET = ("Forgot my password", "I forgot my password, please reset it.")


def _directory(cls: type[MemoryDirectory], **attrs: Any) -> MemoryDirectory:
    directory = cls("corp", licenses={"m365-e3": 50, "sf-sales": 5})
    seed(directory)
    directory.apply_counts.clear()
    for name, value in attrs.items():
        setattr(directory, name, value)
    return directory


class LookupDownOnce(MemoryDirectory):
    """The first user look-up meets a directory that is restarting."""

    armed = False

    def find_user(self, *args: Any, **kwargs: Any) -> DirectoryUser | None:
        if self.armed:
            self.armed = False
            raise UnavailableError("LDAPSocketOpenError: socket connection error", system="corp")
        return super().find_user(*args, **kwargs)


class RefusedOnce(MemoryDirectory):
    """The first one-time password meets a refused connection: it never reached the server."""

    refused = False

    def set_one_time_password(self, user_id: str, password: str) -> Change:
        if not self.refused:
            self.refused = True
            raise UnreachableError("connection refused", system=self.name)
        return super().set_one_time_password(user_id, password)


class TimesOutOnce(MemoryDirectory):
    """The first one-time password times out after it was sent: nobody knows if it happened."""

    timed_out = False

    def set_one_time_password(self, user_id: str, password: str) -> Change:
        if not self.timed_out:
            self.timed_out = True
            super().set_one_time_password(user_id, password)
            raise UnavailableError("ReadTimeout: no answer in 30 s", system=self.name)
        return super().set_one_time_password(user_id, password)


class LicencesDown(MemoryDirectory):
    """The licence service never answers (still down when every retry is spent)."""

    def assign_license(self, user_id: str, license_id: str) -> Change:
        if license_id == "sf-sales":
            raise UnavailableError("server error (HTTP 503)", system=self.name, status=503)
        return super().assign_license(user_id, license_id)


def _password_reset_directory(cls: type[MemoryDirectory]) -> MemoryDirectory:
    directory = _directory(cls)
    directory.capabilities = frozenset(Capability) - {Capability.RESET_PASSWORD_FLOW}
    return directory


def test_a_transient_failure_while_planning_is_retried_at_once(database_url: str) -> None:
    """
    The directory is unreachable while the ticket is planned: Dramatiq's retry (half a second
    later) does the work, instead of finding the ticket still claimed and waiting for the lease.
    """
    with world(database_url, _directory(LookupDownOnce, armed=True)) as w:
        w.rt.clock = _real_time(w)
        started = time.monotonic()
        w.ticket("IT-2", "alice", *RESET)
        w.run_workers(timeout_s=20)
        took = time.monotonic() - started

        assert w.ticket_row("IT-2").outcome == "resolved"
        assert took < w.rt.settings.runtime.lease_s / 4


def test_the_same_message_takes_its_claim_back(database_url: str) -> None:
    """
    A run left 'applying' by an attempt that could not give it back (its database failed, its
    worker died): the same message — Dramatiq's retry, Redis's redelivery — resumes it at once;
    another message waits for the lease.
    """
    with world(database_url) as w:
        w.ticket("IT-3", "bob", *GRANT)
        w.drain()
        _approve(w, "IT-3")
        run = w.runs("IT-3")[0]
        with w.rt.db.session() as session:
            session.execute(
                update(RunRow)
                .where(RunRow.id == run.id)
                .values(state="applying", updated_at=w.now, claimed_by="message-1")
            )
        actor = w.rt.actors[ActorName.APPLY_RUN]

        actor.send_with_options(args=(run.id,))  # another message: must wait for the lease
        w.run_workers()
        assert w.runs("IT-3")[0].state == "applying"

        message = actor.message_with_options(args=(run.id,))
        w.rt.broker.enqueue(message.copy(message_id="message-1"))
        w.run_workers()
        assert w.runs("IT-3")[0].state == "applied"
        assert w.ticket_row("IT-3").outcome == "resolved"


@pytest.mark.parametrize(
    ("directory_cls", "first_step_state", "final"),
    [(RefusedOnce, "pending", "applied"), (TimesOutOnce, "started", "uncertain")],
    ids=["refused-connection-is-not-done", "timeout-after-sending-is-uncertain"],
)
def test_a_one_shot_step_is_judged_by_where_it_failed(
    tmp_path: Any, directory_cls: type[MemoryDirectory], first_step_state: str, final: str
) -> None:
    """
    A one-time password whose connection was refused never reached the directory: it is 'not
    done' and the retry sets it. One whose answer timed out may have happened: that alone is
    uncertain, handed to a person, never repeated.
    """
    directory = _password_reset_directory(directory_cls)
    with world(f"sqlite:///{tmp_path / 'db.sqlite3'}", directory) as w:
        w.ticket("IT-2", "alice", *RESET)
        with pytest.raises(UnavailableError):
            w.drain()
        with w.rt.db.session() as session:
            step = session.scalars(select(StepRow)).one()
        assert step.state == first_step_state

        w.advance(seconds=w.rt.settings.runtime.lease_s + 1)
        sweep(w.rt)
        w.drain()

        assert w.runs("IT-2")[0].state == final
        alice = w.user("alice")
        counts = w.directory.apply_counts  # type: ignore[attr-defined]
        assert counts[("set_one_time_password", alice.id)] == 1
        if final == "uncertain":
            assert "cannot be read back" in w.text("IT-2", public=False)


def test_a_step_still_failing_when_retries_are_spent_ends_the_run(database_url: str) -> None:
    """
    The licence service is still down on the last attempt: the group added before is removed,
    read back, the ticket escalated with a note saying what was undone; the run is over and the
    sweeper never sends it again.
    """
    with world(database_url, _directory(LicencesDown)) as w:
        w.ticket("IT-3", "bob", *GRANT)
        w.drain()
        _approve(w, "IT-3")
        run = w.runs("IT-3")[0]
        assert run.state == "approved"
        with w.rt.db.session() as session:  # its earlier attempts were retried and failed
            session.execute(update(RunRow).where(RunRow.id == run.id).values(updated_at=w.now))

        w.rt.actors[ActorName.APPLY_RUN].send_with_options(args=(run.id,), retries=MAX_RETRIES)
        w.run_workers()

        ended = w.runs("IT-3")[0]
        assert ended.state == "compensated"
        assert ended.result is not None
        assert "still failing after" in ended.result["error"]
        bob = w.user("bob")
        counts = w.directory.apply_counts  # type: ignore[attr-defined]
        assert counts[("add_to_group", bob.id)] == 1
        assert counts[("remove_from_group", bob.id)] == 1
        assert "app-salesforce" not in w.groups("bob")
        w.drain()
        internal = w.text("IT-3", public=False)
        assert "#### Undone after the failure" in internal
        assert "still failing after" in internal
        assert w.ticket_row("IT-3").outcome == "escalated"
        w.advance(seconds=w.rt.settings.runtime.lease_s * 10)
        assert sweep(w.rt)["apply_run"] == 0


def _approve(w: World, key: str) -> None:
    """Olivia approves: the approval is recorded, the run approved, its message dropped."""
    w.comment(key, "olivia", "/approve")
    with w.rt.db.session() as session:
        inbox = session.scalars(select(InboxItem.id).where(InboxItem.state == "received")).all()
    for inbox_id in inbox:
        ingest.ingest(w.rt, inbox_id)
    commands.handle_comments(w.rt, w.ticket_row(key).id)
    w.rt.broker.flush_all()
    assert [r.state for r in w.runs(key)] == ["approved"]


def _real_time(w: World) -> Any:
    """A clock that moves with real time from the world's start (for runs through real workers)."""
    origin, start = w.now, time.monotonic()

    def clock() -> Any:
        import datetime as dt

        return origin + dt.timedelta(seconds=time.monotonic() - start)

    return clock
