"""The monthly position and chargeback: small tables, then a 1,000-identity ground truth."""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from playbooks.licences.contracts import Contract
from playbooks.licences.report import (
    UNALLOCATED,
    ReportError,
    chargeback_per_licence,
    chargeback_top_down,
    position,
    totals,
)
from playbooks.licences.usage import (
    AllowEntry,
    Assessment,
    Assignment,
    Identity,
    Policy,
    Signal,
    assess_all,
)

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
TODAY = NOW.date()
CENT = Decimal("0.01")


def contract(vendor: str, sku: str, quantity: int, price: str, currency: str = "USD") -> Contract:
    return Contract(
        vendor,
        sku,
        quantity,
        Decimal(price),
        currency,
        date(2026, 1, 1),
        date(2026, 12, 31),
        60,
        "per_seat",
    )


def test_waste_is_unassigned_plus_unused_plus_leaver_times_unit_price() -> None:
    people = {
        "a": Identity("a", date(2020, 1, 1), cost_centre="CC1"),
        "b": Identity("b", date(2020, 1, 1), cost_centre="CC2"),
        "c": Identity("c", date(2020, 1, 1), "leaver", cost_centre="CC2"),
        "d": Identity("d", date(2020, 1, 1)),
    }
    fresh = (Signal("okta_last_login", NOW - timedelta(days=1)),)
    assignments = [
        Assignment("a", "Zoom", "Pro", fresh),
        Assignment("b", "Zoom", "Pro"),
        Assignment("c", "Zoom", "Pro", fresh),
        Assignment("d", "Zoom", "Pro", fresh),
    ]
    ledger = [contract("Zoom", "Pro", 10, "13.33"), contract("Slack", "Pro", 5, "8.75")]
    assessed = assess_all(assignments, people, Policy(), [], NOW)
    slack, zoom = position(ledger, assessed, TODAY)
    assert (zoom.purchased, zoom.assigned, zoom.active, zoom.unassigned) == (10, 4, 3, 6)
    assert (zoom.unused, zoom.leaver, zoom.exempt) == (1, 1, 0)
    assert zoom.waste == Decimal("106.64")  # (6 + 1 + 1) x 13.33
    assert zoom.utilisation == Decimal("30.00")
    assert (slack.assigned, slack.waste, slack.cost) == (0, Decimal("43.75"), Decimal("43.75"))
    assert totals([slack, zoom]) == {"USD": (Decimal("177.05"), Decimal("150.39"))}

    charged = {a.cost_centre: a.amount for a in chargeback_per_licence([zoom], assessed, people)}
    assert charged == {
        "CC1": Decimal("13.33"),
        "CC2": Decimal("26.66"),
        UNALLOCATED: Decimal("93.31"),
    }


def test_an_assignment_without_a_contract_in_force_is_refused() -> None:
    person = Identity("a", date(2020, 1, 1))
    assessed = assess_all([Assignment("a", "Miro", "Team")], {"a": person}, Policy(), [], NOW)
    with pytest.raises(ReportError, match="Miro Team is assigned to a but no contract"):
        position([contract("Zoom", "Pro", 1, "1")], assessed, TODAY)


SPLITS = [
    ("thirds", "100.00", {"A": "33.3333", "B": "33.3333", "C": "33.3334"}),
    ("short-of-100", "10.00", {"A": "50", "B": "25"}),
    ("odd-cents", "0.05", {"A": "50", "B": "50"}),
    ("nothing-shared", "99.99", {}),
]


