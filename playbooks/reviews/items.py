"""
The items of a campaign: exactly one per (user, entitlement) in scope, each with its reviewer.

The population is what the directory showed (``Holding`` rows, read by the shell); an item's
reviewer follows the campaign's rule (manager, owner, named person) and falls back when the rule
finds nobody eligible. Eligible means: not the subject themself, not one of the people who grant
this access (``provisioners``), not whoever requested or approved the deskpilot run that granted
this very access to this subject (``Grants``, read from the audit log by the shell), and an
enabled account when the directory knows them. Why a
reviewer was chosen is kept with the item (the evidence shows the rule and any fallback).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from playbooks.reviews.campaign import Campaign

EntitlementKind = Literal["group", "licence"]
Rule = Literal["manager", "owner", "person", "fallback"]


@dataclass(frozen=True)
class Entitlement:
    """One thing access is reviewed for: a group or a licence (maybe a catalogue application's)."""

    kind: EntitlementKind
    name: str
    application: str | None = None
    owners: tuple[str, ...] = ()

    @property
    def key(self) -> str:
        """``group:NAME`` or ``licence:ID``: unique within a campaign."""
        return f"{self.kind}:{self.name}"

    @property
    def label(self) -> str:
        """How a reviewer reads it: the application's name, with the group or licence."""
        what = "group" if self.kind == "group" else "licence"
        return (
            f"{self.application} ({what} {self.name})"
            if self.application
            else f"{what} {self.name}"
        )


@dataclass(frozen=True)
class Person:
    """A directory account as a review needs it."""

    id: str
    login: str
    email: str | None = None
    display_name: str | None = None
    manager_id: str | None = None
    department: str | None = None
    enabled: bool = True
    last_used: dt.datetime | None = None
    """The last login or use the directory reports (None: it does not say)."""

    @property
    def names(self) -> frozenset[str]:
        """Every name that identifies this person (login and e-mail), casefolded."""
        return frozenset(n.casefold() for n in (self.login, self.email) if n)


@dataclass(frozen=True)
class Holding:
    """One row of the population: ``user`` holds ``entitlement`` (as the directory showed)."""

    user: Person
    entitlement: Entitlement


@dataclass(frozen=True)
class Assignment:
    """Who reviews an item, by which rule, and why a fallback was used."""

    reviewer: str | None
    """The reviewer's login (or the name the campaign gave when the directory does not know
    them); None when nobody eligible was found."""
    rule: Rule
    note: str = ""


@dataclass(frozen=True)
class Recommendation:
    """What deskpilot suggests for an item; ``action`` None when there is no signal."""

    action: Literal["keep", "revoke"] | None
    reason: str


@dataclass(frozen=True)
class Item:
    """One (user, entitlement) pair to review."""

    number: int
    """Short id, unique in the campaign (what reviewers type: ``/keep 12``)."""
    subject: Person
    entitlement: Entitlement
    assignment: Assignment
    recommendation: Recommendation


Grants = Mapping[tuple[str, str], Mapping[str, str]]
"""(subject login, entitlement key), both casefolded -> {person's name, casefolded: what they did},
e.g. ``("bob", "group:app-salesforce") -> {"olivia@example.com": "approved run 7 …"}``."""


def grant_key(login: str, entitlement_key: str) -> tuple[str, str]:
    """The ``Grants`` key of ``login``'s ``entitlement_key`` (``group:NAME``, ``licence:ID``)."""
    return login.casefold(), entitlement_key.casefold()


class People:
    """Accounts by id and by every name (login, e-mail), for reviewer look-ups."""

    def __init__(self, people: Iterable[Person]) -> None:
        self.by_id: dict[str, Person] = {}
        self.by_name: dict[str, Person] = {}
        for person in people:
            self.by_id[person.id] = person
            for name in person.names:
                self.by_name.setdefault(name, person)

    def named(self, name: str) -> Person | None:
        """The account called ``name`` (login or e-mail, any case), if the population has it."""
        return self.by_name.get(name.casefold())


def recommend(person: Person, now: dt.datetime, inactive_days: int) -> Recommendation:
    """Revoke when the account is disabled or unused for more than ``inactive_days``."""
    if not person.enabled:
        return Recommendation("revoke", "the account is disabled")
    if person.last_used is None:
        return Recommendation(None, "the directory reports no last use")
    idle = (now - person.last_used).days
    if idle > inactive_days:
        return Recommendation("revoke", f"not used for {idle} days (over {inactive_days})")
    return Recommendation("keep", f"used {idle} day(s) ago")


def eligible(
    candidate: str,
    subject: Person,
    campaign: Campaign,
    people: People,
    granted: Mapping[str, str] | None = None,
) -> str | None:
    """
    Why ``candidate`` may not review ``subject``'s access, or None when they may; ``granted``
    names who requested or approved the run that granted it (casefolded name -> what they did).
    """
    name = candidate.casefold()
    account = people.named(candidate)
    names = account.names if account is not None else frozenset({name})
    if names & subject.names or (account is not None and account.id == subject.id):
        return "nobody reviews their own access"
    if names & {p.casefold() for p in campaign.reviewers.provisioners}:
        return f"{candidate} provisions this access"
    for name in sorted(names & set(granted or {})):
        return f"{candidate} {(granted or {})[name]}"
    if account is not None and not account.enabled:
        return f"{candidate}'s account is disabled"
    return None


def assign(
    subject: Person,
    entitlement: Entitlement,
    campaign: Campaign,
    people: People,
    grants: Grants | None = None,
) -> Assignment:
    """The reviewer of ``subject``'s ``entitlement`` under the campaign's rule, or a fallback."""
    granted = (grants or {}).get(grant_key(subject.login, entitlement.key))
    rule = campaign.reviewers.rule
    candidates: list[str] = []
    if rule == "manager":
        manager = people.by_id.get(subject.manager_id) if subject.manager_id else None
        candidates = [manager.login] if manager is not None else []
        missing = "the subject has no manager in the directory"
    elif rule == "owner":
        candidates = list(entitlement.owners)
        missing = f"{entitlement.label} has no owner"
    else:
        candidates = [campaign.reviewers.person or ""]
        missing = "no reviewer named"
    reasons = []
    for candidate in candidates:
        problem = eligible(candidate, subject, campaign, people, granted)
        if problem is None:
            return Assignment(_login(candidate, people), rule)
        reasons.append(problem)
    note = "; ".join(reasons) or missing
    for candidate in campaign.reviewers.fallback:
        problem = eligible(candidate, subject, campaign, people, granted)
        if problem is None:
            return Assignment(_login(candidate, people), "fallback", note)
        note = f"{note}; {problem}"  # a skipped fallback: the evidence says why
    return Assignment(None, "fallback", f"{note}; no fallback reviewer is eligible")


def _login(name: str, people: People) -> str:
    account = people.named(name)
    return account.login if account is not None else name


def build_items(
    campaign: Campaign,
    population: Sequence[Holding],
    people: People,
    now: dt.datetime,
    grants: Grants | None = None,
) -> tuple[Item, ...]:
    """
    Exactly one item per (user, entitlement) of ``population`` (a pair seen twice, e.g. through
    an application and its group, counts once), numbered in a stable order; ``grants`` says who
    requested or approved each pair's grant (they do not review it).
    """
    unique: dict[tuple[str, str], Holding] = {}
    for holding in population:
        unique.setdefault((holding.user.id, holding.entitlement.key), holding)
    ordered = sorted(
        unique.values(), key=lambda h: (h.entitlement.key, h.user.login.casefold(), h.user.id)
    )
    return tuple(
        Item(
            number=index,
            subject=h.user,
            entitlement=h.entitlement,
            assignment=assign(h.user, h.entitlement, campaign, people, grants),
            recommendation=recommend(h.user, now, campaign.inactive_days),
        )
        for index, h in enumerate(ordered, start=1)
    )


def population_digest(population: Sequence[Holding]) -> str:
    """SHA-256 of the population's (user id, login, entitlement) rows, in a stable order."""
    rows = sorted({(h.user.id, h.user.login, h.entitlement.key) for h in population})
    return hashlib.sha256(json.dumps(rows, separators=(",", ":")).encode()).hexdigest()


def in_user_scope(person: Person, campaign: Campaign, people: People) -> bool:
    """Whether ``person`` passes the campaign's user filter."""
    wanted = campaign.scope.users
    if not person.enabled and not wanted.include_disabled:
        return False
    if (
        wanted.department is not None
        and (person.department or "").casefold() != wanted.department.casefold()
    ):
        return False
    if wanted.manager is not None:
        manager = people.named(wanted.manager)
        if manager is None or person.manager_id != manager.id:
            return False
    return True


def unassigned(items: Sequence[Item]) -> list[str]:
    """One line per item nobody eligible can review (the campaign cannot start with these)."""
    return [
        f"item {i.number} ({i.subject.login}, {i.entitlement.label}): {i.assignment.note}"
        for i in items
        if i.assignment.reviewer is None
    ]


def by_reviewer(
    items: Sequence[Item], per_application: bool
) -> Mapping[tuple[str, str | None], tuple[Item, ...]]:
    """The items of each review ticket: per reviewer, or per reviewer and application."""
    groups: dict[tuple[str, str | None], list[Item]] = {}
    for item in items:
        if item.assignment.reviewer is None:
            continue
        app = (item.entitlement.application or item.entitlement.key) if per_application else None
        groups.setdefault((item.assignment.reviewer, app), []).append(item)
    return {
        key: tuple(found)
        for key, found in sorted(groups.items(), key=lambda kv: (kv[0][0], kv[0][1] or ""))
    }
