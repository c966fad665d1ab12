"""Jira / JSM bodies and poll forms normalise into tickets and events."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from intake.model import EventKind, Priority, StatusCategory
from intake.normalize import IntakeOptions, normalize_delivery
from intake.normalize.adf import adf_to_text
from intake.normalize.jira_fields import jira_comment
from intake.webhooks import MalformedPayloadError
from intake.webhooks.node import Node

OURS = Path(__file__).resolve().parents[2] / "payloads" / "jira"
SHARED = Path(__file__).resolve().parents[3] / ".." / "shared" / "payloads" / "jira"
BASE = "https://acme-it.atlassian.net"


def _ours(name: str) -> bytes:
    return (OURS / name).read_bytes()


def test_jsm_issue_created() -> None:
    """A JSM request: request type from the Customer Request Type field, reporter, attachments."""
    result = normalize_delivery("jira", "jira-it", _ours("jsm_issue_created.json"), base_url=BASE)
    ticket = result.ticket

    assert (
        ticket.key,
        ticket.desk_id,
        ticket.request_type,
    ) == ("IT-142", "10142", "Unlock my account")
    assert (
        ticket.requester.email,
        ticket.requester.id,
    ) == ("jane.doe@corp.example.com", "712020:aa11")
    assert (ticket.status, ticket.status_raw) == (StatusCategory.OPEN, "Waiting for support")
    assert (ticket.priority, ticket.team, ticket.labels) == (Priority.HIGH, "Identity", ("vip",))
    assert dict(ticket.custom_fields) == {"customfield_10050": "Berlin", "customfield_10052": "3"}
    assert (ticket.attachments[0].filename, ticket.attachments[0].size) == ("lockout.png", 48213)
    assert f"{BASE}/browse/IT-142" == ticket.url
    assert datetime(2026, 11, 25, 9, 12, tzinfo=UTC) == ticket.created_at
    assert [(e.kind, e.desk_event_id, e.status) for e in result.events] == [
        (EventKind.CREATED, "created:10142", StatusCategory.OPEN)
    ]


def test_changelog_becomes_status_assignee_and_updated_events() -> None:
    """Each changelog item is its own event; JSM "Waiting for customer" pauses on the requester."""
    result = normalize_delivery(
        "jira", "jira-it", _ours("jsm_issue_updated_waiting_for_customer.json")
    )
    got = {e.desk_event_id: e for e in result.events}

    assert got["changelog:20455:status"].status == StatusCategory.PENDING_REQUESTER
    assert got["changelog:20455:assignee"].assignee.name == "David Nguyen"  # type: ignore[union-attr]
    assert got["changelog:20455"].kind == EventKind.UPDATED
    assert [e.seq for e in result.events] == [0, 1, 2]
    assert result.ticket.status == StatusCategory.PENDING_REQUESTER


def test_internal_comment_event_is_partial() -> None:
    """A Cloud comment event: jsdPublic false is internal; the abbreviated issue is partial."""
    result = normalize_delivery("jira", "jira-it", _ours("jsm_comment_created_internal.json"))
    (event,) = result.events

    assert result.partial
    assert (event.kind, event.desk_event_id) == (EventKind.COMMENT, "comment:10400")
    assert event.comment is not None
    assert not event.comment.public
    assert event.comment.author.email == "david.nguyen@corp.example.com"  # type: ignore[union-attr]


def test_poll_form_replays_history_with_the_same_ids() -> None:
    """A polled v3 issue gives CREATED, the changelog and comments, ADF rendered as text."""
    result = normalize_delivery("jira", "jira-it", _ours("search_jql_issue_with_changelog.json"))
    ids = [e.desk_event_id for e in result.events]

    assert ids == [
        "created:10143",
        "changelog:20460:status",
        "comment:10500",
        "changelog:20461:status",
        "changelog:20461",
    ]
    assert (
        result.events[0].status == StatusCategory.OPEN
    )  # "Waiting for support" before the first change
    assert result.ticket.status == StatusCategory.RESOLVED
    assert (
        result.ticket.description
        == "Please reset my password, @David Nguyen.\nThanks!\n- laptop\n- VPN"
    )
    assert result.ticket.comments[0].body == "Reset link sent."


def test_webhook_and_poll_share_event_ids() -> None:
    """The same status change seen by webhook and by poll has one id."""
    webhook = json.loads(_ours("jsm_issue_updated_waiting_for_customer.json"))
    poll = {
        "kind": "deskpilot.poll",
        "record": {
            **webhook["issue"],
            "changelog": {
                "histories": [{**webhook["changelog"], "created": "2026-11-25T09:20:00.000+0000"}]
            },
        },
    }
    by_webhook = normalize_delivery("jira", "j", json.dumps(webhook).encode())
    by_poll = normalize_delivery("jira", "j", json.dumps(poll).encode())

    assert {e.desk_event_id for e in by_webhook.events} <= {e.desk_event_id for e in by_poll.events}


@pytest.mark.parametrize(
    ("adf", "text"),
    [
        (None, ""),
        ("plain v2 text", "plain v2 text"),
        (
            {
                "type": "doc",
                "content": [
                    {"type": "heading", "content": [{"type": "text", "text": "Title"}]},
                    {
                        "type": "paragraph",
                        "content": [{"type": "emoji", "attrs": {"shortName": ":smile:"}}],
                    },
                ],
            },
            "Title\n:smile:",
        ),
        (
            {
                "type": "doc",
                "content": [
                    {
                        "type": "paragraph",
                        "content": [{"type": "inlineCard", "attrs": {"url": "https://x.example"}}],
                    }
                ],
            },
            "https://x.example",
        ),
    ],
    ids=["null", "string", "heading-emoji", "card"],
)
def test_adf_to_text(adf: object, text: str) -> None:
    """ADF nodes render as readable plain text."""
    assert text == adf_to_text(Node(adf))


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        (IntakeOptions(), StatusCategory.PENDING_REQUESTER),
        (
            IntakeOptions.of(statuses={"Waiting for Customer": StatusCategory.PENDING_OTHER}),
            StatusCategory.PENDING_OTHER,
        ),
    ],
    ids=["default", "override"],
)
def test_inbound_status_map_overrides(options: IntakeOptions, expected: StatusCategory) -> None:
    """options.inbound_status_map wins over the built-in names, whatever the case of the name."""
    body = _ours("jsm_issue_updated_waiting_for_customer.json")
    assert expected == normalize_delivery("jira", "j", body, options=options).ticket.status


@pytest.mark.parametrize(
    ("mutate", "match"),
    [
        (lambda d: d["issue"]["fields"].pop("summary"), r"\$\.issue\.fields\.summary"),
        (
            lambda d: d["issue"]["fields"].pop("reporter") and d["issue"]["fields"].pop("creator"),
            r"\$\.issue\.fields\.reporter",
        ),
        (lambda d: d["issue"].pop("key"), r"\$\.issue\.key"),
        (
            lambda d: d["issue"]["fields"].update(labels="oops"),
            r"array at \$\.issue\.fields\.labels",
        ),
        (
            lambda d: d["issue"]["fields"].update(created="yesterday"),
            r"timestamp at \$\.issue\.fields\.created",
        ),
        (lambda d: d.pop("issue"), r"\$\.issue"),
    ],
    ids=["summary", "reporter", "key", "labels-type", "created-format", "issue"],
)
def test_malformed_names_the_path(mutate: object, match: str) -> None:
    """Missing or mistyped fields raise MalformedPayloadError naming the JSON path."""
    doc = json.loads(_ours("jsm_issue_created.json"))
    mutate(doc)  # type: ignore[operator]
    with pytest.raises(MalformedPayloadError, match=match):
        normalize_delivery("jira", "j", json.dumps(doc).encode())


@pytest.mark.parametrize(
    ("name", "key", "kinds"),
    [
        ("mobitel_issue_created.json", "BBCOM-1398", [EventKind.CREATED]),
        ("mobitel_issue_updated_status-changed.json", "INDEV-6", [EventKind.STATUS]),
        ("mobitel_issue_updated_commented.json", "BBCOM-956", [EventKind.COMMENT]),
        ("mobitel_comment_updated.json", "INDEV-28", [EventKind.UPDATED]),
    ],
    ids=["created", "status", "commented", "comment-updated"],
)
def test_real_captures(name: str, key: str, kinds: list[EventKind]) -> None:
    """Real Jira captures (Server and Cloud era) normalise."""
    path = SHARED / name
    if not path.is_file():
        pytest.skip(f"shared payload {name} not available at {SHARED}")
    result = normalize_delivery("jira", "j", path.read_bytes())
    assert (key, kinds) == (result.ticket.key, [e.kind for e in result.events])


def test_server_comment_without_issue_is_malformed() -> None:
    """Jira Server comment events carry no issue: a clear error, not a crash."""
    path = SHARED / "mobitel_comment_created.json"
    if not path.is_file():
        pytest.skip(f"shared payloads not available at {SHARED}")
    with pytest.raises(MalformedPayloadError, match=r"\$\.issue"):
        normalize_delivery("jira", "j", path.read_bytes())


def _user(ident: str, *, cloud: bool = True) -> dict[str, str]:
    return {"accountId": ident} if cloud else {"name": ident, "key": ident}


@pytest.mark.parametrize(
    ("author", "editor", "edited_by"),
    [
        (_user("712020:olivia"), _user("712020:olivia"), None),
        (_user("712020:olivia"), None, None),
        (_user("712020:olivia"), _user("712020:bob"), "712020:bob"),
        (_user("olivia", cloud=False), _user("bob", cloud=False), "bob"),
        (_user("olivia", cloud=False), _user("olivia", cloud=False), None),
        (None, _user("712020:bob"), "712020:bob"),
    ],
    ids=["by-the-author", "never-edited", "by-someone-else", "data-center-someone-else",
         "data-center-author", "no-author"],
)  # fmt: skip
def test_a_comment_names_who_else_last_edited_it(
    author: dict[str, str] | None, editor: dict[str, str] | None, edited_by: str | None
) -> None:
    """``updateAuthor`` other than the author is kept: the text is not the author's word."""
    doc: dict[str, object] = {"id": "10100", "body": "/approve", "author": author}
    if editor is not None:
        doc["updateAuthor"] = editor

    comment = jira_comment(Node(doc))

    assert edited_by == (comment.edited_by.id if comment.edited_by else None)
