"""The demo's configuration (the embedded default) and its in-memory directory."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from connectors.desks.memory import MemoryDesk
from connectors.identity import NewUser
from worker.config import AppSettings
from worker.demo.data import DemoSet
from worker.demo.directory import DemoDirectory

DEMO_DESKS = ("jira-it", "zendesk-support", "servicenow-corp")
_TYPES = {"jira-it": "jira", "zendesk-support": "zendesk", "servicenow-corp": "servicenow"}
_WEEKDAYS = ("mon", "tue", "wed", "thu", "fri")
TOKEN_ENV = "DESKPILOT_DEMO_DASHBOARD_TOKEN"  # noqa: S105 (the variable's name, not a token)


def demo_settings(database_url: str, port: int, secret_envs: Mapping[str, str]) -> AppSettings:
    """Three desks with in-memory writeback, one in-memory directory, a business-hours SLA."""
    import os
    import secrets

    os.environ.setdefault(TOKEN_ENV, secrets.token_urlsafe(24))
    data: dict[str, Any] = {
        "database_url": database_url,
        "broker": {"url": "stub", "threads": 8},
        "web": {
            "host": "127.0.0.1",
            "port": port,
            "api_tokens": [{"name": "demo-lead", "role": "admin", "token": {"env": TOKEN_ENV}}],
        },
        "runtime": {"sweep_interval_s": 5, "lease_s": 30, "timer_tick_s": 5},
        "desks": [
            {
                "name": name,
                "type": _TYPES[name],
                "connector": "memory",
                "webhook_secret": {"env": secret_envs[name]},
                "directory": "corp",
            }
            for name in DEMO_DESKS
        ],
        "directories": [{"name": "corp", "type": "memory"}],
        "sla": _sla(),
    }
    return AppSettings.model_validate(data)


def _sla() -> dict[str, Any]:
    return {
        "calendars": {
            "london-office": {
                "timezone": "Europe/London",
                "weekly": {day: [["08:00", "18:00"]] for day in _WEEKDAYS},
                "holidays": {"country": "GB", "subdivision": "ENG"},
            }
        },
        "default_calendar": "london-office",
        "policies": [
            {
                "name": "urgent",
                "match": {"priority": ["urgent", "high"]},
                "goals": {"first_response": {"goal": "30m"}, "resolution": {"goal": "4h"}},
            },
            {
                "name": "standard",
                "goals": {"first_response": {"goal": "2h"}, "resolution": {"goal": "16h"}},
            },
        ],
    }


DESK_GROUPS = {"zendesk-support": {"360000000042": "IT Service Desk"}}
"""Team names the demo's desks answer (``group_name``) for the ids their tickets carry."""


def name_groups(desks: Mapping[str, MemoryDesk]) -> None:
    """Teach the demo's desks the names of their teams (``DESK_GROUPS``)."""
    for desk, names in DESK_GROUPS.items():
        for group_id, name in names.items():
            desks[desk].set_group_name(group_id, name)


def seed_directory(demo: DemoSet) -> DemoDirectory:
    """The demo's users, groups, locks, MFA factors and licences in a ``DemoDirectory``."""
    directory = DemoDirectory("corp", licenses={lic.id: lic.total for lic in demo.licenses})
    ids: dict[str, str] = {}
    for user in demo.users:
        directory.create_user(
            NewUser(
                login=user.login,
                given_name=user.given_name,
                family_name=user.family_name,
                email=user.email,
                title=user.title,
                department=user.department,
            )
        )
        found = directory.find_user(login=user.login)
        assert found is not None
        ids[user.login] = found.id
    for user in demo.users:
        user_id = ids[user.login]
        if user.manager:
            directory.update_user(user_id, {"manager_id": ids[user.manager]})
        for group in user.groups:
            directory.add_to_group(user_id, group)
        for license_id in user.licenses:
            directory.assign_license(user_id, license_id)
        if user.mfa_factors:
            directory.set_mfa_factors(user_id, user.mfa_factors)
        if user.locked:
            directory.lock(user_id)
    directory.apply_counts.clear()
    return directory
