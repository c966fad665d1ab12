"""
Decisions on review items: the reviewers' commands, who may decide what, and the no-response
policy at close.

``/keep 3 5-7``, ``/revoke 4 left the project`` and ``/keep-all`` count only at the start of a
line of the comment's own text (quoted replies and code are ignored, as for every command). An
item is decided once per level: the assigned reviewer (or, after escalation at the due date, a
fallback reviewer) decides first; with a second level, a second reviewer — never the subject,
never the first reviewer — confirms or overturns it, and only then does it take effect.
"""

from __future__ import annotations

import datetime as dt
import enum
import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass, replace
from typing import Literal

from intake.normalize.own_text import own_text_plain

Verdict = Literal["keep", "revoke"]
MAX_ITEMS_PER_COMMAND = 5000

_COMMAND = re.compile(r"^\s*/(keep-all|keep|revoke)(?![\w-])[ \t]*(.*)$", re.IGNORECASE)
_ITEM = re.compile(r"[\s,]*#?(\d{1,7})(?:\s*-\s*#?(\d{1,7}))?(?=[\s,:]|$)")


class ReviewCommandError(ValueError):
    """A review command was recognised but its items or reason are wrong."""


@dataclass(frozen=True)
class ReviewCommand:
    """One parsed review command."""

    verdict: Verdict
    items: tuple[int, ...] | None
    """The item numbers; None for ``/keep-all`` (every item the author may decide here)."""
    reason: str | None = None


def parse_review_command(text: str) -> ReviewCommand | None:
    """
    The first review command in a comment, None for an ordinary comment.

    Raises ``ReviewCommandError`` when the items are missing or unreadable, or ``/revoke`` has
    no reason.
    """
    for line in own_text_plain(text).split("\n"):
        match = _COMMAND.match(line)
        if match is None:
            continue
        name, rest = match.group(1).lower(), match.group(2).strip()
        if name == "keep-all":
            return ReviewCommand("keep", None)
        items, reason = _items(name, rest)
        verdict: Verdict = "keep" if name == "keep" else "revoke"
        if needs_reason(verdict, reason):
            raise ReviewCommandError(
                "/revoke needs a reason after the items, e.g. `/revoke 4 7 moved to another team`"
            )
        return ReviewCommand(verdict, items, reason or None)
    return None


def needs_reason(verdict: Verdict, reason: str | None) -> bool:
    """True when a decision lacks the reason it must give: every revoke says why (a comment's
    ``/revoke`` and the review page's alike)."""
    return verdict == "revoke" and not (reason or "").strip()


def _items(name: str, rest: str) -> tuple[tuple[int, ...], str]:
    """The item numbers at the start of ``rest`` and the text after them (after an optional ``:``)."""
    numbers: list[int] = []
    position = 0
    while (match := _ITEM.match(rest, position)) is not None:
        first = int(match.group(1))
        last = int(match.group(2) or first)
        if last < first:
            raise ReviewCommandError(f"/{name}: range {first}-{last} runs backwards")
        if len(numbers) + last - first + 1 > MAX_ITEMS_PER_COMMAND:
            raise ReviewCommandError(f"/{name}: at most {MAX_ITEMS_PER_COMMAND} items at once")
        numbers.extend(range(first, last + 1))
        position = match.end()
    if not numbers:
        raise ReviewCommandError(f"/{name} needs item numbers, e.g. `/{name} 3 5-7`")
    reason = rest[position:].strip().removeprefix(":").strip()
    return tuple(dict.fromkeys(numbers)), reason


class ItemState(enum.StrEnum):
    """Where one item is."""

    PENDING = "pending"
    """Waiting for the first-level reviewer."""
    CONFIRMING = "confirming"
    """Decided at the first level, waiting for the second-level reviewer."""
    KEPT = "kept"
    REVOKED = "revoked"


@dataclass(frozen=True)
class Decision:
    """One reviewer's answer on one item."""

    verdict: Verdict
    by: str
    at: dt.datetime
    level: int
    reason: str | None = None


@dataclass(frozen=True)
class ItemStatus:
    """An item's decision state (the pure view of its row)."""

    number: int
    subject: frozenset[str]
    """The subject's names (login, e-mail), casefolded."""
    reviewer: str
    second_level: str | None
    state: ItemState = ItemState.PENDING
    first: Decision | None = None
    final: Decision | None = None
    escalated: bool = False
    flagged: bool = False
    """Kept (or revoked) by the no-response policy, not by a reviewer."""

    @property
    def level(self) -> int:
        """The level a decision now would be made at (0 once final)."""
        if self.state is ItemState.PENDING:
            return 1
        return 2 if self.state is ItemState.CONFIRMING else 0


def may_decide(item: ItemStatus, author: Collection[str], fallback: Sequence[str]) -> str | None:
    """Why someone with names ``author`` (casefolded) may not decide ``item`` now, or None."""
    names = set(author)
    if item.level == 0:
        return f"item {item.number} is already decided ({item.state})"
    if names & item.subject:
        return f"item {item.number} is about your own access; nobody reviews their own access"
    if item.level == 2:
        assert item.first is not None
        assert item.second_level is not None
        if item.first.by.casefold() in names:
            return f"item {item.number} needs a second reviewer, not the first one"
        if item.second_level.casefold() not in names:
            return f"item {item.number} waits for the second-level reviewer {item.second_level}"
        return None
    allowed = {item.reviewer.casefold()}
    if item.escalated:
        allowed |= {f.casefold() for f in fallback}
    if not names & allowed:
        return f"item {item.number} is assigned to {item.reviewer}"
    return None


def decide(
    item: ItemStatus, verdict: Verdict, by: str, at: dt.datetime, reason: str | None
) -> ItemStatus:
    """``item`` after a decision ``may_decide`` allowed (first level, or second-level confirmation)."""
    decision = Decision(verdict, by, at, item.level, reason)
    if item.level == 1 and item.second_level is not None:
        return replace(item, state=ItemState.CONFIRMING, first=decision)
    state = ItemState.KEPT if verdict == "keep" else ItemState.REVOKED
    first = item.first if item.level == 2 else decision
    return replace(item, state=state, first=first, final=decision)


NoResponse = Literal["keep", "revoke", "recommendation"]


def at_close(
    item: ItemStatus, policy: NoResponse, recommended: Verdict | None, at: dt.datetime
) -> ItemStatus:
    """
    An undecided item when the campaign closes: kept and flagged by default; revoked only when
    the campaign opted in (``revoke``, or ``recommendation`` and the recommendation is revoke).
    A first-level decision still waiting for its confirmation stands, flagged.
    """
    if item.level == 0:
        return item
    if item.state is ItemState.CONFIRMING and item.first is not None:
        verdict: Verdict = item.first.verdict
    elif policy == "revoke" or (policy == "recommendation" and recommended == "revoke"):
        verdict = "revoke"
    else:
        verdict = "keep"
    decision = Decision(verdict, "no-response policy", at, item.level, f"no response ({policy})")
    state = ItemState.KEPT if verdict == "keep" else ItemState.REVOKED
    return replace(item, state=state, final=decision, flagged=True)
