"""
One-time secret links: how a temporary password reaches its owner without touching a ticket.

The password is encrypted (Fernet) with the configured key and stored under the SHA-256 of a
random token; the link carries the token. Opening the link shows the secret once and destroys it;
an unopened secret expires (and is deleted). Neither the password nor the token is logged or
audited: a run's step records keep the link sealed with the same key (only the note to its
owner opens it), pages, exports and the audit show it as "(issued)", and a sent reply's stored
copy has the token cut out.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import re
import secrets
from collections.abc import Mapping
from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from sqlalchemy import delete

from worker.db.records import SecretLinkRow
from worker.runtime import Runtime

LIFETIME = dt.timedelta(hours=24)
_PROCESS_KEY = Fernet.generate_key()


def _fernet(rt: Runtime) -> Fernet:
    ref = rt.settings.web.secret_key
    if ref is None:
        return Fernet(_PROCESS_KEY)
    digest = hashlib.sha256(ref.resolve().encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


LINK_KEY = "one_time_link"
SEALED = "sealed:"
ISSUED = "(issued)"
_LINK = re.compile(r"/secret/[A-Za-z0-9_-]{16,}")


def seal_link(rt: Runtime, link: str) -> str:
    """``link`` encrypted for the run's records: only the note to its owner opens it again."""
    return SEALED + _fernet(rt).encrypt(link.encode()).decode()


def unseal_link(rt: Runtime, value: str) -> str | None:
    """The link ``seal_link`` sealed; None if the value is not sealed or the key changed."""
    if not value.startswith(SEALED):
        return None
    try:
        return _fernet(rt).decrypt(value[len(SEALED) :].encode()).decode()
    except InvalidToken:
        return None


def public_after(after: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """A step's ``after`` as pages, exports and the audit show it: a link only as "(issued)"."""
    if after is None:
        return None
    return {k: (ISSUED if k == LINK_KEY and v else v) for k, v in after.items()}


def redact_links(value: Any) -> Any:
    """``value`` (text, or JSON-like data at any depth) with every one-time link's token cut out."""
    if isinstance(value, str):
        return _LINK.sub("/secret/(one-time link withheld)", value)
    if isinstance(value, Mapping):
        return {k: redact_links(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [redact_links(v) for v in value]
    return value


def store_secret(rt: Runtime, user_ref: str, secret: str) -> str:
    """Keep ``secret`` for ``user_ref``; returns the token for its one-time link."""
    token = secrets.token_urlsafe(32)
    now = rt.clock()
    with rt.db.session() as session:
        # Expired secrets are never shown again: drop them rather than keep ciphertext around.
        session.execute(delete(SecretLinkRow).where(SecretLinkRow.expires_at < now))
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
