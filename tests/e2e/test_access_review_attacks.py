"""
The access reviews page attacked: every way to decide an item one may not decide is refused, and
nothing is decided. A refusal by the reviewer rules is the comment path's own (audited as
``review.refused`` with ``via: review page``); a form that is not the session's, or names an
item of another campaign, is turned away before it reaches them.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.e2e.review_page_support import Started, session_csrf, signed_in, started, status_line
from worker.db.tables import OutboxRow
from worker.web.app import create_app

Form = Callable[[Started, str], tuple[str, dict[str, str]]]


def _decide(campaign: str, login: str, verdict: str = "keep", **more: str) -> Form:
    """A decision form for ``login``'s item of campaign ``staff`` or ``hr``, posted to its page."""

    def form(s: Started, token: str) -> tuple[str, dict[str, str]]:
        campaign_id = s.staff if campaign == "staff" else s.hr
        item = s.items(campaign_id)[login]
        data = {"csrf": token, f"decision-{item.id}": verdict} | {
            k.replace("REASON", f"reason-{item.id}"): v for k, v in more.items()
        }
        return f"/access-reviews/{campaign_id}/decide", data

    return form


def _into_staff(form: Form) -> Form:
    """``form``, posted to the staff campaign whatever campaign its item is of."""

    def moved(s: Started, token: str) -> tuple[str, dict[str, str]]:
        _, data = form(s, token)
        return f"/access-reviews/{s.staff}/decide", data

    return moved


def _token(token: str) -> Callable[[Form], Form]:
    def swap(form: Form) -> Form:
        def forged(s: Started, real: str) -> tuple[str, dict[str, str]]:
            url, data = form(s, real)
            return url, data | {"csrf": token} if token else {
                k: v for k, v in data.items() if k != "csrf"
            }

        return forged

    return swap


def _keep_all(s: Started, token: str) -> tuple[str, dict[str, str]]:
    return f"/access-reviews/{s.staff}/keep-all", {"csrf": token}


def _unknown_campaign(s: Started, token: str) -> tuple[str, dict[str, str]]:
    item = s.items(s.staff)["alice"]
    return "/access-reviews/999/decide", {"csrf": token, f"decision-{item.id}": "keep"}


def _unknown_item(s: Started, token: str) -> tuple[str, dict[str, str]]:
    return f"/access-reviews/{s.staff}/decide", {"csrf": token, "decision-987654": "keep"}


@dataclass(frozen=True)
class Attack:
    who: str | None
    """Who is signed in (a token of ``review_page_support.TOKENS``, or Olivia); None: nobody."""
    form: Form
    status: int
    said: str
    """Part of the status line (a 200) or of the answer (an error)."""
    audited: bool = False
    """Refused by the reviewer rules: a ``review.refused`` entry."""


