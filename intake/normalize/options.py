"""
The desk options the normalizers read, in the one form they read them.

The configuration (``desks[].options``, validated by ``worker.wiring.desk_options``) accepts the
inbound overrides either as ``"desk name=deskpilot value; …"`` text or as a YAML mapping; both
become the mappings below before a delivery is normalized, so a bad value is a configuration
error found by ``deskpilot check``, never a delivery that fails.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TypeVar

from intake.model import Priority, StatusCategory

E = TypeVar("E", bound=enum.StrEnum)


@dataclass(frozen=True)
class IntakeOptions:
    """What an admin configured about reading one desk's tickets (all optional)."""

    request_type_field: str | None = None
    """Jira: the custom field holding the JSM request type (absent: the first one found)."""
    team_field: str | None = None
    """Jira: the field naming the team (absent: the issue's first component)."""
    statuses: Mapping[str, StatusCategory] = field(default_factory=dict)
    """``inbound_status_map``: desk status name (lower case) → deskpilot status category."""
    priorities: Mapping[str, Priority] = field(default_factory=dict)
    """``priority_map``: desk priority name (lower case) → deskpilot priority."""

    @classmethod
    def of(
        cls,
        *,
        request_type_field: str | None = None,
        team_field: str | None = None,
        statuses: Mapping[str, StatusCategory] | None = None,
        priorities: Mapping[str, Priority] | None = None,
    ) -> IntakeOptions:
        """Options whose override names compare case-insensitively, whatever case they came in."""
        return cls(
            request_type_field=request_type_field,
            team_field=team_field,
            statuses={name.strip().lower(): value for name, value in (statuses or {}).items()},
            priorities={name.strip().lower(): value for name, value in (priorities or {}).items()},
        )


def parse_pairs(raw: str) -> dict[str, str]:
    """
    ``"Waiting for CAB=pending_approval; Fixed=resolved"`` (``;`` or ``,`` between pairs) as
    ``{name: value}``; ValueError naming a pair that is not ``name=value``.
    """
    result: dict[str, str] = {}
    for pair in raw.replace(",", ";").split(";"):
        if not pair.strip():
            continue
        name, sep, value = pair.partition("=")
        if not sep or not name.strip() or not value.strip():
            raise ValueError(f"{pair.strip()!r} is not desk name=deskpilot value")
        result[name.strip()] = value.strip()
    return result


def allowed(kind: type[E]) -> str:
    """The values of ``kind``, as a list to show in an error."""
    return ", ".join(member.value for member in kind)


__all__ = ["IntakeOptions", "allowed", "parse_pairs"]
