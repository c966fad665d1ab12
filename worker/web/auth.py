"""
Login for the dashboard and the review page: API tokens with roles, kept in a signed cookie.

A token is presented by POST to ``/login`` (a form; never in a URL, where proxies, browser
history and Referer headers would keep it) or as ``Authorization: Bearer …`` on every request.
The browser then holds a cookie signed with a key derived from ``web.secret_key`` naming a
session and the token (by a digest, never the token itself); ``/logout`` revokes that session,
for every web worker (``worker.web.sessions``). Failed logins are logged
and, after ``FAILURE_LIMIT`` from one address within ``FAILURE_WINDOW_S``, refused with 429: the
count is shared by every web worker (``worker.web.throttle``). With no tokens configured, the
pages are closed.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass

import structlog
from fastapi import FastAPI, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from jinja2 import Environment, select_autoescape

from worker.config import MIN_TOKEN_CHARS, ConfigError
from worker.runtime import Runtime
from worker.web.sessions import RevokedSessions, build_revoked_sessions, cookie_key
from worker.web.throttle import LoginThrottle, StoreUnavailableError, build_throttle

log = structlog.get_logger("deskpilot.auth")

COOKIE = "deskpilot_session"
SESSION_S = 12 * 3600
ROLES = {"viewer": 0, "agent": 1, "admin": 2}
_LOGIN_PAGE = Environment(autoescape=select_autoescape(default=True)).from_string(
    """<!doctype html><html><head><meta charset="utf-8"><title>deskpilot · log in</title></head>
<body><h1>Log in</h1>{% if problem %}<p role="alert">{{ problem }}</p>{% endif %}
<form method="post" action="/login"><input type="hidden" name="next" value="{{ next }}">
<label>API token <input type="password" name="token" autocomplete="current-password" required
 minlength="{{ min_chars }}"></label> <button>Log in</button></form></body></html>"""
)


@dataclass(frozen=True)
class Principal:
    """Who is looking: the token's name, role and desk identity."""

    name: str
    role: str
    desk_identity: str | None = None
    key: str = ""
    """A digest of the token: what the session cookie names (names could repeat, tokens cannot)."""

    def can(self, role: str) -> bool:
        """True if this principal has at least ``role``."""
        return ROLES[self.role] >= ROLES[role]


class TokenBook:
    """The configured tokens (by digest), the cookie key and the revoked sessions."""

    def __init__(
        self,
        tokens: dict[str, Principal],
        *,
        key: bytes | None = None,
        revoked: RevokedSessions | None = None,
    ) -> None:
        self._by_key: dict[str, Principal] = {}
        for token, who in tokens.items():
            digest = _digest(token)
            self._by_key[digest] = Principal(who.name, who.role, who.desk_identity, digest)
        self._key = key or secrets.token_bytes(32)
        self._revoked = revoked

    def by_token(self, token: str) -> Principal | None:
        """The principal a presented token belongs to."""
        return self._by_key.get(_digest(token))

    def cookie_for(self, who: Principal, now: float) -> str:
        """A signed session cookie for ``who``, naming a fresh session."""
        payload = f"{secrets.token_urlsafe(16)}|{who.key}|{int(now) + SESSION_S}"
        return f"{payload}|{self._mac(payload)}"

    def from_cookie(self, value: str, now: float) -> Principal | None:
        """The principal a cookie names, if its signature, expiry and session hold."""
        parts = value.split("|")
        if len(parts) != 4:
            return None
        session, key, expiry, mac = parts
        # As bytes: compare_digest raises TypeError for str with non-ASCII characters.
        if not hmac.compare_digest(mac.encode(), self._mac(f"{session}|{key}|{expiry}").encode()):
            return None
        if not expiry.isdigit() or int(expiry) < now:
            return None
        if self._revoked is not None and self._revoked.is_revoked(session):
            return None
        return self._by_key.get(key)

    def revoke(self, value: str, now: float) -> None:
        """End the session a (validly signed) cookie names; later requests with it get 401."""
        if self.from_cookie(value, now) is None or self._revoked is None:
            return
        session, _, expiry, _ = value.split("|")
        self._revoked.revoke(session, float(expiry), now)

    def _mac(self, payload: str) -> str:
        return hmac.new(self._key, payload.encode(), hashlib.sha256).hexdigest()


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def build_token_book(rt: Runtime) -> TokenBook:
    """Resolve every configured API token; ConfigError if one is missing or too short."""
    tokens: dict[str, Principal] = {}
    for t in rt.settings.web.api_tokens:
        token = t.token.resolve()
        if len(token) < MIN_TOKEN_CHARS:
            raise ConfigError(
                [f"web.api_tokens.{t.name}: shorter than {MIN_TOKEN_CHARS} characters"]
            )
        tokens[token] = Principal(t.name, t.role, t.desk_identity)
    revoked = build_revoked_sessions(rt.settings.broker.url, rt.db)
    return TokenBook(tokens, key=cookie_key(rt.settings.web.secret_key), revoked=revoked)


