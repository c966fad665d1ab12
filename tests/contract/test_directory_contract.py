"""
The DirectoryClient contract, run unchanged on every implementation (see conftest.py).

Each test isolates itself with unique user and group names, because the real servers are shared
by the whole session.
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Callable

import pytest

from connectors.errors import AuthError, NotFoundError, NotSupportedError
from connectors.identity import (
    Capability,
    Change,
    DirectoryClient,
    DirectoryUser,
    NewUser,
    UserStatus,
    iter_users,
)
from tests.contract.backends import Backend


def new_user(unique: str, **extra: str | bool | None) -> NewUser:
    base = NewUser(
        login=f"u{unique}",
        given_name="Ada",
        family_name=f"Lovelace{unique}",
        email=f"ada.{unique}@example.org",
        display_name=f"Ada Lovelace {unique}",
        employee_id=f"E{unique}",
        title="Engineer",
        department="R&D",
    )
    return dataclasses.replace(base, **extra)  # type: ignore[arg-type]


def created(directory: DirectoryClient, user: NewUser) -> DirectoryUser:
    change = directory.create_user(user)
    return directory.get_user(change.target)


def need(directory: DirectoryClient, capability: Capability) -> None:
    if capability not in directory.capabilities:
        pytest.skip(f"{directory.name} does not claim {capability}")


def missing_id(directory: DirectoryClient) -> str:
    """An id shaped like the directory's own ids that belongs to nobody."""
    sample = directory.create_user(new_user(uuid.uuid4().hex[:8])).target
    directory.delete_user(sample)
    return sample


# -- reads ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "key", ["login", "email", "employee_id"], ids=["login", "email", "employee-id"]
)
def test_find_user_by_each_key(directory: DirectoryClient, unique: str, key: str) -> None:
    """An account is found by its login, its e-mail and its employee id."""
    user = new_user(unique)
    ada = created(directory, user)

    found = directory.find_user(**{key: getattr(user, key)})

    assert found is not None
    assert ada.id == found.id


def test_find_user_matches_every_given_key(directory: DirectoryClient, unique: str) -> None:
    """Keys combine with AND: a right login with a wrong e-mail finds nobody."""
    user = new_user(unique)
    created(directory, user)

    assert directory.find_user(login=user.login, email="nobody@example.org") is None
    assert directory.find_user(login=f"nobody{unique}") is None


def test_get_user_reports_fields_and_status(directory: DirectoryClient, unique: str) -> None:
    """A new account reads back with its fields, enabled, unlocked."""
    ada = created(directory, new_user(unique))

    expected = (f"u{unique}", f"ada.{unique}@example.org", "Ada", f"Lovelace{unique}", f"E{unique}")
    actual = (ada.login, ada.email, ada.given_name, ada.family_name, ada.employee_id)
    assert expected == actual
    assert (ada.title, ada.department) == ("Engineer", "R&D")
    assert (ada.status, ada.locked) == (UserStatus.ACTIVE, False)


def test_unknown_id_is_not_found(directory: DirectoryClient) -> None:
    """Reading or changing an id nobody has raises NotFoundError."""
    nobody = missing_id(directory)

    with pytest.raises(NotFoundError):
        directory.get_user(nobody)
    with pytest.raises(NotFoundError):
        directory.groups_of(nobody)


# -- create / update / delete -----------------------------------------------------------------


def test_create_twice_adopts_the_existing_account(directory: DirectoryClient, unique: str) -> None:
    """Creating the same login again adopts the account instead of failing or duplicating."""
    first = directory.create_user(new_user(unique))
    second = directory.create_user(new_user(unique, email=f"other.{unique}@example.org"))

    assert (first.changed, second.changed) == (True, False)
    assert first.target == second.target


def test_create_disabled(directory: DirectoryClient, unique: str) -> None:
    """``enabled=False`` creates a disabled account."""
    ada = created(directory, new_user(unique, enabled=False))

    assert ada.status == UserStatus.DISABLED


def test_update_sets_clears_and_is_idempotent(directory: DirectoryClient, unique: str) -> None:
    """Update writes only what differs; the same update again changes nothing."""
    ada = created(directory, new_user(unique))
    wanted: dict[str, str | None] = {"title": "Director", "department": None}

    first = directory.update_user(ada.id, wanted)
    second = directory.update_user(ada.id, wanted)

    assert (first.changed, second.changed) == (True, False)
    assert first.before == {"title": "Engineer", "department": "R&D"}
    after = directory.get_user(ada.id)
    assert (after.title, after.department) == ("Director", None)


