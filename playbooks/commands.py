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
import unicodedata
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
    look_alike: str | None = None
    for line in _own_lines(text):
        match = _COMMAND.match(line)
        if match:
            return _build(match.group(1).lower(), match.group(2).strip())
        if look_alike is None and (imitated := _COMMAND.match(_folded(line))):
            look_alike = imitated.group(1).lower()
    if look_alike is not None:
        raise CommandError(
            f"this line looks like /{look_alike} but is written with look-alike characters (a "
            "full-width or other slash, a Cyrillic or Greek letter, an invisible character), "
            f"so it was not run; to run it, type /{look_alike} again with a plain slash and letters"
        )
    return None


_SLASHES = dict.fromkeys(map(ord, "\u2044\u2215\u29f8\u2571"), "/")
_HYPHENS = dict.fromkeys(map(ord, "\u2010\u2011\u2012\u2013\u2014\u2212\ufe63"), "-")
_LETTERS = str.maketrans(
    "\u0430\u0441\u0435\u0456\u0458\u043a\u043e\u0440\u0455\u0445\u0443\u0501\u051d"
    "\u03b1\u03b5\u03b9\u03ba\u03bd\u03bf\u03c1\u03c4\u03c5\u03c7",
    "aceijkopsxydwaeikvoptux",
)
"""Cyrillic and Greek letters drawn like the Latin letters of the command names."""


def _folded(line: str) -> str:
    """
    ``line`` as a reader sees it: invisible characters (zero-width spaces and joiners, soft
    hyphens: Unicode format characters) left out, compatibility forms (full-width slash U+FF0F and
    letters) and look-alike slashes, hyphens and letters made plain. Only used to tell a writer
    that what they wrote is not a command; commands are matched on the line as written.
    """
    visible = "".join(ch for ch in line if unicodedata.category(ch) != "Cf")
    plain = unicodedata.normalize("NFKC", visible).lower()
    return plain.translate(_SLASHES).translate(_HYPHENS).translate(_LETTERS)


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
