"""How a seat is reclaimed: removed, downgraded to a cheaper SKU, or by a group change."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from connectors.licences import Holder, Snapshot
from playbooks.licences.reclaim import Candidate, candidates, notice
from playbooks.licences.snapshot import USAGE_HEADER, usage_rows
from playbooks.licences.usage import Policy, assess_all
from playbooks.licences.usage_csv import parse_usage
from playbooks.spreadsheet import write_csv

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
GROUP = "02bd9fd6-8f93-4758-87c3-1fb73740a315"
DOWNGRADES = {"Zoom": {"Licensed": "Basic"}, "Microsoft": {"SPE_E3": "SPE_E1"}}


def snapshot() -> Snapshot:
    """Never-used seats: a direct Zoom seat, a direct E3 seat and an E3 seat from a group."""
    old = datetime(2020, 1, 1, tzinfo=UTC)
    return Snapshot(
        "Microsoft",
        NOW,
        (),
        (
            Holder("Microsoft", "u1", "ana", ("SPE_E3",), True, old),
            Holder("Microsoft", "u2", "bo", ("SPE_E3", "FLOW_FREE"), True, old, (),
                   (("SPE_E3", GROUP),)),
            Holder("Zoom", "z1", "cy", ("Licensed",), True, old),
        ),
    )  # fmt: skip


def routed() -> dict[tuple[str, str], Candidate]:
    """Through the usage CSV the snapshot writes, as the CLI and the monthly run read it."""
    people, assignments = parse_usage(write_csv(USAGE_HEADER, usage_rows([snapshot()])))
    found = candidates(assess_all(assignments, people, Policy(), [], NOW), DOWNGRADES)
    return {(c.identity, c.sku): c for c in found}


@pytest.mark.parametrize(
    ("identity", "sku", "fields", "action"),
    [
        ("ana", "SPE_E3", {"downgrade_to": "SPE_E1"}, "downgrade to SPE_E1"),
        ("bo", "SPE_E3", {"licence_group": GROUP}, f"remove from group {GROUP} (the seat is inherited from it)"),
        ("bo", "FLOW_FREE", {}, "remove the licence"),
        ("cy", "Licensed", {"downgrade_to": "Basic"}, "downgrade to Basic"),
    ],
    ids=["direct-seat-downgraded", "inherited-seat-group-change-wins", "no-downgrade-removed",
         "zoom-licensed-to-basic"],
)  # fmt: skip
def test_each_seat_is_reclaimed_the_way_it_is_held(
    identity: str, sku: str, fields: dict[str, str], action: str
) -> None:
    c = routed()[(identity, sku)]
    extra = {
        k: v
        for k, v in c.fields(date(2026, 12, 8)).items()
        if k in ("downgrade_to", "licence_group")
    }
    assert fields == extra
    assert action == c.action


@pytest.mark.parametrize(
    ("identity", "sku", "says"),
    [
        ("ana", "SPE_E3", "downgraded to **SPE_E1** on or after **2026-12-08**"),
        ("bo", "SPE_E3", f"assigned through the group **{GROUP}**"),
        ("bo", "FLOW_FREE", "removed on or after **2026-12-08**"),
    ],
    ids=["downgrade", "group", "removal"],
)
def test_the_notice_says_what_will_happen(identity: str, sku: str, says: str) -> None:
    _, body = notice(routed()[(identity, sku)], date(2026, 12, 1), 7, None)
    assert says in body
