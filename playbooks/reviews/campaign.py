"""
A review campaign as defined in YAML beside the playbooks (``<playbook dir>/reviews/*.yaml``).

One file holds one campaign: what is reviewed (groups, catalogue applications, licences) for
which users (everyone, a manager's direct reports, a department, a ``where`` expression), for
how long (1-90 days), how often, and who reviews (the subject's manager, the entitlement's owner
or a named person, with a fallback). Problems are reported as ``FILE:LINE: field: message`` like playbooks'.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Sequence
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, model_validator

from playbooks.load import PlaybookLoadError, problems_of, yaml_with_lines
from playbooks.reviews.where import case_warnings, check_where

REVIEW_INTENT = "access_review"
"""The intent of a review ticket deskpilot opens (not a request: no playbook, no SLA clock)."""
NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}$")
MAX_WINDOW_DAYS = 90
RECURRENCE_LIMITS = {"days": 182, "weeks": 26, "months": 24}
"""Okta's recurrence bounds (interval 1-182 days, 1-26 weeks, 1-24 months)."""
DAYS_PER_UNIT = {"days": 1, "weeks": 7, "months": 28}
"""The shortest length of one unit, to check that a window ends before the next start."""


WhereStr = Annotated[str, AfterValidator(check_where)]


class CampaignError(ValueError):
    """One or more campaign files are invalid; ``problems`` holds ``FILE:LINE: message`` lines."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


class _Part(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class UserFilter(_Part):
    """Which users' access is reviewed (every condition given must hold)."""

    manager: str | None = None
    """Only the direct reports of this manager (login or e-mail)."""
    department: str | None = None
    include_disabled: bool = False
    """Disabled accounts keep their memberships; review them too when True."""
    where: WhereStr | None = None
    """A Jinja2 expression over ``user`` (``playbooks.reviews.where``) that must be true too."""


class Scope(_Part):
    """What is reviewed: every (user, entitlement) pair the directory shows in this scope."""

    directory: str | None = None
    """The configured directory to read (default: the first one)."""
    groups: tuple[str, ...] = ()
    applications: tuple[str, ...] = ()
    """Catalogue items (``playbooks.catalogue``): their group and licence are reviewed."""
    entitlements: tuple[str, ...] = ()
    """Licence ids (``licenses_of``)."""
    users: UserFilter = UserFilter()

    @model_validator(mode="after")
    def _something(self) -> Scope:
        if not (self.groups or self.applications or self.entitlements):
            raise ValueError("scope needs at least one of groups, applications, entitlements")
        return self


class Recurrence(_Part):
    """Start the campaign again every ``every`` ``unit`` after each start."""

    every: int = Field(ge=1)
    unit: Literal["days", "weeks", "months"]

    @model_validator(mode="after")
    def _bounded(self) -> Recurrence:
        limit = RECURRENCE_LIMITS[self.unit]
        if self.every > limit:
            raise ValueError(f"every: at most {limit} {self.unit}")
        return self

    @property
    def min_days(self) -> int:
        """The shortest interval in days (a month counts as 28)."""
        return self.every * DAYS_PER_UNIT[self.unit]


class Reviewers(_Part):
    """Who reviews each item, and who takes over."""

    rule: Literal["manager", "owner", "person"] = "manager"
    person: str | None = None
    """For ``rule: person``: the reviewer (login or e-mail)."""
    fallback: tuple[str, ...] = Field(min_length=1)
    """Who reviews when the rule finds nobody eligible, and who takes over at the due date
    (logins or e-mail addresses; the first eligible one)."""
    second_level: str | None = None
    """A second reviewer who confirms every first-level decision before it takes effect."""
    provisioners: tuple[str, ...] = ()
    """The people who grant this access: never eligible to review it."""

    @model_validator(mode="after")
    def _consistent(self) -> Reviewers:
        if self.rule == "person" and not self.person:
            raise ValueError("rule person needs `person`")
        if self.rule != "person" and self.person:
            raise ValueError(f"`person` is only read with rule person (rule is {self.rule})")
        barred = {p.casefold() for p in self.provisioners}
        named = [("person", self.person), ("second_level", self.second_level)]
        named += [("fallback", f) for f in self.fallback]
        for where, who in named:
            if who and who.casefold() in barred:
                raise ValueError(f"{where}: {who} is a provisioner and may not review this access")
        if len({f.casefold() for f in self.fallback} - barred) == 0:
            raise ValueError("fallback: no eligible fallback reviewer")
        return self


