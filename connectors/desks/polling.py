"""
The poll cursor every desk connector persists (through the worker) and the poll delivery shape.

A cursor is an opaque string to the worker. Inside it is JSON: the ``watermark`` the current
scan started from (the query asks for ``updated >= watermark - overlap``), the ``newest`` update
time seen so far in that scan, and the vendor's page ``token`` (Jira ``nextPageToken``, Zendesk
``after_cursor``, ServiceNow offset, Salesforce ``nextRecordsUrl``) while a scan is unfinished.
When a scan ends, ``newest`` becomes the next scan's watermark.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from connectors.desks import RawDelivery

POLL_KIND = "deskpilot.poll"


@dataclass(frozen=True)
class PollCursor:
    """Where a poll resumes; see the module docstring."""

    watermark: datetime
    newest: datetime
    token: str | None = None

    @classmethod
    def load(cls, cursor: str | None, *, since: datetime) -> PollCursor:
        """Decode ``cursor``, or start a first scan at ``since``; a corrupt cursor is a ValueError."""
        if not cursor:
            start = as_utc(since)
            return cls(watermark=start, newest=start)
        try:
            raw = json.loads(cursor)
            return cls(
                watermark=parse_time(raw["watermark"]),
                newest=parse_time(raw["newest"]),
                token=raw.get("token"),
            )
        except (ValueError, KeyError, TypeError) as exc:
            raise ValueError(f"poll cursor is not one deskpilot wrote: {cursor[:80]!r}") from exc

    def dump(self) -> str:
        """The opaque string the worker persists."""
        return json.dumps(
            {
                "watermark": self.watermark.isoformat(),
                "newest": self.newest.isoformat(),
                "token": self.token,
            },
            sort_keys=True,
        )

    def seen(self, updated: datetime | None) -> PollCursor:
        """This cursor, with ``updated`` counted towards ``newest``."""
        if updated is None or updated <= self.newest:
            return self
        return replace(self, newest=updated)

    def next_page(self, token: str) -> PollCursor:
        """Continue the same scan at the vendor's next page."""
        return replace(self, token=token)

    def finished(self) -> PollCursor:
        """The scan ended: the next one starts from the newest update seen."""
        return PollCursor(watermark=self.newest, newest=self.newest, token=None)


def as_utc(moment: datetime) -> datetime:
    """``moment`` in UTC; a naive datetime is taken to be UTC already."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def parse_time(value: str) -> datetime:
    """An ISO-8601 time from a vendor (``Z``, ``+0000`` and space-separated forms) in UTC."""
    return as_utc(datetime.fromisoformat(value.strip().replace(" ", "T")))


def poll_delivery(
    desk_type: str, key: str, updated: str, record: Any, comments: list[Any]
) -> RawDelivery:
    """The ``deskpilot.poll`` delivery the intake normaliser reads for one polled ticket."""
    body = {"kind": POLL_KIND, "record": record, "comments": comments}
    return RawDelivery(
        desk_type=desk_type,
        body=json.dumps(body, sort_keys=True).encode(),
        dedupe_key=f"poll:{key}:{updated}",
        source="poll",
    )


__all__ = ["POLL_KIND", "PollCursor", "as_utc", "parse_time", "poll_delivery"]
