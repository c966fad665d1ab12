"""``deskpilot audit``: export a ticket's evidence pack, verify the hash chain."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from worker.cli.common import ConfigOption, database_or_exit, settings_or_exit
from worker.db.audit import verify_chain
from worker.db.database import Database
from worker.reports.evidence import UnknownTicketError, evidence_pack

app = typer.Typer(no_args_is_help=True)


def _db(config: Path | None) -> Database:
    return database_or_exit(settings_or_exit(config))


@app.command()
def export(
    ticket: Annotated[str, typer.Option("--ticket", help="The ticket key, e.g. IT-123.")],
    desk: Annotated[
        str | None, typer.Option(help="The desk, when keys repeat across desks.")
    ] = None,
    out: Annotated[Path | None, typer.Option(help="Write here instead of standard output.")] = None,
    config: ConfigOption = None,
) -> None:
    """Write the evidence pack for one ticket (JSON)."""
    db = _db(config)
    try:
        with db.session() as session:
            pack = evidence_pack(session, ticket, desk)
    except UnknownTicketError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(1) from exc
    text = json.dumps(pack, indent=2, sort_keys=True, default=str)
    if out is None:
        typer.echo(text)
    else:
        out.write_text(text + "\n", encoding="utf-8")
        typer.echo(f"evidence for {ticket} written to {out}", err=True)


@app.command()
def verify(config: ConfigOption = None) -> None:
    """Recompute the audit log's hash chain; exit 1 at the first broken entry."""
    db = _db(config)
    with db.session() as session:
        report = verify_chain(session)
    if report.ok:
        typer.echo(f"audit chain OK: {report.entries} entries")
        return
    typer.echo(f"audit chain BROKEN at entry {report.first_bad_id}: {report.reason}", err=True)
    raise typer.Exit(1)
