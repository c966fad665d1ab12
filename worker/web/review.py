"""
The agents' review page: a queue of runs (``/review``) and each run in words
(``/review/runs/{id}``), with the actions agents take on them.

The queue is paged, filtered and searched in the database (``worker.reports.review_queue``),
sorted by SLA urgency. A run's page shows the ticket, the classification, the plan before → after,
the policy decision, approvals, SLA clocks and audit trail (``worker.web.review_run``).

Actions go through the same code as desk commands: approve, reject, correct the intent and retry
are the ``/approve``, ``/reject``, ``/intent`` and ``/retry`` handlers with the agent's configured
desk identity as the author (``worker.runs.rollback.decide_run``), so the same policy holds and
a refusal is noted and audited the same way; confirm, mark wrong and roll back are
``worker.runs.rollback``'s. Whatever changes an account asks for a ticked confirmation. Forms
carry a per-session CSRF token; styles and the keyboard script are static files (the CSP allows
no inline script).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from pathlib import Path
from urllib.parse import urlencode

from fastapi import FastAPI, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlalchemy import func, select

from playbooks.model import INTENTS
from worker.db.records import AuditRow
from worker.db.tables import RunRow, TicketRow
from worker.reports.review_queue import BANDS, PAGE_SIZES, STATES, Filters, queue_page
from worker.runs import rollback
from worker.runtime import Runtime
from worker.web.auth import COOKIE, Principal, require
from worker.web.refusals import RefusalLimit, build_refusal_limit
from worker.web.review_run import run_detail, ticket_detail, worded
from worker.web.sessions import cookie_key
from worker.web.status import signed_status, status_shown

HERE = Path(__file__).parent / "templates"
TEMPLATES = Environment(loader=FileSystemLoader(HERE), autoescape=select_autoescape(default=True))
PICKER = (*INTENTS, "not_account")
"""The intents an agent may choose: the ones ``/intent`` accepts."""
SORTS = {"urgency": "SLA urgency", "newest": "newest first", "oldest": "oldest first"}
CONFIRMED = ("approve", "rollback", "intent", "retry")
"""Actions that change an account or re-run the ticket: the form must be ticked."""


def when(value: dt.datetime | None) -> str:
    """A UTC time as ``2026-12-07 11:40``; — when absent."""
    return "—" if value is None else value.strftime("%Y-%m-%d %H:%M")


STATE_WORDS = {
    "waiting_approval": "waiting for approval",
    "unverified": "applied, not verified",
    "rollback_failed": "rollback failed",
    "rolled_back": "rolled back",
    "not_account": "not an account request",
}


def state_words(state: str | None) -> str:
    """A run state or ticket outcome as words."""
    return "—" if not state else STATE_WORDS.get(state, state.replace("_", " "))


TEMPLATES.filters["when"] = when
TEMPLATES.filters["state"] = state_words


def csrf_token(request: Request) -> str:
    """The session's CSRF token: an HMAC of its session cookie (or bearer token)."""
    key: bytes = request.app.state.review_csrf_key
    session = request.cookies.get(COOKIE) or request.headers.get("authorization", "")
    return hmac.new(key, session.encode(), hashlib.sha256).hexdigest()


STALE_FORM = "the form is stale or was not sent from the review page"


def _fresh(request: Request, token: str) -> bool:
    return token.isascii() and hmac.compare_digest(token, csrf_token(request))


def check_form(request: Request, token: str, role: str = "agent") -> Principal:
    """The principal behind a form's POST: signed in with ``role``, and the form's CSRF token
    is their session's (else 401/403)."""
    who = require(request, role)
    if not _fresh(request, token):
        raise HTTPException(403, STALE_FORM)
    return who


def check_decision(request: Request, token: str, role: str, page: str) -> Principal:
    """
    ``check_form`` for a decision form, under the refused-decisions limit
    (``worker.web.refusals``): 429 while the principal is paused, and a stale or forged form
    counts as a refused decision.
    """
    limit: RefusalLimit = request.app.state.refusal_limit
    who = require(request, role)
    limit.check(who)
    if not _fresh(request, token):
        limit.refused(who, page)
        raise HTTPException(403, STALE_FORM)
    return who


def _date(value: str, name: str) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise HTTPException(422, f"{name}: not a date (YYYY-MM-DD): {value!r}") from exc


def _filters(request: Request) -> Filters:
    q = request.query_params

    def number(name: str, default: int) -> int:
        raw = q.get(name, "")
        return int(raw) if raw.isdigit() else default

    return Filters(
        desk=q.get("desk", ""),
        intent=q.get("intent", ""),
        state=q.get("state", "") if q.get("state", "") in STATES else "",
        band=q.get("band", "") if q.get("band", "") in BANDS else "",
        since=_date(q.get("since", ""), "since"),
        until=_date(q.get("until", ""), "until"),
        q=q.get("q", "")[:200],
        sort=q.get("sort", "urgency") if q.get("sort", "") in SORTS else "urgency",
        page=number("page", 1),
        size=number("size", PAGE_SIZES[0]),
    )


