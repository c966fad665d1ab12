"""Core playbooks through the worker on a real OpenLDAP and a real Samba AD DC.

Each test seeds its own people (logins with a unique suffix: the servers are shared with the
contract suite), files signed Jira tickets, drains the pipeline and reads the directory back.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import select

from connectors.identity import DirectoryClient, DirectoryUser, NewUser
from connectors.identity.ad import ActiveDirectory
from connectors.identity.openldap import LdapDirectory
from tests.contract.conftest import openldap_options, samba_options
from tests.integration.playbooks.world import World, world
from tests.services import samba, slapd
from tests.services.samba import SambaServer
from tests.services.slapd import EMPTY_GROUP_MEMBER, SlapdServer
from worker.db.records import SecretLinkRow


@dataclass(frozen=True)
class Real:
    """A real directory, how to make a group, and how to lock an account the server's way."""

    directory: DirectoryClient
    make_group: Callable[[str], None]
    lock: Callable[[DirectoryUser], None]
    nest: Callable[[str, str], None]
    """Make group ``child`` a member of group ``parent``."""


@pytest.fixture
def openldap(slapd_server: SlapdServer) -> Iterator[Real]:
    directory = LdapDirectory(
        "corp", openldap_options(slapd_server), empty_group_member=EMPTY_GROUP_MEMBER
    )
    yield Real(
        directory,
        lambda name: slapd.make_group(slapd_server, name),
        lambda user: slapd.fail_logins(slapd_server, user.attributes["dn"]),
        lambda child, parent: slapd.nest_group(slapd_server, child, parent),
    )
    directory.close()


@pytest.fixture
def samba_ad(samba_ad_server: SambaServer) -> Iterator[Real]:
    directory = ActiveDirectory("corp", samba_options(samba_ad_server))
    yield Real(
        directory,
        lambda name: samba.make_group(samba_ad_server, name),
        lambda user: samba.fail_logins(samba_ad_server, user.attributes["dn"]),
        lambda child, parent: samba.nest_group(samba_ad_server, child, parent),
    )
    directory.close()


@pytest.fixture(
    params=[
        pytest.param("openldap", marks=pytest.mark.slapd),
        pytest.param("samba_ad", marks=pytest.mark.samba),
    ]
)
def real(request: pytest.FixtureRequest) -> Real:
    """Each real directory in turn."""
    found: Real = request.getfixturevalue(request.param)
    return found


@dataclass(frozen=True)
class Company:
    """The logins and groups of one test's people (all suffixed)."""

    u: str

    def login(self, name: str) -> str:
        return f"{name}{self.u}"

    def email(self, name: str) -> str:
        return f"{self.login(name)}@example.com"


def _group(real: Real, name: str) -> None:
    with contextlib.suppress(AssertionError):  # already there (shared server, fixed name)
        real.make_group(name)


def _seed(real: Real, c: Company) -> None:
    for group in ("hr-team", "all-staff", f"sales{c.u}", f"app-sf{c.u}", "security-approvers"):
        _group(real, group)
    people = [
        ("maria", "Maria", "Manager", None, ["hr-team"]),
        ("alice", "Alice", "Liddell", "maria", ["all-staff", f"sales{c.u}"]),
        ("bob", "Bob", "Builder", "maria", []),
        ("olivia", "Olivia", "Owner", None, ["hr-team"]),
    ]
    ids: dict[str, str] = {}
    for name, given, family, manager, groups in people:
        change = real.directory.create_user(
            NewUser(c.login(name), given, family + c.u, email=c.email(name),
                    manager_id=ids.get(manager or ""), department="Sales", title="Staff")
        )  # fmt: skip
        found = real.directory.find_user(login=c.login(name))
        assert found is not None, change
        ids[name] = found.id
        for group in groups:
            real.directory.add_to_group(found.id, group)


def _policy(c: Company) -> dict[str, object]:
    return {
        "applications": [
            {"name": "Salesforce", "group": f"app-sf{c.u}", "owners": [c.login("olivia")]}
        ],
        "role_templates": [{"department": "Sales", "groups": ["all-staff", f"sales{c.u}"]}],
        "field_names": {
            "given_name": ["customfield_10101"],
            "family_name": ["customfield_10102"],
            "department": ["customfield_10103"],
            "start_date": ["customfield_10104"],
            "email": ["customfield_10105"],
        },
    }


