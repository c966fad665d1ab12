"""
Reading review campaigns (``playbooks.reviews.campaign``) from the ``reviews/`` folder of each
playbook directory; only this module touches the disk for them.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from playbooks.reviews.campaign import (
    Campaign,
    CampaignError,
    campaigns_from_texts,
    check_references,
    load_campaign_text,
    where_warnings,
)
from worker.config import AppSettings

CAMPAIGN_DIR = "reviews"


def campaign_texts(dirs: Sequence[Path]) -> list[tuple[str, str]]:
    """(file, YAML) of every ``<dir>/reviews/*.yaml``, directories in order, files by name."""
    texts = []
    for directory in dirs:
        folder = directory / CAMPAIGN_DIR
        if not folder.is_dir():
            continue
        for path in sorted(folder.iterdir(), key=lambda p: p.name):
            if path.is_file() and path.name.endswith((".yaml", ".yml")):
                texts.append((str(path), path.read_text(encoding="utf-8")))
    return texts


def load_campaigns(settings: AppSettings) -> dict[str, Campaign]:
    """Every campaign of the configured playbook directories; ``CampaignError`` lists problems."""
    campaigns = campaigns_from_texts(campaign_texts(settings.playbook_dirs))
    problems = [p for c in campaigns.values() for p in _references(settings, c)]
    if problems:
        raise CampaignError(problems)
    return campaigns


def check_campaigns(settings: AppSettings) -> list[str]:
    """Every problem of the configured campaigns, each file's own and its references."""
    texts = campaign_texts(settings.playbook_dirs)
    try:
        campaigns_from_texts(texts)
        problems = []
    except CampaignError as exc:
        problems = exc.problems
    for source, text in texts:
        try:
            problems += _references(settings, load_campaign_text(text, source))
        except CampaignError:
            continue
    return problems


def campaign_warnings(settings: AppSettings) -> list[str]:
    """What the configured campaigns allow but an admin should look at (``where_warnings``)."""
    return [
        w
        for source, text in campaign_texts(settings.playbook_dirs)
        for w in where_warnings(text, source)
    ]


def current_definition(
    settings: AppSettings, name: str, source: str | None
) -> tuple[Campaign, str]:
    """
    Campaign ``name`` as its file reads now (``source``, or the file now defining ``name``),
    validated like ``deskpilot check``: (campaign, YAML). ``CampaignError`` lists the problems.
    """
    texts = dict(campaign_texts(settings.playbook_dirs))
    if source not in texts:
        source = next((s for s, t in texts.items() if _names(t, s) == name), source)
    text = texts.get(source or "")
    if source is None or text is None:
        raise CampaignError([
            f"{source or name}: no file of the playbook directories' reviews/ folders defines "
            f"campaign `{name}` any more"
        ])  # fmt: skip
    campaign = load_campaign_text(text, source)
    if campaign.name != name:
        raise CampaignError([f"{source}:1: defines campaign `{campaign.name}` now, not `{name}`"])
    problems = _references(settings, campaign)
    if problems:
        raise CampaignError(problems)
    return campaign, text


def _names(text: str, source: str) -> str | None:
    try:
        return load_campaign_text(text, source).name
    except CampaignError:
        return None


def _references(settings: AppSettings, campaign: Campaign) -> list[str]:
    return check_references(
        campaign,
        [d.name for d in settings.desks],
        [d.name for d in settings.directories],
        [a.name for a in settings.playbooks.applications],
    )
