"""
``deskpilot inbox``: what came in and was refused or could not be read, and sending it again.

Refused webhook deliveries (bad signature, unknown desk, unreadable, too large) are kept as
received in ``rejected_deliveries``; deliveries that verified but could not be turned into a
ticket are inbox rows in state ``failed``. Both can be sent through the pipeline again once the
cause is fixed (a secret, a desk name, a deskpilot upgrade). Deliveries that were only
notifications (source ``notification``) are listed with why and what the desk's API said.
"""

from __future__ import annotations

import datetime as dt
import enum
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Any, cast

import typer
from sqlalchemy import ColumnElement, FromClause, Row, Table, select, update

from worker.cli.common import ConfigOption, database_or_exit, settings_or_exit
from worker.config import AppSettings
from worker.db.records import RejectedDeliveryRow
from worker.db.tables import InboxItem, TicketRow
from worker.inbound.receive import Outcome, ReplayError, replay_refused

app = typer.Typer(no_args_is_help=True)

_REJECTED = cast(Table, RejectedDeliveryRow.__table__)
_INBOX = cast(Table, InboxItem.__table__)
_TICKETS = cast(Table, TicketRow.__table__)
SHOW_BODY_CHARS = 4000


@app.command()
def rejected(
    desk: Annotated[str | None, typer.Option(help="Only this desk (the name in the URL).")] = None,
    limit: Annotated[int, typer.Option(min=1, help="How many, newest first.")] = 20,
    config: ConfigOption = None,
) -> None:
    """List refused webhook deliveries, newest first, with why each was refused."""
    listed = [c for c in _REJECTED.c if c.name != "body"]
    rows = _newest(config, _REJECTED, listed, desk=desk, limit=limit)
    if not rows:
        typer.echo("no refused deliveries are kept")
        return
    _print(
        ("id", "received (UTC)", "desk", "answer", "bytes", "replayed", "why"),
        [
            (
                str(row.id),
                f"{row.received_at:%Y-%m-%d %H:%M:%S}",
                row.desk,
                str(row.status),
                f"{row.body_size:,}",
                f"inbox {row.replayed_inbox_id}" if row.replayed_inbox_id else "-",
                row.reason,
            )
            for row in rows
        ],
    )


@app.command()
def show(
    rejected_id: Annotated[int, typer.Argument(help="The id `deskpilot inbox rejected` shows.")],
    config: ConfigOption = None,
) -> None:
    """Print one refused delivery: why, its headers and (the start of) its body."""
    db = database_or_exit(settings_or_exit(config))
    with db.connect() as connection:
        row = connection.execute(select(_REJECTED).where(_REJECTED.c.id == rejected_id)).first()
    db.dispose()
    if row is None:
        typer.echo(f"no refused delivery {rejected_id} is kept", err=True)
        raise typer.Exit(1)
    when = f"{row.received_at:%Y-%m-%d %H:%M:%S}"
    typer.echo(f"refused delivery {row.id} to /hooks/{_safe(row.desk)} at {when} UTC")
    typer.echo(f"answered {row.status}: {_safe(row.reason)}")
    typer.echo("headers: " + json.dumps(row.headers, indent=2, sort_keys=True))  # escapes all
    text = _safe(row.body.decode("utf-8", errors="replace"), keep="\n\t")
    cut = (
        f"\n… ({len(text) - SHOW_BODY_CHARS:,} more characters)"
        if len(text) > SHOW_BODY_CHARS
        else ""
    )
    kept = (
        ""
        if row.body_size <= len(row.body)
        else f" (only {len(row.body):,} of {row.body_size:,} bytes kept)"
    )
    typer.echo(f"body{kept}:\n{text[:SHOW_BODY_CHARS]}{cut}")


