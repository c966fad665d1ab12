"""What review tickets say: pages of items, the commands, reminders, escalations, answers."""

from __future__ import annotations

import datetime as dt

import pytest

from playbooks.reviews.render import (
    PAGE,
    ListedItem,
    escalation,
    outcome,
    pages,
    reminder,
    ticket_body,
    ticket_subject,
)

DUE = dt.datetime(2026, 12, 21, 9, 0, tzinfo=dt.UTC)


def item(n: int, **changes: object) -> ListedItem:
    values: dict[str, object] = {
        "number": n, "subject": f"user{n}", "entitlement": "Payroll (group:payroll)",
        "recommendation": "revoke", "recommendation_reason": "not used for 40 days (over 30)",
    }  # fmt: skip
    values.update(changes)
    return ListedItem(**values)  # type: ignore[arg-type]


def test_items_are_paged_in_number_order() -> None:
    found = pages([item(n) for n in range(PAGE * 2 + 5, 0, -1)])
    assert [p.count("\n") + 1 for p in found] == [PAGE, PAGE, 5]
    assert found[0].startswith("- **#1** user1: Payroll (group:payroll) · recommended: **revoke**")
    assert found[2].endswith(
        "#205** user205: Payroll (group:payroll) · recommended: **revoke** (not used for 40 days (over 30))"
    )


@pytest.mark.parametrize(
    ("listed", "shown"),
    [
        (item(3, recommendation=None, recommendation_reason="the directory reports no last use"),
         "- **#3** user3: Payroll (group:payroll) · the directory reports no last use"),
        (item(4, recommendation="keep", recommendation_reason="used 2 day(s) ago", first="revoke by boss: left"),
         "- **#4** user4: Payroll (group:payroll) · recommended: **keep** (used 2 day(s) ago) · first level: revoke by boss: left"),
    ],
    ids=["no-signal", "second-level-sees-the-first-decision"],
)  # fmt: skip
def test_an_item_line(listed: ListedItem, shown: str) -> None:
    assert pages([listed]) == [shown]


def test_the_body_says_what_by_when_and_how() -> None:
    body = ticket_body(
        "Finance Q4", "boss", DUE, [item(1), item(2)], level=1, no_response="keep", more_pages=2
    )
    assert body.startswith(
        "boss, please review the 2 access item(s) below for **Finance Q4** by **2026-12-21 09:00 UTC**."
    )
    for part in ("`/keep 3 5-7`", "`/revoke 4 moved to another team`", "`/keep-all`",
                 "are kept and flagged for follow-up", "The next 2 page(s) of items follow as comments.",
                 "- **#2** user2"):  # fmt: skip
        assert part in body
    second = ticket_body(
        "Finance Q4", "erin", DUE, [item(1)], level=2, no_response="revoke", more_pages=0
    )
    assert "confirm (or overturn) the first-level decisions on" in second
    assert "are **revoked**" in second
    assert (
        ticket_subject("Finance Q4", "erin", "", 2)
        == "Access review: Finance Q4 - erin [second level]"
    )
    assert (
        ticket_subject("Finance Q4", "boss", "Payroll", 1)
        == "Access review: Finance Q4 - boss (Payroll)"
    )


@pytest.mark.parametrize(
    ("now", "when"),
    [(DUE - dt.timedelta(days=3), "in 3 day(s)"), (DUE - dt.timedelta(hours=20), "in 20 hour(s)")],
    ids=["days", "hours"],
)  # fmt: skip
def test_a_reminder_counts_down(now: dt.datetime, when: str) -> None:
    text = reminder("Finance Q4", DUE, list(range(60, 0, -1)), now)
    assert text.startswith(
        f"Reminder: 60 item(s) of **Finance Q4** still need your decision, due {when}"
    )
    assert text.endswith("#49, #50 and 10 more.")


def test_escalation_and_outcome_notes() -> None:
    assert escalation("Finance Q4", "boss", ["dora", "erin"], [3, 1]) == (
        "**Finance Q4** is due and 2 item(s) assigned to boss are still open (#1, #3). "
        "They are escalated: dora, erin may now decide them here too."
    )
    assert outcome("boss@corp.example", ["keep #1"], ["item 2 is about your own access"]) == (
        "boss@corp.example: recorded keep #1.\n\nNot accepted:\n- item 2 is about your own access"
    )
    assert outcome("x@corp.example", [], ["the campaign is closed"]).startswith(
        "x@corp.example: nothing recorded."
    )
