"""Shared fixtures for the SaaS directory connectors: payloads, vendor API descriptions."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from .spec_check import OpenApiSpec, load_okta_spec, load_openapi

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
