"""
Refused decisions per signed-in token on the decision pages (``/access-reviews``, ``/review``).

Each refused decision (not eligible, an item that is not the campaign's or a run not waiting, a
stale form) is written to the audit chain by the decision path, so a scripted client with any
token could grow the chain without bound. After ``web.refused_decisions_limit`` refusals within
``web.refused_decisions_window_s`` seconds, that token's decisions are answered 429 until the
window has slid past the oldest of them; the refusal that reaches the limit is audited once
(``web.decisions_throttled``) instead of one entry per further attempt. Accepted decisions are
never counted. The count is the sign-in throttle's (``worker.web.throttle``): in Redis when
deskpilot has one, else in the database, shared by every web worker.
"""

from __future__ import annotations

import redis
import structlog
from fastapi import HTTPException

from worker.db import audit
from worker.runtime import Runtime
from worker.web.auth import Principal
from worker.web.throttle import (
    SCOPED,
    DatabaseLoginThrottle,
    LoginThrottle,
    RedisLoginThrottle,
    StoreUnavailableError,
)

log = structlog.get_logger("deskpilot.web")

THROTTLED_ACTION = "web.decisions_throttled"
KEY_CHARS = 48
"""Characters of the token's digest that name its count (a database key has 64 in all)."""


class RefusalLimit:
    """Refused decisions per token (``Principal.key``) in a sliding window, shared by workers."""

    def __init__(self, rt: Runtime, counts: LoginThrottle) -> None:
        self._rt, self._counts = rt, counts

    def check(self, who: Principal) -> None:
        """429 (with ``Retry-After``) while ``who`` has reached the limit within the window."""
        now = self._rt.clock().timestamp()
        try:
            wait = self._counts.retry_after(who.key[:KEY_CHARS], now)
        except StoreUnavailableError as exc:
            raise _unavailable(exc) from exc
        if wait is None:
            return
        minutes = max(1, round(self._counts.window_s / 60))
        raise HTTPException(
            429,
            f"Too many refused decisions: {self._counts.limit} in {minutes} minute(s). "
            f"Decisions from this sign-in are paused; try again in {wait} seconds.",
            {"Retry-After": str(wait)},
        )

    def refused(self, who: Principal, page: str) -> None:
        """Count one refused decision of ``who`` on ``page``; the one reaching the limit is
        audited (and logged) once, for the refusals the pause then saves the chain from."""
        now = self._rt.clock()
        try:
            count = self._counts.failed(who.key[:KEY_CHARS], now.timestamp())
        except StoreUnavailableError as exc:
            raise _unavailable(exc) from exc
        if count != self._counts.limit:
            return
        data = {"principal": who.name, "page": page, "limit": self._counts.limit,
                "window_s": self._counts.window_s}  # fmt: skip
        log.warning("web.decisions_throttled", who=who.name, page=page, refused=count)
        with self._rt.db.session() as session:
            audit.append(
                session, THROTTLED_ACTION, actor=who.desk_identity or who.name, data=data, at=now
            )


def _unavailable(exc: StoreUnavailableError) -> HTTPException:
    log.error("web.decisions_unavailable", error=str(exc))
    return HTTPException(503, "decisions are unavailable: the refusal count's store is down")


def build_refusal_limit(rt: Runtime) -> RefusalLimit:
    """Redis when the workers share one (``broker.url``), else the database."""
    web = rt.settings.web
    limit, window_s = web.refused_decisions_limit, web.refused_decisions_window_s
    counts: LoginThrottle
    if rt.settings.broker.url == "stub":
        counts = DatabaseLoginThrottle(
            rt.db, limit=limit, window_s=window_s, prefix=f"{SCOPED}decisions:"
        )
    else:
        counts = RedisLoginThrottle(
            redis.Redis.from_url(rt.settings.broker.url),
            limit=limit,
            window_s=window_s,
            prefix="deskpilot:refused-decisions:",
        )
    return RefusalLimit(rt, counts)


__all__ = ["THROTTLED_ACTION", "RefusalLimit", "build_refusal_limit"]
