"""
The two notes a run writes on the ticket: the public reply and the agents' internal note.

The public reply is plain and friendly, in the playbook's words, with no internal detail and
never a password (a one-time link at most). The internal note is the evidence: the plan, the
decision, the approvals, each change with before → after and its verification, and any undo.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from connectors.identity import Change
from playbooks.approval import RecordedApproval
from playbooks.config import PolicySettings
from playbooks.model import NoteStatus, Playbook
from playbooks.planned import Account, Plan, PlannedStep
from playbooks.policy import Decision, allowed_to_ask
from playbooks.render import describe_until, format_state, render_plan
from playbooks.steps import Verification
from playbooks.template import render

LINK_KEY = "one_time_link"
DEFAULT_PUBLIC: Mapping[str, str] = {
    "done": "Hello {{ requester.first_name }},\n\nyour request is done:\n{% for line in done %}\n- {{ line }}\n{% endfor %}{% if one_time_link %}\nOpen this one-time link to see your temporary password (it works once): {{ one_time_link }}{% endif %}",
    "pending_approval": "Hello {{ requester.first_name }},\n\nyour request is waiting for approval. We will update this ticket as soon as it is decided.",
    "asked": "Hello {{ requester.first_name }},\n\nto go ahead we need one more detail: {{ question }}",
    "rejected": "Hello {{ requester.first_name }},\n\nwe cannot do this on your request: only {{ allowed }} may ask for it. Please ask one of them to raise it; this ticket is closed.",
    "refused": "Hello {{ requester.first_name }},\n\nwe cannot do this automatically; a member of the service desk will look at your request and reply here.",
    "escalated": "Hello {{ requester.first_name }},\n\na member of the service desk will look at your request and reply here.",
    "failed": "Hello {{ requester.first_name }},\n\nwe could not finish this automatically. A member of the service desk is taking over and will reply here.",
    "nothing": "Hello {{ requester.first_name }},\n\neverything was already as you asked, so nothing needed changing.",
}


@dataclass(frozen=True)
class StepOutcome:
    """What happened to one step: the change, the read-back, or the error."""

    step: PlannedStep
    change: Change | None = None
    verification: Verification | None = None
    error: str | None = None


@dataclass(frozen=True)
class RunFacts:
    """Everything the notes of one run are written from."""

    plan: Plan
    decision: Decision | None = None
    approvals: tuple[RecordedApproval, ...] = ()
    outcomes: tuple[StepOutcome, ...] = ()
    compensations: tuple[StepOutcome, ...] = ()


def note_status(facts: RunFacts) -> NoteStatus:
    """
    Which note a run calls for.

    Args:
        facts: the run so far.
    """
    kinds: Mapping[str, NoteStatus] = {
        "ask": "asked",
        "escalate": "escalated",
        "note_only": "nothing",
    }
    if facts.plan.kind == "escalate":
        return "escalated"
    if facts.decision is not None and facts.decision.outcome in ("refused", "rejected"):
        return facts.decision.outcome  # also a question or a no-op the requester may not ask
    if facts.plan.kind in kinds:
        return kinds[facts.plan.kind]
    if any(o.error or (o.verification and not o.verification.ok) for o in facts.outcomes):
        return "failed"
    if not facts.outcomes:
        return "pending_approval"
    return "done"


def render_public_reply(
    playbook: Playbook, facts: RunFacts, settings: PolicySettings | None = None
) -> str:
    """
    The reply for the requester, in the words configured for the run's status.

    Args:
        playbook: its ``notes.public`` templates (defaults for statuses it does not cover).
        facts: the run.
        settings: the deployment's reply model (``replies.templates`` win over the playbook's)
            and its names for the groups who may ask.
    """
    status = note_status(facts)
    configured = settings.replies.templates.get(status) if settings is not None else None
    template = configured or playbook.notes.public.get(status, DEFAULT_PUBLIC[status])
    allowed = allowed_to_ask(
        settings.effective(playbook) if settings is not None else playbook, settings
    )
    context = {**_context(facts, status), "allowed": allowed}
    return render(template, context, where=f"{playbook.name}.notes.public.{status}") + "\n"


def render_internal_note(playbook: Playbook, facts: RunFacts) -> str:
    """
    The evidence note for agents: plan, decision, approvals, changes, verification, undo.

    Args:
        playbook: its ``notes.internal`` template, shown first.
        facts: the run.
    """
    status = note_status(facts)
    parts = [f"**deskpilot · {playbook.title} · {status.replace('_', ' ')}**"]
    if playbook.notes.internal:
        # Every agent reads this note: the link itself is never in reach of its template.
        context = _context(facts, status)
        if context["one_time_link"]:
            context["one_time_link"] = "(sent to the owner)"
        parts.append(
            render(playbook.notes.internal, context, where=f"{playbook.name}.notes.internal")
        )
    parts.append(render_plan(facts.plan).strip())
    parts += _decision(facts.decision, facts.approvals)
    parts += _outcomes("Changes", facts.outcomes)
    parts += _outcomes("Undone after the failure", facts.compensations)
    return "\n\n".join(p for p in parts if p) + "\n"


def _context(facts: RunFacts, status: NoteStatus) -> dict[str, Any]:
    plan = facts.plan
    link = next(
        (
            o.change.after.get(LINK_KEY)
            for o in facts.outcomes
            if o.change and LINK_KEY in o.change.after
        ),
        None,
    )
    return {
        "status": status,
        "requester": _person(plan.requester),
        "target": _person(plan.target),
        "inputs": dict(plan.inputs),
        "application": " and ".join(plan.items) if plan.items else plan.application,
        "items": list(plan.items),
        "until": None if plan.until is None else f"{plan.until:%Y-%m-%d}",
        "question": plan.question,
        "one_time_link": link,
        "done": [o.step.description for o in facts.outcomes if o.change and o.change.changed],
        "ticket": plan.ticket,
    }


def _person(account: Account | None) -> dict[str, Any]:
    if account is None:
        return {"login": "", "display_name": "", "email": "", "first_name": "there"}
    first = (account.display_name or "").split(" ")[0] or account.login
    return {
        "login": account.login,
        "display_name": account.display_name or "",
        "email": account.email or "",
        "first_name": first,
    }


def _decision(decision: Decision | None, approvals: tuple[RecordedApproval, ...]) -> list[str]:
    if decision is None:
        return []
    lines = ["#### Decision", f"- Outcome: **{decision.outcome.replace('_', ' ')}**"]
    lines += [f"- {reason}" for reason in decision.reasons]
    if decision.approvals is not None:
        lines.append(f"- Approval needed from {decision.approvals.describe()}")
    lines += [
        f"- Approved by {a.approver_login} at {a.at:%Y-%m-%d %H:%M} {a.at.tzname() or ''}".rstrip()
        for a in approvals
    ]
    return ["\n".join(lines)]


def _outcomes(title: str, outcomes: tuple[StepOutcome, ...]) -> list[str]:
    if not outcomes:
        return []
    rows = [f"#### {title}", "", "| # | Step | Before | After | Result |", "|---|---|---|---|---|"]
    for outcome in outcomes:
        change = outcome.change
        before = format_state(change.before) if change else "—"
        after = format_state(_masked(change.after)) if change else "—"
        rows.append(
            f"| {outcome.step.index} | {outcome.step.description} | {before} | {after} | {_result(outcome)} |"
        )
    until = {describe_until(o.step.until) for o in outcomes if o.step.until}
    rows += [f"\nTime-bound: access ends {u}; the revocation is scheduled." for u in sorted(until)]
    return ["\n".join(rows)]


def _masked(state: Mapping[str, str | None]) -> dict[str, str | None]:
    # The one-time link is for the owner's eyes (the public reply), not the agents' note.
    return {k: ("sent to the owner" if k == LINK_KEY else v) for k, v in state.items()}


def _result(outcome: StepOutcome) -> str:
    if outcome.error:
        return f"❌ failed: {outcome.error}"
    if outcome.verification is None:
        return "done" if outcome.change and outcome.change.changed else "no change"
    mark = "✅" if outcome.verification.ok else "❌"
    return f"{mark} {outcome.verification.detail}"
