"""A directory account as the review core reads it: its last use where the directory reports one."""

from __future__ import annotations

import datetime as dt

import pytest

from connectors.identity import DirectoryUser, UserStatus
from worker.runs.review_population import person_of


@pytest.mark.parametrize(
    ("attributes", "expected"),
    [
        ({"last_login": "2026-08-01T09:30:00+00:00"}, dt.datetime(2026, 8, 1, 9, 30, tzinfo=dt.UTC)),
        ({"authTimestamp": "2026-08-01T09:30:00"}, dt.datetime(2026, 8, 1, 9, 30, tzinfo=dt.UTC)),
        ({"last_login": "yesterday", "last_used": "2026-08-02T00:00:00Z"}, dt.datetime(2026, 8, 2, tzinfo=dt.UTC)),
        ({"dn": "CN=x"}, None),
    ],
    ids=["ad-last-login", "naive-is-utc", "unreadable-skipped", "none-reported"],
)  # fmt: skip
def test_last_use(attributes: dict[str, str], expected: dt.datetime | None) -> None:
    user = DirectoryUser("u1", "ann", manager_id="m1", department="Finance",
                         status=UserStatus.DISABLED, attributes=attributes)  # fmt: skip
    person = person_of(user)
    assert (person.last_used, person.enabled, person.manager_id, person.department) == (
        expected, False, "m1", "Finance",
    )  # fmt: skip
