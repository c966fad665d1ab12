"""
What processing a ticket decided: the outcome, where the ticket goes next, the notes to write.

Pure: the shell classifies, plans and asks the policy, then records the verdict this module
builds and sends what follows.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from playbooks.approval import ApprovalRequirement, ApprovalStage
from playbooks.config import PolicySettings
from playbooks.lifecycle import RunState, TicketOutcome, TicketStage
from playbooks.model import Playbook
from playbooks.outbox import Note
from playbooks.planned import Plan, PlanKind
from playbooks.policy import Decision
from playbooks.run_notes import plan_notes

__all__ = ["PLAN_OUTCOMES", "Verdict", "approved_by_a_person", "run_state_for", "verdict_for"]


@dataclass
class Verdict:
    """What processing decided, ready to record."""

    outcome: TicketOutcome
    stage: TicketStage = TicketStage.DONE
    playbook: str | None = None
    plan: Plan | None = None
    decision: Decision | None = None
    notes: list[Note] = field(default_factory=list)
    """The writebacks to queue."""
    reason: str | None = None


PLAN_OUTCOMES: Mapping[PlanKind, TicketOutcome] = {
    "ask": TicketOutcome.WAITING_REQUESTER,
    "escalate": TicketOutcome.ESCALATED,
    "note_only": TicketOutcome.RESOLVED,
}
"""The outcome of a plan that applies nothing."""


def verdict_for(
    playbook: Playbook,
    plan: Plan,
    decision: Decision | None,
    notes: Sequence[Note] = (),
    settings: PolicySettings | None = None,
) -> Verdict:
    """
    The verdict on a plan: apply it now, wait for approval, or hand it to a person.

    Args:
        playbook: the plan's playbook.
        plan: the plan.
        decision: the policy's decision; None only for a plan that applies nothing. A plan
            that applies nothing but whose requester may not ask is rejected (or refused) all
            the same.
        notes: notes to write before the plan's own (e.g. a bulk file's report).
        settings: the deployment's reply model and group names, for the plan's notes.
    """
    stopped = decision is not None and decision.outcome in ("rejected", "refused")
    if plan.kind != "apply" and not stopped:
        own = plan_notes(playbook, plan, None, settings)
        return Verdict(
            PLAN_OUTCOMES[plan.kind], playbook=playbook.name, plan=plan, notes=[*notes, *own]
        )
    assert decision is not None, "a plan that applies changes needs the policy's decision"
    if decision.outcome == "auto":
        return Verdict(
            TicketOutcome.APPLYING, TicketStage.APPLYING, playbook.name, plan, decision, [*notes]
        )
    own = plan_notes(playbook, plan, decision, settings)
    if decision.outcome == "needs_approval":
        return Verdict(
            TicketOutcome.WAITING_APPROVAL,
            TicketStage.WAITING_APPROVAL,
            playbook.name,
            plan,
            decision,
            [*notes, *own],
        )
    return Verdict(
        TicketOutcome.REJECTED if decision.outcome == "rejected" else TicketOutcome.ESCALATED,
        TicketStage.DONE,
        playbook.name,
        plan,
        decision,
        [*notes, *own],
        reason="; ".join(decision.reasons),
    )


def run_state_for(outcome: TicketOutcome) -> RunState:
    """
    The state a new run starts in, for the ticket's outcome.

    Args:
        outcome: the verdict's outcome.
    """
    if outcome == TicketOutcome.APPLYING:
        return RunState.APPROVED
    if outcome == TicketOutcome.WAITING_APPROVAL:
        return RunState.WAITING_APPROVAL
    return RunState.CLOSED


def approved_by_a_person(
    decision: Decision, playbook: Playbook, settings: PolicySettings
) -> Decision:
    """
    The bulk approval rule: a file can hold many people, so someone reads its report first.

    A decision that would run on its own waits for one member of the playbook's first
    ``who_may_ask`` group (the security group when it names none); any other decision stands.

    Args:
        decision: the policy's decision on the bulk plan.
        playbook: the bulk playbook.
        settings: where the security group is configured.
    """
    if decision.outcome != "auto":
        return decision
    group = next(iter(playbook.who_may_ask.groups), settings.security_group)
    stage = ApprovalStage("group", f"a member of {group}", group=group)
    reasons = (*decision.reasons, "a bulk import waits for a person to check the file's report")
    return Decision("needs_approval", ApprovalRequirement((stage,)), reasons)
