"""``find_person`` on every desk: a comment author as the desk's user API describes them."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
import responses
from responses import matchers

from connectors.desks import DeskPerson, zendesk_wire
from connectors.desks.memory import MemoryDesk
from connectors.errors import NotFoundError
from connectors.ratelimit import LocalRateLimiter

from . import test_jira_desk as jira
from . import test_salesforce_desk as salesforce
from . import test_servicenow_desk as servicenow
from . import test_zendesk_desk as zendesk
from .conftest import FakeClock

Payload = Callable[[str, str], Any]
CUSTOMER = "qm:1e3d4a22-8c0a-4d5b-9f7e-7b0c1a2b3c4d:5f6e7d8c"
ATLASSIAN = "5b10a2844c20165700ede21g"
SNOW_USER = "62826bf03710200044e0bfc8bcbe5df1"


@pytest.fixture
def http() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock(assert_all_requests_are_fired=True) as rsps:
        yield rsps


@pytest.mark.parametrize(
    ("account", "fixture", "expected"),
    [
        (
            ATLASSIAN,
            "api_user",
            DeskPerson(ATLASSIAN, "mia@example.com", "Mia Krystof", is_agent=None, locale="en_US"),
        ),
        (
            CUSTOMER,
            "api_user_customer",
            DeskPerson(
                CUSTOMER, "customer@example.com", "A Customer", is_agent=False, locale="en_GB"
            ),
        ),
    ],
    ids=["atlassian-account-role-unknown", "jsm-customer-never-an-agent"],
)
def test_jira_person_from_the_user_api(
    jira_http: responses.RequestsMock,
    limiter: LocalRateLimiter,
    clock: FakeClock,
    payload: Payload,
    account: str,
    fixture: str,
    expected: DeskPerson,
) -> None:
    jira_http.get(
        f"{jira.BASE}/rest/api/3/user",
        json=payload("jira", fixture),
        match=[matchers.query_param_matcher({"accountId": account})],
    )
    desk = jira.make_desk(limiter, clock)

    assert expected == desk.find_person(account)
    assert expected.email == desk.person_email(account)  # the same cached answer


@pytest.mark.parametrize(
    ("user_id", "fixture", "expected"),
    [
        (
            "9876543",
            "api_user_agent",
            DeskPerson(
                "9876543",
                "olivia@example.com",
                "Olivia Owner",
                is_agent=True,
                email_verified=True,
                locale="en-gb",
            ),
        ),
        (
            "1500",
            "api_user_unverified",
            DeskPerson("1500", "bob@example.com", "bob", is_agent=False, email_verified=False),
        ),
        (
            "9876544",
            "api_user_light_agent",
            DeskPerson(
                "9876544",
                "lena@example.com",
                "Lena Light",
                is_agent=False,
                email_verified=True,
                locale="en-gb",
            ),
        ),
    ],
    ids=["agent", "unverified-end-user", "light-agent-is-not-an-agent"],
)
def test_zendesk_person_carries_role_and_verification(
    http: responses.RequestsMock,
    limiter: LocalRateLimiter,
    clock: FakeClock,
    payload: Payload,
    user_id: str,
    fixture: str,
    expected: DeskPerson,
) -> None:
    http.get(f"{zendesk.BASE}/api/v2/users/{user_id}.json", json=payload("zendesk", fixture))

    assert expected == zendesk.make_desk(limiter, clock).find_person(user_id)


@pytest.mark.parametrize(
    ("person_id", "url", "fixture", "active"),
    [
        (SNOW_USER, f"/api/now/table/sys_user/{SNOW_USER}", "api_sys_user_full", True),
        ("beth.anglin", "/api/now/table/sys_user", "api_sys_user_inactive_by_name", False),
    ],
    ids=["by-sys-id", "journal-sys-created-by-user-name-inactive"],
)
def test_servicenow_person_by_sys_id_or_user_name(
    http: responses.RequestsMock,
    limiter: LocalRateLimiter,
    clock: FakeClock,
    payload: Payload,
    person_id: str,
    url: str,
    fixture: str,
    active: bool,
) -> None:
    http.get(servicenow.BASE + url, json=payload("servicenow", fixture))

    found = servicenow.make_desk(limiter, clock).find_person(person_id)

    assert ("beth.anglin@example.com", "Beth Anglin", None, active) == (
        found.email,
        found.name,
        found.is_agent,
        found.active,
    )


@pytest.mark.parametrize(
    ("user_id", "fixture", "is_agent"),
    [
        ("005RO00000AbcdEYAR", "api_user_standard", True),
        ("005RO00000PortEYAR", "api_user_portal", False),
    ],
    ids=["standard-user-is-staff", "portal-user-is-a-customer"],
)
def test_salesforce_user_type_decides_agency(
    http: responses.RequestsMock,
    limiter: LocalRateLimiter,
    clock: FakeClock,
    payload: Payload,
    user_id: str,
    fixture: str,
    is_agent: bool,
) -> None:
    http.get(
        f"{salesforce.API}/sobjects/User/{user_id}",
        json=payload("salesforce", fixture),
        match=[
            matchers.query_param_matcher({"fields": "Email,Name,IsActive,UserType,LocaleSidKey"})
        ],
    )

    assert is_agent == salesforce.make_desk(limiter, clock).find_person(user_id).is_agent


LOCALES = [
    ("us-user", {"LocaleSidKey": "en_US"}, "en_US"),
    ("uk-user", {"LocaleSidKey": "en_GB"}, "en_GB"),
    ("not-given", {}, None),
]


@pytest.mark.parametrize(("extra", "locale"), [c[1:] for c in LOCALES], ids=[c[0] for c in LOCALES])
def test_salesforce_user_locale(
    http: responses.RequestsMock,
    limiter: LocalRateLimiter,
    clock: FakeClock,
    payload: Payload,
    extra: dict[str, str],
    locale: str | None,
) -> None:
    """A User's ``LocaleSidKey`` orders the dates they write (a Contact has none to give)."""
    user_id = "005RO00000AbcdEYAR"
    http.get(
        f"{salesforce.API}/sobjects/User/{user_id}",
        json=payload("salesforce", "api_user_standard") | extra,
        match=[
            matchers.query_param_matcher({"fields": "Email,Name,IsActive,UserType,LocaleSidKey"})
        ],
    )

    assert locale == salesforce.make_desk(limiter, clock).find_person(user_id).locale


