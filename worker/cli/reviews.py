"""
``deskpilot reviews``: start a campaign defined beside the playbooks, follow its progress, close
it, and export its evidence (docs/access-reviews.md).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from playbooks.reviews.campaign import CampaignError
from worker.cli.common import ConfigOption, database_or_exit, settings_or_exit
from worker.reports.reviews import (
    CampaignProgress,
    UnknownCampaignError,
    campaign_progress,
    campaigns,
    export_campaign,
    find_campaign,
)
from worker.runtime import Runtime

app = typer.Typer(no_args_is_help=True)
ByOption = Annotated[str, typer.Option("--by", help="Who does this (recorded in the audit log).")]


@app.callback()
def reviews() -> None:
    """Access reviews: campaigns, their progress and evidence (docs/access-reviews.md)."""


def _runtime(config: Path | None) -> Runtime:
    from worker.boot import build_runtime

    settings = settings_or_exit(config)
    database_or_exit(settings).dispose()
    return build_runtime(settings, upgrade_schema=False)


@app.command()
def start(
    name: Annotated[str, typer.Argument(help="The campaign's name (its YAML file's `name:`).")],
    by: ByOption = "cli",
    config: ConfigOption = None,
) -> None:
    """Read the population, assign the reviewers and open the review tickets."""
    from worker.runs.review_start import START_ERRORS, start_campaign
    from worker.wiring.campaigns import current_definition, load_campaigns

    rt = _runtime(config)
    try:
        campaign = load_campaigns(rt.settings).get(name)
        if campaign is None:
            typer.echo(
                f"no campaign `{name}` in the playbook directories' reviews/ folders", err=True
            )
            raise typer.Exit(2)
        campaign, text = current_definition(rt.settings, name, campaign.source)
        campaign_id = start_campaign(rt, campaign, started_by=by, text=text)
    except CampaignError as exc:
        typer.echo("\n".join(exc.problems), err=True)
        raise typer.Exit(2) from exc
    except START_ERRORS as exc:
        typer.echo(f"campaign `{name}` not started: {exc}", err=True)
        raise typer.Exit(1) from exc
    with rt.db.session() as session:
        shown = campaign_progress(session, find_campaign(session, campaign_id), rt.clock())
    typer.echo(f"campaign {campaign_id} started: {_line(shown)}")


@app.command()
def status(
    campaign_id: Annotated[int | None, typer.Argument(help="One campaign (default: all).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
    config: ConfigOption = None,
) -> None:
    """Items decided, reviewers complete, overdue items, time to decide, revocation rate."""
    from worker.db.database import utcnow

    db = database_or_exit(settings_or_exit(config))
    with db.session() as session:
        try:
            shown = (
                [campaign_progress(session, find_campaign(session, campaign_id), utcnow())]
                if campaign_id is not None
                else campaigns(session, utcnow())
            )
        except UnknownCampaignError as exc:
            typer.echo(str(exc), err=True)
            raise typer.Exit(1) from exc
    if as_json:
        typer.echo(json.dumps([_json(c) for c in shown], indent=2, sort_keys=True, default=str))
        return
    for found in shown:
        typer.echo(f"{found.id}\t{found.name}\t{found.state}\t{_line(found)}")


@app.command()
def close(
    campaign_id: Annotated[int, typer.Argument(help="The campaign run's id.")],
    by: ByOption = "cli",
    config: ConfigOption = None,
) -> None:
    """Close now: undecided items follow the campaign's no-response policy."""
    from worker.runs.review_nudge import close_campaign

    rt = _runtime(config)
    with rt.db.session() as session:
        try:
            find_campaign(session, campaign_id)
        except UnknownCampaignError as exc:
            typer.echo(str(exc), err=True)
            raise typer.Exit(1) from exc
    counts = close_campaign(rt, campaign_id, by=by)
    if counts is None:
        typer.echo(f"campaign {campaign_id} was already closed")
        return
    typer.echo(
        f"campaign {campaign_id} closed: {counts['kept_by_policy']} kept and "
        f"{counts['revoked_by_policy']} revoked by the no-response policy (flagged)"
    )


@app.command()
def export(
    campaign_id: Annotated[int, typer.Argument(help="The campaign run's id.")],
    out: Annotated[Path, typer.Option(help="The directory to write the files to.")],
    verify: Annotated[
        bool, typer.Option(help="Compare with the files already in --out instead of writing.")
    ] = False,
    config: ConfigOption = None,
) -> None:
    """Write the evidence (items.csv, campaign.json, events.json, manifest.sha256)."""
    db = database_or_exit(settings_or_exit(config))
    with db.session() as session:
        try:
            files = export_campaign(session, campaign_id)
        except UnknownCampaignError as exc:
            typer.echo(str(exc), err=True)
            raise typer.Exit(1) from exc
    if verify:
        differ = [
            n
            for n, data in files.items()
            if not (out / n).is_file() or (out / n).read_bytes() != data
        ]
        if differ:
            typer.echo(f"differs from the stored events: {', '.join(sorted(differ))}", err=True)
            raise typer.Exit(1)
        typer.echo(f"{out}: identical to the export regenerated from the audit log")
        return
    out.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        (out / name).write_bytes(data)
    typer.echo(files["manifest.sha256"].decode(), nl=False)


def _line(found: CampaignProgress) -> str:
    p = found.progress
    rate = f"{p.revocation_ratio:.0%}" if p.revocation_ratio is not None else "-"
    mean = f"{p.decide_mean_s / 3600:.1f} h" if p.decide_mean_s is not None else "-"
    return (
        f"{p.items} items ({found.population.get('row_count')} rows from {found.population.get('source')}), "
        f"{p.decided} decided, {p.open} open, {p.overdue} overdue, "
        f"{p.reviewers_complete}/{p.reviewers} reviewers complete, mean time to decide {mean}, "
        f"revocation rate {rate}, removals {p.removals_verified} verified / "
        f"{p.removals_failed} failed / {p.removals_pending} pending; due {found.due_at:%Y-%m-%d %H:%M} UTC"
    )


def _json(found: CampaignProgress) -> dict[str, object]:
    p = found.progress
    return {
        "id": found.id, "name": found.name, "title": found.title, "state": found.state,
        "started_at": found.started_at, "due_at": found.due_at, "closes_at": found.closes_at,
        "population": found.population, "items": p.items, "decided": p.decided, "open": p.open,
        "flagged": p.flagged, "overdue": p.overdue, "reviewers": p.reviewers,
        "reviewers_complete": p.reviewers_complete, "kept": p.kept, "revoked": p.revoked,
        "decided_ratio": p.decided_ratio, "revocation_ratio": p.revocation_ratio,
        "decide_mean_s": p.decide_mean_s, "decide_median_s": p.decide_median_s,
        "removals_verified": p.removals_verified, "removals_failed": p.removals_failed,
        "removals_pending": p.removals_pending, "removals_on_time": p.removals_on_time,
    }  # fmt: skip


__all__ = ["app"]
