"""
Reclaiming an unused licence through the desk, on the real pipeline: deskpilot opens the ticket
(the holder told, the manager named), the ``licence-reclaim-unused`` playbook plans the removal,
only an IT asset approver's ``/approve`` (author resolved through the desk) lets it go ahead,
nothing changes before the notice date, then the licence is removed once and read back.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from decimal import Decimal

from connectors.identity.memory import MemoryDirectory
from playbooks.licences.contracts import Contract
from playbooks.licences.reclaim import Candidate
from playbooks.licences.savings import Reclaimed, Saving, realised
from tests.integration.playbooks.world import World, seed, world
from worker.reports.licence_savings import previous_month, reclaimed_between
from worker.runs.licence_reclaim import open_reclaim
from worker.runs.rollback import roll_back

ALICE = Candidate(
    "alice@example.com",
    "Microsoft",
    "m365-e3",
    "unused",
    "last seen 120 days ago; threshold 90 days",
    120,
)


def know_ticket(w: World, key: str, subject: str) -> None:
    """Let the test desk's webhooks talk about a ticket deskpilot opened itself."""
    number = 30000 + len(w.issues)
    w.issues[key] = {
        "id": str(number), "key": key,
        "self": f"https://acme-it.atlassian.net/rest/api/2/issue/{number}",
        "fields": {"summary": subject},
    }  # fmt: skip


def test_reclaim_waits_for_notice_and_approval_then_removes_once(database_url: str) -> None:
    with world(database_url) as w:
        opened = open_reclaim(w.rt, ALICE, desk="jira-it", wait_days=7)
        w.drain()
        key = opened.key
        ((marker, created),) = [(m, t) for m, (k, t) in w.desk.created.items() if k == key]
        know_ticket(w, key, created.subject)

        assert opened.opened
        assert "alice@example.com" == created.requester_email
        assert "(manager: maria@example.com)" in created.body
        assert "removed on or after **2026-12-02**" in created.body
        [run] = w.runs(key)
        assert ("licence-reclaim-unused", "waiting_approval") == (run.playbook, run.state)
        assert "Approval needed from a member of it-asset-team" in w.text(key, public=False)

        again = open_reclaim(w.rt, ALICE, desk="jira-it", wait_days=7)
        w.drain()
        assert (key, False) == (again.key, again.opened)
        assert 1 == len(w.runs(key))
        assert 1 == len(w.desk.created)

        w.comment(key, "bob", "/approve")  # not an IT asset approver
        w.drain()
        assert "waiting_approval" == w.runs(key)[0].state
        assert "not accepted" in w.text(key, public=False)

        w.comment(key, "dave", "/approve")
        w.drain()
        assert "scheduled" == w.runs(key)[0].state
        assert "m365-e3" in w.directory.licenses_of(w.user("alice").id)

        w.advance(days=7)
        assert 1 == w.fire_timers()
        assert "applied" == w.runs(key)[0].state
        assert "m365-e3" not in w.directory.licenses_of(w.user("alice").id)
        assert "has been removed from **alice**" in w.text(key, public=True)
        assert 1 == w.directory.apply_counts[("remove_license", w.user("alice").id)]  # type: ignore[attr-defined]
        assert marker.startswith("deskpilot-licence-reclaim-microsoft-m365-e3-alice-example-com-")


def reclaimed_in_december(w: World) -> list[Reclaimed]:
    start = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)
    with w.rt.db.session() as session:
        return reclaimed_between(
            session, start, dt.datetime(2027, 1, 1, tzinfo=dt.UTC), lambda at: at.date()
        )


