"""
The access reviews page's world: the company of ``tests.integration.playbooks.world`` with one
web token per person the tests sign in as, and two campaigns running side by side.

``staff-q4``: Maria reviews her reports' ``all-staff`` membership (Alice, Bob), Olivia is the
fallback. ``hr-q4``: Sam reviews ``hr-team`` (Maria, Olivia), Dave is the fallback.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from fastapi.testclient import TestClient
from sqlalchemy import select

from playbooks.reviews.campaign import load_campaign_text
from tests.integration.playbooks.world import AGENT_TOKEN, WebToken, World, settings_for, world_of
from worker.db.records import AuditRow
from worker.db.review_tables import ReviewItemRow, ReviewTicketRow
from worker.runs.review_start import start_campaign
from worker.web.app import create_app
from worker.web.auth import COOKIE

TOKENS = {
    "maria": WebToken("maria", "viewer", "maria-token-for-tests-0123456789abcdef", "maria@example.com"),
    "bob": WebToken("bob", "agent", "bob-token-for-tests-0123456789abcdef00", "bob@example.com"),
    "sam": WebToken("sam", "viewer", "sam-token-for-tests-0123456789abcdef00", "sam@example.com"),
    "dave": WebToken("dave", "admin", "dave-token-for-tests-0123456789abcdef0", "dave@example.com"),
    "root": WebToken("root", "admin", "root-token-for-tests-0123456789abcdef0", None),
    "ghost": WebToken("ghost", "viewer", "ghost-token-for-tests-0123456789abcdef", "ghost@example.com"),
}  # fmt: skip
SECRETS = {name: t.token for name, t in TOKENS.items()} | {"olivia": AGENT_TOKEN}
STAFF = (
    "name: staff-q4\ntitle: All-staff Q4\ndesk: jira-it\n"
    "scope: {groups: [all-staff], users: {manager: maria}}\nwindow_days: 14\n"
)
HR = (
    "name: hr-q4\ntitle: HR team Q4\ndesk: jira-it\nscope: {groups: [hr-team]}\nwindow_days: 14\n"
    "reviewers: {rule: person, person: sam, fallback: [dave]}\n"
)


@dataclass
class Started:
    """The world, the two campaigns' ids, and their items by subject login."""

    w: World
    staff: int
    hr: int

    def items(self, campaign_id: int) -> dict[str, ReviewItemRow]:
        with self.w.rt.db.session() as session:
            rows = session.scalars(
                select(ReviewItemRow).where(ReviewItemRow.campaign_id == campaign_id)
            ).all()
            session.expunge_all()
        return {r.subject_login: r for r in rows}

    def key(self, campaign_id: int, reviewer: str, level: int = 1) -> str:
        with self.w.rt.db.session() as session:
            key = session.scalar(
                select(ReviewTicketRow.key).where(
                    ReviewTicketRow.campaign_id == campaign_id,
                    ReviewTicketRow.reviewer == reviewer,
                    ReviewTicketRow.level == level,
                )
            )
        assert key is not None
        return key

    def audit(self, action: str) -> list[AuditRow]:
        with self.w.rt.db.session() as session:
            rows = session.scalars(
                select(AuditRow).where(AuditRow.action == action).order_by(AuditRow.id)
            ).all()
            session.expunge_all()
        return list(rows)


@contextmanager
def started(database_url: str, staff_reviewers: str = "") -> Iterator[Started]:
    """Both campaigns started, their review tickets known to the desk."""
    reviewers = staff_reviewers or "reviewers: {rule: manager, fallback: [olivia]}\n"
    with world_of(settings_for(database_url, tokens=tuple(TOKENS.values()))) as w:
        staff = start_campaign(
            w.rt, load_campaign_text(STAFF + reviewers, "staff.yaml"), started_by="lead@example.com"
        )
        hr = start_campaign(w.rt, load_campaign_text(HR, "hr.yaml"), started_by="lead@example.com")
        with w.rt.db.session() as session:
            keys = session.scalars(select(ReviewTicketRow.key)).all()
        for key in keys:
            assert key is not None
            w.issues[key] = {"id": "1", "key": key, "self": f"https://acme-it.atlassian.net/rest/api/2/issue/{key}",
                             "fields": {"summary": "Access review"}}  # fmt: skip
        yield Started(w, staff, hr)


@contextmanager
def signed_in(w: World, who: str) -> Iterator[TestClient]:
    """A browser session of ``who`` (a key of ``SECRETS``) on the whole app."""
    with TestClient(create_app(w.rt), base_url="https://testserver") as client:
        answer = client.post(
            "/login",
            data={"token": SECRETS[who], "next": "/access-reviews"},
            follow_redirects=False,
        )
        assert answer.status_code == 303, answer.text
        yield client


def csrf(page: str) -> str:
    """The CSRF token a page's forms carry."""
    found = re.search(r'name="csrf" value="([0-9a-f]+)"', page)
    assert found is not None, "the page has no form"
    return found.group(1)


def status_line(page: str) -> str:
    """The page's status line (what the last action did), as text."""
    found = re.search(r'role="status">(.*?)</p>', page, re.S)
    assert found is not None, "the page says nothing"
    return found.group(1).replace("&#39;", "'").replace("&amp;", "&")


def session_csrf(client: TestClient) -> str:
    """The CSRF token the page gives this session (also for someone whose page has no form)."""
    key = client.app.state.review_csrf_key  # type: ignore[attr-defined]
    cookie = client.cookies.get(COOKIE) or ""
    return hmac.new(key, cookie.encode(), hashlib.sha256).hexdigest()
