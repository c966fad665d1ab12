"""
What a template and a note see of a request: the ticket, its form fields, a directory user, a value.

Pure functions of the request (and the settings that name its fields); ``resolve`` builds on them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import asdict
from datetime import datetime
from typing import Any

from connectors.identity import DirectoryUser
from playbooks.config import PolicySettings, field_key
from playbooks.request import PlanRequest
from playbooks.targets import own_message, text_fields


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
_WORD = r"[A-ZÀ-Ý][\w'\u2019-]*"
_NAME = rf"({_WORD}(?:[ \t]+(?:[a-z]{{1,3}}[ \t]+)?{_WORD}){{0,3}})"
_NEW_NAME = re.compile(
    r"(?i:\b(?:change|update|correct|rename|set)\s+(?:my|his|her|their|the)\s+"
    r"(?:(?:display|full|account|user)\s+)?name\s+"
    r"(?:(?:on|in|of)\s+(?:my|his|her|their|the)\s+(?:account|profile|record)\s+)?to\s+"
    r"|\bmy\s+(?:new\s+)?(?:full\s+)?name\s+is\s+now\s+"
    r"|\bnew\s+(?:full\s+|display\s+)?name\s*(?:is|will\s+be|:|-|\u2013)\s*)" + _NAME
)
_NEW_SURNAME = re.compile(
    r"(?i:\b(?:sur|family\s+|last\s+)name\s+(?:is\s+now|is\s+changing\s+to|has\s+changed\s+to|"
    r"changed\s+to|will\s+be|becomes)\s+"
    r"|\bnew\s+(?:sur|family\s+|last\s+)name\s*(?:is|will\s+be|:|-|\u2013)\s*)"
    rf"({_WORD})"
)


def names_in_text(text: str) -> dict[str, str]:
    """
    A new name the requester writes instead of filling a form: "change my name on my account to
    Maren Holm" (``new_name``), "my surname is now Holm" (``new_surname``). Only the requester's
    own message counts (not a quoted mail); a single word after a full-name cue is not a name.

    Args:
        text: subject and description.
    """
    own = own_message(text)
    found: dict[str, str] = {}
    full = _NEW_NAME.search(own)
    if full is not None and len(full.group(1).split()) > 1:
        found["new_name"] = " ".join(full.group(1).split())
    surname = _NEW_SURNAME.search(own)
    if surname is not None:
        found["new_surname"] = surname.group(1)
    return found


def form_fields(request: PlanRequest, settings: PolicySettings) -> dict[str, str]:
    """
    The ticket's form fields by ``field_key``: the desk's fields over ``Label: value`` lines of
    the requester's message, with a full name split into first and last name when the form
    gives only the full name, and a new name written in prose when the form gives none.

    Args:
        request: the ticket and its desk fields.
        settings: ``field_names`` for the desk's own field keys.
    """
    text = f"{request.ticket.subject}\n{request.ticket.description}"
    merged = {**text_fields(text), **settings.named_fields(request.fields)}
    fields = {
        field_key(k): v.strip() for k, v in merged.items() if isinstance(v, str) and v.strip()
    }
    if not any(k.startswith("new_") for k in fields):  # the form's own new-name fields win
        fields.update(names_in_text(text))
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
