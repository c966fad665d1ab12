"""
The playbook model: what a YAML playbook may say, validated with pydantic.

A playbook answers one or more intents. It names its inputs (where each comes from, what to ask
the requester when it is missing), who may ask for it, its risk tier and approval rule, the
steps it takes on a directory (each a ``DirectoryClient`` operation, a ``handover`` or a
``note``), how long granted access lasts, and the notes it writes. See ``docs/playbooks.md``.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator, model_validator

from playbooks.duration import parse_duration
from playbooks.notecheck import check_note
from playbooks.template import check_expression, compile_template

INTENTS = (
    "account_create",
    "access_grant",
    "access_revoke",
    "password_reset",
    "account_unlock",
    "mfa_reset",
    "account_disable",
    "account_update",
    "license_request",
    "license_reclaim",
    "account_other",
)
"""The classifier's intents a playbook may answer (``not_account`` never runs a playbook)."""

DIRECTORY_KINDS = (
    "create_user",
    "update_user",
    "disable_user",
    "enable_user",
    "delete_user",
    "add_to_group",
    "remove_from_group",
    "send_password_reset",
    "set_one_time_password",
    "unlock",
    "reset_mfa",
    "revoke_sessions",
    "assign_license",
    "remove_license",
)
StepKind = Literal[
    "create_user",
    "update_user",
    "disable_user",
    "enable_user",
    "delete_user",
    "add_to_group",
    "remove_from_group",
    "send_password_reset",
    "set_one_time_password",
    "unlock",
    "reset_mfa",
    "revoke_sessions",
    "assign_license",
    "remove_license",
    "handover",
    "note",
]
STEP_PARAMS: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    # kind: (required parameters, optional parameters)
    "create_user": (
        frozenset({"login", "given_name", "family_name"}),
        frozenset({"email", "display_name", "employee_id", "title", "department", "manager_id"}),
    ),
    "update_user": (
        frozenset(),
        frozenset(
            {"email", "display_name", "given_name", "family_name", "title", "department"}
            | {"manager_id", "employee_id"}
        ),
    ),
    "add_to_group": (frozenset({"group"}), frozenset()),
    "remove_from_group": (frozenset({"group"}), frozenset()),
    "assign_license": (frozenset({"license"}), frozenset()),
    "remove_license": (frozenset({"license"}), frozenset()),
    "handover": (frozenset({"to"}), frozenset({"what"})),
    "note": (frozenset({"text"}), frozenset()),
}
ENTITY_FIELDS = frozenset(
    {
        "target_text",
        "target_email",
        "target_login",
        "target_name",
        "application",
        "application_text",
        "group",
        "until",
        "duration_s",
        "effective_date",
        "manager_text",
    }
)
USER_FIELDS = frozenset(
    {"id", "login", "email", "display_name", "given_name", "family_name", "employee_id"}
    | {"title", "department", "manager_id"}
)
SOURCES = ("entity", "desk_field", "requester", "target", "const")
RiskTier = Literal["low", "medium", "high", "critical"]
InputType = Literal[
    "text", "email", "login", "date", "duration", "user", "group", "license", "application",
    "department", "applications", "licenses",
]  # fmt: skip
"""``applications``/``licenses``: every catalogue item (licence) the ticket asks for, as a list."""
TargetRule = Literal["requester", "named", "named_or_requester", "new", "none"]
NoteStatus = Literal[
    "done", "pending_approval", "asked", "rejected", "refused", "escalated", "failed", "nothing"
]
_IDENT = r"^[a-z][a-z0-9_]*$"


class Strict(BaseModel):
    """Base of every playbook section: unknown keys are errors, so a typo never passes silently."""

    model_config = ConfigDict(extra="forbid", frozen=True)


def _template(value: str) -> str:
    compile_template(value)
    return value


def _expression(value: str) -> str:
    check_expression(value)
    return value


