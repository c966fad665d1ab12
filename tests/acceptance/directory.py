"""
The scenario's fake directory: a ``MemoryDirectory`` seeded from the file's ``directory``, that
also keeps what the acceptance vocabulary observes (active sessions, reset flows sent), counts
the mutating calls that changed something, and fails the n-th distinct mutation on demand.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Mapping
from typing import Any

from connectors.errors import UnavailableError
from connectors.identity import Change, NewUser, UserStatus
from connectors.identity.memory import MemoryDirectory

OPERATIONS = {
    "create_user": "create_user",
    "update_user": "update_attributes",
    "add_to_group": "add_member",
    "remove_from_group": "remove_member",
    "assign_license": "assign_licence",
    "remove_license": "remove_licence",
    "unlock": "unlock",
    "reset_mfa": "reset_mfa",
    "send_password_reset": "trigger_password_reset_flow",
    "disable_user": "disable_user",
    "revoke_sessions": "revoke_sessions",
    "enable_user": "enable_user",
    "delete_user": "delete_user",
    "set_one_time_password": "set_one_time_password",
}
"""deskpilot's directory operations → the acceptance file's names for them."""
SCALARS = ("email", "display_name", "given_name", "family_name", "department", "title")
ATTRIBUTES = ("employee_type", "contract_end", "owner", "location", "agency", "locale")
"""Directory attributes deskpilot may read (``DirectoryUser.attributes``)."""


class ScenarioDirectory(MemoryDirectory):
    """A ``MemoryDirectory`` that counts, observes and fails as the acceptance file describes."""

    def __init__(self, name: str, licences: Mapping[str, int], groups: list[str]) -> None:
        super().__init__(name, licenses=licences, groups=groups)
        self.applied: Counter[str] = Counter()
        """Mutations that changed something, by the file's operation name."""
        self.reset_flows: Counter[str] = Counter()
        self.sessions: set[str] = set()
        self.faults: list[dict[str, Any]] = []
        self._attempted: list[tuple[str, ...]] = []
        self._failed: set[tuple[str, ...]] = set()
        self._recording = False
        self._guard = threading.RLock()

    # -- seeding -------------------------------------------------------------------------------

    @classmethod
    def seed(cls, spec: Mapping[str, Any], name: str = "directory") -> ScenarioDirectory:
        """The file's ``directory`` as it is before any scenario event."""
        licences = {lic["sku"]: int(lic["seats_total"]) for lic in spec.get("licences", [])}
        groups = [g["name"] for g in spec.get("groups", [])]
        groups += [g for u in spec["users"] for g in u.get("groups", []) if g not in groups]
        directory = cls(name, licences, groups)
        ids = {}
        for user in spec["users"]:
            directory.create_user(_new_user(user))
            found = directory.find_user(login=user["login"])
            assert found is not None
            ids[user["login"]] = found.id
        for user in spec["users"]:
            directory._seed_user(ids[user["login"]], user, ids)
        directory.apply_counts.clear()
        directory._recording = True
        return directory

    def _seed_user(self, user_id: str, user: Mapping[str, Any], ids: Mapping[str, str]) -> None:
        if user.get("manager"):
            self.update_user(user_id, {"manager_id": ids[user["manager"]]})
        for group in user.get("groups", []):
            self.add_to_group(user_id, group)
        for sku in user.get("licences", []):
            self.assign_license(user_id, sku)
        if user.get("mfa_enrolled"):
            self.set_mfa_factors(user_id, ("push",))
        if user.get("locked"):
            self.lock(user_id)
        if user.get("disabled"):
            self.disable_user(user_id)
        if user.get("sessions_active"):
            self.sessions.add(user_id)
        self.reset_flows[user_id] = int(user.get("password_reset_flows_sent") or 0)

    # -- what a scenario observes ----------------------------------------------------------------

    def view(self, login: str) -> dict[str, Any] | None:
        """The user in the file's vocabulary (None when there is no such account)."""
        user = self.find_user(login=login)
        if user is None:
            return None
        manager = self.get_user(user.manager_id).login if user.manager_id else None
        view: dict[str, Any] = {key: getattr(user, key) for key in SCALARS}
        view |= {
            "login": user.login,
            "manager": manager,
            "disabled": user.status is UserStatus.DISABLED,
            "active": user.status is not UserStatus.DISABLED,
            "locked": user.locked,
            "mfa_enrolled": bool(user.mfa_factors),
            "sessions_active": user.id in self.sessions,
            "password_reset_flows_sent": self.reset_flows[user.id],
            "groups": sorted(self.groups_of(user.id)),
            "licences": sorted(self.licenses_of(user.id)),
            "attributes": dict(user.attributes),
        }
        return view

    def members(self, group: str) -> list[str]:
        """The logins in ``group``."""
        with self._lock:
            ids = set(self._groups.get(group, set()))
            return sorted(self.get_user(i).login for i in ids)

    def out_of_band(self, op: str, login: str, thing: str) -> None:
        """A human's change made directly in the directory: applied, never counted."""
        user = self.find_user(login=login)
        assert user is not None, f"directory_change: no user {login}"
        self._recording = False
        try:
            method = {
                "add_member": self.add_to_group,
                "remove_member": self.remove_from_group,
                "assign_licence": self.assign_license,
                "remove_licence": self.remove_license,
            }[op]
            method(user.id, thing)
        finally:
            self._recording = True

    # -- counting and faults ---------------------------------------------------------------------

    def _change(
        self,
        operation: str,
        target: str,
        before: Mapping[str, str | None],
        after: Mapping[str, str | None],
        changed: bool = True,
    ) -> Change:
        if changed and self._recording:
            self.applied[OPERATIONS.get(operation, operation)] += 1
        return super()._change(operation, target, before, after, changed)

    def _attempt(self, *key: str) -> None:
        """Raise the configured fault when this is the n-th distinct mutation deskpilot tried."""
        if not self._recording:
            return
        with self._guard:
            if key not in self._attempted:
                self._attempted.append(key)
            index = self._attempted.index(key) + 1
            for fault in self.faults:
                if fault["when"]["mutation_index"] != index:
                    continue
                if fault.get("persistent") or key not in self._failed:
                    self._failed.add(key)
                    error = fault.get("error", {})
                    raise UnavailableError(
                        f"{error.get('http_status', 503)} {error.get('message', 'unavailable')}",
                        system=self.name,
                    )

    def create_user(self, user: NewUser) -> Change:
        self._attempt("create_user", user.login)
        return super().create_user(user)

    def update_user(self, user_id: str, attributes: Mapping[str, str | None]) -> Change:
        self._attempt("update_user", user_id, *sorted(attributes))
        return super().update_user(user_id, attributes)

    def disable_user(self, user_id: str) -> Change:
        self._attempt("disable_user", user_id)
        return super().disable_user(user_id)

    def add_to_group(self, user_id: str, group: str) -> Change:
        self._attempt("add_to_group", user_id, group)
        return super().add_to_group(user_id, group)

    def remove_from_group(self, user_id: str, group: str) -> Change:
        self._attempt("remove_from_group", user_id, group)
        return super().remove_from_group(user_id, group)

    def assign_license(self, user_id: str, license_id: str) -> Change:
        self._attempt("assign_license", user_id, license_id)
        return super().assign_license(user_id, license_id)

    def remove_license(self, user_id: str, license_id: str) -> Change:
        self._attempt("remove_license", user_id, license_id)
        return super().remove_license(user_id, license_id)

    def unlock(self, user_id: str) -> Change:
        self._attempt("unlock", user_id)
        return super().unlock(user_id)

    def reset_mfa(self, user_id: str) -> Change:
        self._attempt("reset_mfa", user_id)
        return super().reset_mfa(user_id)

    def send_password_reset(self, user_id: str) -> Change:
        self._attempt("send_password_reset", user_id)
        change = super().send_password_reset(user_id)
        self.reset_flows[user_id] += 1
        return change

    def revoke_sessions(self, user_id: str) -> Change:
        self._attempt("revoke_sessions", user_id)
        with self._lock:
            self.get_user(user_id)
            active = user_id in self.sessions
            self.sessions.discard(user_id)
            return self._change(
                "revoke_sessions",
                user_id,
                {"sessions": "active" if active else "none"},
                {"sessions": "none"},
                active,
            )


def _new_user(user: Mapping[str, Any]) -> NewUser:
    attributes = {key: str(user[key]) for key in ATTRIBUTES if user.get(key) is not None}
    if user.get("privileged"):
        attributes["privileged"] = "true"
    for sku, day in (user.get("licence_last_used") or {}).items():
        attributes[f"licence_last_used.{sku}"] = str(day)
    return NewUser(
        login=user["login"],
        given_name=user.get("given_name") or "",
        family_name=user.get("family_name") or "",
        email=user.get("email"),
        display_name=user.get("display_name"),
        title=user.get("title"),
        department=user.get("department"),
        attributes=attributes,
    )


def user_by_email(spec: Mapping[str, Any], email: str) -> Mapping[str, Any] | None:
    """The file's user whose desk identity is ``email`` (case-insensitive)."""
    wanted = email.casefold()
    return next((u for u in spec["users"] if (u.get("email") or "").casefold() == wanted), None)


__all__ = ["OPERATIONS", "ScenarioDirectory", "user_by_email"]
