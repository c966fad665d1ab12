"""
A one-time link proves nothing by itself (issue 13.7): it sits in a public reply that other
people on the ticket, and link-preview bots, can open. Only its owner, with a code sent by mail
to their own address (a real SMTP server here), sees the secret; opening the page burns nothing.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from connectors.identity import Capability
from connectors.identity.memory import MemoryDirectory
from tests.integration.playbooks.world import SENDER, World, company, world
from tests.services.smtp import Mailbox, smtp_server
from worker.config import MailSettings
from worker.db.records import SecretLinkRow
from worker.runs.secretproof import MAX_CODES, MAX_WRONG
from worker.web.app import create_app

PREVIEW_BOTS = {
    "slack": "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)",
    "teams": "Mozilla/5.0 (Windows NT 6.1; WOW64) SkypeUriPreview Preview/0.5",
    "outlook-safelinks": "Mozilla/5.0 (compatible; MSIE 9.0; Windows NT 6.1; Trident/5.0)",
}


@pytest.fixture
def mailbox() -> Iterator[Mailbox]:
    with smtp_server() as box:
        yield box


def _directory() -> MemoryDirectory:
    directory = company()
    directory.capabilities = frozenset(Capability) - {Capability.RESET_PASSWORD_FLOW}
    return directory


@pytest.fixture
def reset(tmp_path: Path, mailbox: Mailbox) -> Iterator[tuple[World, str]]:
    """Alice's reset on a directory without a reset flow: one link issued, mail to ``mailbox``."""
    with world(f"sqlite:///{tmp_path / 'deskpilot.sqlite3'}", _directory()) as w:
        w.rt.settings = w.rt.settings.model_copy(
            update={"mail": MailSettings(host="127.0.0.1", port=mailbox.port, security="none",
                                         sender=SENDER)}
        )  # fmt: skip
        w.ticket("IT-2", "alice", "Forgot my password", "I forgot my password, please reset it.")
        w.drain()
        [token] = re.findall(r"/secret/([A-Za-z0-9_-]{16,})", w.text("IT-2", public=True))
        yield w, token


def _row(w: World) -> SecretLinkRow | None:
    with w.rt.db.session() as session:
        row = session.scalars(select(SecretLinkRow)).one_or_none()
        if row is not None:
            session.expunge(row)
        return row


def _code(mailbox: Mailbox) -> str:
    codes: list[str] = re.findall(r"\b\d{8}\b", mailbox.received[-1].text)
    assert len(codes) == 1
    return codes[0]


def _shown(w: World, page: str) -> str | None:
    """The password a page shows, if it is Alice's current one."""
    found = re.search(r"<code[^>]*>([^<]+)</code>", page)
    alice = w.directory.find_user(login="alice")
    assert alice is not None
    if found and w.directory.check_password(alice.id, found.group(1)):  # type: ignore[attr-defined]
        return found.group(1)
    return None


@pytest.mark.parametrize("agent", PREVIEW_BOTS.values(), ids=PREVIEW_BOTS.keys())
def test_a_preview_bot_opening_the_link_burns_nothing(
    reset: tuple[World, str], mailbox: Mailbox, agent: str
) -> None:
    """GET (as link expanders do, twice) shows a page: no secret, no code sent, the link lives."""
    w, token = reset
    with TestClient(create_app(w.rt)) as client:
        pages = [client.get(f"/secret/{token}", headers={"User-Agent": agent}) for _ in range(2)]

    assert [p.status_code for p in pages] == [200, 200]
    assert all(_shown(w, p.text) is None for p in pages)
    assert "a•••@example.com" in pages[0].text
    assert mailbox.received == []
    row = _row(w)
    assert row is not None
    assert (row.codes_sent, row.wrong_codes) == (0, 0)


