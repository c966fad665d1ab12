"""Shared fixtures: databases (SQLite and PostgreSQL), Redis, and the skip-locally/fail-in-CI rule."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.transaction_guard import TransactionGuard, transaction_guard

SHARED = Path(__file__).resolve().parents[1] / ".." / "shared"
POSTGRES_URL = os.environ.get(
    "DESKPILOT_TEST_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
REDIS_URL = os.environ.get("DESKPILOT_TEST_REDIS", "redis://127.0.0.1:6379/15")


def in_ci() -> bool:
    """True when the suite runs in CI, where a missing service is a failure, not a skip."""
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


def service_missing(reason: str) -> None:
    """Skip locally, fail in CI: a real service the test needs is not there."""
    if in_ci():
        pytest.fail(f"required service unavailable in CI: {reason}")
    pytest.skip(reason)


def shared_path(*parts: str) -> Path:
    """A file in ../shared, or skip (the vendor material stays outside the repository)."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"{path} is not available (../shared is not checked out beside the repo)")
    return path


def _postgres_schema_url() -> Iterator[str]:
    from sqlalchemy import create_engine, text

    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(POSTGRES_URL)
    try:
        with admin.begin() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    except Exception as exc:  # noqa: BLE001 (any connection failure means "no PostgreSQL here")
        admin.dispose()
        service_missing(f"PostgreSQL at {POSTGRES_URL} is not reachable: {exc}")
    try:
        yield f"{POSTGRES_URL}?options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database: a SQLite file, then a PostgreSQL schema of its own."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'deskpilot.sqlite3'}"
    else:
        yield from _postgres_schema_url()


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A fresh PostgreSQL schema (for tests that need several processes on one database)."""
    yield from _postgres_schema_url()


@pytest.fixture
def redis_url() -> Iterator[str]:
    """A real Redis database, flushed before and after the test."""
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except redis.RedisError as exc:
        service_missing(f"Redis at {REDIS_URL} is not reachable: {exc}")
    client.flushdb()
    try:
        yield REDIS_URL
    finally:
        client.flushdb()
        client.close()


@pytest.fixture(autouse=True)
def no_connector_call_in_transaction() -> Iterator[TransactionGuard]:
    """Every test fails if a connector call (HTTP or LDAP) happens inside a DB transaction."""
    with transaction_guard() as guard:
        yield guard
    if guard.violations:
        pytest.fail("\n\n".join(guard.violations), pytrace=False)
