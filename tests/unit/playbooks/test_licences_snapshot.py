"""Vendor snapshots against the ledger, and as usage rows the report reads back."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from connectors.licences import Activity, Holder, SeatPool, Snapshot
from playbooks.licences.contracts import Contract
from playbooks.licences.snapshot import (
    UNKNOWN_CREATED,
    USAGE_HEADER,
    SeatDifference,
    seat_differences,
    usage_of,
    usage_rows,
)
from playbooks.licences.usage import Policy, assess_all
from playbooks.licences.usage_csv import parse_usage
from playbooks.spreadsheet import write_csv

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
SEEN = datetime(2026, 11, 28, 8, 0, tzinfo=UTC)


def contract(sku: str, quantity: int) -> Contract:
    return Contract(
        "Microsoft", sku, quantity, Decimal("20.00"), "USD",
        date(2026, 1, 1), date(2026, 12, 31), 30, "per_seat",
    )  # fmt: skip


def holder(login: str, skus: tuple[str, ...], *, enabled: bool = True) -> Holder:
    return Holder(
        "Microsoft", login, login, skus, enabled, datetime(2020, 1, 1, tzinfo=UTC),
        (Activity("entra_last_successful_signin", SEEN),) if login.startswith("a") else (),
    )  # fmt: skip


SNAP = Snapshot(
    "Microsoft",
    NOW,
    (
        SeatPool("Microsoft", "E3", "E3", 25, 2),
        SeatPool("Microsoft", "E5", "E5", 10, 2),
        SeatPool("Microsoft", "VISIO", "VISIO", 5, 1),
    ),
    (holder("ana", ("E3", "E5")), holder("bo", ("E3",), enabled=False), holder("cy", ("VISIO",))),
)


@pytest.mark.parametrize(
    ("ledger", "expected"),
    [
        (
            [contract("E3", 25), contract("E5", 10), contract("VISIO", 5)],
            [SeatDifference("Microsoft", "E5", "holders listed", 2, 1)],
        ),
        (
            [contract("E3", 20), contract("E5", 10)],
            [
                SeatDifference("Microsoft", "E3", "purchased", 20, 25),
                SeatDifference("Microsoft", "E5", "holders listed", 2, 1),
                SeatDifference("Microsoft", "VISIO", "assigned", None, 1),
            ],
        ),
    ],
    ids=["one-holder-missing", "bought-differs-and-no-contract"],
)
def test_seat_differences(ledger: list[Contract], expected: list[SeatDifference]) -> None:
    assert expected == seat_differences([SNAP], ledger, NOW.date())


def test_difference_reads_as_a_sentence() -> None:
    assert "Microsoft VISIO: assigned 1, expected no contract in force" == str(
        SeatDifference("Microsoft", "VISIO", "assigned", None, 1)
    )


def test_usage_rows_read_back_as_the_report_input() -> None:
    no_created = Snapshot("Slack", NOW, (), (Holder("Slack", "U1", "dee", ("Pro",), True, None),))
    text = write_csv(USAGE_HEADER, usage_rows([SNAP, no_created]))

    people, assignments = parse_usage(text)
    assessed = {
        (a.assignment.identity_id, a.assignment.sku): a.bucket
        for a in assess_all(assignments, people, Policy(), [], NOW)
    }

    assert {
        ("ana", "E3"): "active",
        ("ana", "E5"): "active",
        ("bo", "E3"): "unused",
        ("cy", "VISIO"): "unused",
        ("dee", "Pro"): "unused",
    } == assessed
    assert UNKNOWN_CREATED == people["dee"].created


def test_one_person_at_two_vendors_is_one_identity_created_at_the_earliest() -> None:
    later = Snapshot(
        "Zoom", NOW, (),
        (Holder("Zoom", "z1", "ana", ("Licensed",), True, datetime(2024, 5, 1, tzinfo=UTC)),),
    )  # fmt: skip

    people, assignments = usage_of([later, SNAP])

    assert date(2020, 1, 1) == people["ana"].created
    assert 5 == len(assignments)
    assert [()] == [a.signals for a in assignments if a.identity_id == "bo"]
