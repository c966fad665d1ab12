"""An unsigned delivery's dedupe key is bound to its body: a forgery cannot take a later key."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from intake.webhooks import sign_jira, sign_servicenow, sign_zendesk, verify_delivery

NOW = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
SECRET = b"s3cret-for-tests"
ORG = "00DHs000000AcMeMAK"
SAMPLE = Path(__file__).resolve().parents[2] / "payloads" / "salesforce"


def _json(doc: object) -> bytes:
    return json.dumps(doc).encode()


def _jira(key: str) -> bytes:
    stamp = int(NOW.timestamp() * 1000)
    issue = {"id": "10001", "key": key, "fields": {}}
    return _json({"timestamp": stamp, "webhookEvent": "jira:issue_updated", "issue": issue})


def _snow(table: str, sys_id: str, mod_count: str) -> bytes:
    return _json({"table": table, "sys_id": sys_id, "sys_mod_count": mod_count})


def _zendesk(event_id: str, ticket: str) -> bytes:
    doc = {
        "type": "zen:event-type:ticket.updated",
        "id": event_id,
        "subject": f"zen:ticket:{ticket}",
    }
    return _json(doc)


def _salesforce(case_number: str) -> bytes:
    xml = (SAMPLE / "outbound_message_case.xml").read_bytes()
    return xml.replace(b"00001042", case_number.encode())


POLL_KEY = "poll:INC0010042:2026-11-25 10:03:12"
"""What the ServiceNow poller stores for a record version (``connectors.desks.polling``)."""
CLAIMS = {"x-atlassian-webhook-identifier": "d9a1c2"}


@pytest.mark.parametrize(
    ("desk", "genuine", "forged", "headers", "claimed"),
    [
        ("jira", _jira("IT-7"), _jira("IT-666"), CLAIMS, "d9a1c2"),
        ("servicenow", _snow("incident", "a1b2", "7"), _snow("incident", "a1b2", "7") + b" ", {},
         "incident:a1b2:7"),
        ("zendesk", _zendesk("01J9", "42"), _zendesk("01J9", "4242"), {}, "event:01J9"),
        ("salesforce", _salesforce("00001042"), _salesforce("00009999"), {}, "notifications:2:"),
    ],
    ids=["jira-identifier", "servicenow-next-version", "zendesk-event-id", "salesforce-next-id"],
)  # fmt: skip
def test_a_forged_body_claiming_a_key_does_not_get_it(
    desk: str, genuine: bytes, forged: bytes, headers: dict[str, str], claimed: str
) -> None:
    """Same claimed key, other body: another delivery. The same body again: the same one."""
    options = {"organization_id": ORG}

    def key(body: bytes) -> str:
        found = verify_delivery(
            desk, secret=None, headers=headers, body=body, now=NOW, options=options
        )
        assert not found.signed
        return found.dedupe_key

    assert key(genuine) == key(genuine) != key(forged)
    assert key(forged).startswith(f"unsigned:{claimed}")


def test_an_unsigned_body_cannot_take_a_poll_key() -> None:
    """``table: poll`` spells a poll's key; stored as a notification it is another key."""
    body = _snow("poll", "INC0010042", "2026-11-25 10:03:12")

    found = verify_delivery("servicenow", secret=None, headers={}, body=body, now=NOW)

    assert not found.dedupe_key.startswith("poll:")
    assert found.dedupe_key.startswith(f"unsigned:{POLL_KEY}:")


@pytest.mark.parametrize(
    ("desk", "body", "headers", "key"),
    [
        ("jira", _jira("IT-7"), {**sign_jira(SECRET, _jira("IT-7")), **CLAIMS}, "d9a1c2"),
        ("zendesk", _zendesk("01J9", "42"),
         sign_zendesk(SECRET, _zendesk("01J9", "42"), "2026-11-25T09:59:30Z"), "event:01J9"),
        ("servicenow", _snow("incident", "a1b2", "7"),
         sign_servicenow(SECRET, _snow("incident", "a1b2", "7"), int(NOW.timestamp())),
         "incident:a1b2:7"),
    ],
    ids=["jira", "zendesk", "servicenow"],
)  # fmt: skip
def test_a_signed_delivery_keeps_the_desk_s_own_key(
    desk: str, body: bytes, headers: dict[str, str], key: str
) -> None:
    """The control: a signature proves the key came from the desk, so it is used as it is."""
    lowered = {k.lower(): v for k, v in headers.items()}

    found = verify_delivery(desk, secret=SECRET, headers=lowered, body=body, now=NOW)

    assert (found.signed, found.dedupe_key) == (True, key)
