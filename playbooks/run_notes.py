"""
Which notes a run writes, and who sees each: the requester (a public reply) or the agents (an
internal note), plus the status change that resolves a ticket.

Pure: the wording comes from the playbook's templates (``playbooks.notes``); the shell records
the notes in the outbox under their purpose and sends them.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import NamedTuple

from playbooks.config import PolicySettings, ReplyEvent
from playbooks.model import NotesSpec, Playbook
from playbooks.notes import LINK_KEY, RunFacts, render_internal_note, render_public_reply
from playbooks.outbox import Note, NotePurpose, OutboxKind
from playbooks.planned import Plan
from playbooks.policy import Decision
from playbooks.template import TemplateRenderError

__all__ = [
    "APPROVAL_HELP",
    "Rendered",
    "RunNotes",
    "failure_notes",
    "owner_only",
    "plan_notes",
    "render_notes",
    "reply",
    "result_notes",
]

APPROVAL_HELP = (
    "An authorised approver can reply `/approve` or `/reject <reason>` in a comment, "
    "or use the review page."
)


class Rendered(NamedTuple):
    """A run's two notes, and the template error if the playbook's own wording failed."""

    public: str
    internal: str
    template_error: str | None = None


class RunNotes(NamedTuple):
    """The notes that end a run, and the template error the run's record must show (if any)."""

    notes: list[Note]
    template_error: str | None = None


def render_notes(
    playbook: Playbook,
    facts: RunFacts,
    public_facts: RunFacts,
    settings: PolicySettings | None,
) -> Rendered:
    """
    The public reply and the internal note. If the playbook's own templates fail (a bug that
    ``deskpilot check`` missed), the default wording, an internal note naming the template
    error, and that error (with any one-time link cut out): the shell records it and leaves the
    ticket for a person rather than failing the run again and again or calling it resolved.

    Args:
        playbook: its templates word the notes.
        facts: the run (for the internal note).
        public_facts: the run as its requester may see it (``owner_only``).
        settings: the deployment's reply model and group names.
    """
    try:
        return Rendered(
            render_public_reply(playbook, public_facts, settings),
            render_internal_note(playbook, facts),
        )
    except TemplateRenderError as exc:
        error = _without_links(str(exc), facts)
        plain = playbook.model_copy(update={"notes": NotesSpec()})
        warning = (
            f"⚠ The playbook's note template failed ({error}); default notes were written "
            "instead and the ticket is left for an agent. `deskpilot check` reports such "
            "templates.\n\n"
        )
        return Rendered(
            render_public_reply(plain, public_facts, settings),
            warning + render_internal_note(plain, facts),
            error,
        )


def _without_links(text: str, facts: RunFacts) -> str:
    """``text`` with every one-time link of the run replaced: an error message may quote one."""
    for outcome in facts.outcomes:
        link = outcome.change.after.get(LINK_KEY) if outcome.change is not None else None
        if link:
            text = text.replace(link, "(one-time link withheld)")
    return text


def reply(
    settings: PolicySettings | None, event: ReplyEvent, body: str, purpose: NotePurpose
) -> list[Note]:
    """
    A public reply for ``event`` when the deployment's reply model makes it public; else none.

    Args:
        settings: ``replies`` says which events are public (None: the default model).
        event: what happened.
        body: the reply.
        purpose: its idempotency purpose.
    """
    replies = settings.replies if settings is not None else PolicySettings().replies
    return [Note(OutboxKind.PUBLIC_REPLY, body, purpose)] if replies.is_public(event) else []


def plan_notes(
    playbook: Playbook,
    plan: Plan,
    decision: Decision | None,
    settings: PolicySettings | None = None,
) -> list[Note]:
    """
    The notes for a plan that is not applied right away: ask, escalate, nothing to do, approval.

    A requester who is not in the directory (an outside sender) gets no public reply: deskpilot
    does not know who they are, so it neither asks them nor tells them anything.

    Args:
        playbook: the plan's playbook (its templates word the notes).
        plan: the plan.
        decision: the policy's decision (None for a plan that applies nothing).
        settings: the deployment's reply model (``replies``) and group names.
    """
    notes = _plan_notes(playbook, plan, decision, settings)
    if plan.requester is None:
        return [n for n in notes if n.kind != OutboxKind.PUBLIC_REPLY]
    return notes


