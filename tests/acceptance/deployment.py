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
from tests.acceptance.naming import naming
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
    """
    ``playbooks.field_names``: each form field by its label, and each playbook field name,
    → the desk keys that carry it.
    """
    by_label: dict[str, list[str]] = {}
    for per_desk in keys.values():
        for label, key in per_desk.items():
            by_label.setdefault(label, []).append(key)
    names: dict[str, list[str]] = {label: list(found) for label, found in by_label.items()}
    for name, slugs in FORM_FIELDS.items():
        found = [key for label in by_label if slug(label) in slugs for key in by_label[label]]
        if found and name not in names:
            names[name] = found
    return names


APPROVAL_RULES = ("manager", "owner_only", "manager_or_owner")
LICENCE_APPROVAL = "manager_or_owner"
"""P2/P9: a licence is approved by the target's manager or one of its owners."""


def catalogue(directory: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The application catalogue: every group and licence, by name, alias, owners and rule."""
    apps: list[dict[str, Any]] = []
    for group in directory.get("groups", []):
        name = group["name"]
        rule = group.get("approval_rule")
        app: dict[str, Any] = {
            "name": name,
            "aliases": [a for a in group.get("aliases") or [] if a.casefold() != name.casefold()],
            "group": name,
            "owners": list(group.get("owners") or []),
        }
        if rule in APPROVAL_RULES and (rule != "owner_only" or app["owners"]):
            app["approval"] = rule
        if group.get("max_duration"):
            app["max_duration"] = group["max_duration"]
        apps.append(app)
    for licence in directory.get("licences", []):
        apps.append(
            {
                "name": licence["name"],
                "aliases": [licence["sku"], *(licence.get("aliases") or [])],
                "license": licence["sku"],
                "owners": list(licence.get("owners") or []),
                "approval": LICENCE_APPROVAL,
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


def overrides(groups: Mapping[str, str]) -> dict[str, Any]:
    """
    The policy assumptions (P1-P14) as the deployment's playbook overrides.

    P4: an unlock or a password reset runs when the owner or the manager asks; P2/P9: each
    catalogue item by its own rule (manager or owner by default); P5/P8: the target's manager;
    P6: the change-approver group; P7: the HR group.
    """
    owner_or_manager = {"target": True, "manager": True}
    catalogue_rule = {"rule": "catalogue", "fallback": "manager_or_owner"}
    found: dict[str, Any] = {
        "account-unlock": {"who_may_ask": owner_or_manager},
        "password-reset": {"who_may_ask": owner_or_manager},
        "access-grant": {"approval": catalogue_rule},
        "license-request": {"approval": catalogue_rule},
        "license-reclaim": {"approval": catalogue_rule},
        "mfa-reset": {"approval": {"rule": "manager"}},
        "offboarding": {"approval": {"rule": "manager"}},
    }
    if "change_approvers" in groups:
        rule = {"rule": "group", "group": groups["change_approvers"]}
        found["onboarding"] = {"approval": rule}
        found["bulk-onboarding"] = {"approval": rule}
    if "hr" in groups:
        found["account-update"] = {"approval": {"rule": "group", "group": groups["hr"]}}
    return found


LIBRARY_GROUPS = {"hr-team": "hr", "it-asset-team": "service_desk"}
"""The groups the playbook library names → the file's ``policy_groups`` roles."""


def group_names(groups: Mapping[str, str]) -> dict[str, str]:
    """``playbooks.group_names``: the library's groups as this directory calls them."""
    return {lib: groups[role] for lib, role in LIBRARY_GROUPS.items() if role in groups}


def policy(doc: Mapping[str, Any], keys: Mapping[str, Mapping[str, str]]) -> dict[str, Any]:
    """The ``playbooks`` section."""
    directory = doc["directory"]
    groups = dict(directory.get("policy_groups") or {})
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
        "naming": naming(directory),
        "overrides": overrides(groups),
        "group_names": group_names(groups),
        "commands": {
            "agent_groups": [groups[r] for r in ("service_desk", "change_approvers") if r in groups]
        },
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
        # Dramatiq waits out a retry's backoff in real time, which the fake clock does not move:
        # a drain would wait minutes for a step that fails on every retry to end compensated.
        "broker": {"url": "stub", "threads": 2, "min_backoff_ms": 1, "max_backoff_ms": 20},
        "runtime": {"lease_s": 3600, "sweep_interval_s": 3600, "timer_tick_s": 60},
        "desks": desks,
        "directories": [{"name": DIRECTORY, "type": "memory"}],
        "classifier": classifier(doc["directory"]),
        "playbooks": policy(doc, keys),
    }
    return AppSettings.model_validate(data), secrets_by_desk
