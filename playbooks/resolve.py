"""
Turn a request into facts the planner can use: the target account, the inputs, the template context.

Every function here only reads (``DirectoryReader``). A problem comes back as ``Ask`` (a public
question for the requester) or ``Escalate`` (a reason for an agent), never as an exception.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

from connectors.identity import DirectoryUser
from playbooks.config import Application, PolicySettings
from playbooks.duration import DurationError, parse_duration
from playbooks.model import InputSpec, Playbook
from playbooks.request import DirectoryReader, PlanRequest
from playbooks.template import TemplateRenderError, render

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass(frozen=True)
class Ask:
    """Ask the requester ``question`` (publicly) because ``missing`` inputs are not known."""

    question: str
    missing: tuple[str, ...] = ()


@dataclass(frozen=True)
class Escalate:
    """A person has to look: ``reason`` says why."""

    reason: str


Problem = Ask | Escalate


def user_facts(user: DirectoryUser | None) -> dict[str, Any] | None:
    """
    A directory user as a template sees it (a plain dict, status as text).

    Args:
        user: the account, or None.
    """
    if user is None:
        return None
    facts = asdict(user)
    facts["status"] = str(user.status)
    facts["enabled"] = user.enabled
    facts["attributes"] = dict(user.attributes)
    return facts


def resolve_target(
    playbook: Playbook, request: PlanRequest, directory: DirectoryReader
) -> DirectoryUser | Problem | None:
    """
    Find the account the playbook acts on, following the playbook's ``target`` rule.

    Args:
        playbook: whose ``target`` rule applies.
        request: the request, with the target entities and the requester.
        directory: where to look the target up.

    Returns:
        The account; None for ``new``/``none`` targets; ``Ask``/``Escalate`` when it cannot be found.
    """
    if playbook.target in ("new", "none"):
        return None
    named = request.target_email or request.target_login or request.target_name
    if (
        playbook.target == "requester"
        or request.target_is_requester
        or (playbook.target == "named_or_requester" and not named)
    ):
        if request.requester is None:
            return Escalate("the requester has no account in the directory")
        return request.requester
    if not named:
        return Ask("Whose account is this about? Please give their e-mail address.", ("target",))
    return _find_named(request, directory)


def _find_named(request: PlanRequest, directory: DirectoryReader) -> DirectoryUser | Problem:
    user = None
    if request.target_email:
        user = directory.find_user(email=request.target_email)
    if user is None and request.target_login:
        user = directory.find_user(login=request.target_login)
    if user is not None:
        return user
    if not (request.target_email or request.target_login):
        who = request.target_name or request.target_text
        return Ask(
            f"Which account do you mean by “{who}”? Please give their e-mail address.", ("target",)
        )
    who = request.target_email or request.target_login
    return Escalate(f"no account {who} in directory `{directory.name}`")


def resolve_inputs(
    playbook: Playbook,
    request: PlanRequest,
    target: DirectoryUser | None,
    directory: DirectoryReader,
    settings: PolicySettings,
) -> dict[str, Any] | Problem:
    """
    Read every input from its sources and convert it to its type.

    Args:
        playbook: the inputs to resolve.
        request: the entities and desk fields.
        target: the target account (for ``target.*`` sources).
        directory: to look up ``user`` and ``license`` inputs.
        settings: the application catalogue and role templates.

    Returns:
        Name → value (users and applications as dicts); or the first ``Ask``/``Escalate``.
    """
    values: dict[str, Any] = {}
    missing: list[tuple[str, InputSpec]] = []
    for name, spec in playbook.inputs.items():
        raw = _first_value(spec, request, target, settings)
        if raw is None:
            if spec.required:
                missing.append((name, spec))
            values[name] = None
            continue
        converted = _convert(name, spec, raw, directory, settings)
        if isinstance(converted, Ask | Escalate):
            return converted
        values[name] = converted
    return _missing_problem(missing, request, settings) if missing else values


def _missing_problem(
    missing: list[tuple[str, InputSpec]], request: PlanRequest, settings: PolicySettings
) -> Problem:
    questions = [spec.ask for _, spec in missing if spec.ask]
    names = tuple(name for name, _ in missing)
    if len(questions) < len(missing):
        return Escalate(f"required input(s) missing and no question to ask: {', '.join(names)}")
    context = {
        "requester": user_facts(request.requester),
        "ticket": ticket_facts(request, settings),
    }
    text = " ".join(
        render(q, context, where=f"ask of {n}")
        for q, (n, _) in zip(questions, missing, strict=True)
    )
    return Ask(text, names)


def _first_value(
    spec: InputSpec, request: PlanRequest, target: DirectoryUser | None, settings: PolicySettings
) -> object:
    fields = {k.casefold(): v for k, v in settings.named_fields(request.fields).items()}
    for item in spec.from_:
        source, _, name = item.partition(".")
        value: object = None
        if source == "entity":
            value = getattr(request, name)
        elif source == "desk_field":
            value = fields.get(name.casefold())
        elif source in ("requester", "target"):
            user = request.requester if source == "requester" else target
            value = getattr(user, name) if user is not None else None
        elif source == "const":
            value = name
        if value not in (None, ""):
            return value
    return spec.default


def _convert(
    name: str, spec: InputSpec, raw: object, directory: DirectoryReader, settings: PolicySettings
) -> Any:
    text = raw if isinstance(raw, str) else str(raw)
    if spec.type == "email":
        return (
            text.strip()
            if EMAIL.match(text.strip())
            else Ask(f"“{text}” is not an e-mail address. {spec.ask or ''}".strip(), (name,))
        )
    if spec.type == "date":
        return _date(name, spec, raw)
    if spec.type == "duration":
        return _duration(name, spec, raw)
    if spec.type == "user":
        return _user(name, text, directory)
    if spec.type == "license":
        return _license(name, text, directory, settings)
    if spec.type == "application":
        app = settings.application(text)
        if app is None:
            known = ", ".join(a.name for a in settings.applications) or "none configured"
            return Escalate(f"`{text}` is not in the application catalogue (known: {known})")
        return _app_facts(app)
    if spec.type == "department" and not any(
        r.department.casefold() == text.casefold() for r in settings.role_templates
    ):
        return Escalate(f"no role template for department `{text}`")
    return text.strip()


def _date(name: str, spec: InputSpec, raw: object) -> datetime | Ask:
    if isinstance(raw, datetime):
        return raw if raw.tzinfo else raw.replace(tzinfo=UTC)
    try:
        value = datetime.fromisoformat(str(raw).strip())
    except ValueError:
        return Ask(
            f"“{raw}” is not a date I can read (use YYYY-MM-DD). {spec.ask or ''}".strip(), (name,)
        )
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _duration(name: str, spec: InputSpec, raw: object) -> int | Ask:
    if isinstance(raw, int):
        return raw
    try:
        return parse_duration(str(raw))
    except DurationError:
        return Ask(
            f"“{raw}” is not a duration I can read (e.g. 2 weeks). {spec.ask or ''}".strip(),
            (name,),
        )


def _user(name: str, text: str, directory: DirectoryReader) -> dict[str, Any] | Escalate:
    key = text.strip()
    user = directory.find_user(email=key) if "@" in key else directory.find_user(login=key)
    if user is None:
        return Escalate(f"input `{name}`: no account {key} in directory `{directory.name}`")
    facts = user_facts(user)
    assert facts is not None
    return facts


def _license(
    name: str, text: str, directory: DirectoryReader, settings: PolicySettings
) -> str | Escalate:
    wanted = text.strip().casefold()
    app = settings.application(text)
    aliases = {wanted} | ({app.license.casefold()} if app is not None and app.license else set())
    for lic in directory.list_licenses():
        if aliases & {lic.id.casefold(), lic.name.casefold()}:
            return lic.id
    return Escalate(f"input `{name}`: no licence `{text}` in directory `{directory.name}`")


def _app_facts(app: Application) -> dict[str, Any]:
    return app.model_dump()


def ticket_facts(request: PlanRequest, settings: PolicySettings | None = None) -> dict[str, Any]:
    """
    The ticket as a template sees it.

    Args:
        request: whose ticket.
        settings: its ``field_names`` name the desk's fields in ``fields``; None: keys as given.
    """
    ticket = request.ticket
    csv = [a.filename for a in ticket.attachments if a.filename.lower().endswith(".csv")]
    return {
        "key": ticket.key,
        "subject": ticket.subject,
        "desk": ticket.desk,
        "url": ticket.url,
        "requester_name": ticket.requester.name,
        "csv_attachments": csv,
        "fields": dict(request.fields)
        if settings is None
        else settings.named_fields(request.fields),
    }


def display_value(value: object) -> str:
    """
    An input's value as a note shows it (a user by login, an application by name, a date by day).

    Args:
        value: a resolved input.
    """
    if isinstance(value, Mapping):
        return str(value.get("login") or value.get("name") or "")
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d")
    return "" if value is None else str(value)


__all__ = [
    "Ask",
    "Escalate",
    "TemplateRenderError",
    "display_value",
    "resolve_inputs",
    "resolve_target",
    "ticket_facts",
    "user_facts",
]