def _back(value: str) -> str:
    """Only a queue address of this site is a place to go back to."""
    return value if value.startswith("/review") and not value.startswith("//") else "/review"


def install(app: FastAPI, rt: Runtime) -> None:
    """Add ``/review``, ``/review/runs/{id}``, their actions and static files (after ``auth``)."""
    # derived from web.secret_key: a form rendered by one web worker is accepted by another
    app.state.review_csrf_key = cookie_key(rt.settings.web.secret_key, b"deskpilot review csrf")
    app.state.refusal_limit = limit = build_refusal_limit(rt)  # /access-reviews counts here too
    statics = {
        "review.css": "text/css; charset=utf-8",
        "review.js": "text/javascript; charset=utf-8",
    }
    files = {name: (HERE / name).read_text() for name in statics}

    @app.get("/static/review.{ext}", include_in_schema=False)
    def static(ext: str) -> Response:
        name = f"review.{ext}"
        if name not in files:
            raise HTTPException(404, "no such file")
        return Response(
            files[name], media_type=statics[name], headers={"Cache-Control": "public, max-age=3600"}
        )

    @app.get("/review", response_class=HTMLResponse, summary="Review queue (agent role)")
    def queue(request: Request, message: str = "", said: str = "") -> HTMLResponse:
        who = require(request, "agent")
        message = status_shown(request, message, "", said)[0]
        f = _filters(request)
        with rt.db.session() as session:
            page = queue_page(session, f)
        params = {
            k: v for k, v in request.query_params.items() if v and k not in ("message", "said")
        }

        def query(number: int) -> str:
            return urlencode({**params, "page": str(number)})

        back = str(request.url.path) + (f"?{urlencode(params)}" if params else "")
        html = TEMPLATES.get_template("review_queue.html").render(
            who=who,
            f=f,
            page=page,
            query=query,
            back=back,
            now=rt.clock(),
            desks=[d.name for d in rt.settings.desks],
            intents=PICKER,
            states=STATES,
            bands=tuple(BANDS),
            sorts=SORTS,
            sizes=PAGE_SIZES,
            message=message,
        )
        return HTMLResponse(html)

    @app.get("/review/runs/{run_id}", response_class=HTMLResponse, summary="One run (agent role)")
    def run_page(
        request: Request,
        run_id: int,
        message: str = "",
        problem: str = "",
        back: str = "",
        said: str = "",
    ) -> HTMLResponse:
        who = require(request, "agent")
        message, refused = status_shown(request, message, problem, said)
        with rt.db.session() as session:
            detail = run_detail(session, run_id)
            if detail is None:
                raise HTTPException(404, f"there is no run {run_id}")
            session.expunge_all()
        marked = bool((detail.run.result or {}).get("marked_wrong_by"))
        plan = rollback.rollback_plan(rt, run_id) if detail.applied and marked else ()
        html = TEMPLATES.get_template("review_run.html").render(
            who=who,
            d=detail,
            csrf=csrf_token(request),
            intents=PICKER,
            rollback=plan,
            back=_back(back),
            message=message,
            problem=refused,
        )
        return HTMLResponse(html)

    @app.get(
        "/review/tickets/{ticket_id}",
        response_class=HTMLResponse,
        summary="A ticket without a run (agent role)",
    )
    def ticket_page(
        request: Request,
        ticket_id: int,
        message: str = "",
        problem: str = "",
        back: str = "",
        said: str = "",
    ) -> Response:
        who = require(request, "agent")
        message, refused = status_shown(request, message, problem, said)
        with rt.db.session() as session:
            ticket = session.get(TicketRow, ticket_id)
            if ticket is None:
                raise HTTPException(404, f"there is no ticket {ticket_id}")
            run = session.scalars(select(RunRow.id).where(RunRow.ticket_id == ticket_id)).first()
            if run is not None:  # planned since: its run's page says more
                where = f"/review/runs/{run}?{urlencode({'back': _back(back)})}"
                return RedirectResponse(where, status_code=303)
            detail = ticket_detail(session, ticket)
            session.expunge_all()
        html = TEMPLATES.get_template("review_ticket.html").render(
            who=who, d=detail, csrf=csrf_token(request), intents=PICKER, back=_back(back),
            message=message, problem=refused,
        )  # fmt: skip
        return HTMLResponse(html)

    @app.post("/review/tickets/{ticket_id}/{action}", summary="Act on a ticket (agent role)")
    def act_on_ticket(
        request: Request,
        ticket_id: int,
        action: str,
        csrf: str = Form(""),
        intent: str = Form(""),
        confirm: str = Form(""),
        back: str = Form("/review"),
    ) -> RedirectResponse:
        who = check_decision(request, csrf, "agent", "/review")
        if action not in ("intent", "retry"):
            raise HTTPException(404, f"unknown action {action!r} for a ticket without a run")
        if confirm != "yes":
            raise HTTPException(422, f"{action}: tick the confirmation box first")
        if action == "intent" and intent not in PICKER:
            raise HTTPException(422, f"intent: choose one of {', '.join(PICKER)}")
        since = _last_audit_id(rt)
        text = f"/intent {intent}" if action == "intent" else "/retry"
        try:
            rollback.decide_ticket(rt, ticket_id, who.name, who.desk_identity, text)
        except rollback.ReviewError as exc:
            limit.refused(who, "/review")
            raise HTTPException(409, str(exc)) from exc
        message, refused = _said(rt, ticket_id, since, action)
        if refused:
            limit.refused(who, "/review")
        return _told(request, f"/review/tickets/{ticket_id}", message, refused, back)

    @app.post("/review/{run_id}/{action}", summary="Act on a run (agent role)")
    def act(
        request: Request,
        run_id: int,
        action: str,
        csrf: str = Form(""),
        reason: str = Form(""),
        intent: str = Form(""),
        confirm: str = Form(""),
        back: str = Form("/review"),
    ) -> RedirectResponse:
        who = check_decision(request, csrf, "agent", "/review")
        if action in CONFIRMED and confirm != "yes":
            raise HTTPException(422, f"{action}: tick the confirmation box first")
        if action in ("wrong", "intent") and intent not in PICKER:
            raise HTTPException(422, f"intent: choose one of {', '.join(PICKER)}")
        since = _last_audit_id(rt)
        try:
            _do(rt, who, run_id, action, reason=reason, intent=intent)
        except rollback.ReviewError as exc:
            limit.refused(who, "/review")
            raise HTTPException(409, str(exc)) from exc
        message, refused = _outcome(rt, run_id, since, action)
        if refused:
            limit.refused(who, "/review")
        return _told(request, f"/review/runs/{run_id}", message, refused, back)


