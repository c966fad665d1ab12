"""The Salesforce desk's OAuth 2.0 logins (JWT bearer, client credentials) at the HTTP boundary."""

from __future__ import annotations

import base64
import urllib.parse
from collections.abc import Iterator
from typing import Any

import jwt
import pytest
import responses
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from responses import matchers
from structlog.testing import capture_logs

from connectors.desks.salesforce import (
    ClientCredentialsLogin,
    JwtBearerLogin,
    PasswordLogin,
    SalesforceDesk,
    SalesforceOptions,
)
from connectors.errors import AuthError, UnavailableError
from connectors.ratelimit import LocalRateLimiter
from worker.config import ConfigError, DeskSettings
from worker.wiring.desks import build_desk

from .conftest import FakeClock

BASE = "https://example.my.salesforce.com"
CASE_ID = "500RO00000AbcdEYAR"
CASE = f"{BASE}/services/data/v61.0/sobjects/Case/{CASE_ID}"
LOGIN_TOKEN = "https://login.salesforce.com/services/oauth2/token"
MY_DOMAIN_TOKEN = "https://example.my.salesforce.com/services/oauth2/token"
CONSUMER_KEY = "3MVG9fake.consumer.key.for.tests"
SECRET = "not-a-real-consumer-secret-0123456789"


