"""
Text a note quotes (a requester's value, already literal Markdown) reaches the plain-text desks
without becoming markup there: Jira Data Center and JSM request comments are wiki markup
(links, mentions, images, macros), a ServiceNow journal renders ``[code]…[/code]`` as HTML.
Each desk at its HTTP boundary, the note as the worker queues it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import responses

from connectors.desks.jira import JiraDesk, JiraOptions
from connectors.ratelimit import LocalRateLimiter
from playbooks.render import literal

from . import test_jira_desk as jira
from . import test_servicenow_desk as snow
from .conftest import FakeClock

HOSTILE = (
    "[Approve now|https://evil.example/sso] !https://evil.example/p.png! [~admin] "
    "{html}<b>x</b>{html} a|b [code]<img src=x onerror=alert(1)>[/code]"
)
NOTE = f"| 1 | title → {literal(HOSTILE)} |"
"""A plan table row quoting the requester's new title (as ``render_plan`` writes it)."""
WIKI_MARKUP = re.compile(r"(?<!\\)[\[{!]")


def _sent(call: Any) -> Any:
    return json.loads(call.request.body)


def test_jira_data_center_comment_escapes_wiki_markup(
    limiter: LocalRateLimiter, clock: FakeClock
) -> None:
    base = "https://jira.example.com"
    desk = JiraDesk("jira-dc", base, personal_access_token="not-a-real-pat", limiter=limiter,
                    options=JiraOptions(deployment="datacenter", comment_api="platform"),
                    sleep=clock.sleep)  # fmt: skip
    url = f"{base}/rest/api/2/issue/IT-7/comment"
    with responses.RequestsMock() as http:
        http.get(url, json={"startAt": 0, "maxResults": 100, "total": 0, "comments": []})
        http.post(url, status=201, json={"id": "10100", "self": f"{url}/10100", "body": "x"})

        desk.post_comment("IT-7", NOTE, public=False, marker="run-1.plan")

        body = _sent(http.calls[1])["body"]
    text, footer = body.rsplit("\n\n", 1)
    assert footer == "[deskpilot:run-1.plan]"
    assert [] == WIKI_MARKUP.findall(text), text
    assert "\\[Approve now|https://evil.example/sso\\]" in text


def test_jsm_request_comment_escapes_wiki_markup(
    jira_http: responses.RequestsMock,
    limiter: LocalRateLimiter,
    clock: FakeClock,
    payload: Callable[[str, str], Any],
) -> None:
    jira_http.get(jira.SD_COMMENTS, json=payload("jira", "api_servicedesk_comments"))
    jira_http.post(
        jira.SD_COMMENTS, json=payload("jira", "api_servicedesk_comment_created"), status=201
    )

    jira.make_desk(limiter, clock).post_comment("IT-7", NOTE, public=False, marker="run-1.plan")

    text = _sent(jira_http.calls[1])["body"].rsplit("\n\n", 1)[0]
    assert [] == WIKI_MARKUP.findall(text), text


@pytest.fixture
def http() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock(assert_all_requests_are_fired=True) as rsps:
        yield rsps


def test_servicenow_journal_never_carries_a_code_tag(
    http: responses.RequestsMock, limiter: LocalRateLimiter, clock: FakeClock, payload: Any
) -> None:
    http.get(snow.JOURNAL, json={"result": []}, match=[snow.marker_query()])
    http.patch(snow.RECORD, json=payload("servicenow", "api_incident_patch"))

    def journal(request: Any) -> tuple[int, dict[str, str], str]:
        written = _sent(http.calls[1])["work_notes"]
        return 200, {}, json.dumps(snow.journal_with(written))

    http.add_callback(responses.GET, snow.JOURNAL, callback=journal)

    snow.make_desk(limiter, clock).post_comment(
        snow.SYS_ID, NOTE, public=False, marker="run-1.plan"
    )

    written = _sent(http.calls[1])["work_notes"]
    assert not re.search(r"\[/?code\]", written, re.IGNORECASE), written
    assert "<img src=x onerror=alert(1)>" in written  # shown as the text it is
