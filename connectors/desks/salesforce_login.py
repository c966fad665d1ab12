"""
How the Salesforce desk gets (and renews) its access token: OAuth 2.0 flows, SOAP as legacy.

* ``JwtBearerLogin`` — the OAuth 2.0 JWT bearer flow: a connected app (or external client app)
  with a certificate, pre-authorised for the integration user. deskpilot signs a short-lived
  assertion (``iss`` consumer key, ``sub`` username, ``aud`` the login host) with the private key
  and exchanges it at ``/services/oauth2/token``. No password, no refresh token: a new assertion
  is the refresh.
* ``ClientCredentialsLogin`` — the OAuth 2.0 client-credentials flow: the app's consumer key and
  secret, run as the app's configured "Run As" user. Salesforce serves it only on the org's My
  Domain (``yourcompany.my``), never on ``login``/``test``.
* ``PasswordLogin`` — the SOAP ``login()`` call with username, password and security token.
  Off by default in orgs created from Winter '26, absent from API 65.0 and retired in
  Summer '27: kept only for older orgs, and the configuration that picks it logs a warning.

Each ``token(refresh=True)`` runs its flow again; the desk calls it once after a 401. The token
exchange itself is done by simple-salesforce's ``SalesforceLogin`` (imported lazily: the
``deskpilot[salesforce]`` extra), and its failures become ``AuthError`` naming the flow and
Salesforce's error code, never the key or secret.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any

import requests

from connectors.errors import AuthError, UnavailableError
from connectors.http import BoundedSession, request_error

SOAP_LOGIN_RETIREMENT = (
    "SOAP login() is off by default in orgs created from Winter '26, absent from API 65.0 and "
    "retired in Summer '27; use the JWT bearer (username + consumer_key + private_key) or "
    "client-credentials (consumer_key + consumer_secret) flow"
)


class _Login(ABC):
    """A session source that runs one login flow through ``SalesforceLogin``."""

    flow = ""

    def __init__(self, *, domain: str, api_version: str, session: requests.Session | None) -> None:
        self._domain = domain
        self._api_version = api_version
        self._session = session or BoundedSession()
        self._token: str | None = None

    def token(self, *, refresh: bool = False) -> str:
        """The current access token; ``refresh=True`` discards it and runs the flow again."""
        if self._token is None or refresh:
            self._token = self._login()
        return self._token

    def _login(self) -> str:
        # Imported here: simple-salesforce is the optional extra deskpilot[salesforce].
        from simple_salesforce.exceptions import SalesforceAuthenticationFailed
        from simple_salesforce.login import SalesforceLogin

        try:
            session_id, _instance = SalesforceLogin(
                domain=self._domain,
                sf_version=self._api_version,
                session=self._session,
                **self._arguments(),
            )
        except SalesforceAuthenticationFailed as exc:
            code = getattr(exc, "code", None)
            status = code if isinstance(code, int) else None
            if status is not None and status >= 500:
                raise UnavailableError(
                    f"{self.flow}: token endpoint answered {status}", system="salesforce"
                ) from None
            detail = getattr(exc, "auth_message", "") or ""
            raise AuthError(
                f"{self.flow} refused: {code} {detail}".strip(), system="salesforce"
            ) from None
        except requests.RequestException as exc:
            raise request_error(exc, system="salesforce") from None
        return str(session_id)

    @abstractmethod
    def _arguments(self) -> dict[str, Any]:
        """The flow's own arguments to ``SalesforceLogin``."""


class JwtBearerLogin(_Login):
    """OAuth 2.0 JWT bearer flow: consumer key + the integration user + the app's private key."""

    flow = "JWT bearer login"

    def __init__(
        self,
        username: str,
        consumer_key: str,
        private_key: str,
        *,
        domain: str = "login",
        api_version: str = "61.0",
        session: requests.Session | None = None,
    ) -> None:
        super().__init__(domain=domain, api_version=api_version, session=session)
        self._username, self._consumer_key, self._private_key = username, consumer_key, private_key

    def _arguments(self) -> dict[str, Any]:
        return {
            "username": self._username,
            "consumer_key": self._consumer_key,
            "privatekey": self._private_key,
        }


class ClientCredentialsLogin(_Login):
    """OAuth 2.0 client-credentials flow on the org's My Domain (``domain="yourcompany.my"``)."""

    flow = "client-credentials login"

    def __init__(
        self,
        consumer_key: str,
        consumer_secret: str,
        *,
        domain: str,
        api_version: str = "61.0",
        session: requests.Session | None = None,
    ) -> None:
        if domain in ("login", "test"):
            raise ValueError(
                "the client-credentials flow runs on the org's My Domain "
                "(options.login_domain: yourcompany.my), not on login or test"
            )
        super().__init__(domain=domain, api_version=api_version, session=session)
        self._consumer_key, self._consumer_secret = consumer_key, consumer_secret

    def _arguments(self) -> dict[str, Any]:
        return {"consumer_key": self._consumer_key, "consumer_secret": self._consumer_secret}


class PasswordLogin(_Login):
    """Legacy SOAP ``login()`` with username + password + security token (see the module doc)."""

    flow = "SOAP login"

    def __init__(
        self,
        username: str,
        password: str,
        security_token: str,
        *,
        domain: str = "login",
        api_version: str = "61.0",
        session: requests.Session | None = None,
    ) -> None:
        super().__init__(domain=domain, api_version=api_version, session=session)
        self._username, self._password, self._security_token = username, password, security_token

    def _arguments(self) -> dict[str, Any]:
        return {
            "username": self._username,
            "password": self._password,
            "security_token": self._security_token,
        }


__all__ = ["SOAP_LOGIN_RETIREMENT", "ClientCredentialsLogin", "JwtBearerLogin", "PasswordLogin"]