def _plan_notes(
    playbook: Playbook, plan: Plan, decision: Decision | None, settings: PolicySettings | None
) -> list[Note]:
    facts = RunFacts(plan, decision)
    public, internal, _ = render_notes(playbook, facts, facts, settings)
    stopped = decision is not None and decision.outcome in ("rejected", "refused")
    if plan.kind == "ask" and not stopped:
        return [
            Note(OutboxKind.INTERNAL_NOTE, internal, NotePurpose.ASK_PLAN),
            *reply(settings, "asked", public, NotePurpose.ASK),
        ]
    if plan.kind == "note_only" and not stopped:
        return [
            *reply(settings, "nothing", public, NotePurpose.NOTHING_TO_DO),
            Note(OutboxKind.INTERNAL_NOTE, internal, NotePurpose.PLAN),
            Note(OutboxKind.TRANSITION, "resolved", NotePurpose.RESOLVE),
        ]
    if plan.kind == "escalate":
        return [
            Note(OutboxKind.INTERNAL_NOTE, internal, NotePurpose.ESCALATED),
            *reply(settings, "escalated", public, NotePurpose.ESCALATED_PUBLIC),
        ]
    assert decision is not None
    if decision.outcome == "needs_approval":
        return [
            Note(
                OutboxKind.INTERNAL_NOTE,
                f"{internal}\n{APPROVAL_HELP}\n",
                NotePurpose.APPROVAL_REQUEST,
            ),
            *reply(settings, "pending_approval", public, NotePurpose.APPROVAL_PENDING),
        ]
    if decision.outcome == "rejected":
        return [
            Note(OutboxKind.INTERNAL_NOTE, internal, NotePurpose.REJECTED),
            *reply(settings, "rejected", public, NotePurpose.REJECTED_PUBLIC),
        ]
    return [
        Note(OutboxKind.INTERNAL_NOTE, internal, NotePurpose.REFUSED),
        *reply(settings, "refused", public, NotePurpose.REFUSED_PUBLIC),
    ]


def owner_only(facts: RunFacts) -> RunFacts:
    """
    The facts for the public reply: a one-time link stays only if the requester owns the account.

    Args:
        facts: everything the run's notes are written from.
    """
    plan = facts.plan
    owner = (
        plan.requester is not None
        and plan.target is not None
        and plan.requester.login == plan.target.login
    )
    if owner:
        return facts
    outcomes = tuple(
        dataclasses.replace(
            o,
            change=dataclasses.replace(
                o.change, after={k: v for k, v in o.change.after.items() if k != LINK_KEY}
            ),
        )
        if o.change is not None
        else o
        for o in facts.outcomes
    )
    return dataclasses.replace(facts, outcomes=outcomes)


def result_notes(
    playbook: Playbook, facts: RunFacts, settings: PolicySettings | None = None
) -> RunNotes:
    """
    The notes after a run applied: a reply for the requester, the evidence for agents, resolve.

    A change that did not read back as made turns the evidence into an "unverified" note and the
    reply into the failure reply, and the ticket is not resolved; so does a note template that
    failed (the default wording is sent, and the error returned for the run's record).

    Args:
        playbook: the run's playbook.
        facts: what the run did, as recorded.
        settings: the deployment's reply model (``replies``).
    """
    public, internal, error = render_notes(playbook, facts, owner_only(facts), settings)
    if any(o.verification is not None and not o.verification.ok for o in facts.outcomes):
        notes = [
            Note(OutboxKind.INTERNAL_NOTE, internal, NotePurpose.UNVERIFIED),
            *reply(settings, "failed", public, NotePurpose.FAILED_PUBLIC),
        ]
        return RunNotes(notes, error)
    if error:
        # Done and read back, only the wording failed: the requester gets the default reply
        # (with their one-time link, if any); the ticket waits for an agent, not resolved.
        notes = [
            *reply(settings, "done", public, NotePurpose.DONE),
            Note(OutboxKind.INTERNAL_NOTE, internal, NotePurpose.UNVERIFIED),
        ]
        return RunNotes(notes, error)
    notes = [
        *reply(settings, "done", public, NotePurpose.DONE),
        Note(OutboxKind.INTERNAL_NOTE, internal, NotePurpose.EVIDENCE),
        Note(OutboxKind.TRANSITION, "resolved", NotePurpose.RESOLVE),
    ]
    return RunNotes(notes)


def failure_notes(
    playbook: Playbook,
    facts: RunFacts,
    compensation_errors: Sequence[str],
    settings: PolicySettings | None = None,
) -> RunNotes:
    """
    The notes after a step failed: what happened, what was undone, and that a person takes over.

    Args:
        playbook: the run's playbook.
        facts: what the run did, as recorded, with the failed step.
        compensation_errors: the undos that failed.
        settings: the deployment's reply model (``replies``).
    """
    public, internal, error = render_notes(playbook, facts, owner_only(facts), settings)
    problems = "".join(f"- could not undo: {e}\n" for e in compensation_errors)
    tail = f"\n{problems}" if problems else ""
    body = f"{internal}{tail}\nHanding this ticket to an agent (escalated).\n"
    notes = [
        Note(OutboxKind.INTERNAL_NOTE, body, NotePurpose.FAILED),
        *reply(settings, "failed", public, NotePurpose.FAILED_PUBLIC),
    ]
    return RunNotes(notes, error)
