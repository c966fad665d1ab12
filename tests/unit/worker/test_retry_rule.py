"""One retry rule: transient errors are retried (up to a bound), everything else is not."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import dramatiq
import pytest
from pydantic import ValidationError
from sqlalchemy import create_engine, text
from sqlalchemy.exc import IntegrityError, OperationalError

from connectors.errors import (
    AuthError,
    NotFoundError,
    RateLimitedError,
    RejectedError,
    UnavailableError,
)
from worker.config import BrokerSettings
from worker.queue.broker import MAX_RETRIES, make_broker, should_retry


@pytest.mark.parametrize(
    ("exc", "retried"),
    [
        (UnavailableError("503"), True),
        (RateLimitedError("429", retry_after_s=3), True),
        (dramatiq.Retry(), True),
        (AuthError("401"), False),
        (NotFoundError("404"), False),
        (RejectedError("400"), False),
        (KeyError("bug"), False),
    ],
    ids=["unavailable", "rate-limited", "explicit-retry", "auth", "not-found", "rejected", "bug"],
)
def test_only_transient_errors_are_retried(exc: BaseException, retried: bool) -> None:
    assert retried == should_retry(0, exc)


def test_retries_are_bounded() -> None:
    assert not should_retry(MAX_RETRIES, UnavailableError("still down"))


def _database_error(url: str, statement: str = "SELECT 1") -> BaseException:
    """What SQLAlchemy raises when a real database cannot run ``statement``."""
    engine = create_engine(url)
    try:
        with engine.begin() as connection:
            connection.execute(text(statement))
    except Exception as exc:  # noqa: BLE001 (the error is what the test is about)
        return exc
    finally:
        engine.dispose()
    raise AssertionError("the connection was expected to fail")


def test_a_database_that_cannot_answer_is_retried(tmp_path: Path) -> None:
    # Nothing listens on port 1: the error PostgreSQL restarting under the workers gives.
    down = _database_error("postgresql+psycopg://deskpilot@127.0.0.1:1/deskpilot")
    # Another process holds SQLite's write lock past the busy timeout.
    path = tmp_path / "locked.sqlite3"
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("CREATE TABLE t (id INTEGER PRIMARY KEY)")
    holder.execute("BEGIN IMMEDIATE")
    try:
        locked = _database_error(f"sqlite:///{path}?timeout=0", "INSERT INTO t VALUES (1)")
    finally:
        holder.execute("ROLLBACK")
        holder.close()

    assert isinstance(down, OperationalError)
    assert isinstance(locked, OperationalError)
    assert "locked" in str(locked)
    assert should_retry(0, down)
    assert should_retry(0, locked)
    assert not should_retry(MAX_RETRIES, down)


def test_a_bad_statement_or_constraint_is_not_retried(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'x.sqlite3'}"
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY)"))
        connection.execute(text("INSERT INTO t VALUES (1)"))
    engine.dispose()
    duplicate = _database_error(url, "INSERT INTO t VALUES (1)")
    no_column = _database_error(url, "SELECT nope FROM t")  # SQLite: an OperationalError
    no_file = _database_error(f"sqlite:///{tmp_path / 'no' / 'such' / 'dir.sqlite3'}")

    assert isinstance(duplicate, IntegrityError)
    assert isinstance(no_column, OperationalError)
    assert isinstance(no_file, OperationalError)
    assert not should_retry(0, duplicate)
    assert not should_retry(0, no_column)
    assert not should_retry(0, no_file)  # a configuration error: waiting will not fix it


@pytest.mark.parametrize(
    ("given", "backoff"),
    [({}, (500, 5000)), ({"min_backoff_ms": 5, "max_backoff_ms": 50}, (5, 50))],
    ids=["default", "configured"],
)
def test_the_retry_backoff_is_the_brokers_setting(
    given: dict[str, int], backoff: tuple[int, int]
) -> None:
    """The waits between retries come from ``broker``; the number of retries does not change."""
    broker = make_broker(BrokerSettings(url="stub", **given))
    retries = next(m for m in broker.middleware if isinstance(m, dramatiq.middleware.Retries))
    assert (retries.min_backoff, retries.max_backoff, retries.max_retries) == (
        *backoff,
        MAX_RETRIES,
    )
    broker.close()


def test_a_backoff_range_upside_down_is_refused() -> None:
    with pytest.raises(ValidationError, match="min_backoff_ms"):
        BrokerSettings(min_backoff_ms=6000, max_backoff_ms=5000)
