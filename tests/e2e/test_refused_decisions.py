"""
Refused decisions on ``/access-reviews`` and ``/review`` are limited per signed-in token
(``worker.web.refusals``): each refusal is an audit entry, so past ``refused_decisions_limit`` in
the window the token's decisions are answered 429 and the pause is audited once; the count lives
in the database or in real Redis, shared by every web worker, and slides with the window.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.e2e.review_page_support import (
    SECRETS,
    Started,
    session_csrf,
    signed_in,
    started,
    status_line,
)
from tests.integration.playbooks.world import world
from worker.web.refusals import THROTTLED_ACTION
from worker.web.throttle import DatabaseLoginThrottle

LIMIT = 3
WINDOW_S = 600.0


@pytest.fixture(params=["database", "redis"])
def s(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Started]:
    """Both campaigns started; the refusal count in the database (broker ``stub``) or in Redis."""
    with started(f"sqlite:///{tmp_path / 'deskpilot.sqlite3'}") as built:
        settings = built.w.rt.settings
        web = settings.web.model_copy(
            update={"refused_decisions_limit": LIMIT, "refused_decisions_window_s": WINDOW_S}
        )
        broker = settings.broker
        if request.param == "redis":  # the apps built from here keep their web state in Redis
            broker = broker.model_copy(update={"url": request.getfixturevalue("redis_url")})
        built.w.rt.settings = settings.model_copy(update={"web": web, "broker": broker})
        yield built


@dataclass(frozen=True)
class Answer:
    status_code: int
    text: str
    retry_after: str | None


def _keep(client: TestClient, campaign_id: int, item_id: int, csrf: str | None = None) -> Answer:
    data = {"csrf": csrf if csrf is not None else session_csrf(client),
            f"decision-{item_id}": "keep", "confirm": "yes"}  # fmt: skip
    answer = client.post(f"/access-reviews/{campaign_id}/decide", data=data)
    return Answer(answer.status_code, answer.text, answer.headers.get("Retry-After"))


def test_refusals_past_the_limit_are_answered_429_and_the_pause_is_audited_once(
    s: Started,
) -> None:
    """Sam reviews hr-team, not all-staff: each keep on Alice's item is refused and audited, up
    to the limit; then 429 with a wait, and one entry for the pause instead of one per attempt."""
    alice = s.items(s.staff)["alice"]
    with signed_in(s.w, "sam") as client:
        refused = [_keep(client, s.staff, alice.id) for _ in range(LIMIT)]
        paused = [_keep(client, s.staff, alice.id) for _ in range(5)]

    assert [r.status_code for r in refused] == [200] * LIMIT
    assert all(status_line(r.text).startswith("Refused: ") for r in refused)
    assert [r.status_code for r in paused] == [429] * 5
    assert "Too many refused decisions: 3 in 10 minute(s)" in paused[0].text
    assert 0 < int(paused[-1].retry_after or 0) <= WINDOW_S
    assert len(s.audit("review.refused")) == LIMIT
    [pause] = s.audit(THROTTLED_ACTION)
    assert (pause.actor, pause.data) == (
        "sam@example.com",
        {"principal": "sam", "page": "/access-reviews", "limit": LIMIT, "window_s": WINDOW_S},
    )
    assert alice.state == s.items(s.staff)["alice"].state == "pending"


def test_the_pause_ends_when_the_window_has_passed(s: Started) -> None:
    alice = s.items(s.staff)["alice"]
    with signed_in(s.w, "sam") as client:
        for _ in range(LIMIT):
            _keep(client, s.staff, alice.id)
        paused = _keep(client, s.staff, alice.id)
        s.w.advance(seconds=WINDOW_S - 1)
        still = _keep(client, s.staff, alice.id)
        s.w.advance(seconds=2)
        again = _keep(client, s.staff, alice.id)

    assert (paused.status_code, still.status_code, again.status_code) == (429, 429, 200)
    assert status_line(again.text).startswith("Refused: ")
    assert len(s.audit("review.refused")) == LIMIT + 1
    assert len(s.audit(THROTTLED_ACTION)) == 1


def test_another_reviewer_is_not_paused(s: Started) -> None:
    """Sam's pause is Sam's: Maria, in the same app, still decides her items."""
    alice = s.items(s.staff)["alice"]
    with signed_in(s.w, "sam") as sam:
        for _ in range(LIMIT + 1):
            _keep(sam, s.staff, alice.id)
        with TestClient(sam.app, base_url="https://testserver") as maria:
            maria.post("/login", data={"token": SECRETS["maria"]})
            decided = _keep(maria, s.staff, alice.id)
        paused = _keep(sam, s.staff, alice.id)

    assert status_line(decided.text) == f"Recorded: keep #{alice.number}."
    assert paused.status_code == 429
    assert s.items(s.staff)["alice"].state == "kept"


def test_accepted_and_repeated_decisions_are_not_counted(s: Started) -> None:
    """Maria decides both items one by one and sends each form again: nothing is refused, so
    nothing is paused however many decisions she makes."""
    items = s.items(s.staff)
    with signed_in(s.w, "maria") as client:
        answers = [
            _keep(client, s.staff, item.id)
            for _ in range(LIMIT)
            for item in (items["alice"], items["bob"])
        ]

    assert [a.status_code for a in answers] == [200] * (2 * LIMIT)
    assert status_line(answers[-1].text).startswith("Already recorded")
    assert s.audit(THROTTLED_ACTION) == []
    assert s.audit("review.refused") == []


def test_stale_forms_and_foreign_items_count_as_refusals(s: Started) -> None:
    """A forged CSRF token (403) and an item of another campaign (422) are refused decisions."""
    alice, hr_item = s.items(s.staff)["alice"], next(iter(s.items(s.hr).values()))
    with signed_in(s.w, "maria") as client:
        forged = _keep(client, s.staff, alice.id, csrf="0" * 64)
        foreign = [_keep(client, s.staff, hr_item.id) for _ in range(LIMIT - 1)]
        paused = _keep(client, s.staff, alice.id)

    assert forged.status_code == 403
    assert [a.status_code for a in foreign] == [422] * (LIMIT - 1)
    assert paused.status_code == 429
    assert s.items(s.staff)["alice"].state == "pending"
    assert [e.data["page"] for e in s.audit(THROTTLED_ACTION)] == ["/access-reviews"]


def test_refused_actions_on_the_review_page_are_limited_too(s: Started) -> None:
    """Olivia (agent) approves runs that do not exist (409): the same count and pause."""
    with signed_in(s.w, "olivia") as client:
        token = session_csrf(client)
        answers = [
            client.post(
                f"/review/{run_id}/approve", data={"csrf": token, "confirm": "yes"}
            ).status_code
            for run_id in range(9001, 9001 + LIMIT + 1)
        ]

    assert answers == [409] * LIMIT + [429]
    [pause] = s.audit(THROTTLED_ACTION)
    assert (pause.actor, pause.data["page"]) == ("olivia@example.com", "/review")


def test_the_decisions_count_keeps_its_own_window_beside_the_login_throttle(
    tmp_path: Path,
) -> None:
    """Both counts share ``login_failures`` when there is no Redis: each one's clean-up deletes
    only its own expired rows, whichever window is longer."""
    with world(f"sqlite:///{tmp_path / 'deskpilot.sqlite3'}") as w:
        logins = DatabaseLoginThrottle(w.rt.db, limit=1)
        long = DatabaseLoginThrottle(w.rt.db, limit=1, window_s=3600.0, prefix="~decisions:")
        short = DatabaseLoginThrottle(w.rt.db, limit=1, window_s=10.0, prefix="~short:")
        long.failed("digest", 1000.0)
        logins.failed("198.51.100.7", 1400.0)  # deletes login rows older than 1100 only
        short.failed("other", 1500.0)  # deletes its own rows older than 1490 only

        assert long.retry_after("digest", 1500.0) == 3100
        assert logins.retry_after("198.51.100.7", 1500.0) == 200
        with pytest.raises(ValueError, match="prefix"):
            DatabaseLoginThrottle(w.rt.db, prefix="decisions:")
