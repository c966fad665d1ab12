"""``deskpilot check``: every problem in a configuration and the playbooks it loads, with where."""

from __future__ import annotations

from pathlib import Path

from sla.check import check_sla_settings, sla_warnings
from worker.config import MIN_TOKEN_CHARS, AppSettings, ConfigError, DeskSettings, load_config
from worker.config_locations import yaml_locations
from worker.wiring.campaigns import campaign_warnings, check_campaigns
from worker.wiring.desks import CREDENTIALS, desk_problems, needed_credentials
from worker.wiring.directories import attribute_problem
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
    problems += [f"{path}: {p}" for d in settings.desks for p in desk_problems(d)]
    problems += _contract_ends(path, settings, shared=False)
    return problems


def warnings_for(path: Path) -> list[str]:
    """What the config at ``path`` allows but an admin should look at (empty when it is invalid)."""
    try:
        settings = load_config(path)
    except ConfigError:
        return []
    warnings = sla_warnings(settings.sla)
    located = _contract_ends(path, settings, shared=True)
    if settings.web.owner_proof == "email" and settings.mail is None:
        warnings.append(
            "mail: not configured, so no one-time password can be issued (web.owner_proof: "
            "email sends its owner a code): resets on directories without their own reset "
            "flow go to a person. Configure `mail`, or accept that whoever reads the ticket's "
            "reply can open the link with web.owner_proof: none"
        )
    warnings += [w for w in map(_unconfirmable, settings.desks) if w is not None]
    return [f"{path}: {w}" for w in warnings] + located + campaign_warnings(settings)


def _unconfirmable(desk: DeskSettings) -> str | None:
    """
    A desk taking deliveries that are only notifications while deskpilot cannot read its
    tickets through its API: each such delivery is kept, never confirmed, never acted on.
    """
    which = _notifications_of(desk)
    gap = _api_gap(desk) if which is not None else None
    if which is None or gap is None:
        return None
    return (
        f"desks.{desk.name}: {which} to /hooks/{desk.name} is only a notification, and "
        f"deskpilot {gap} to re-read the ticket it names, so every one will be dropped (kept "
        f"in the inbox as failed, never acted on). Add desks.{desk.name}.credentials "
        f"({needed_credentials(desk.type)})"
        + (" and set connector: api" if desk.connector == "memory" else "")
    )


def _notifications_of(desk: DeskSettings) -> str | None:
    """Which deliveries to ``desk`` can only be notifications (None: none can)."""
    if desk.type == "memory":
        return None
    relay = str(desk.options.get("hmac", "")).lower() in ("true", "1", "yes")
    if desk.type == "salesforce" and not (relay and desk.webhook_secret is not None):
        return "every Outbound Message (not signed)"
    if desk.webhook_secret is None:
        return "every delivery (unsigned: true)"
    if desk.type == "jira":
        return "every signed delivery outside its replay window (a late retry, a replay)"
    return None


def _api_gap(desk: DeskSettings) -> str | None:
    """Why deskpilot cannot read ``desk``'s tickets through its API (None: it can)."""
    if desk.connector == "memory":
        return "has no API (connector: memory)"
    if any(all(key in desk.credentials for key in keys) for keys in CREDENTIALS[desk.type]):
        return None
    return "has no API credentials"


def _contract_ends(path: Path, settings: AppSettings, *, shared: bool) -> list[str]:
    """
    Contract-end attributes written for a directory whose kind cannot name them, at their key:
    ``contract_end_attributes.<name>`` (an error: it is that directory's), or with ``shared``
    the ``contract_end_attribute`` every other directory falls back to (a warning: that
    directory may have no contract end at all, and then reads none).
    """
    people = settings.playbooks.people
    locations = yaml_locations(path.read_text(encoding="utf-8"))
    found = []
    for directory in settings.directories:
        written = people.contract_end_written(directory.name)
        if written is None or (written[0] == "contract_end_attribute") != shared:
            continue
        problem = attribute_problem(directory.type, written[1])
        if problem is None:
            continue
        where = locations.get(("playbooks", "people", *written[0].split(".", 1)))
        at = f"{path}:{where.line}:{where.column}" if where else str(path)
        advice = f"; name its own in contract_end_attributes.{directory.name}" if shared else ""
        found.append(
            f"{at}: playbooks.people.{written[0]}: directories.{directory.name} "
            f"({directory.type}) cannot read it: {problem}{advice}"
        )
    return found


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