def _told(request: Request, page: str, message: str, refused: bool, back: str) -> RedirectResponse:
    """Back to ``page`` after an action, saying what it did (``problem`` when it was refused),
    the status line signed (``worker.web.status``)."""
    query = signed_status(request, message, refused) | {"back": _back(back)}
    return RedirectResponse(f"{page}?{urlencode(query)}", status_code=303)


def _do(rt: Runtime, who: Principal, run_id: int, action: str, reason: str, intent: str) -> None:
    if action == "approve":
        rollback.decide_run(rt, run_id, who.name, who.desk_identity, "/approve")
    elif action == "reject":
        rollback.decide_run(rt, run_id, who.name, who.desk_identity, f"/reject {reason}".strip())
    elif action == "intent":
        rollback.decide_run(rt, run_id, who.name, who.desk_identity, f"/intent {intent}")
    elif action == "retry":
        rollback.decide_run(rt, run_id, who.name, who.desk_identity, "/retry")
    elif action == "confirm":
        rollback.confirm_run(rt, run_id, who.name)
    elif action == "wrong":
        rollback.mark_wrong(rt, run_id, who.name, who.desk_identity, intent)
    elif action == "rollback":
        rollback.roll_back(rt, run_id, who.name, who.desk_identity)
    else:
        raise HTTPException(404, f"unknown action {action!r}")


def _last_audit_id(rt: Runtime) -> int:
    with rt.db.session() as session:
        return int(session.scalar(select(func.max(AuditRow.id))) or 0)


def _outcome(rt: Runtime, run_id: int, since: int, action: str) -> tuple[str, bool]:
    """What the action did, from the audit entries it wrote; True if it was refused."""
    with rt.db.session() as session:
        run = session.get(RunRow, run_id)
        ticket_id = run.ticket_id if run is not None else None
    return _said(rt, ticket_id, since, action)


def _said(rt: Runtime, ticket_id: int | None, since: int, action: str) -> tuple[str, bool]:
    """The audit entries on ``ticket_id`` after ``since`` as one status line; True if refused."""
    with rt.db.session() as session:
        entries = session.scalars(
            select(AuditRow)
            .where(AuditRow.id > since, AuditRow.ticket_id == ticket_id)
            .order_by(AuditRow.id)
        ).all()
    if not entries:
        return f"{action}: nothing changed", False
    refused = [e for e in entries if e.action.endswith(".refused")]
    if refused:
        reason = refused[-1].data.get("reason")
        return f"Refused: {worded(reason)}", True
    said = [e.action for e in entries if not e.action.startswith("writeback.")] or [
        entries[-1].action
    ]
    return "; ".join(a.replace("_", " ") for a in said) + " recorded", False
