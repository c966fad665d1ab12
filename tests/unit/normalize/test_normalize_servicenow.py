"""ServiceNow Business Rule bodies and Table API records normalise."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from intake.model import Priority, StatusCategory
from intake.normalize import normalize_delivery
from intake.webhooks import MalformedPayloadError

OURS = Path(__file__).resolve().parents[2] / "payloads" / "servicenow"
SHARED = Path(__file__).resolve().parents[3] / ".." / "shared" / "payloads" / "servicenow"
BASE = "https://acmecorp.service-now.com"


def _ours(name: str) -> bytes:
    return (OURS / name).read_bytes()


def test_request_item_awaiting_approval() -> None:
    """sc_req_item: catalog item as request type, approval requested, journal visibility."""
    result = normalize_delivery(
        "servicenow", "snow", _ours("br_sc_req_item_awaiting_approval.json"), base_url=BASE
    )
    ticket = result.ticket

    assert (
        ticket.key,
        ticket.request_type,
        ticket.status,
    ) == ("RITM0010042", "Access request", StatusCategory.PENDING_APPROVAL)
    assert (
        ticket.requester.email,
        ticket.team,
        ticket.priority,
    ) == ("kevin.otieno@corp.example.com", "Identity & Access", Priority.LOW)
    assert dict(ticket.custom_fields) == {
        "u_cost_center": "CC-4410 Engineering",
        "variables.duration_days": "14",
    }
    assert [c.public for c in ticket.comments] == [True, False]
    assert f"{BASE}/sc_req_item.do?sys_id=4f1c2b3a1b2c3d4e5f60718293a4b5c6" == ticket.url
    assert [e.desk_event_id for e in result.events] == [
        "created:4f1c2b3a1b2c3d4e5f60718293a4b5c6",
        "journal:a1b2c3d4e5f60718293a4b5c6d7e8f90",
        "4f1c2b3a1b2c3d4e5f60718293a4b5c6:2",
        "journal:b2c3d4e5f60718293a4b5c6d7e8f90a1",
    ]


def test_plain_incident_on_hold_awaiting_caller() -> None:
    """Plain values and dot-walked caller fields; on hold for the caller waits on the requester."""
    result = normalize_delivery("servicenow", "snow", _ours("table_incident_on_hold_plain.json"))
    ticket = result.ticket

    assert (ticket.status, ticket.priority) == (StatusCategory.PENDING_REQUESTER, Priority.HIGH)
    assert (
        ticket.requester.email,
        ticket.requester.name,
    ) == ("raj.patel@corp.example.com", "Raj Patel")
    assert ticket.labels == ("vip", "travel")
    assert ticket.assignee.id == "46d44a23a9fe19810012d100cca80666"  # type: ignore[union-attr]
    assert "9d385017c611228701d22104cc95c371:3" in {e.desk_event_id for e in result.events}


@pytest.mark.parametrize(
    ("table", "state", "expected"),
    [
        ("incident", "1", StatusCategory.NEW),
        ("incident", "2", StatusCategory.IN_PROGRESS),
        ("incident", "6", StatusCategory.RESOLVED),
        ("incident", "7", StatusCategory.CLOSED),
        ("incident", "8", StatusCategory.CANCELLED),
        ("sc_req_item", "-5", StatusCategory.PENDING_OTHER),
        ("sc_req_item", "2", StatusCategory.IN_PROGRESS),
        ("sc_req_item", "3", StatusCategory.CLOSED),
        ("sc_req_item", "7", StatusCategory.CANCELLED),
    ],
    ids=[
        "inc-new",
        "inc-progress",
        "inc-resolved",
        "inc-closed",
        "inc-cancelled",
        "ritm-pending",
        "ritm-wip",
        "ritm-complete",
        "ritm-skipped",
    ],
)
def test_states(table: str, state: str, expected: StatusCategory) -> None:
    """Incident and requested-item state numbers map to categories."""
    doc = {
        "kind": "deskpilot.poll",
        "record": {
            "number": "X1",
            "sys_id": "s",
            "sys_class_name": table,
            "state": state,
            "caller_id": "u",
            "requested_for": "u",
            "sys_created_on": "2026-11-25 09:00:00",
            "sys_mod_count": "0",
        },
    }
    assert (
        expected == normalize_delivery("servicenow", "snow", json.dumps(doc).encode()).ticket.status
    )


def test_webhook_and_poll_share_ids() -> None:
    """The Business Rule's body and the same record polled give the same event ids."""
    webhook = json.loads(_ours("br_sc_req_item_awaiting_approval.json"))
    poll = {
        "kind": "deskpilot.poll",
        "record": webhook["record"],
        "comments": webhook["journal"],
        "requester": webhook["requester"],
    }
    ids = [
        {
            e.desk_event_id
            for e in normalize_delivery("servicenow", "s", json.dumps(d).encode()).events
        }
        for d in (webhook, poll)
    ]
    assert ids[0] == ids[1]