@pytest.mark.parametrize(("cost", "shares"), [s[1:] for s in SPLITS], ids=[s[0] for s in SPLITS])
def test_top_down_allocations_add_up_to_the_invoice_to_the_cent(
    cost: str, shares: dict[str, str]
) -> None:
    line = position([contract("Zoom", "Pro", 1, cost)], [], TODAY)
    split = chargeback_top_down(line, {k: Decimal(v) for k, v in shares.items()})
    assert sum(a.amount for a in split) == Decimal(cost)
    assert all(a.amount == a.amount.quantize(CENT) for a in split)
    short = Decimal(100) - sum((Decimal(v) for v in shares.values()), Decimal(0))
    unallocated = [a.amount for a in split if a.cost_centre == UNALLOCATED]
    assert bool(unallocated) is (short > 0)
    for a in split:
        share = short if a.cost_centre == UNALLOCATED else Decimal(shares[a.cost_centre])
        assert abs(a.amount - Decimal(cost) * share / 100) <= CENT


def test_top_down_shares_above_100_are_refused() -> None:
    line = position([contract("Zoom", "Pro", 1, "1")], [], TODAY)
    with pytest.raises(ReportError, match="at most 100"):
        chargeback_top_down(line, {"A": Decimal(60), "B": Decimal(41)})


# --- a generated 1,000-identity fixture whose right answers are known by construction ---

THRESHOLDS = {"Slack": 30, "Zoom": 60, "Microsoft": 90}
SKUS = [
    ("Slack", "Pro", "8.75", "USD"),
    ("Zoom", "Business", "13.33", "USD"),
    ("Microsoft", "E3", "33.70", "EUR"),
]
KINDS = ["normal"] * 12 + ["leaver", "leave", "young", "service", "allowed", "expired-allow"]
ACTIVITY = ["fresh", "ad-within-lag", "ad-beyond-lag", "never", "stale", "underused"]


@dataclass(frozen=True)
class Truth:
    bucket: str
    active: bool


def generate(
    rng: random.Random,
) -> tuple[
    dict[str, Identity], list[Assignment], list[AllowEntry], dict[tuple[str, str, str], Truth]
]:
    people: dict[str, Identity] = {}
    assignments: list[Assignment] = []
    allow: list[AllowEntry] = []
    truth: dict[tuple[str, str, str], Truth] = {}
    for n in range(1000):
        uid = f"u{n:04d}"
        kind = rng.choice(KINDS)
        created = TODAY - timedelta(
            days=rng.randint(0, 59) if kind == "young" else rng.randint(60, 2000)
        )
        people[uid] = Identity(
            uid,
            created,
            "leaver" if kind == "leaver" else "leave" if kind == "leave" else "active",
            service_account=kind == "service",
            cost_centre=None if rng.random() < 0.1 else f"CC{rng.randint(1, 8)}",
        )
        for vendor, sku, _, _ in rng.sample(SKUS, rng.randint(1, 3)):
            t = THRESHOLDS[vendor]
            activity = rng.choice(ACTIVITY)
            signals: list[Signal] = []
            usage = None
            if activity in ("fresh", "underused"):
                signals.append(
                    Signal("ldap_auth_timestamp", NOW - timedelta(days=rng.randint(0, t)))
                )
            if activity == "underused":
                usage = Decimal(rng.randint(0, 29))
            if activity == "ad-within-lag":
                signals.append(
                    Signal(
                        "ad_last_logon_timestamp", NOW - timedelta(days=rng.randint(t + 1, t + 14))
                    )
                )
            if activity in ("ad-beyond-lag", "stale"):
                signals.append(
                    Signal(
                        "ad_last_logon_timestamp",
                        NOW - timedelta(days=rng.randint(t + 15, t + 400)),
                    )
                )
            if activity == "stale":
                signals.append(
                    Signal("ldap_auth_timestamp", NOW - timedelta(days=rng.randint(t + 1, 500)))
                )
            if kind == "allowed":
                allow.append(
                    AllowEntry(uid, vendor, TODAY + timedelta(days=rng.randint(0, 90)), "kept", sku)
                )
            if kind == "expired-allow":
                allow.append(
                    AllowEntry(uid, vendor, TODAY - timedelta(days=rng.randint(1, 90)), "ended")
                )
            rng.shuffle(signals)
            assignments.append(Assignment(uid, vendor, sku, tuple(signals), usage))
            active = activity in ("fresh", "ad-within-lag", "underused")
            if kind in ("allowed", "service", "leave", "young"):
                bucket = "exempt"
            elif kind == "leaver":
                bucket = "leaver"
            elif not active:
                bucket = "unused"
            else:
                bucket = "underused" if activity == "underused" else "active"
            truth[(uid, vendor, sku)] = Truth(bucket, active)
    return people, assignments, allow, truth


