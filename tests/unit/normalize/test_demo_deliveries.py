"""The demo's bundled tickets verify and normalise exactly like real desk deliveries."""

from __future__ import annotations

import collections
from datetime import UTC, datetime
from importlib import resources

import pytest

from intake.normalize import normalize_delivery
from intake.webhooks import verify_delivery
from worker.demo.data import DemoDataError, parse_demo
from worker.demo.deliveries import DemoDelivery, build_deliveries, load_demo, zendesk_user_id

NOW = datetime(2026, 11, 25, 9, 30, tzinfo=UTC)
DEMO = load_demo()
SECRETS = {name: f"secret-of-{name}".encode() for name in DEMO.desks}
DELIVERIES = build_deliveries(DEMO, secrets=SECRETS, now=NOW)
TICKETS = {t.key: t for t in DEMO.tickets}


def test_yaml_is_package_data() -> None:
    """tickets.yaml ships inside the worker package (read through importlib.resources)."""
    assert resources.files("worker.demo").joinpath("tickets.yaml").is_file()


def test_enough_distinct_tickets_on_three_desks() -> None:
    """At least 30 tickets, unique keys, spread over jira, zendesk and servicenow."""
    keys = [d.key for d in DELIVERIES]
    desks = {DEMO.desks[d.desk].type for d in DELIVERIES}

    assert len(keys) >= 36
    assert len(keys) == len(set(keys))
    assert {"jira", "zendesk", "servicenow"} == desks


def test_first_slice_is_well_covered() -> None:
    """Six or more unlocks and password resets by directory users; one outsider."""
    in_directory = collections.Counter(
        t.expect_intent for t in DEMO.tickets if DEMO.user_by_email(t.requester.email)
    )
    outsiders = [t for t in DEMO.tickets if DEMO.user_by_email(t.requester.email) is None]

    assert in_directory["account_unlock"] >= 6
    assert in_directory["password_reset"] >= 6
    assert outsiders


def test_locked_users_exist_for_unlock_tickets() -> None:
    """Most unlock requests come from accounts that really are locked in the directory."""
    locked = [
        t.key
        for t in DEMO.tickets
        if t.expect_intent == "account_unlock"
        and (u := DEMO.user_by_email(t.requester.email))
        and u.locked
    ]
    assert len(locked) >= 6


@pytest.mark.parametrize("delivery", DELIVERIES, ids=[d.key for d in DELIVERIES])
def test_delivery_verifies_and_normalizes(delivery: DemoDelivery) -> None:
    """Each delivery passes signature checks and yields the ticket the YAML describes."""
    desk = DEMO.desks[delivery.desk]
    headers = {k.lower(): v for k, v in delivery.headers.items()}
    verified = verify_delivery(
        desk.type, secret=SECRETS[delivery.desk], headers=headers, body=delivery.body, now=NOW
    )
    normalized = normalize_delivery(desk.type, delivery.desk, delivery.body, base_url=desk.base_url)
    ticket, source = normalized.ticket, TICKETS[delivery.key]

    assert (ticket.key, verified.ticket_ref) == (delivery.key, delivery.key)
    assert (ticket.subject, ticket.description, ticket.priority.value) == (
        source.subject,
        source.body,
        source.priority,
    )
    assert ticket.requester.id == delivery.requester_id
    if desk.type != "zendesk":  # Zendesk events carry requester_id only, like the real ones
        assert ticket.requester.email == source.requester.email
    assert ticket.request_type is not None
    assert ticket.created_at is not None
    assert round((NOW - ticket.created_at).total_seconds() / 60) == source.created_minutes_ago
    assert normalized.events[0].kind.value == "created"


def test_zendesk_requester_ids_resolve_to_the_ticket_requester() -> None:
    """The demo can answer "who is Zendesk user N" from the delivery it sent."""
    zendesk = [d for d in DELIVERIES if DEMO.desks[d.desk].type == "zendesk"]
    assert zendesk
    for delivery in zendesk:
        assert zendesk_user_id(delivery.requester_email) == delivery.requester_id


def test_wrong_secret_is_refused() -> None:
    """The deliveries are really signed: another secret fails."""
    delivery = DELIVERIES[0]
    desk = DEMO.desks[delivery.desk]
    headers = {k.lower(): v for k, v in delivery.headers.items()}
    with pytest.raises(ValueError, match="does not match"):
        verify_delivery(desk.type, secret=b"nope", headers=headers, body=delivery.body, now=NOW)


@pytest.mark.parametrize(
    ("patch", "match"),
    [
        ({"expect_intent": "make_coffee"}, "unknown intent"),
        ({"desk": "freshdesk"}, "unknown desk"),
        ({"priority": "p1"}, "priority must be"),
    ],
    ids=["intent", "desk", "priority"],
)
def test_inconsistent_data_is_named(patch: dict[str, str], match: str) -> None:
    """A mistake in the bundled YAML is reported with the ticket key."""
    import yaml

    raw = yaml.safe_load(resources.files("worker.demo").joinpath("tickets.yaml").read_text())
    raw["tickets"][0].update(patch)
    with pytest.raises(DemoDataError, match=match):
        parse_demo(raw)