def test_holding_the_link_without_the_code_shows_nothing(
    reset: tuple[World, str], mailbox: Mailbox
) -> None:
    """A colleague on the ticket posts the form without a code, then guesses: never the secret;
    after MAX_WRONG wrong codes the secret is destroyed (the owner asks for a new reset)."""
    w, token = reset
    with TestClient(create_app(w.rt)) as client:
        bare = client.post(f"/secret/{token}")
        sent = client.post(f"/secret/{token}/code")
        guesses = [
            client.post(f"/secret/{token}", data={"code": f"{n:08d}"}) for n in range(MAX_WRONG)
        ]
        owner = client.post(f"/secret/{token}", data={"code": _code(mailbox)})

    assert bare.status_code == 403
    assert sent.status_code == 200
    assert [g.status_code for g in guesses] == [403] * (MAX_WRONG - 1) + [410]
    assert owner.status_code == 410
    assert all(_shown(w, p.text) is None for p in [bare, sent, *guesses, owner])
    assert [m.recipients for m in mailbox.received] == [["alice@example.com"]]
    assert _row(w) is None


def test_the_owner_sees_the_secret_once_with_the_code_from_their_mailbox(
    reset: tuple[World, str], mailbox: Mailbox
) -> None:
    w, token = reset
    with TestClient(create_app(w.rt)) as client:
        client.get(f"/secret/{token}")
        sent = client.post(f"/secret/{token}/code")
        shown = client.post(f"/secret/{token}", data={"code": _code(mailbox)})
        again = client.post(f"/secret/{token}", data={"code": _code(mailbox)})

    [mail] = mailbox.received
    assert "A code is on its way to a•••@example.com" in sent.text
    assert (mail.recipients, mail.message["From"]) == (["alice@example.com"], SENDER)
    assert token not in mail.text
    assert _shown(w, shown.text) is not None
    assert again.status_code == 410
    assert _shown(w, again.text) is None
    assert _row(w) is None


def test_codes_are_bounded_and_expire(reset: tuple[World, str], mailbox: Mailbox) -> None:
    """MAX_CODES mails per link (no mail bombing through a public link); a code lasts 15 min;
    only the latest code counts."""
    w, token = reset
    with TestClient(create_app(w.rt)) as client:
        sends = [client.post(f"/secret/{token}/code") for _ in range(MAX_CODES + 1)]
        first, latest = (re.findall(r"\b\d{8}\b", m.text)[0] for m in mailbox.received[::2])
        older = client.post(f"/secret/{token}", data={"code": first})
        w.advance(minutes=16)
        expired = client.post(f"/secret/{token}", data={"code": latest})

    assert [s.status_code for s in sends] == [200] * MAX_CODES + [429]
    assert len(mailbox.received) == MAX_CODES
    assert (older.status_code, expired.status_code) == (403, 403)
    assert "ask for a code first" in expired.text
    assert _shown(w, older.text) is None
    assert _shown(w, expired.text) is None


NO_MAIL = None
NO_ADDRESS = MailSettings(
    host="127.0.0.1", port=25, security="none", sender=SENDER, address_attribute="otherMailbox"
)


@pytest.mark.parametrize(
    ("mail", "reason"),
    [
        (NO_MAIL, "needs `mail` configured"),
        (NO_ADDRESS, "alice has no attribute 'otherMailbox' in the directory"),
    ],
    ids=["no-mail-configured", "owner-without-address"],
)
def test_no_way_to_prove_the_owner_no_password_is_set(
    tmp_path: Path, mail: MailSettings | None, reason: str
) -> None:
    """The step fails before the directory call: Alice's password is untouched, no link."""
    directory = _directory()
    with world(f"sqlite:///{tmp_path / 'deskpilot.sqlite3'}", directory) as w:
        w.rt.settings = w.rt.settings.model_copy(update={"mail": mail})
        w.ticket("IT-3", "alice", "Forgot my password", "I forgot my password, please reset it.")
        w.drain()
        after = directory.find_user(login="alice")

    assert after is not None
    assert not after.password_must_change
    assert dict(directory.apply_counts) == {}
    assert "/secret/" not in w.text("IT-3")
    assert reason in w.text("IT-3", public=False)
    assert w.ticket_row("IT-3").outcome == "escalated"
