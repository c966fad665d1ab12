"""Shared fixtures for the SaaS directory connectors: payloads, vendor API descriptions."""

from __future__ import annotations

import base64
import json
import urllib.parse
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import googleapiclient
import pytest
import responses
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from .spec_check import (
    SPECS,
    DiscoverySpec,
    OpenApiSpec,
    assert_calls_allowed,
    assert_scopes_granted,
    load_discovery,
    load_okta_spec,
    load_openapi,
)

GRAPH_URL = "https://graph.microsoft.com/v1.0"
TOKEN_URI = "https://oauth2.googleapis.com/token"
ACCESS_TOKEN = "ya29.c.fake-access-token-for-tests"
SHIPPED = Path(googleapiclient.__file__).parent / "discovery_cache" / "documents"

PAYLOADS = Path(__file__).resolve().parents[2] / "payloads"


def load_payload(vendor: str, name: str) -> Any:
    """A JSON fixture from ``tests/payloads/<vendor>/<name>``."""
    return json.loads((PAYLOADS / vendor / name).read_text())


@pytest.fixture(scope="session")
def okta_spec() -> OpenApiSpec | None:
    """Okta's management OpenAPI spec, or None when ``../shared`` is absent (checks then skip)."""
    return load_okta_spec()


@pytest.fixture(scope="session")
def graph_spec() -> OpenApiSpec | None:
    """The Microsoft Graph v1.0 subset in ``shared/specs`` (users, groups, auth methods…)."""
    spec = load_openapi("msgraph-v1.0-subset.yaml", GRAPH_URL)
    if spec is not None:
        # Graph writes $skiptoken into @odata.nextLink itself; the description names only $skip.
        spec.global_query = frozenset({"$skiptoken"})
    return spec


@pytest.fixture
def graph(graph_spec: OpenApiSpec | None) -> Iterator[responses.RequestsMock]:
    """Graph at the HTTP boundary, signed in; every call checked against the Graph subset."""
    from .test_entra import fake_login  # a test module: imported late, it imports this one

    with responses.RequestsMock(assert_all_requests_are_fired=True) as rsps:
        fake_login(rsps)
        yield rsps
        if graph_spec is not None:
            assert_calls_allowed(rsps.calls, [graph_spec], skip_hosts={"login.microsoftonline.com"})


@pytest.fixture
def okta_http(okta_spec: OpenApiSpec | None) -> Iterator[responses.RequestsMock]:
    """Okta at the HTTP boundary; every call checked against Okta's management spec."""
    with responses.RequestsMock(assert_all_requests_are_fired=True) as rsps:
        yield rsps
        if okta_spec is not None:
            assert_calls_allowed(rsps.calls, [okta_spec])


def selected(call: responses.Call) -> list[str]:
    """The properties a Graph call asked for in ``$select``."""
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(str(call.request.url)).query)
    return query["$select"][0].split(",")


@pytest.fixture(scope="session")
def google_specs() -> list[DiscoverySpec]:
    """The Directory and Licensing discovery documents (shipped, and ``shared/specs``)."""
    found = [
        load_discovery(p)
        for p in (
            SHIPPED / "admin.directory_v1.json",
            SHIPPED / "licensing.v1.json",
            SPECS / "admin.directory_v1.json",
        )
    ]
    return [spec for spec in found if spec is not None]


@pytest.fixture(scope="session")
def key_info() -> dict[str, str]:
    """A service-account key file's content, with a freshly generated (worthless) RSA key."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return {
        "type": "service_account",
        "project_id": "deskpilot-test",
        "private_key_id": "0123456789abcdef0123456789abcdef01234567",
        "private_key": pem.decode(),
        "client_email": "deskpilot@deskpilot-test.iam.gserviceaccount.com",
        "client_id": "104857600000000000001",
        "token_uri": TOKEN_URI,
    }


@pytest.fixture
def google_http(google_specs: list[DiscoverySpec]) -> Iterator[responses.RequestsMock]:
    """Google at the HTTP boundary, signed in; every call checked against the discovery
    documents and the scopes the service account asked for."""
    with responses.RequestsMock(assert_all_requests_are_fired=True) as rsps:
        rsps.post(
            TOKEN_URI,
            json={"access_token": ACCESS_TOKEN, "expires_in": 3599, "token_type": "Bearer"},
        )
        yield rsps
        assert_calls_allowed(rsps.calls, google_specs, skip_hosts={"oauth2.googleapis.com"})
        assert_scopes_granted(rsps.calls, google_specs, _granted_scopes(rsps.calls))
        for call in rsps.calls:
            if str(call.request.url) == TOKEN_URI:
                assert "jwt-bearer" in str(call.request.body)
            else:
                assert call.request.headers["Authorization"] == f"Bearer {ACCESS_TOKEN}"


def _granted_scopes(calls: responses.CallList) -> list[str]:
    """The scopes the service account asked for, read from the JWT assertion it sent."""
    for call in calls:
        if str(call.request.url) == TOKEN_URI:
            body = call.request.body or ""
            form = urllib.parse.parse_qs(body.decode() if isinstance(body, bytes) else body)
            claims = form["assertion"][0].split(".")[1]
            decoded = json.loads(base64.urlsafe_b64decode(claims + "=" * (-len(claims) % 4)))
            return str(decoded["scope"]).split()
    return []
