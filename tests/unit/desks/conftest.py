"""Shared fixtures for the desk connector tests: a fake clock, payload loading, the Jira contract."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
import requests
import responses

from connectors.ratelimit import LocalRateLimiter

REPO = Path(__file__).resolve().parents[3]
PAYLOADS = REPO / "tests" / "payloads"
SHARED = REPO / ".." / "shared"
SPECS = SHARED / "specs"


@dataclass
class FakeClock:
    """A monotonic clock that only moves when someone sleeps on it."""

    now: float = 1000.0
    sleeps: list[float] = field(default_factory=list)

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def limiter(clock: FakeClock) -> LocalRateLimiter:
    return LocalRateLimiter(clock=clock.monotonic)


def _payload(vendor: str, name: str) -> Any:
    return json.loads((PAYLOADS / vendor / f"{name}.json").read_text())


@pytest.fixture
def payload() -> Callable[[str, str], Any]:
    """Loads one of our own fixture files, ``tests/payloads/<vendor>/<name>.json``."""
    return _payload


@pytest.fixture
def payload_text() -> Callable[[str, str], str]:
    """Reads one of our own non-JSON fixture files, ``tests/payloads/<vendor>/<file name>``."""
    return lambda vendor, name: (PAYLOADS / vendor / name).read_text()


class OpenApiContract:
    """Checks recorded requests against OpenAPI documents: path, method, query names, JSON body."""

    def __init__(
        self,
        specs: dict[str, dict[str, Any]],
        *,
        rewrite: Callable[[str], str] | None = None,
        generic_query: frozenset[str] = frozenset(),
        not_in_copy: frozenset[str] = frozenset(),
    ) -> None:
        """
        ``rewrite`` maps a request URL onto the spec's form (Zendesk's ``.json`` suffix);
        ``generic_query`` names query parameters the vendor documents once for every endpoint
        (paging, side-loads) rather than per operation; ``not_in_copy`` lists paths the vendor
        documents that the copied document lacks (they are not checked).
        """
        from openapi_core import Config, OpenAPI

        self._rewrite = rewrite
        self._generic = generic_query
        self._not_in_copy = not_in_copy
        self._specs = [
            (prefix, spec, OpenAPI.from_dict(_without_security(spec), config=_config(Config)))
            for prefix, spec in specs.items()
        ]

    def check(self, request: requests.PreparedRequest) -> None:
        from openapi_core.contrib.requests import RequestsOpenAPIRequest

        if self._rewrite is not None:
            request = request.copy()
            request.url = self._rewrite(str(request.url))
        url = urlsplit(str(request.url))
        if url.path in self._not_in_copy:
            return
        for prefix, spec, api in self._specs:
            if url.path.startswith(prefix):
                self._check_query_names(spec, str(request.method).lower(), url.path, url.query)
                api.validate_request(RequestsOpenAPIRequest(request))
                return
        pytest.fail(f"no OpenAPI document covers {request.method} {url.path}")

    def _check_query_names(self, spec: dict[str, Any], method: str, path: str, query: str) -> None:
        item = _path_item(spec, path)
        if item is None or method not in item:
            pytest.fail(f"the spec has no {method.upper()} {path}")
        params = [
            _resolved(spec, p)
            for p in [*item.get("parameters", []), *item[method].get("parameters", [])]
        ]
        allowed = {p["name"] for p in params if p.get("in") == "query"}
        sent = {name for name, _ in parse_qsl(query, keep_blank_values=True)}
        unknown = sent - allowed - self._generic
        assert not unknown, f"{method.upper()} {path}: query parameters not in the spec: {unknown}"


def _config(config_cls: Any) -> Any:
    # The JSM file carries duplicate operationIds (see specs/README.md): skip spec validation.
    return config_cls(spec_validator_cls=None)


def _without_security(spec: dict[str, Any]) -> dict[str, Any]:
    # JSM operations list only OAuth2, which openapi-core cannot check; we use basic auth with an
    # API token. Authentication is not what this contract is about, so it is left out.
    paths = {
        path: {
            method: {k: v for k, v in op.items() if k != "security"} if isinstance(op, dict) else op
            for method, op in item.items()
        }
        for path, item in spec["paths"].items()
    }
    return {**{k: v for k, v in spec.items() if k != "security"}, "paths": paths}


def _resolved(spec: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        found: Any = spec
        for part in node["$ref"].lstrip("#/").split("/"):
            found = found[part]
        node = found
    return node


def _path_item(spec: dict[str, Any], path: str) -> dict[str, Any] | None:
    for template, item in spec["paths"].items():
        pattern = "^" + re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template)) + "$"
        if re.match(pattern, path):
            return item  # type: ignore[no-any-return]
    return None


@pytest.fixture(scope="session")
def jira_contract() -> OpenApiContract | None:
    """The Jira platform + JSM OpenAPI contract, or None when ../shared/specs is absent."""
    platform, jsm = SPECS / "swagger-v3.v3.json", SPECS / "service_management.json"
    if not (platform.is_file() and jsm.is_file()):
        return None
    return OpenApiContract(
        {
            "/rest/api/3/": json.loads(platform.read_text()),
            "/rest/servicedeskapi/": json.loads(jsm.read_text()),
        }
    )


@pytest.fixture
def jira_http(jira_contract: OpenApiContract | None) -> Iterator[responses.RequestsMock]:
    """A RequestsMock whose every recorded Jira request is checked against the vendor's spec."""
    with responses.RequestsMock(assert_all_requests_are_fired=True) as rsps:
        yield rsps
        if jira_contract is not None:
            for call in rsps.calls:
                jira_contract.check(call.request)