TemplateStr = Annotated[str, Field(min_length=1), AfterValidator(_template)]
ExpressionStr = Annotated[str, AfterValidator(_expression)]


def _public_note(value: str) -> str:
    problems = check_note(value, internal=False)
    if problems:
        raise ValueError("; ".join(problems))
    return value


def _internal_note(value: str) -> str:
    problems = check_note(value, internal=True)
    if problems:
        raise ValueError("; ".join(problems))
    return value


PublicNoteStr = Annotated[TemplateStr, AfterValidator(_public_note)]
InternalNoteStr = Annotated[TemplateStr, AfterValidator(_internal_note)]


class InputSpec(Strict):
    """One input: tried in ``from`` order (``entity.group``, ``desk_field.Department``, ``const.x``)."""

    from_: tuple[str, ...] = Field(alias="from", min_length=1)
    type: InputType = "text"
    required: bool = True
    ask: TemplateStr | None = None
    """The public question put to the requester when the input is missing."""
    default: str | None = None

    @field_validator("from_")
    @classmethod
    def _sources(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for item in value:
            source, _, name = item.partition(".")
            if source not in SOURCES or not name:
                raise ValueError(
                    f"`{item}`: write SOURCE.NAME with SOURCE one of {', '.join(SOURCES)}"
                )
            if source == "entity" and name not in ENTITY_FIELDS:
                raise ValueError(
                    f"`{item}`: unknown entity, known: {', '.join(sorted(ENTITY_FIELDS))}"
                )
            if source in ("requester", "target") and name not in USER_FIELDS:
                raise ValueError(
                    f"`{item}`: unknown user field, known: {', '.join(sorted(USER_FIELDS))}"
                )
        return value


class RequesterRule(Strict):
    """Who may ask for this playbook; any rule that matches is enough."""

    anyone: bool = False
    target: bool = True
    """The account's owner may ask for it."""
    manager: bool = False
    """The target's manager (as the directory records it) may ask for it."""
    groups: tuple[str, ...] = ()
    """Members of these groups may ask (e.g. ``hr-team`` for leavers)."""


class ApprovalRule(Strict):
    """Who must approve before the steps run."""

    rule: Literal[
        "none",
        "manager",
        "app_owner",
        "owner_only",
        "manager_or_owner",
        "catalogue",
        "group",
        "n_of_m",
    ] = "none"
    """``catalogue``: each catalogue item of the plan by its own ``approval`` rule."""
    fallback: Literal["manager", "owner_only", "manager_or_owner"] = "owner_only"
    """For ``catalogue``: the rule of an item that has none (or that the catalogue lacks)."""
    group: str | None = None
    approvers: tuple[str, ...] = ()
    """For ``n_of_m``: logins or e-mail addresses of the M people."""
    count: int = Field(default=1, ge=1)
    expires_after: str | None = None
    """An approval older than this (``7d``) no longer counts."""

    @model_validator(mode="after")
    def _complete(self) -> ApprovalRule:
        if self.rule == "group" and not self.group:
            raise ValueError("rule `group` needs `group`")
        if self.rule == "n_of_m" and len(self.approvers) < self.count:
            raise ValueError(f"rule `n_of_m` needs at least count={self.count} approvers")
        if self.expires_after is not None:
            parse_duration(self.expires_after)
        return self


class CompensationSpec(Strict):
    """An explicit compensation: the step to run to undo this one."""

    kind: StepKind
    with_: dict[str, TemplateStr] = Field(default_factory=dict, alias="with")


class StepSpec(Strict):
    """One step: a directory operation (or ``handover``/``note``) with templated parameters."""

    id: str | None = Field(default=None, pattern=_IDENT)
    kind: StepKind
    with_: dict[str, TemplateStr] = Field(default_factory=dict, alias="with")
    when: ExpressionStr | None = None
    """A Jinja2 expression; the step is left out of the plan when it is false."""
    for_each: ExpressionStr | None = None
    """A Jinja2 expression giving a list; the step is planned once per element, as ``item``."""
    directory: str | None = None
    """The configured directory to act on (default: the requester's directory)."""
    compensate: Literal["auto", "none"] | CompensationSpec = "auto"
    time_bound: bool = False
    """Undone when the access expires (needs the playbook's ``duration``)."""

    @model_validator(mode="after")
    def _params(self) -> StepSpec:
        required, optional = STEP_PARAMS.get(self.kind, (frozenset(), frozenset()))
        missing = required - set(self.with_)
        unknown = set(self.with_) - required - optional
        if missing:
            raise ValueError(f"step `{self.kind}` needs `with: {', '.join(sorted(missing))}`")
        if unknown:
            allowed = ", ".join(sorted(required | optional)) or "nothing"
            raise ValueError(
                f"step `{self.kind}` does not take {', '.join(sorted(unknown))} (takes {allowed})"
            )
        if self.kind == "update_user" and not self.with_:
            raise ValueError("step `update_user` needs at least one attribute under `with`")
        return self


class DurationSpec(Strict):
    """Time-bound access: how long by default, at most, and whether the requester must say."""

    default: str | None = None
    max: str | None = None
    required: bool = False
    ask: str = "Until when do you need this access?"

    @field_validator("default", "max")
    @classmethod
    def _duration(cls, value: str | None) -> str | None:
        if value is not None:
            parse_duration(value)
        return value


class NotesSpec(Strict):
    """Note templates (Markdown): public replies per outcome, and the agents' internal note."""

    public: dict[NoteStatus, PublicNoteStr] = Field(default_factory=dict)
    internal: InternalNoteStr | None = None


class Playbook(Strict):
    """A playbook as loaded from YAML; ``source`` is the file it came from."""

    name: str = Field(pattern=r"^[a-z][a-z0-9_-]*$")
    title: str
    description: str
    intents: tuple[str, ...] = Field(min_length=1)
    applies_when: ExpressionStr | None = None
    """A Jinja2 expression: among playbooks answering an intent, those whose expression holds win."""
    target: TargetRule = "named_or_requester"
    inputs: dict[str, InputSpec] = Field(default_factory=dict)
    who_may_ask: RequesterRule = Field(default_factory=RequesterRule)
    risk: RiskTier
    approval: ApprovalRule = Field(default_factory=ApprovalRule)
    duration: DurationSpec | None = None
    steps: tuple[StepSpec, ...] = Field(min_length=1)
    notes: NotesSpec = Field(default_factory=NotesSpec)
    bulk: bool = False
    """Planned once per good row of a CSV attachment (``playbooks.bulk``), inputs from its columns."""
    apply_at: str | None = None
    """The name of a ``date`` input: the worker applies the plan on that date (a leaver's last day)."""
    ask_when_nothing: str | None = None
    """Ask the requester this when the request leaves nothing to change (instead of a note)."""
    source: str = ""

    @field_validator("intents")
    @classmethod
    def _intents(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        unknown = [i for i in value if i not in INTENTS]
        if unknown:
            raise ValueError(f"unknown intent {', '.join(unknown)}; known: {', '.join(INTENTS)}")
        return value

    @field_validator("inputs")
    @classmethod
    def _input_names(cls, value: dict[str, InputSpec]) -> dict[str, InputSpec]:
        bad = [name for name in value if not re.match(_IDENT, name)]
        if bad:
            raise ValueError(f"input names must be lower_snake_case: {', '.join(bad)}")
        return value

    @model_validator(mode="after")
    def _time_bound_needs_duration(self) -> Playbook:
        if self.duration is None and any(step.time_bound for step in self.steps):
            raise ValueError("a `time_bound` step needs the playbook's `duration` section")
        if self.apply_at is not None and (
            self.apply_at not in self.inputs or self.inputs[self.apply_at].type != "date"
        ):
            raise ValueError(f"`apply_at: {self.apply_at}` must name an input of type date")
        return self
