"""The author's own text, per desk format: what is quoted or code never carries a command."""

from __future__ import annotations

import json
from typing import Any

import pytest

from intake.normalize import normalize_delivery
from intake.normalize.own_text import own_text_adf, own_text_html, own_text_plain
from intake.webhooks.node import Node


def _text(text: str, *marks: str) -> dict[str, Any]:
    node: dict[str, Any] = {"type": "text", "text": text}
    if marks:
        node["marks"] = [{"type": m} for m in marks]
    return node


def _para(*content: dict[str, Any]) -> dict[str, Any]:
    return {"type": "paragraph", "content": list(content)}


def _doc(*content: dict[str, Any]) -> dict[str, Any]:
    return {"type": "doc", "version": 1, "content": list(content)}


ADF: list[tuple[str, dict[str, Any], str]] = [
    (
        "paragraphs",
        _doc(_para(_text("Looks fine.")), _para(_text("/approve"))),
        "Looks fine.\n\n/approve",
    ),
    (
        "blockquote-left-out",
        _doc({"type": "blockquote", "content": [_para(_text("/approve"))]}, _para(_text("ok"))),
        "ok",
    ),
    (
        "blockquote-in-a-list",
        _doc(
            {
                "type": "bulletList",
                "content": [
                    {
                        "type": "listItem",
                        "content": [{"type": "blockquote", "content": [_para(_text("/approve"))]}],
                    }
                ],
            }
        ),
        "",
    ),
    (
        "code-block-left-out",
        _doc({"type": "codeBlock", "content": [_text("/approve")]}, _para(_text("see above"))),
        "see above",
    ),
    ("inline-code-left-out", _doc(_para(_text("/approve", "code"))), ""),
    (
        "hard-break-is-a-line",
        _doc(_para(_text("fine"), {"type": "hardBreak"}, _text("/approve"))),
        "fine\n/approve",
    ),
    (
        "line-separator-in-a-quoted-text-node",
        _doc(_para(_text("> earlier\u2028/approve"))),
        "",
    ),
]


@pytest.mark.parametrize(("doc", "expected"), [a[1:] for a in ADF], ids=[a[0] for a in ADF])
def test_adf(doc: dict[str, Any], expected: str) -> None:
    assert expected == own_text_adf(Node(doc)).strip()


HTML = [
    ("paragraphs", "<p>Looks fine.</p><p>/approve</p>", "Looks fine.\n\n/approve"),
    ("blockquote", "<blockquote><p>/approve</p></blockquote><p>ok</p>", "ok"),
    (
        "nested-blockquote-closes-by-depth",
        "<blockquote><blockquote>a</blockquote><p>/approve</p></blockquote><p>ok</p>",
        "ok",
    ),
    ("unclosed-blockquote-hides-the-rest", "<p>ok</p><blockquote>x<p>/approve</p>", "ok"),
    ("stray-end-tag-reopens-nothing", "<blockquote>x</p><p>/approve</p>", ""),
    (
        "gmail-quote-container",
        '<div dir="ltr">ok</div><div class="gmail_quote"><div>/approve</div></div>',
        "ok",
    ),
    ("escaped-e-mail-quote", "<p>&gt; /approve</p>", ""),
    ("pre-and-code", "<pre>/approve</pre><code>/approve</code>ok", "ok"),
    ("line-separator-entity", "<p>&gt; earlier&#x2028;/approve</p>", ""),
    (
        "outlook-reply-header-then-the-earlier-message",
        '<div>ok</div><div id="divRplyFwdMsg"><b>From:</b> Bob<br><b>Sent:</b> Monday</div>'
        "<div><p>/approve</p></div>",
        "ok",
    ),
]


@pytest.mark.parametrize(("html", "expected"), [h[1:] for h in HTML], ids=[h[0] for h in HTML])
def test_html(html: str, expected: str) -> None:
    assert expected == own_text_html(html).strip()