ATTACKS = [
    Attack("olivia", _decide("staff", "alice"), 200, "is assigned to maria", audited=True),
    Attack("dave", _decide("staff", "alice"), 200, "is assigned to maria", audited=True),
    Attack("sam", _decide("staff", "bob", "revoke", REASON="x", confirm="yes"), 200,
           "is assigned to maria", audited=True),
    Attack("bob", _decide("staff", "bob"), 200, "about your own access", audited=True),
    Attack("maria", _decide("hr", "maria"), 200, "about your own access", audited=True),
    Attack("olivia", _keep_all, 200, "nothing is waiting for you in this campaign"),
    Attack("maria", _token("0" * 64)(_decide("staff", "alice")), 403, "the form is stale"),
    Attack("maria", _token("")(_decide("staff", "alice")), 403, "the form is stale"),
    Attack("maria", _token("é")(_decide("staff", "alice")), 403, "the form is stale"),
    Attack(None, _decide("staff", "alice"), 401, "log in"),
    Attack("root", _decide("staff", "alice"), 403, "has no desk_identity"),
    Attack("ghost", _decide("staff", "alice"), 200, "ghost@example.com is not in the directory",
           audited=True),
    Attack("maria", _into_staff(_decide("hr", "olivia")), 422, "is not an item of campaign"),
    Attack("maria", _unknown_item, 422, "item id 987654 is not an item of campaign"),
    Attack("maria", _unknown_campaign, 422, "there is no access review campaign 999"),
    Attack("maria", _decide("staff", "bob", "revoke", confirm="yes"), 422, "a revoke needs a reason"),
    Attack("maria", _decide("staff", "bob", "revoke", REASON="left"), 422,
           "tick “I confirm the revocations” to revoke 1 item"),
    Attack("maria", _decide("staff", "bob", "approve"), 422, "choose keep or revoke, not"),
]  # fmt: skip
IDS = [
    "wrong-reviewer-the-fallback-before-escalation", "admin-token-is-no-reviewer",
    "reviewer-of-another-campaign", "self-review-the-subject", "self-review-in-a-campaign-she-is-in",
    "keep-all-by-someone-with-nothing-waiting", "forged-csrf-token", "missing-csrf-token",
    "non-ascii-csrf-token", "not-signed-in", "token-without-desk-identity",
    "desk-identity-not-in-the-directory",
    "another-campaigns-item-id", "unknown-item-id", "unknown-campaign", "revoke-without-reason",
    "revocation-not-confirmed", "unknown-verdict",
]  # fmt: skip


@pytest.fixture
def s(database_url: str) -> Iterator[Started]:
    """On SQLite and on PostgreSQL."""
    with started(database_url) as built:
        yield built


@pytest.mark.parametrize("attack", ATTACKS, ids=IDS)
def test_nothing_is_decided(s: Started, attack: Attack) -> None:
    before = {(k, r.id): r.state for c in (s.staff, s.hr) for k, r in s.items(c).items()}
    if attack.who is None:
        with TestClient(create_app(s.w.rt), base_url="https://testserver") as client:
            url, data = attack.form(s, "")
            answer = client.post(url, data=data)
    else:
        with signed_in(s.w, attack.who) as client:
            url, data = attack.form(s, session_csrf(client))
            answer = client.post(url, data=data)

    assert answer.status_code == attack.status, answer.text
    shown = status_line(answer.text) if attack.status == 200 else html.unescape(answer.text)
    assert attack.said in shown
    after = {(k, r.id): r.state for c in (s.staff, s.hr) for k, r in s.items(c).items()}
    assert after == before
    assert s.audit("review.decided") == []
    refused = s.audit("review.refused")
    assert bool(refused) == attack.audited
    with s.w.rt.db.session() as session:  # no note on anyone's review ticket either
        notes = session.scalars(
            select(OutboxRow.marker).where(OutboxRow.marker.like("%review-outcome%"))
        )
        assert notes.all() == []
    for entry in refused:
        assert (entry.data["via"], entry.data["principal"]) == ("review page", attack.who)
        assert attack.said in str(entry.data["reason"])


def test_a_form_that_cannot_be_recorded_comes_back_as_typed(s: Started) -> None:
    """Nothing lost: every choice and reason is shown again, the problem beside its item."""
    items = s.items(s.staff)
    alice, bob = items["alice"], items["bob"]
    with signed_in(s.w, "maria") as client:
        answer = client.post(
            f"/access-reviews/{s.staff}/decide",
            data={"csrf": session_csrf(client), f"decision-{alice.id}": "revoke",
                  f"reason-{alice.id}": "no longer in sales", f"decision-{bob.id}": "revoke",
                  "confirm": "yes"},
        )  # fmt: skip
    page = answer.text
    assert answer.status_code == 422
    assert status_line(page) == "Nothing recorded: see the items marked below."
    assert f'id="error-{bob.id}" role="alert">Item {bob.number}: a revoke needs a reason' in page
    assert f'id="error-{alice.id}"' not in page
    assert f'name="reason-{alice.id}" value="no longer in sales"' in page
    assert f'name="decision-{alice.id}" value="revoke" checked' in page
    assert f'name="decision-{bob.id}" value="revoke" checked' in page
    assert {r.state for r in s.items(s.staff).values()} == {"pending"}
