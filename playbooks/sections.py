"""
The smaller sections of the ``playbooks`` configuration: replies, role templates, rate limits,
handover, naming, overrides and people. ``config.PolicySettings`` puts them together.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from playbooks.duration import parse_duration
from playbooks.model import ApprovalRule, RequesterRule


class Section(BaseModel):
    """A configuration section: unknown keys are an error, and a loaded section is frozen."""

    model_config = ConfigDict(extra="forbid", frozen=True)


ReplyEvent = Literal[
    "done",
    "nothing",
    "asked",
    "rejected",
    "declined",
    "pending_approval",
    "refused",
    "escalated",
    "failed",
    "expired",
]
"""What can happen on a ticket that the requester might be told about publicly."""
DEFAULT_PUBLIC_REPLIES: tuple[ReplyEvent, ...] = (
    "done",
    "nothing",
    "asked",
    "rejected",
    "declined",
)
"""A public reply only when the requester must act or learn an outcome: fulfilled (``done``,
``nothing`` to change), refused by policy (``rejected``) or by an approver's ``/reject``
(``declined``), or information is needed (``asked``)."""


class ReplySettings(Section):
    """
    Which events write a public reply on the ticket, and in which words (section
    ``playbooks.replies``). Every other event is told to the agents in an internal note only.
    """

    public: tuple[ReplyEvent, ...] = DEFAULT_PUBLIC_REPLIES
    templates: dict[ReplyEvent, str] = Field(default_factory=dict)
    """A public reply's wording for an event (Jinja, the context of the playbooks' ``notes``);
    it replaces the playbook's own and the built-in wording for every playbook."""

    def is_public(self, event: ReplyEvent) -> bool:
        """
        True when ``event`` writes a public reply.

        Args:
            event: what happened.
        """
        return event in self.public


class RoleTemplate(Section):
    """
    What a new starter in ``department`` (optionally with ``title``) gets.

    Both are shell-style patterns matched without regard to case: ``*`` is anything
    (``Research``, ``Sales*``, ``*``); no title matches any title.
    """

    department: str
    title: str | None = None
    groups: tuple[str, ...] = ()
    licenses: tuple[str, ...] = ()


class RateLimit(Section):
    """At most ``count`` events per ``window``."""

    count: int = Field(default=3, ge=1, strict=True)
    window: str = "1h"

    @field_validator("window")
    @classmethod
    def _window(cls, value: str) -> str:
        parse_duration(value)
        return value

    @property
    def window_s(self) -> int:
        """The window in seconds."""
        return parse_duration(self.window)


class HandoverSettings(Section):
    """How the ``handover`` step hands a leaver's mailbox and files to someone."""

    method: Literal["group", "manual"] = "manual"
    """``group``: add the receiver to a delegation group; ``manual``: a task for an agent."""
    group: str = "handover-{{ target.login }}"
    """The delegation group's name (a template with ``target``), for ``method: group``."""
    directory: str | None = None


class NamingSettings(Section):
    """
    How a new account's login and e-mail address are derived from the person's name.

    Templates use ``{first}``, ``{last}`` (the given and family name, lowercase, ASCII-folded,
    without spaces, hyphens or apostrophes) and ``{middle}``, with indexing for initials:
    ``{first}{last[0]}`` → ``amaran``, ``{first[0]}.{last}@example.com`` → ``a.nwosu@example.com``.
    When a login or an address is taken, ``collision`` numbers it (``{login}{n}``, ``n`` from 2).
    """

    login: str = "{first[0]}{last}"
    email: str | None = None
    """None: the e-mail address comes from the ticket or is left to the directory."""
    contractor_email: str | None = None
    """The address of a contractor (``employee_type`` contractor), when it differs."""
    collision: str = "{login}{n}"
    email_collision: str = "{local}{n}"
    """How a taken address's local part is numbered."""
    max_tries: int = Field(default=50, ge=1)

    @model_validator(mode="after")
    def _templates(self) -> NamingSettings:
        from playbooks.naming import check_template

        check_template(self.login, ("first", "last", "middle"), where="naming.login")
        for name in ("email", "contractor_email"):
            value = getattr(self, name)
            if value is not None:
                check_template(value, ("first", "last", "middle"), where=f"naming.{name}")
        check_template(self.collision, ("login", "n"), where="naming.collision")
        check_template(self.email_collision, ("local", "n"), where="naming.email_collision")
        return self


class PlaybookOverride(Section):
    """A deployment's own rule for a library playbook, without copying its YAML."""

    approval: ApprovalRule | None = None
    who_may_ask: RequesterRule | None = None


PERSON_FIELDS = (
    "Requested for",
    "Raise this request on behalf of",
    "On behalf of",
    "Who is this for?",
    "Who is locked out?",
    "User",
    "Target user",
    "Employee",
    "Leaver",
    "Account",
)
"""Form fields (by label) that name the person a request is for, in the order they are read.
Not JSM's "Request participants": participants are kept informed, the request is not theirs."""


class PeopleSettings(Section):
    """How the person a ticket is about is found in the directory."""

    target_fields: tuple[str, ...] = PERSON_FIELDS
    manager_fields: tuple[str, ...] = ("Line manager", "Manager", "Reports to")
    name_threshold: float = Field(default=88.0, ge=50.0, le=100.0)
    """The rapidfuzz score (0 to 100) a written name must reach against a display name."""
    name_margin: float = Field(default=4.0, ge=0.0)
    """A second candidate within this many points of the best makes the name ambiguous."""
    contract_end_attribute: str = "contract_end"
    """The directory attribute holding a contractor's last day (ISO date)."""
    contract_end_attributes: dict[str, str] = Field(default_factory=dict)
    """Per directory name, when a directory keeps it elsewhere (``extensionAttribute7``)."""

    def contract_end_of(self, directory: str) -> str:
        """
        The attribute that holds the contract end in ``directory``.

        Args:
            directory: the directory's configured name.
        """
        return self.contract_end_attributes.get(directory, self.contract_end_attribute)

    def contract_end_written(self, directory: str) -> tuple[str, str] | None:
        """
        Where the configuration names the contract end of ``directory`` (the key under
        ``people``) and the name written there; None when ``directory`` has the default.

        Args:
            directory: the directory's configured name.
        """
        if directory in self.contract_end_attributes:
            return f"contract_end_attributes.{directory}", self.contract_end_attributes[directory]
        if "contract_end_attribute" in self.model_fields_set:
            return "contract_end_attribute", self.contract_end_attribute
        return None


__all__ = [
    "DEFAULT_PUBLIC_REPLIES",
    "PERSON_FIELDS",
    "HandoverSettings",
    "NamingSettings",
    "PeopleSettings",
    "PlaybookOverride",
    "RateLimit",
    "ReplyEvent",
    "ReplySettings",
    "RoleTemplate",
    "Section",
]
