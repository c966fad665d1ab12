"""
Who granted what, from deskpilot's own audit log: for every step that gave a user a group or a
licence (``step.applied`` with ``member_of:G`` / ``license:L`` turned on), the run's requester
(``ticket.received``) and its approvers (``approval.recorded``). Such a person does not review
that user's access to that entitlement (``playbooks.reviews.items.Grants``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from sqlalchemy.orm import Session

from playbooks.reviews.items import Grants, grant_key
from worker.db import audit
from worker.db.records import AuditRow

GRANTING = {"member_of:": "group:", "license:": "licence:"}
"""A step's ``after`` key prefix -> the review entitlement key prefix it grants."""
NOBODY = frozenset({"", "deskpilot", "unknown"})


def _granted(after: object) -> list[str]:
    if not isinstance(after, dict):
        return []
    found = []
    for key, value in after.items():
        for prefix, kind in GRANTING.items():
            if value in (True, "true") and isinstance(key, str) and key.startswith(prefix):
                found.append(kind + key[len(prefix) :])
    return found


def _rows(session: Session, actions: Iterable[str]) -> Iterable[AuditRow]:
    return audit.entries(session, AuditRow.action.in_(tuple(actions)))


def grants(session: Session, directory: str) -> Grants:
    """Who requested or approved each grant deskpilot applied on ``directory``."""
    runs: dict[int, tuple[int | None, set[tuple[str, str]]]] = {}
    for row in _rows(session, ("step.applied",)):
        data = row.data or {}
        if row.run_id is None or data.get("system") != directory or not data.get("changed"):
            continue
        login = str(data.get("target") or "")
        pairs = {grant_key(login, e) for e in _granted(data.get("after"))}
        if login and pairs:
            runs.setdefault(row.run_id, (row.ticket_id, set()))[1].update(pairs)
    if not runs:
        return {}
    tickets = {t for t, _ in runs.values() if t is not None}
    requesters: dict[int, tuple[str, str]] = {}
    approvers: dict[int, list[str]] = defaultdict(list)
    for row in _rows(session, ("ticket.received", "approval.recorded")):
        if row.action == "ticket.received" and row.ticket_id in tickets:
            data = row.data or {}
            requesters[row.ticket_id] = (row.actor, f"{data.get('desk')} {data.get('key')}")
        elif row.action == "approval.recorded" and row.run_id in runs:
            approvers[row.run_id].append(row.actor)
    found: dict[tuple[str, str], dict[str, str]] = defaultdict(dict)
    for run_id, (ticket_id, pairs) in sorted(runs.items()):
        requester, where = requesters.get(ticket_id or -1, ("", "a ticket"))
        people = [(requester, "requested")] + [(a, "approved") for a in approvers[run_id]]
        for who, did in people:
            if who.casefold() in NOBODY:
                continue
            why = f"{did} run {run_id} ({where}), which granted this access"
            for pair in pairs:
                found[pair].setdefault(who.casefold(), why)
    return found
