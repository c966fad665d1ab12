"""
Errors every connector raises, sorted once into transient (retry) and permanent (stop, tell a human).

DeskpilotError
  TransientError          retry with backoff
    RateLimitedError      .retry_after_s
    UnavailableError      5xx, timeout, connection reset, LDAP busy/unavailable
      UnreachableError    the request never left: connection refused, DNS, connect timeout,
                          bind failed, the rate limiter's store down
  PermanentError          fail the message, note the ticket, page a human
    AuthError             401/403, invalidCredentials, insufficientAccessRights
    NotFoundError
    RejectedError         other 4xx, schema violations, constraint violations
    NotSupportedError     the system lacks the capability (reported, never faked)

Call sites never look at status codes or LDAP result codes: each protocol has exactly one
classifier (``connectors.http.check_response`` for HTTP APIs, one function in ``ldap.py``).
"""

from __future__ import annotations


class DeskpilotError(Exception):
    """Base of every error a connector raises on purpose."""

    def __init__(
        self,
        message: str,
        *,
        system: str = "",
        status: int | None = None,
        answered: bool | None = None,
    ) -> None:
        super().__init__(message)
        self.system = system
        self.status = status
        self.answered = status is not None if answered is None else answered
        """The system itself answered with this error (an HTTP status, an LDAP result code)."""

    def __str__(self) -> str:
        base = super().__str__()
        where = f"{self.system}: " if self.system else ""
        code = f" (HTTP {self.status})" if self.status is not None else ""
        return f"{where}{base}{code}"


class TransientError(DeskpilotError):
    """Worth retrying: the same call may succeed later."""


class RateLimitedError(TransientError):
    """The vendor asked us to slow down; ``retry_after_s`` is how long it asked for."""

    def __init__(
        self, message: str, *, retry_after_s: float, system: str = "", status: int | None = None
    ) -> None:
        super().__init__(message, system=system, status=status)  # never reached: nothing changed
        self.retry_after_s = retry_after_s


class UnavailableError(TransientError):
    """The system is down, overloaded or unreachable (5xx, timeout, connection reset, LDAP busy)."""

    def __init__(
        self,
        message: str,
        *,
        system: str = "",
        status: int | None = None,
        retry_after_s: float | None = None,
        answered: bool | None = None,
    ) -> None:
        super().__init__(message, system=system, status=status, answered=answered)
        self.retry_after_s = retry_after_s
        """How long the server said to stay away (a 503's ``Retry-After``), when it said."""


class UnreachableError(UnavailableError):
    """The request never reached the system (refused, unresolved, bind failed): nothing changed."""


def changed_nothing(exc: DeskpilotError) -> bool:
    """
    Whether a failed call certainly changed nothing in the system it was sent to.

    True when the system answered with an error (an HTTP status, an LDAP result code), asked us
    to slow down, or was never reached; False when the request may have been acted on before the
    failure (a timeout or a reset while waiting for the answer).
    """
    return exc.answered or isinstance(exc, UnreachableError | RateLimitedError)


class PermanentError(DeskpilotError):
    """Retrying will not help; a person has to look."""


class AuthError(PermanentError):
    """Our credentials are wrong or lack a right (401/403, invalidCredentials)."""


class NotFoundError(PermanentError):
    """The object asked for does not exist."""


class RejectedError(PermanentError):
    """The system refused the request as invalid (other 4xx, schema or constraint violation)."""


class NotSupportedError(PermanentError):
    """The system has no such capability; deskpilot reports that instead of faking it."""
