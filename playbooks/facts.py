"""
What a template and a note see of a request: the ticket, its form fields, a directory user, a value.

Pure functions of the request (and the settings that name its fields); ``resolve`` builds on them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict
from datetime import datetime
from typing import Any

from connectors.identity import DirectoryUser
from playbooks.config import PolicySettings, field_key
from playbooks.request import PlanRequest
from playbooks.targets import text_fields


def user_facts(user: DirectoryUser | None) -> dict[str, Any] | None:
    """
    A directory user as a template sees it (a plain dict, status as text).

    Args:
        user: the account, or None.
    """
    if user is None:
        return None
    facts = asdict(user)
    facts["status"] = str(user.status)
    facts["enabled"] = user.enabled
    facts["attributes"] = dict(user.attributes)
    return facts


_FULL_NAME_FIELDS = ("name", "full_name", "employee_name", "new_starter", "starter_name")


def form_fields(request: PlanRequest, settings: PolicySettings) -> dict[str, str]:
    """
    The ticket's form fields by ``field_key``: the desk's fields over ``Label: value`` lines of
    the requester's message, with a full name split into first and last name when the form
    gives only the full name.

    Args:
        request: the ticket and its desk fields.
        settings: ``field_names`` for the desk's own field keys.
    """
    text = f"{request.ticket.subject}\n{request.ticket.description}"
    merged = {**text_fields(text), **settings.named_fields(request.fields)}
    fields = {
        field_key(k): v.strip() for k, v in merged.items() if isinstance(v, str) and v.strip()
    }
    for prefix in ("", "new_"):
        full = next((fields[prefix + k] for k in _FULL_NAME_FIELDS if fields.get(prefix + k)), None)
        if full and not (fields.get(f"{prefix}first_name") or fields.get(f"{prefix}given_name")):
            first, _, last = " ".join(full.split()).partition(" ")
            if last:
                fields.setdefault(f"{prefix}first_name", first)
                fields.setdefault(f"{prefix}last_name", last)
    for label in settings.people.manager_fields:
        value = fields.get(field_key(label))
        if value and not fields.get("manager"):
            fields["manager"] = value
    return fields


def ticket_facts(request: PlanRequest, settings: PolicySettings | None = None) -> dict[str, Any]:
    """
    The ticket as a template sees it.

    Args:
        request: whose ticket.
        settings: its ``field_names`` name the desk's fields in ``fields``; None: keys as given.
    """
    ticket = request.ticket
    csv = [a.filename for a in ticket.attachments if a.filename.lower().endswith(".csv")]
    return {
        "key": ticket.key,
        "subject": ticket.subject,
        "desk": ticket.desk,
        "url": ticket.url,
        "requester_name": ticket.requester.name,
        "csv_attachments": csv,
        "files_unread": ticket.files_unread,
        "fields": _template_fields(
            request.fields if settings is None else settings.named_fields(request.fields)
        ),
    }


def _template_fields(fields: Mapping[str, str]) -> dict[str, str]:
    """Fields by their own label and by ``field_key`` (``Employment type`` → ``employment_type``)."""
    keyed = {field_key(k): v for k, v in fields.items()}
    return {**keyed, **fields}


def display_value(value: object) -> str:
    """
    An input's value as a note shows it (a user by login, an application by name, a date by day).

    Args:
        value: a resolved input.
    """
    if isinstance(value, Mapping):
        return str(value.get("login") or value.get("name") or "")
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d")
    return "" if value is None else str(value)


__all__ = ["display_value", "form_fields", "ticket_facts", "user_facts"]