class Campaign(_Part):
    """One review campaign."""

    name: str
    title: str
    desk: str
    """The configured desk the review tickets are created on."""
    project: str | None = None
    """The Jira project key of the review tickets (Jira needs one; other desks ignore it)."""
    scope: Scope
    window_days: int = Field(ge=1, le=MAX_WINDOW_DAYS)
    recurrence: Recurrence | None = None
    reviewers: Reviewers
    ticket_per: Literal["reviewer", "reviewer_application"] = "reviewer"
    no_response: Literal["keep", "revoke", "recommendation"] = "keep"
    """At close, an undecided item is kept and flagged (default: mass revocation on silence
    locks people out); ``revoke`` and ``recommendation`` are explicit opt-ins."""
    inactive_days: int = Field(default=30, ge=1, le=365)
    """Recommend revoking when the account was not used for longer than this."""
    escalation_days: int = Field(default=3, ge=0, le=30)
    """After the due date the fallback has this long before the campaign closes."""
    source: str = ""

    @model_validator(mode="after")
    def _consistent(self) -> Campaign:
        if not NAME.match(self.name):
            raise ValueError(
                f"name `{self.name}`: lower-case letters, digits, - and _ (at most 63)"
            )
        if self.recurrence is not None and self.window_days >= self.recurrence.min_days:
            raise ValueError(
                f"window_days ({self.window_days}) must be shorter than the recurrence "
                f"interval ({self.recurrence.every} {self.recurrence.unit})"
            )
        return self


def load_campaign_text(text: str, source: str) -> Campaign:
    """
    Parse and validate one campaign file.

    Args:
        text: the YAML document.
        source: the file name problems are reported against.
    """
    try:
        data, lines = yaml_with_lines(text, source)
    except PlaybookLoadError as exc:
        raise CampaignError(exc.problems) from None
    if not isinstance(data, dict):
        raise CampaignError([f"{source}:1: a campaign is a mapping (name:, scope:, reviewers: …)"])
    try:
        return Campaign.model_validate({**data, "source": source})
    except ValidationError as exc:
        raise CampaignError(problems_of(exc, source, lines)) from None


def where_warnings(text: str, source: str) -> list[str]:
    """
    What ``deskpilot check`` warns about in a valid campaign file's ``scope.users.where``
    (``where.case_warnings``), as ``FILE:LINE: scope.users.where: …`` lines; none for a file
    with problems (those are reported as errors).
    """
    try:
        campaign = load_campaign_text(text, source)
        _, lines = yaml_with_lines(text, source)
    except (CampaignError, PlaybookLoadError):
        return []
    where = campaign.scope.users.where
    if where is None:
        return []
    line = lines.get(("scope", "users", "where"), 1)
    return [f"{source}:{line}: scope.users.where: {w}" for w in case_warnings(where)]


def definition_evidence(campaign: Campaign, text: str | None) -> dict[str, str]:
    """
    What a run records of the definition it used: its file, the YAML read (or, for a campaign
    built without a file, its canonical JSON) and that content's SHA-256.
    """
    content = text
    if content is None:
        content = json.dumps(campaign.model_dump(mode="json"), sort_keys=True, ensure_ascii=False)
    return {
        "source": campaign.source or "",
        "format": "json" if text is None else "yaml",
        "sha256": hashlib.sha256(content.encode("utf-8")).hexdigest(),
        "content": content,
    }


def campaigns_from_texts(texts: Sequence[tuple[str, str]]) -> dict[str, Campaign]:
    """
    Every campaign of ``texts`` ((source, YAML) pairs) by name; a name used twice is a problem.

    Raises ``CampaignError`` listing every problem of every file.
    """
    found: dict[str, Campaign] = {}
    problems: list[str] = []
    for source, text in texts:
        try:
            campaign = load_campaign_text(text, source)
        except CampaignError as exc:
            problems.extend(exc.problems)
            continue
        if campaign.name in found:
            problems.append(
                f"{source}:1: campaign `{campaign.name}` is also defined in "
                f"{found[campaign.name].source}"
            )
        found[campaign.name] = campaign
    if problems:
        raise CampaignError(problems)
    return found


def check_references(
    campaign: Campaign,
    desks: Sequence[str],
    directories: Sequence[str],
    applications: Sequence[str],
) -> list[str]:
    """What ``campaign`` names that the configuration does not have, as ``FILE:1: …`` lines."""
    where = f"{campaign.source}:1"
    problems = []
    if campaign.desk not in desks:
        problems.append(f"{where}: desk: `{campaign.desk}` is not a configured desk")
    directory = campaign.scope.directory
    if directory is not None and directory not in directories:
        problems.append(f"{where}: scope.directory: `{directory}` is not a configured directory")
    known = {a.casefold() for a in applications}
    for app in campaign.scope.applications:
        if app.casefold() not in known:
            problems.append(f"{where}: scope.applications: `{app}` is not in the catalogue")
    return problems
