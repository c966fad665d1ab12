"""
The guardrails: may this run go ahead on its own, does it wait for approvals, or is it refused?

Pure: everything the decision needs is in the playbook, the plan (which recorded what the
directory said), the request, the settings and the requester's recent resets.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from pydantic import TypeAdapter

from playbooks.approval import (
    ApprovalRequirement,
    ApprovalStage,
    ApprovalVerdict,
    RecordedApproval,
    check_approval,
)
from playbooks.config import PolicySettings
from playbooks.duration import parse_duration
from playbooks.model import Playbook
from playbooks.planned import Plan
from playbooks.request import PlanRequest

__all__ = [
    "ApprovalRequirement",
    "ApprovalStage",
    "ApprovalVerdict",
    "Decision",
    "RecordedApproval",
    "allowed_to_ask",
    "check_approval",
    "decide",
]

Outcome = Literal["auto", "needs_approval", "refused", "rejected"]
"""``refused``: a person must take over (escalated); ``rejected``: the requester may not ask
for this, and is told who may (the ticket ends rejected)."""
RESET_KINDS = frozenset({"send_password_reset", "set_one_time_password", "reset_mfa"})


@dataclass(frozen=True)
class Decision:
    """What policy says about a plan: run it, wait for approvals, or leave it to a person."""

    outcome: Outcome
    approvals: ApprovalRequirement | None = None
    reasons: tuple[str, ...] = ()

    def to_json(self) -> str:
        """The decision as JSON, for the worker to store next to the plan."""
        return _ADAPTER.dump_json(self).decode()

    @classmethod
    def from_json(cls, text: str) -> Decision:
        """
        Read a decision stored with ``to_json``.

        Args:
            text: the JSON.
        """
        return _ADAPTER.validate_json(text)


def decide(
    playbook: Playbook,
    plan: Plan,
    request: PlanRequest,
    settings: PolicySettings,
    *,
    recent_resets: Sequence[datetime],
) -> Decision:
    """
    Apply the guardrails to a plan.

    Rejected: the requester is known but not allowed to ask (and nothing else needs a person).
    Refused (a person takes over): the requester is unknown or disabled;
    a privileged account or group is involved; a segregation-of-duties pair would be held;
    the requester asked for too many resets lately. Otherwise the playbook's approval rule,
    its risk tier and the blast radius decide between ``auto`` and ``needs_approval``.

    Args:
        playbook: the playbook that was planned.
        plan: the plan (its ``created_at`` is "now").
        request: the request the plan answers.
        settings: the guardrail settings.
        recent_resets: when the requester's earlier resets were (any age; the window is applied here).
    """
    if plan.kind == "escalate":
        return Decision("refused", None, (plan.reason or "the plan needs a person",))
    if plan.kind in ("ask", "note_only"):
        return Decision("auto", None, ("nothing will change",))
    asker = requester_problems(playbook, plan, request)
    guards = [
        *privileged_problems(plan, settings),
        *sod_conflicts(plan, settings),
        *rate_problems(plan, settings, recent_resets),
    ]
    known = request.requester is not None and request.requester.enabled
    if asker and known and not guards:
        return Decision("rejected", None, tuple(asker))
    refusals = [*asker, *guards]
    if refusals:
        return Decision("refused", None, tuple(refusals))
    stages, reasons = approval_stages(playbook, plan, settings)
    if not stages:
        return Decision("auto", None, (f"risk {playbook.risk}, no approval required",))
    expires = parse_duration(playbook.approval.expires_after or settings.approval_expires_after)
    return Decision("needs_approval", ApprovalRequirement(stages, expires), tuple(reasons))


def requester_problems(playbook: Playbook, plan: Plan, request: PlanRequest) -> list[str]:
    """
    Why the requester may not ask for this (empty when they may).

    Args:
        playbook: its ``who_may_ask`` rule.
        plan: the target and the requester's groups, as planned.
        request: the requester's account.
    """
    requester = request.requester
    if requester is None:
        return ["the requester has no account in the directory, so who they are cannot be checked"]
    if not requester.enabled:
        return [f"the requester {requester.login} is disabled in the directory"]
    rule = playbook.who_may_ask
    target = plan.target
    is_target = target is not None and target.id == requester.id
    manager_ids = {plan.target_manager_id} | {
        s.params.get("manager_id") for s in plan.steps if s.kind == "create_user"
    }
    if (
        rule.anyone
        or (rule.target and is_target)
        or (rule.manager and requester.id in manager_ids)
        or {g.casefold() for g in rule.groups} & {g.casefold() for g in plan.requester_groups}
    ):
        return []
    return [
        f"{requester.login} may not ask for `{playbook.name}` for {_whom(plan)}: only {allowed_to_ask(playbook)} may"
    ]


def _whom(plan: Plan) -> str:
    return "this account" if plan.target is None else plan.target.login


def allowed_to_ask(playbook: Playbook) -> str:
    """
    Who may ask for ``playbook``, in words (``the account's owner or their manager``).

    Args:
        playbook: its ``who_may_ask`` rule.
    """
    rule = playbook.who_may_ask
    who = ["the account's owner"] if rule.target else []
    who += ["their manager"] if rule.manager else []
    who += [f"members of {g}" for g in rule.groups]
    return " or ".join(who) or "nobody"


def privileged_problems(plan: Plan, settings: PolicySettings) -> list[str]:
    """
    Privileged accounts and groups are never changed automatically.

    Args:
        plan: the accounts and groups it touches.
        settings: the privileged names.
    """
    problems = []
    accounts = {s.target.login for s in plan.steps} | (
        {plan.target.login} if plan.target else set()
    )
    for login in sorted(accounts):
        if settings.is_privileged_login(login):
            problems.append(f"{login} is a privileged account: a person must do this")
    held = [g for g in plan.target_groups if settings.is_privileged_group(g)]
    if held:
        problems.append(
            f"{_whom(plan)} is in privileged group(s) {', '.join(held)}: a person must do this"
        )
    touched = sorted(
        {
            s.params["group"]
            for s in plan.steps
            if "group" in s.params and settings.is_privileged_group(s.params["group"])
        }
    )
    if touched:
        problems.append(
            f"the plan changes privileged group(s) {', '.join(touched)}: a person must do this"
        )
    return problems


def sod_conflicts(plan: Plan, settings: PolicySettings) -> list[str]:
    """
    Segregation-of-duties pairs someone would hold after the plan (current groups + planned adds).

    Args:
        plan: current groups of the target and the planned group changes.
        settings: the SoD pairs.
    """
    problems = []
    for person in sorted({s.target.login for s in plan.steps}):
        groups = set(plan.target_groups) if plan.target and plan.target.login == person else set()
        for step in plan.steps:
            if step.target.login == person and step.kind == "add_to_group":
                groups.add(step.params["group"])
            if step.target.login == person and step.kind == "remove_from_group":
                groups.discard(step.params["group"])
        folded = {g.casefold() for g in groups}
        for first, second in settings.sod_pairs:
            if first.casefold() in folded and second.casefold() in folded:
                problems.append(
                    f"{person} would hold both {first} and {second} (segregation of duties)"
                )
    return problems


def rate_problems(
    plan: Plan, settings: PolicySettings, recent_resets: Sequence[datetime]
) -> list[str]:
    """
    Too many resets asked for by this requester within the window.

    Args:
        plan: whether it resets anything; its ``created_at`` is now.
        settings: the limit.
        recent_resets: the requester's earlier resets.
    """
    if not any(s.kind in RESET_KINDS for s in plan.steps):
        return []
    limit = settings.reset_rate_limit
    since = plan.created_at - timedelta(seconds=limit.window_s)
    count = sum(1 for at in recent_resets if since < at <= plan.created_at)
    if count >= limit.count:
        return [
            f"{count} resets already asked for in the last {limit.window}: a person must check this one"
        ]
    return []


def approval_stages(
    playbook: Playbook, plan: Plan, settings: PolicySettings
) -> tuple[tuple[ApprovalStage, ...], list[str]]:
    """
    The approval stages the plan needs, and why.

    Args:
        playbook: its approval rule and risk tier.
        plan: its target, application and number of changes.
        settings: the application catalogue, security group and blast radius.
    """
    reasons: list[str] = []
    stages = list(_rule_stage(playbook, plan, settings, reasons))
    security = ApprovalStage(
        "security", f"a member of {settings.security_group}", group=settings.security_group
    )
    if len(plan.changes) > settings.blast_radius:
        reasons.append(
            f"{len(plan.changes)} changes exceed the blast radius of {settings.blast_radius}"
        )
        stages.append(security)
    if playbook.risk == "critical" or (playbook.risk == "high" and not stages):
        reasons.append(f"risk {playbook.risk} needs the security group")
        stages.append(security)
    unique = tuple(dict.fromkeys(stages))
    return unique, reasons


def _rule_stage(
    playbook: Playbook, plan: Plan, settings: PolicySettings, reasons: list[str]
) -> list[ApprovalStage]:
    rule = playbook.approval
    security = ApprovalStage(
        "security", f"a member of {settings.security_group}", group=settings.security_group
    )
    if rule.rule == "none":
        return []
    reasons.append(f"`{playbook.name}` needs approval by {rule.rule.replace('_', ' ')}")
    if rule.rule == "manager":
        if plan.target_manager_id is None:
            reasons.append("no manager recorded: the security group approves instead")
            return [security]
        return [
            ApprovalStage("manager", f"the manager of {_whom(plan)}", (plan.target_manager_id,))
        ]
    if rule.rule == "app_owner":
        app = settings.application(plan.application or "")
        if app is None:
            reasons.append("no application owner known: the security group approves instead")
            return [security]
        return [
            ApprovalStage(
                "app_owner", f"an owner of {app.name} ({', '.join(app.owners)})", app.owners
            )
        ]
    if rule.rule == "group":
        assert rule.group is not None
        return [ApprovalStage("group", f"a member of {rule.group}", group=rule.group)]
    return [ApprovalStage("n_of_m", ", ".join(rule.approvers), rule.approvers, count=rule.count)]


_ADAPTER: TypeAdapter[Decision] = TypeAdapter(Decision)
