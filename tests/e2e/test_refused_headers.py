"""
A refused delivery is kept without the credentials it came with, whatever the header is called.

Only ``Authorization``, ``Proxy-Authorization`` and ``Cookie`` were left out, so an API
gateway's or relay's key in front of deskpilot (``X-Api-Key``, ``X-Auth-Token``, ``Api-Key``)
was kept with every refused delivery and printed by ``deskpilot inbox show``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.integration.playbooks.world import DESK, World, world
from worker.db.records import RejectedDeliveryRow
from worker.web.app import create_app

CREDENTIALS = {
    "Authorization": "Basic c2VjcmV0OnNlY3JldA==",
    "Proxy-Authorization": "Basic cHJveHk6cHJveHk=",
    "Cookie": "session=abc",
    "X-Api-Key": "gw-key-0001",
    "Api-Key": "gw-key-0002",
    "X-Auth-Token": "relay-token-0003",
    "X-Relay-Secret": "relay-secret-0004",
    "X-Amz-Security-Token": "aws-token-0005",
    "X-Client-Password": "hunter2-0006",
}
KEPT = {
    "Content-Type": "application/json",
    "X-Hub-Signature": "sha256=" + "0" * 64,
    "X-Atlassian-Webhook-Identifier": "d9a1c2",
    "User-Agent": "Atlassian Webhook HTTP Client",
}


@pytest.fixture
def w(tmp_path: Path) -> Iterator[World]:
    with world(f"sqlite:///{tmp_path / 'deskpilot.sqlite3'}") as built:
        yield built


def test_a_refused_delivery_keeps_no_credential_header(w: World) -> None:
    """A wrong signature: kept with what proves nothing (its signature, its id), not the keys."""
    body = json.dumps({"webhookEvent": "jira:issue_created", "issue": {"key": "IT-9"}}).encode()
    with TestClient(create_app(w.rt)) as client:
        answer = client.post(f"/hooks/{DESK}", content=body, headers=CREDENTIALS | KEPT)
    with w.rt.db.session() as session:
        (kept,) = session.scalars(select(RejectedDeliveryRow)).all()
        headers = {k.lower(): v for k, v in kept.headers.items()}

    assert answer.status_code == 401
    assert {k.lower() for k in KEPT} <= set(headers)
    assert not {k.lower() for k in CREDENTIALS} & set(headers)
    assert not any(value in json.dumps(kept.headers) for value in CREDENTIALS.values())