def test_manager_round_trips_as_an_id(directory: DirectoryClient, unique: str) -> None:
    """``manager_id`` is written and read back as the manager's own id."""
    boss = created(directory, new_user(f"b{unique}"[:8] + "b"))
    ada = created(directory, new_user(unique, manager_id=boss.id))

    assert boss.id == ada.manager_id


def test_disable_and_enable_are_idempotent(directory: DirectoryClient, unique: str) -> None:
    """Disable twice and enable twice: one change each."""
    ada = created(directory, new_user(unique))

    changes = [
        directory.disable_user(ada.id),
        directory.disable_user(ada.id),
    ]
    disabled = directory.get_user(ada.id).status
    changes += [directory.enable_user(ada.id), directory.enable_user(ada.id)]

    assert [c.changed for c in changes] == [True, False, True, False]
    assert (disabled, directory.get_user(ada.id).status) == (UserStatus.DISABLED, UserStatus.ACTIVE)


def test_delete_is_idempotent(directory: DirectoryClient, unique: str) -> None:
    """Delete twice: the second call finds it gone and reports no change."""
    ada = created(directory, new_user(unique))

    changes = [directory.delete_user(ada.id), directory.delete_user(ada.id)]

    assert [c.changed for c in changes] == [True, False]
    with pytest.raises(NotFoundError):
        directory.get_user(ada.id)


# -- groups ---------------------------------------------------------------------------------


def test_group_membership_is_idempotent(backend: Backend, unique: str) -> None:
    """Add twice, remove twice: one change each way, and groups_of follows."""
    directory, group = backend.directory, f"g{unique}"
    backend.make_group(group)
    ada = created(directory, new_user(unique))

    added = [directory.add_to_group(ada.id, group), directory.add_to_group(ada.id, group)]
    member_of = directory.groups_of(ada.id)
    removed = [
        directory.remove_from_group(ada.id, group),
        directory.remove_from_group(ada.id, group),
    ]

    assert [c.changed for c in added + removed] == [True, False, True, False]
    assert [group] == member_of
    assert directory.groups_of(ada.id) == []


def test_last_member_can_leave_and_come_back(backend: Backend, unique: str) -> None:
    """Removing a group's only member works and leaves a group that still takes members."""
    directory, group = backend.directory, f"g{unique}"
    backend.make_group(group)
    ada = created(directory, new_user(unique))
    bob = created(directory, new_user(f"b{unique}"[:8] + "b"))

    directory.add_to_group(ada.id, group)
    directory.remove_from_group(ada.id, group)
    directory.add_to_group(bob.id, group)

    assert ([], [group]) == (directory.groups_of(ada.id), directory.groups_of(bob.id))


def _nested_chain(backend: Backend, unique: str) -> tuple[str, str, str]:
    """Groups inner ⊂ middle ⊂ outer (each a member of the next), created fresh."""
    if backend.nest_group is None:
        pytest.skip("this backend cannot nest groups")
    inner, middle, outer = f"gi{unique}", f"gm{unique}", f"go{unique}"
    for group in (inner, middle, outer):
        backend.make_group(group)
    backend.nest_group(inner, middle)
    backend.nest_group(middle, outer)
    return inner, middle, outer


def test_membership_through_nested_groups_is_transitive(backend: Backend, unique: str) -> None:
    """A member of a group nested two levels deep holds all three; groups_of stays direct."""
    directory = backend.directory
    inner, middle, outer = _nested_chain(backend, unique)
    ada = created(directory, new_user(unique))
    directory.add_to_group(ada.id, inner)

    assert [inner] == directory.groups_of(ada.id)
    assert sorted([inner, middle, outer]) == directory.transitive_groups_of(ada.id)
    assert sorted([middle, outer]) == directory.groups_containing(inner)
    assert [] == directory.groups_containing(outer)


def test_nesting_cycle_ends_the_walk(backend: Backend, unique: str) -> None:
    """Groups nested in a circle (outer back in inner) are each reported once; nothing loops."""
    directory = backend.directory
    inner, middle, outer = _nested_chain(backend, unique)
    assert backend.nest_group is not None
    backend.nest_group(outer, inner)
    ada = created(directory, new_user(unique))
    directory.add_to_group(ada.id, middle)

    assert sorted([inner, middle, outer]) == directory.transitive_groups_of(ada.id)
    assert sorted([middle, outer]) == directory.groups_containing(inner)


