"""
Access reviews on the four desks of ``authority_support``: each desk's create API faked at the
HTTP boundary with the vendor's shapes, and a reviewer's comment delivered the way the desk
delivers comments (Jira and Zendesk webhooks, the ServiceNow Business Rule, the Salesforce poll).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import responses
from sqlalchemy import select

from playbooks.reviews.campaign import Campaign, load_campaign_text
from tests.e2e.authority_payloads import (
    jira_comment,
    jira_issue,
    jira_user,
    salesforce_comment,
    salesforce_page,
    snow_delivery,
    snow_journal,
    zendesk_event,
)
from tests.e2e.authority_scenarios import ok
from tests.e2e.authority_support import (
    JIRA,
    PEOPLE,
    SF_API,
    SNOW,
    ZENDESK,
    Desks,
    jira_headers,
    now_stamp,
    snow_headers,
    zendesk_headers,
)
from tests.e2e.desks_support import poll_query
from worker.db.review_tables import ReviewItemRow, ReviewTicketRow
from worker.inbound.poll import poll_desk

SNOW_SYS_ID = "6816f79cc0a8016401c5a33be04be441"
CASE_ID = "500RO00000RevwAAA"
CREATED_KEYS = {
    "jira-it": "IT-50",
    "zendesk-it": "4150",
    "snow-it": "INC0010050",
    "sf-it": "00001050",
}


def campaign(desk: str, extra: str = "") -> Campaign:
    """Maria's direct reports' membership of ``all-staff``, reviewed by Maria (Olivia falls back)."""
    return load_campaign_text(
        f"name: staff-q4\ntitle: All-staff Q4\ndesk: {desk}\nproject: IT\n"
        "scope: {groups: [all-staff], users: {manager: maria}}\nwindow_days: 14\n"
        f"reviewers: {{rule: manager, fallback: [olivia]}}\n{extra}",
        "reviews/staff-q4.yaml",
    )


def install_create(d: Desks, desk: str) -> None:
    """The desk's create API (and the search before it), answering with ``CREATED_KEYS``."""
    key = CREATED_KEYS[desk]
    if desk == "jira-it":
        search = f"{JIRA}/rest/api/3/search/jql"
        d.http.get(search, json={"issues": [], "isLast": True}, match=[poll_query])
        d.http.post(f"{JIRA}/rest/api/3/issue", status=201,
                    json={"id": "10050", "key": key, "self": f"{JIRA}/rest/api/3/issue/10050"})  # fmt: skip
    elif desk == "zendesk-it":
        d.http.get(f"{ZENDESK}/api/v2/tickets.json", json={"tickets": [], "count": 0})
        d.http.post(f"{ZENDESK}/api/v2/tickets.json", status=201,
                    json={"ticket": {"id": int(key), "status": "new"}})  # fmt: skip
    elif desk == "snow-it":
        d.http.get(f"{SNOW}/api/now/table/incident", json={"result": []})
        d.http.post(f"{SNOW}/api/now/table/incident", status=201,
                    json={"result": {"sys_id": SNOW_SYS_ID, "number": key}})  # fmt: skip
    else:
        d.http.post(f"{SF_API}/sobjects/Case", status=201,
                    json={"id": CASE_ID, "success": True, "errors": []})  # fmt: skip
        d.http.get(f"{SF_API}/sobjects/Case/{CASE_ID}",
                   json={"attributes": {"type": "Case"}, "Id": CASE_ID, "CaseNumber": key})  # fmt: skip


def comment_on(d: Desks, desk: str, author: str, text: str) -> None:
    """``author`` comments ``text`` on the review ticket of ``desk``, as that desk delivers it."""
    key, at = CREATED_KEYS[desk], now_stamp() + dt.timedelta(seconds=d.next_id() % 1000)
    if desk == "jira-it":
        issue = jira_issue(key, "maria", at)
        raw = jira_comment(
            issue, d.next_id(), jira_user(author, email=PEOPLE[author].email), text, at
        )
        ok(d.post(desk, jira_headers(d.secrets[desk], raw), raw))
    elif desk == "zendesk-it":
        comment = {"id": str(d.next_id()), "body": text, "is_public": True,
                   "author": {"id": PEOPLE[author].zendesk, "is_staff": False}}  # fmt: skip
        raw = zendesk_event("comment_added", key, "maria", at, comment)
        ok(d.post(desk, zendesk_headers(d.secrets[desk], raw), raw))
    elif desk == "snow-it":
        entry = snow_journal(f"{d.next_id():032x}", author, text, at)
        raw = snow_delivery(key, SNOW_SYS_ID, "maria", at, d.next_id() % 1000 + 1, [entry])
        ok(d.post(desk, snow_headers(d.secrets[desk], raw), raw))
    else:
        note = salesforce_comment(
            f"00aRO0000{d.next_id():06d}", CASE_ID, PEOPLE[author].salesforce_user, text, at
        )
        page = salesforce_page(CASE_ID, key, "maria", at, [note])
        d.http.upsert(responses.GET, f"{SF_API}/queryAll", json=page)
        poll_desk(d.rt, desk)
    d.settle()


def items(d: Desks, campaign_id: int) -> dict[str, ReviewItemRow]:
    """The campaign's items by subject login."""
    with d.rt.db.session() as session:
        rows = session.scalars(
            select(ReviewItemRow).where(ReviewItemRow.campaign_id == campaign_id)
        )
        found = {r.subject_login: r for r in rows}
        session.expunge_all()
    return found


def tickets(d: Desks, campaign_id: int) -> list[ReviewTicketRow]:
    with d.rt.db.session() as session:
        found = list(session.scalars(
            select(ReviewTicketRow).where(ReviewTicketRow.campaign_id == campaign_id).order_by(ReviewTicketRow.id)
        ))  # fmt: skip
        session.expunge_all()
    return found


Step = Callable[[Desks, str], None]
