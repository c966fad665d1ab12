"""The request checker itself: it must refuse what the vendor's description does not allow."""

from __future__ import annotations

import json
from pathlib import Path

import googleapiclient
import pytest

from .spec_check import OpenApiSpec, load_discovery

SHIPPED = Path(googleapiclient.__file__).parent / "discovery_cache" / "documents"

ORG = "https://acme.okta.com"


@pytest.fixture
def spec(okta_spec: OpenApiSpec | None) -> OpenApiSpec:
    if okta_spec is None:
        pytest.skip(
            "../shared/specs/management-oneOfInheritance.yaml not found (reference material absent)"
        )
    return okta_spec


@pytest.mark.parametrize(
    ("method", "url", "body", "problem"),
    [
        ("GET", f"{ORG}/api/v1/users/u1/nonsense", None, "no such path"),
        ("PATCH", f"{ORG}/api/v1/users/u1", None, "method not allowed"),
        ("POST", f"{ORG}/api/v1/users/u1/lifecycle/reset_password", None, "'sendEmail' is missing"),
        (
            "POST",
            f"{ORG}/api/v1/users/u1/lifecycle/reset_password?sendEmail=yes",
            None,
            "not a boolean",
        ),
        ("GET", f"{ORG}/api/v1/users?pageSize=2", None, "'pageSize' is not declared"),
        ("POST", f"{ORG}/api/v1/users", None, "request body is required"),
        (
            "POST",
            f"{ORG}/api/v1/users",
            json.dumps({"profile": {}, "colour": "red"}),
            "body.colour",
        ),
        (
            "POST",
            f"{ORG}/api/v1/users",
            json.dumps({"credentials": {}}),
            "body.profile is required",
        ),
        (
            "POST",
            f"{ORG}/api/v1/users/u1/lifecycle/unlock",
            json.dumps({"x": 1}),
            "takes no request body",
        ),
    ],
    ids=[
        "unknown-path",
        "unknown-method",
        "missing-required-query",
        "bad-boolean",
        "undeclared-query",
        "missing-body",
        "unknown-body-key",
        "missing-body-key",
        "unexpected-body",
    ],
)
def test_okta_checker_refuses(
    spec: OpenApiSpec, method: str, url: str, body: str | None, problem: str
) -> None:
    problems = spec.problems(method, url, body)

    assert any(problem in p for p in problems), problems


def test_okta_checker_allows_a_valid_request(spec: OpenApiSpec) -> None:
    body = json.dumps(
        {"profile": {"login": "a@example.com", "email": "a@example.com", "custom": "ok"}}
    )

    assert spec.problems("POST", f"{ORG}/api/v1/users?activate=true", body) == []


@pytest.mark.parametrize(
    ("method", "url", "body", "problem"),
    [
        (
            "POST",
            "https://admin.googleapis.com/admin/directory/v2/users/u1/resetPassword",
            None,
            "no such path",
        ),
        (
            "PATCH",
            "https://admin.googleapis.com/admin/directory/v1/groups/g/hasMember/u",
            None,
            "method not allowed",
        ),
        (
            "GET",
            "https://admin.googleapis.com/admin/directory/v1/users?limit=5",
            None,
            "'limit' is not declared",
        ),
        (
            "POST",
            "https://admin.googleapis.com/admin/directory/v1/groups/g/members",
            json.dumps({"mail": "x"}),
            "body.mail",
        ),
        (
            "GET",
            "https://www.googleapis.com/admin/directory/v1/users/u1",
            None,
            "host not described",
        ),
    ],
    ids=["unknown-path", "unknown-method", "undeclared-query", "unknown-body-key", "other-host"],
)
def test_discovery_checker_refuses(method: str, url: str, body: str | None, problem: str) -> None:
    spec = load_discovery(SHIPPED / "admin.directory_v1.json")
    assert spec is not None

    assert any(problem in p for p in spec.problems(method, url, body))


def test_discovery_checker_allows_a_valid_request() -> None:
    spec = load_discovery(SHIPPED / "licensing.v1.json")
    assert spec is not None
    url = (
        "https://licensing.googleapis.com/apps/licensing/v1/product/Google-Apps/sku/1010020027/user"
    )

    assert spec.problems("POST", url, json.dumps({"userId": "a@example.com"})) == []
