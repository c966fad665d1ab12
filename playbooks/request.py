"""
What the planner is asked to do, and the read-only view of a directory it plans against.

The worker fills ``PlanRequest`` from the classifier's result and the ticket; the planner never
sees the classifier's own types, so the two can change independently.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from connectors.identity import Capability, DirectoryUser, License, UserPage
from intake.classifier.result import Classification
from intake.model import Ticket


class DirectoryReader(Protocol):
    """The read-only part of ``DirectoryClient`` that planning needs."""

    name: str
    capabilities: frozenset[Capability]

    def find_user(
        self,
        *,
        email: str | None = None,
        login: str | None = None,
        employee_id: str | None = None,
    ) -> DirectoryUser | None:
        """Return the one account matching every given key, None if none does."""
        ...

    def get_user(self, user_id: str) -> DirectoryUser:
        """Read an account with its status; NotFoundError if it does not exist."""
        ...

    def groups_of(self, user_id: str) -> list[str]:
        """The names of the groups the account is a direct member of, sorted."""
        ...

    def transitive_groups_of(self, user_id: str) -> list[str]:
        """Every group the account belongs to, directly or through nested groups, sorted."""
        ...

    def groups_containing(self, group: str) -> list[str]:
        """Every group ``group`` is nested in, directly or transitively, sorted."""
        ...

    def licenses_of(self, user_id: str) -> list[str]:
        """The ids of the licences assigned to the account, sorted."""
        ...

    def list_licenses(self) -> list[License]:
        """The licences this system can assign, with seat counts where known."""
        ...

    def list_users(self, cursor: str | None = None, page_size: int = 200) -> UserPage:
        """One page of accounts (for finding people by name); ``cursor`` None is the first."""
        ...


@dataclass(frozen=True)
class PlanRequest:
    """One ask, as the worker understood it from the ticket and the classifier."""

    intent: str
    ticket: Ticket
    requester: DirectoryUser | None
    """The requester's account, looked up by the worker from the desk e-mail; None if unknown."""
    target_text: str | None = None
    target_email: str | None = None
    target_login: str | None = None
    target_name: str | None = None
    target_is_requester: bool = False
    application: str | None = None
    application_text: str | None = None
    group: str | None = None
    until: datetime | None = None
    duration_s: int | None = None
    effective_date: datetime | None = None
    manager_text: str | None = None
    desk_fields: Mapping[str, str] = field(default_factory=dict)
    """Desk form fields (merged over ``ticket.custom_fields``)."""
    confidence: float | None = None

    @property
    def fields(self) -> Mapping[str, str]:
        """The ticket's custom fields with ``desk_fields`` on top."""
        return {**self.ticket.custom_fields, **self.desk_fields}


def plan_request(
    ticket: Ticket, classification: Classification, requester: DirectoryUser | None
) -> PlanRequest:
    """
    The request a playbook is planned from: what the classifier understood of ``ticket``.

    Args:
        ticket: the normalised ticket.
        classification: its intent and entities.
        requester: the requester's directory account (None when not found).
    """
    e = classification.entities
    return PlanRequest(
        intent=classification.intent,
        ticket=ticket,
        requester=requester,
        target_text=e.target_text,
        target_email=e.target_email,
        target_login=e.target_login,
        target_name=e.target_name,
        target_is_requester=e.target_is_requester,
        application=e.application,
        application_text=e.application_text,
        group=e.group,
        until=e.until,
        duration_s=e.duration_s,
        effective_date=e.effective_date,
        manager_text=e.manager_text,
        desk_fields=dict(ticket.custom_fields),
    )
