"""
Approval requirements and the check of one approval against them.

A requirement has stages (the playbook's rule — one per item when a plan grants several
catalogue items, each with its own approvers — and the security group's when policy adds it);
every stage must reach its count. One approval counts for every open stage its approver is
eligible for, so one ``/approve`` approves a several-item plan when the approver is eligible for
every item. Nobody approves their own request or access for themself (``stake_in``, the one
rule every command on a change is held to), only the named people or
group members count, N of M counts distinct people, an approval older than ``expires_after_s``
no longer counts, and an approval given to another version of the plan (``plan_digest``) does
not count for this one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from connectors.identity import DirectoryUser

StageKind = Literal["manager", "app_owner", "group", "n_of_m", "security", "item"]


@dataclass(frozen=True)
class ApprovalStage:
    """One set of people who must approve, and how many of them."""

    kind: StageKind
    label: str
    """Who, for people: ``the manager of alice (maria)``, ``a member of security-approvers``."""
    approvers: tuple[str, ...] = ()
    """Ids, logins or e-mail addresses of the people who may approve (for manager/app_owner/n_of_m)."""
    group: str | None = None
    """The group whose members may approve (for group/security); with ``approvers``, either may."""
    count: int = 1
    item: str | None = None
    """For ``item`` stages: the catalogue item (application, group, licence) this stage approves."""


@dataclass(frozen=True)
class ApprovalRequirement:
    """All stages must be complete before the plan runs."""

    stages: tuple[ApprovalStage, ...]
    expires_after_s: int | None = None

    def describe(self) -> str:
        """``2 of olivia, oscar; and a member of security-approvers`` for notes."""
        parts = [
            (f"for {s.item}: " if s.item else "")
            + (f"{s.count} of {s.label}" if s.count > 1 else s.label)
            for s in self.stages
        ]
        return "; and ".join(parts)


@dataclass(frozen=True)
class RecordedApproval:
    """An approval the worker recorded (who, for which stage, when)."""

    approver_id: str
    approver_login: str
    stage: int
    at: datetime
    stages: tuple[int, ...] = ()
    """Every stage the approval counts for (empty: ``stage`` only, as recorded before 0.7)."""
    plan_digest: str | None = None
    """The plan version approved (``playbooks.planned.plan_digest``); None: any version."""

    @property
    def covers(self) -> tuple[int, ...]:
        """The stages this approval counts for."""
        return self.stages or (self.stage,)


def stake_in(
    person: DirectoryUser,
    *,
    requester: DirectoryUser | None,
    target: DirectoryUser | None,
    submitter: DirectoryUser | None = None,
) -> str | None:
    """
    Why ``person`` has a stake in a change and so may not decide on it (None: they have none).

    The one rule every decision on a change is held to (approve, reject, ``/extend``,
    ``/revoke-now`` where an approver is needed, ``/intent``, ``/retry``, rollback): nobody
    decides on what they asked for (the requester, or whoever typed the request in for them:
    the JSM creator, Zendesk's submitter, the Case's creator) nor on their own account.
    """
    if requester is not None and person.id == requester.id:
        return f"{person.login} asked for this change"
    if submitter is not None and person.id == submitter.id:
        return f"{person.login} raised this request for the requester, so asked for this change"
    if target is not None and person.id == target.id:
        return f"{person.login} is the person this change is for"
    return None


@dataclass(frozen=True)
class ApprovalVerdict:
    """Whether an approval counts, whether the requirement is now complete, and why."""

    accepted: bool
    complete: bool
    reason: str
    stage: int | None = None
    """The first stage the approval counts for (record it with the approval)."""
    stages: tuple[int, ...] = ()
    """Every stage the approval counts for (record them with the approval)."""


def check_approval(
    requirement: ApprovalRequirement,
    approver: DirectoryUser | None,
    *,
    requester: DirectoryUser | None,
    target: DirectoryUser | None,
    approver_groups: Sequence[str],
    existing: Sequence[RecordedApproval],
    now: datetime,
    plan_digest: str | None = None,
    submitter: DirectoryUser | None = None,
) -> ApprovalVerdict:
    """
    Decide whether ``approver``'s approval counts towards ``requirement``.

    Args:
        requirement: the stages the plan needs.
        approver: the approver's directory account (None: not found in the directory).
        requester: the requester's account.
        target: the account the plan acts on.
        approver_groups: the approver's groups, as the directory reports them.
        existing: approvals recorded so far for this plan.
        now: the time of this approval.
        plan_digest: the current plan's version; approvals of another version do not count.
        submitter: whoever typed the request in for the requester (they asked for it too).
    """
    valid = [
        a
        for a in _unexpired(requirement, existing, now)
        if plan_digest is None or a.plan_digest in (None, plan_digest)
    ]
    counts = [sum(1 for a in valid if i in a.covers) for i in range(len(requirement.stages))]
    refusal = _refusal(approver, requester, target, submitter, valid)
    if refusal is not None:
        return ApprovalVerdict(False, _complete(requirement, counts), refusal)
    assert approver is not None
    eligible = [
        i
        for i, s in enumerate(requirement.stages)
        if may_approve_stage(s, approver, approver_groups)
    ]
    if not eligible:
        needed = requirement.describe()
        return ApprovalVerdict(
            False,
            _complete(requirement, counts),
            f"{approver.login} may not approve this: it needs {needed}",
        )
    open_stages = [i for i in eligible if counts[i] < requirement.stages[i].count]
    if not open_stages:
        return ApprovalVerdict(
            False,
            _complete(requirement, counts),
            f"the approval {approver.login} may give is already complete",
        )
    for stage in open_stages:
        counts[stage] += 1
    reason = f"approved by {approver.login} ({_counted(requirement, counts, open_stages)})"
    missing = [
        requirement.stages[i].label
        for i, spec in enumerate(requirement.stages)
        if counts[i] < spec.count
    ]
    if missing:
        reason += f"; still needed: {'; '.join(missing)}"
    return ApprovalVerdict(
        True, _complete(requirement, counts), reason, open_stages[0], tuple(open_stages)
    )


def _counted(requirement: ApprovalRequirement, counts: Sequence[int], stages: Sequence[int]) -> str:
    parts = []
    for i in stages:
        spec = requirement.stages[i]
        what = f"{spec.item}: " if spec.item else ""
        parts.append(f"{what}{counts[i]} of {spec.count} from {spec.label}")
    return "; ".join(parts)


def _refusal(
    approver: DirectoryUser | None,
    requester: DirectoryUser | None,
    target: DirectoryUser | None,
    submitter: DirectoryUser | None,
    valid: Sequence[RecordedApproval],
) -> str | None:
    if approver is None:
        return "the approver is not in the directory, so the approval cannot be verified"
    if not approver.enabled:
        return f"{approver.login} is disabled in the directory"
    stake = stake_in(approver, requester=requester, target=target, submitter=submitter)
    if stake is not None:
        return f"{stake}: nobody approves their own request or their own access"
    if any(a.approver_id == approver.id for a in valid):
        return f"{approver.login} has already approved this; each person counts once"
    return None


def _unexpired(
    requirement: ApprovalRequirement, existing: Sequence[RecordedApproval], now: datetime
) -> list[RecordedApproval]:
    if requirement.expires_after_s is None:
        return list(existing)
    oldest = now - timedelta(seconds=requirement.expires_after_s)
    return [a for a in existing if a.at > oldest]


def may_approve_stage(stage: ApprovalStage, approver: DirectoryUser, groups: Sequence[str]) -> bool:
    """True when ``approver`` (with their directory ``groups``) is one of ``stage``'s people."""
    if stage.group is not None and stage.group.casefold() in {g.casefold() for g in groups}:
        return True
    names = {approver.id.casefold(), approver.login.casefold(), (approver.email or "").casefold()}
    return any(a.casefold() in names for a in stage.approvers)


def _complete(requirement: ApprovalRequirement, counts: Sequence[int]) -> bool:
    return all(
        count >= stage.count for count, stage in zip(counts, requirement.stages, strict=True)
    )