def test_savings_count_applied_reclaims_and_drop_rolled_back_ones(database_url: str) -> None:
    ledger = [
        Contract(
            "Microsoft", "m365-e3", 10, Decimal("36.00"), "EUR",
            dt.date(2026, 1, 1), dt.date(2027, 12, 31), 30, "per_seat",
        )
    ]  # fmt: skip
    with world(database_url) as w:
        key = open_reclaim(w.rt, ALICE, desk="jira-it", wait_days=7).key
        w.drain()
        know_ticket(w, key, w.desk.created[next(iter(w.desk.created))][1].subject)
        assert [] == reclaimed_in_december(w)  # proposed and waiting: nothing saved yet
        w.comment(key, "dave", "/approve")
        w.drain()
        w.advance(days=7)
        w.fire_timers()
        assert "applied" == w.runs(key)[0].state

        done = reclaimed_in_december(w)
        start, end = previous_month("2027-01")
        today = w.rt.clock().date()
        assert [Reclaimed("Microsoft", "m365-e3", "alice@example.com", today)] == done
        assert [Saving("Microsoft", "m365-e3", "EUR", 1, Decimal("36.00"))] == realised(
            ledger, done, start, end
        )

        roll_back(w.rt, w.runs(key)[0].id, "dave", "dave@example.com")
        w.drain()
        assert "rolled_back" == w.runs(key)[0].state
        assert "m365-e3" in w.directory.licenses_of(w.user("alice").id)
        assert [] == reclaimed_in_december(w)


def approve_and_apply(w: World, candidate: Candidate) -> str:
    key = open_reclaim(w.rt, candidate, desk="jira-it", wait_days=7).key
    w.drain()
    created = next(t for k, t in w.desk.created.values() if k == key)
    know_ticket(w, key, created.subject)
    w.comment(key, "dave", "/approve")
    w.drain()
    w.advance(days=7)
    assert 1 == w.fire_timers()
    assert "applied" == w.runs(key)[0].state
    return key


def test_a_downgrade_moves_the_seat_to_the_cheaper_sku_once_and_rolls_back(
    database_url: str,
) -> None:
    directory = MemoryDirectory("corp", licenses={"m365-e3": 5, "m365-e1": 5})
    seed(directory)
    directory.apply_counts.clear()
    with world(database_url, directory) as w:
        alice = w.user("alice").id
        key = approve_and_apply(w, replace(ALICE, downgrade_to="m365-e1"))
        body = next(t for k, t in w.desk.created.values() if k == key).body
        assert "downgraded to **m365-e1**" in body
        plan = w.text(key, public=False)
        assert "Assign licence m365-e1 to alice" in plan
        assert "Remove licence m365-e3 from alice" in plan
        assert "has been downgraded to\nm365-e1 as announced" in w.text(key, public=True)
        assert ["m365-e1"] == w.directory.licenses_of(alice)
        assert 1 == directory.apply_counts[("assign_license", alice)]
        assert 1 == directory.apply_counts[("remove_license", alice)]
        (moved,) = reclaimed_in_december(w)
        assert "m365-e1" == moved.downgrade_to  # priced as the difference by realised()

        again = open_reclaim(
            w.rt, replace(ALICE, downgrade_to="m365-e1"), desk="jira-it", wait_days=7
        )
        w.drain()
        assert (key, False) == (again.key, again.opened)
        assert 1 == directory.apply_counts[("assign_license", alice)]

        roll_back(w.rt, w.runs(key)[0].id, "dave", "dave@example.com")
        w.drain()
        assert "rolled_back" == w.runs(key)[0].state
        assert ["m365-e3"] == w.directory.licenses_of(alice)


def test_an_inherited_seat_becomes_a_group_removal_and_rolls_back(database_url: str) -> None:
    with world(database_url) as w:
        alice = w.user("alice").id
        key = approve_and_apply(w, replace(ALICE, group="sales", downgrade_to="m365-e1"))
        body = next(t for k, t in w.desk.created.values() if k == key).body
        assert "assigned through the group **sales**" in body
        plan = w.text(key, public=False)
        assert "sales" in plan
        assert "Remove licence" not in plan
        assert "taken out of the group sales, which" in w.text(key, public=True)
        assert "sales" not in w.groups("alice")
        assert "m365-e3" in w.directory.licenses_of(alice)  # the group, not the seat, changed
        assert ("remove_license", alice) not in w.directory.apply_counts  # type: ignore[attr-defined]

        roll_back(w.rt, w.runs(key)[0].id, "dave", "dave@example.com")
        w.drain()
        assert "rolled_back" == w.runs(key)[0].state
        assert "sales" in w.groups("alice")
