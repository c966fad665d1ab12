"""What a Salesforce desk is configured with: the options, and where its session id comes from."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

from connectors.desks.download import MAX_ATTACHMENT_BYTES
from connectors.desks.transport import DeskTransport
from connectors.ratelimit import Budget

T = TypeVar("T")


class SalesforceCalls(Protocol):
    """What the ``SalesforceDesk`` mixins (create, attach) call on the desk."""

    _t: DeskTransport
    _api: str

    def _authorised(self, fn: Callable[[], T]) -> T: ...

    def _query(
        self, soql: str, call: str, *, retry: bool = True, limit: int | None = None
    ) -> list[Any]: ...

    def _case_id(self, key: str, call: str, *, retry: bool = True) -> str: ...


class SessionSource(Protocol):
    """Where the Salesforce session id (OAuth access token) comes from."""

    def token(self, *, refresh: bool = False) -> str:
        """The current session id; ``refresh=True`` discards it and logs in again."""
        ...


@dataclass
class StaticToken:
    """A session id or access token obtained elsewhere; cannot be refreshed."""

    value: str

    def token(self, *, refresh: bool = False) -> str:
        return self.value


@dataclass(frozen=True)
class SalesforceOptions:
    """What the Salesforce admin maps and tunes (``desks[].options`` in the configuration)."""

    status_map: Mapping[str, str] = field(default_factory=dict)
    """deskpilot category → Case ``Status`` picklist value."""
    api_version: str = "61.0"
    extra_fields: tuple[str, ...] = ()
    where: str | None = None
    """Extra SOQL condition ANDed into polling, e.g. ``RecordType.DeveloperName = 'IT'``."""
    overlap_s: float = 120.0
    request_limit_retry_s: float = 900.0
    max_attachment_bytes: int = MAX_ATTACHMENT_BYTES
    budget: Budget = field(default_factory=lambda: Budget(requests=60, per_s=60.0, burst=10))


__all__ = ["SalesforceCalls", "SalesforceOptions", "SessionSource", "StaticToken"]
