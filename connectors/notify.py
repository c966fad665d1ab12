"""
Outbound notifications: a JSON message posted to a webhook someone configured (an SLA breach
action's ``notify``), through the same bounded session and status classifier as every connector.

Each message carries an ``Idempotency-Key`` header (the outbox row's marker): the outbox sends a
row once, and a receiver that was reached but whose answer was lost can drop the repeat.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

import requests

from connectors.http import DEFAULT_TIMEOUT_S, BoundedSession, check_response, request_error

__all__ = ["Notifier", "WebhookNotifier"]


class Notifier(Protocol):
    """Delivers one notification."""

    def notify(self, url: str, payload: Mapping[str, object], *, idempotency_key: str) -> None:
        """
        Post ``payload`` as JSON to ``url``.

        Args:
            url: the receiver's webhook.
            payload: the message.
            idempotency_key: the same for every attempt at the same message.

        Raises:
            TransientError: the receiver was unreachable, slow or said "later" (retried).
            PermanentError: the receiver refused the message.
        """
        ...


class WebhookNotifier:
    """Posts notifications over HTTP(S), bounded by a timeout."""

    def __init__(self, session: requests.Session | None = None, *, system: str = "notify") -> None:
        self.session = session if session is not None else BoundedSession(DEFAULT_TIMEOUT_S)
        self.system = system

    def notify(self, url: str, payload: Mapping[str, object], *, idempotency_key: str) -> None:
        """Post ``payload`` to ``url``; see ``Notifier.notify``."""
        try:
            response = self.session.post(
                url, json=dict(payload), headers={"Idempotency-Key": idempotency_key}
            )
        except requests.RequestException as exc:
            raise request_error(exc, system=self.system) from exc
        check_response(response, system=self.system)
