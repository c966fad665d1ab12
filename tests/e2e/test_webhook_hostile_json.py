"""
JSON that parses in Python but is not a document deskpilot can keep: a clear 400 at the door.

A number longer than Python's 4,300-digit limit made ``json.loads`` raise a plain
``ValueError``, and a lone surrogate (``"\\ud800"``, valid JSON syntax but no Unicode text) could
be written to the database or encoded as UTF-8: the long number was a 500 to the sender, with
nothing kept to show why, and a signed body with a lone surrogate was accepted (202) and stored
for the worker to trip over.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from intake.webhooks import sign_jira
from tests.integration.playbooks.world import DESK, World, world
from worker.db.records import RejectedDeliveryRow
from worker.db.tables import InboxItem
from worker.web.app import create_app


@pytest.fixture
def w(tmp_path: Path) -> Iterator[World]:
    with world(f"sqlite:///{tmp_path / 'deskpilot.sqlite3'}") as built:
        yield built


def _body(member: str) -> bytes:
    issue = {"key": "IT-9", "fields": {"summary": "VPN"}}
    head = json.dumps({"webhookEvent": "jira:issue_created", "issue": issue})[:-1]
    return (head + ", " + member + "}").encode()


@pytest.mark.parametrize(
    ("member", "detail"),
    [
        ('"x": ' + "7" * 5000, "more than 4300 digits"),
        ('"x": -' + "7" * 4301, "more than 4300 digits"),
        ('"x": "\\ud800"', "lone surrogate"),
        ('"x": ["ok", {"\\udfff": 1}]', "lone surrogate"),
        ('"x": "\\ud83d\\ude00 \\ud83d"', "lone surrogate"),
    ],
    ids=["long-integer", "long-negative", "lone-high-surrogate", "surrogate-in-a-name",
         "half-an-emoji"],
)  # fmt: skip
def test_a_signed_body_that_is_not_a_document_is_refused_and_kept(
    w: World, member: str, detail: str
) -> None:
    """Valid signature, unreadable document: a 400 naming why, kept with the refusals."""
    raw = _body(member)
    headers = {"Content-Type": "application/json", **sign_jira(w.secret, raw)}
    with TestClient(create_app(w.rt), raise_server_exceptions=False) as client:
        answer = client.post(f"/hooks/{DESK}", content=raw, headers=headers)
    with w.rt.db.session() as session:
        kept = session.scalars(select(RejectedDeliveryRow)).all()
        inbox = session.scalars(select(InboxItem)).all()

    assert (answer.status_code, detail in answer.json().get("detail", "")) == (400, True)
    assert [(k.status, k.body) for k in kept] == [(400, raw)]
    assert inbox == []


def test_a_whole_emoji_is_text(w: World) -> None:
    """The control: a surrogate pair is one character, accepted like any other text."""
    raw = _body('"x": "\\ud83d\\ude00"')
    headers = {"Content-Type": "application/json", **sign_jira(w.secret, raw)}
    with TestClient(create_app(w.rt)) as client:
        answer = client.post(f"/hooks/{DESK}", content=raw, headers=headers)

    assert answer.status_code == 202
