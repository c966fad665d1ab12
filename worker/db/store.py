"""Small database idioms shared by the pipeline: insert-if-absent and compare-and-set."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from functools import lru_cache
from typing import Any, TypeVar, cast

from pydantic import TypeAdapter
from sqlalchemy import ColumnElement, Connection, Row, Table, inspect, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from intake.model import Ticket, TicketEvent
from worker.db.base import Base

TICKET_JSON: TypeAdapter[Ticket] = TypeAdapter(Ticket)
EVENT_JSON: TypeAdapter[TicketEvent] = TypeAdapter(TicketEvent)

Executor = Session | Connection
"""Where a helper runs its statements: an ORM session, or a Core connection (``Database.connect``)
on the hot paths. Either way the statements join the caller's transaction."""


def core(db: Executor) -> Connection:
    """The Core connection of ``db``: Core statements run there without the session's overhead."""
    return db.connection() if isinstance(db, Session) else db


def insert_ignore(
    db: Executor, model: type[Base], values: Mapping[str, Any], conflict: tuple[str, ...]
) -> bool:
    """Insert a row unless one with the same ``conflict`` columns exists; True if inserted."""
    connection = core(db)
    stmt = _insert_ignore_stmt(connection.dialect.name, model, conflict)
    return connection.execute(stmt, dict(values)).first() is not None


def insert_ignore_id(
    db: Executor, model: type[Base], values: Mapping[str, Any], conflict: tuple[str, ...]
) -> int | None:
    """``insert_ignore`` for a table with an integer ``id``: the new row's id, None if it existed."""
    connection = core(db)
    stmt = _insert_ignore_stmt(connection.dialect.name, model, conflict)
    # RETURNING, not rowcount: drivers disagree on rowcount for ON CONFLICT DO NOTHING.
    # The values are parameters of one cached statement, so SQLAlchemy compiles it once.
    row = connection.execute(stmt, dict(values)).first()
    return None if row is None else int(row[0])


@lru_cache(maxsize=256)
def _insert_ignore_stmt(dialect: str, model: type[Base], conflict: tuple[str, ...]) -> Any:
    table = cast(Table, model.__table__)
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    return (
        insert(table)
        .on_conflict_do_nothing(index_elements=conflict)
        .returning(*table.primary_key.columns)
    )


M = TypeVar("M", bound=Base)


def detached(model: type[M], row: Row[Any]) -> M:
    """
    A ``model`` object built from a Core row of all its columns, belonging to no session.

    For the hot paths that read with Core but hand rows on to code written for the ORM types:
    building one costs a fifth of a ``session.get``. Never add it to a session (it would insert).
    """
    mapping = row._mapping
    return model(**{attr: mapping[column] for attr, column in _columns(model)})


@lru_cache(maxsize=64)
def _columns(model: type[Base]) -> tuple[tuple[str, Any], ...]:
    return tuple((prop.key, prop.columns[0]) for prop in inspect(model).column_attrs)


def compare_and_set(
    db: Executor, model: type[Base], row_id: int, condition: ColumnElement[bool], **values: Any
) -> bool:
    """Update row ``row_id`` only if ``condition`` holds; True if this caller won."""
    table = cast(Table, model.__table__)
    stmt = update(table).where(table.c.id == row_id, condition).values(**values)
    # Through the session when given one: its condition names ORM attributes, so the session runs
    # it as an ORM update (flushing first, and keeping loaded objects in step), as callers expect.
    return bool(db.execute(stmt).rowcount)  # type: ignore[attr-defined]


def ticket_to_json(ticket: Ticket) -> dict[str, Any]:
    """A ticket as JSON-ready data (for the snapshot column)."""
    data: dict[str, Any] = TICKET_JSON.dump_python(ticket, mode="json")
    return data


def ticket_from_json(data: Mapping[str, Any]) -> Ticket:
    """The ticket a snapshot column holds."""
    return TICKET_JSON.validate_python(data)


def event_to_json(event: TicketEvent) -> dict[str, Any]:
    """An event as JSON-ready data."""
    data: dict[str, Any] = EVENT_JSON.dump_python(event, mode="json")
    return data


def event_from_json(data: Mapping[str, Any]) -> TicketEvent:
    """The event a row's data column holds."""
    return EVENT_JSON.validate_python(data)


def older_than(now: dt.datetime, seconds: float) -> dt.datetime:
    """The instant ``seconds`` before ``now`` (lease arithmetic)."""
    return now - dt.timedelta(seconds=seconds)
