"""
The demo's bundled world (``tickets.yaml``, package data) as frozen dataclasses.

``load_demo()`` reads the YAML through ``importlib.resources`` so it works from a wheel.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources

import yaml

INTENTS = frozenset(
    {
        "account_create",
        "access_grant",
        "access_revoke",
        "password_reset",
        "account_unlock",
        "mfa_reset",
        "account_disable",
        "account_update",
        "license_request",
        "license_reclaim",
        "account_other",
        "not_account",
    }
)
PRIORITIES = ("low", "normal", "high", "urgent")


class DemoDataError(ValueError):
    """``tickets.yaml`` is inconsistent (a bug in the bundled data, named precisely)."""


@dataclass(frozen=True)
class DemoDesk:
    """A desk instance the demo configures (``jira-it`` of type ``jira``…)."""

    name: str
    type: str
    base_url: str
    project: str | None = None


@dataclass(frozen=True)
class DemoPerson:
    """Who filed a ticket: an address and a display name."""

    email: str
    name: str


@dataclass(frozen=True)
class DemoTicket:
    """One ticket a person files in the demo."""

    desk: str
    key: str
    requester: DemoPerson
    subject: str
    body: str
    priority: str
    """low, normal, high or urgent."""
    created_minutes_ago: int
    expect_intent: str
    request_type: str | None = None


@dataclass(frozen=True)
class DemoUser:
    """An account of the demo's in-memory directory."""

    login: str
    email: str
    given_name: str
    family_name: str
    title: str
    department: str
    manager: str | None
    """The manager's login."""
    locked: bool
    mfa_factors: tuple[str, ...]
    groups: tuple[str, ...]
    licenses: tuple[str, ...]

    @property
    def display_name(self) -> str:
        """``Given Family``."""
        return f"{self.given_name} {self.family_name}"


@dataclass(frozen=True)
class DemoLicense:
    """A licence and its seat count; seats in use are the users holding it."""

    id: str
    name: str
    total: int


@dataclass(frozen=True)
class DemoSet:
    """Everything the demo bundles."""

    desks: Mapping[str, DemoDesk]
    tickets: tuple[DemoTicket, ...]
    users: tuple[DemoUser, ...]
    licenses: tuple[DemoLicense, ...]

    def user_by_email(self, email: str) -> DemoUser | None:
        """The directory user with this address (case-insensitive), if any."""
        wanted = email.lower()
        return next((u for u in self.users if u.email.lower() == wanted), None)


def load_demo() -> DemoSet:
    """Read and check the packaged ``tickets.yaml``."""
    text = resources.files("worker.demo").joinpath("tickets.yaml").read_text(encoding="utf-8")
    return parse_demo(yaml.safe_load(text))


def parse_demo(raw: object) -> DemoSet:
    """Build a DemoSet from the parsed YAML, checking references; DemoDataError when wrong."""
    if not isinstance(raw, dict):
        raise DemoDataError("tickets.yaml: expected a mapping at the top level")
    desks = {
        name: DemoDesk(name, str(d["type"]), str(d["base_url"]), d.get("project"))
        for name, d in raw["desks"].items()
    }
    users = tuple(_user(u) for u in raw["directory"])
    licenses = tuple(
        DemoLicense(str(x["id"]), str(x["name"]), int(x["total"])) for x in raw["licenses"]
    )
    tickets = tuple(_ticket(t, index) for index, t in enumerate(raw["tickets"]))
    demo = DemoSet(desks=desks, tickets=tickets, users=users, licenses=licenses)
    _check(demo)
    return demo


def _user(raw: Mapping[str, object]) -> DemoUser:
    def names(key: str) -> tuple[str, ...]:
        value = raw.get(key) or []
        assert isinstance(value, list)
        return tuple(str(v) for v in value)

    manager = raw.get("manager")
    return DemoUser(
        login=str(raw["login"]),
        email=str(raw["email"]),
        given_name=str(raw["given_name"]),
        family_name=str(raw["family_name"]),
        title=str(raw["title"]),
        department=str(raw["department"]),
        manager=str(manager) if manager else None,
        locked=bool(raw["locked"]),
        mfa_factors=names("mfa_factors"),
        groups=names("groups"),
        licenses=names("licenses"),
    )


def _ticket(raw: Mapping[str, object], index: int) -> DemoTicket:
    requester = raw["requester"]
    if not isinstance(requester, dict):
        raise DemoDataError(f"tickets[{index}].requester: expected email and name")
    request_type = raw.get("request_type")
    return DemoTicket(
        desk=str(raw["desk"]),
        key=str(raw["key"]),
        requester=DemoPerson(str(requester["email"]), str(requester["name"])),
        subject=str(raw["subject"]),
        body=str(raw["body"]).strip(),
        priority=str(raw["priority"]),
        created_minutes_ago=int(str(raw["created_minutes_ago"])),
        expect_intent=str(raw["expect_intent"]),
        request_type=str(request_type) if request_type else None,
    )


def _check(demo: DemoSet) -> None:
    logins = {u.login for u in demo.users}
    license_ids = {x.id for x in demo.licenses}
    for user in demo.users:
        if user.manager is not None and user.manager not in logins:
            raise DemoDataError(f"directory {user.login}: unknown manager {user.manager}")
        if unknown := set(user.licenses) - license_ids:
            raise DemoDataError(f"directory {user.login}: unknown licences {sorted(unknown)}")
    seen: set[str] = set()
    for ticket in demo.tickets:
        where = f"tickets {ticket.key}"
        if ticket.desk not in demo.desks:
            raise DemoDataError(f"{where}: unknown desk {ticket.desk}")
        if ticket.expect_intent not in INTENTS:
            raise DemoDataError(f"{where}: unknown intent {ticket.expect_intent}")
        if ticket.priority not in PRIORITIES:
            raise DemoDataError(f"{where}: priority must be one of {PRIORITIES}")
        if ticket.key in seen:
            raise DemoDataError(f"{where}: duplicate key")
        seen.add(ticket.key)
