"""The reminder schedule as a function of the clock, recurrence, and a reproducible export."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from playbooks.reviews.campaign import Recurrence
from playbooks.reviews.evidence import Event, render
from playbooks.reviews.schedule import due_now, next_start, nudges

START = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)


def test_reminders_at_half_three_days_and_one_day_then_escalation_and_close() -> None:
    planned = nudges(START, 14, 2)
    assert [(n.name, n.at - START) for n in planned] == [
        ("reminder-50pct", dt.timedelta(days=7)),
        ("reminder-3d", dt.timedelta(days=11)),
        ("reminder-1d", dt.timedelta(days=13)),
        ("escalate", dt.timedelta(days=14)),
        ("close", dt.timedelta(days=16)),
    ]


@pytest.mark.parametrize(
    ("days", "names"),
    [
        (1, ["reminder-50pct", "escalate", "close"]),
        (2, ["reminder-50pct", "escalate", "close"]),
        (3, ["reminder-50pct", "reminder-1d", "escalate", "close"]),
        (6, ["reminder-50pct", "reminder-1d", "escalate", "close"]),
    ],
    ids=["one-day", "two-days-half-is-one-day-before", "three-days", "six-days-half-is-three-before"],
)  # fmt: skip
def test_short_windows_drop_reminders_that_do_not_fit(days: int, names: list[str]) -> None:
    assert [n.name for n in nudges(START, days, 0)] == names


@given(st.integers(min_value=1, max_value=90), st.integers(min_value=0, max_value=30))
def test_nudges_are_ordered_unique_and_inside_the_window(days: int, grace: int) -> None:
    planned = nudges(START, days, grace)
    times = [n.at for n in planned]
    assert times == sorted(times)
    assert len({n.name for n in planned}) == len(planned)
    assert all(
        START < n.at < START + dt.timedelta(days=days) for n in planned if n.kind == "reminder"
    )


def test_due_now_follows_the_clock_and_what_was_done() -> None:
    planned = nudges(START, 14, 2)
    assert due_now(planned, START + dt.timedelta(days=7) - dt.timedelta(seconds=1), ()) == ()
    assert [
        n.name for n in due_now(planned, START + dt.timedelta(days=12), {"reminder-50pct"})
    ] == ["reminder-3d"]


@pytest.mark.parametrize(
    ("recurrence", "expected"),
    [
        (Recurrence(every=10, unit="days"), dt.datetime(2027, 1, 10, tzinfo=dt.UTC)),
        (Recurrence(every=2, unit="weeks"), dt.datetime(2027, 1, 14, tzinfo=dt.UTC)),
        (Recurrence(every=2, unit="months"), dt.datetime(2027, 2, 28, tzinfo=dt.UTC)),
        (Recurrence(every=14, unit="months"), dt.datetime(2028, 2, 29, tzinfo=dt.UTC)),
    ],
    ids=["days", "weeks", "month-end-clamped", "leap-year"],
)  # fmt: skip
def test_next_start(recurrence: Recurrence, expected: dt.datetime) -> None:
    start = dt.datetime(2026, 12, 31, tzinfo=dt.UTC)
    assert next_start(start, recurrence) == expected


def _events() -> list[Event]:
    at = "2026-12-01T09:00:00.000000+00:00"
    item = {"item": 1, "subject_id": "u1", "subject_login": "=cmd", "entitlement": "group:g",
            "reviewer": "boss", "rule": "manager", "note": "", "recommendation": "revoke",
            "recommendation_reason": "not used for 40 days (over 30)"}  # fmt: skip
    return [
        Event(3, at, "boss@corp.example", "review.decided", {"item": 1, "verdict": "revoke", "final": True, "reason": "left"}, "c"),
        Event(1, at, "ops", "review.started", {"campaign": "q4", "row_count": 1, "query": "groups_of"}, "a"),
        Event(2, at, "deskpilot", "review.item", item, "b"),
        Event(4, at, "deskpilot", "review.removal", {"item": 1, "run_id": 9, "changed": True, "verified": True, "detail": "not a member"}, "d"),
    ]  # fmt: skip


def test_the_export_is_reproduced_byte_for_byte_and_its_manifest_checks_out() -> None:
    first = render(_events())
    again = render(list(reversed(_events())))
    assert first == again
    lines = first["manifest.sha256"].decode().splitlines()
    assert lines == [
        f"{hashlib.sha256(first[n]).hexdigest()}  {n}"
        for n in sorted(set(first) - {"manifest.sha256"})
    ]
    rows = first["items.csv"].decode().splitlines()
    assert rows[1].startswith("1,u1,'=cmd,group:g,,boss,manager,,revoke,")
    assert "revoke,boss@corp.example," in rows[1]
    assert rows[1].endswith(",9,True,True,not a member,2026-12-01T09:00:00.000000+00:00")


def test_any_change_to_an_event_changes_the_manifest() -> None:
    changed = _events()
    changed[0] = dataclasses.replace(changed[0], actor="ceo@corp.example")
    assert render(changed)["manifest.sha256"] != render(_events())["manifest.sha256"]
