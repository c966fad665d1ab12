"""``person_email`` on every desk: the requester's address when a delivery names them by id only."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import responses
from responses import matchers

from connectors.desks.memory import MemoryDesk
from connectors.errors import NotFoundError, RejectedError
from connectors.ratelimit import LocalRateLimiter

from . import test_jira_desk as jira
from . import test_salesforce_desk as salesforce
from . import test_servicenow_desk as servicenow
from . import test_zendesk_desk as zendesk
from .conftest import FakeClock

ACCOUNT_ID = "5b10a2844c20165700ede21g"
SNOW_USER = "62826bf03710200044e0bfc8bcbe5df1"
CONTACT_ID = "003RO00000AbcdEYAR"
USER_ID = "005RO00000AbcdEYAR"
FIELDS = {"Contact": "Email,Name", "User": "Email,Name,IsActive,UserType,LocaleSidKey"}


@pytest.fixture
def http(vendor_http: responses.RequestsMock) -> responses.RequestsMock:
    """Jira Cloud and Zendesk requests checked against their published API documents."""
    return vendor_http


@pytest.mark.parametrize(
    ("fixture", "email"),
    [("api_user", "mia@example.com"), ("api_user_email_hidden", None)],
    ids=["visible", "hidden-by-profile-visibility"],
)
def test_jira_reads_email_address_of_account(
    jira_http: responses.RequestsMock,
    limiter: LocalRateLimiter,
    clock: FakeClock,
    payload: Payload,
    fixture: str,
    email: str | None,
) -> None:
    """Jira answers ``emailAddress`` when the profile shows it; a hidden address is None."""
    jira_http.get(
        f"{jira.BASE}/rest/api/3/user",
        json=payload("jira", fixture),
        match=[matchers.query_param_matcher({"accountId": ACCOUNT_ID})],
    )

    desk = jira.make_desk(limiter, clock)

    assert desk.person_email(ACCOUNT_ID) == email
    assert desk.person_email(ACCOUNT_ID) == email  # cached: one request in all


def test_jira_unknown_account_is_not_found(
    jira_http: responses.RequestsMock, limiter: LocalRateLimiter, clock: FakeClock
) -> None:
    jira_http.get(
        f"{jira.BASE}/rest/api/3/user",
        status=404,
        json={
            "errorMessages": [
                "Specified user does not exist or you do not have required permissions"
            ],
            "errors": {},
        },
    )

    with pytest.raises(NotFoundError, match=r"jira\.person_email"):
        jira.make_desk(limiter, clock).person_email(ACCOUNT_ID)


def test_zendesk_reads_user_email_once(
    http: responses.RequestsMock, limiter: LocalRateLimiter, clock: FakeClock, payload: Payload
) -> None:
    """Zendesk event subscriptions carry ``requester_id``: the address comes from the user."""
    http.get(f"{zendesk.BASE}/api/v2/users/35436.json", json=payload("zendesk", "api_user"))

    desk = zendesk.make_desk(limiter, clock)

    assert [desk.person_email("35436"), desk.person_email("35436")] == ["johnny@example.com"] * 2
    assert len(http.calls) == 1


def test_zendesk_failure_is_not_cached(
    http: responses.RequestsMock, limiter: LocalRateLimiter, clock: FakeClock, payload: Payload
) -> None:
    """A lookup that failed is asked again next time (only answers are cached)."""
    url = f"{zendesk.BASE}/api/v2/users/35436.json"
    http.get(url, status=404, json=payload("zendesk", "api_error_user_not_found"))
    http.get(url, json=payload("zendesk", "api_user"))
    desk = zendesk.make_desk(limiter, clock)

    with pytest.raises(NotFoundError):
        desk.person_email("35436")
    assert desk.person_email("35436") == "johnny@example.com"


@pytest.mark.parametrize(
    ("person_id", "url", "query", "fixture"),
    [
        (
            SNOW_USER,
            f"/api/now/table/sys_user/{SNOW_USER}",
            {"sysparm_fields": "sys_id,user_name,email,name,active,preferred_language,date_format"},
            "api_sys_user",
        ),
        (
            "beth.anglin",
            "/api/now/table/sys_user",
            {
                "sysparm_query": "user_name=beth.anglin",
                "sysparm_fields": "sys_id,user_name,email,name,active,preferred_language,date_format",
                "sysparm_limit": "1",
            },
            "api_sys_user_by_name",
        ),
    ],
    ids=["by-sys-id", "by-user-name"],
)
def test_servicenow_reads_sys_user_email(
    http: responses.RequestsMock,
    limiter: LocalRateLimiter,
    clock: FakeClock,
    payload: Payload,
    person_id: str,
    url: str,
    query: dict[str, str],
    fixture: str,
) -> None:
    http.get(
        servicenow.BASE + url,
        json=payload("servicenow", fixture),
        match=[matchers.query_param_matcher(query)],
    )

    assert servicenow.make_desk(limiter, clock).person_email(person_id) == "beth.anglin@example.com"


def test_servicenow_unknown_user_name_is_not_found(
    http: responses.RequestsMock, limiter: LocalRateLimiter, clock: FakeClock
) -> None:
    http.get(f"{servicenow.BASE}/api/now/table/sys_user", json={"result": []})

    with pytest.raises(NotFoundError, match="no sys_user"):
        servicenow.make_desk(limiter, clock).person_email("nobody")


@pytest.mark.parametrize(
    ("person_id", "sobject", "fixture", "email"),
    [
        (CONTACT_ID, "Contact", "api_contact_email", "jdoe@example.com"),
        (USER_ID, "User", "api_user_email", "agent@example.com"),
    ],
    ids=["contact", "user"],
)
def test_salesforce_reads_contact_or_user_email(
    http: responses.RequestsMock,
    limiter: LocalRateLimiter,
    clock: FakeClock,
    payload: Payload,
    person_id: str,
    sobject: str,
    fixture: str,
    email: str | None,
) -> None:
    http.get(
        f"{salesforce.API}/sobjects/{sobject}/{person_id}",
        json=payload("salesforce", fixture),
        match=[matchers.query_param_matcher({"fields": FIELDS[sobject]})],
    )

    assert salesforce.make_desk(limiter, clock).person_email(person_id) == email


Lookup = Callable[[Any, Any], Any]
Payload = Callable[[str, str], Any]


@pytest.mark.parametrize(
    ("make", "person_id", "reason"),
    [
        (zendesk.make_desk, "jdoe@example.com", "numeric"),
        (servicenow.make_desk, "name^ORactive=true", "neither a sys_id nor a user name"),
        (salesforce.make_desk, "500RO00000AbcdEYAR", "neither a Contact nor a User id"),
    ],
    ids=["zendesk-non-numeric", "servicenow-query-injection", "salesforce-case-id"],
)
def test_ids_the_desk_cannot_have_are_refused_without_a_request(
    http: responses.RequestsMock,
    limiter: LocalRateLimiter,
    clock: FakeClock,
    make: Lookup,
    person_id: str,
    reason: str,
) -> None:
    with pytest.raises(RejectedError, match=reason):
        make(limiter, clock).person_email(person_id)


@pytest.mark.parametrize(
    ("strict", "expected"), [(False, None), (True, NotFoundError)], ids=["lenient", "strict"]
)
def test_memory_desk_answers_from_its_people(strict: bool, expected: Any) -> None:
    desk = MemoryDesk("zendesk-it", strict=strict)
    desk.add_person("9001", "ada@example.com")

    assert desk.person_email("9001") == "ada@example.com"
    if expected is None:
        assert desk.person_email("9002") is None
    else:
        with pytest.raises(expected):
            desk.person_email("9002")
