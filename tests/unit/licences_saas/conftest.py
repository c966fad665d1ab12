"""Vendor licence snapshots faked at the HTTP boundary, in the vendors' documented shapes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.unit.identity_saas.spec_check import OpenApiSpec, load_openapi

PAYLOADS = Path(__file__).resolve().parents[2] / "payloads" / "licences"


def payload(name: str) -> Any:
    """A JSON fixture from ``tests/payloads/licences/<name>``."""
    return json.loads((PAYLOADS / name).read_text())


@pytest.fixture
def sleeps() -> list[float]:
    """Every wait a fetcher asked for, instead of waiting."""
    return []


@pytest.fixture(scope="session")
def graph_spec() -> OpenApiSpec | None:
    """The Microsoft Graph v1.0 subset in ``shared/specs`` (it has /users and /subscribedSkus)."""
    spec = load_openapi("msgraph-v1.0-subset.yaml", "https://graph.microsoft.com/v1.0")
    if spec is not None:
        spec.global_query = frozenset({"$skiptoken"})  # Graph writes it into @odata.nextLink
    return spec
