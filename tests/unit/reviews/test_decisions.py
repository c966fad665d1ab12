"""Review commands, who may decide an item, second level, and the no-response policy."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from playbooks.reviews.decisions import (
    ItemState,
    ItemStatus,
    ReviewCommand,
    ReviewCommandError,
    at_close,
    decide,
    may_decide,
    parse_review_command,
)

AT = dt.datetime(2026, 12, 7, 12, 0, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("/keep 3", ReviewCommand("keep", (3,))),
        ("/keep #3, #5-7 9", ReviewCommand("keep", (3, 5, 6, 7, 9))),
        ("/KEEP 4 4 4", ReviewCommand("keep", (4,))),
        ("/revoke 4 moved to sales", ReviewCommand("revoke", (4,), "moved to sales")),
        ("/revoke 4-5: 2 years unused", ReviewCommand("revoke", (4, 5), "2 years unused")),
        ("/keep-all", ReviewCommand("keep", None)),
        ("Thanks!\n/keep-all please", ReviewCommand("keep", None)),
        ("> /revoke 4 quoted\n\nok", None),
        ("I will /keep 3 later", None),
        ("/keeper 3", None),
        ("/revoke-now", None),
        ("plain words", None),
    ],
    ids=["one", "list-and-range", "repeats-once", "revoke-reason", "colon-before-numeric-reason",
         "keep-all", "second-line", "quoted-ignored", "mid-line-ignored", "other-word", "other-command",
         "no-command"],
)  # fmt: skip
def test_parse(text: str, expected: ReviewCommand | None) -> None:
    assert parse_review_command(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("/keep", "/keep needs item numbers"),
        ("/keep soon", "/keep needs item numbers"),
        ("/revoke 4", "/revoke needs a reason"),
        ("/revoke 9-4 x", "range 9-4 runs backwards"),
        ("/keep 1-9999999", "at most 5000 items"),
    ],
    ids=["no-items", "words-not-items", "revoke-no-reason", "backwards", "too-many"],
)  # fmt: skip
def test_parse_errors(text: str, message: str) -> None:
    with pytest.raises(ReviewCommandError, match=message):
        parse_review_command(text)


def item(second: str | None = None, **changes: object) -> ItemStatus:
    base = ItemStatus(7, frozenset({"ann", "ann@corp.example"}), "boss", second)
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("status", "author", "problem"),
    [
        (item(), {"boss"}, None),
        (item(), {"ceo"}, "assigned to boss"),
        (item(escalated=True), {"ceo"}, None),
        (item(escalated=True), {"ann@corp.example"}, "own access"),
        (item(reviewer="ann"), {"ann"}, "own access"),
        (item(state=ItemState.KEPT), {"boss"}, "already decided (kept)"),
    ],
    ids=["assigned", "someone-else", "fallback-after-escalation", "subject-as-fallback",
         "subject-as-reviewer", "decided"],
)  # fmt: skip
def test_who_may_decide(status: ItemStatus, author: set[str], problem: str | None) -> None:
    found = may_decide(status, author, ["ceo", "ann"])
    assert (found is None) if problem is None else (found is not None and problem in found)


def test_a_second_level_confirms_before_it_takes_effect() -> None:
    first = decide(item(second="erin"), "revoke", "boss", AT, "left")
    assert first.state is ItemState.CONFIRMING
    assert first.final is None
    assert may_decide(first, {"ceo"}, []) == "item 7 waits for the second-level reviewer erin"
    second = decide(first, "keep", "erin", AT, None)
    assert second.state is ItemState.KEPT
    assert second.first is not None
    assert second.final is not None
    assert (second.first.by, second.first.verdict, second.final.by, second.final.level) == (
        "boss", "revoke", "erin", 2,
    )  # fmt: skip


def test_the_first_reviewer_cannot_confirm_their_own_decision() -> None:
    first = decide(item(second="boss"), "keep", "boss", AT, None)
    assert "not the first one" in (may_decide(first, {"boss"}, []) or "")


@pytest.mark.parametrize(
    ("status", "policy", "recommended", "state"),
    [
        (item(), "keep", "revoke", ItemState.KEPT),
        (item(), "revoke", None, ItemState.REVOKED),
        (item(), "recommendation", "revoke", ItemState.REVOKED),
        (item(), "recommendation", None, ItemState.KEPT),
        (decide(item(second="erin"), "revoke", "boss", AT, "x"), "keep", None, ItemState.REVOKED),
    ],
    ids=["default-keep-and-flag", "opt-in-revoke", "follow-recommendation", "no-recommendation-keeps",
         "unconfirmed-first-decision-stands"],
)  # fmt: skip
def test_no_response(
    status: ItemStatus, policy: str, recommended: str | None, state: ItemState
) -> None:
    closed = at_close(status, policy, recommended, AT)  # type: ignore[arg-type]
    assert closed.state is state
    assert closed.flagged
    assert closed.final is not None
    assert closed.final.by == "no-response policy"


def test_a_decided_item_is_left_alone_at_close() -> None:
    kept = decide(item(), "keep", "boss", AT, None)
    assert at_close(kept, "revoke", "revoke", AT) == kept
