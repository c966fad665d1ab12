"""
Reading a campaign's population from the directory, with the query that produced it.

Every account is listed (``list_users``, all pages) and, for those passing the campaign's user
filter (the fixed conditions, then the ``where`` expression: all must hold), its direct groups (``groups_of``) and licences (``licenses_of``) are matched against the
scope. The evidence keeps what was asked (``query``), of which directory, when, and the row count.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from connectors.identity import Capability, DirectoryUser, iter_users
from playbooks.reviews.campaign import Campaign
from playbooks.reviews.items import Entitlement, Holding, People, Person, in_user_scope
from playbooks.reviews.where import UserView, WhereError, employee_type, matches
from worker.runtime import Runtime

LAST_USED_ATTRIBUTES = ("last_login", "lastLogonTimestamp", "authTimestamp", "last_used")
"""Attributes a directory connector may report the last login or use in (ISO 8601)."""
PAGE_SIZE = 200
SHOWN_FAILURES = 20
"""A ``where`` expression failing for more accounts names this many, then counts the rest."""


class PopulationError(ValueError):
    """The scope names something the configuration or the directory cannot answer."""


@dataclass(frozen=True)
class Population:
    """What the directory showed for a campaign's scope."""

    directory: str
    holdings: tuple[Holding, ...]
    people: People
    users_read: int
    query: str
    read_at: dt.datetime
    where: dict[str, object] | None = None
    """The ``where`` expression, the accounts it was evaluated for and how many it let through."""


def scope_entitlements(
    rt: Runtime, campaign: Campaign
) -> tuple[dict[str, Entitlement], dict[str, Entitlement]]:
    """The groups and licences in scope, by casefolded name (catalogue applications resolved)."""
    catalogue = {a.name.casefold(): a for a in rt.settings.playbooks.applications}
    groups = {g.casefold(): Entitlement("group", g) for g in campaign.scope.groups}
    licences = {x.casefold(): Entitlement("licence", x) for x in campaign.scope.entitlements}
    for name in campaign.scope.applications:
        app = catalogue.get(name.casefold())
        if app is None:
            raise PopulationError(f"scope.applications: `{name}` is not in the catalogue")
        if app.group:
            groups[app.group.casefold()] = Entitlement("group", app.group, app.name, app.owners)
        if app.license:
            licences[app.license.casefold()] = Entitlement(
                "licence", app.license, app.name, app.owners
            )
    return groups, licences


def read_population(rt: Runtime, campaign: Campaign, now: dt.datetime) -> Population:
    """Every (user, entitlement) in the campaign's scope, as the directory shows it now."""
    name = campaign.scope.directory or next(iter(rt.directories))
    directory = rt.directories.get(name)
    if directory is None:
        raise PopulationError(f"scope.directory: `{name}` is not a configured directory")
    groups, licences = scope_entitlements(rt, campaign)
    if licences and Capability.LICENSES not in directory.capabilities:
        raise PopulationError(f"directory `{name}` cannot list licences (scope.entitlements)")
    users = list(iter_users(directory, PAGE_SIZE))
    persons = [person_of(u) for u in users]
    people = People(persons)
    chosen = [
        (user, person)
        for user, person in zip(users, persons, strict=True)
        if in_user_scope(person, campaign, people)
    ]
    expression = campaign.scope.users.where
    where = None
    if expression is not None:
        evaluated = len(chosen)
        chosen = _where(expression, chosen, people)
        where = {"expression": expression, "evaluated": evaluated, "matched": len(chosen)}
    holdings: list[Holding] = []
    for user, person in chosen:
        if groups:
            for group in directory.groups_of(user.id):
                if (found := groups.get(group.casefold())) is not None:
                    holdings.append(Holding(person, found))
        if licences:
            for licence in directory.licenses_of(user.id):
                if (found := licences.get(licence.casefold())) is not None:
                    holdings.append(Holding(person, found))
    query = _query(name, campaign, groups, licences)
    return Population(name, tuple(holdings), people, len(users), query, now, where)


def _where(
    expression: str, chosen: list[tuple[DirectoryUser, Person]], people: People
) -> list[tuple[DirectoryUser, Person]]:
    """The accounts ``expression`` holds for; when it fails for any, none: the start stops."""
    kept: list[tuple[DirectoryUser, Person]] = []
    failures: list[str] = []
    for user, person in chosen:
        try:
            if matches(expression, user_view(user, people)):
                kept.append((user, person))
        except WhereError as exc:
            failures.append(f"{user.login} ({user.id}): {exc}")
    if failures:
        shown = failures[:SHOWN_FAILURES]
        if len(failures) > len(shown):
            shown.append(f"and {len(failures) - len(shown)} more")
        raise PopulationError(
            f"scope.users.where failed for {len(failures)} of {len(chosen)} accounts "
            "(none is silently left out or let in): " + "; ".join(shown)
        )
    return kept


def user_view(user: DirectoryUser, people: People) -> UserView:
    """What a ``where`` expression sees of ``user`` (its manager by login)."""
    manager = people.by_id.get(user.manager_id) if user.manager_id else None
    return UserView(
        id=user.id,
        login=user.login,
        email=user.email,
        display_name=user.display_name,
        given_name=user.given_name,
        family_name=user.family_name,
        employee_id=user.employee_id,
        title=user.title,
        department=user.department,
        manager=manager.login if manager else None,
        employee_type=employee_type(user.attributes),
        disabled=not user.enabled,
        locked=user.locked,
        attributes=user.attributes,
    )


def _query(
    directory: str,
    campaign: Campaign,
    groups: Mapping[str, Entitlement],
    licences: Mapping[str, Entitlement],
) -> str:
    wanted = campaign.scope.users
    parts = [f"{directory}: list_users(page_size={PAGE_SIZE}, every page)"]
    filters = [f"manager={wanted.manager}"] if wanted.manager else []
    filters += [f"department={wanted.department}"] if wanted.department else []
    filters.append("enabled and disabled" if wanted.include_disabled else "enabled only")
    filters += [f"where {wanted.where}"] if wanted.where else []
    parts.append("users: " + ", ".join(filters))
    if groups:
        parts.append(
            "groups_of(user) in [" + ", ".join(sorted(g.name for g in groups.values())) + "]"
        )
    if licences:
        parts.append(
            "licenses_of(user) in [" + ", ".join(sorted(x.name for x in licences.values())) + "]"
        )
    return "; ".join(parts)


def person_of(user: DirectoryUser) -> Person:
    """A directory account as the review core needs it, its last use where reported."""
    return Person(
        id=user.id,
        login=user.login,
        email=user.email,
        display_name=user.display_name,
        manager_id=user.manager_id,
        department=user.department,
        enabled=user.enabled,
        last_used=_last_used(user.attributes),
    )


def _last_used(attributes: Mapping[str, str]) -> dt.datetime | None:
    for key in LAST_USED_ATTRIBUTES:
        value = attributes.get(key)
        if not value:
            continue
        try:
            found = dt.datetime.fromisoformat(value)
        except ValueError:
            continue
        return found if found.tzinfo else found.replace(tzinfo=dt.UTC)
    return None