def test_servicenow_user_locale_and_date_format(
    http: responses.RequestsMock, limiter: LocalRateLimiter, clock: FakeClock, payload: Payload
) -> None:
    """``sys_user``'s ``preferred_language`` and its own ``date_format`` (empty: the system's)."""
    row = payload("servicenow", "api_sys_user_full")
    row["result"] |= {"preferred_language": "en", "date_format": "MM-dd-yyyy"}
    http.get(f"{servicenow.BASE}/api/now/table/sys_user/{SNOW_USER}", json=row)

    found = servicenow.make_desk(limiter, clock).find_person(SNOW_USER)

    assert ("en", "MM-dd-yyyy") == (found.locale, found.date_format)


@pytest.mark.parametrize("strict", [False, True], ids=["lenient", "strict"])
def test_memory_desk_people(strict: bool) -> None:
    """A known person with their address; an unknown one has none (strict: is not found)."""
    desk = MemoryDesk("zendesk-it", strict=strict)
    desk.add_person("9001", "ada@example.com", agent=True)

    assert DeskPerson("9001", "ada@example.com", is_agent=True) == desk.find_person("9001")
    if strict:
        with pytest.raises(NotFoundError):
            desk.find_person("9002")
    else:
        assert desk.find_person("9002").email is None


@pytest.mark.parametrize(
    ("role", "role_type", "chat_only", "is_agent"),
    [
        ("agent", None, False, True),
        ("agent", 0, False, True),
        ("agent", "0", False, True),
        ("agent", 1, False, False),
        ("agent", "1", False, False),
        ("agent", 2, True, False),
        ("agent", "3", False, False),
        ("admin", "4", False, True),
        ("admin", 5, False, True),
        ("agent", None, True, False),
        ("end-user", None, False, False),
    ],
    ids=["agent", "custom-agent", "custom-agent-as-string", "light-agent", "light-agent-as-string",
         "chat-only-agent", "contributor-as-string", "admin-as-string", "billing-admin",
         "chat-only-flag", "end-user"],
)  # fmt: skip
def test_zendesk_role_types_as_documented(
    role: str, role_type: int | str | None, chat_only: bool, is_agent: bool
) -> None:
    """Zendesk's role_type (0 custom agent, 1 light agent, 2 chat agent, 3 contributor, 4 admin,
    5 billing admin), sent as a number or, for administrators, a string: only full agents and
    admins work tickets as agents."""
    user = {"email": "x@example.com", "role": role, "role_type": role_type, "chat_only": chat_only}

    assert zendesk_wire.desk_person("7", user).is_agent is is_agent