@app.command()
def replay(
    rejected_id: Annotated[int, typer.Argument(help="The id `deskpilot inbox rejected` shows.")],
    config: ConfigOption = None,
) -> None:
    """
    Verify a refused delivery again, as of when it came, with today's configuration.

    If it passes now (a fixed secret or desk name), it is stored and handled like any delivery.
    Exit 1 if it is refused again.
    """
    from worker.boot import build_runtime

    settings = settings_or_exit(config)
    database_or_exit(settings).dispose()
    rt = build_runtime(settings, upgrade_schema=False)
    try:
        receipt = replay_refused(rt, rejected_id)
    except ReplayError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(1) from exc
    finally:
        rt.broker.close()
        rt.db.dispose()
    if receipt.outcome is Outcome.ACCEPTED:
        typer.echo(f"accepted as inbox row {receipt.inbox_id}; {_pickup(settings)}")
    elif receipt.outcome is Outcome.DUPLICATE:
        typer.echo(f"already received as inbox row {receipt.inbox_id}: nothing to do")
    else:
        typer.echo(f"refused again ({receipt.outcome.value}): {receipt.detail}", err=True)
        raise typer.Exit(1)


@app.command()
def failed(
    desk: Annotated[str | None, typer.Option(help="Only this desk.")] = None,
    limit: Annotated[int, typer.Option(min=1, help="How many, newest first.")] = 20,
    config: ConfigOption = None,
) -> None:
    """List deliveries that verified but could not be turned into tickets, with the error."""
    listed = [_INBOX.c[name] for name in ("id", "desk", "event_type", "received_at", "error")]
    rows = _newest(config, _INBOX, listed, _INBOX.c.state == "failed", desk=desk, limit=limit)
    if not rows:
        typer.echo("no failed deliveries")
        return
    _print(
        ("inbox id", "received (UTC)", "desk", "event", "error"),
        [
            (
                str(row.id),
                f"{row.received_at:%Y-%m-%d %H:%M:%S}",
                row.desk,
                row.event_type,
                row.error or "",
            )
            for row in rows
        ],
    )


@app.command()
def retry(
    inbox_id: Annotated[int, typer.Argument(help="The id `deskpilot inbox failed` shows.")],
    config: ConfigOption = None,
) -> None:
    """Ingest a failed delivery again (after an upgrade or a configuration fix)."""
    settings = settings_or_exit(config)
    db = database_or_exit(settings)
    with db.connect() as connection:
        reopened = connection.execute(
            update(_INBOX)
            .where(_INBOX.c.id == inbox_id, _INBOX.c.state == "failed")
            .values(state="received", error=None)
        ).rowcount
    db.dispose()
    if not reopened:
        typer.echo(f"inbox row {inbox_id} is not a failed delivery", err=True)
        raise typer.Exit(1)
    typer.echo(f"inbox row {inbox_id} is received again; {_pickup(settings, queued=False)}")


class Ending(enum.StrEnum):
    """What became of a notification: the desk's API was asked about the tickets it named."""

    PENDING = "pending"
    """Not ingested yet (the worker asks the desk's API)."""
    CONFIRMED = "confirmed"
    """The API shows the ticket: ingested as the API shows it."""
    UNCONFIRMED = "unconfirmed"
    """The API does not show it: kept, never acted on."""
    FAILED = "failed"
    """No API to ask, or unreadable: kept, never acted on; ``inbox retry`` once fixed."""


_ENDINGS = {
    "received": Ending.PENDING,
    "ingested": Ending.CONFIRMED,
    "ignored": Ending.UNCONFIRMED,
    "failed": Ending.FAILED,
}


@app.command()
def notifications(
    desk: Annotated[str | None, typer.Option(help="Only this desk.")] = None,
    outcome: Annotated[
        Ending | None, typer.Option(help="Only notifications that ended so.")
    ] = None,
    limit: Annotated[int, typer.Option(min=1, help="How many, newest first.")] = 20,
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
    config: ConfigOption = None,
) -> None:
    """
    List deliveries that were only notifications (unsigned, an Outbound Message, a stale Jira
    delivery), newest first: why, and whether the desk's API confirmed the ticket they named.
    """
    names = ("id", "desk", "event_type", "received_at", "state", "error", "why_notification")
    where = [_INBOX.c.source == "notification"]
    if outcome is not None:
        where.append(_INBOX.c.state.in_([s for s, e in _ENDINGS.items() if e is outcome]))
    rows = _newest(
        config,
        _INBOX,
        [*(_INBOX.c[name] for name in names), _TICKETS.c.key],
        *where,
        desk=desk,
        limit=limit,
        joined=_INBOX.outerjoin(_TICKETS, _TICKETS.c.id == _INBOX.c.ticket_id),
    )
    found = [_notification(row) for row in rows]
    if as_json:
        typer.echo(json.dumps(found, indent=2, sort_keys=True))
    elif not found:
        typer.echo("no notifications")
    else:
        head = ("inbox id", "received (UTC)", "desk", "event", "outcome", "ticket", "why", "detail")
        _print(head, [_cells(n) for n in found])


