"""
Who, what and until when a ticket is about: extracted from the text, pure and offline.

The target is taken as written (an e-mail, a login, a "First Last" name); turning it into an
account is the worker's job through ``resolve_target`` and a directory lookup callable.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from connectors.identity import DirectoryUser
from intake.classifier.dates import DateOrder, extract_period
from intake.classifier.formfields import (
    application_from_fields,
    application_from_login_key,
    group_from_fields,
    level_from_fields,
    target_from_fields,
)
from intake.classifier.names import (
    find_login,
    find_manager,
    find_subject_person,
    find_target_name,
    fuller_name,
)
from intake.classifier.products import (
    find_application,
    find_application_written,
    find_group,
    fullest_spelling,
    host_named,
    is_catalogue_name,
    is_group_kind,
    joins_group,
    only_application,
)
from intake.classifier.subject_names import (
    catalogue_core,
    catalogue_match,
    group_of_role,
    subject_tag,
)
from intake.config import DEFAULT_APPLICATIONS, AppEntry

_ADDRESS = r"[A-Za-z0-9._%+'-]{1,64}@[A-Za-z0-9.-]{1,190}\.[A-Za-z]{2,24}"
_EMAIL = re.compile(rf"\b{_ADDRESS}\b")
_SELF = re.compile(
    r"\b(my|i|i'm|i am|me|myself)\b.{0,40}\b(password|account|login|access|locked|"
    r"mfa|authenticator|phone|licen[cs]e|name)\b|\bfor (me|myself)\b|"
    r"\b(add|give|grant|unlock|reset|help) me\b|\bi (need|can't|cannot|forgot|am|have)\b",
    re.IGNORECASE,
)
_OWNERLESS = re.compile(
    r"(?i:(?:account|password)[ \t]+(?:is|was|has[ \t]+been|got)[ \t]+(?:locked|expired|disabled))"
)
_OWNERLESS_BEFORE = re.compile(r"(?:^|\b(?i:says|said|the)[ \t]+)$")


def _speaks_of_self(text: str) -> bool:
    """The text speaks of the requester's own account: "my password", "add me to", or an account
    said to be locked with no owner ("the system says account is locked out")."""
    if _SELF.search(text):
        return True
    return any(
        _OWNERLESS_BEFORE.search(text, max(0, m.start() - 8), m.start())
        for m in _OWNERLESS.finditer(text)
    )


@dataclass(frozen=True)
class Entities:
    """What the ticket says about whom, which application, which group and when."""

    target_text: str | None = None
    target_email: str | None = None
    target_login: str | None = None
    target_name: str | None = None
    target_is_requester: bool = False
    application: str | None = None
    """The catalogue's name for the application (``Confluence``)."""
    application_text: str | None = None
    """The application as written (``confluance``, ``wiki``)."""
    group: str | None = None
    until: datetime | None = None
    duration_s: int | None = None
    effective_date: datetime | None = None
    manager_text: str | None = None

    def as_dict(self) -> dict[str, str | None]:
        """Every field as text (ISO 8601 dates, seconds as digits, booleans as true/false)."""
        out: dict[str, str | None] = {}
        for name, value in self.__dict__.items():
            if isinstance(value, datetime):
                out[name] = value.isoformat()
            elif isinstance(value, bool):
                out[name] = "true" if value else "false"
            elif value is None:
                out[name] = None
            else:
                out[name] = str(value)
        return out


EMPTY_ENTITIES = Entities()


_CORRESPONDENT = re.compile(
    r"(?:\b(?:e-?mail(?:ed)?|sent|send|wrote|write|reach(?:ed)?|forward(?:ed)?)(?:\s+(?:an?\s+)?"
    r"e-?mail)?\s+to|\b(?:created|reported|opened|filed|submitted|raised)\s+by|\bcc|"
    r"\bcontact(?:ed)?(?:\s+(?:us\s+)?at)?)\s*:?\s*$",
    re.IGNORECASE,
)
"""Words before an e-mail that make it a correspondent's ("sent an e-mail to …", "created by
…"), not the account the ask is about."""


def _target_email(text: str, skip: set[str]) -> str | None:
    for match in _EMAIL.finditer(text):
        if match.group(0).lower() in skip:
            continue
        if _CORRESPONDENT.search(text[max(0, match.start() - 40) : match.start()]):
            continue
        return match.group(0)
    return None


_ACTED_ON = re.compile(
    r"(?i:\b(?:de-?activate|remove|add|invite|reset|unlock|disable|delete|suspend|offboard|"
    rf"re-?enable)[ \t]+)({_ADDRESS})\b"
)
"""An account verb with the e-mail it acts on ("remove ana@corp.example")."""
_CUT_SHORT = re.compile(r"(?:\.\.\.|\u2026)\s*$")
"""A subject the desk cut short ("… I would need to install Adobe...")."""


