"""
A plan: what a playbook run will change, where, for whom and until when — before anything changes.

``Plan`` is what the worker stores (``to_json``/``from_json``), what agents read
(``render_markdown``) and what the steps are executed from. It never holds a password.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from pydantic import TypeAdapter

from connectors.identity import DirectoryUser

PlanKind = Literal["apply", "ask", "escalate", "note_only"]
Compensate = Literal["auto", "none", "explicit"]


@dataclass(frozen=True)
class Account:
    """An account a plan acts on or mentions (``id`` is None for one not created yet)."""

    login: str
    directory: str
    id: str | None = None
    display_name: str | None = None
    email: str | None = None

    @classmethod
    def of(cls, user: DirectoryUser, directory: str) -> Account:
        """
        The account of a directory user.

        Args:
            user: as the directory reported it.
            directory: the directory's configured name.
        """
        return cls(user.login, directory, user.id, user.display_name, user.email)

    @property
    def label(self) -> str:
        """``login (Display Name)`` for notes."""
        return f"{self.login} ({self.display_name})" if self.display_name else self.login


@dataclass(frozen=True)
class PlannedStep:
    """One change the plan will make, with the state before and the state wanted after."""

    index: int
    step_id: str
    kind: str
    directory: str
    target: Account
    description: str
    params: Mapping[str, str] = field(default_factory=dict)
    before: Mapping[str, str | None] = field(default_factory=dict)
    after: Mapping[str, str | None] = field(default_factory=dict)
    changed: bool = True
    """False when the directory is already in the wanted state: shown as "no change"."""
    compensate: Compensate = "auto"
    compensate_kind: str | None = None
    compensate_params: Mapping[str, str] = field(default_factory=dict)
    until: datetime | None = None
    """For time-bound access: when this change is undone."""
    manual: bool = False
    """A task for an agent (e.g. a manual handover), not a directory call."""
    group_key: str = ""
    """Steps with the same key belong together (one person of a bulk file)."""
    item: str | None = None
    """The catalogue item (application, group, licence) this step grants or removes."""


@dataclass(frozen=True)
class Plan:
    """The dry run of one playbook for one request."""

    playbook: str
    title: str
    kind: PlanKind
    created_at: datetime
    ticket: str = ""
    intent: str = ""
    risk: str = "low"
    target: Account | None = None
    requester: Account | None = None
    requester_groups: tuple[str, ...] = ()
    target_groups: tuple[str, ...] = ()
    """Every group the target belongs to, directly or through nested groups."""
    group_parents: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    """For each group a step adds someone to: the groups it is nested in (held with it)."""
    target_manager_id: str | None = None
    application: str | None = None
    items: tuple[str, ...] = ()
    """The catalogue items the plan grants or removes, each approved by its own rule."""
    until: datetime | None = None
    """When time-bound access ends (its revocation is due)."""
    not_before: datetime | None = None
    """Apply no earlier than this (a leaver's last day); None means as soon as allowed."""
    steps: tuple[PlannedStep, ...] = ()
    notes: tuple[str, ...] = ()
    question: str | None = None
    missing: tuple[str, ...] = ()
    reason: str | None = None
    message: str | None = None
    warnings: tuple[str, ...] = ()
    inputs: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def ask(cls, base: Plan, question: str, missing: tuple[str, ...] = ()) -> Plan:
        """
        A plan that only asks the requester a public question (an input is missing).

        Args:
            base: the plan header (playbook, ticket, people) to keep.
            question: what to ask, in the requester's words.
            missing: the names of the missing inputs.
        """
        return dataclasses.replace(base, kind="ask", steps=(), question=question, missing=missing)

    @classmethod
    def escalate(cls, base: Plan, reason: str) -> Plan:
        """
        A plan that hands the ticket to a person (target not found, capability missing…).

        Args:
            base: the plan header to keep.
            reason: why, for the agents.
        """
        return dataclasses.replace(base, kind="escalate", steps=(), reason=reason)

    @classmethod
    def note_only(cls, base: Plan, message: str) -> Plan:
        """
        A plan with nothing to change: only a note.

        Args:
            base: the plan header to keep.
            message: what to say (e.g. "the account was not locked").
        """
        return dataclasses.replace(base, kind="note_only", message=message)

    @property
    def changes(self) -> tuple[PlannedStep, ...]:
        """The steps that will really change something (not "no change", not manual tasks)."""
        return tuple(s for s in self.steps if s.changed and not s.manual)

    def to_json(self) -> str:
        """The plan as JSON, for the worker to store; ``from_json`` reads it back."""
        return _ADAPTER.dump_json(self).decode()

    @classmethod
    def from_json(cls, text: str) -> Plan:
        """
        Read a plan stored with ``to_json``.

        Args:
            text: the JSON.
        """
        return _ADAPTER.validate_json(text)


def plan_digest(plan: Plan) -> str:
    """
    A fingerprint of what the plan will change: an approval counts only for the version it saw.

    Args:
        plan: the plan; its changes (kind, directory, account, parameters, expiry), its items
            and its apply date are covered, its wording and creation time are not.
    """
    changes = [
        [
            s.kind,
            s.directory,
            s.target.login,
            sorted(s.params.items()),
            s.until.isoformat() if s.until else None,
        ]
        for s in plan.changes
    ]
    body = [
        plan.playbook,
        plan.target.login if plan.target else None,
        list(plan.items),
        plan.not_before.isoformat() if plan.not_before else None,
        changes,
    ]
    return hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()[:32]


_ADAPTER: TypeAdapter[Plan] = TypeAdapter(Plan)
