"""What the ``deskpilot`` subcommands share: the config option, reading it, opening the database."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from worker.config import AppSettings, ConfigError, load_config
from worker.db import migrate
from worker.db.database import Database

ConfigOption = Annotated[
    Path | None,
    typer.Option("--config", "-c", envvar="DESKPILOT_CONFIG", help="The YAML configuration."),
]


def settings_or_exit(config: Path | None) -> AppSettings:
    """The configuration at ``config`` (defaults without one); its problems and exit 2 if invalid."""
    try:
        return load_config(config) if config else AppSettings()
    except ConfigError as exc:
        typer.echo("\n".join(exc.problems), err=True)
        raise typer.Exit(2) from exc


def database_or_exit(settings: AppSettings) -> Database:
    """The migrated database ``settings`` names; exit 2, saying so, if it has no schema yet."""
    db = Database(settings.database_url)
    if migrate.current_revision(db) is None:
        db.dispose()
        typer.echo(
            f"no deskpilot database at {settings.database_url} (run `deskpilot migrate`)", err=True
        )
        raise typer.Exit(2)
    return db