@pytest.fixture
def w(real: Real, tmp_path: Path) -> Iterator[tuple[World, Real, Company]]:
    c = Company(uuid.uuid4().hex[:6])
    _seed(real, c)
    with world(
        f"sqlite:///{tmp_path / 'deskpilot.sqlite3'}", real.directory, **_policy(c)
    ) as built:
        yield built, real, c


def test_unlock_after_real_failed_binds(w: tuple[World, Real, Company]) -> None:
    """The server locked the account after bad passwords; the worker unlocks it."""
    world_, real, c = w
    alice = world_.user(c.login("alice"))
    real.directory.set_one_time_password(alice.id, "Zq7!one-Time-Pass")
    real.lock(world_.user(c.login("alice")))
    assert world_.user(c.login("alice")).locked is True
    world_.ticket(
        "IT-1", c.login("alice"), "Locked out of my account",
        "My account is locked after too many attempts, please unlock it.",
    )  # fmt: skip
    world_.drain()
    assert [r.state for r in world_.runs("IT-1")] == ["applied"]
    assert world_.user(c.login("alice")).locked is False
    assert "is unlocked" in world_.text("IT-1", public=True)


def test_password_reset_uses_a_one_time_password(w: tuple[World, Real, Company]) -> None:
    """LDAP and AD have no reset flow: a one-time password is set, and only a link is written."""
    world_, _real, c = w
    world_.ticket(
        "IT-2", c.login("alice"), "Forgot my password",
        "I forgot my password and cannot sign in. Please reset it.",
    )  # fmt: skip
    world_.drain()

    assert [r.state for r in world_.runs("IT-2")] == ["applied"]
    assert world_.user(c.login("alice")).password_must_change is True
    public, internal = world_.text("IT-2", public=True), world_.text("IT-2", public=False)
    assert "/secret/" in public
    assert "/secret/" not in internal
    with world_.rt.db.session() as session:
        stored = session.scalars(select(SecretLinkRow.ciphertext)).all()
    assert len(stored) == 1
    assert stored[0].decode(errors="ignore") not in public + internal


def _grant_approved(world_: World, c: Company) -> None:
    world_.ticket(
        "IT-3", c.login("bob"), "Need access to Salesforce",
        "Please give me access to Salesforce for 2 weeks.",
    )  # fmt: skip
    world_.drain()
    assert [r.state for r in world_.runs("IT-3")] == ["waiting_approval"]
    assert f"app-sf{c.u}" not in world_.groups(c.login("bob"))
    world_.comment("IT-3", c.login("olivia"), "/approve")
    world_.drain()


def test_access_grant_is_approved_applied_and_removed_at_expiry(
    w: tuple[World, Real, Company],
) -> None:
    """The owner approves; the server holds the membership until the end date, then not."""
    world_, real, c = w
    _grant_approved(world_, c)
    bob = world_.user(c.login("bob"))
    assert [r.state for r in world_.runs("IT-3")] == ["applied"]
    assert f"app-sf{c.u}" in real.directory.groups_of(bob.id)
    assert "until 2026-12-09" in world_.text("IT-3", public=True)

    world_.advance(days=13)
    assert world_.fire_timers() == 0
    assert f"app-sf{c.u}" in real.directory.groups_of(bob.id)
    world_.advance(days=1, minutes=1)
    assert world_.fire_timers() == 1
    assert f"app-sf{c.u}" not in real.directory.groups_of(bob.id)
    assert world_.runs("IT-3")[0].state == "expired"
    assert "ended as planned" in world_.text("IT-3", public=False)


def test_expiry_removes_access_added_back_by_hand(w: tuple[World, Real, Company]) -> None:
    """Removed and re-added on the server before the end date: the expiry re-reads and removes it."""
    world_, real, c = w
    _grant_approved(world_, c)
    bob = world_.user(c.login("bob"))
    real.directory.remove_from_group(bob.id, f"app-sf{c.u}")
    real.directory.add_to_group(bob.id, f"app-sf{c.u}")
    world_.advance(days=14, minutes=1)
    assert world_.fire_timers() == 1
    assert f"app-sf{c.u}" not in real.directory.groups_of(bob.id)
    assert "ended as planned" in world_.text("IT-3", public=False)


