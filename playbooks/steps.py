"""
Run planned steps against directories, read them back, and undo them.

``execute_step`` performs one step (idempotent, like every ``DirectoryClient`` mutation), and
``prepare_step`` splits it into what comes before the directory call and the call itself;
``verify_step`` reads the directory back to prove it; ``compensation_of`` gives the step that
undoes a completed one (none for resets, unlocks and session revocation, which cannot be undone);
``revocation_steps`` gives what ends time-bound access. Passwords come from the worker's
``SecretIssuer`` and go straight to the directory: they are never in a step, a change or an error.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from connectors.identity import Change, DirectoryClient, DirectoryUser, NewUser
from playbooks.planned import Plan, PlannedStep
from playbooks.request import DirectoryReader
from playbooks.resolve import Escalate
from playbooks.state import describe, read_state

_INVERSE = {
    "add_to_group": "remove_from_group",
    "remove_from_group": "add_to_group",
    "assign_license": "remove_license",
    "remove_license": "assign_license",
    "disable_user": "enable_user",
    "enable_user": "disable_user",
    "create_user": "delete_user",
    "update_user": "update_user",
    "handover": "remove_from_group",
}
_EXPIRY = {**_INVERSE, "create_user": "disable_user"}


class StepError(ValueError):
    """A step cannot run as planned (its directory is not configured, its account is gone…)."""


class SecretIssuer(Protocol):
    """Makes one-time passwords and the one-time links that reveal them (the worker implements it)."""

    def issue_password_link(self, user: DirectoryUser) -> tuple[str, str]:
        """
        Make a one-time password for ``user`` and a one-time link that shows it once.

        Args:
            user: the verified owner the link is for.

        Returns:
            ``(password, link_url)``: the password goes to the directory, only the link to a note.
        """
        ...


@dataclass(frozen=True)
class Verification:
    """Whether reading the directory back shows the step's wanted state."""

    ok: bool
    detail: str


def execute_step(
    step: PlannedStep, directories: Mapping[str, DirectoryClient], *, secrets: SecretIssuer
) -> Change:
    """
    Perform one planned step (``prepare_step`` then the change it returns).

    Args:
        step: the step, as planned.
        directories: the configured directories by name.
        secrets: issues one-time passwords for ``set_one_time_password``.

    Returns:
        The directory's ``Change`` (for a one-time password, ``after`` carries the link, never the password).
    """
    return prepare_step(step, directories, secrets=secrets)()


def prepare_step(
    step: PlannedStep, directories: Mapping[str, DirectoryClient], *, secrets: SecretIssuer
) -> Callable[[], Change]:
    """
    Everything one step needs before it changes anything — finding the account, issuing a
    one-time password — and the change itself, returned to be called.

    A failure here changed nothing in any directory; only calling the result does. The caller
    can so tell "failed before the directory call" from "failed during it".

    Args:
        step: the step, as planned.
        directories: the configured directories by name.
        secrets: issues one-time passwords for ``set_one_time_password``.
    """
    if step.manual:
        manual = Change(
            step.kind,
            step.directory,
            step.target.login,
            {},
            {"task": "manual, for an agent"},
            False,
        )
        return lambda: manual
    directory = _directory(step, directories)
    if step.kind == "create_user":
        new_user = _new_user(step.params)
        return lambda: directory.create_user(new_user)
    user_id = _user_id(step, directory)
    if step.kind == "set_one_time_password":
        password, link = secrets.issue_password_link(directory.get_user(user_id))

        def set_password() -> Change:
            change = directory.set_one_time_password(user_id, password)
            return dataclasses.replace(change, after={**change.after, "one_time_link": link})

        return set_password
    return lambda: _call(step, directory, user_id)


def _call(step: PlannedStep, directory: DirectoryClient, user_id: str) -> Change:
    params = step.params
    kind = "add_to_group" if step.kind == "handover" else step.kind
    if kind in ("add_to_group", "remove_from_group"):
        return getattr(directory, kind)(user_id, params["group"])  # type: ignore[no-any-return]
    if kind in ("assign_license", "remove_license"):
        return getattr(directory, kind)(user_id, params["license"])  # type: ignore[no-any-return]
    if kind == "update_user":
        return directory.update_user(user_id, {k: v or None for k, v in params.items()})
    if kind in ("disable_user", "enable_user", "delete_user", "send_password_reset", "unlock"):
        return getattr(directory, kind)(user_id)  # type: ignore[no-any-return]
    if kind in ("reset_mfa", "revoke_sessions"):
        return getattr(directory, kind)(user_id)  # type: ignore[no-any-return]
    raise StepError(f"step {step.index}: unknown kind {step.kind!r}")


def verify_step(step: PlannedStep, directories: Mapping[str, DirectoryReader]) -> Verification:
    """
    Read the directory back and check the step's wanted state holds.

    Args:
        step: a step that was executed.
        directories: the configured directories by name.
    """
    if step.manual:
        return Verification(True, "manual task: an agent confirms it")
    if step.kind in ("send_password_reset", "revoke_sessions"):
        return Verification(
            True, f"{step.kind.replace('_', ' ')} cannot be read back; the directory accepted it"
        )
    directory = _directory(step, directories)
    login = step.target.login
    user = directory.find_user(login=login)
    if step.kind == "delete_user":
        return Verification(
            user is None, "account is gone" if user is None else "account still exists"
        )
    if user is None:
        return Verification(False, f"account {login} not found when reading back")
    state = read_state(
        "add_to_group" if step.kind == "handover" else step.kind,
        directory,
        user,
        step.params,
    )
    if isinstance(state, Escalate):
        return Verification(False, state.reason)
    before, _, _ = state
    wanted = {k: v for k, v in step.after.items() if k in before}
    actual = {k: before[k] for k in wanted}
    ok = actual == wanted
    return Verification(ok, _verify_detail(ok, actual, wanted))


