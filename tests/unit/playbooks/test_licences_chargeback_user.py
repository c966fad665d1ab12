"""Per-user chargeback: each user's cost centre pays the sum of their seats' unit prices."""

from __future__ import annotations

import random
from collections import Counter
from datetime import date
from decimal import Decimal

import pytest

from playbooks.licences.report import UNALLOCATED, chargeback_per_user, position, totals
from playbooks.licences.usage import Assignment, Identity, Policy, assess_all
from tests.unit.playbooks.test_licences_report import NOW, SKUS, TODAY, contract, generate

OLD = date(2020, 1, 1)
PEOPLE = {
    "ana": Identity("ana", OLD, cost_centre="CC1"),
    "bo": Identity("bo", OLD, cost_centre="CC2"),
    "cy": Identity("cy", OLD),
}
Row = tuple[str, str, str, int, str]


@pytest.mark.parametrize(
    ("ledger", "held", "expected"),
    [
        (
            [("Zoom", "Pro", 3, "13.33"), ("Slack", "Pro", 1, "8.75")],
            [("ana", "Zoom", "Pro"), ("ana", "Slack", "Pro")],
            [("USD", "CC1", "ana", 2, "22.08"), ("USD", UNALLOCATED, "", 2, "26.66")],
        ),
        (
            [("Zoom", "Pro", 2, "13.33")],
            [("ana", "Zoom", "Pro"), ("bo", "Zoom", "Pro")],
            [("USD", "CC1", "ana", 1, "13.33"), ("USD", "CC2", "bo", 1, "13.33")],
        ),
        (
            [("Zoom", "Pro", 2, "13.33")],
            [("cy", "Zoom", "Pro")],
            [("USD", UNALLOCATED, "", 1, "13.33"), ("USD", UNALLOCATED, "cy", 1, "13.33")],
        ),
        (
            [("Zoom", "Pro", 1, "10.00")],
            [("ana", "Zoom", "Pro"), ("bo", "Zoom", "Pro"), ("cy", "Zoom", "Pro")],
            [
                ("USD", "CC1", "ana", 1, "3.33"),
                ("USD", "CC2", "bo", 1, "3.33"),
                ("USD", UNALLOCATED, "cy", 1, "3.34"),  # equal shares: the cent by name
            ],
        ),
        ([("Zoom", "Pro", 4, "0.01")], [], [("USD", UNALLOCATED, "", 4, "0.04")]),
        (
            [("Zoom", "Pro", 0, "9.99")],
            [("ana", "Zoom", "Pro")],
            [("USD", "CC1", "ana", 1, "0.00")],
        ),
    ],
    ids=[
        "seats-of-two-skus-summed-per-user",
        "one-seat-each-own-cost-centre",
        "no-cost-centre-unallocated-by-name",
        "over-assigned-pro-rata",
        "nothing-held-all-unallocated",
        "nothing-bought-a-held-seat-costs-nothing",
    ],
)
def test_each_user_is_charged_their_seats(
    ledger: list[tuple[str, str, int, str]], held: list[tuple[str, str, str]], expected: list[Row]
) -> None:
    contracts = [contract(v, s, q, p) for v, s, q, p in ledger]
    assigned = [Assignment(who, v, s) for who, v, s in held]
    assessed = assess_all(assigned, PEOPLE, Policy(), [], NOW)
    lines = position(contracts, assessed, TODAY)
    got = [
        (c.currency, c.cost_centre, c.identity, c.seats, str(c.amount))
        for c in chargeback_per_user(lines, assessed, PEOPLE)
    ]
    assert expected == got


def test_per_user_allocations_add_up_to_the_invoice_on_a_thousand_identities() -> None:
    people, assignments, allow, _ = generate(random.Random(19))
    held = Counter((a.vendor, a.sku) for a in assignments)
    extra = {"Slack": 37, "Zoom": -5, "Microsoft": 0}
    ledger = [contract(v, s, held[(v, s)] + extra[v], p, c) for v, s, p, c in SKUS]
    assessed = assess_all(assignments, people, Policy(), allow, NOW)
    lines = position(ledger, assessed, TODAY)
    charged = chargeback_per_user(lines, assessed, people)

    invoice = {cur: cost for cur, (cost, _) in totals(lines).items()}
    per_currency: dict[str, Decimal] = {}
    for c in charged:
        per_currency[c.currency] = per_currency.get(c.currency, Decimal(0)) + c.amount
    assert invoice.keys() == per_currency.keys()
    assert all(abs(per_currency[k] - invoice[k]) <= Decimal("0.01") for k in invoice)
    assert {c.cost_centre for c in charged if c.identity == ""} == {UNALLOCATED}
    # Not over-assigned currencies (EUR: Microsoft only) charge each user seats x unit price.
    eur = {a.assignment.identity_id for a in assessed if a.assignment.vendor == "Microsoft"}
    for c in charged:
        if c.currency == "EUR" and c.identity:
            assert c.identity in eur
            assert c.amount == c.seats * Decimal("33.70")
            expected = people[c.identity].cost_centre or UNALLOCATED
            assert c.cost_centre == expected
