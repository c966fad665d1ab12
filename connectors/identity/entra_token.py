"""
The Entra app registration's access token for Microsoft Graph (client credentials through msal),
with token failures classified like every other call: unreachable is transient, refused is an
authentication error that says what to check.
"""

from __future__ import annotations

import msal
import requests

from connectors.errors import AuthError, UnavailableError
from connectors.identity.entra_graph import AUTH_HINT

__all__ = ["GraphToken"]


class GraphToken:
    """Acquires (and through msal caches) the app's Graph token."""

    def __init__(
        self,
        client_id: str,
        client_secret: str,
        *,
        authority: str,
        scope: str,
        session: requests.Session,
        system: str,
    ) -> None:
        self.client_id = client_id
        self.client_secret = client_secret
        self.authority = authority
        self.scope = scope
        self.session = session
        self.system = system
        self._app: msal.ConfidentialClientApplication | None = None

    def get(self) -> str:
        """A valid access token (cached and renewed by msal)."""
        try:
            if self._app is None:
                self._app = msal.ConfidentialClientApplication(
                    self.client_id,
                    client_credential=self.client_secret,
                    authority=self.authority,
                    http_client=self.session,
                    # The authority comes from our own config; skip msal's extra metadata call.
                    instance_discovery=False,
                )
            result = self._app.acquire_token_for_client(scopes=[self.scope])
        except (requests.RequestException, msal.exceptions.MsalServiceError) as exc:
            raise UnavailableError(
                f"token endpoint unreachable: {type(exc).__name__}", system=self.system
            ) from None
        except ValueError as exc:  # msal: the authority (tenant) could not be resolved
            raise AuthError(
                f"cannot resolve the tenant authority ({exc}); {AUTH_HINT}", system=self.system
            ) from None
        if "access_token" not in result:
            codes = ",".join(str(c) for c in result.get("error_codes", []))
            raise AuthError(
                f"token refused: {result.get('error')} (AADSTS {codes}); {AUTH_HINT}",
                system=self.system,
            )
        return str(result["access_token"])
