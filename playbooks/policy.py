"""
The guardrails: may this run go ahead on its own, does it wait for approvals, or is it refused?

Pure: everything the decision needs is in the playbook, the plan (which recorded what the
directory said), the request, the settings and the requester's recent resets.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from pydantic import TypeAdapter

from playbooks.approval import (
    ApprovalRequirement,
    ApprovalStage,
    ApprovalVerdict,
    RecordedApproval,
    StageKind,
    check_approval,
)
from playbooks.config import Application, PolicySettings
from playbooks.duration import parse_duration
from playbooks.model import Playbook
from playbooks.planned import Plan
from playbooks.request import PlanRequest
from playbooks.resets import rate_problems

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

    Rejected: the requester is known but not allowed to ask (and nothing else needs a person),
    also when the plan would only ask a question or change nothing (it names its target).
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
    playbook = settings.effective(playbook)
    if plan.kind == "escalate":
        return Decision("refused", None, (plan.reason or "the plan needs a person",))
    if plan.kind in ("ask", "note_only"):
        # Who may ask is checked before anything is asked or reported: someone who may not ask
        # about an account learns nothing of its state, and an unknown sender is asked nothing.
        unknown = request.requester is None or not request.requester.enabled
        asker = (
            requester_problems(playbook, plan, request, settings)
            if plan.target is not None or unknown
            else []
        )
        if asker:
            return Decision("refused" if unknown else "rejected", None, tuple(asker))
        return Decision("auto", None, ("nothing will change",))
    asker = requester_problems(playbook, plan, request, settings)
    guards = [
        *privileged_problems(plan, settings),
        *sod_conflicts(plan, settings),
        *rate_problems(plan, settings, recent_resets),
        *secret_problems(plan),
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


def requester_problems(
    playbook: Playbook, plan: Plan, request: PlanRequest, settings: PolicySettings | None = None
) -> list[str]:
    """
    Why the requester may not ask for this (empty when they may).

    Args:
        playbook: its ``who_may_ask`` rule.
        plan: the target and the requester's groups, as planned.
        request: the requester's account.
        settings: ``group_names`` maps the playbook's groups to the deployment's.
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
        or {_group(g, settings).casefold() for g in rule.groups}
        & {g.casefold() for g in plan.requester_groups}
    ):
        return []
    return [
        f"{requester.login} may not ask for `{playbook.name}` for {_whom(plan)}: "
        f"only {allowed_to_ask(playbook, settings)} may"
    ]


def _group(name: str, settings: PolicySettings | None) -> str:
    return settings.group_name(name) if settings is not None else name


def _whom(plan: Plan) -> str:
    return "this account" if plan.target is None else plan.target.login


def allowed_to_ask(playbook: Playbook, settings: PolicySettings | None = None) -> str:
    """
    Who may ask for ``playbook``, in words (``the account's owner or their manager``).

    Args:
        playbook: its ``who_may_ask`` rule.
        settings: ``group_names`` maps the playbook's groups to the deployment's.
    """
    rule = playbook.who_may_ask
    who = ["the account's owner"] if rule.target else []
    who += ["their manager"] if rule.manager else []
    who += [f"members of {_group(g, settings)}" for g in rule.groups]
    return " or ".join(who) or "nobody"


