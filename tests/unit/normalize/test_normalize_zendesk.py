"""Zendesk event subscriptions, our trigger body and incremental-export polls normalise."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from intake.model import EventKind, Priority, StatusCategory
from intake.normalize import normalize_delivery
from intake.webhooks import MalformedPayloadError, UnsupportedEventError

OURS = Path(__file__).resolve().parents[2] / "payloads" / "zendesk"
SHARED = Path(__file__).resolve().parents[3] / ".." / "shared" / "payloads" / "zendesk"
BASE = "https://acme-support.zendesk.com"


def _ours(name: str) -> bytes:
    return (OURS / name).read_bytes()


def test_status_changed_event() -> None:
    """pending waits on the requester; the snapshot id is ticket + updated_at."""
    result = normalize_delivery(
        "zendesk", "zd", _ours("event_ticket_status_changed.json"), base_url=BASE
    )
    ticket = result.ticket

    assert (
        ticket.key,
        ticket.status,
        ticket.priority,
    ) == ("4242", StatusCategory.PENDING_REQUESTER, Priority.HIGH)
    assert (
        ticket.requester.id,
        ticket.team,
        ticket.request_type,
    ) == ("9801", "360000042", "360000123")
    assert ticket.labels == ("account", "lockout")
    assert f"{BASE}/agent/tickets/4242" == ticket.url
    assert [(e.desk_event_id, e.status) for e in result.events] == [
        ("created:4242", None),
        ("status:4242:2026-11-25T08:30:00+00:00", StatusCategory.PENDING_REQUESTER),
    ]


def test_comment_added_event_is_internal() -> None:
    """is_public false is an internal note by the agent."""
    result = normalize_delivery("zendesk", "zd", _ours("event_ticket_comment_added.json"))
    comment = result.events[-1].comment

    assert (
        result.events[-1].kind,
        result.events[-1].desk_event_id,
    ) == (EventKind.COMMENT, "comment:21001")
    assert comment is not None
    assert not comment.public
    assert (comment.author.id, comment.author.name) == ("9100", "David Nguyen")  # type: ignore[union-attr]


def test_trigger_template_carries_the_requester_email() -> None:
    """Our trigger body: requester e-mail, space-separated tags, form name, group name."""
    result = normalize_delivery("zendesk", "zd", _ours("trigger_deskpilot_template.json"))
    ticket = result.ticket

    assert (
        ticket.requester.email,
        ticket.request_type,
    ) == ("kevin.otieno@corp.example.com", "Access request")
    assert (
        ticket.labels,
        ticket.team,
        ticket.assignee,
    ) == (("access", "finance"), "IT Service Desk", None)
    assert [e.desk_event_id for e in result.events] == [
        "created:4243",
        "status:4243:2026-11-25T09:05:00+00:00",
    ]


def test_poll_with_comments() -> None:
    """An incremental-export ticket with its comments: numeric ids, custom fields, attachments."""
    result = normalize_delivery("zendesk", "zd", _ours("incremental_ticket_with_comments.json"))
    ticket = result.ticket

    assert (
        ticket.key,
        ticket.status,
        ticket.priority,
    ) == ("4244", StatusCategory.RESOLVED, Priority.NORMAL)
    assert (
        ticket.requester.email,
        ticket.request_type,
    ) == ("lucia.garcia@corp.example.com", "360000124")
    assert dict(ticket.custom_fields) == {"360005551": "berlin", "360005553": "vpn, email"}
    assert [c.public for c in ticket.comments] == [True, True, False]
    assert ticket.attachments[0].filename == "error.png"
    assert [e.desk_event_id for e in result.events] == [
        "created:4244",
        "comment:22001",
        "comment:22002",
        "status:4244:2026-11-24T13:00:00+00:00",
        "comment:22003",
    ]


def test_event_and_poll_share_ids() -> None:
    """A comment and a status change seen by webhook and by poll have the same ids."""
    event = json.loads(_ours("event_ticket_status_changed.json"))
    poll = {
        "kind": "deskpilot.poll",
        "record": event["detail"],
        "comments": [{"id": "21001", "public": False, "body": "x"}],
    }
    by_poll = {
        e.desk_event_id
        for e in normalize_delivery("zendesk", "zd", json.dumps(poll).encode()).events
    }
    for name in ("event_ticket_status_changed.json", "event_ticket_comment_added.json"):
        by_event = {
            e.desk_event_id for e in normalize_delivery("zendesk", "zd", _ours(name)).events
        }
        assert by_event <= by_poll


@pytest.mark.parametrize(
    ("body", "error", "match"),
    [
        (
            {"type": "zen:event-type:user.active_changed", "id": "1", "subject": "zen:user:1"},
            UnsupportedEventError,
            "not a ticket event",
        ),
        (
            {"type": "zen:event-type:ticket.created", "id": "1", "subject": "zen:ticket:1"},
            MalformedPayloadError,
            r"\$\.detail",
        ),
        ({"ticketID": "1", "type": "End User Comment"}, MalformedPayloadError, "docs/webhooks.md"),
        (
            {
                "deskpilot": "zendesk.trigger/1",
                "ticket": {"id": "1", "subject": "s", "created_at": "2026-11-25T09:00:00Z"},
            },
            MalformedPayloadError,
            r"\$\.ticket\.requester\.email",
        ),
        (
            {
                "kind": "deskpilot.poll",
                "record": {
                    "id": 5,
                    "requester_id": 1,
                    "created_at": "2026-11-25T09:00:00Z",
                    "tags": {"a": 1},
                },
            },
            MalformedPayloadError,
            r"\$\.record\.tags",
        ),
        ({"kind": "deskpilot.poll", "record": []}, MalformedPayloadError, r"object at \$\.record"),
    ],
    ids=[
        "user-event",
        "no-detail",
        "foreign-trigger",
        "trigger-requester",
        "poll-tags",
        "poll-record",
    ],
)
def test_malformed_is_named(body: dict[str, object], error: type[Exception], match: str) -> None:
    """Clear errors that name the JSON path; non-ticket events are UnsupportedEventError."""
    with pytest.raises(error, match=match):
        normalize_delivery("zendesk", "zd", json.dumps(body).encode())


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("new", StatusCategory.NEW),
        ("OPEN", StatusCategory.OPEN),
        ("hold", StatusCategory.PENDING_OTHER),
        ("closed", StatusCategory.CLOSED),
    ],
    ids=["new", "upper-open", "hold", "closed"],
)
def test_statuses(raw: str, expected: StatusCategory) -> None:
    """Zendesk statuses in either case map to categories."""
    doc = json.loads(_ours("event_ticket_status_changed.json"))
    doc["detail"]["status"] = raw
    assert expected == normalize_delivery("zendesk", "zd", json.dumps(doc).encode()).ticket.status


def test_real_ticket_created_capture_is_partial() -> None:
    """The captured ticket.created example lacks requester and subject: partial, not a crash."""
    path = SHARED / "prismatic_event_ticket_created_with_headers.json"
    if not path.is_file():
        pytest.skip(f"shared payloads not available at {SHARED}")
    body = json.loads(path.read_text())["rawBody"].encode()
    result = normalize_delivery("zendesk", "zd", body)
    assert (
        result.ticket.key,
        result.ticket.status,
        result.partial,
    ) == ("35436", StatusCategory.OPEN, True)


@pytest.mark.parametrize(
    "name",
    ["event_ticket_status_changed.json", "incremental_ticket_with_comments.json"],
    ids=["event", "poll"],
)
def test_the_requesters_organisation_is_kept_for_sla_policies(name: str) -> None:
    """organization_id (string or number) becomes the ticket's organisation."""
    result = normalize_delivery("zendesk", "zd", _ours(name))

    assert result.ticket.organisation == "360000007"
