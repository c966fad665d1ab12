"""
The review pages against someone who can send a signed-in reviewer a link, post a form of any
size, or put words in the directory and in reasons: only deskpilot's own status lines are shown,
a huge or foreign form is refused before it is held in memory, and every item field is text.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import update

from tests.e2e.review_page_support import Started, session_csrf, signed_in, started, status_line
from worker.db.review_tables import ReviewItemRow
from worker.web.access_reviews import MAX_FORM_BYTES

LURE = "Your session expired: sign in again at https://deskpilot-login.example"


@pytest.fixture
def s(database_url: str) -> Iterator[Started]:
    """On SQLite and on PostgreSQL."""
    with started(database_url) as built:
        yield built


@pytest.mark.parametrize(
    ("who", "query"),
    [
        ("maria", f"/access-reviews?message={LURE}"),
        ("maria", f"/access-reviews?message={LURE}&problem=1"),
        ("maria", f"/access-reviews?message={LURE}&said=" + "0" * 64),
        ("bob", f"/review?message={LURE}"),
        ("bob", f"/review/tickets/1?message={LURE}&back=/review"),
    ],
    ids=["access-reviews", "access-reviews-as-a-problem", "access-reviews-forged-signature",
         "review-queue", "review-ticket"],
)  # fmt: skip
def test_a_status_line_from_a_link_is_not_shown(s: Started, who: str, query: str) -> None:
    """A crafted link cannot make a deskpilot page say what its sender wants."""
    with signed_in(s.w, who) as client:
        answer = client.get(query)
    assert answer.status_code in (200, 404), answer.text
    assert "deskpilot-login.example" not in answer.text
    assert 'role="status"' not in answer.text


def test_the_status_line_deskpilot_wrote_is_shown_and_cannot_be_turned(s: Started) -> None:
    """After a form, the signed status line is shown; the same line made a problem, or changed,
    is not."""
    alice = s.items(s.staff)["alice"]
    with signed_in(s.w, "maria") as client:
        form = {"csrf": session_csrf(client), f"decision-{alice.id}": "keep"}
        sent = client.post(f"/access-reviews/{s.staff}/decide", data=form, follow_redirects=False)
        assert sent.status_code == 303
        where = sent.headers["location"]
        assert "said=" in where
        shown = client.get(where)
        turned = client.get(where.replace("?", "?problem=1&", 1))
        changed = client.get(where.replace("Recorded", "Refused", 1))
    assert status_line(shown.text) == f"Recorded: keep #{alice.number}."
    assert 'role="status"' not in turned.text
    assert 'role="status"' not in changed.text


@pytest.mark.parametrize(
    ("headers", "body", "status"),
    [
        ({"content-type": "application/x-www-form-urlencoded"},
         b"csrf=CSRF&decision-1=keep&reason-1=" + b"x" * MAX_FORM_BYTES, 413),
        ({"content-type": "multipart/form-data; boundary=b"},
         b"--b\r\ncontent-disposition: form-data; name=\"csrf\"\r\n\r\nCSRF\r\n--b--\r\n", 415),
        ({"content-type": "application/json"}, b'{"csrf": "CSRF"}', 415),
        ({"content-type": "application/x-www-form-urlencoded"}, b"csrf=CSRF&r=%FF", 400),
        ({"content-type": "application/x-www-form-urlencoded"}, b"csrf=CSRF&r=\xff", 400),
    ],
    ids=["form-past-the-size-bound", "multipart", "json", "encoded-not-utf-8", "not-utf-8"],
)  # fmt: skip
@pytest.mark.parametrize("action", ["decide", "keep-all"], ids=["decide", "keep-all"])
def test_a_form_too_large_or_not_the_pages_is_refused_before_it_is_read(
    s: Started, headers: dict[str, str], body: bytes, status: int, action: str
) -> None:
    """Any signed-in token may post here: a form of gigabytes must not be held in memory."""
    with signed_in(s.w, "maria") as client:
        content = body.replace(b"CSRF", session_csrf(client).encode())
        answer = client.post(
            f"/access-reviews/{s.staff}/{action}", content=content, headers=headers
        )
    assert answer.status_code == status, answer.text
    assert {r.state for r in s.items(s.staff).values()} == {"pending"}
    assert s.audit("review.decided") == []


HOSTILE = '"><img src=x onerror=alert(1)><script>alert(2)</script>'


def test_item_fields_from_the_directory_and_reasons_are_text(s: Started) -> None:
    """Names, entitlements, evidence, notes and reasons are escaped in text and in attributes;
    the page allows no inline script and is never cached."""
    items = s.items(s.staff)
    alice, bob = items["alice"], items["bob"]  # both renamed below: keyed by login no more
    with s.w.rt.db.session() as session:
        session.execute(
            update(ReviewItemRow)
            .where(ReviewItemRow.id.in_([alice.id, bob.id]))
            .values(subject_login="x" + HOSTILE, application="App" + HOSTILE,
                    entitlement="ent" + HOSTILE, recommendation_reason="last use" + HOSTILE,
                    note="why" + HOSTILE)
        )  # fmt: skip
    with signed_in(s.w, "maria") as client:
        reason = "gone" + HOSTILE
        sent = client.post(
            f"/access-reviews/{s.staff}/decide",
            data={"csrf": session_csrf(client), f"decision-{alice.id}": "revoke",
                  f"reason-{alice.id}": reason, "confirm": "yes"},
        )  # fmt: skip
        page = client.get("/access-reviews")
    assert status_line(sent.text).startswith("Recorded: revoke #"), sent.text[-3000:]
    with s.w.rt.db.session() as session:
        revoked = session.get(ReviewItemRow, alice.id)
        assert revoked is not None
        assert (revoked.verdict, revoked.reason) == ("revoke", reason)  # as typed, shown as text
    assert "<script>" not in page.text
    assert "<img" not in page.text
    assert 'data-subject="x&#34;&gt;&lt;img src=x onerror=alert(1)&gt;' in page.text
    assert page.text.count("&lt;script&gt;alert(2)&lt;/script&gt;") >= 6
    csp = page.headers["content-security-policy"]
    assert "script-src 'self'" in csp
    assert "unsafe-inline" not in csp.split("style-src")[0]
    assert page.headers["cache-control"] == "no-store"
    assert page.headers["x-frame-options"] == "DENY"
