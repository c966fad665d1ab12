"""``deskpilot plan TICKET``: what deskpilot would do for a stored ticket, without changing anything."""

from __future__ import annotations

from typing import Annotated

import typer
from sqlalchemy import select

from worker.cli.common import ConfigOption, settings_or_exit
from worker.db.store import ticket_from_json
from worker.db.tables import TicketRow


def plan(
    ticket: Annotated[str, typer.Argument(help="The ticket key, e.g. IT-123.")],
    desk: Annotated[
        str | None, typer.Option(help="The desk, when keys repeat across desks.")
    ] = None,
    config: ConfigOption = None,
) -> None:
    """Classify a stored ticket and plan its playbook as a dry run (reads the directory only)."""
    from worker.boot import build_runtime
    from worker.runs.preview import preview

    rt = build_runtime(settings_or_exit(config))
    with rt.db.session() as session:
        query = select(TicketRow).where(TicketRow.key == ticket)
        if desk:
            query = query.where(TicketRow.desk == desk)
        rows = session.scalars(query).all()
    if len(rows) != 1:
        typer.echo(
            f"{'no ticket' if not rows else 'several tickets (use --desk)'} with key {ticket}",
            err=True,
        )
        raise typer.Exit(1)
    typer.echo(preview(rt, ticket_from_json(rows[0].snapshot)))
