"""
One-time secret links: how a temporary password reaches its owner without touching a ticket.

The password is encrypted (Fernet) with the configured key and stored under the SHA-256 of a
random token; the link carries the token. Opening the link shows the secret once and destroys it;
an unopened secret expires. Neither the password nor the token is logged or audited.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import html
import secrets

from cryptography.fernet import Fernet, InvalidToken
from fastapi import FastAPI
from fastapi.responses import HTMLResponse
from sqlalchemy import delete

from worker.db.database import SecretLinkRow
from worker.runtime import Runtime

LIFETIME = dt.timedelta(hours=24)
_PROCESS_KEY = Fernet.generate_key()


def _fernet(rt: Runtime) -> Fernet:
    ref = rt.settings.web.secret_key
    if ref is None:
        return Fernet(_PROCESS_KEY)
    digest = hashlib.sha256(ref.resolve().encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def store_secret(rt: Runtime, user_ref: str, secret: str) -> str:
    """Keep ``secret`` for ``user_ref``; returns the token for its one-time link."""
    token = secrets.token_urlsafe(32)
    now = rt.clock()
    with rt.db.session() as session:
        session.add(
            SecretLinkRow(
                token_hash=hashlib.sha256(token.encode()).hexdigest(),
                user_ref=user_ref,
                ciphertext=_fernet(rt).encrypt(secret.encode()),
                created_at=now,
                expires_at=now + LIFETIME,
                viewed_at=None,
            )
        )
    return token


def reveal_secret(rt: Runtime, token: str) -> str | None:
    """The secret behind ``token`` once; None if unknown, expired or already shown."""
    digest = hashlib.sha256(token.encode()).hexdigest()
    now = rt.clock()
    with rt.db.session() as session:
        row = session.get(SecretLinkRow, digest, with_for_update=not rt.db.is_sqlite)
        if row is None or row.expires_at < now:
            return None
        ciphertext = row.ciphertext
        session.execute(delete(SecretLinkRow).where(SecretLinkRow.token_hash == digest))
    try:
        return _fernet(rt).decrypt(ciphertext).decode()
    except InvalidToken:
        return None


def install(app: FastAPI, rt: Runtime) -> None:
    """Add ``/secret/{token}``: a button, then the one-time secret, once."""

    @app.get("/secret/{token}", response_class=HTMLResponse, include_in_schema=False)
    def secret_page(token: str) -> HTMLResponse:
        # Opening the link only shows a button: mail scanners that follow links must not burn it.
        return HTMLResponse(
            "<!doctype html><meta charset=utf-8><title>Your temporary password</title>"
            f"<form method=post action='/secret/{_escape(token)}'>"
            "<p>This link shows your temporary password once.</p>"
            "<button type=submit>Show my temporary password</button></form>",
            headers={"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"},
        )

    @app.post("/secret/{token}", response_class=HTMLResponse, include_in_schema=False)
    def secret_reveal(token: str) -> HTMLResponse:
        value = reveal_secret(rt, token)
        if value is None:
            return HTMLResponse(
                "<p>This link has expired or was already opened. Ask the service desk for a new one.</p>",
                status_code=410,
            )
        return HTMLResponse(
            "<!doctype html><meta charset=utf-8><title>Your temporary password</title>"
            "<p>Your temporary password (shown once; you must change it when you sign in):</p>"
            f"<p><code style='font-size:1.3em'>{_escape(value)}</code></p>",
            headers={"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"},
        )


def _escape(text: str) -> str:
    return html.escape(text, quote=True)
