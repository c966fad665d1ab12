"""
Structured logging, configured once: JSON in production, console output in a terminal.

A redaction processor runs before the renderer and masks secret-looking keys at any depth, so a
password, token or cookie cannot reach a log line even if a call site passes one by mistake.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Mapping, MutableMapping
from typing import Any

import structlog

SECRET_KEYS = (
    "password",
    "passwd",
    "token",
    "secret",
    "authorization",
    "cookie",
    "otp",
    "client_assertion",
    "api_key",
    "apikey",
    "private_key",
    "session_id",
)
MASK = "[redacted]"


def _is_secret(key: str) -> bool:
    lowered = key.lower()
    return any(word in lowered for word in SECRET_KEYS)


def _redact(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {k: MASK if _is_secret(str(k)) else _redact(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(_redact(v) for v in value)
    return value


def redact_secrets(
    _logger: Any, _method: str, event_dict: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    """structlog processor: mask every value whose key looks like a secret, at any depth."""
    for key in list(event_dict):
        if _is_secret(key):
            event_dict[key] = MASK
        else:
            event_dict[key] = _redact(event_dict[key])
    return event_dict


SHARED_PROCESSORS: list[Any] = [
    structlog.contextvars.merge_contextvars,
    structlog.processors.add_log_level,
    structlog.processors.TimeStamper(fmt="iso", utc=True),
    redact_secrets,
]


def configure_logging(*, json_output: bool | None = None, level: str = "INFO") -> None:
    """Configure structlog once per process (JSON unless stderr is a terminal)."""
    as_json = not sys.stderr.isatty() if json_output is None else json_output
    renderer: Any = (
        structlog.processors.JSONRenderer() if as_json else structlog.dev.ConsoleRenderer()
    )
    structlog.configure(
        processors=[*SHARED_PROCESSORS, structlog.processors.format_exc_info, renderer],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level)),
        logger_factory=structlog.PrintLoggerFactory(file=sys.stderr),
        cache_logger_on_first_use=False,
    )