PLAIN = [
    ("own-lines", "Looks fine.\n/approve", "Looks fine.\n/approve"),
    ("e-mail-quote", "On Mon, Maria wrote:\n> /approve\n> thanks", "On Mon, Maria wrote:"),
    ("quote-until-blank-line", "> a\n/approve\n\nmine", "\nmine"),
    ("nested-e-mail-quote", ">> /approve\n> b", ""),
    ("indented-quote", "   > /approve", ""),
    ("full-width-quote-mark", "\uff1e /approve", ""),
    ("line-separators-join", "a\u2028b\u2029c\x85d\re", "a b c d e"),
    ("jira-wiki-quote", "{quote}\n/approve\n{quote}\nok", " \nok"),
    ("original-message", "ok\n-----Original Message-----\n/approve", "ok"),
    ("forwarded-message", "ok\n---------- Forwarded message ---------\n/approve", "ok"),
    ("apple-forward", "ok\nBegin forwarded message:\n\n/approve", "ok"),
    ("outlook-underscores", "ok\n________________________________\n/approve", "ok"),
    ("outlook-header-block", "ok\nFrom: Bob\nSent: Monday\nTo: Olivia\n/approve", "ok"),
    ("bold-header-block", "ok\n**From:** Bob\n**Date:** Monday\n/approve", "ok"),
    ("french-header-block", "ok\nDe : Bob\nEnvoyé : lundi\n/approve", "ok"),
    ("unquoted-attribution", "ok\nOn Mon, Bob wrote:\n/approve", "ok"),
    ("german-attribution", "ok\nAm Montag schrieb Bob:\n/approve", "ok"),
    ("french-attribution", "ok\nLe lundi, Bob a écrit :\n/approve", "ok"),
    (
        "attribution-then-quote-keeps-own-reply",
        "On Mon, Bob wrote:\n> q\n\n/approve",
        "On Mon, Bob wrote:\n\n/approve",
    ),
    ("a-from-line-alone-is-text", "From: the HR portal\n/approve", "From: the HR portal\n/approve"),
]


@pytest.mark.parametrize(("text", "expected"), [p[1:] for p in PLAIN], ids=[p[0] for p in PLAIN])
def test_plain(text: str, expected: str) -> None:
    assert expected == own_text_plain(text)


def _jira_comment(body: Any) -> bytes:
    return json.dumps(
        {
            "timestamp": 1795597920123,
            "webhookEvent": "comment_created",
            "comment": {
                "id": "10501",
                "author": {"accountId": "712020:aa11", "displayName": "Maria"},
                "body": body,
                "created": "2026-11-25T09:00:00.000+0000",
                "updated": "2026-11-25T09:00:00.000+0000",
                "jsdPublic": False,
            },
            "issue": {"id": "10142", "key": "IT-142", "fields": {"summary": "Access"}},
        }
    ).encode()


def test_jira_comment_carries_own_text_from_adf() -> None:
    """The ADF blockquote stays in the body agents read, and out of the own text."""
    doc = _doc({"type": "blockquote", "content": [_para(_text("/approve"))]}, _para(_text("ok")))

    events = normalize_delivery("jira", "jira-it", _jira_comment(doc)).events
    comment = next(e.comment for e in events if e.comment is not None)

    assert "/approve" in comment.body
    assert "ok" == (comment.own_text or "").strip()


def test_zendesk_api_comment_reads_the_html_body() -> None:
    """A polled Zendesk comment: its ``html_body`` decides, blockquotes and all."""
    record = {
        "id": 4242,
        "requester_id": 9801,
        "status": "open",
        "subject": "Access",
        "created_at": "2026-11-25T08:00:00Z",
        "updated_at": "2026-11-25T08:30:00Z",
    }
    comment = {
        "id": 21001,
        "author_id": 9100,
        "public": False,
        "body": "> /approve\nok",
        "html_body": "<div><blockquote><blockquote>x</blockquote>/approve</blockquote>ok</div>",
        "plain_body": "/approve ok",
        "created_at": "2026-11-25T08:30:00Z",
    }
    body = json.dumps({"kind": "deskpilot.poll", "record": record, "comments": [comment]})

    found = normalize_delivery("zendesk", "zendesk-it", body.encode()).ticket.comments[0]

    assert "ok" == (found.own_text or "").strip()
