"""
The agents' review page: what deskpilot resolved on its own, what waits for an approval.

Each run shows its evidence (plan, decision, each step before → after and its read-back). Agents
(role ``agent``) approve or reject a waiting run, confirm a resolution, or mark it wrong — which
records a classifier correction and offers the run's compensations as a rollback plan. Forms
carry a per-session CSRF token; every action is audited (``worker.runs.rollback``).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from jinja2 import Environment, select_autoescape
from sqlalchemy import select

from playbooks.lifecycle import RunState
from playbooks.planned import Plan, PlannedStep
from playbooks.render import render_plan
from worker.db.tables import RunRow, StepRow, TicketRow
from worker.runs import rollback
from worker.runs.secretlinks import public_after
from worker.runtime import Runtime
from worker.web.auth import COOKIE, Principal, require

AUTOMATED = (RunState.APPLIED, RunState.UNVERIFIED)
PAGE = Environment(autoescape=select_autoescape(default=True)).from_string(
    """<!doctype html><html><head><meta charset="utf-8"><title>deskpilot · review</title></head>
<body><h1>Review</h1><p>Signed in as {{ who.name }} ({{ who.role }})</p>
{% if message %}<p role="status">{{ message }}</p>{% endif %}
{% for title, items in sections %}<h2>{{ title }} ({{ items|length }})</h2>
{% for item in items %}<section id="run-{{ item.run.id }}">
<h3>{{ item.ticket.key }} · {{ item.run.playbook }} · {{ item.run.state }}</h3>
<p>{{ item.ticket.subject }} — <a href="{{ item.ticket.url or '#' }}">ticket</a></p>
<details><summary>Plan and decision</summary><pre>{{ item.plan_md }}</pre></details>
<table><tr><th>#</th><th>Step</th><th>Before</th><th>After</th><th>Verified</th></tr>
{% for s in item.steps %}<tr><td>{{ s.idx }}</td><td>{{ s.phase }} {{ s.operation }} {{ s.target }}</td>
<td>{{ s.before }}</td><td>{{ public_after(s.after) }}</td><td>{{ s.verified }}</td></tr>{% endfor %}</table>
{% for action in item.actions %}<form method="post" action="/review/{{ item.run.id }}/{{ action }}">
<input type="hidden" name="csrf" value="{{ csrf }}">
{% if action == 'reject' %}<input name="reason" placeholder="reason">{% endif %}
{% if action == 'wrong' %}<input name="intent" placeholder="real intent" required>{% endif %}
<button>{{ action }}</button></form>{% endfor %}
{% if item.rollback %}<h4>Rollback plan</h4><ol>{% for s in item.rollback %}<li>{{ s.description }}</li>{% endfor %}</ol>
<form method="post" action="/review/{{ item.run.id }}/rollback"><input type="hidden" name="csrf" value="{{ csrf }}">
<button>apply the rollback</button></form>{% endif %}
</section>{% endfor %}{% endfor %}</body></html>"""
)
PAGE.globals["public_after"] = public_after  # a one-time link shows as "(issued)", never itself


@dataclass(frozen=True)
class RunView:
    """One run as the page shows it."""

    run: RunRow
    ticket: TicketRow
    plan_md: str
    steps: tuple[StepRow, ...]
    actions: tuple[str, ...]
    rollback: tuple[PlannedStep, ...] = ()


def review_items(rt: Runtime, limit: int = 100) -> dict[str, list[RunView]]:
    """Runs resolved automatically and runs waiting for an approval, newest first."""
    with rt.db.session() as session:
        rows = session.execute(
            select(RunRow, TicketRow)
            .join(TicketRow, TicketRow.id == RunRow.ticket_id)
            .where(RunRow.state.in_((*AUTOMATED, RunState.WAITING_APPROVAL)))
            .order_by(RunRow.updated_at.desc())
            .limit(limit)
        ).all()
        steps = session.scalars(
            select(StepRow).where(StepRow.run_id.in_([r.id for r, _ in rows])).order_by(StepRow.id)
        ).all()
    by_run: dict[int, list[StepRow]] = {}
    for step in steps:
        by_run.setdefault(step.run_id, []).append(step)
    views: dict[str, list[RunView]] = {"automated": [], "waiting": []}
    for run, ticket in rows:
        waiting = run.state == RunState.WAITING_APPROVAL
        plan = Plan.from_json(str(run.plan["json"]))
        marked = bool((run.result or {}).get("marked_wrong_by"))
        views["waiting" if waiting else "automated"].append(
            RunView(
                run,
                ticket,
                render_plan(plan),
                tuple(by_run.get(run.id, ())),
                ("approve", "reject") if waiting else ("confirm", "wrong"),
                rollback.rollback_plan(rt, run.id) if marked else (),
            )
        )
    return views


def csrf_token(request: Request) -> str:
    """The session's CSRF token: an HMAC of its session cookie (or bearer token)."""
    key: bytes = request.app.state.review_csrf_key
    session = request.cookies.get(COOKIE) or request.headers.get("authorization", "")
    return hmac.new(key, session.encode(), hashlib.sha256).hexdigest()


def _check(request: Request, token: str) -> Principal:
    who = require(request, "agent")
    if not hmac.compare_digest(token, csrf_token(request)):
        raise HTTPException(403, "the form is stale or was not sent from the review page")
    return who


def install(app: FastAPI, rt: Runtime) -> None:
    """Add ``/review`` and its actions to ``app`` (after ``auth.install``)."""
    app.state.review_csrf_key = secrets.token_bytes(32)

    @app.get("/review", response_class=HTMLResponse, summary="Review queue (agent role)")
    def page(request: Request, message: str = "") -> HTMLResponse:
        who = require(request, "agent")
        items = review_items(rt)
        sections = [
            ("Waiting for approval", items["waiting"]),
            ("Resolved automatically", items["automated"]),
        ]
        html = PAGE.render(who=who, sections=sections, csrf=csrf_token(request), message=message)
        return HTMLResponse(html)

    @app.post("/review/{run_id}/{action}", summary="Act on a run (agent role)")
    def act(
        request: Request,
        run_id: int,
        action: str,
        csrf: str = Form(""),
        reason: str = Form(""),
        intent: str = Form(""),
    ) -> RedirectResponse:
        who = _check(request, csrf)
        try:
            message = _do(rt, who, run_id, action, reason=reason, intent=intent)
        except rollback.ReviewError as exc:
            raise HTTPException(409, str(exc)) from exc
        return RedirectResponse(f"/review?message={message}#run-{run_id}", status_code=303)


def _do(rt: Runtime, who: Principal, run_id: int, action: str, **form: Any) -> str:
    if action in ("approve", "reject"):
        text = "/approve" if action == "approve" else f"/reject {form['reason']}".strip()
        rollback.decide_run(rt, run_id, who.name, who.desk_identity, text)
    elif action == "confirm":
        rollback.confirm_run(rt, run_id, who.name)
    elif action == "wrong":
        rollback.mark_wrong(rt, run_id, who.name, form["intent"])
    elif action == "rollback":
        errors = rollback.roll_back(rt, run_id, who.name, who.desk_identity)
        return "rollback incomplete" if errors else "rolled back"
    else:
        raise HTTPException(404, f"unknown action {action!r}")
    return f"{action} recorded"
