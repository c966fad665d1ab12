"""
Slack seats: who is a billable member, from ``users.list`` and ``team.billableInfo``.

Both methods page with ``cursor`` / ``response_metadata.next_cursor``; Slack answers errors as
HTTP 200 with ``{"ok": false, "error": …}`` and rate limits as HTTP 429 with ``Retry-After``.
``billing_active`` is Slack's Fair Billing flag (any action in the last 28 days), computed
periodically: a ``true`` is recorded as a ``slack_billing_active`` signal at snapshot time, whose
28-day lag covers the window. Deleted members, bots and apps hold no seat. Slack has no seat-pool
API for self-serve plans, so ``purchased`` is None. Scopes: ``users:read``,
``users:read.email`` and ``admin`` (``team.billableInfo``, an admin's user token).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping
from datetime import datetime
from typing import Any

import requests

from connectors.errors import AuthError, RejectedError
from connectors.licences import Activity, Holder, SeatPool, Snapshot
from connectors.licences.fetch import Fetcher

__all__ = ["SlackLicences"]

API = "https://slack.com/api"
AUTH_ERRORS = frozenset(
    {"not_authed", "invalid_auth", "account_inactive", "token_revoked", "token_expired",
     "missing_scope", "not_allowed_token_type", "no_permission", "ekm_access_denied"}
)  # fmt: skip
AUTH_HINT = (
    "check the Slack token (credentials.token) and its scopes users:read, users:read.email, admin"
)


class SlackLicences:
    """The billable members of one Slack workspace, as one SKU of the ledger."""

    def __init__(
        self,
        name: str,
        token: str,
        *,
        sku: str,
        vendor: str = "Slack",
        api_url: str = API,
        session: requests.Session | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.name = name
        self.vendor = vendor
        self._sku = sku
        self._api = api_url.rstrip("/")
        self.fetch = Fetcher(
            name, session=session, headers=lambda: {"Authorization": f"Bearer {token}"}, sleep=sleep
        )

    def snapshot(self, now: datetime) -> Snapshot:
        billable = {
            user_id: bool((info or {}).get("billing_active"))
            for page in self._pages("team.billableInfo")
            for user_id, info in (page.get("billable_info") or {}).items()
        }
        holders = [
            self._holder(member, billable.get(str(member["id"])), now)
            for page in self._pages("users.list")
            for member in page.get("members") or []
            if not (member.get("deleted") or member.get("is_bot") or member.get("is_app_user"))
            and member.get("id") != "USLACKBOT"
        ]
        pools = (SeatPool(self.vendor, self._sku, self._sku, None, len(holders)),)
        return Snapshot(self.vendor, now, pools, tuple(holders))

    def _holder(self, member: Mapping[str, Any], active: bool | None, now: datetime) -> Holder:
        profile = member.get("profile") or {}
        return Holder(
            vendor=self.vendor,
            user_id=str(member["id"]),
            login=str(profile.get("email") or member.get("name") or member["id"]),
            skus=(self._sku,),
            enabled=not member.get("deleted", False),
            created=None,
            activity=(Activity("slack_billing_active", now),) if active else (),
        )

    def _pages(self, method: str) -> Iterator[Mapping[str, Any]]:
        cursor = ""
        while True:
            params: dict[str, str | int] = {"limit": 200, **({"cursor": cursor} if cursor else {})}
            page = self.fetch.get(f"{self._api}/{method}", params)
            if not page.get("ok"):
                error = str(page.get("error") or "unknown_error")
                if error in AUTH_ERRORS:
                    raise AuthError(f"{method}: {error}; {AUTH_HINT}", system=self.name)
                raise RejectedError(f"{method}: {error}", system=self.name)
            yield page
            cursor = str((page.get("response_metadata") or {}).get("next_cursor") or "")
            if not cursor:
                return
