"""
Quoted commands do not count (issue 13, point 5), tried through each desk's path end to end.

Olivia may approve Bob's request, but her reply only quotes an earlier message that says
``/approve`` (a message Bob could have written): in a Jira rich-text blockquote, a nested HTML
``<blockquote>`` (Zendesk ``html_body``), e-mail ``>`` quotes and a quote split by a Unicode
line separator. Nothing may change in the directory, and the run still waits.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.authority_scenarios import (
    Scenario,
    jira_scenario,
    salesforce_scenario,
    snow_scenario,
    zendesk_scenario,
)
from tests.e2e.authority_support import Desks, four_desks


@pytest.fixture
def desks(tmp_path: Path) -> Iterator[Desks]:
    with four_desks(f"sqlite:///{tmp_path / 'deskpilot.sqlite3'}") as built:
        yield built


def _adf_quote(quoted: str) -> dict[str, Any]:
    para = {"type": "paragraph", "content": [{"type": "text", "text": quoted}]}
    mine = {"type": "paragraph", "content": [{"type": "text", "text": "Noted, will check."}]}
    return {
        "type": "doc",
        "version": 1,
        "content": [{"type": "blockquote", "content": [para]}, mine],
    }


NESTED_HTML = {
    "body": "Noted, will check.",
    "html_body": (
        "<div>Noted, will check.</div><blockquote><p>Bob wrote:</p>"
        "<blockquote><p>earlier</p></blockquote><p>/approve</p></blockquote>"
    ),
}


def _adf_paragraphs(*lines: str) -> dict[str, Any]:
    paras = [{"type": "paragraph", "content": [{"type": "text", "text": t}]} for t in lines]
    return {"type": "doc", "version": 1, "content": paras}


OUTLOOK_HTML = {
    "body": "Forwarding for the record.",
    "html_body": (
        '<div dir="ltr">Forwarding for the record.</div><div id="appendonsend"></div><hr>'
        '<div id="divRplyFwdMsg" dir="ltr"><b>From:</b> Bob &lt;bob@example.com&gt;<br>'
        "<b>Sent:</b> Monday, 7 December 2026 09:12<br><b>To:</b> Olivia<br>"
        "<b>Subject:</b> Salesforce</div><div><p>Hi Olivia, please reply with:</p>"
        "<p>/approve</p></div>"
    ),
}
EXPLOITS: list[tuple[str, Scenario, Any]] = [
    ("jira-adf-blockquote", jira_scenario, _adf_quote("/approve")),
    ("jira-wiki-quote", jira_scenario, "{quote}\n/approve\n{quote}\nNoted."),
    ("zendesk-nested-html-blockquote", zendesk_scenario, NESTED_HTML),
    ("zendesk-markdown-lazy-quote", zendesk_scenario, "> Bob wrote: thanks\n/approve"),
    ("servicenow-e-mail-quote", snow_scenario, "Noted.\n\nOn Mon, Bob wrote:\n> /approve"),
    ("servicenow-line-separator", snow_scenario, "Noted.\n> Bob wrote: thanks\u2028/approve"),
    ("salesforce-paragraph-separator", salesforce_scenario, "> thanks\u2029/approve"),
    ("salesforce-next-line", salesforce_scenario, "> thanks\x85/approve"),
    # Forwarded and Outlook-style replies: the earlier message is not marked with ">".
    (
        "jira-adf-forwarded-message",
        jira_scenario,
        _adf_paragraphs(
            "FYI, see below.",
            "---------- Forwarded message ---------",
            "From: Bob <bob@example.com>",
            "Date: Mon, 7 Dec 2026 at 09:12",
            "/approve",
        ),
    ),
    ("zendesk-outlook-html-reply", zendesk_scenario, OUTLOOK_HTML),
    (
        "servicenow-outlook-plain-reply",
        snow_scenario,
        "Will look at it.\n\n-----Original Message-----\nFrom: Bob\nSent: Monday\n\n/approve",
    ),
    (
        "servicenow-outlook-header-block",
        snow_scenario,
        "Will look.\n________________________________\nFrom: Bob\nSent: Monday\n/approve",
    ),
    (
        "salesforce-unquoted-attribution",
        salesforce_scenario,
        "Checking.\n\nOn Mon, 7 Dec 2026, Bob <bob@example.com> wrote:\n/approve",
    ),
    (
        "salesforce-german-forward",
        salesforce_scenario,
        "Zur Info.\n\nVon: Bob\nGesendet: Montag\nAn: Olivia\nBetreff: Salesforce\n\n/approve",
    ),
]


@pytest.mark.parametrize(
    ("scenario", "body"), [e[1:] for e in EXPLOITS], ids=[e[0] for e in EXPLOITS]
)
def test_a_quoted_approve_changes_nothing(desks: Desks, scenario: Scenario, body: Any) -> None:
    before = {login: desks.groups(login) for login in ("bob", "olivia")}

    desk, key = scenario(desks, "olivia", "olivia@example.com", body).split(":")

    assert before == {login: desks.groups(login) for login in ("bob", "olivia")}
    assert "waiting_approval" == desks.run_state(desk, key)
    assert [] == desks.approvals(desk, key)


def test_the_same_reply_with_its_own_approve_counts(desks: Desks) -> None:
    """The control: Olivia's own ``/approve`` under the quote, after a blank line, applies."""
    desk, key = snow_scenario(
        desks, "olivia", "olivia@example.com", "> Bob wrote: thanks\n\n/approve"
    ).split(":")

    assert "app-salesforce" in desks.groups("bob")
    assert "applied" == desks.run_state(desk, key)
