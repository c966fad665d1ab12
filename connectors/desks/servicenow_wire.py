"""A ServiceNow desk's configuration and wire details: the admin's options, the scan's page token
(a keyset over sys_updated_on and sys_id) and the 429 that waits for the rate-limit window.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime

import requests

from connectors.desks.download import MAX_ATTACHMENT_BYTES
from connectors.errors import RateLimitedError
from connectors.ratelimit import Budget

SYS_ID = re.compile(r"^[0-9a-f]{32}$")
UPDATED_ON = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}$")


@dataclass(frozen=True)
class ServiceNowOptions:
    """What the ServiceNow admin maps and tunes (``desks[].options`` in the configuration)."""

    table: str = "incident"
    status_map: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    """deskpilot category → fields to set, e.g. ``{state: "6", close_code: …, close_notes: …}``."""
    query: str | None = None
    """Extra encoded query ANDed into polling, e.g. ``assignment_group=<sys_id>``."""
    poll_comments: bool = True
    agent_roles: tuple[str, ...] = ("itil",)
    """Roles that make a user an agent (a comment of theirs is a response); empty: do not ask."""
    overlap_s: float = 120.0
    page_size: int = 100
    max_attachment_bytes: int = MAX_ATTACHMENT_BYTES
    budget: Budget = field(default_factory=lambda: Budget(requests=300, per_s=60.0, burst=20))


@dataclass(frozen=True)
class Keyset:
    """Where the next page of a scan starts: after (sys_updated_on, sys_id), then ``skip`` rows."""

    updated: str = ""
    sys_id: str = ""
    skip: int = 0

    @classmethod
    def load(cls, token: str | None) -> Keyset:
        if not token:
            return cls()
        try:
            raw = json.loads(token)
            keyset = cls(str(raw["updated"]), str(raw["sys_id"]), int(raw["skip"]))
        except (ValueError, KeyError, TypeError) as exc:
            raise ValueError(
                f"servicenow page token is not one deskpilot wrote: {token[:80]!r}"
            ) from exc
        if (keyset.sys_id and not SYS_ID.fullmatch(keyset.sys_id)) or (
            keyset.updated and not UPDATED_ON.fullmatch(keyset.updated)
        ):
            raise ValueError("servicenow page token carries a malformed sys_id or time")
        return keyset

    def dump(self) -> str:
        return json.dumps({"updated": self.updated, "sys_id": self.sys_id, "skip": self.skip})


def rate_limit_reset(response: requests.Response, system: str) -> None:
    """A 429 without Retry-After waits until the rule's window resets (X-RateLimit-Reset)."""
    if response.status_code != 429 or response.headers.get("Retry-After"):
        return
    try:
        reset = float(response.headers.get("X-RateLimit-Reset", ""))
    except ValueError:
        return
    try:
        now = parsedate_to_datetime(response.headers.get("Date", "")).timestamp()
    except (TypeError, ValueError):
        now = time.time()
    rule = response.headers.get("X-RateLimit-Rule", "")
    raise RateLimitedError(
        f"rate limited by rule {rule!r} until its hourly window resets"
        if rule
        else "rate limited until the hourly window resets",
        retry_after_s=max(1.0, reset - now),
        system=system,
        status=429,
    )


__all__ = ["SYS_ID", "UPDATED_ON", "Keyset", "ServiceNowOptions", "rate_limit_reset"]
