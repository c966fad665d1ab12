"""
The ``deskpilot`` command.

``demo`` runs everything on the embedded default with bundled tickets; ``run`` serves webhooks and
works tickets in one process; ``web`` and ``worker`` split those across processes and machines;
``check`` validates a configuration and its playbooks; ``migrate`` upgrades the database.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from worker.config import AppSettings, ConfigError, load_config

app = typer.Typer(
    name="deskpilot",
    help="Takes the routine work off an IT account team.",
    no_args_is_help=True,
    add_completion=False,
)
console = Console(stderr=True)

ConfigOption = Annotated[
    Path | None,
    typer.Option("--config", "-c", help="The YAML configuration file.", envvar="DESKPILOT_CONFIG"),
]


def _settings(config: Path | None) -> AppSettings:
    from worker.logging import configure_logging

    configure_logging()
    try:
        settings = load_config(config) if config is not None else AppSettings()
    except ConfigError as exc:
        for problem in exc.problems:
            console.print(f"[red]error[/red] {problem}")
        raise typer.Exit(2) from exc
    return settings


@app.command()
def check(config: Annotated[Path, typer.Argument(help="The YAML configuration file.")]) -> None:
    """Validate a configuration file and the playbooks it uses; print every problem."""
    from worker.cli.check import check_everything, warnings_for

    problems = check_everything(config)
    for warning in warnings_for(config):
        typer.echo(f"warning {warning}")
    for problem in problems:
        typer.echo(f"error {problem}")
    if problems:
        typer.echo(f"{len(problems)} problem(s) found.")
        raise typer.Exit(1)
    typer.echo(f"{config}: OK")


@app.command()
def migrate(config: ConfigOption = None) -> None:
    """Upgrade the database schema to this version (safe to run repeatedly)."""
    from worker.db import migrate as migrations
    from worker.db.database import Database

    settings = _settings(config)
    db = Database(settings.database_url)
    migrations.upgrade(db)
    typer.echo(f"database at revision {migrations.current_revision(db)}")


@app.command()
def run(config: ConfigOption = None, threads: int = 8) -> None:
    """Serve webhooks, the dashboard and the workers in one process."""
    from worker.boot import WebServer, Workers, build_runtime, wait_for_signal

    settings = _settings(config)
    rt = build_runtime(settings)
    workers = Workers(rt, threads)
    workers.start()
    web = WebServer(rt, settings.web.host, settings.web.port)
    web.start()
    console.print(f"deskpilot listening on http://{settings.web.host}:{web.port}")
    wait_for_signal()
    web.stop()
    workers.stop()


@app.command()
def web(config: ConfigOption = None) -> None:
    """Serve webhooks, the dashboard and the review page (no workers: they run elsewhere)."""
    import uvicorn

    from worker.boot import build_runtime
    from worker.web.app import create_app

    settings = _settings(config)
    if settings.broker.url == "stub":
        console.print("[red]error[/red] `web` alone needs a shared broker (broker.url: redis://…)")
        raise typer.Exit(2)
    rt = build_runtime(settings)
    uvicorn.run(create_app(rt), host=settings.web.host, port=settings.web.port, access_log=False)


@app.command()
def worker(
    config: ConfigOption = None,
    threads: Annotated[int, typer.Option(help="Worker threads in this process.")] = 8,
) -> None:
    """Work tickets from the shared broker (run one per core, on as many machines as needed)."""
    from worker.boot import Workers, build_runtime, wait_for_signal

    settings = _settings(config)
    if settings.broker.url == "stub":
        console.print(
            "[red]error[/red] `worker` alone needs a shared broker (broker.url: redis://…)"
        )
        raise typer.Exit(2)
    rt = build_runtime(settings)
    workers = Workers(rt, threads)
    workers.start()
    console.print(f"deskpilot worker {rt.node} started with {threads} threads")
    wait_for_signal()
    workers.stop()


@app.command()
def demo(
    once: Annotated[
        bool, typer.Option("--once", help="Exit when every ticket is handled.")
    ] = False,
    keep: Annotated[
        bool, typer.Option("--keep", help="Continue the previous demo's database.")
    ] = False,
    data_dir: Annotated[Path, typer.Option(help="Where the demo keeps its database.")] = Path(
        ".deskpilot-demo"
    ),
    port: Annotated[int, typer.Option(help="Port for the web app (0: any free port).")] = 8080,
    history_days: Annotated[
        int,
        typer.Option(
            min=0, max=366, help="Days of history to make first (0: none; not with --keep)."
        ),
    ] = 60,
) -> None:
    """Run the whole pipeline on the embedded default: its history, then 41 bundled tickets."""
    from worker.demo.run import run_demo

    raise typer.Exit(
        run_demo(once=once, keep=keep, data_dir=data_dir, port=port, history_days=history_days)
    )


def _register_subcommands() -> None:
    from worker.cli import audit as cli_audit
    from worker.cli import classify as cli_classify
    from worker.cli import inbox as cli_inbox
    from worker.cli import licences as cli_licences
    from worker.cli import plan as cli_plan
    from worker.cli import reviews as cli_reviews
    from worker.cli import sla as cli_sla

    app.add_typer(cli_classify.app, name="classify")
    app.add_typer(cli_sla.app, name="sla", help="SLA clocks: simulate what-if scenarios.")
    app.add_typer(cli_licences.app, name="licences", help="Licences: seat position and chargeback.")
    app.add_typer(
        cli_audit.app, name="audit", help="The audit trail: export evidence, verify the chain."
    )
    app.add_typer(
        cli_inbox.app,
        name="inbox",
        help="Refused, unreadable and notification-only deliveries: see why, replay once fixed.",
    )
    app.add_typer(
        cli_reviews.app, name="reviews", help="Access reviews: start, status, close, export."
    )
    app.command("plan")(cli_plan.plan)


_register_subcommands()