@pytest.fixture(scope="module")
def world() -> tuple[
    dict[str, Identity], list[Assessment], dict[tuple[str, str, str], Truth], list[Contract]
]:
    rng = random.Random(19)
    people, assignments, allow, truth = generate(rng)
    held = Counter((a.vendor, a.sku) for a in assignments)
    extra = {"Slack": 37, "Zoom": -5, "Microsoft": 0}  # Zoom is over-assigned by five seats
    ledger = [contract(v, s, held[(v, s)] + extra[v], p, c) for v, s, p, c in SKUS]
    policy = Policy(days_by_vendor={"Slack": 30, "Zoom": 60})
    return people, assess_all(assignments, people, policy, allow, NOW), truth, ledger


World = tuple[
    dict[str, Identity], list[Assessment], dict[tuple[str, str, str], Truth], list[Contract]
]


def test_every_bucket_is_right_and_no_exempt_identity_is_proposed(world: World) -> None:
    people, assessed, truth, _ = world
    assert len(people) == 1000
    assert len(assessed) == len(truth)
    wrong = [
        (k, t, a.bucket, a.active)
        for a in assessed
        for k in [(a.assignment.identity_id, a.assignment.vendor, a.assignment.sku)]
        for t in [truth[k]]
        if (a.bucket, a.active) != (t.bucket, t.active)
    ]
    assert wrong == []
    assert {t.bucket for t in truth.values()} == {
        "active",
        "underused",
        "unused",
        "leaver",
        "exempt",
    }
    exempt_people = {p.id for p in people.values() if p.service_account or p.hr_status == "leave"}
    proposed = {a.assignment.identity_id for a in assessed if a.reclaim}
    assert not exempt_people & proposed
    assert all(
        truth[(a.assignment.identity_id, a.assignment.vendor, a.assignment.sku)].bucket
        in ("unused", "leaver")
        for a in assessed
        if a.reclaim
    )


def test_report_totals_recomputed_independently_match_to_the_cent(world: World) -> None:
    people, assessed, truth, ledger = world
    lines = position(ledger, assessed, TODAY)
    prices = {(v, s): Decimal(p) for v, s, p, _ in SKUS}
    for line in lines:
        key = (line.vendor, line.sku)
        mine = [t for (_, v, s), t in truth.items() if (v, s) == key]
        quantity = next(c.quantity for c in ledger if (c.vendor, c.sku) == key)
        unassigned = max(quantity - len(mine), 0)
        reclaimable = sum(1 for t in mine if t.bucket in ("unused", "leaver"))
        assert (line.purchased, line.assigned, line.unassigned) == (quantity, len(mine), unassigned)
        assert line.active == sum(t.active for t in mine)
        assert line.waste == (unassigned + reclaimable) * prices[key]
        assert line.cost == quantity * prices[key]
    ledger_totals: dict[str, Decimal] = {}
    for c in ledger:
        ledger_totals[c.currency] = (
            ledger_totals.get(c.currency, Decimal(0)) + c.quantity * c.unit_price
        )
    assert {cur: cost for cur, (cost, _) in totals(lines).items()} == ledger_totals

    charged = chargeback_per_licence(lines, assessed, people)
    for line in lines:
        parts = [a for a in charged if (a.vendor, a.sku) == (line.vendor, line.sku)]
        assert sum(a.amount for a in parts) == line.cost
        assert any(a.cost_centre == UNALLOCATED for a in parts)
        if line.assigned <= line.purchased:  # not over-assigned: each seat at the unit price
            for a in parts:
                assert a.amount == a.seats * line.unit_price
