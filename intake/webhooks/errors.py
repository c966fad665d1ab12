"""
Why a webhook delivery was refused, with the HTTP status the web layer answers.

::

    WebhookError (ValueError)          .http_status
      SignatureError          401      bad/missing signature, stale timestamp, wrong org id
      MalformedPayloadError   400      not JSON/XML, a required field missing (message names it)
        UnsupportedEventError 400      well-formed, but not about a ticket (e.g. a user event)

Messages say what is wrong and where (a JSON path such as ``$.issue.fields.status``); they
never contain the secret, the expected signature or the payload itself.
"""

from __future__ import annotations


class WebhookError(ValueError):
    """A delivery that deskpilot refuses; ``http_status`` is what the sender is told."""

    http_status: int = 400


class SignatureError(WebhookError):
    """The delivery cannot be trusted: signature, timestamp or organisation id does not match."""

    http_status = 401


class MalformedPayloadError(WebhookError):
    """The body is not what the desk sends: not JSON/XML, or a required field is missing."""

    http_status = 400


class UnsupportedEventError(MalformedPayloadError):
    """A genuine delivery that is not about a ticket (user, organisation, messaging events)."""
