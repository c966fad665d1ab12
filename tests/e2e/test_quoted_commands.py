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
EXPLOITS: list[tuple[str, Scenario, Any]] = [
    ("jira-adf-blockquote", jira_scenario, _adf_quote("/approve")),
    ("jira-wiki-quote", jira_scenario, "{quote}\n/approve\n{quote}\nNoted."),
    ("zendesk-nested-html-blockquote", zendesk_scenario, NESTED_HTML),
    ("zendesk-markdown-lazy-quote", zendesk_scenario, "> Bob wrote: thanks\n/approve"),
    ("servicenow-e-mail-quote", snow_scenario, "Noted.\n\nOn Mon, Bob wrote:\n> /approve"),
    ("servicenow-line-separator", snow_scenario, "Noted.\n> Bob wrote: thanks\u2028/approve"),
    ("salesforce-paragraph-separator", salesforce_scenario, "> thanks\u2029/approve"),
    ("salesforce-next-line", salesforce_scenario, "> thanks\x85/approve"),
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
