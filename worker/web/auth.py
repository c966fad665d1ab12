"""
Login for the dashboard and the review page: API tokens with roles, kept in a signed cookie.

A token is presented once (``/login?token=…``, or ``Authorization: Bearer …`` on every request);
the browser then holds a cookie signed with a per-process key that names the token and its role,
never the token itself. With no tokens configured, the pages are closed.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass

from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import RedirectResponse

from worker.runtime import Runtime

COOKIE = "deskpilot_session"
SESSION_S = 12 * 3600
ROLES = {"viewer": 0, "agent": 1, "admin": 2}


@dataclass(frozen=True)
class Principal:
    """Who is looking: the token's name, role and desk identity."""

    name: str
    role: str
    desk_identity: str | None = None

    def can(self, role: str) -> bool:
        """True if this principal has at least ``role``."""
        return ROLES[self.role] >= ROLES[role]


class TokenBook:
    """The configured tokens, resolved from their secret references, and the cookie key."""

    def __init__(self, tokens: dict[str, Principal]) -> None:
        self._by_digest = {_digest(token): who for token, who in tokens.items()}
        self._by_name = {who.name: who for who in tokens.values()}
        self._key = secrets.token_bytes(32)

    def by_token(self, token: str) -> Principal | None:
        """The principal a presented token belongs to."""
        return self._by_digest.get(_digest(token))

    def cookie_for(self, who: Principal, now: float) -> str:
        """A signed session cookie for ``who``."""
        payload = f"{who.name}|{int(now) + SESSION_S}"
        mac = hmac.new(self._key, payload.encode(), hashlib.sha256).hexdigest()
        return f"{payload}|{mac}"

    def from_cookie(self, value: str, now: float) -> Principal | None:
        """The principal a cookie names, if its signature and expiry hold."""
        try:
            name, expiry, mac = value.rsplit("|", 2)
        except ValueError:
            return None
        expected = hmac.new(self._key, f"{name}|{expiry}".encode(), hashlib.sha256).hexdigest()
        if not hmac.compare_digest(mac, expected) or not expiry.isdigit() or int(expiry) < now:
            return None
        return self._by_name.get(name)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def build_token_book(rt: Runtime) -> TokenBook:
    """Resolve every configured API token (ConfigError if a secret is missing)."""
    tokens = {
        t.token.resolve(): Principal(t.name, t.role, t.desk_identity)
        for t in rt.settings.web.api_tokens
    }
    return TokenBook(tokens)


def principal(request: Request) -> Principal | None:
    """Who made this request, from a bearer token or the session cookie."""
    book: TokenBook = request.app.state.tokens
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        return book.by_token(header[7:].strip())
    cookie = request.cookies.get(COOKIE)
    return book.from_cookie(cookie, time.time()) if cookie else None


def require(request: Request, role: str) -> Principal:
    """The principal, or 401/403: pages call this first."""
    who = principal(request)
    if who is None:
        raise HTTPException(401, "log in with an API token: /login?token=…")
    if not who.can(role):
        raise HTTPException(403, f"this page needs the {role} role")
    return who


def install(app: FastAPI, rt: Runtime) -> None:
    """Add ``/login`` and ``/logout`` and the token book to ``app``."""
    app.state.tokens = build_token_book(rt)

    @app.get("/login", include_in_schema=False)
    def login(token: str, next: str = "/dashboard") -> RedirectResponse:
        book: TokenBook = app.state.tokens
        who = book.by_token(token)
        if who is None:
            raise HTTPException(401, "unknown token")
        target = next if next.startswith("/") and not next.startswith("//") else "/dashboard"
        response = RedirectResponse(target, status_code=303)
        response.set_cookie(
            COOKIE,
            book.cookie_for(who, time.time()),
            httponly=True,
            samesite="strict",
            max_age=SESSION_S,
        )
        return response

    @app.get("/logout", include_in_schema=False)
    def logout() -> RedirectResponse:
        response = RedirectResponse("/login-required", status_code=303)
        response.delete_cookie(COOKIE)
        return response