def test_offboarding_disables_and_removes_every_group(w: tuple[World, Real, Company]) -> None:
    """The manager files it, HR approves; the server shows the account disabled and groupless."""
    world_, real, c = w
    alice = world_.user(c.login("alice"))
    assert real.directory.groups_of(alice.id) == sorted(["all-staff", f"sales{c.u}"])
    world_.ticket(
        "IT-4", c.login("maria"), "Offboarding: Alice Liddell leaving",
        f"Alice Liddell ({c.email('alice')}) is leaving the company, her last day is "
        "2026-11-25. Please disable her account.",
    )  # fmt: skip
    world_.drain()
    assert [r.state for r in world_.runs("IT-4")] == ["waiting_approval"]
    assert real.directory.get_user(alice.id).enabled is True
    world_.comment("IT-4", c.login("olivia"), "/approve")
    world_.drain()

    assert [r.state for r in world_.runs("IT-4")] == ["applied"]
    after = real.directory.get_user(alice.id)
    assert after.enabled is False
    assert real.directory.groups_of(alice.id) == []
    public, internal = world_.text("IT-4", public=True), world_.text("IT-4", public=False)
    assert "has been offboarded as of 2026-11-25" in public
    assert "✅ read back" in internal
    assert "password" not in (public + internal).lower()
    assert "/secret/" not in public + internal


def test_onboarding_creates_the_account_from_the_role_template(
    w: tuple[World, Real, Company],
) -> None:
    """A JSM form names the starter; the server holds the account, its manager and role groups."""
    world_, real, c = w
    world_.ticket(
        "IT-5", c.login("maria"), "New starter: Nina Novak",
        "Please create an account for our new starter Nina Novak, who joins Sales on 2026-12-01.",
        fields={
            "customfield_10101": "Nina",
            "customfield_10102": f"Novak{c.u}",
            "customfield_10103": {"id": "10301", "value": "Sales"},
            "customfield_10104": "2026-12-01",
            "customfield_10105": c.email("nina"),
        },
    )  # fmt: skip
    world_.drain()

    assert [r.state for r in world_.runs("IT-5")] == ["applied"]
    nina = real.directory.find_user(login=f"nnovak{c.u}")
    assert nina is not None
    assert (nina.given_name, nina.email, nina.department) == ("Nina", c.email("nina"), "Sales")
    assert nina.manager_id == world_.user(c.login("maria")).id
    assert real.directory.groups_of(nina.id) == sorted(["all-staff", f"sales{c.u}"])
    public, internal = world_.text("IT-5", public=True), world_.text("IT-5", public=False)
    assert f"**nnovak{c.u}**" in public
    assert "Start date 2026-12-01" in internal
    assert "✅ read back" in internal


def test_member_of_a_group_nested_in_domain_admins_is_not_reset(
    w: tuple[World, Real, Company],
) -> None:
    """Exploit (13.6): alice is a domain admin through a nested group; her reset is left to a person."""
    world_, real, c = w
    _group(real, "Domain Admins")  # Samba has it; OpenLDAP gets one
    _group(real, f"tier0{c.u}")
    real.nest(f"tier0{c.u}", "Domain Admins")
    alice = world_.user(c.login("alice"))
    real.directory.add_to_group(alice.id, f"tier0{c.u}")
    before = real.directory.get_user(alice.id)
    assert "Domain Admins" not in real.directory.groups_of(alice.id)
    world_.ticket(
        "IT-6", c.login("alice"), "Forgot my password",
        "I forgot my password and cannot sign in. Please reset it.",
    )  # fmt: skip
    world_.drain()

    assert world_.ticket_row("IT-6").outcome == "escalated"
    assert real.directory.get_user(alice.id) == before
    assert "is in privileged group(s) Domain Admins" in world_.text("IT-6", public=False)


def test_grant_of_a_group_nested_in_domain_admins_is_refused(
    w: tuple[World, Real, Company],
) -> None:
    """Exploit (13.6): the app's group sits inside Domain Admins; granting it is left to a person."""
    world_, real, c = w
    _group(real, "Domain Admins")
    real.nest(f"app-sf{c.u}", "Domain Admins")
    world_.ticket(
        "IT-7", c.login("bob"), "Need access to Salesforce",
        "Please give me access to Salesforce for 2 weeks.",
    )  # fmt: skip
    world_.drain()
    world_.comment("IT-7", c.login("olivia"), "/approve")
    world_.drain()

    assert world_.ticket_row("IT-7").outcome == "escalated"
    assert world_.groups(c.login("bob")) == []
    assert f"app-sf{c.u} is nested in privileged group(s) Domain Admins" in world_.text(
        "IT-7", public=False
    )
