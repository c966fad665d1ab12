"""SCIM specifics: member-removal fallbacks (faked at the HTTP boundary) and a real scim2-server."""

from __future__ import annotations

import json
import uuid

import pytest
import responses

from connectors.errors import AuthError, RejectedError, UnavailableError
from connectors.identity import EMPLOYEE_TYPE, NewUser
from connectors.identity.scim import ScimDirectory
from tests.services.scim import ScimServer, make_group

BASE = "https://app.example.com/scim/v2"
USER_ID = "2819c223-7f76-453a-919d-413861904646"
GROUP_ID = "e9e30dba-f08f-4109-8486-d5c6a331660a"
OTHER = "902c246b-6245-4190-8e05-00816be7344a"
GROUP = {
    "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
    "id": GROUP_ID,
    "displayName": "Tour Guides",
    "members": [{"value": USER_ID, "display": "Babs Jensen"}, {"value": OTHER}],
    "meta": {"resourceType": "Group", "version": 'W/"3694e05e9dff592"'},
}
USER = {
    "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
    "id": USER_ID,
    "userName": "bjensen@example.com",
    "active": True,
}
ERROR_400 = {
    "schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"],
    "status": "400",
    "scimType": "invalidPath",
}


def fake_group_lookup(rsps: responses.RequestsMock) -> None:
    rsps.get(f"{BASE}/Users/{USER_ID}", json=USER)
    rsps.get(f"{BASE}/Groups", json={"totalResults": 1, "Resources": [GROUP]})
    rsps.get(f"{BASE}/Groups/{GROUP_ID}", json=GROUP, headers={"ETag": 'W/"3694e05e9dff592"'})


def patch_ops(call: responses.Call) -> list[dict[str, object]]:
    body = call.request.body
    assert body is not None
    ops: list[dict[str, object]] = json.loads(body)["Operations"]
    return ops


@pytest.mark.parametrize(
    ("refusals", "expected_last"),
    [
        (0, {"op": "remove", "path": f'members[value eq "{USER_ID}"]'}),
        (1, {"op": "remove", "path": "members", "value": [{"value": USER_ID}]}),
        (2, {"op": "replace", "path": "members", "value": [{"value": OTHER}]}),
    ],
    ids=["rfc-filter-path", "value-list", "replace-with-etag"],
)
def test_member_removal_falls_back_through_the_forms(
    refusals: int, expected_last: dict[str, object]
) -> None:
    """Each refused removal form (400) leads to the next; the replace is guarded by If-Match."""
    with responses.RequestsMock(assert_all_requests_are_fired=True) as rsps:
        fake_group_lookup(rsps)
        for _ in range(refusals):
            rsps.patch(f"{BASE}/Groups/{GROUP_ID}", json=ERROR_400, status=400)
        rsps.patch(f"{BASE}/Groups/{GROUP_ID}", status=204)

        change = ScimDirectory("app", BASE, "t0ken").remove_from_group(USER_ID, "Tour Guides")

        patches = [c for c in rsps.calls if c.request.method == "PATCH"]
        assert change.changed
        assert patch_ops(patches[-1]) == [expected_last]
        assert (patches[-1].request.headers.get("If-Match") is not None) == (refusals == 2)


@pytest.mark.parametrize(
    ("status", "error"),
    [(401, AuthError), (403, AuthError), (400, RejectedError), (503, UnavailableError)],
    ids=["401", "403", "400", "503"],
)
def test_status_maps_through_check_response(status: int, error: type[Exception]) -> None:
    """SCIM errors go through the one HTTP classifier."""
    with responses.RequestsMock(assert_all_requests_are_fired=True) as rsps:
        rsps.get(f"{BASE}/Users", json={"status": str(status)}, status=status)

        with pytest.raises(error):
            ScimDirectory("app", BASE, "t0ken").find_user(login="bjensen@example.com")


@pytest.mark.scim
def test_real_server_answers_patch_with_204_and_we_read_back(scim_server: ScimServer) -> None:
    """scim2-server answers PATCH with 204 No Content; the change is still confirmed by a read."""
    directory = ScimDirectory("scim", scim_server.url, scim_server.token)
    user_id = directory.create_user(
        NewUser(login=f"u{uuid.uuid4().hex[:8]}", given_name="B", family_name="J")
    ).target

    directory.update_user(user_id, {"title": "Tour Guide", "email": "b@example.org"})

    user = directory.get_user(user_id)
    assert (user.title, user.email) == ("Tour Guide", "b@example.org")
    directory.session.close()


@pytest.mark.scim
def test_real_server_group_membership_by_filter(scim_server: ScimServer) -> None:
    """groups_of finds groups by ``members.value`` (scim2-server keeps no User.groups)."""
    directory = ScimDirectory("scim", scim_server.url, scim_server.token)
    group = f"g{uuid.uuid4().hex[:8]}"
    make_group(scim_server, group)
    user_id = directory.create_user(
        NewUser(login=f"u{group}", given_name="B", family_name="J")
    ).target

    directory.add_to_group(user_id, group)

    assert directory.groups_of(user_id) == [group]
    directory.session.close()


@pytest.mark.scim
@pytest.mark.parametrize(
    ("user_type", "expected"),
    [("Contractor", "Contractor"), ("intern", "intern"), (None, None)],
    ids=["contractor", "case-kept", "absent"],
)
def test_real_server_reports_the_core_user_type(
    scim_server: ScimServer, user_type: str | None, expected: str | None
) -> None:
    """Core ``userType`` (RFC 7643 §4.1.1) is reported as the employee type, on every read."""
    directory = ScimDirectory("scim", scim_server.url, scim_server.token)
    login = f"u{uuid.uuid4().hex[:8]}"
    extra = {"userType": user_type} if user_type else {}
    user_id = directory.create_user(
        NewUser(login=login, given_name="B", family_name="J", attributes=extra)
    ).target

    found = directory.find_user(login=login)
    assert found is not None
    reads = [directory.get_user(user_id), found]

    assert [u.attributes.get(EMPLOYEE_TYPE) for u in reads] == [expected] * 2
    directory.session.close()
