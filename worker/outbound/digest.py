"""
The daily digest for agents: what deskpilot resolved on its own since a moment, with evidence links.

``build_digest`` returns Markdown; ``post_digest`` queues it as an internal note on a ticket the
team keeps for it (and returns it), through the outbox like every other note — so it is posted
once per day even when several workers run it (its purpose carries the date).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from playbooks.lifecycle import RunState
from playbooks.outbox import OutboxKind
from worker.db.tables import RunRow, StepRow, TicketRow
from worker.outbound.writeback import pending_outbox_ids, queue_writeback, send_outbox
from worker.runtime import Runtime


def build_digest(rt: Runtime, since: dt.datetime) -> str:
    """Markdown: every run applied automatically or after approval since ``since``, and waits."""
    base = rt.settings.web.public_url or f"http://{rt.settings.web.host}:{rt.settings.web.port}"
    with rt.db.session() as session:
        rows = session.execute(
            select(RunRow, TicketRow)
            .join(TicketRow, TicketRow.id == RunRow.ticket_id)
            .where(RunRow.updated_at >= since)
            .order_by(RunRow.updated_at)
        ).all()
        changed = dict(
            session.execute(
                select(StepRow.run_id, StepRow.id)
                .where(StepRow.phase == "apply", StepRow.changed.is_(True))
                .where(StepRow.run_id.in_([r.id for r, _ in rows]))
            ).all()
        )
    applied = [(r, t) for r, t in rows if r.state in (RunState.APPLIED, RunState.UNVERIFIED)]
    waiting = [(r, t) for r, t in rows if r.state == RunState.WAITING_APPROVAL]
    lines = [f"# deskpilot digest since {since:%Y-%m-%d %H:%M} UTC", ""]
    lines.append(f"**{len(applied)} resolved automatically, {len(waiting)} waiting for approval.**")
    lines += ["", "## Resolved automatically", ""]
    lines += [_line(r, t, base, r.id in changed) for r, t in applied] or ["- none"]
    lines += ["", "## Waiting for approval", ""]
    lines += [_line(r, t, base, False) for r, t in waiting] or ["- none"]
    return "\n".join(lines) + "\n"


def _line(run: RunRow, ticket: TicketRow, base: str, changed: bool) -> str:
    link = f"[{ticket.key}]({ticket.url})" if ticket.url else ticket.key
    flags = []
    if run.state == RunState.UNVERIFIED:
        flags.append("⚠ not verified")
    if not changed and run.state != RunState.WAITING_APPROVAL:
        flags.append("no change needed")
    if (run.result or {}).get("marked_wrong_by"):
        flags.append("marked wrong")
    extra = f" ({', '.join(flags)})" if flags else ""
    return (
        f"- {link} · `{run.playbook}` · {ticket.subject}{extra} — "
        f"[evidence]({base}/review/runs/{run.id})"
    )


def post_digest(rt: Runtime, desk: str, key: str, since: dt.datetime) -> str:
    """Queue the digest as an internal note on ticket ``key`` of ``desk`` (once per day)."""
    body = build_digest(rt, since)
    with rt.db.session() as session:
        ticket = session.scalars(
            select(TicketRow).where(TicketRow.desk == desk, TicketRow.key == key)
        ).first()
        if ticket is None:
            raise ValueError(f"digest ticket {desk}:{key} is not known to deskpilot")
        purpose = f"digest-{rt.clock():%Y-%m-%d}"
        queue_writeback(rt, session, ticket, OutboxKind.INTERNAL_NOTE, body, purpose)
        outbox = pending_outbox_ids(session, ticket.id)
    send_outbox(rt, ticket.id, outbox)
    return body


def post_daily_digest(rt: Runtime) -> str | None:
    """Post the last day's digest on the configured ticket (``runtime.digest_ticket``), if any."""
    target = rt.settings.runtime.digest_ticket
    if target is None:
        return None
    desk, key = target.split(":", 1)
    return post_digest(rt, desk, key, rt.clock() - dt.timedelta(days=1))
