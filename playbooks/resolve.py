"""
Turn a request into facts the planner can use: the target account, the inputs, the template context.

Every function here only reads (``DirectoryReader``). A problem comes back as ``Ask`` (a public
question for the requester) or ``Escalate`` (a reason for an agent), never as an exception.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from connectors.identity import DirectoryUser
from intake.classifier.dates import DateOrder, parse_date, text_order
from intake.markdown import code_span, literal
from playbooks.catalogue import find_items
from playbooks.config import Application, PeopleSettings, PolicySettings, field_key
from playbooks.duration import DurationError, parse_duration
from playbooks.facts import display_value, form_fields, ticket_facts, user_facts
from playbooks.model import InputSpec, Playbook
from playbooks.people import Found, PeopleIndex, Unclear
from playbooks.request import DirectoryReader, PlanRequest
from playbooks.targets import TargetClues, find_target, own_message
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


def resolve_target(
    playbook: Playbook,
    request: PlanRequest,
    directory: DirectoryReader,
    settings: PolicySettings | None = None,
) -> DirectoryUser | Problem | None:
    """
    Find the account the playbook acts on, following the playbook's ``target`` rule.

    The person the ticket names (``playbooks.targets.find_target``: a person field of the form,
    a login, an e-mail, a name) is the target; the requester only when the ticket names nobody
    else. A name that matches nobody, or several people, is asked about, never guessed.

    Args:
        playbook: whose ``target`` rule applies.
        request: the request, with the target entities and the requester.
        directory: where to look the target up.
        settings: the person fields and the name-matching threshold (defaults when None).

    Returns:
        The account; None for ``new``/``none`` targets; ``Ask``/``Escalate`` when it cannot be found.
    """
    if playbook.target in ("new", "none"):
        return None
    if playbook.target == "requester":
        return _requester(request)
    policy = settings or PolicySettings()
    people = policy.people
    clues = TargetClues(
        fields=policy.named_fields(request.fields),
        text=f"{request.ticket.subject}\n{request.ticket.description}",
        login=request.target_login,
        email=request.target_email,
        name=request.target_name,
    )
    found = find_target(
        clues,
        people_index(directory, people),
        request.requester,
        person_fields=people.target_fields,
    )
    if isinstance(found, Found):
        return found.user
    if isinstance(found, Unclear):
        return Ask(found.question, ("target",))
    if playbook.target == "named" and not request.target_is_requester:
        return Ask("Whose account is this about? Please give their e-mail address.", ("target",))
    return _requester(request)


def _requester(request: PlanRequest) -> DirectoryUser | Escalate:
    if request.requester is None:
        return Escalate("the requester has no account in the directory")
    return request.requester


def people_index(directory: DirectoryReader, people: PeopleSettings) -> PeopleIndex:
    """
    Every account of ``directory``, indexed for names (read once per directory and plan).

    Args:
        directory: lists its users page by page.
        people: the name-matching threshold and margin.
    """
    users: list[DirectoryUser] = []
    cursor: str | None = None
    while True:
        page = directory.list_users(cursor)
        users.extend(page.users)
        cursor = page.cursor
        if cursor is None:
            break
    return PeopleIndex.of(users, threshold=people.name_threshold, margin=people.name_margin)


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
        if spec.type in ("applications", "licenses"):
            items = _items(name, spec, request, directory, settings)
            if isinstance(items, Ask | Escalate):
                return items
            if not items and spec.required:
                missing.append((name, spec))
            values[name] = items
            continue
        raw = _first_value(spec, request, target, settings)
        if raw is None:
            if spec.required:
                missing.append((name, spec))
            values[name] = None
            continue
        converted = _convert(name, spec, raw, directory, settings, request)
        if isinstance(converted, Ask | Escalate):
            return converted
        values[name] = converted
    return _missing_problem(missing, request, settings) if missing else values


def _items(
    name: str,
    spec: InputSpec,
    request: PlanRequest,
    directory: DirectoryReader,
    settings: PolicySettings,
) -> list[Any] | Problem:
    """Every item the ticket asks for; the ``from`` sources only when the catalogue finds none."""
    fields = settings.named_fields(request.fields)
    text = f"{request.ticket.subject}\n{request.ticket.description}"
    found = find_items(fields, own_message(text), text, settings.applications)
    if spec.type == "licenses":
        found = [a for a in found if a.license]
    if found:
        if spec.type == "licenses":
            ids = [_license(name, a.name, directory, settings) for a in found]
            problem = next((i for i in ids if isinstance(i, Escalate)), None)
            return problem if problem is not None else ids
        return [_app_facts(a) for a in found]
    raw = _first_value(spec, request, None, settings)
    if raw is None:
        return []
    one = _convert(
        name, spec.model_copy(update={"type": spec.type[:-1]}), raw, directory, settings, request
    )
    return one if isinstance(one, Ask | Escalate) else [one]


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
    fields = form_fields(request, settings)
    for item in spec.from_:
        source, _, name = item.partition(".")
        value: object = None
        if source == "entity":
            value = getattr(request, name)
        elif source == "desk_field":
            value = fields.get(field_key(name))
        elif source in ("requester", "target"):
            user = request.requester if source == "requester" else target
            value = getattr(user, name) if user is not None else None
        elif source == "const":
            value = name
        if value not in (None, ""):
            return value
    return spec.default


def _convert(
    name: str,
    spec: InputSpec,
    raw: object,
    directory: DirectoryReader,
    settings: PolicySettings,
    request: PlanRequest,
) -> Any:
    text = raw if isinstance(raw, str) else str(raw)
    if spec.type == "email":
        return (
            text.strip()
            if EMAIL.match(text.strip())
            else Ask(
                f"“{literal(text)}” is not an e-mail address. {spec.ask or ''}".strip(), (name,)
            )
        )
    if spec.type == "date":
        ticket = request.ticket
        order = text_order(f"{ticket.subject}\n{ticket.description}", ticket.date_order or "dmy")
        return _date(name, spec, raw, ticket.created_at, order)
    if spec.type == "duration":
        return _duration(name, spec, raw)
    if spec.type == "user":
        return _user(name, text, directory, settings, request)
    if spec.type == "license":
        return _license(name, text, directory, settings)
    if spec.type == "application":
        app = settings.application(text)
        if app is None:
            known = ", ".join(a.name for a in settings.applications) or "none configured"
            return Escalate(
                f"{code_span(text)} is not in the application catalogue (known: {known})"
            )
        return _app_facts(app)
    if spec.type == "department" and not settings.has_department(text):
        return Escalate(f"no role template for department {code_span(text)}")
    return text.strip()


def _date(
    name: str, spec: InputSpec, raw: object, written_at: datetime | None, order: DateOrder
) -> datetime | Ask:
    if isinstance(raw, datetime):
        return raw if raw.tzinfo else raw.replace(tzinfo=UTC)
    try:
        value = datetime.fromisoformat(str(raw).strip())
    except ValueError:
        # 13/10/2025, 13 October 2025; a date without a year needs the ticket's own date
        anchor = written_at or datetime(1970, 1, 1, tzinfo=UTC)
        day = (
            parse_date(str(raw), anchor, order)
            if written_at or re.search(r"\d{4}", str(raw))
            else None
        )
        if day is not None:
            return day
        return Ask(
            f"“{literal(str(raw))}” is not a date I can read (use YYYY-MM-DD). {spec.ask or ''}".strip(),
            (name,),
        )
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _duration(name: str, spec: InputSpec, raw: object) -> int | Ask:
    if isinstance(raw, int):
        return raw
    try:
        return parse_duration(str(raw))
    except DurationError:
        return Ask(
            f"“{literal(str(raw))}” is not a duration I can read (e.g. 2 weeks). {spec.ask or ''}".strip(),
            (name,),
        )


def _user(
    name: str,
    text: str,
    directory: DirectoryReader,
    settings: PolicySettings,
    request: PlanRequest,
) -> dict[str, Any] | Problem:
    key = text.strip()
    user = directory.find_user(email=key) if "@" in key else None
    if user is None and key and " " not in key and "@" not in key:
        user = directory.find_user(login=key)  # a login: no need to list the directory
    if user is None and "@" not in key:
        resolved = people_index(directory, settings.people).resolve(
            key, requester=request.requester
        )
        if isinstance(resolved, Unclear):
            return Ask(resolved.question, (name,))
        user = resolved.user
    if user is None:
        return Escalate(
            f"input `{name}`: no account {code_span(key)} in directory `{directory.name}`"
        )
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
    return Escalate(f"input `{name}`: no licence {code_span(text)} in directory `{directory.name}`")


def _app_facts(app: Application) -> dict[str, Any]:
    return app.model_dump()


__all__ = [
    "Ask",
    "Escalate",
    "TemplateRenderError",
    "display_value",
    "form_fields",
    "people_index",
    "resolve_inputs",
    "resolve_target",
    "ticket_facts",
    "user_facts",
]
