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
from tests.acceptance.desks import ORG_ID, field_key
from tests.acceptance.naming import naming
from tests.acceptance.policy import overrides
from worker.config import AppSettings
from worker.wiring.files import load_library

DESK_NAMES = {
    "jira": "jira-sd",
    "zendesk": "zendesk-support",
    "servicenow": "servicenow-it",
    "salesforce": "salesforce-service",
}
DIRECTORY = "corp"


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
    ``playbooks.field_names``: each form field's label → the desk keys that carry it, the way a
    deployment names its desks' custom fields (``customfield_10051`` is "Requested for").
    What a label means to a playbook is the product's business, not the runner's.
    """
    by_label: dict[str, list[str]] = {}
    for per_desk in keys.values():
        for label, key in per_desk.items():
            by_label.setdefault(label, []).append(key)
    return by_label


APPROVAL_RULES = ("manager", "owner_only", "manager_or_owner")
"""The ``approval_rule`` values that are deskpilot catalogue rules of the same name (a privileged
group's ``never_automatic`` is its place in the privileged list instead). An item without one
takes the fallback the policy assumptions give its playbook."""


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
        "overrides": overrides(doc.get("policy_assumptions") or [], groups, load_library()),
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