@pytest.fixture(scope="module")
def key_pair() -> tuple[str, rsa.RSAPublicKey]:
    """A freshly generated (worthless) RSA key: the connected app's certificate's private half."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return pem.decode(), key.public_key()


@pytest.fixture
def http() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock(assert_all_requests_are_fired=True) as rsps:
        yield rsps


def token_reply(token: str) -> dict[str, str]:
    """What /services/oauth2/token answers (JWT bearer and client-credentials flows)."""
    return {
        "access_token": token,
        "scope": "api",
        "instance_url": BASE,
        "id": "https://login.salesforce.com/id/00DRO0000000001/005RO000000Bot1",
        "token_type": "Bearer",
    }


def desk(limiter: LocalRateLimiter, clock: FakeClock, source: Any) -> SalesforceDesk:
    return SalesforceDesk("sf-it", BASE, limiter=limiter, session_source=source,
                          options=SalesforceOptions(status_map={"resolved": "Closed"}),
                          sleep=clock.sleep)  # fmt: skip


def _form(call: Any) -> dict[str, str]:
    body = call.request.body
    text = body.decode() if isinstance(body, bytes) else str(body)
    return dict(urllib.parse.parse_qsl(text))


def test_jwt_bearer_signs_an_assertion_and_renews_it_after_a_401(
    http: responses.RequestsMock,
    limiter: LocalRateLimiter,
    clock: FakeClock,
    key_pair: tuple[str, rsa.RSAPublicKey],
) -> None:
    """iss = consumer key, sub = the integration user, aud = the login host, RS256; a 401 mints a
    new assertion and the call is repeated once with the new token."""
    private_pem, public_key = key_pair
    http.post(LOGIN_TOKEN, json=token_reply("00DRO0000000001!first"))
    http.patch(CASE, status=401, json=[{"errorCode": "INVALID_SESSION_ID", "message": "expired"}],
               match=[matchers.header_matcher({"Authorization": "Bearer 00DRO0000000001!first"})])  # fmt: skip
    http.post(LOGIN_TOKEN, json=token_reply("00DRO0000000001!second"))
    http.patch(CASE, status=204,
               match=[matchers.header_matcher({"Authorization": "Bearer 00DRO0000000001!second"})])  # fmt: skip
    source = JwtBearerLogin("deskpilot@example.com", CONSUMER_KEY, private_pem)

    desk(limiter, clock, source).transition(CASE_ID, "resolved")

    forms = [_form(c) for c in http.calls if c.request.url == LOGIN_TOKEN]
    assert [f["grant_type"] for f in forms] == ["urn:ietf:params:oauth:grant-type:jwt-bearer"] * 2
    claims = jwt.decode(forms[0]["assertion"], public_key, algorithms=["RS256"],
                        audience="https://login.salesforce.com")  # fmt: skip
    assert (claims["iss"], claims["sub"]) == (CONSUMER_KEY, "deskpilot@example.com")
    assert "BEGIN" not in str([c.request.body for c in http.calls])


def test_client_credentials_run_on_my_domain_with_basic_auth(
    http: responses.RequestsMock, limiter: LocalRateLimiter, clock: FakeClock
) -> None:
    basic = base64.b64encode(f"{CONSUMER_KEY}:{SECRET}".encode()).decode()
    http.post(MY_DOMAIN_TOKEN, json=token_reply("00DRO0000000001!cc"),
              match=[matchers.header_matcher({"Authorization": f"Basic {basic}"}),
                     matchers.urlencoded_params_matcher({"grant_type": "client_credentials"})])  # fmt: skip
    http.patch(CASE, status=204,
               match=[matchers.header_matcher({"Authorization": "Bearer 00DRO0000000001!cc"})])  # fmt: skip
    source = ClientCredentialsLogin(CONSUMER_KEY, SECRET, domain="example.my")

    desk(limiter, clock, source).transition(CASE_ID, "resolved")


def test_client_credentials_refuse_the_generic_login_host() -> None:
    with pytest.raises(ValueError, match="My Domain"):
        ClientCredentialsLogin(CONSUMER_KEY, SECRET, domain="login")


@pytest.mark.parametrize(
    ("status", "body", "error", "message"),
    [
        (400, {"error": "invalid_grant", "error_description": "invalid assertion"},
         AuthError, "client-credentials login refused: invalid_grant invalid assertion"),
        (400, {"error": "invalid_client_id", "error_description": "client identifier invalid"},
         AuthError, "invalid_client_id"),
        (503, None, UnavailableError, "token endpoint answered 503"),
    ],
    ids=["bad-grant", "bad-client", "token-endpoint-down"],
)  # fmt: skip
def test_refused_logins_say_why_and_never_echo_the_secret(
    http: responses.RequestsMock,
    status: int,
    body: dict[str, str] | None,
    error: type[Exception],
    message: str,
) -> None:
    if body is None:
        http.post(MY_DOMAIN_TOKEN, status=status, body="<html>Service Unavailable</html>")
    else:
        http.post(MY_DOMAIN_TOKEN, status=status, json=body)

    with pytest.raises(error, match=message) as caught:
        ClientCredentialsLogin(CONSUMER_KEY, SECRET, domain="example.my").token()

    assert SECRET not in str(caught.value)


ENV = {"SF_USER": "deskpilot@example.com", "SF_KEY": CONSUMER_KEY, "SF_SECRET": SECRET,
       "SF_PEM": "-----BEGIN PRIVATE KEY-----\nnot a key\n-----END PRIVATE KEY-----",
       "SF_PASS": "pw", "SF_TOKEN": "tok"}  # fmt: skip


def _settings(credentials: dict[str, str], options: dict[str, Any]) -> DeskSettings:
    return DeskSettings.model_validate({
        "name": "sf-it", "type": "salesforce", "base_url": BASE, "unsigned": True,
        "credentials": {k: {"env": v} for k, v in credentials.items()},
        "options": options,
    })  # fmt: skip


@pytest.mark.parametrize(
    ("credentials", "options", "source"),
    [
        ({"username": "SF_USER", "consumer_key": "SF_KEY", "private_key": "SF_PEM"}, {},
         JwtBearerLogin),
        ({"consumer_key": "SF_KEY", "consumer_secret": "SF_SECRET"}, {"login_domain": "example.my"},
         ClientCredentialsLogin),
        ({"username": "SF_USER", "password": "SF_PASS", "security_token": "SF_TOKEN"}, {},
         PasswordLogin),
    ],
    ids=["jwt-bearer", "client-credentials", "soap-legacy"],
)  # fmt: skip
def test_the_credentials_pick_the_flow_and_soap_warns(
    credentials: dict[str, str], options: dict[str, Any], source: type[object]
) -> None:
    with capture_logs() as logs:
        built = build_desk(_settings(credentials, options), limiter=LocalRateLimiter(), environ=ENV)

    assert isinstance(built, SalesforceDesk)
    assert isinstance(built._source, source)
    warned = [e for e in logs if e["event"] == "desk.salesforce_soap_login"]
    assert len(warned) == (1 if source is PasswordLogin else 0)
    if warned:
        assert "Summer '27" in warned[0]["detail"]


def test_client_credentials_on_the_login_host_is_a_config_error() -> None:
    credentials = {"consumer_key": "SF_KEY", "consumer_secret": "SF_SECRET"}

    with pytest.raises(ConfigError, match=r"options\.login_domain: the client-credentials flow"):
        build_desk(_settings(credentials, {}), limiter=LocalRateLimiter(), environ=ENV)
