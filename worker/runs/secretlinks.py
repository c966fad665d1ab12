"""
One-time secret links: how a temporary password reaches its owner without touching a ticket.

The password is encrypted (Fernet) with the configured key and stored under the SHA-256 of a
random token; the link carries the token. The link sits in a public reply that others on the
ticket can read, so (``web.owner_proof: email``) the secret shows only after its owner enters
a code sent to their own address (``worker.runs.secretproof``); then it is destroyed. An
unopened secret expires (and is deleted). Neither the password nor the token is logged or
audited: a run's step records keep the link sealed with the same key (only the note to its
owner opens it), pages, exports and the audit show it as "(issued)", and a sent reply's stored
copy has the token cut out.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import re
import secrets
from collections.abc import Mapping
from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from sqlalchemy import delete
from sqlalchemy.orm import Session

from intake.pasted import mask_pasted_passwords
from worker.db.records import SecretLinkRow
from worker.runtime import Runtime

LIFETIME = dt.timedelta(hours=24)
_PROCESS_KEY = Fernet.generate_key()


def _fernet_key(rt: Runtime) -> bytes:
    ref = rt.settings.web.secret_key
    if ref is None:
        return _PROCESS_KEY
    return base64.urlsafe_b64encode(hashlib.sha256(ref.resolve().encode()).digest())


def _fernet(rt: Runtime) -> Fernet:
    return Fernet(_fernet_key(rt))


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
    """``value`` (text, or JSON-like data at any depth) as pages, exports and sent notes show it:
    every one-time link's token cut out, and every password a requester pasted into the text
    masked (``intake.pasted``)."""
    if isinstance(value, str):
        return mask_pasted_passwords(_LINK.sub("/secret/(one-time link withheld)", value))
    if isinstance(value, Mapping):
        return {k: redact_links(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [redact_links(v) for v in value]
    return value


def store_secret(rt: Runtime, user_ref: str, secret: str, owner_address: str | None = None) -> str:
    """Keep ``secret`` for ``user_ref`` (codes go to ``owner_address``); returns the link's token."""
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
                owner_address=owner_address,
                codes_sent=0,
                wrong_codes=0,
            )
        )
    return token


def reveal_secret(rt: Runtime, token: str) -> str | None:
    """The secret behind ``token`` once, without proof; None if unknown, expired or shown."""
    with rt.db.session() as session:
        row = live_row(rt, session, token)
        if row is None:
            return None
        ciphertext = row.ciphertext
        session.delete(row)
    return open_secret(rt, ciphertext)


def token_hash(token: str) -> str:
    """The key a link's row is stored under."""
    return hashlib.sha256(token.encode()).hexdigest()


def live_row(rt: Runtime, session: Session, token: str) -> SecretLinkRow | None:
    """The row behind ``token``, locked (PostgreSQL), if it exists and has not expired."""
    row = session.get(SecretLinkRow, token_hash(token), with_for_update=not rt.db.is_sqlite)
    if row is None or row.expires_at < rt.clock():
        return None
    return row


def open_secret(rt: Runtime, ciphertext: bytes) -> str | None:
    """The secret sealed in ``ciphertext``; None if the key changed since."""
    try:
        return _fernet(rt).decrypt(ciphertext).decode()
    except InvalidToken:
        return None


def code_digest(rt: Runtime, token: str, code: str) -> str:
    """The HMAC kept for a code (keyed like the secrets, bound to the link)."""
    key = hashlib.sha256(b"secret-link-code|" + _fernet_key(rt)).digest()
    return hmac.new(key, f"{token_hash(token)}|{code}".encode(), hashlib.sha256).hexdigest()
