"""
Reading a campaign's population from the directory, with the query that produced it.

Every account is listed (``list_users``, all pages) and, for those passing the campaign's user
filter, its direct groups (``groups_of``) and licences (``licenses_of``) are matched against the
scope. The evidence keeps what was asked (``query``), of which directory, when, and the row count.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from connectors.identity import Capability, DirectoryUser, iter_users
from playbooks.reviews.campaign import Campaign
from playbooks.reviews.items import Entitlement, Holding, People, Person, in_user_scope
from worker.runtime import Runtime

LAST_USED_ATTRIBUTES = ("last_login", "lastLogonTimestamp", "authTimestamp", "last_used")
"""Attributes a directory connector may report the last login or use in (ISO 8601)."""
PAGE_SIZE = 200


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
    holdings: list[Holding] = []
    for user, person in zip(users, persons, strict=True):
        if not in_user_scope(person, campaign, people):
            continue
        if groups:
            for group in directory.groups_of(user.id):
                if (found := groups.get(group.casefold())) is not None:
                    holdings.append(Holding(person, found))
        if licences:
            for licence in directory.licenses_of(user.id):
                if (found := licences.get(licence.casefold())) is not None:
                    holdings.append(Holding(person, found))
    return Population(
        name, tuple(holdings), people, len(users), _query(name, campaign, groups, licences), now
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
