"""
What each step kind needs from a directory, and the before → after it will produce.

Used by the planner (before anything runs) and by revocation (to re-read the directory before
access expires). Reads only.
"""

from __future__ import annotations

from collections.abc import Mapping

from connectors.identity import Capability, DirectoryUser
from playbooks.request import DirectoryReader
from playbooks.resolve import Escalate

State = tuple[dict[str, str | None], dict[str, str | None], bool]

NEEDS: Mapping[str, Capability] = {
    "create_user": Capability.CREATE_USER,
    "update_user": Capability.UPDATE_USER,
    "disable_user": Capability.DISABLE_USER,
    "enable_user": Capability.DISABLE_USER,
    "delete_user": Capability.DELETE_USER,
    "add_to_group": Capability.GROUPS,
    "remove_from_group": Capability.GROUPS,
    "send_password_reset": Capability.RESET_PASSWORD_FLOW,
    "set_one_time_password": Capability.ONE_TIME_PASSWORD,
    "unlock": Capability.UNLOCK,
    "reset_mfa": Capability.RESET_MFA,
    "revoke_sessions": Capability.REVOKE_SESSIONS,
    "assign_license": Capability.LICENSES,
    "remove_license": Capability.LICENSES,
}
_VERBS = {
    "create_user": "Create account {who}",
    "update_user": "Update {who}: {attrs}",
    "disable_user": "Disable {who}",
    "enable_user": "Enable {who}",
    "delete_user": "Delete {who}",
    "add_to_group": "Add {who} to group {group}",
    "remove_from_group": "Remove {who} from group {group}",
    "send_password_reset": "Send {who} the directory's password reset link",
    "set_one_time_password": "Set a one-time password for {who}, delivered by one-time link",
    "unlock": "Unlock {who}",
    "reset_mfa": "Reset MFA of {who}",
    "revoke_sessions": "Sign {who} out everywhere (revoke sessions)",
    "assign_license": "Assign licence {license} to {who}",
    "remove_license": "Remove licence {license} from {who}",
}


def describe(kind: str, who: str, params: Mapping[str, str]) -> str:
    """
    A one-line description of a step (``Add alice to group vpn-users``).

    Args:
        kind: the step kind.
        who: the account's label.
        params: the step's rendered parameters.
    """
    attrs = ", ".join(f"{k} → {v}" for k, v in params.items())
    if kind == "handover":
        return f"Hand over {params.get('what', 'mailbox and files')} of {params.get('of', who)} to {params['to']}"
    return _VERBS[kind].format(
        who=who, attrs=attrs, group=params.get("group"), license=params.get("license")
    )


def read_state(
    kind: str, reader: DirectoryReader, user: DirectoryUser | None, params: Mapping[str, str]
) -> State | Escalate:
    """
    The state before the step, the state it wants after, and whether that is a change.

    Args:
        kind: a directory step kind.
        reader: the directory the step acts on.
        user: the account as it is now (None for one to be created).
        params: the step's rendered parameters.
    """
    if kind in ("add_to_group", "remove_from_group"):
        key = f"member_of:{params['group']}"
        member = user is not None and params["group"] in reader.groups_of(user.id)
        return _flag(key, member, kind == "add_to_group")
    if kind in ("assign_license", "remove_license"):
        return _license_state(kind, reader, user, params["license"])
    if kind == "update_user":
        before = {k: None if user is None else getattr(user, k) for k in params}
        return before, dict(params), before != dict(params)
    return _account_state(kind, user)


def _account_state(kind: str, user: DirectoryUser | None) -> State:
    status = None if user is None else str(user.status)
    if kind == "unlock":
        return _flag("locked", user is not None and user.locked, False)
    if kind in ("disable_user", "enable_user"):
        wanted = "disabled" if kind == "disable_user" else "active"
        return {"status": status}, {"status": wanted}, status != wanted
    if kind == "delete_user":
        return _flag("exists", user is not None, False)
    if kind == "create_user":
        return _flag("exists", user is not None, True)
    if kind == "reset_mfa":
        factors = "" if user is None else ",".join(user.mfa_factors)
        return {"mfa_factors": factors}, {"mfa_factors": ""}, factors != ""
    if kind == "send_password_reset":
        return {"reset_link_sent": None}, {"reset_link_sent": "true"}, True
    if kind == "set_one_time_password":
        must = "true" if user is not None and user.password_must_change else "false"
        return (
            {"password_must_change": must},
            {"password_must_change": "true", "delivery": "one-time link"},
            True,
        )
    if kind == "revoke_sessions":
        return {"sessions": None}, {"sessions": "revoked"}, True
    raise ValueError(f"step kind {kind!r} has no directory state")


def _license_state(
    kind: str, reader: DirectoryReader, user: DirectoryUser | None, sku: str
) -> State | Escalate:
    licenses = {lic.id: lic for lic in reader.list_licenses()}
    held = user is not None and sku in reader.licenses_of(user.id)
    if kind == "assign_license":
        if sku not in licenses:
            return Escalate(f"no licence `{sku}` in directory `{reader.name}`")
        if not held and licenses[sku].available == 0:
            return Escalate(f"no seats left on licence `{sku}` in `{reader.name}`")
    return _flag(f"license:{sku}", held, kind == "assign_license")


def _flag(key: str, now: bool, wanted: bool) -> State:
    return {key: str(now).lower()}, {key: str(wanted).lower()}, now != wanted
