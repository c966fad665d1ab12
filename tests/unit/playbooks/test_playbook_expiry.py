"""Items of one plan that expire at different times: one timer, phase by phase."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from playbooks.expiry import current_ends, expiry_phase, extend
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


def _items(*untils: datetime) -> Plan:
    """Steps 1.. for items A, B, … (step 3 is item A's licence when three are given)."""
    who = Account("bob", "corp", "u1")
    names = ["A", "B", "A"]
    steps = tuple(
        PlannedStep(i, f"s{i}", "add_to_group", "corp", who, f"step {i}", {"group": f"g{i}"},
                    until=u, item=names[i - 1])
        for i, u in enumerate(untils, start=1)
    )  # fmt: skip
    return Plan("p", "P", "apply", T0, steps=steps, until=min(untils))


EXTENSIONS = [
    # id, step ends now, latest per step, by / until, expected ends, capped items, moved
    ("both-within", (WEEK, FORTNIGHT), (T0 + 90 * DAY, T0 + 90 * DAY), 7 * DAY, None,
     (WEEK + 7 * DAY, FORTNIGHT + 7 * DAY), set(), True),
    ("one-capped-by-its-own-maximum", (WEEK, FORTNIGHT), (T0 + 10 * DAY, T0 + 90 * DAY), 7 * DAY,
     None, (T0 + 10 * DAY, FORTNIGHT + 7 * DAY), {"A"}, True),
    ("until-a-far-date", (WEEK, FORTNIGHT), (T0 + 30 * DAY, T0 + 180 * DAY), None,
     datetime(9999, 12, 31, tzinfo=UTC), (T0 + 30 * DAY, T0 + 180 * DAY), {"A", "B"}, True),
    ("until-never-shortens", (WEEK, FORTNIGHT), (T0 + 90 * DAY, T0 + 90 * DAY), None,
     T0 + 10 * DAY, (T0 + 10 * DAY, FORTNIGHT), set(), True),
    ("all-at-their-maximum", (WEEK, FORTNIGHT), (WEEK, FORTNIGHT), 7 * DAY, None,
     (WEEK, FORTNIGHT), {"A", "B"}, False),
    ("no-maximum-anywhere", (WEEK,), (None,), 7 * DAY, None, (WEEK,), {"A"}, False),
    ("an-items-steps-move-together", (WEEK, FORTNIGHT, WEEK), (T0 + 9 * DAY, T0 + 90 * DAY,
     T0 + 9 * DAY), 7 * DAY, None, (T0 + 9 * DAY, FORTNIGHT + 7 * DAY, T0 + 9 * DAY), {"A"}, True),
]  # fmt: skip


@pytest.mark.parametrize(
    ("ends", "latest", "by", "until", "expected", "capped", "moved"),
    [c[1:] for c in EXTENSIONS],
    ids=[c[0] for c in EXTENSIONS],
)
def test_extend_caps_each_item_by_its_own_maximum(
    ends: tuple[datetime, ...],
    latest: tuple[datetime | None, ...],
    by: timedelta | None,
    until: datetime | None,
    expected: tuple[datetime, ...],
    capped: set[str],
    moved: bool,
) -> None:
    plan = _items(*ends)
    current = dict(enumerate(ends, start=1))

    result = extend(plan, current, dict(enumerate(latest, start=1)), by=by, until=until)

    assert tuple(result.ends[i] for i in sorted(result.ends)) == expected
    assert {i.item for i in result.items if i.capped_at is not None} == capped
    assert result.moved is moved


def test_the_timer_fires_each_item_at_its_extended_end() -> None:
    """After an /extend the timer keeps per-step ends: each item ends at its own, in order."""
    plan = _items(WEEK, FORTNIGHT)
    ends = {1: T0 + 10 * DAY, 2: FORTNIGHT + 7 * DAY}

    first = expiry_phase(plan, T0 + 10 * DAY, (), ends)
    second = expiry_phase(plan, FORTNIGHT + 7 * DAY, (1,), ends)
    revoked = expiry_phase(plan, T0 + DAY, (), ends)

    assert (set(first.ending), first.next_due) == ({1}, FORTNIGHT + 7 * DAY)
    assert (set(second.ending), second.next_due) == ({2}, None)
    assert (set(revoked.ending), revoked.next_due) == ({1, 2}, None)
    assert current_ends(plan, T0 + 10 * DAY, (), ends) == ends
