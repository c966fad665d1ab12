"""
Answering while the database cannot: ``503`` with ``Retry-After``, counted, logged in one line.

A desk retries a delivery that was not acknowledged, so nothing is lost by refusing it while the
database is unavailable — as long as the answer says "later" (503 and ``Retry-After``) rather
than "broken" (500), and closes the connection so the client opens a fresh one for its retry.
Each refusal is one log line without a traceback; a summary line, at most once per
``SUMMARY_EVERY_S``, says how many there were, and one line says when deliveries are stored again.
"""

from __future__ import annotations

import threading
import time

import structlog
from fastapi import Response
from fastapi.responses import JSONResponse

log = structlog.get_logger("deskpilot.web")

RETRY_AFTER_S = 5
"""What a refused sender is told to wait before delivering again."""
SUMMARY_EVERY_S = 10.0


class OutageLog:
    """Counts refusals during a database outage and logs them without flooding the log."""

    def __init__(self, *, every_s: float = SUMMARY_EVERY_S) -> None:
        self.every_s = every_s
        self._lock = threading.Lock()
        self._since_summary = 0
        self._total = 0
        self._last_summary = 0.0

    def refused(self, desk: str, exc: BaseException) -> None:
        """Log one refused delivery (and, if due, the summary)."""
        first = (str(exc).splitlines() or [""])[0][:200]
        log.warning(
            "webhook.database_unavailable", desk=desk, error=type(exc).__name__, detail=first
        )
        now = time.monotonic()
        with self._lock:
            self._since_summary += 1
            self._total += 1
            if now - self._last_summary < self.every_s:
                return
            count, self._since_summary, self._last_summary = self._since_summary, 0, now
        log.error(
            "webhook.database_unavailable_summary",
            refused=count,
            refused_in_outage=self._total,
            retry_after_s=RETRY_AFTER_S,
        )

    def stored(self) -> None:
        """A delivery was stored: if an outage was going on, say it is over."""
        if not self._total:
            return
        with self._lock:
            total, self._total, self._since_summary, self._last_summary = self._total, 0, 0, 0.0
        if total:
            log.warning("webhook.database_recovered", refused_in_outage=total)


def unavailable_answer() -> Response:
    """The answer to a delivery that could not be stored now."""
    return JSONResponse(
        {"status": "unavailable", "detail": "the database is unavailable; deliver again later"},
        status_code=503,
        headers={"Retry-After": str(RETRY_AFTER_S), "Connection": "close"},
    )


__all__ = ["RETRY_AFTER_S", "OutageLog", "unavailable_answer"]
