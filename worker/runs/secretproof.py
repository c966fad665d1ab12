"""
Proving a one-time link's owner before its secret shows (``web.owner_proof: email``).

The link travels in a public reply: everyone on the ticket (agents, people in copy, the desk's
mail archive, link-preview bots) can open it. Holding the link therefore proves nothing. The
owner asks for a code, deskpilot sends it to the owner's own address (from the directory, fixed
when the link was issued; ``mail.address_attribute`` may name another one), and only the right
code within its lifetime opens the secret, once. Opening the page (GET) changes nothing, so a
preview bot burns nothing; a guesser gets ``MAX_WRONG`` tries per link, after which the secret
is destroyed (the owner asks for a new reset), and at most ``MAX_CODES`` codes are sent per link
(no mail bombing through a public link).
"""

from __future__ import annotations

import datetime as dt
import hmac
import secrets
from dataclasses import dataclass

import structlog

from worker.outbound.mail import MailError, send_mail
from worker.runs.secretlinks import code_digest, live_row, open_secret
from worker.runtime import Runtime

log = structlog.get_logger("deskpilot.secrets")

CODE_DIGITS = 8
CODE_LIFETIME = dt.timedelta(minutes=15)
MAX_CODES = 3
MAX_WRONG = 5


class ProofError(RuntimeError):
    """The owner cannot be proven this way now (the message says why, for the page)."""


class TooManyCodesError(ProofError):
    """``MAX_CODES`` were already sent for this link."""


@dataclass(frozen=True)
class LinkState:
    """What the page may say about a live link (never the secret, never the full address)."""

    masked_address: str | None
    code_out: bool
    """A code was sent and is still valid."""


@dataclass(frozen=True)
class Revealed:
    """The answer to a code: the secret, or why not (``gone``: the link no longer works)."""

    secret: str | None = None
    problem: str | None = None
    gone: bool = False


def masked(address: str) -> str:
    """``a•••@example.com``: enough for the owner to recognise, not to copy."""
    local, _, domain = address.partition("@")
    return f"{local[:1]}•••@{domain}"


def link_state(rt: Runtime, token: str) -> LinkState | None:
    """The state of the link behind ``token``; None if it is unknown, expired or used."""
    with rt.db.session() as session:
        row = live_row(rt, session, token)
        if row is None:
            return None
        out = row.code_hash is not None and (row.code_expires_at or rt.clock()) > rt.clock()
        return LinkState(masked(row.owner_address) if row.owner_address else None, out)


def send_code(rt: Runtime, token: str) -> str | None:
    """
    Send a fresh code to the link's owner; returns the masked address, None if the link is gone.

    Raises ``ProofError`` when no code can be sent (no address, no mail, too many codes, or the
    SMTP server refused). The code is recorded before it is sent: a failed send still counts.
    """
    mail = rt.settings.mail
    code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
    now = rt.clock()
    with rt.db.session() as session:
        row = live_row(rt, session, token)
        if row is None:
            return None
        address = row.owner_address
        if address is None or mail is None:
            raise ProofError("no address is on file to send you a code; ask the service desk")
        if row.codes_sent >= MAX_CODES:
            raise TooManyCodesError(
                f"{MAX_CODES} codes were already sent for this link; use the latest one, "
                "or ask the service desk for a new reset"
            )
        row.code_hash = code_digest(rt, token, code)
        row.code_expires_at = now + CODE_LIFETIME
        row.codes_sent += 1
    minutes = int(CODE_LIFETIME.total_seconds() // 60)
    try:
        send_mail(
            mail,
            address,
            "Your code for your temporary password",
            f"Your code is {code}\n\nEnter it on the page of your one-time link within {minutes} "
            "minutes to see your temporary password.\n\nIf you did not ask for this code, "
            "someone else opened your link: tell the service desk. Nobody from IT will ask you "
            "for this code.\n",
        )
    except MailError as exc:
        log.error("secret.code_not_sent", error=str(exc))
        raise ProofError("the code could not be sent just now; try again in a minute") from exc
    log.info("secret.code_sent")
    return masked(address)


def reveal_with_code(rt: Runtime, token: str, code: str) -> Revealed:
    """The secret if ``code`` is the latest one sent and still valid; else why not."""
    entered = "".join(ch for ch in code if ch.isdigit())
    with rt.db.session() as session:
        row = live_row(rt, session, token)
        if row is None:
            return Revealed(gone=True)
        if row.code_hash is None or row.code_expires_at is None or row.code_expires_at < rt.clock():
            minutes = int(CODE_LIFETIME.total_seconds() // 60)
            return Revealed(problem=f"ask for a code first (a code works for {minutes} minutes)")
        if not hmac.compare_digest(row.code_hash, code_digest(rt, token, entered)):
            row.wrong_codes += 1
            if row.wrong_codes >= MAX_WRONG:
                session.delete(row)
                log.warning("secret.destroyed_after_wrong_codes", wrong=MAX_WRONG)
                return Revealed(gone=True)
            left = MAX_WRONG - row.wrong_codes
            return Revealed(problem=f"that code is not right; {left} more tries")
        ciphertext = row.ciphertext
        session.delete(row)
    secret = open_secret(rt, ciphertext)
    return Revealed(secret=secret) if secret is not None else Revealed(gone=True)


__all__ = [
    "MAX_CODES",
    "MAX_WRONG",
    "LinkState",
    "ProofError",
    "Revealed",
    "TooManyCodesError",
    "link_state",
    "masked",
    "reveal_with_code",
    "send_code",
]
