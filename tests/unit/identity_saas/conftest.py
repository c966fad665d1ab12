"""Shared fixtures for the SaaS directory connectors: payloads, vendor API descriptions."""

from __future__ import annotations

import json
import urllib.parse
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import responses

from .spec_check import OpenApiSpec, assert_calls_allowed, load_okta_spec, load_openapi

GRAPH_URL = "https://graph.microsoft.com/v1.0"

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
