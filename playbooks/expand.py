"""
Expand a playbook's step specs into planned steps: ``for_each``, ``when``, templates, state.

Each step is rendered with the run's facts, checked against the directory's capabilities, and
read from the directory to get its before → after (or "no change").
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from connectors.identity import DirectoryUser
from playbooks.config import PolicySettings
from playbooks.duration import parse_duration
from playbooks.model import STEP_PARAMS, CompensationSpec, Playbook, StepSpec
from playbooks.planned import Account, PlannedStep
from playbooks.request import DirectoryReader
from playbooks.resolve import Escalate
from playbooks.state import NEEDS, describe, read_state
from playbooks.template import evaluate, render


@dataclass
class StepContext:
    """What every step of one plan is rendered and read with."""

    facts: dict[str, Any]
    target: DirectoryUser | None
    directory: DirectoryReader
    directories: Mapping[str, DirectoryReader]
    settings: PolicySettings
    until: datetime | None
    created: dict[str, Account] = field(default_factory=dict)
    """Accounts a ``create_user`` step of this plan will create, by login."""


def expand_steps(
    playbook: Playbook, ctx: StepContext
) -> tuple[tuple[PlannedStep, ...], tuple[str, ...]] | Escalate:
    """
    Every planned step of the playbook, and the rendered ``note`` steps.

    Args:
        playbook: the step specs.
        ctx: the run's facts and directories.
    """
    steps: list[PlannedStep] = []
    notes: list[str] = []
    for number, spec in enumerate(playbook.steps, start=1):
        where = f"step {number} ({spec.id or spec.kind})"
        reader = _reader(spec, ctx)
        if isinstance(reader, Escalate):
            return reader
        for item in _items(spec, ctx, where):
            facts = {**ctx.facts, "item": item, "capabilities": sorted(reader.capabilities)}
            if spec.when is not None and not evaluate(spec.when, facts, where=f"{where}.when"):
                continue
            params = {k: render(v, facts, where=f"{where}.{k}") for k, v in spec.with_.items()}
            if spec.kind == "note":
                notes.append(params["text"])
                continue
            planned = _plan_one(spec, params, facts, reader, ctx, len(steps) + 1, where)
            if isinstance(planned, Escalate):
                return planned
            steps.append(planned)
    return tuple(steps), tuple(notes)


def _items(spec: StepSpec, ctx: StepContext, where: str) -> list[Any]:
    if spec.for_each is None:
        return [None]
    value = evaluate(spec.for_each, {**ctx.facts, "item": None}, where=f"{where}.for_each")
    if value is None:
        return []
    if isinstance(value, str | bytes) or not hasattr(value, "__iter__"):
        raise ValueError(f"{where}.for_each must give a list, got {value!r}")
    return list(value)


def _reader(spec: StepSpec, ctx: StepContext) -> DirectoryReader | Escalate:
    name = spec.directory or (ctx.settings.handover.directory if spec.kind == "handover" else None)
    if name is None or name == ctx.directory.name:
        return ctx.directory
    if name not in ctx.directories:
        return Escalate(f"directory `{name}` is not configured")
    return ctx.directories[name]


def _plan_one(
    spec: StepSpec,
    params: dict[str, str],
    facts: Mapping[str, Any],
    reader: DirectoryReader,
    ctx: StepContext,
    index: int,
    where: str,
) -> PlannedStep | Escalate:
    required = STEP_PARAMS.get(spec.kind, (frozenset(), frozenset()))[0]
    empty = sorted(k for k in required if not params.get(k))
    if empty:
        return Escalate(f"{where}: {', '.join(empty)} is empty for this request")
    params = {k: v for k, v in params.items() if v != ""}
    if spec.kind == "handover":
        return _handover(spec, params, facts, reader, ctx, index)
    if NEEDS[spec.kind] not in reader.capabilities:
        return Escalate(
            f"directory `{reader.name}` cannot {spec.kind.replace('_', ' ')} ({NEEDS[spec.kind]})"
        )
    subject = _subject(spec.kind, params, reader, ctx)
    if isinstance(subject, Escalate):
        return subject
    account, user = subject
    state = read_state(spec.kind, reader, user, params)
    if isinstance(state, Escalate):
        return state
    before, after, changed = state
    return PlannedStep(
        index=index,
        step_id=spec.id or spec.kind,
        kind=spec.kind,
        directory=reader.name,
        target=account,
        description=describe(spec.kind, account.label, params),
        params=params,
        before=before,
        after=after,
        changed=changed,
        until=_item_until(ctx.until, facts) if spec.time_bound and changed else None,
        group_key=account.login,
        item=_item_name(facts.get("item")),
        **_compensation(spec, facts, where),
    )


def _item_name(item: object) -> str | None:
    """The catalogue item a ``for_each`` step is planned for (an application's facts)."""
    if isinstance(item, Mapping) and isinstance(item.get("name"), str):
        return str(item["name"])
    return None


def _item_until(until: datetime | None, facts: Mapping[str, Any]) -> datetime | None:
    """The plan's expiry, capped by the item's own ``max_duration`` (counted from now)."""
    item, now = facts.get("item"), facts.get("now")
    cap = item.get("max_duration") if isinstance(item, Mapping) else None
    if until is None or not cap or not isinstance(now, datetime):
        return until
    return min(until, now + timedelta(seconds=parse_duration(str(cap))))


def _subject(
    kind: str, params: Mapping[str, str], reader: DirectoryReader, ctx: StepContext
) -> tuple[Account, DirectoryUser | None] | Escalate:
    if kind == "create_user":
        return _new_account(params, reader, ctx)
    if ctx.target is None:
        if ctx.created:
            return next(reversed(ctx.created.values())), None
        return Escalate(f"step {kind} has no account to act on")
    user: DirectoryUser | None = ctx.target
    if reader is not ctx.directory:
        user = reader.find_user(email=ctx.target.email) if ctx.target.email else None
        user = user or reader.find_user(login=ctx.target.login)
        if user is None:
            return Escalate(f"{ctx.target.login} has no account in directory `{reader.name}`")
    assert user is not None
    return Account.of(user, reader.name), user


def _new_account(
    params: Mapping[str, str], reader: DirectoryReader, ctx: StepContext
) -> tuple[Account, DirectoryUser | None] | Escalate:
    login = params["login"]
    existing = reader.find_user(login=login)
    if (
        existing is not None
        and (existing.email or "").casefold() != params.get("email", "").casefold()
    ):
        return Escalate(
            f"login `{login}` is already taken by another account ({existing.email or existing.id})"
        )
    address = params.get("email") or ""
    holder = reader.find_user(email=address) if address and existing is None else None
    if holder is not None:
        return Escalate(f"address {address} is already used by another account ({holder.login})")
    display = params.get("display_name") or f"{params['given_name']} {params['family_name']}"
    account = (
        Account.of(existing, reader.name)
        if existing
        else Account(login, reader.name, None, display, params.get("email"))
    )
    ctx.created[login] = account
    if existing is not None:
        ctx.target = existing
    return account, existing


def _handover(
    spec: StepSpec,
    params: dict[str, str],
    facts: Mapping[str, Any],
    reader: DirectoryReader,
    ctx: StepContext,
    index: int,
) -> PlannedStep | Escalate:
    of = ctx.target.login if ctx.target is not None else "the account"
    params = {"what": "mailbox and files", **params, "of": of}
    key = params["to"]
    receiver = reader.find_user(email=key) if "@" in key else reader.find_user(login=key)
    if receiver is None:
        return Escalate(f"handover: no account {key} in directory `{reader.name}` to hand over to")
    step = PlannedStep(
        index=index,
        step_id=spec.id or "handover",
        kind="handover",
        directory=reader.name,
        target=Account.of(receiver, reader.name),
        description=describe("handover", of, params) + " (manual task)",
        params=params,
        manual=True,
        compensate="none",
        group_key=of,
    )
    if ctx.settings.handover.method == "manual":
        return step
    group = render(ctx.settings.handover.group, facts, where="handover.group")
    state = read_state("add_to_group", reader, receiver, {"group": group})
    assert not isinstance(state, Escalate)  # group membership never escalates
    before, after, changed = state
    return dataclasses.replace(
        step,
        description=describe("handover", of, params) + f" (group {group})",
        params={**params, "group": group},
        before=before,
        after=after,
        changed=changed,
        manual=False,
        compensate="auto",
    )


def _compensation(spec: StepSpec, facts: Mapping[str, Any], where: str) -> dict[str, Any]:
    if isinstance(spec.compensate, CompensationSpec):
        params = {
            k: render(v, facts, where=f"{where}.compensate.{k}")
            for k, v in spec.compensate.with_.items()
        }
        return {
            "compensate": "explicit",
            "compensate_kind": spec.compensate.kind,
            "compensate_params": params,
        }
    return {"compensate": spec.compensate}
