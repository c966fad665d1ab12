"""
Who may give each command, checked like an approval (pure).

* ``/approve`` and ``/reject``: ``playbooks.approval.check_approval``.
* ``/extend``: someone eligible to approve that change, with no stake in it
  (``playbooks.approval.stake_in``: not the requester, not whoever typed the request in for
  them, not the person whose access it is); when the change needed no approval, an agent. Each
  item's new end is capped by its own catalogue ``max_duration`` and the playbook's maximum,
  counted from when the plan was made (``extension_limits``, ``playbooks.expiry.extend``).
* ``/revoke-now``: someone eligible to approve that change, or an agent (ending access early
  only takes rights away); never someone with a stake in it (they would pick when it stops).
* ``/intent`` and ``/retry``: agents only, with no stake in the request (not the requester,
  nor whoever typed it in for them), so requesters cannot steer their own ticket into another
  playbook or poison the classifier's training set.
* Rollback on the review page: someone eligible to approve that change, with no stake in it;
  when it needed no approval, an agent with none.

An agent is someone the desk's user API calls an agent (``commands.desk_agents``) or a member
of one of ``commands.agent_groups`` (transitively). Every check answers None when the person may,
else the reason, which the worker writes in an internal note and the audit log.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from pydantic import BaseModel, ConfigDict

from connectors.identity import DirectoryUser
from playbooks.approval import ApprovalRequirement, may_approve_stage, stake_in
from playbooks.planned import Plan

__all__ = [
    "Actor",
    "CommandPolicy",
    "check_correction",
    "check_expiry_change",
    "check_rollback",
    "extension_limits",
]


class CommandPolicy(BaseModel):
    """Who counts as an agent for commands (config section ``playbooks.commands``)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    agent_groups: tuple[str, ...] = ()
    """Directory groups whose members (also through nested groups) count as agents."""
    desk_agents: bool = True
    """Someone the desk's user API calls an agent (Zendesk agent/admin role, a Salesforce
    Standard user) counts as one. Jira and ServiceNow do not say: use ``agent_groups``."""


@dataclass(frozen=True)
class Actor:
    """The person behind a command, as proven (``user`` None: ``problem`` says why)."""

    user: DirectoryUser | None
    groups: tuple[str, ...] = ()
    """Their directory groups, transitively."""
    desk_agent: bool | None = None
    problem: str | None = None


def is_agent(actor: Actor, policy: CommandPolicy) -> bool:
    """True when the desk calls ``actor`` an agent (and policy trusts that) or a group says so."""
    if policy.desk_agents and actor.desk_agent is True:
        return True
    wanted = {g.casefold() for g in policy.agent_groups}
    return any(g.casefold() in wanted for g in actor.groups)


def _proven(actor: Actor) -> str | None:
    if actor.user is None:
        return actor.problem or "the author is not in the directory, so who they are is unknown"
    if not actor.user.enabled:
        return f"{actor.user.login} is disabled in the directory"
    return None


def _not_approver(actor: Actor, requirement: ApprovalRequirement | None) -> str | None:
    """Why ``actor`` is not eligible to approve that change (None: they are)."""
    assert actor.user is not None
    if requirement is None:
        return "the change needed no approval, so nobody is its approver"
    if not any(may_approve_stage(s, actor.user, actor.groups) for s in requirement.stages):
        return f"{actor.user.login} may not approve this change (it needs {requirement.describe()})"
    return None


def _checked(
    actor: Actor,
    requester: DirectoryUser | None,
    target: DirectoryUser | None,
    submitter: DirectoryUser | None,
    what: str,
) -> str | None:
    """Proven, and with no stake in the change (``playbooks.approval.stake_in``)."""
    problem = _proven(actor)
    if problem is None:
        assert actor.user is not None
        problem = stake_in(actor.user, requester=requester, target=target, submitter=submitter)
    return f"{what}: {problem}" if problem else None


def check_correction(
    actor: Actor,
    requester: DirectoryUser | None,
    policy: CommandPolicy,
    command: str,
    *,
    submitter: DirectoryUser | None = None,
) -> str | None:
    """``/intent`` and ``/retry``: an agent who neither asked nor typed the request in."""
    problem = _checked(actor, requester, None, submitter, f"/{command} refused")
    if problem is not None:
        return problem
    if not is_agent(actor, policy):
        return f"/{command} refused: only agents may use it (an agent role on the desk or {_groups(policy)})"
    return None


def check_expiry_change(
    actor: Actor,
    command: str,
    requirement: ApprovalRequirement | None,
    *,
    requester: DirectoryUser | None,
    target: DirectoryUser | None,
    policy: CommandPolicy,
    submitter: DirectoryUser | None = None,
) -> str | None:
    """``/extend`` and ``/revoke-now`` (see the module docstring)."""
    problem = _checked(actor, requester, target, submitter, f"/{command} refused")
    if problem is not None:
        return problem
    not_approver = _not_approver(actor, requirement)
    if not_approver is None:
        return None
    agent = is_agent(actor, policy)
    if agent and (command == "revoke-now" or requirement is None):
        return None
    return f"/{command} refused: {not_approver}"


def extension_limits(
    plan: Plan,
    planned_at: datetime,
    playbook_max_s: int | None,
    item_max_s: Mapping[str, int],
) -> dict[int, datetime | None]:
    """
    The latest each time-bound step may end after an ``/extend``: the playbook's maximum and
    the step's catalogue item's own ``max_duration``, counted from when the plan was made,
    whichever ends first; None where neither is set (that access cannot be extended).

    Args:
        plan: the applied plan.
        planned_at: when it was made.
        playbook_max_s: the playbook's ``duration.max`` (else ``duration.default``), in seconds.
        item_max_s: each catalogue item's ``max_duration``, in seconds, by item name.
    """
    limits: dict[int, datetime | None] = {}
    for step in plan.steps:
        if step.until is None:
            continue
        item = item_max_s.get(step.item) if step.item else None
        caps = [s for s in (playbook_max_s, item) if s is not None]
        limits[step.index] = planned_at + timedelta(seconds=min(caps)) if caps else None
    return limits


def check_rollback(
    actor: Actor,
    requirement: ApprovalRequirement | None,
    *,
    requester: DirectoryUser | None,
    target: DirectoryUser | None,
    policy: CommandPolicy,
    submitter: DirectoryUser | None = None,
) -> str | None:
    """Rollback on the review page (see the module docstring)."""
    problem = _checked(actor, requester, target, submitter, "rollback refused")
    if problem is not None:
        return problem
    not_approver = _not_approver(actor, requirement)
    if not_approver is None or (requirement is None and is_agent(actor, policy)):
        return None
    return f"rollback refused: {not_approver}"


def _groups(policy: CommandPolicy) -> str:
    return "a member of " + ", ".join(policy.agent_groups) if policy.agent_groups else "no group"
