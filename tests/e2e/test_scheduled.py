"""Offboarding on the leaver's date: approved early, nothing changes until the ``apply_at`` timer."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from tests.integration.playbooks.world import world
from worker.db.tables import TimerRow
from worker.runs.apply import apply_run

LEAVER = (
    "Offboarding: Alice Liddell leaving",
    "Alice Liddell (alice@example.com) is leaving the company, her last day is 2026-12-04. "
    "Please disable her account.",
)


def test_offboarding_waits_for_the_leave_date_then_applies_once(database_url: str) -> None:
    """Approved on 25 Nov for 4 Dec: scheduled with a timer, applied when it fires, not before."""
    with world(database_url) as w:
        w.ticket("IT-7", "maria", *LEAVER)
        w.drain()
        w.comment("IT-7", "olivia", "/approve")
        w.drain()
        [run] = w.runs("IT-7")
        assert run.state == "scheduled"
        assert w.ticket_row("IT-7").stage == "scheduled"
        assert str(w.user("alice").status.value) != "disabled"
        assert "all-staff" in w.groups("alice")
        assert "Nothing changes before 2026-12-04" in w.text("IT-7", public=False)
        with w.rt.db.session() as session:
            timer = session.scalars(select(TimerRow).where(TimerRow.kind == "apply_at")).one()
            assert (timer.ref, timer.state) == (f"run:{run.id}", "pending")
            due = timer.due_at.replace(tzinfo=timer.due_at.tzinfo or dt.UTC)
        assert due.date() == dt.date(2026, 12, 4)

        assert apply_run(w.rt, run.id) is None  # a stray message before the date does nothing
        w.advance(days=2)
        assert w.fire_timers() == 0
        assert w.runs("IT-7")[0].state == "scheduled"

        w.now = due + dt.timedelta(minutes=1)
        assert w.fire_timers() == 1
        assert w.runs("IT-7")[0].state == "applied"
        assert str(w.user("alice").status.value) == "disabled"
        assert w.groups("alice") == []
        assert w.ticket_row("IT-7").outcome == "resolved"
        assert "has been offboarded as of 2026-12-04" in w.text("IT-7", public=True)
        assert w.directory.apply_counts[("disable_user", w.user("alice").id)] == 1  # type: ignore[attr-defined]
        assert w.fire_timers() == 0


def test_offboarding_on_a_past_leave_date_applies_at_once(database_url: str) -> None:
    """A leave date already reached: no timer, applied right after the approval."""
    with world(database_url) as w:
        w.ticket("IT-8", "maria", LEAVER[0], LEAVER[1].replace("2026-12-04", "2026-11-25"))
        w.drain()
        w.comment("IT-8", "olivia", "/approve")
        w.drain()
        assert w.runs("IT-8")[0].state == "applied"
        assert str(w.user("alice").status.value) == "disabled"
        with w.rt.db.session() as session:
            assert session.scalars(select(TimerRow).where(TimerRow.kind == "apply_at")).all() == []