ZENDESK_GENERIC_QUERY = frozenset(
    {"page[after]", "page[before]", "page[size]", "page", "per_page", "include"}
)
"""Zendesk's cursor and offset paging and side-loading, documented once for all endpoints (the
copy also omits ``per_page`` on the cursor export; specs/README.md)."""


def _zendesk_url(url: str) -> str:
    # The reference describes paths without ".json"; Zendesk accepts both (specs/README.md).
    parts = urlsplit(url)
    return parts._replace(path=parts.path.removesuffix(".json")).geturl()


@pytest.fixture(scope="session")
def zendesk_contract() -> OpenApiContract | None:
    """Zendesk's Support API OpenAPI document, or None when ../shared/specs is absent."""
    path = SPECS / "zendesk-support.json"
    if not path.is_file():
        return None
    return OpenApiContract(
        {"/api/v2/": json.loads(path.read_text())},
        rewrite=_zendesk_url,
        generic_query=ZENDESK_GENERIC_QUERY,
        # OAuth Tokens API, "Show Token" with the id `current`: in Zendesk's reference, not in
        # the 2024 copy of its document.
        not_in_copy=frozenset({"/api/v2/oauth/tokens/current"}),
    )


@pytest.fixture
def zendesk_http(zendesk_contract: OpenApiContract | None) -> Iterator[responses.RequestsMock]:
    """A RequestsMock whose every Zendesk request is checked against Zendesk's reference."""
    with responses.RequestsMock(assert_all_requests_are_fired=True) as rsps:
        yield rsps
        if zendesk_contract is not None:
            for call in rsps.calls:
                zendesk_contract.check(call.request)


@pytest.fixture
def vendor_http(
    jira_contract: OpenApiContract | None, zendesk_contract: OpenApiContract | None
) -> Iterator[responses.RequestsMock]:
    """
    A RequestsMock for tests that drive several desks: Jira Cloud and Zendesk requests are
    checked against their published documents (the other desks publish none to check against).
    """
    with responses.RequestsMock(assert_all_requests_are_fired=True) as rsps:
        yield rsps
        for call in rsps.calls:
            host = urlsplit(str(call.request.url)).hostname or ""
            if host.endswith(".atlassian.net") and jira_contract is not None:
                jira_contract.check(call.request)
            elif host.endswith(".zendesk.com") and zendesk_contract is not None:
                zendesk_contract.check(call.request)
