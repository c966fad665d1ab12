"""Shared fixtures for the SaaS directory connectors: payloads, vendor API descriptions."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from .spec_check import OpenApiSpec, load_okta_spec

PAYLOADS = Path(__file__).resolve().parents[2] / "payloads"


def load_payload(vendor: str, name: str) -> Any:
    """A JSON fixture from ``tests/payloads/<vendor>/<name>``."""
    return json.loads((PAYLOADS / vendor / name).read_text())


@pytest.fixture(scope="session")
def okta_spec() -> OpenApiSpec | None:
    """Okta's management OpenAPI spec, or None when ``../shared`` is absent (checks then skip)."""
    return load_okta_spec()
