"""Who uses what: buckets, exemptions and lag-aware signals, table by table."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from playbooks.licences.usage import (
    AllowEntry,
    Assignment,
    Identity,
    Policy,
    Signal,
    UsageError,
    assess,
    assess_all,
    keeps,
)

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
OLD = date(2025, 1, 1)


def ago(days: int) -> datetime:
    return NOW - timedelta(days=days)


KEEPS = [
    # source, days old, threshold, keeps?
    ("ldap_auth_timestamp", 90, 90, True),
    ("ldap_auth_timestamp", 91, 90, False),
    ("ad_last_logon_timestamp", 104, 90, True),  # within threshold + 14-day lag
    ("ad_last_logon_timestamp", 105, 90, False),  # older than lag + threshold: never keeps
    ("ad_last_logon_timestamp", 44, 30, True),
    ("ad_last_logon_timestamp", 45, 30, False),
    ("slack_billing_active", 58, 30, True),
    ("slack_billing_active", 59, 30, False),
]


@pytest.mark.parametrize(
    ("source", "days", "threshold", "expected"),
    KEEPS,
    ids=[f"{s}-{d}d-vs-{t}d" for s, d, t, _ in KEEPS],
)
def test_a_signal_keeps_only_within_threshold_plus_its_lag(
    source: str, days: int, threshold: int, expected: bool
) -> None:
    assert keeps(Signal(source, ago(days)), timedelta(days=threshold), NOW) is expected


@pytest.mark.parametrize(
    ("source", "threshold"),
    [("ad_last_logon_timestamp", 14), ("slack_billing_active", 28)],
    ids=["ad-14d", "slack-28d"],
)
def test_a_source_cannot_judge_a_threshold_no_longer_than_its_lag(
    source: str, threshold: int
) -> None:
    with pytest.raises(UsageError, match="cannot judge"):
        keeps(Signal(source, ago(1)), timedelta(days=threshold), NOW)


def test_an_unknown_source_is_named() -> None:
    with pytest.raises(UsageError, match="unknown activity source 'fax'"):
        keeps(Signal("fax", ago(1)), timedelta(days=90), NOW)


ALLOW = [
    AllowEntry("allowed", "Zoom", date(2026, 12, 1), "board member"),
    AllowEntry("expired", "Zoom", date(2026, 11, 30), "was a pilot"),
    AllowEntry("other-sku", "Zoom", date(2027, 1, 1), "webinar host", sku="Webinar"),
]
STALE = (Signal("ldap_auth_timestamp", ago(200)),)
FRESH = (Signal("ldap_auth_timestamp", ago(3)),)
CASES = [
    # id, identity, signals, usage %, bucket, active
    ("fresh", Identity("u", OLD), FRESH, None, "active", True),
    ("never-seen", Identity("u", OLD), (), None, "unused", False),
    ("stale", Identity("u", OLD), STALE, None, "unused", False),
    ("stale-ad-plus-fresh-ldap", Identity("u", OLD), (*STALE, *FRESH), None, "active", True),
    (
        "stale-ad-alone",
        Identity("u", OLD),
        (Signal("ad_last_logon_timestamp", ago(105)),),
        None,
        "unused",
        False,
    ),
    ("underused", Identity("u", OLD), FRESH, Decimal(10), "underused", True),
    ("used-enough", Identity("u", OLD), FRESH, Decimal(30), "active", True),
    ("stale-underused-is-unused", Identity("u", OLD), STALE, Decimal(10), "unused", False),
    ("leaver", Identity("u", OLD, "leaver"), FRESH, None, "leaver", True),
    ("young-leaver", Identity("u", date(2026, 11, 20), "leaver"), (), None, "leaver", False),
    ("on-leave", Identity("u", OLD, "leave"), STALE, None, "exempt", False),
    ("service", Identity("u", OLD, service_account=True), (), None, "exempt", False),
    ("young-59d", Identity("u", date(2026, 10, 3)), (), None, "exempt", False),
    ("old-60d", Identity("u", date(2026, 10, 2)), (), None, "unused", False),
    ("allowed-on-expiry-day", Identity("allowed", OLD), STALE, None, "exempt", False),
    ("allowed-leaver", Identity("allowed", OLD, "leaver"), (), None, "exempt", False),
    ("allow-expired", Identity("expired", OLD), STALE, None, "unused", False),
    ("allow-other-sku", Identity("other-sku", OLD), STALE, None, "unused", False),
]


@pytest.mark.parametrize(
    ("identity", "signals", "usage", "bucket", "active"),
    [c[1:] for c in CASES],
    ids=[c[0] for c in CASES],
)
def test_each_assignment_gets_its_bucket(
    identity: Identity,
    signals: tuple[Signal, ...],
    usage: Decimal | None,
    bucket: str,
    active: bool,
) -> None:
    assignment = Assignment(identity.id, "Zoom", "Pro", signals, usage)
    verdict = assess(assignment, identity, Policy(), ALLOW, NOW)
    assert (verdict.bucket, verdict.active) == (bucket, active)
    assert verdict.reclaim is (bucket in ("unused", "leaver"))
    assert verdict.reason


def test_thresholds_are_per_vendor() -> None:
    identity = Identity("u", OLD)
    signals = (Signal("ldap_auth_timestamp", ago(45)),)
    policy = Policy(days_by_vendor={"Slack": 30, "Zoom": 60})
    slack = assess(Assignment("u", "Slack", "Pro", signals), identity, policy, [], NOW)
    zoom = assess(Assignment("u", "Zoom", "Pro", signals), identity, policy, [], NOW)
    assert (slack.bucket, slack.inactive_days) == ("unused", 45)
    assert zoom.bucket == "active"


def test_an_assignment_to_an_unknown_identity_is_named() -> None:
    with pytest.raises(UsageError, match="Zoom Pro is assigned to unknown identity 'ghost'"):
        assess_all([Assignment("ghost", "Zoom", "Pro")], {}, Policy(), [], NOW)
