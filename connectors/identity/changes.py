"""How every directory connector reports what an operation changed (one place, not seven)."""

from __future__ import annotations

from collections.abc import Mapping

from connectors.identity import Change


class ChangeRecorder:
    """Mixin building ``Change`` records for a directory named ``self.name``."""

    name: str

    def _change(
        self,
        operation: str,
        target: str,
        before: Mapping[str, str | None],
        after: Mapping[str, str | None],
        changed: bool = True,
    ) -> Change:
        return Change(operation, self.name, target, dict(before), dict(after), changed)

    def _flag_change(self, op: str, user_id: str, key: str, was: bool, now: bool) -> Change:
        """A yes/no fact (member of, licence held, locked…) before and after; changed if it moved."""
        return self._change(
            op, user_id, {key: str(was).lower()}, {key: str(now).lower()}, was != now
        )

    def _deleted(self, user_id: str, *, existed: bool = True, **before: str | None) -> Change:
        """``delete_user``'s record: gone now; unchanged when it was gone already (idempotent)."""
        return self._change(
            "delete_user",
            user_id,
            {"exists": str(existed).lower(), **before},
            {"exists": "false"},
            existed,
        )

    def _membership(self, op: str, user_id: str, group: str, was: bool, now: bool) -> Change:
        return self._flag_change(op, user_id, f"member_of:{group}", was, now)

    def _license(self, op: str, user_id: str, sku: str, was: bool, now: bool) -> Change:
        return self._flag_change(op, user_id, f"license:{sku}", was, now)
