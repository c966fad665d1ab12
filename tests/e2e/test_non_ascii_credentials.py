"""
Bytes outside ASCII where deskpilot expects a signature or its own cookie: refused, never a 500.

``hmac.compare_digest`` refuses ``str`` arguments holding non-ASCII characters (``TypeError``),
and Starlette reads header bytes as Latin-1. A Jira or ServiceNow signature header with one
such byte was therefore a 500 (not a 401, and not kept with the refused deliveries), and a
session cookie with one a 500 on every page for that browser.
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
from worker.web.auth import COOKIE


@pytest.fixture
def w(tmp_path: Path) -> Iterator[World]:
    with world(f"sqlite:///{tmp_path / 'deskpilot.sqlite3'}") as built:
        yield built


def test_a_non_ascii_signature_is_refused_and_kept(w: World) -> None:
    body = json.dumps({"webhookEvent": "jira:issue_created", "issue": {"key": "IT-9"}}).encode()
    headers = {b"Content-Type": b"application/json", b"X-Hub-Signature": b"sha256=\xe9\xe9"}
    with TestClient(create_app(w.rt), raise_server_exceptions=False) as client:
        answer = client.post(f"/hooks/{DESK}", content=body, headers=headers)
    with w.rt.db.session() as session:
        kept = session.scalars(select(RejectedDeliveryRow)).all()

    assert answer.status_code == 401
    assert [(k.status, k.body) for k in kept] == [(401, body)]


@pytest.mark.parametrize(
    "cookie",
    [b"a|b|9999999999|\xe9", b"\xe9|\xe9|\xe9|\xe9", b"a|b|9999999999|0000"],
    ids=["non-ascii-signature", "all-non-ascii", "ascii-forgery"],
)
@pytest.mark.parametrize("page", ["/review", "/dashboard", "/access-reviews"])
def test_a_forged_cookie_is_not_signed_in(w: World, cookie: bytes, page: str) -> None:
    headers = {b"Cookie": COOKIE.encode() + b"=" + cookie}
    with TestClient(create_app(w.rt), raise_server_exceptions=False) as client:
        answer = client.get(page, headers=headers)

    assert answer.status_code == 401
