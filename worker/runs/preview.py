"""
``deskpilot plan``: what processing would decide for a ticket — classification, gate, plan and
policy — as Markdown, changing nothing anywhere.
"""

from __future__ import annotations

from intake.classify import Classification, gate
from intake.dismiss import NOT_ACCOUNT, dismissal
from intake.model import Ticket
from playbooks.plan import build_plan, select_playbook
from playbooks.policy import decide
from playbooks.render import render_plan
from playbooks.request import plan_request
from worker.runs.authors import with_date_order
from worker.runs.process import find_requester, recent_resets
from worker.runtime import Runtime

__all__ = ["preview"]


def preview(rt: Runtime, ticket: Ticket) -> str:
    """The classification and the plan for ``ticket`` as Markdown, changing nothing anywhere."""
    now = rt.clock()
    ticket = with_date_order(rt, ticket)
    classification: Classification = rt.classifier.classify(ticket, now=now)
    decision = gate(classification, rt.settings.classifier, desk=ticket.desk)
    head = (
        f"**{ticket.key}**: {classification.intent} (confidence {classification.confidence:.2f}, "
        f"{'would run' if decision.auto else 'would wait for an agent'}: {decision.reason})\n\n"
    )
    dismissed = dismissal(classification, rt.settings.classifier)
    if dismissed.dismiss:
        return head + "Not an account ticket: deskpilot leaves it to the agents.\n"
    if classification.intent == NOT_ACCOUNT:
        return head + f"Unsure ({dismissed.reason}): deskpilot would note its suggestions.\n"
    request = plan_request(ticket, classification, find_requester(rt, ticket))
    playbook = select_playbook(rt.library, request, rt.settings.playbooks)
    if playbook is None:
        return head + f"No playbook answers {classification.intent}.\n"
    plan = build_plan(
        playbook,
        request,
        rt.directory_for(ticket.desk),
        now=now,
        settings=rt.settings.playbooks,
        directories=rt.directories,
    )
    verdict = decide(
        playbook,
        plan,
        request,
        rt.settings.playbooks,
        recent_resets=recent_resets(rt, request, now),
    )
    reasons = "; ".join(verdict.reasons)
    return head + render_plan(plan) + f"\n**Policy:** {verdict.outcome} ({reasons})\n"