def principal(request: Request) -> Principal | None:
    """Who made this request, from a bearer token or the session cookie."""
    book: TokenBook = request.app.state.tokens
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        return _bearer(request, book, header[7:].strip())
    cookie = request.cookies.get(COOKIE)
    try:
        return book.from_cookie(cookie, time.time()) if cookie else None
    except StoreUnavailableError as exc:
        log.error("auth.sessions_unavailable", error=str(exc))
        raise HTTPException(503, "sessions are unavailable: the shared store is down") from exc


def _bearer(request: Request, book: TokenBook, token: str) -> Principal | None:
    """
    The principal of a bearer token, held to the sign-in throttle: a wrong token counts as a
    failed login of the client's address, and while that address is throttled no token is
    looked at (429). Before, ``/login`` was throttled but every page took unlimited guesses
    as ``Authorization: Bearer …``.
    """
    throttle: LoginThrottle = request.app.state.login_throttle
    client, now = request.client.host if request.client else "unknown", time.time()
    try:
        return _throttled_lookup(throttle, book, client, now, token, failed="auth.bearer_failed")
    except StoreUnavailableError as exc:
        log.error("auth.throttle_unavailable", error=str(exc))
        raise HTTPException(503, "sign-in is unavailable: the throttle's store is down") from exc


def _throttled_lookup(
    throttle: LoginThrottle, book: TokenBook, client: str, now: float, token: str, *, failed: str
) -> Principal | None:
    """``token``'s principal, or None (counted as a failure of ``client``, logged as ``failed``);
    429 while ``client`` is throttled, before the token is looked at. Sign-in and bearer tokens
    both go through here."""
    wait = throttle.retry_after(client, now)
    if wait is not None:
        log.warning("auth.login_throttled", client=client, retry_after_s=wait)
        raise HTTPException(429, "too many failed logins", {"Retry-After": str(wait)})
    who = book.by_token(token)
    if who is None:
        log.warning(failed, client=client, failures=throttle.failed(client, now))
    return who


def require(request: Request, role: str) -> Principal:
    """The principal, or 401/403: pages call this first."""
    who = principal(request)
    if who is None:
        raise HTTPException(401, "log in with an API token at /login")
    if not who.can(role):
        raise HTTPException(403, f"this page needs the {role} role")
    return who


def _next(target: str) -> str:
    # Only a path here: "//host" and "/\\host" are other sites to a browser (open redirect).
    local = target.startswith("/") and not target.startswith(("//", "/\\"))
    return target if local and "\n" not in target and "\r" not in target else "/dashboard"


def install(app: FastAPI, rt: Runtime) -> None:
    """Add ``/login`` (GET: the form; POST: the token) and ``/logout`` and the token book."""
    app.state.tokens = build_token_book(rt)
    app.state.login_throttle = throttle = build_throttle(rt.settings.broker.url, rt.db)
    secure = rt.settings.web.cookies_secure

    @app.get("/login", response_class=HTMLResponse, include_in_schema=False)
    def login_form(next: str = "/dashboard") -> HTMLResponse:
        return HTMLResponse(_LOGIN_PAGE.render(next=_next(next), min_chars=MIN_TOKEN_CHARS))

    @app.post("/login", include_in_schema=False, response_model=None)
    def login(
        request: Request, token: str = Form(""), next: str = Form("/dashboard")
    ) -> HTMLResponse | RedirectResponse:
        client, now = request.client.host if request.client else "unknown", time.time()
        try:
            return _login(client, now, token, next)
        except StoreUnavailableError as exc:
            log.error("auth.throttle_unavailable", error=str(exc))
            raise HTTPException(
                503, "logins are unavailable: the throttle's store is down"
            ) from exc

    def _login(client: str, now: float, token: str, next: str) -> HTMLResponse | RedirectResponse:
        book: TokenBook = app.state.tokens
        who = _throttled_lookup(throttle, book, client, now, token, failed="auth.login_failed")
        if who is None:
            page = _LOGIN_PAGE.render(
                next=_next(next), min_chars=MIN_TOKEN_CHARS, problem="Unknown token."
            )
            return HTMLResponse(page, status_code=401)
        throttle.succeeded(client)
        log.info("auth.login", who=who.name, role=who.role)
        response = RedirectResponse(_next(next), status_code=303)
        response.set_cookie(
            COOKIE, book.cookie_for(who, now), httponly=True, samesite="strict",
            secure=secure, max_age=SESSION_S,
        )  # fmt: skip
        return response

    @app.api_route("/logout", methods=["GET", "POST"], include_in_schema=False)
    def logout(request: Request) -> RedirectResponse:
        book: TokenBook = app.state.tokens
        cookie = request.cookies.get(COOKIE)
        try:
            if cookie:
                book.revoke(cookie, time.time())
        except StoreUnavailableError as exc:
            log.error("auth.sessions_unavailable", error=str(exc))
            raise HTTPException(503, "logout is unavailable: the shared store is down") from exc
        response = RedirectResponse("/login", status_code=303)
        response.delete_cookie(COOKIE, httponly=True, samesite="strict", secure=secure)
        return response