def test_unknown_group_is_not_found(directory: DirectoryClient, unique: str) -> None:
    """Membership changes on a group that does not exist raise NotFoundError."""
    ada = created(directory, new_user(unique))

    with pytest.raises(NotFoundError):
        directory.add_to_group(ada.id, f"missing-{unique}")


# -- passwords and lockout ------------------------------------------------------------------


def test_one_time_password_must_be_changed(backend: Backend, unique: str) -> None:
    """A one-time password sets must-change, and the change record never holds it."""
    directory = backend.directory
    need(directory, Capability.ONE_TIME_PASSWORD)
    ada = created(directory, new_user(unique))

    change = directory.set_one_time_password(ada.id, backend.strong_password)

    assert directory.get_user(ada.id).password_must_change
    assert backend.strong_password not in repr(change)


def test_unlock_clears_a_real_lockout(backend: Backend, unique: str) -> None:
    """An account locked by failed logins is unlocked once; unlocking again changes nothing."""
    directory = backend.directory
    need(directory, Capability.UNLOCK)
    assert backend.lock is not None
    ada = created(directory, new_user(unique))
    if Capability.ONE_TIME_PASSWORD in directory.capabilities:
        directory.set_one_time_password(ada.id, backend.strong_password)
    backend.lock(directory.get_user(ada.id))

    locked = directory.get_user(ada.id)
    changes = [directory.unlock(ada.id), directory.unlock(ada.id)]

    assert (locked.locked, locked.status) == (True, UserStatus.LOCKED)
    assert [c.changed for c in changes] == [True, False]
    assert (
        directory.get_user(ada.id).locked,
        directory.get_user(ada.id).status,
    ) == (False, UserStatus.ACTIVE)


# -- listing --------------------------------------------------------------------------------


def test_list_users_pages_through_everyone(directory: DirectoryClient, unique: str) -> None:
    """Small pages together list every account exactly once."""
    ids = {created(directory, new_user(f"{unique[:6]}{n}x")).id for n in range(3)}

    listed = [user.id for user in iter_users(directory, page_size=2)]

    assert len(listed) == len(set(listed))
    assert ids <= set(listed)


# -- what is not claimed, and bad credentials --------------------------------------------------

UNCLAIMED: dict[Capability, Callable[[DirectoryClient, str], object]] = {
    Capability.RESET_PASSWORD_FLOW: lambda d, uid: d.send_password_reset(uid),
    Capability.RESET_MFA: lambda d, uid: d.reset_mfa(uid),
    Capability.REVOKE_SESSIONS: lambda d, uid: d.revoke_sessions(uid),
    Capability.LICENSES: lambda d, uid: d.licenses_of(uid),
    Capability.ONE_TIME_PASSWORD: lambda d, uid: d.set_one_time_password(uid, "Zq7!x-Pass-1"),
    Capability.UNLOCK: lambda d, uid: d.unlock(uid),
}


@pytest.mark.parametrize("capability", list(UNCLAIMED), ids=[str(c) for c in UNCLAIMED])
def test_unclaimed_capability_is_not_supported(
    directory: DirectoryClient, unique: str, capability: Capability
) -> None:
    """An operation the directory does not claim raises NotSupportedError, never fakes it."""
    if capability in directory.capabilities:
        pytest.skip(f"{directory.name} claims {capability}")
    ada = created(directory, new_user(unique))

    with pytest.raises(NotSupportedError):
        UNCLAIMED[capability](directory, ada.id)


def test_bad_credentials_are_an_auth_error(backend: Backend) -> None:
    """A wrong bind password or token is a permanent AuthError, not a retryable one."""
    if backend.with_bad_credentials is None:
        pytest.skip(f"{backend.directory.name} has no credentials")

    with pytest.raises(AuthError):
        backend.with_bad_credentials().find_user(login="anyone")


def test_changes_name_the_system_and_target(directory: DirectoryClient, unique: str) -> None:
    """Every Change says where it happened and to whom."""
    change: Change = directory.create_user(new_user(unique))

    assert (directory.name, "create_user") == (change.system, change.operation)
    assert directory.get_user(change.target).login == f"u{unique}"
