"""``deskpilot check``: every problem in a configuration and the playbooks it loads, with where."""

from __future__ import annotations

from pathlib import Path

from sla.check import check_sla_settings, sla_warnings
from worker.config import MIN_TOKEN_CHARS, AppSettings, ConfigError, load_config
from worker.wiring.campaigns import campaign_warnings, check_campaigns
from worker.wiring.files import builtin_library_dir, check_library


def check_everything(path: Path) -> list[str]:
    """All problems found in the config at ``path``: schema, references, SLA, playbooks, secrets."""
    try:
        settings = load_config(path)
    except ConfigError as exc:
        return list(exc.problems)
    problems = [f"{path}: {p}" for p in check_sla_settings(settings.sla)]
    problems += check_library([builtin_library_dir(), *settings.playbook_dirs])
    problems += check_campaigns(settings)
    problems += [f"{path}: {p}" for p in _secrets(settings)]
    return problems


def warnings_for(path: Path) -> list[str]:
    """What the config at ``path`` allows but an admin should look at (empty when it is invalid)."""
    try:
        settings = load_config(path)
    except ConfigError:
        return []
    warnings = sla_warnings(settings.sla)
    if settings.web.owner_proof == "email" and settings.mail is None:
        warnings.append(
            "mail: not configured, so no one-time password can be issued (web.owner_proof: "
            "email sends its owner a code): resets on directories without their own reset "
            "flow go to a person. Configure `mail`, or accept that whoever reads the ticket's "
            "reply can open the link with web.owner_proof: none"
        )
    return [f"{path}: {w}" for w in warnings] + campaign_warnings(settings)


def _secrets(settings: AppSettings) -> list[str]:
    problems = []
    refs = [(f"desks.{d.name}.webhook_secret", d.webhook_secret) for d in settings.desks]
    refs += [
        (f"desks.{d.name}.credentials.{k}", ref)
        for d in settings.desks
        for k, ref in d.credentials.items()
    ]
    refs += [
        (f"directories.{d.name}.credentials.{k}", ref)
        for d in settings.directories
        for k, ref in d.credentials.items()
    ]
    refs += [(f"web.api_tokens.{t.name}", t.token) for t in settings.web.api_tokens]
    refs += [("mail.password", settings.mail.password if settings.mail else None)]
    tokens = {f"web.api_tokens.{t.name}" for t in settings.web.api_tokens}
    for where, ref in refs:
        if ref is None:
            continue
        try:
            value = ref.resolve()
        except ConfigError as exc:
            problems.append(f"{where}: {exc.problems[0]}")
            continue
        if where in tokens and len(value) < MIN_TOKEN_CHARS:
            problems.append(
                f"{where}: the token has {len(value)} characters; use {MIN_TOKEN_CHARS} or more "
                "(e.g. python -c 'import secrets; print(secrets.token_urlsafe(32))')"
            )
    return problems
