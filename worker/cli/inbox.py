"""
``deskpilot inbox``: what came in and was refused or could not be read, and sending it again.

Refused webhook deliveries (bad signature, unknown desk, unreadable, too large) are kept as
received in ``rejected_deliveries``; deliveries that verified but could not be turned into a
ticket are inbox rows in state ``failed``. Both can be sent through the pipeline again once the
cause is fixed (a secret, a desk name, a deskpilot upgrade).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Any, cast

import typer
from sqlalchemy import ColumnElement, Row, Table, select, update

from worker.cli.common import ConfigOption, database_or_exit, settings_or_exit
from worker.config import AppSettings
from worker.db.records import RejectedDeliveryRow
from worker.db.tables import InboxItem
from worker.inbound.receive import Outcome, ReplayError, replay_refused

app = typer.Typer(no_args_is_help=True)

_REJECTED = cast(Table, RejectedDeliveryRow.__table__)
_INBOX = cast(Table, InboxItem.__table__)
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


def _newest(
    config: Path | None,
    table: Table,
    columns: Sequence[ColumnElement[Any]],
    *where: ColumnElement[bool],
    desk: str | None,
    limit: int,
) -> list[Row[Any]]:
    """The newest ``limit`` rows of ``table`` (of ``desk``, if given) matching ``where``."""
    db = database_or_exit(settings_or_exit(config))
    query = select(*columns).where(*where).order_by(table.c.id.desc()).limit(limit)
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
