"""SCIM entitlements as seats, read from a real scim2-server through startIndex paging."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import requests

from connectors.licences.scim import ScimLicences
from playbooks.licences.snapshot import USAGE_HEADER, usage_rows
from playbooks.licences.usage import Policy, assess_all
from playbooks.licences.usage_csv import parse_usage
from playbooks.spreadsheet import write_csv
from tests.services.scim import ScimServer

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def add_user(
    server: ScimServer, name: str, entitlements: list[dict[str, str]], *, active: bool = True
) -> None:
    body = {
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "userName": name,
        "active": active,
        "entitlements": entitlements,
    }
    response = requests.post(
        f"{server.url}/Users",
        json=body,
        headers={
            "Authorization": f"Bearer {server.token}",
            "Content-Type": "application/scim+json",
        },
        timeout=10,
    )
    assert 201 == response.status_code, response.text


def test_entitlements_of_type_license_are_the_seats(scim_server: ScimServer) -> None:
    tag = uuid.uuid4().hex[:8]
    pro, plus = f"pro-{tag}", f"plus-{tag}"
    add_user(scim_server, f"ana-{tag}", [{"value": pro, "type": "license"}])
    add_user(
        scim_server,
        f"bo-{tag}",
        [{"value": pro, "type": "license"}, {"value": plus, "type": "license"}],
    )
    add_user(scim_server, f"cy-{tag}", [{"value": pro, "type": "license"}], active=False)
    add_user(scim_server, f"dee-{tag}", [{"value": f"admin-{tag}", "type": "role"}])
    add_user(scim_server, f"eve-{tag}", [])

    source = ScimLicences("app", scim_server.url, scim_server.token, vendor="App", page_size=2)
    snap = source.snapshot(NOW)

    mine = {h.login: h for h in snap.holders if h.login.endswith(tag)}
    assert {f"ana-{tag}": (pro,), f"bo-{tag}": (pro, plus), f"cy-{tag}": (pro,)} == {
        login: h.skus for login, h in mine.items()
    }
    assert not mine[f"cy-{tag}"].enabled
    assert all(h.created is not None for h in mine.values())  # from meta.created
    pools = {p.sku: (p.purchased, p.assigned) for p in snap.pools if p.sku.endswith(tag)}
    assert {pro: (None, 3), plus: (None, 1)} == pools
    assert source.fetch.requests >= 3  # at least five users over pages of two


def test_a_disabled_holder_is_unused_once_past_the_young_account_exemption(
    scim_server: ScimServer,
) -> None:
    tag = uuid.uuid4().hex[:8]
    add_user(scim_server, f"gil-{tag}", [{"value": f"pro-{tag}", "type": "license"}], active=False)

    snap = ScimLicences("app", scim_server.url, scim_server.token, vendor="App").snapshot(NOW)
    people, assignments = parse_usage(write_csv(USAGE_HEADER, usage_rows([snap])))

    def bucket_at(when: datetime) -> str:
        found = {
            a.assignment.identity_id: a.bucket
            for a in assess_all(assignments, people, Policy(), [], when)
        }
        return found[f"gil-{tag}"]

    # meta.created is the real creation time: exempt while young, unused once 60 days old.
    assert "exempt" == bucket_at(datetime.now(UTC))
    assert "unused" == bucket_at(datetime.now(UTC) + timedelta(days=61))
