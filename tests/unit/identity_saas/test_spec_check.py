"""The request checker itself: it must refuse what the vendor's description does not allow."""

from __future__ import annotations

import json

import pytest

from .spec_check import OpenApiSpec

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
