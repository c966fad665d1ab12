"""
deskpilot's configuration for an acceptance file, written the way a deployment would write it:
one desk of each kind, the directory, the application catalogue from the directory's groups and
licences (with their aliases and owners), the privileged groups and accounts, the role templates,
and the desks' form fields named for the playbooks.

Nothing here knows the scenarios' company: every value comes from the file.
"""

from __future__ import annotations

import os
import re
import secrets
from collections.abc import Mapping
from typing import Any

from playbooks.config import PRIVILEGED_ACCOUNTS, PRIVILEGED_GROUPS
from tests.acceptance.desks import ORG_ID, field_key, slug
from worker.config import AppSettings

DESK_NAMES = {
    "jira": "jira-sd",
    "zendesk": "zendesk-support",
    "servicenow": "servicenow-it",
    "salesforce": "salesforce-service",
}
DIRECTORY = "corp"
FORM_FIELDS: Mapping[str, tuple[str, ...]] = {
    "application": ("system_application", "application", "software"),
    "license": ("licence", "license", "software"),
    "target": (
        "requested_for",
        "raise_this_request_on_behalf_of",
        "user",
        "who_is_locked_out",
        "employee",
        "leaver",
    ),
    "duration": ("access_duration", "duration"),
    "until": ("access_until", "end_date"),
    "given_name": ("first_name", "given_name"),
    "first_name": ("first_name",),
    "family_name": ("last_name", "family_name", "surname"),
    "last_name": ("last_name",),
    "department": ("department",),
    "title": ("job_title", "title"),
    "manager": ("line_manager", "manager"),
    "start_date": ("start_date",),
    "leave_date": ("last_working_day", "last_day", "leave_date"),
    "employment_type": ("employment_type",),
    "new_name": ("new_name",),
    "current_name": ("current_name",),
    "justification": ("business_justification",),
}
"""How the deployment names its desks' form fields for the playbooks: a playbook field name →
the form labels (as slugs) that carry it. A label not listed here keeps its own slug as name."""


def labels_of(doc: Mapping[str, Any]) -> list[str]:
    """Every form-field label the file uses, in a stable order (their desk keys follow it)."""
    found = {label for s in doc["scenarios"] for label in (s["ticket"].get("fields") or {})}
    return sorted(found)


def field_keys(doc: Mapping[str, Any]) -> dict[str, dict[str, str]]:
    """Desk kind → form label → that desk's key for it."""
    labels = labels_of(doc)
    return {
        kind: {label: field_key(kind, label, number) for number, label in enumerate(labels)}
        for kind in DESK_NAMES
    }


def field_names(keys: Mapping[str, Mapping[str, str]]) -> dict[str, list[str]]:
    """``playbooks.field_names``: each playbook field name → the desk keys that carry it."""
    by_slug: dict[str, list[str]] = {}
    for per_desk in keys.values():
        for label, key in per_desk.items():
            by_slug.setdefault(slug(label), []).append(key)
    names: dict[str, list[str]] = {}
    for name, slugs in FORM_FIELDS.items():
        found = [key for s in slugs for key in by_slug.get(s, [])]
        if found:
            names[name] = found
    for label_slug, found in by_slug.items():
        names.setdefault(label_slug, list(found))
    return names


def catalogue(directory: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The application catalogue: every group and every licence, by name, alias and owners."""
    apps: list[dict[str, Any]] = []
    for group in directory.get("groups", []):
        aliases = [
            a for a in (group.get("aliases") or []) if a.casefold() != group["name"].casefold()
        ]
        apps.append(
            {
                "name": group["name"],
                "aliases": aliases,
                "group": group["name"],
                "owners": list(group.get("owners") or []) or ["nobody"],
            }
        )
    for licence in directory.get("licences", []):
        apps.append(
            {
                "name": licence["name"],
                "aliases": [licence["sku"], *(licence.get("aliases") or [])],
                "license": licence["sku"],
                "owners": list(licence.get("owners") or []) or ["nobody"],
            }
        )
    return apps


def role_templates(directory: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The file's role templates as written (``*`` = any department or title)."""
    return [
        {
            "department": t["department"],
            "title": t.get("title"),
            "groups": list(t.get("groups") or []),
            "licenses": list(t.get("licences") or []),
        }
        for t in directory.get("role_templates", [])
    ]


def policy(doc: Mapping[str, Any], keys: Mapping[str, Mapping[str, str]]) -> dict[str, Any]:
    """The ``playbooks`` section."""
    directory = doc["directory"]
    privileged_groups = [g["name"] for g in directory.get("groups", []) if g.get("privileged")]
    privileged_users = [u["login"] for u in directory["users"] if u.get("privileged")]
    return {
        "privileged_groups": [*PRIVILEGED_GROUPS, *privileged_groups],
        "privileged_accounts": [
            *PRIVILEGED_ACCOUNTS,
            *(f"^{re.escape(login)}$" for login in privileged_users),
        ],
        "applications": catalogue(directory),
        "role_templates": role_templates(directory),
        "field_names": field_names(keys),
    }


def classifier(directory: Mapping[str, Any]) -> dict[str, Any]:
    """The classifier's application catalogue: the shipped one plus the file's names and aliases."""
    from intake.config import DEFAULT_APPLICATIONS

    apps = [app.model_dump() for app in DEFAULT_APPLICATIONS]
    for app in catalogue(directory):
        apps.append({"name": app["name"], "aliases": app["aliases"]})
    return {"applications": apps}


def settings_for(
    doc: Mapping[str, Any], database_url: str, keys: Mapping[str, Mapping[str, str]]
) -> tuple[AppSettings, dict[str, bytes]]:
    """The whole configuration, and each desk's webhook secret."""
    secrets_by_desk: dict[str, bytes] = {}
    desks = []
    for kind, name in DESK_NAMES.items():
        env = f"DESKPILOT_ACCEPTANCE_{kind.upper()}_SECRET"
        value = os.environ.setdefault(env, secrets.token_hex(16))
        secrets_by_desk[name] = value.encode()
        desk: dict[str, Any] = {
            "name": name,
            "type": kind,
            "connector": "memory",
            "webhook_secret": {"env": env},
            "directory": DIRECTORY,
            "poll_interval_s": 60,
        }
        if kind == "salesforce":
            desk["options"] = {"organization_id": ORG_ID}
        desks.append(desk)
    data = {
        "database_url": database_url,
        "broker": {"url": "stub", "threads": 2},
        "runtime": {"lease_s": 3600, "sweep_interval_s": 3600, "timer_tick_s": 60},
        "desks": desks,
        "directories": [{"name": DIRECTORY, "type": "memory"}],
        "classifier": classifier(doc["directory"]),
        "playbooks": policy(doc, keys),
    }
    return AppSettings.model_validate(data), secrets_by_desk