def _notification(row: Row[Any]) -> dict[str, Any]:
    """One notification row as the listing shows it (never its body: what it carried is not
    trusted, and it may hold what a sender should not have sent)."""
    at: dt.datetime = row.received_at
    ending = _ENDINGS.get(row.state, Ending.FAILED)
    if ending is Ending.CONFIRMED:
        detail = f"the desk's API shows it: ingested as ticket {row.key}"
    elif ending is Ending.PENDING:
        detail = "waiting for the worker to ask the desk's API"
    else:
        detail = row.error or ""
    return {
        "inbox_id": row.id,
        "received_at": (at if at.tzinfo else at.replace(tzinfo=dt.UTC)).isoformat(),
        "desk": row.desk,
        "event_type": row.event_type,
        "why_notification": row.why_notification,
        "outcome": ending.value,
        "ticket": row.key if ending is Ending.CONFIRMED else None,
        "detail": detail,
    }


def _cells(found: dict[str, Any]) -> tuple[str, ...]:
    when = dt.datetime.fromisoformat(found["received_at"])
    return (
        str(found["inbox_id"]),
        f"{when:%Y-%m-%d %H:%M:%S}",
        found["desk"],
        found["event_type"],
        found["outcome"],
        found["ticket"] or "-",
        found["why_notification"] or "(not recorded)",
        found["detail"],
    )


def _newest(
    config: Path | None,
    table: Table,
    columns: Sequence[ColumnElement[Any]],
    *where: ColumnElement[bool],
    desk: str | None,
    limit: int,
    joined: FromClause | None = None,
) -> list[Row[Any]]:
    """The newest ``limit`` rows of ``table`` (of ``desk``, if given) matching ``where``."""
    db = database_or_exit(settings_or_exit(config))
    query = select(*columns).select_from(table if joined is None else joined)
    query = query.where(*where).order_by(table.c.id.desc()).limit(limit)
    if desk is not None:
        query = query.where(table.c.desk == desk)
    try:
        with db.connect() as connection:
            return list(connection.execute(query).all())
    finally:
        db.dispose()


def _safe(text: str, keep: str = "") -> str:
    """
    ``text`` with control characters (but those in ``keep``) shown as escapes: what is printed
    came from anyone who can reach the webhook URL, and must not drive the admin's terminal.
    """
    return "".join(
        ch if ch.isprintable() or ch in keep else ch.encode("unicode_escape").decode("ascii")
        for ch in text
    )


def _print(head: tuple[str, ...], rows: list[tuple[str, ...]]) -> None:
    """Aligned columns, one line per row and never wrapped (the last column runs on): greppable."""
    rows = [tuple(_safe(cell) for cell in row) for row in rows]
    widths = [max(len(r[i]) for r in (head, *rows)) for i in range(len(head) - 1)]
    for row in (head, *rows):
        cells = [cell.ljust(width) for cell, width in zip(row, widths, strict=False)]
        typer.echo("  ".join([*cells, row[-1]]))


def _pickup(settings: AppSettings, *, queued: bool = True) -> str:
    """When the running service will ingest a row this command stored."""
    if queued and settings.broker.url != "stub":
        return "queued for the workers"
    within = settings.runtime.lease_s + settings.runtime.sweep_interval_s
    return f"the running service's sweeper ingests it within {within:g} s (lease + sweep interval)"
