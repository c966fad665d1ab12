"""
How long a comment each desk takes, and a note cut to fit it (at a line, saying so).

- Jira: a comment body is a text field of at most 32,767 characters;
- Salesforce: ``CaseComment.CommentBody`` holds at most 4,000 bytes;
- Zendesk: a comment body is limited in size to about 64 KB (Zendesk's answer: "~65,000
  characters, depending on encoding and markup"), so 64,000 bytes here;
- ServiceNow: ``work_notes`` and ``comments`` are journal fields, 4,000 characters by the
  dictionary's default ``max_length`` (an instance can raise it; this is the safe floor).

The full text stays in deskpilot's outbox and evidence export; only what the desk gets is cut.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class CommentLimit:
    """A desk's comment limit in characters, in UTF-8 bytes, or both."""

    chars: int | None = None
    bytes: int | None = None

    def describe(self) -> str:
        """``32,767 characters`` or ``4,000 bytes``."""
        parts = [f"{self.chars:,} characters"] if self.chars else []
        parts += [f"{self.bytes:,} bytes"] if self.bytes else []
        return " and ".join(parts)


COMMENT_LIMITS = {
    "jira": CommentLimit(chars=32_767),
    "salesforce": CommentLimit(bytes=4_000),
    "zendesk": CommentLimit(bytes=64_000),
    "servicenow": CommentLimit(chars=4_000),
}
MARGIN = 300
"""Room kept for what a connector adds around the body (its marker, a heading)."""


def fit_comment(body: str, desk_type: str) -> str:
    """
    ``body`` as the desk ``desk_type`` can take it: whole if it fits, else cut after the last
    line that fits, with a closing line saying it was cut and where the full text is.

    Args:
        body: the note or reply.
        desk_type: ``jira``, ``zendesk``, ``servicenow``, ``salesforce`` (others: no limit).
    """
    limit = COMMENT_LIMITS.get(desk_type)
    if limit is None or _fits(body, limit, 0):
        return body
    tail = (
        f"\n\n… cut to fit this desk's comment limit ({limit.describe()}); the full text is in "
        "deskpilot's evidence export (`deskpilot audit export`)."
    )
    room = CommentLimit(
        chars=None if limit.chars is None else limit.chars - MARGIN - len(tail),
        bytes=None if limit.bytes is None else limit.bytes - MARGIN - len(tail.encode()),
    )
    kept: list[str] = []
    chars = size = 0
    for line in body.splitlines(keepends=True):
        chars, size = chars + len(line), size + len(line.encode())
        if (room.chars is not None and chars > room.chars) or (
            room.bytes is not None and size > room.bytes
        ):
            break
        kept.append(line)
    return "".join(kept).rstrip() + tail


def _fits(body: str, limit: CommentLimit, margin: int) -> bool:
    if limit.chars is not None and len(body) > limit.chars - MARGIN - margin:
        return False
    return limit.bytes is None or len(body.encode()) <= limit.bytes - MARGIN - margin
