"""build_desk: one strict options model per desk type, every problem reported at once."""

from __future__ import annotations

import re
from typing import Any

import pytest

from connectors.desks.jira import JiraDesk
from connectors.desks.memory import MemoryDesk
from connectors.desks.salesforce import SalesforceDesk
from connectors.desks.servicenow import ServiceNowDesk
from connectors.desks.zendesk import ZendeskDesk
from connectors.ratelimit import Budget, LocalRateLimiter
from worker.config import ConfigError, DeskSettings
from worker.wiring.desks import build_desk, state_field

ENV = {
    "DESK_USER": "deskpilot@example.com",
    "DESK_TOKEN": "not-a-real-token",
    "DESK_PASS": "pw",
    "DESK_SF": "st",
}


def settings(
    type_: str, credentials: dict[str, str], options: dict[str, Any] | None = None, **extra: Any
) -> DeskSettings:
    return DeskSettings.model_validate(
        {
            "name": f"{type_}-it",
            "type": type_,
            "base_url": extra.pop("base_url", f"https://{type_}.example.com"),
            "unsigned": True,
            "credentials": {key: {"env": var} for key, var in credentials.items()},
            "options": options or {},
            **extra,
        }
    )


@pytest.mark.parametrize(
    ("type_", "credentials", "options", "expected"),
    [
        (
            "jira",
            {"email": "DESK_USER", "api_token": "DESK_TOKEN"},
            {
                "status_map": {"resolved": "Resolved"},
                "comment_api": "platform",
                "timezone": "Europe/Berlin",
                "transition_fields": {"resolved": {"resolution": {"name": "Done"}}},
                "rate_limit": {"requests": 100},
            },
            JiraDesk,
        ),
        (
            "zendesk",
            {"email": "DESK_USER", "api_token": "DESK_TOKEN"},
            {"status_map": {"resolved": "solved"}},
            ZendeskDesk,
        ),
        ("zendesk", {"oauth_token": "DESK_TOKEN"}, {}, ZendeskDesk),
        (
            "servicenow",
            {"username": "DESK_USER", "password": "DESK_PASS"},
            {
                "status_map": {"resolved": {"state": "6", "close_code": "Solved (Permanently)"}},
                "table": "sc_req_item",
            },
            ServiceNowDesk,
        ),
        (
            "salesforce",
            {"access_token": "DESK_TOKEN"},
            {"status_map": {"resolved": "Closed"}},
            SalesforceDesk,
        ),
        (
            "salesforce",
            {"username": "DESK_USER", "password": "DESK_PASS", "security_token": "DESK_SF"},
            {"login_domain": "test"},
            SalesforceDesk,
        ),
    ],
    ids=[
        "jira",
        "zendesk-token",
        "zendesk-oauth",
        "servicenow",
        "salesforce-token",
        "salesforce-password",
    ],
)
def test_builds_each_desk_type(
    type_: str, credentials: dict[str, str], options: dict[str, Any], expected: type[object]
) -> None:
    desk = build_desk(
        settings(type_, credentials, options), limiter=LocalRateLimiter(), environ=ENV
    )

    assert isinstance(desk, expected)
    assert desk.name == f"{type_}-it"


def test_rate_limit_option_sets_the_budget() -> None:
    desk = build_desk(
        settings(
            "jira",
            {"email": "DESK_USER", "api_token": "DESK_TOKEN"},
            {"rate_limit": {"requests": 100, "burst": 5}},
        ),
        limiter=LocalRateLimiter(),
        environ=ENV,
    )

    assert isinstance(desk, JiraDesk)
    assert desk.options.budget == Budget(requests=100, per_s=60.0, burst=5)


def test_memory_needs_nothing() -> None:
    desk = build_desk(
        DeskSettings(name="demo", type="memory"), limiter=LocalRateLimiter(), environ={}
    )

    assert isinstance(desk, MemoryDesk)


def test_every_problem_is_reported_with_its_location() -> None:
    bad = settings(
        "jira",
        {"email": "DESK_USER", "api_token": "MISSING_VAR", "password": "DESK_PASS"},
        {
            "status_map": {"resolved": 3},
            "comment_api": "email",
            "timezone": "Mars/Olympus",
            "colour": "red",
        },
    ).model_copy(update={"base_url": None})  # the config file refuses this earlier (check)

    with pytest.raises(ConfigError) as caught:
        build_desk(bad, limiter=LocalRateLimiter(), environ=ENV)

    problems = caught.value.problems
    assert [p.split(":")[0] for p in problems] == [
        "desks.jira-it.options.status_map.resolved",
        "desks.jira-it.options.comment_api",
        "desks.jira-it.options.timezone",
        "desks.jira-it.options.colour",
        "desks.jira-it.credentials.password",
        "desks.jira-it.credentials.api_token",
        "desks.jira-it.base_url",
    ]
    assert "MISSING_VAR is not set" in problems[5]


