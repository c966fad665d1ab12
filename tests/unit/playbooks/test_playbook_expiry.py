"""Items of one plan that expire at different times: one timer, phase by phase."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from playbooks.expiry import expiry_phase
from playbooks.planned import Account, Plan, PlannedStep

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
DAY = timedelta(days=1)


def _plan(*untils: datetime | None) -> Plan:
    who = Account("bob", "corp", "u1")
    steps = tuple(
        PlannedStep(
            i, f"s{i}", "add_to_group", "corp", who, f"step {i}", {"group": f"g{i}"}, until=u
        )
        for i, u in enumerate(untils, start=1)
    )
    return Plan("p", "P", "apply", T0, steps=steps, until=min(u for u in untils if u))


WEEK, FORTNIGHT = T0 + 7 * DAY, T0 + 14 * DAY
CASES = [
    # id, step untils, timer due at, already ended, expected ending, expected next due
    ("one-end", (WEEK, WEEK), WEEK, (), {1, 2}, None),
    ("first-of-two", (WEEK, FORTNIGHT), WEEK, (), {1}, FORTNIGHT),
    ("second-of-two", (WEEK, FORTNIGHT), FORTNIGHT, (1,), {2}, None),
    ("extended-moves-the-rest", (WEEK, FORTNIGHT), WEEK + 3 * DAY, (), {1}, FORTNIGHT + 3 * DAY),
    ("revoked-early-ends-all", (WEEK, FORTNIGHT), T0 + DAY, (), {1, 2}, None),
    ("permanent-step-untouched", (WEEK, None), WEEK, (), {1}, None),
    ("same-instant-within-a-minute", (WEEK, WEEK + timedelta(seconds=30)), WEEK, (), {1, 2}, None),
    ("nothing-left", (WEEK,), WEEK, (1,), set(), None),
]


@pytest.mark.parametrize(
    ("untils", "due", "ended", "ending", "next_due"),
    [c[1:] for c in CASES],
    ids=[c[0] for c in CASES],
)
def test_expiry_phase(
    untils: tuple[datetime | None, ...],
    due: datetime,
    ended: tuple[int, ...],
    ending: set[int],
    next_due: datetime | None,
) -> None:
    """The earliest steps still granted end; the timer comes back for the next, moved by /extend."""
    phase = expiry_phase(_plan(*untils), due, ended)

    assert (ending, next_due) == (set(phase.ending), phase.next_due)
