"""
``/extend`` caps each item of a run by its own maximum (issue 13.4): Bob gets Salesforce (the
catalogue caps it at 21 days) and GitHub (the playbook's 180 days) for two weeks. Olivia, who
approves both, extends by 30 days: GitHub gets 30 more, Salesforce stops at its 21 days, the
note says which was capped, and each item is removed at its own end.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from tests.integration.playbooks.world import POLICY, World, world
from worker.db.records import AuditRow
from worker.db.tables import TimerRow

CAPPED_SALESFORCE = [
    {**app, "max_duration": "P21D"} if app["name"] == "Salesforce" else app
    for app in POLICY["applications"]
]
ASK = ("Access", "Please give me access to Salesforce and GitHub for 2 weeks.")


@pytest.fixture
def w(tmp_path: Path) -> Iterator[World]:
    url = f"sqlite:///{tmp_path / 'deskpilot.sqlite3'}"
    with world(url, applications=CAPPED_SALESFORCE) as built:
        yield built


def _granted(w: World) -> dt.datetime:
    """Both items granted for two weeks; returns when the plan was made."""
    w.ticket("IT-4", "bob", *ASK)
    w.drain()
    w.comment("IT-4", "olivia", "/approve")
    w.drain()
    assert {"app-salesforce", "app-github"} <= set(w.groups("bob"))
    return w.runs("IT-4")[0].created_at


def _timer(w: World) -> TimerRow:
    with w.rt.db.session() as session:
        timer = session.scalars(select(TimerRow).where(TimerRow.kind == "access_expiry")).one()
        session.expunge(timer)
        return timer


def test_each_item_is_capped_by_its_own_maximum(w: World) -> None:
    planned = _granted(w)

    w.comment("IT-4", "olivia", "/extend 30d")
    w.drain()

    timer = _timer(w)
    ends = sorted({dt.datetime.fromisoformat(e) for e in timer.payload["ends"].values()})
    assert ends == [planned + dt.timedelta(days=21), planned + dt.timedelta(days=44)]
    assert timer.due_at == planned + dt.timedelta(days=21)
    note = w.text("IT-4", public=False)
    assert "Salesforce until" in note
    assert "capped: the most it may have ends" in note
    assert f"GitHub until {planned + dt.timedelta(days=44):%Y-%m-%d %H:%M} UTC" in note
    with w.rt.db.session() as session:
        changed = session.scalars(
            select(AuditRow.data).where(AuditRow.action == "access.expiry_changed")
        ).one()
    assert changed["capped"] == ["Salesforce"]


def test_each_item_is_removed_at_its_own_extended_end(w: World) -> None:
    planned = _granted(w)
    w.comment("IT-4", "olivia", "/extend 30d")
    w.drain()

    w.now = planned + dt.timedelta(days=21, minutes=1)
    w.fire_timers()
    after_salesforce = set(w.groups("bob"))
    w.now = planned + dt.timedelta(days=44, minutes=1)
    w.fire_timers()

    assert "app-salesforce" not in after_salesforce
    assert "app-github" in after_salesforce
    assert not {"app-salesforce", "app-github"} & set(w.groups("bob"))