def test_missing_credentials_name_the_accepted_sets() -> None:
    with pytest.raises(ConfigError, match=r"servicenow needs username\+password or oauth_token"):
        build_desk(
            settings("servicenow", {"username": "DESK_USER"}),
            limiter=LocalRateLimiter(),
            environ=ENV,
        )


@pytest.mark.parametrize(
    ("options", "field", "cap"),
    [
        ({}, None, 2 * 1024 * 1024),
        (
            {"state_field": "customfield_10099", "max_attachment_bytes": 1000},
            "customfield_10099",
            1000,
        ),
    ],
    ids=["defaults", "configured"],
)
def test_state_field_and_attachment_cap_options(
    options: dict[str, Any], field: str | None, cap: int
) -> None:
    desk_settings = settings("jira", {"email": "DESK_USER", "api_token": "DESK_TOKEN"}, options)
    desk = build_desk(desk_settings, limiter=LocalRateLimiter(), environ=ENV)

    assert isinstance(desk, JiraDesk)
    assert (state_field(desk_settings), desk.options.max_attachment_bytes) == (field, cap)


@pytest.mark.parametrize(
    ("options", "location"),
    [
        ({"state_field": ""}, "desks.zendesk-it.options.state_field"),
        ({"max_attachment_bytes": 0}, "desks.zendesk-it.options.max_attachment_bytes"),
    ],
    ids=["empty-state-field", "zero-cap"],
)
def test_bad_state_field_and_cap_are_reported(options: dict[str, Any], location: str) -> None:
    desk_settings = settings("zendesk", {"oauth_token": "DESK_TOKEN"}, options)

    with pytest.raises(ConfigError) as raised:
        build_desk(desk_settings, limiter=LocalRateLimiter(), environ=ENV)

    assert [p.split(":")[0] for p in raised.value.problems] == [location]


@pytest.mark.parametrize(
    ("options", "poll_api"),
    [({}, "search"), ({"poll_api": "incremental"}, "incremental")],
    ids=["agent-safe-default", "admin-export"],
)
def test_zendesk_poll_api(options: dict[str, Any], poll_api: str) -> None:
    """The search export (works for an agent) unless the admin-only export is asked for."""
    desk = build_desk(
        settings("zendesk", {"oauth_token": "DESK_TOKEN"}, options),
        limiter=LocalRateLimiter(),
        environ=ENV,
    )

    assert isinstance(desk, ZendeskDesk)
    assert desk.options.poll_api == poll_api


def test_zendesk_unknown_poll_api_is_reported() -> None:
    desk_settings = settings("zendesk", {"oauth_token": "DESK_TOKEN"}, {"poll_api": "export"})

    with pytest.raises(ConfigError) as raised:
        build_desk(desk_settings, limiter=LocalRateLimiter(), environ=ENV)

    assert [p.split(":")[0] for p in raised.value.problems] == ["desks.zendesk-it.options.poll_api"]


def test_jira_data_center_takes_a_personal_access_token() -> None:
    desk = build_desk(
        settings("jira", {"personal_access_token": "DESK_TOKEN"}, {"deployment": "datacenter"}),
        limiter=LocalRateLimiter(),
        environ=ENV,
    )

    assert isinstance(desk, JiraDesk)
    assert desk.options.deployment == "datacenter"


@pytest.mark.parametrize(
    ("credentials", "options", "needs"),
    [
        ({"personal_access_token": "DESK_TOKEN"}, {}, "jira cloud needs email + api_token"),
        ({"email": "DESK_USER", "api_token": "DESK_TOKEN"}, {"deployment": "datacenter"},
         "jira datacenter needs personal_access_token"),
    ],
    ids=["cloud-with-pat", "datacenter-with-api-token"],
)  # fmt: skip
def test_jira_credentials_must_fit_the_deployment(
    credentials: dict[str, str], options: dict[str, Any], needs: str
) -> None:
    with pytest.raises(ConfigError, match=re.escape(needs)):
        build_desk(settings("jira", credentials, options), limiter=LocalRateLimiter(), environ=ENV)