def _verify_detail(
    ok: bool, actual: Mapping[str, str | None], wanted: Mapping[str, str | None]
) -> str:
    shown = ", ".join(f"{k}: {v}" for k, v in actual.items())
    if ok:
        return f"read back: {shown}"
    expected = ", ".join(f"{k}: {v}" for k, v in wanted.items())
    return f"read back {shown}, expected {expected}"


def compensation_of(step: PlannedStep) -> PlannedStep | None:
    """
    The step that undoes ``step`` after it completed, or None when it cannot or need not be undone.

    Args:
        step: a completed step (a "no change" step needs no undoing).
    """
    if not step.changed or step.manual or step.compensate == "none":
        return None
    if step.compensate == "explicit" and step.compensate_kind is not None:
        return _inverse(step, step.compensate_kind, dict(step.compensate_params), "Undo")
    kind = _INVERSE.get(step.kind)
    return None if kind is None else _inverse(step, kind, _inverse_params(step), "Undo")


def compensations_for(completed: Sequence[PlannedStep]) -> tuple[PlannedStep, ...]:
    """
    The compensations of the completed steps, last completed first.

    Args:
        completed: the steps that ran, in the order they ran.
    """
    found = (compensation_of(step) for step in reversed(completed))
    return tuple(step for step in found if step is not None)


def revocation_steps(
    plan: Plan,
    directories: Mapping[str, DirectoryReader] | None = None,
    only: Collection[int] | None = None,
) -> tuple[PlannedStep, ...]:
    """
    The steps that end a plan's time-bound access, last granted first.

    With ``directories``, each step's before → after is re-read now: access someone re-added
    since shows as a change again, access already gone as "no change". The worker should still
    run every step (they are idempotent) so drift between reading and running is covered.

    Args:
        plan: the applied plan.
        directories: the directories by name, to re-read the current state.
        only: end just these steps (by plan index; ``playbooks.expiry``): each keeps its plan
            index, so the steps of each phase have their own idempotency keys.
    """
    steps = []
    for step in reversed(plan.steps):
        kind = _EXPIRY.get(step.kind)
        if step.until is None or kind is None or (only is not None and step.index not in only):
            continue
        revoke = dataclasses.replace(
            _inverse(step, kind, _inverse_params(step), "Expire"), until=None
        )
        steps.append(_reread(revoke, directories) if directories else revoke)
    if only is not None:
        return tuple(steps)
    return tuple(dataclasses.replace(s, index=i) for i, s in enumerate(steps, start=1))


def _reread(step: PlannedStep, directories: Mapping[str, DirectoryReader]) -> PlannedStep:
    directory = _directory(step, directories)
    user = directory.find_user(login=step.target.login)
    state = read_state(step.kind, directory, user, step.params)
    if isinstance(state, Escalate):
        return step
    before, after, changed = state
    return dataclasses.replace(step, before=before, after=after, changed=changed)


def _inverse(step: PlannedStep, kind: str, params: dict[str, str], verb: str) -> PlannedStep:
    return dataclasses.replace(
        step,
        step_id=f"{step.step_id}.{verb.lower()}",
        kind=kind,
        params=params,
        before=dict(step.after),
        after=dict(step.before),
        description=f"{verb}: {describe(kind, step.target.label, params)}",
        compensate="none",
        compensate_kind=None,
        compensate_params={},
    )


def _inverse_params(step: PlannedStep) -> dict[str, str]:
    if step.kind == "update_user":
        return {k: step.before.get(k) or "" for k in step.params}
    if step.kind == "handover":
        return {"group": step.params["group"]}
    return {k: v for k, v in step.params.items() if k in ("group", "license")}


def _directory(step: PlannedStep, directories: Mapping[str, DirectoryReader]) -> DirectoryClient:
    try:
        return directories[step.directory]  # type: ignore[return-value]
    except KeyError:
        raise StepError(
            f"step {step.index}: directory `{step.directory}` is not configured"
        ) from None


def _user_id(step: PlannedStep, directory: DirectoryClient) -> str:
    if step.target.id is not None:
        return step.target.id
    user = directory.find_user(login=step.target.login)
    if user is None:
        raise StepError(f"step {step.index}: no account {step.target.login} in `{step.directory}`")
    return user.id


def _new_user(params: Mapping[str, str]) -> NewUser:
    def opt(key: str) -> str | None:
        return params.get(key) or None

    return NewUser(
        login=params["login"],
        given_name=params["given_name"],
        family_name=params["family_name"],
        email=opt("email"),
        display_name=opt("display_name"),
        employee_id=opt("employee_id"),
        title=opt("title"),
        department=opt("department"),
        manager_id=opt("manager_id"),
    )
