"""An in-memory directory: the demo's and the fast tests' stand-in, held to the same contract."""

from __future__ import annotations

import dataclasses
import hashlib
import itertools
import threading
from collections import defaultdict
from collections.abc import Iterable, Mapping

from connectors.errors import NotFoundError, RejectedError
from connectors.identity import (
    Capability,
    Change,
    DirectoryUser,
    License,
    NewUser,
    UserPage,
    UserStatus,
)
from connectors.identity.changes import ChangeRecorder
from connectors.identity.nesting import walk_up

_EDITABLE = frozenset(
    {
        "email",
        "display_name",
        "given_name",
        "family_name",
        "employee_id",
        "title",
        "department",
        "manager_id",
    }
)


class MemoryDirectory(ChangeRecorder):
    """
    A directory in a dict. Every operation is idempotent and reports a ``Change``.

    ``apply_counts`` counts the operations that really changed something, per (operation, target),
    so tests can prove that nothing was applied twice.
    """

    capabilities = frozenset(Capability)

    def __init__(
        self,
        name: str = "memory",
        licenses: Mapping[str, int] | None = None,
        groups: Iterable[str] | None = None,
    ) -> None:
        """
        Args:
            name: the instance name.
            licenses: licence id → seats.
            groups: the groups that exist. None (the demo's default) accepts any group name,
                as if every group existed; with a list, other names raise NotFoundError like a
                real directory (``create_group`` adds one).
        """
        self.name = name
        self._known_groups: set[str] | None = None if groups is None else set(groups)
        self._lock = threading.RLock()
        self._ids = itertools.count(1)
        self._users: dict[str, DirectoryUser] = {}
        self._by_login: dict[str, list[str]] = {}
        self._by_email: dict[str, list[str]] = {}
        """Lower-cased login / e-mail → user ids (a look-up is a dict hit, not a scan)."""
        self._position: dict[str, int] = {}
        self._groups: dict[str, set[str]] = defaultdict(set)
        self._nested: dict[str, set[str]] = defaultdict(set)
        """Group → the groups that are direct members of it."""
        self._licenses: dict[str, set[str]] = defaultdict(set)
        self._seats: dict[str, int] = dict(licenses or {})
        self._password_digests: dict[str, str] = {}
        self.apply_counts: dict[tuple[str, str], int] = defaultdict(int)
        self.reset_emails: list[str] = []

    # -- reads -------------------------------------------------------------------------------

    def find_user(
        self,
        *,
        email: str | None = None,
        login: str | None = None,
        employee_id: str | None = None,
    ) -> DirectoryUser | None:
        if email is None and login is None and employee_id is None:
            raise RejectedError(
                "find_user needs an email, a login or an employee id", system=self.name
            )
        with self._lock:
            if login is not None:
                candidates = self._by_login.get(login.lower(), [])
            elif email is not None:
                candidates = self._by_email.get(email.lower(), [])
            else:
                candidates = list(self._users)
            for user_id in sorted(candidates, key=self._position.__getitem__):
                user = self._users[user_id]
                if email is not None and (user.email or "").lower() != email.lower():
                    continue
                if login is not None and user.login.lower() != login.lower():
                    continue
                if employee_id is not None and user.employee_id != employee_id:
                    continue
                return user
            return None

    def get_user(self, user_id: str) -> DirectoryUser:
        with self._lock:
            try:
                return self._users[user_id]
            except KeyError:
                raise NotFoundError(f"no user {user_id}", system=self.name) from None

    def groups_of(self, user_id: str) -> list[str]:
        with self._lock:
            self.get_user(user_id)
            return sorted(g for g, members in self._groups.items() if user_id in members)

    def transitive_groups_of(self, user_id: str) -> list[str]:
        with self._lock:
            direct = self.groups_of(user_id)
            return sorted(set(direct) | walk_up(direct, self._parents))

    def groups_containing(self, group: str) -> list[str]:
        with self._lock:
            self._check_group(group)
            return sorted(walk_up([group], self._parents))

    def _parents(self, group: str) -> list[str]:
        return [parent for parent, children in self._nested.items() if group in children]

    def list_licenses(self) -> list[License]:
        with self._lock:
            return [
                License(sku, sku, total=seats, assigned=len(self._licenses[sku]))
                for sku, seats in sorted(self._seats.items())
            ]

    def licenses_of(self, user_id: str) -> list[str]:
        with self._lock:
            self.get_user(user_id)
            return sorted(sku for sku, holders in self._licenses.items() if user_id in holders)

    def list_users(self, cursor: str | None = None, page_size: int = 200) -> UserPage:
        with self._lock:
            ids = sorted(self._users)
            start = int(cursor or 0)
            chunk = ids[start : start + page_size]
            end = start + len(chunk)
            return UserPage(
                tuple(self._users[i] for i in chunk), cursor=str(end) if end < len(ids) else None
            )

    # -- changes -----------------------------------------------------------------------------

    def create_user(self, user: NewUser) -> Change:
        with self._lock:
            existing = self.find_user(login=user.login)
            if existing is not None:
                return self._change(
                    "create_user",
                    existing.id,
                    {"exists": "true"},
                    {"exists": "true", "login": existing.login},
                    False,
                )
            user_id = f"u{next(self._ids):05d}"
            self._store(
                DirectoryUser(
                    id=user_id,
                    login=user.login,
                    email=user.email,
                    display_name=user.display_name or f"{user.given_name} {user.family_name}",
                    given_name=user.given_name,
                    family_name=user.family_name,
                    employee_id=user.employee_id,
                    title=user.title,
                    department=user.department,
                    manager_id=user.manager_id,
                    status=UserStatus.ACTIVE if user.enabled else UserStatus.DISABLED,
                    attributes=dict(user.attributes),
                )
            )
            return self._change(
                "create_user", user_id, {"exists": "false"}, {"exists": "true", "login": user.login}
            )

    def update_user(self, user_id: str, attributes: Mapping[str, str | None]) -> Change:
        with self._lock:
            user = self.get_user(user_id)
            unknown = set(attributes) - _EDITABLE
            if unknown:
                raise RejectedError(f"cannot update {sorted(unknown)}", system=self.name)
            before = {k: getattr(user, k) for k in attributes}
            wanted = dict(attributes)
            if before == wanted:
                return self._change("update_user", user_id, before, wanted, False)
            self._store(dataclasses.replace(user, **wanted))  # type: ignore[arg-type]
            return self._change("update_user", user_id, before, wanted)

    def disable_user(self, user_id: str) -> Change:
        return self._set_status(user_id, UserStatus.DISABLED, "disable_user")

    def enable_user(self, user_id: str) -> Change:
        return self._set_status(user_id, UserStatus.ACTIVE, "enable_user")

    def delete_user(self, user_id: str) -> Change:
        with self._lock:
            if user_id not in self._users:
                return self._deleted(user_id, existed=False)
            self._unindex(self._users.pop(user_id))
            for members in (*self._groups.values(), *self._licenses.values()):
                members.discard(user_id)
            return self._deleted(user_id)

    def _store(self, user: DirectoryUser) -> None:
        """Put ``user`` (new or changed) in place, keeping the login and e-mail indexes."""
        old = self._users.get(user.id)
        if old is not None:
            self._unindex(old)
        self._position.setdefault(user.id, len(self._position))
        self._users[user.id] = user
        self._by_login.setdefault(user.login.lower(), []).append(user.id)
        self._by_email.setdefault((user.email or "").lower(), []).append(user.id)

    def _unindex(self, user: DirectoryUser) -> None:
        for index, key in (
            (self._by_login, user.login.lower()),
            (self._by_email, (user.email or "").lower()),
        ):
            ids = index.get(key, [])
            if user.id in ids:
                ids.remove(user.id)
            if not ids:
                index.pop(key, None)

    def create_group(self, group: str) -> None:
        """Make ``group`` exist (for tests and the demo; groups are not a Protocol operation)."""
        with self._lock:
            if self._known_groups is not None:
                self._known_groups.add(group)

    def nest_group(self, child: str, parent: str) -> None:
        """Make group ``child`` a member of group ``parent`` (for tests and the demo)."""
        with self._lock:
            self._check_group(child)
            self._check_group(parent)
            self._nested[parent].add(child)

    def _check_group(self, group: str) -> None:
        if self._known_groups is not None and group not in self._known_groups:
            raise NotFoundError(f"no single group named {group!r}", system=self.name)

    def add_to_group(self, user_id: str, group: str) -> Change:
        with self._lock:
            self.get_user(user_id)
            self._check_group(group)
            present = user_id in self._groups[group]
            self._groups[group].add(user_id)
            return self._membership("add_to_group", user_id, group, present, True)

    def remove_from_group(self, user_id: str, group: str) -> Change:
        with self._lock:
            self.get_user(user_id)
            self._check_group(group)
            present = user_id in self._groups.get(group, set())
            self._groups[group].discard(user_id)
            return self._membership("remove_from_group", user_id, group, present, False)

    def send_password_reset(self, user_id: str) -> Change:
        with self._lock:
            user = self.get_user(user_id)
            self.reset_emails.append(user_id)
            self._store(dataclasses.replace(user, password_must_change=True))
            return self._change(
                "send_password_reset",
                user_id,
                {"reset_link_sent": None},
                {"reset_link_sent": "true"},
            )

    def set_one_time_password(self, user_id: str, password: str) -> Change:
        with self._lock:
            user = self.get_user(user_id)
            # Keep only a digest, as a real directory would: the password itself goes nowhere.
            self._password_digests[user_id] = hashlib.sha256(password.encode()).hexdigest()
            self._store(dataclasses.replace(user, password_must_change=True))
            return self._change(
                "set_one_time_password",
                user_id,
                {"password_must_change": str(user.password_must_change).lower()},
                {"password_must_change": "true"},
            )

    def check_password(self, user_id: str, password: str) -> bool:
        """True if ``password`` is the account's current one (for tests; never logged)."""
        digest = hashlib.sha256(password.encode()).hexdigest()
        return self._password_digests.get(user_id) == digest

    def unlock(self, user_id: str) -> Change:
        with self._lock:
            user = self.get_user(user_id)
            if not user.locked:
                return self._change(
                    "unlock", user_id, {"locked": "false"}, {"locked": "false"}, False
                )
            status = UserStatus.ACTIVE if user.status is UserStatus.LOCKED else user.status
            self._store(dataclasses.replace(user, locked=False, status=status))
            return self._change("unlock", user_id, {"locked": "true"}, {"locked": "false"})

    def lock(self, user_id: str) -> None:
        """Lock the account, as too many failed logins would (for the demo and tests)."""
        with self._lock:
            user = self.get_user(user_id)
            self._store(dataclasses.replace(user, locked=True, status=UserStatus.LOCKED))

    def set_mfa_factors(self, user_id: str, factors: tuple[str, ...]) -> None:
        """Enrol the account in MFA factors, as the user would (for the demo and tests)."""
        with self._lock:
            user = self.get_user(user_id)
            self._store(dataclasses.replace(user, mfa_factors=tuple(factors)))

    def reset_mfa(self, user_id: str) -> Change:
        with self._lock:
            user = self.get_user(user_id)
            before = ",".join(user.mfa_factors)
            if not user.mfa_factors:
                return self._change(
                    "reset_mfa", user_id, {"mfa_factors": ""}, {"mfa_factors": ""}, False
                )
            self._store(dataclasses.replace(user, mfa_factors=()))
            return self._change("reset_mfa", user_id, {"mfa_factors": before}, {"mfa_factors": ""})

    def revoke_sessions(self, user_id: str) -> Change:
        with self._lock:
            self.get_user(user_id)
            return self._change(
                "revoke_sessions", user_id, {"sessions": None}, {"sessions": "revoked"}
            )

    def assign_license(self, user_id: str, license_id: str) -> Change:
        with self._lock:
            self.get_user(user_id)
            if license_id not in self._seats:
                raise NotFoundError(f"no licence {license_id}", system=self.name)
            holders = self._licenses[license_id]
            if user_id in holders:
                return self._license("assign_license", user_id, license_id, True, True)
            if len(holders) >= self._seats[license_id]:
                raise RejectedError(f"no seats left on {license_id}", system=self.name)
            holders.add(user_id)
            return self._license("assign_license", user_id, license_id, False, True)

    def remove_license(self, user_id: str, license_id: str) -> Change:
        with self._lock:
            self.get_user(user_id)
            holders = self._licenses[license_id]
            present = user_id in holders
            holders.discard(user_id)
            return self._license("remove_license", user_id, license_id, present, False)

    # -- helpers -----------------------------------------------------------------------------

    def _set_status(self, user_id: str, status: UserStatus, operation: str) -> Change:
        with self._lock:
            user = self.get_user(user_id)
            if user.status is status:
                return self._change(
                    operation, user_id, {"status": status}, {"status": status}, False
                )
            self._store(dataclasses.replace(user, status=status))
            return self._change(operation, user_id, {"status": user.status}, {"status": status})

    def _change(
        self,
        operation: str,
        target: str,
        before: Mapping[str, str | None],
        after: Mapping[str, str | None],
        changed: bool = True,
    ) -> Change:
        """``ChangeRecorder._change``, counting every change applied (what tests of exactly-once read)."""
        if changed:
            self.apply_counts[(operation, target)] += 1
        return super()._change(operation, target, before, after, changed)
