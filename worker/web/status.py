"""
The status line a page shows after a form (``Recorded: keep #3.``), carried through the redirect
in the address and signed, so only deskpilot can put words there.

A page that printed any ``?message=`` let anyone send a signed-in reviewer a deskpilot address
whose status line said what the sender wanted ("Your session expired: sign in again at …"), in
deskpilot's own place and style. The redirect now carries ``said``, an HMAC of the message and
its problem flag under the review pages' key (derived from ``web.secret_key``, so every web
worker checks what another signed); a message without a valid ``said`` is not shown.
"""

from __future__ import annotations

import hashlib
import hmac

from fastapi import Request

__all__ = ["signed_status", "status_shown"]


def _said(key: bytes, message: str, problem: bool) -> str:
    text = f"deskpilot status\0{int(problem)}\0{message}".encode()
    return hmac.new(key, text, hashlib.sha256).hexdigest()


def signed_status(request: Request, message: str, problem: bool) -> dict[str, str]:
    """The query parameters that make a page show ``message`` (as a problem when ``problem``)."""
    key: bytes = request.app.state.review_csrf_key
    said = _said(key, message, problem)
    return {"message": message} | ({"problem": "1"} if problem else {}) | {"said": said}


def status_shown(request: Request, message: str, problem: str, said: str) -> tuple[str, bool]:
    """The status line a page may show from its query: ``message`` and whether it is a problem
    when deskpilot signed them (``said``), else nothing."""
    if not message:
        return "", False
    key: bytes = request.app.state.review_csrf_key
    expected = _said(key, message, bool(problem))
    if not said.isascii() or not hmac.compare_digest(said, expected):
        return "", False
    return message, bool(problem)
