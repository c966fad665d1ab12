"""The guard every test runs under: a connector call inside an open DB transaction fails the test."""

from __future__ import annotations

from pathlib import Path

import pytest
import responses
from sqlalchemy import create_engine, text

from connectors.notify import WebhookNotifier
from tests.transaction_guard import TransactionGuard

HOOK = "https://hooks.example.com/deskpilot"


@pytest.mark.parametrize(
    ("inside", "caught"),
    [(True, 1), (False, 0)],
    ids=["inside-a-transaction", "after-it-commits"],
)
def test_a_connector_call_inside_a_transaction_is_caught(
    no_connector_call_in_transaction: TransactionGuard, tmp_path: Path, inside: bool, caught: int
) -> None:
    guard = no_connector_call_in_transaction
    engine = create_engine(f"sqlite:///{tmp_path / 'g.sqlite3'}")
    notifier = WebhookNotifier()
    with responses.RequestsMock(assert_all_requests_are_fired=True) as http:
        http.post(HOOK, status=204)
        with engine.begin() as connection:
            connection.execute(text("SELECT 1"))
            if inside:
                notifier.notify(HOOK, {"event": "test"}, idempotency_key="k1")
        if not inside:
            notifier.notify(HOOK, {"event": "test"}, idempotency_key="k1")
    engine.dispose()

    found, guard.violations[:] = list(guard.violations), []  # this test's own, not a failure
    assert caught == len(found)
    assert all(f.startswith(f"HTTP POST {HOOK} inside an open database transaction") for f in found)


def test_a_rolled_back_transaction_is_closed_too(
    no_connector_call_in_transaction: TransactionGuard, tmp_path: Path
) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'g.sqlite3'}")
    with engine.connect() as connection:
        connection.execute(text("SELECT 1"))
        assert no_connector_call_in_transaction.open_transactions()
        connection.rollback()
        assert not no_connector_call_in_transaction.open_transactions()
    engine.dispose()
