"""SLA breach actions through the outbox: priority one step up and reassignment, once per breach."""

from __future__ import annotations

import json

import responses
from sqlalchemy import select

from sla.config import SlaSettings
from sla.definition import compile_sla
from tests.integration.playbooks.world import world
from worker.clocks.slaclock import update_sla
from worker.db.records import SlaClockRow
from worker.db.tables import OutboxRow, TicketEventRow, TicketRow

SLA = {
    "policies": [
        {
            "name": "tight",
            "goals": {"resolution": {"goal": "1h", "clock": "calendar"}},
            "on_breach": [
                {"action": "priority_bump"},
                {"action": "reassign", "team": "l2-queue"},
            ],
        }
    ]
}


def test_breach_bumps_priority_and_reassigns_exactly_once(database_url: str) -> None:
    with world(database_url) as w:
        w.rt.sla = compile_sla(SlaSettings.model_validate(SLA))
        w.ticket("IT-31", "maria", "The coffee machine in room 4 is leaking", "Water everywhere.")
        w.drain()
        assert update_sla(w.rt, w.ticket_row("IT-31").id) >= 1  # the ingest actor's SLA step
        assert w.desk.priorities == {}

        w.advance(hours=1, minutes=1)
        assert w.fire_timers() >= 1
        assert w.desk.priorities == {"IT-31": "high"}  # Jira "Medium" is normal: one step up
        assert w.desk.assignees == {"IT-31": "l2-queue"}
        assert "SLA breached" in w.text("IT-31", public=False)

        w.advance(minutes=30)
        w.fire_timers()
        with w.rt.db.session() as session:
            kinds = session.scalars(
                select(OutboxRow.kind).where(OutboxRow.kind.in_(("priority", "assign")))
            ).all()
            recorded = session.scalars(
                select(TicketEventRow.data).where(TicketEventRow.kind == "priority")
            ).all()
        assert sorted(kinds) == ["assign", "priority"]
        assert [event["priority"] for event in recorded] == ["high"]  # re-targets our clocks


ROUTED = {
    "policies": [
        {"name": "vip", "match": {"customer": ["Maria@Example.com"]},
         "goals": {"resolution": {"goal": "1h", "clock": "calendar"}}},
        {"name": "everyone", "goals": {"resolution": {"goal": "8h", "clock": "calendar"}}},
    ]
}  # fmt: skip


def test_a_policy_matched_by_customer_sets_the_stored_clock(database_url: str) -> None:
    """The worker passes the requester (and group, organisation) to policy selection."""
    with world(database_url) as w:
        w.rt.sla = compile_sla(SlaSettings.model_validate(ROUTED))
        w.ticket("IT-32", "maria", "The coffee machine in room 4 is leaking", "Water everywhere.")
        w.ticket("IT-33", "tom", "The coffee machine in room 5 is leaking", "Water everywhere.")
        w.drain()
        for key in ("IT-32", "IT-33"):
            update_sla(w.rt, w.ticket_row(key).id)
        with w.rt.db.session() as session:
            stored: dict[str, str | None] = dict(
                session.execute(
                    select(TicketRow.key, SlaClockRow.policy)
                    .join(SlaClockRow, SlaClockRow.ticket_id == TicketRow.id)
                    .where(SlaClockRow.metric == "resolution")
                ).all()
            )

        assert stored == {"IT-32": "vip", "IT-33": "everyone"}


HOOK = "https://chat.example.com/hooks/T0KEN-in-the-path"
NOTIFY_SLA = {
    "policies": [
        {
            "name": "watched",
            "goals": {"resolution": {"goal": "1h", "clock": "calendar"}},
            "on_breach": [{"action": "notify", "url": HOOK}],
        }
    ]
}


def test_breach_notification_goes_through_the_outbox_once(database_url: str) -> None:
    """The webhook is posted by the writeback, after the breach commits, once, keyed by marker."""
    with (
        world(database_url) as w,
        responses.RequestsMock(assert_all_requests_are_fired=True) as http,
    ):
        w.rt.sla = compile_sla(SlaSettings.model_validate(NOTIFY_SLA))
        w.ticket("IT-32", "maria", "The coffee machine in room 4 is leaking", "Water everywhere.")
        w.drain()
        update_sla(w.rt, w.ticket_row("IT-32").id)
        posted = http.post(HOOK, status=204)

        w.advance(hours=1, minutes=1)
        assert w.fire_timers() >= 1
        w.advance(minutes=30)
        w.fire_timers()

        assert 1 == posted.call_count
        request = http.calls[0].request
        assert request.body is not None
        message = json.loads(request.body)
        assert ("sla.breached", "IT-32", "resolution") == (
            message["event"],
            message["ticket"],
            message["metric"],
        )
        assert "sla-breach-notify-resolution" in request.headers["Idempotency-Key"]
        with w.rt.db.session() as session:
            rows = session.execute(
                select(OutboxRow.state, OutboxRow.body).where(OutboxRow.kind == "notify")
            ).all()
        assert ["sent"] == [state for state, _ in rows]
        assert all(HOOK not in body for _, body in rows)  # the URL's token stays in the config
