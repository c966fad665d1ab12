"""
Ticket text cannot put links, images or markup into deskpilot's notes.

A requester writes the form's "new title" (or "department") as Markdown: a link labelled
"Approve now" to a look-alike sign-in page, an image that calls home when an agent opens the
ticket, an autolink. The plan note the approver reads before deciding quotes the value; every
desk's rendering of that note (Jira ADF, Zendesk HTML, plain text for ServiceNow, Salesforce and
JSM) shows it as the text it is, never as a link or an image in deskpilot's voice.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from connectors.render import Json, to_adf, to_html, to_plain
from tests.integration.playbooks.world import world

EVIL = "https://evil.example"
HOSTILE = f"[Approve now]({EVIL}/sso) ![logo]({EVIL}/p.png) <{EVIL}/a> **urgent**"
BREAKOUT = f"a` {HOSTILE} `b"
"""Starts by closing the code span a note may put it in."""
FIELD_NAMES = {
    "department": ["customfield_10103"],
    "new_title": ["customfield_10110"],
    "given_name": ["customfield_10101"],
    "family_name": ["customfield_10102"],
    "start_date": ["customfield_10104"],
}


def _links(node: Json) -> list[str]:
    """Every link mark's href in an ADF document."""
    found: list[str] = []
    if isinstance(node, dict):
        for mark in node.get("marks") or []:  # type: ignore[union-attr]
            if isinstance(mark, dict) and mark.get("type") == "link":
                attrs = mark.get("attrs")
                assert isinstance(attrs, dict)
                found.append(str(attrs.get("href")))
        for child in node.get("content") or []:  # type: ignore[union-attr]
            found.extend(_links(child))
    return found


def _assert_literal(note: str) -> None:
    html = to_html(note)
    assert "href=" not in html, html
    assert "<img" not in html, html
    assert "<strong>urgent" not in html, html
    assert [] == _links(to_adf(note))
    assert f"[Approve now]({EVIL}/sso)" in to_plain(note)


CASES: list[tuple[str, str, str, dict[str, Any]]] = [
    (
        "title-in-the-plan-table",
        "Update my job title",
        "I was promoted, please update my job title in the directory to Senior Account Executive.",
        {"customfield_10110": HOSTILE},
    ),
    (
        "department-in-the-escalation",
        "New starter: Nina Novak",
        "Please create an account for our new starter Nina Novak, who joins on 2026-12-01.",
        {
            "customfield_10101": "Nina",
            "customfield_10102": "Novak",
            "customfield_10103": BREAKOUT,
            "customfield_10104": "2026-12-01",
        },
    ),
]


@pytest.mark.parametrize(
    ("subject", "body", "fields"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_ticket_markup_stays_text_in_the_internal_note(
    tmp_path: Path, subject: str, body: str, fields: dict[str, Any]
) -> None:
    with world(f"sqlite:///{tmp_path / 'deskpilot.sqlite3'}", field_names=FIELD_NAMES) as w:
        w.ticket("IT-1", "bob", subject, body, fields=fields)
        w.drain()

        notes = [n.body for n in w.notes("IT-1", public=False) if "Approve now" in n.body]

    assert notes, "the note quotes the requester's value"
    for note in notes:
        _assert_literal(note)