@pytest.mark.parametrize(
    ("mutate", "match"),
    [
        (lambda d: d["record"].pop("number"), r"\$\.record\.number"),
        (
            lambda d: (
                d["record"].pop("requested_for"),
                d["record"].pop("opened_by"),
                d.pop("requester"),
            ),
            r"\$\.record\.requested_for",
        ),
        (lambda d: d.pop("record"), r"\$\.record"),
        (lambda d: d["journal"][0].pop("sys_id"), r"\$\.journal\[0\]\.sys_id"),
        (
            lambda d: d["record"].update(sys_created_on={"value": "25/11/2026"}),
            r"timestamp at \$\.record\.sys_created_on\.value",
        ),
    ],
    ids=["number", "requester", "record", "journal-id", "date"],
)
def test_malformed_is_named(mutate: object, match: str) -> None:
    """Missing fields raise MalformedPayloadError naming the JSON path."""
    doc = json.loads(_ours("br_sc_req_item_awaiting_approval.json"))
    mutate(doc)  # type: ignore[operator]
    with pytest.raises(MalformedPayloadError, match=match):
        normalize_delivery("servicenow", "s", json.dumps(doc).encode())


def test_documented_table_api_record() -> None:
    """The Table API example from ServiceNow's docs normalises as a poll record."""
    path = SHARED / "docs_table_get_incident_by_sys_id.json"
    if not path.is_file():
        pytest.skip(f"shared payloads not available at {SHARED}")
    poll = {"kind": "deskpilot.poll", "record": json.loads(path.read_text())["result"]}
    result = normalize_delivery("servicenow", "s", json.dumps(poll).encode())
    assert (
        result.ticket.key,
        result.ticket.status,
        result.ticket.request_type,
    ) == ("INC0000046", StatusCategory.NEW, "software")


OPENERS = [
    # id, opened_by object (or None), expected requester e-mail, expected "Requested for"
    ("raised-for-someone-else", {"sys_id": "o1", "email": "maria@corp.example.com", "name": "Maria"}, "maria@corp.example.com", "kevin.otieno@corp.example.com"),
    ("raised-for-self", {"sys_id": "62826bf03710200044e0bfc8bcbe5df1", "email": "kevin.otieno@corp.example.com"}, "kevin.otieno@corp.example.com", None),
    ("opener-without-email", {"sys_id": "o1", "user_name": "maria"}, "kevin.otieno@corp.example.com", None),
    ("no-opener", None, "kevin.otieno@corp.example.com", None),
]  # fmt: skip


@pytest.mark.parametrize(
    ("opener", "requester", "requested_for"), [c[1:] for c in OPENERS], ids=[c[0] for c in OPENERS]
)
def test_requested_item_asker_and_requested_for(
    opener: dict[str, str] | None, requester: str, requested_for: str | None
) -> None:
    """On a requested item the opener asks; ``requested_for`` is whom it is for (a field)."""
    doc = json.loads(_ours("br_sc_req_item_awaiting_approval.json"))
    if opener is not None:
        doc["opened_by"] = opener

    ticket = normalize_delivery("servicenow", "snow", json.dumps(doc).encode()).ticket

    assert requester == ticket.requester.email
    assert requested_for == ticket.custom_fields.get("Requested for")


@pytest.mark.parametrize(
    ("contact_type", "verified"),
    [
        ({"value": "email", "display_value": "Email"}, False),
        ("email", False),
        ({"value": "self-service", "display_value": "Self-service"}, True),
        ({"value": "phone", "display_value": "Phone"}, True),
        (None, True),
    ],
    ids=["br-email", "table-api-email", "self-service", "phone", "absent"],
)
def test_a_record_raised_by_email_names_an_unverified_caller(
    contact_type: object, verified: bool
) -> None:
    """An inbound e-mail action takes the caller from the From: header (issue 13.3)."""
    doc = json.loads(_ours("br_sc_req_item_awaiting_approval.json"))
    if contact_type is not None:
        doc["record"]["contact_type"] = contact_type

    result = normalize_delivery("servicenow", "snow", json.dumps(doc).encode(), base_url=BASE)

    assert result.ticket.requester.verified is verified
