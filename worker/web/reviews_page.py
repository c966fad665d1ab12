"""
``/dashboard/reviews``: the access review campaigns for the lead, with the same figures as
``deskpilot reviews status`` and the Prometheus gauges (viewer role); also registers those gauges.
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse

from worker.reports.reviews import campaigns
from worker.runtime import Runtime
from worker.web.auth import require
from worker.web.dashboard import TEMPLATES, duration
from worker.web.review_metrics import install_collector

SHOWN = 50


def install(app: FastAPI, rt: Runtime) -> None:
    """Add ``/dashboard/reviews`` (viewer role) and the review gauges on ``/metrics``."""
    install_collector(rt)

    @app.get(
        "/dashboard/reviews", response_class=HTMLResponse, summary="Access reviews (viewer role)"
    )
    def reviews_page(request: Request) -> HTMLResponse:
        require(request, "viewer")
        now = rt.clock()
        with rt.db.session() as session:
            found = campaigns(session, now)[:SHOWN]
        page = TEMPLATES.get_template("reviews.html").render(
            campaigns=found, now=now, duration=duration
        )
        return HTMLResponse(page)


__all__ = ["install"]
