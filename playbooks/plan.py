"""
The planner: a playbook plus a request plus what the directory says now → a ``Plan`` (dry run).

Pure: reads the directory through ``DirectoryReader``, changes nothing, takes ``now`` as a
parameter. Missing inputs become ``Plan.ask``, anything a machine should not guess becomes
``Plan.escalate``, and a request that needs no change becomes ``Plan.note_only``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from connectors.identity import Capability, DirectoryUser
from intake.classifier.dates import text_order
from playbooks.bulk_rows import carries_access
from playbooks.config import PolicySettings
from playbooks.duration import parse_duration
from playbooks.expand import StepContext, expand_steps
from playbooks.load import Library
from playbooks.model import Playbook
from playbooks.naming import NamingError, derive_name
from playbooks.period import Unreadable, read_period
from playbooks.planned import Account, Plan, PlannedStep
from playbooks.request import DirectoryReader, PlanRequest
from playbooks.resolve import (
    Ask,
    Escalate,
    display_value,
    resolve_inputs,
    resolve_target,
    ticket_facts,
    user_facts,
)
from playbooks.targets import own_message, text_fields
from playbooks.template import evaluate

__all__ = ["Plan", "PlanRequest", "PlannedStep", "build_plan", "select_playbook"]


def select_playbook(
    library: Library, request: PlanRequest, settings: PolicySettings | None = None
) -> Playbook | None:
    """
    The playbook that answers the request's intent.

    Among the playbooks answering the intent, one whose ``applies_when`` holds wins over one
    without ``applies_when``; one whose ``applies_when`` is false is never chosen.

    Args:
        library: the loaded playbooks.
        request: the request (its intent, ticket and fields).
        settings: its ``field_names`` name the desk's fields that ``applies_when`` reads.
    """
    context: dict[str, object] | None = None  # built at the first applies_when: asdict is deep
    general: list[Playbook] = []
    for playbook in library.for_intent(request.intent):
        if playbook.applies_when is None:
            general.append(playbook)
            continue
        if context is None:
            context = {
                "ticket": ticket_facts(request, settings),
                "request": dataclasses.asdict(request),
            }
        if evaluate(playbook.applies_when, context, where=f"{playbook.name}.applies_when"):
            return playbook
    return general[0] if general else None


def build_plan(
    playbook: Playbook,
    request: PlanRequest,
    directory: DirectoryReader,
    *,
    now: datetime,
    settings: PolicySettings,
    directories: Mapping[str, DirectoryReader] | None = None,
) -> Plan:
    """
    Plan a playbook run without changing anything.

    Args:
        playbook: what to do.
        request: for whom, what, until when — as the worker understood the ticket.
        directory: the requester's directory (steps without ``directory:`` act here).
        now: the planning time (time-bound access counts from here).
        settings: guardrails, catalogues and role templates.
        directories: every configured directory by name, for steps naming one.

    Returns:
        The plan: changes with before → after, or an ask, an escalation or a note.
    """
    base = _header(playbook, request, directory, now)
    target = resolve_target(playbook, request, directory, settings)
    if isinstance(target, Ask):
        return Plan.ask(base, target.question, target.missing)
    if isinstance(target, Escalate):
        return Plan.escalate(base, target.reason)
    if target is not None:
        base = dataclasses.replace(
            base,
            target=Account.of(target, directory.name),
            target_groups=tuple(directory.transitive_groups_of(target.id)),
            target_manager_id=target.manager_id,
        )
    values = resolve_inputs(playbook, request, target, directory, settings)
    if isinstance(values, Ask):
        return Plan.ask(base, values.question, values.missing)
    if isinstance(values, Escalate):
        return Plan.escalate(base, values.reason)
    until = _until(playbook, request, values, target, directory, settings, now)
    if isinstance(until, Ask):
        return Plan.ask(base, until.question, until.missing)
    items = _item_names(playbook, values)
    base = dataclasses.replace(
        base,
        until=until,
        not_before=values.get(playbook.apply_at) if playbook.apply_at else None,
        inputs={k: display_value(v) for k, v in values.items()},
        application=(values.get("application") or {}).get("name") or next(iter(items), None),
        items=items,
    )
    context = _context(request, target, values, directory, settings, until=until, now=now)
    naming = (
        _naming(values, directory, settings)
        if playbook.target == "new"
        else {"login": None, "email": None}
    )
    if isinstance(naming, Escalate):
        return Plan.escalate(base, naming.reason)
    context["naming"] = naming
    return _finish(
        playbook, base, StepContext(context, target, directory, directories or {}, settings, until)
    )


def _header(
    playbook: Playbook, request: PlanRequest, directory: DirectoryReader, now: datetime
) -> Plan:
    requester = request.requester
    return Plan(
        playbook=playbook.name,
        title=playbook.title,
        kind="apply",
        created_at=now,
        ticket=request.ticket.key,
        intent=request.intent,
        risk=playbook.risk,
        requester=None if requester is None else Account.of(requester, directory.name),
        requester_groups=()
        if requester is None
        else tuple(directory.transitive_groups_of(requester.id)),
    )


def _finish(playbook: Playbook, base: Plan, ctx: StepContext) -> Plan:
    expanded = expand_steps(playbook, ctx)
    if isinstance(expanded, Escalate):
        return Plan.escalate(base, expanded.reason)
    steps, notes = expanded
    if base.target is None:
        create = next((s for s in steps if s.kind == "create_user"), None)
        if create is not None:
            manager = create.params.get("manager_id")
            base = dataclasses.replace(base, target=create.target, target_manager_id=manager)
    untils = [s.until for s in steps if s.until is not None]
    if untils:  # one expiry per run: no item outlives its own cap
        base = dataclasses.replace(base, until=min(untils))
    plan = dataclasses.replace(
        base, steps=steps, notes=notes, group_parents=group_parents(steps, ctx)
    )
    if any(s.changed or s.manual for s in steps):
        return plan
    if playbook.ask_when_nothing:
        return Plan.ask(plan, playbook.ask_when_nothing)
    return Plan.note_only(plan, _nothing_message(steps))


def group_parents(steps: tuple[PlannedStep, ...], ctx: StepContext) -> dict[str, tuple[str, ...]]:
    """
    For every group a step adds someone to, the groups it is nested in (its members hold those).

    Args:
        steps: the planned steps.
        ctx: the directories the steps act on.
    """
    found: dict[str, tuple[str, ...]] = {}
    for step in steps:
        group = step.params.get("group")
        if step.kind != "add_to_group" or not group or group in found:
            continue
        directory = ctx.directories.get(step.directory, ctx.directory)
        found[group] = tuple(directory.groups_containing(group))
    return found


def _nothing_message(steps: tuple[PlannedStep, ...]) -> str:
    if not steps:
        return "Nothing to do: no step applies to this request."
    done = "; ".join(s.description for s in steps)
    return f"Already in the wanted state, nothing changed ({done})."


def _until(
    playbook: Playbook,
    request: PlanRequest,
    values: Mapping[str, Any],
    target: DirectoryUser | None,
    directory: DirectoryReader,
    settings: PolicySettings,
    now: datetime,
) -> datetime | Ask | None:
    spec = playbook.duration
    if spec is None:
        return None
    until = values.get("until")
    if until is None:
        text = f"{request.ticket.subject}\n{request.ticket.description}"
        period = read_period(
            {**text_fields(text), **settings.named_fields(request.fields)},
            own_message(text),
            now=now,
            target=target,
            contract_end_attribute=settings.people.contract_end_of(directory.name),
            entity_until=request.until,
            entity_duration_s=request.duration_s,
            order=text_order(text, request.ticket.date_order or "dmy"),
        )
        if isinstance(period, Unreadable):
            return Ask(period.question, ("until",))
        until = period.at if period is not None else None
    if until is None and spec.default and not spec.required:
        until = now + timedelta(seconds=parse_duration(spec.default))
    if until is None:
        return Ask(spec.ask, ("until",)) if spec.required else None
    if until <= now:
        return Ask(f"The end date {until:%Y-%m-%d} is already past. {spec.ask}", ("until",))
    if spec.max and until - now > timedelta(seconds=parse_duration(spec.max)):
        until = now + timedelta(seconds=parse_duration(spec.max))
    assert isinstance(until, datetime)
    return until


def _item_names(playbook: Playbook, values: Mapping[str, Any]) -> tuple[str, ...]:
    names: list[str] = []
    for name, spec in playbook.inputs.items():
        value = values.get(name)
        if spec.type in ("applications", "licenses") and isinstance(value, list):
            names.extend(v["name"] if isinstance(v, Mapping) else str(v) for v in value)
    return tuple(dict.fromkeys(names))


def _naming(
    values: Mapping[str, Any], directory: DirectoryReader, settings: PolicySettings
) -> dict[str, Any] | Escalate:
    """The login and e-mail a new account would get from the naming templates (onboarding)."""
    given, family = values.get("given_name"), values.get("family_name")
    if not (isinstance(given, str) and isinstance(family, str) and given and family):
        return {"login": None, "email": None}
    naming = settings.naming
    contractor = str(values.get("employment_type") or "").casefold() == "contractor"
    template = naming.contractor_email if contractor and naming.contractor_email else naming.email

    def taken(login: str, email: str | None) -> bool:
        return directory.find_user(login=login) is not None or (
            email is not None and directory.find_user(email=email) is not None
        )

    try:
        derived = derive_name(
            given,
            family,
            login_template=naming.login,
            email_template=template,
            collision=naming.collision,
            email_collision=naming.email_collision,
            taken=taken,
            max_tries=naming.max_tries,
        )
    except NamingError as exc:
        return Escalate(str(exc))
    return {"login": derived.login, "email": derived.email, "number": derived.number}


def _context(
    request: PlanRequest,
    target: DirectoryUser | None,
    values: Mapping[str, Any],
    directory: DirectoryReader,
    settings: PolicySettings,
    *,
    until: datetime | None,
    now: datetime,
) -> dict[str, Any]:
    department, title = values.get("department"), values.get("title")
    role = settings.role_for(department, title) if isinstance(department, str) else None
    return {
        "inputs": dict(values),
        "target": user_facts(target),
        "target_groups": [] if target is None else directory.groups_of(target.id),
        "target_licenses": []
        if target is None or Capability.LICENSES not in directory.capabilities
        else directory.licenses_of(target.id),
        "manager": _manager(target, directory),
        "requester": user_facts(request.requester),
        "ticket": ticket_facts(request, settings),
        "role": None if role is None else role.model_dump(),
        "row_access": carries_access(request.fields),
        "until": until,
        "now": now,
    }


def _manager(target: DirectoryUser | None, directory: DirectoryReader) -> dict[str, Any] | None:
    if target is None or target.manager_id is None:
        return None
    return user_facts(directory.get_user(target.manager_id))
