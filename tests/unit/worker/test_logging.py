"""The redaction processor masks secrets at any depth before anything is rendered."""

from __future__ import annotations

import pytest
import structlog
from structlog.testing import capture_logs

from worker.logging import MASK, SHARED_PROCESSORS, redact_secrets


@pytest.mark.parametrize(
    ("event", "expected"),
    [
        ({"password": "hunter2"}, {"password": MASK}),
        ({"Authorization": "Bearer abc"}, {"Authorization": MASK}),
        (
            {"request": {"headers": {"cookie": "c", "accept": "json"}}},
            {"request": {"headers": {"cookie": MASK, "accept": "json"}}},
        ),
        (
            {"steps": [{"one_time_password": "x", "op": "reset"}]},
            {"steps": [{"one_time_password": MASK, "op": "reset"}]},
        ),
        (
            {"client_assertion": "jwt", "ticket": "IT-1"},
            {"client_assertion": MASK, "ticket": "IT-1"},
        ),
    ],
    ids=["flat", "header-case", "nested", "in-list", "untouched-neighbours"],
)
def test_redaction(event: dict[str, object], expected: dict[str, object]) -> None:
    assert expected == redact_secrets(None, "info", dict(event))


def test_configured_chain_redacts() -> None:
    structlog.configure(processors=[*SHARED_PROCESSORS, structlog.testing.LogCapture()])
    log = structlog.get_logger()

    with capture_logs(processors=[redact_secrets]) as logs:
        log.info("directory.bound", bind_password="p4ss", directory="corp")

    assert logs[0]["bind_password"] == MASK
    assert "p4ss" not in repr(logs)
    structlog.reset_defaults()
