"""Usage and allow-list CSV: signals merged per assignment, errors naming row and column."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from playbooks.licences.usage import Signal
from playbooks.licences.usage_csv import UsageFileError, parse_allow, parse_usage

HEADER = "identity,vendor,sku,created,hr_status,service_account,cost_centre,source,last_activity,usage_pct"
A = "a,Zoom,Pro,2020-01-01,active,no,CC1,okta_last_login,2026-11-30T10:00:00+01:00,"


def test_rows_for_one_assignment_merge_their_signals() -> None:
    text = "\n".join(
        [
            HEADER,
            A,
            "a,Zoom,Pro,2020-01-01,active,no,CC1,ad_last_logon_timestamp,2026-11-20,25",
            "b,Zoom,Pro,2026-11-01,leave,yes,,,,",
        ]
    )
    people, assignments = parse_usage("\ufeff" + text + "\n,,,,,,,,,\n")
    assert people["a"].cost_centre == "CC1"
    assert (people["b"].hr_status, people["b"].service_account, people["b"].cost_centre) == (
        "leave",
        True,
        None,
    )
    assert people["b"].created == date(2026, 11, 1)
    first, second = assignments
    assert first.signals == (
        Signal("okta_last_login", datetime(2026, 11, 30, 9, 0, tzinfo=UTC)),
        Signal("ad_last_logon_timestamp", datetime(2026, 11, 20, tzinfo=UTC)),
    )
    assert first.usage_pct == Decimal(25)
    assert (second.identity_id, second.signals, second.usage_pct) == ("b", (), None)


BAD = [
    ("created", "a,Zoom,Pro,1/1/2020,active,no,CC1,,,", "'1/1/2020' is not a date"),
    ("hr_status", "a,Zoom,Pro,2020-01-01,gone,no,CC1,,,", "'gone' is not one of"),
    ("service_account", "a,Zoom,Pro,2020-01-01,active,maybe,CC1,,,", "is not yes or no"),
    ("source", "a,Zoom,Pro,2020-01-01,active,no,CC1,fax,2026-01-01,", "'fax' is not one of"),
    ("last_activity", "a,Zoom,Pro,2020-01-01,active,no,CC1,okta_last_login,,", "is empty"),
    (
        "last_activity",
        "a,Zoom,Pro,2020-01-01,active,no,CC1,okta_last_login,yesterday,",
        "not an ISO 8601",
    ),
    ("usage_pct", "a,Zoom,Pro,2020-01-01,active,no,CC1,,,101", "not between 0 and 100"),
    ("usage_pct", "a,Zoom,Pro,2020-01-01,active,no,CC1,,,lots", "is not a number"),
    ("sku", "a,Zoom,,2020-01-01,active,no,CC1,,,", "is empty"),
    ("identity", "a,Slack,Pro,2020-01-01,active,no,CC9,,,", "disagrees with row 2"),
]


@pytest.mark.parametrize(("column", "line", "message"), BAD, ids=[f"{c}-{m}" for c, _, m in BAD])
def test_a_bad_usage_row_is_named_by_row_and_column(column: str, line: str, message: str) -> None:
    with pytest.raises(UsageFileError) as caught:
        parse_usage("\n".join([HEADER, A, line]))
    assert (caught.value.row, caught.value.column) == (3, column)
    assert message in str(caught.value)


def test_a_missing_usage_column_is_named() -> None:
    with pytest.raises(UsageFileError, match="usage row 1, column 'last_activity'"):
        parse_usage("identity,vendor,sku,created,hr_status,source\n")


def test_allow_list_entries_cover_a_sku_or_the_whole_vendor() -> None:
    entries = parse_allow(
        "identity,vendor,sku,expires,reason\na,Zoom,,2027-01-31,board\nb,Slack,Pro,2026-12-31,legal hold\n"
    )
    assert [(e.identity_id, e.sku, e.expires) for e in entries] == [
        ("a", None, date(2027, 1, 31)),
        ("b", "Pro", date(2026, 12, 31)),
    ]
    with pytest.raises(UsageFileError, match="allow-list row 2, column 'reason': is empty"):
        parse_allow("identity,vendor,expires,reason\na,Zoom,2027-01-31,\n")