def extract_entities(
    subject: str,
    body: str,
    *,
    now: datetime,
    applications: Sequence[AppEntry] = DEFAULT_APPLICATIONS,
    requester_email: str | None = None,
    fields: Sequence[tuple[str, str]] = (),
    date_order: DateOrder | None = None,
) -> Entities:
    """Extract the target, application, group, dates and manager from cleaned ticket text.

    ``body`` should already be cleaned (``intake.classifier.text.clean_text``); ``now`` anchors
    relative dates. An e-mail equal to ``requester_email`` is not taken as the target.
    ``fields`` are the form fields ``read_ticket`` found: what they name wins over free text.
    ``date_order`` orders an ambiguous ``05/06`` the text does not settle (the requester's locale).
    """
    text = f"{subject}\n{body}"
    manager = find_manager(text)
    email = _target_email(text, {(requester_email or "").lower(), (manager or "").lower()})
    login = find_login(text)
    name = find_target_name(text)
    named_in_subject = None if login else find_subject_person(subject)
    # "Disable Slack Bot Service Accounts": a product's accounts, no person's
    if name and is_catalogue_name(name.split()[0], applications):
        name = None
    if named_in_subject and is_catalogue_name(named_in_subject.split()[0], applications):
        named_in_subject = None
    if named_in_subject:
        # "Offboard Tim" with "Tim Shumway" in the body or a form: the fuller spelling
        named_in_subject = fuller_name(named_in_subject, [body, *(v for _, v in fields)])
    name = named_in_subject or name
    form_target = target_from_fields(fields)
    # "Please deactivate ana@corp.example from Figma": the address the ask acts on, as written,
    # ahead of a form's name field (a person the subject names still comes first)
    acted = None
    if not named_in_subject:
        acted = next((m.group(1) for m in _ACTED_ON.finditer(text) if m.group(1) == email), None)
    if not (form_target or email or login or name) and _speaks_of_self(text):
        form_target = target_from_fields(fields, include_requester=True)
    if form_target:
        if _EMAIL.fullmatch(form_target):
            email = form_target
        elif " " in form_target:
            name = form_target
        else:
            login = form_target
    group = (
        group_from_fields(fields)
        or find_group(text, applications)
        or group_of_role(subject, applications)
    )
    level = None if group else level_from_fields(fields)
    app_name = find_application(text, applications)[0]
    named = find_application_written(subject) or application_from_fields(fields)
    # an org or team to join is the ask's object: the platform that hosts it is not named
    # as the application unless the text says so next to account words; a group the form
    # describes the person by ("Team: Billing") says nothing of the subject's application
    loose = find_application(subject, applications)[1]
    kind_word = loose is not None and loose.islower() and is_group_kind(loose)  # "libp2p teams"
    if kind_word or (group and joins_group(subject)):
        loose = None  # "Request GitHub org membership": the platform of the group
    if loose and _CUT_SHORT.search(subject):
        loose = fullest_spelling(loose, body)  # "install Adobe..." cut by the desk
    tag = subject_tag(subject, body)
    if tag and tag.lower() in {(p or "").lower() for p in (name, named_in_subject, form_target)}:
        tag = None  # "Jane Doe: locked out": the person the ticket is about, not a product
    app_text = (
        named
        or tag
        or loose
        or host_named(subject)
        or find_application_written(body)
        or (None if group else application_from_login_key(fields))
        or (None if group else only_application(body, applications))
    )
    if app_text:
        app_text = catalogue_core(app_text, applications)
        app_name = (
            find_application(app_text, applications)[0]
            or catalogue_match(app_text, applications)
            or app_name
        )
    period = extract_period(text, now, date_order)
    is_self = email is None and login is None and name is None and _speaks_of_self(text)
    return Entities(
        # a person the subject names is the target as written, ahead of an e-mail in the body
        target_text=(acted or form_target or login or named_in_subject or email or name),
        target_email=email,
        target_login=login,
        target_name=name,
        target_is_requester=is_self,
        application=app_name,
        application_text=app_text,
        group=group or level,
        until=period.until,
        duration_s=period.duration_s,
        effective_date=period.effective_date,
        manager_text=manager,
    )


@dataclass(frozen=True)
class ResolvedTarget:
    """The account a ticket is about, and how it was found."""

    user: DirectoryUser | None
    source: str
    """``login``, ``email``, ``name``, ``requester`` or ``none``."""
    tried: tuple[str, ...]
    """The keys looked up, in order, for the note when nothing matched."""


def resolve_target(
    entities: Entities,
    requester_email: str | None,
    lookup: Callable[[str], DirectoryUser | None],
) -> ResolvedTarget:
    """Find the target account: login, then e-mail, then name, then the requester.

    ``lookup`` is given a login, an e-mail or a display name and returns the one matching
    account or None (the worker wraps its directory's ``find_user``). The requester is used
    only when the text names nobody else, so "for my new hire Jane Doe" never resolves to
    the requester.
    """
    keys = [
        ("login", entities.target_login),
        ("email", entities.target_email),
        ("name", entities.target_name),
    ]
    names_someone = any(value for _, value in keys)
    if not names_someone and requester_email:
        keys.append(("requester", requester_email))
    tried: list[str] = []
    for source, value in keys:
        if not value:
            continue
        tried.append(value)
        user = lookup(value)
        if user is not None:
            return ResolvedTarget(user=user, source=source, tried=tuple(tried))
    return ResolvedTarget(user=None, source="none", tried=tuple(tried))