def privileged_problems(plan: Plan, settings: PolicySettings) -> list[str]:
    """
    Privileged accounts and groups are never changed automatically.

    Membership is transitive: a target in a group nested in a privileged group is privileged,
    and adding someone to a group nested in a privileged group changes the privileged group.

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
    for group, parents in sorted(plan.group_parents.items()):
        above = [p for p in parents if settings.is_privileged_group(p)]
        if above and group not in touched:
            problems.append(
                f"{group} is nested in privileged group(s) {', '.join(above)}: a person must do this"
            )
    return problems


def sod_conflicts(plan: Plan, settings: PolicySettings) -> list[str]:
    """
    Segregation-of-duties pairs someone would hold after the plan (current groups + planned adds).

    Membership counts transitively: the target's groups include nested ones, and a planned add
    brings every group the added group is nested in.

    Args:
        plan: current groups of the target and the planned group changes.
        settings: the SoD pairs.
    """
    problems = []
    held: dict[str, set[str]] = {}  # one pass over the steps: a bulk plan has tens of thousands
    for step in plan.steps:
        person = step.target.login
        if person not in held:
            current = plan.target is not None and plan.target.login == person
            held[person] = set(plan.target_groups) if current else set()
        if step.kind == "add_to_group":
            held[person].add(step.params["group"])
            held[person].update(plan.group_parents.get(step.params["group"], ()))
        if step.kind == "remove_from_group":
            held[person].discard(step.params["group"])
    for person, groups in sorted(held.items()):
        folded = {g.casefold() for g in groups}
        for first, second in settings.sod_pairs:
            if first.casefold() in folded and second.casefold() in folded:
                problems.append(
                    f"{person} would hold both {first} and {second} (segregation of duties)"
                )
    return problems


def secret_problems(plan: Plan) -> list[str]:
    """
    A one-time password is handed out only to the owner of the account, who asked for it.

    Its link goes in the reply to the requester, so anyone else asking would receive someone
    else's password.

    Args:
        plan: its requester and the accounts its one-time-password steps act on.
    """
    requester = plan.requester
    return [
        f"a one-time password for {step.target.login} would reach {requester.login if requester else 'an unknown requester'}, "
        "not the account's owner: a person must do this"
        for step in plan.steps
        if step.kind == "set_one_time_password"
        and (requester is None or requester.id is None or step.target.id != requester.id)
    ]


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
    if rule.rule == "none":
        return []
    reasons.append(f"`{playbook.name}` needs approval by {rule.rule.replace('_', ' ')}")
    if rule.rule == "catalogue":
        return item_stages(plan, settings, reasons, rule.fallback)
    if rule.rule in ("manager", "owner_only", "manager_or_owner", "app_owner"):
        kind = "owner_only" if rule.rule == "app_owner" else rule.rule
        app = settings.application(plan.application or "")
        stage = _people_stage(kind, plan, app, settings, reasons)
        return [stage]
    if rule.rule == "group":
        assert rule.group is not None
        group = settings.group_name(rule.group)
        return [ApprovalStage("group", f"a member of {group}", group=group)]
    return [ApprovalStage("n_of_m", ", ".join(rule.approvers), rule.approvers, count=rule.count)]


def item_stages(
    plan: Plan, settings: PolicySettings, reasons: list[str], fallback: str = "owner_only"
) -> list[ApprovalStage]:
    """
    One stage per catalogue item of the plan, each by the item's own ``approval`` rule.

    An item without a rule of its own (or one the catalogue does not list, or a plan without
    items) is approved by ``fallback``; an item whose approvers cannot be named falls back to
    the security group.

    Args:
        plan: its items and target.
        settings: the catalogue.
        reasons: where to explain fallbacks.
        fallback: the rule for items without one.
    """
    names = plan.items or ((plan.application,) if plan.application else ())
    if not names:
        return [_people_stage(fallback, plan, None, settings, reasons)]
    stages = []
    for name in names:
        app = settings.application(name)
        rule = (app.approval if app is not None else None) or fallback
        group = app.approval_group if app is not None else None
        if group is not None:
            stage = ApprovalStage("group", f"a member of {group}", group=group)
        else:
            stage = _people_stage(rule, plan, app, settings, reasons)
        stages.append(dataclasses.replace(stage, kind="item", item=app.name if app else name))
    return stages


def _people_stage(
    rule: str, plan: Plan, app: Application | None, settings: PolicySettings, reasons: list[str]
) -> ApprovalStage:
    manager = plan.target_manager_id if rule in ("manager", "manager_or_owner") else None
    owners = app.owners if app is not None and rule in ("owner_only", "manager_or_owner") else ()
    who = []
    if manager is not None:
        who.append(f"the manager of {_whom(plan)}")
    if owners:
        who.append(f"an owner of {app.name if app else 'it'} ({', '.join(owners)})")
    if not who:
        reasons.append(
            f"nobody to approve by {rule.replace('_', ' ')}: the security group approves instead"
        )
        group = settings.security_group
        return ApprovalStage("security", f"a member of {group}", group=group)
    approvers = ((manager,) if manager else ()) + tuple(owners)
    kind: StageKind = {"manager": "manager", "owner_only": "app_owner"}.get(rule, "item")  # type: ignore[assignment]
    return ApprovalStage(kind, " or ".join(who), approvers)


_ADAPTER: TypeAdapter[Decision] = TypeAdapter(Decision)
