"""
The ASGI app: ``/hooks/{desk}``, ``/healthz``, ``/metrics``, the dashboard and the review page.

Handlers hold no business rules: they read the request, call ``worker.inbound.receive`` (which verifies
with the pure functions from ``intake``), and answer. Database work runs in the thread pool.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse, RedirectResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from starlette.concurrency import run_in_threadpool

from worker.db.outage import database_unavailable
from worker.inbound.receive import Outcome, Receipt, keep_refused_delivery, receive_webhook
from worker.metrics import ACK_SECONDS, REGISTRY, WEBHOOKS
from worker.runtime import Runtime
from worker.web import (
    access_reviews,
    auth,
    dashboard,
    drift,
    licence_metrics,
    review,
    reviews_page,
    secretpage,
)
from worker.web.unavailable import OutageLog, unavailable_answer


def create_app(rt: Runtime) -> FastAPI:
    """Build the app around a runtime."""
    docs = rt.settings.web.docs
    app = FastAPI(
        title="deskpilot",
        version="0.1.0",
        description="Webhooks from the desks, health, metrics, the SLA dashboard and the review queue.",
        docs_url="/docs" if docs else None,
        redoc_url=None,
        openapi_url="/openapi.json" if docs else None,
    )
    app.state.runtime = rt
    app.middleware("http")(_security_headers)

    outage = OutageLog()

    @app.post("/hooks/{desk}", summary="Receive a desk's webhook delivery")
    async def hooks(desk: str, request: Request) -> Response:
        started = time.perf_counter()
        known = rt.settings.desk(desk) is not None
        label = desk if known else "(unknown)"
        body = await _read_limited(request, rt.settings.web.max_body_bytes)
        try:
            if body is None:
                receipt = await run_in_threadpool(_too_large, rt, desk, dict(request.headers))
            else:
                receipt = await run_in_threadpool(
                    receive_webhook, rt, desk, dict(request.headers), body
                )
        except SQLAlchemyError as exc:
            if not database_unavailable(exc):
                raise
            WEBHOOKS.labels(label, "503").inc()
            outage.refused(label, exc)
            return unavailable_answer()
        outage.stored()
        WEBHOOKS.labels(label, str(receipt.outcome.value)).inc()
        ACK_SECONDS.labels(label).observe(time.perf_counter() - started)
        return _answer(receipt)

    @app.get("/healthz", summary="Liveness and readiness")
    def healthz() -> JSONResponse:
        checks: dict[str, str] = {}
        try:
            with rt.db.engine.connect() as connection:
                connection.execute(text("SELECT 1"))
            checks["database"] = "ok"
        except Exception as exc:  # noqa: BLE001 (health reports failures, it does not raise)
            checks["database"] = f"error: {type(exc).__name__}"
        healthy = all(v == "ok" for v in checks.values())
        return JSONResponse(
            {"status": "ok" if healthy else "degraded", "checks": checks},
            status_code=200 if healthy else 503,
        )

    if rt.settings.web.metrics != "off":

        @app.get("/metrics", summary="Prometheus metrics")
        def metrics(request: Request) -> Response:
            if rt.settings.web.metrics == "viewer":
                auth.require(request, "viewer")
            return Response(generate_latest(REGISTRY), media_type=CONTENT_TYPE_LATEST)

        licence_metrics.install(rt)

    @app.get("/", include_in_schema=False)
    def root() -> RedirectResponse:
        return RedirectResponse("/dashboard")

    auth.install(app, rt)
    secretpage.install(app, rt)
    drift.install(app, rt)  # before dashboard: its /dashboard/export/{table}.csv would match
    dashboard.install(app, rt)
    review.install(app, rt)
    access_reviews.install(app, rt)  # after review: its forms use the review page's CSRF key
    reviews_page.install(app, rt)
    return app


CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
"""No inline or foreign script; no framing (clickjacking); forms post only back here."""
_CACHEABLE = ("/static/",)


async def _security_headers(
    request: Request, call_next: Callable[[Request], Awaitable[Response]]
) -> Response:
    response = await call_next(request)
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CSP)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "no-referrer")
    if not request.url.path.startswith(_CACHEABLE):
        # Pages and exports carry names, tickets and sessions: no cache may keep them.
        headers.setdefault("Cache-Control", "no-store")
    return response


def _too_large(rt: Runtime, desk: str, headers: dict[str, str]) -> Receipt:
    """Refuse a body over the limit; keep its headers and size (not the body: it was not read)."""
    limit = rt.settings.web.max_body_bytes
    receipt = Receipt(Outcome.TOO_LARGE, f"request body too large (over {limit} bytes)")
    declared = headers.get("content-length", "")
    size = int(declared) if declared.isdigit() else limit + 1
    keep_refused_delivery(rt, desk, headers, b"", receipt, body_size=size)
    return receipt


async def _read_limited(request: Request, limit: int) -> bytes | None:
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        return None
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


def _answer(receipt: Receipt) -> Response:
    if receipt.response_body is not None and receipt.outcome in (
        Outcome.ACCEPTED,
        Outcome.DUPLICATE,
    ):
        return Response(
            receipt.response_body,
            status_code=receipt.outcome.value,
            media_type=receipt.response_media_type or "application/octet-stream",
        )
    payload: dict[str, Any] = {"status": receipt.outcome.name.lower(), "detail": receipt.detail}
    if receipt.inbox_id is not None:
        payload["id"] = receipt.inbox_id
    return JSONResponse(payload, status_code=receipt.outcome.value)
