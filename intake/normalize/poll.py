"""
The poll form: what the desk clients hand to ``normalize_delivery`` for a polled ticket.

``{"kind": "deskpilot.poll", "record": <the vendor REST representation of ONE ticket>,
"comments": [<vendor comment objects>]}``; ``comments`` is optional. Extra top-level members
(``requester``, ``assignee``) carry facts the client looked up separately.
"""

from __future__ import annotations

from dataclasses import dataclass

from intake.webhooks.node import Node

POLL_KIND = "deskpilot.poll"


@dataclass(frozen=True)
class PollForm:
    """A polled ticket: the record, its comments (None when not fetched), the whole document."""

    record: Node
    comments: tuple[Node, ...] | None
    document: Node


def as_poll_form(doc: Node) -> PollForm | None:
    """The poll form of ``doc``, or None when ``doc`` is a webhook payload."""
    if not doc.is_object() or doc.get("kind").text() != POLL_KIND:
        return None
    record = doc.req("record")
    record.member_names()  # an object, or MalformedPayloadError naming $.record
    comments = doc.get("comments")
    listed = None if comments.value is None else tuple(comments.items())
    return PollForm(record=record, comments=listed, document=doc)
