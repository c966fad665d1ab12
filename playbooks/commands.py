"""
Commands agents and approvers write in desk comments: ``/approve``, ``/reject <reason>``,
``/extend <duration>``, ``/revoke-now``, ``/intent <name>``, ``/retry``.

A command counts only at the start of a line of the comment's own text, as the normaliser
for the desk's format decided (``intake.normalize.own_text``; ``Comment.own_text``): quoted
replies (``>`` lines and what follows them up to a blank line, ``{quote}``, nested
``<blockquote>``, ADF blockquotes) and code are ignored, so quoting an earlier ``/approve``
approves nothing. ``parse_command`` applies the plain-text rules itself, so text that did not
come through a normaliser (the review page) is read the same way.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Literal

from intake.normalize.own_text import own_text_plain
from playbooks.duration import DurationError, parse_duration
from playbooks.model import INTENTS

CommandName = Literal["approve", "reject", "extend", "revoke-now", "intent", "retry"]

_COMMAND = re.compile(
    r"^\s*/(approve|reject|extend|revoke-now|intent|retry)\b[ \t]*(.*)$", re.IGNORECASE
)
_UNTIL = re.compile(r"^until\s+(\d{4}-\d{2}-\d{2})$", re.IGNORECASE)


class CommandError(ValueError):
    """A command was recognised but its argument is wrong (the worker replies with the message)."""


@dataclass(frozen=True)
class Command:
    """One parsed command."""

    name: CommandName
    reason: str | None = None
    """For ``/reject``: why."""
    duration_s: int | None = None
    """For ``/extend 2w``: by how long."""
    until: datetime | None = None
    """For ``/extend until 2026-12-31``: the new end (the end of that day, UTC)."""
    intent: str | None = None
    """For ``/intent``: the corrected intent."""


def parse_command(text: str) -> Command | None:
    """
    Find the first command in a desk comment.

    Args:
        text: the comment body (plain text, Markdown, Jira wiki markup or simple HTML).

    Returns:
        The command, or None for an ordinary comment. ``CommandError`` when a command's
        argument is missing or unreadable (``/extend soon``, ``/reject`` without a reason).
    """
    for line in _own_lines(text):
        match = _COMMAND.match(line)
        if match:
            return _build(match.group(1).lower(), match.group(2).strip())
    return None


def _own_lines(text: str) -> list[str]:
    # Only "\n" breaks a line here: own_text_plain turned every other separator into a space.
    return own_text_plain(text).split("\n")


def _build(name: str, argument: str) -> Command:
    if name == "reject":
        if not argument:
            raise CommandError(
                "/reject needs a reason, e.g. `/reject not approved by the budget owner`"
            )
        return Command("reject", reason=argument)
    if name == "extend":
        return _extend(argument)
    if name == "intent":
        intent = argument.split()[0].lower() if argument else ""
        if intent not in (*INTENTS, "not_account"):
            raise CommandError(f"/intent needs one of: {', '.join((*INTENTS, 'not_account'))}")
        return Command("intent", intent=intent)
    if name == "approve":
        return Command("approve")
    return Command("revoke-now" if name == "revoke-now" else "retry")


def _extend(argument: str) -> Command:
    until = _UNTIL.match(argument)
    if until:
        try:
            day = date.fromisoformat(until.group(1))
        except ValueError:
            raise CommandError(f"/extend: {until.group(1)} is not a date") from None
        return Command("extend", until=datetime.combine(day, time(23, 59, 59), UTC))
    try:
        return Command("extend", duration_s=parse_duration(argument))
    except DurationError:
        raise CommandError(
            "/extend needs a duration (`/extend 2w`, `/extend 3 days`) or `/extend until 2026-12-31`"
        ) from None
