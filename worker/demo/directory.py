"""
The demo's directory: the in-memory one, which the demo's history can make read-only a while.

During the simulated incident (``worker.demo.history``) deskpilot talks to a read-only domain
controller after a failover: reads answer, every change is refused as such a controller refuses
it (LDAP ``unwillingToPerform``: ``RejectedError``, nothing changed, retrying will not help). So
tickets are classified and planned as usual, and the runs that reach the directory fail at their
first change, are compensated and escalated, exactly as in production.
"""

from __future__ import annotations

from collections.abc import Mapping

from connectors.errors import RejectedError
from connectors.identity import Change, NewUser
from connectors.identity.memory import MemoryDirectory


class DemoDirectory(MemoryDirectory):
    """A ``MemoryDirectory`` whose writes are refused while ``writable`` is False."""

    writable = True

    def _write(self) -> None:
        if not self.writable:
            raise RejectedError(
                f"{self.name}: unwillingToPerform: the domain controller is read-only",
                system=self.name,
            )

    def create_user(self, user: NewUser) -> Change:
        self._write()
        return super().create_user(user)

    def update_user(self, user_id: str, attributes: Mapping[str, str | None]) -> Change:
        self._write()
        return super().update_user(user_id, attributes)

    def disable_user(self, user_id: str) -> Change:
        self._write()
        return super().disable_user(user_id)

    def enable_user(self, user_id: str) -> Change:
        self._write()
        return super().enable_user(user_id)

    def delete_user(self, user_id: str) -> Change:
        self._write()
        return super().delete_user(user_id)

    def add_to_group(self, user_id: str, group: str) -> Change:
        self._write()
        return super().add_to_group(user_id, group)

    def remove_from_group(self, user_id: str, group: str) -> Change:
        self._write()
        return super().remove_from_group(user_id, group)

    def send_password_reset(self, user_id: str) -> Change:
        self._write()
        return super().send_password_reset(user_id)

    def set_one_time_password(self, user_id: str, password: str) -> Change:
        self._write()
        return super().set_one_time_password(user_id, password)

    def unlock(self, user_id: str) -> Change:
        self._write()
        return super().unlock(user_id)

    def reset_mfa(self, user_id: str) -> Change:
        self._write()
        return super().reset_mfa(user_id)

    def revoke_sessions(self, user_id: str) -> Change:
        self._write()
        return super().revoke_sessions(user_id)

    def assign_license(self, user_id: str, license_id: str) -> Change:
        self._write()
        return super().assign_license(user_id, license_id)

    def remove_license(self, user_id: str, license_id: str) -> Change:
        self._write()
        return super().remove_license(user_id, license_id)
