"""
Salesforce users as a directory, through simple-salesforce (which rides on ``requests``).

Groups are permission sets (by API ``Name``); a permission set group grants the permission sets
it holds, so those count as transitive membership. Licences are permission-set licences (by
``DeveloperName``). Disabling deactivates the user (``IsActive``) or, with
``disable_mode="freeze"``, freezes the login (``UserLogin.IsFrozen``), which works even where
deactivation is blocked. The reset flow is REST ``DELETE /sobjects/User/{id}/password``:
Salesforce e-mails the owner a reset link; the temporary password in its reply is dropped unread.

simple-salesforce has no backoff and raises its own exception types, so a response hook on its
session classifies every reply through ``check_response`` first, and turns
``REQUEST_LIMIT_EXCEEDED`` (a 403 in Salesforce) into a transient ``RateLimitedError``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any, Literal

import requests
from simple_salesforce.api import Salesforce, SFType
from simple_salesforce.exceptions import SalesforceError
from simple_salesforce.format import format_soql

from connectors.errors import (
    AuthError,
    NotFoundError,
    NotSupportedError,
    RateLimitedError,
    RejectedError,
)
from connectors.http import check_response, request_error
from connectors.identity import (
    Capability,
    Change,
    DirectoryUser,
    License,
    NewUser,
    UserPage,
)
from connectors.identity.changes import ChangeRecorder
from connectors.identity.salesforce_users import (
    FIELDS,
    field_problem,
    fields_to_read,
    select_users,
    user_of,
)

DisableMode = Literal["deactivate", "freeze"]

_DAILY_LIMIT_WAIT_S = 300.0
_AUTH_HINT = (
    "check the integration user's credentials (credentials.*), that its session is valid, and "
    "that it holds Manage Users or the delegated-admin rights in docs/directories-saas.md"
)


class SalesforceDirectory(ChangeRecorder):
    """The users of one Salesforce org."""

    capabilities = frozenset(
        {
            Capability.UPDATE_USER,
            Capability.DISABLE_USER,
            Capability.GROUPS,
            Capability.RESET_PASSWORD_FLOW,
            Capability.UNLOCK,
            Capability.LICENSES,
        }
    )

    def __init__(
        self,
        name: str,
        connect: Callable[[], Salesforce],
        *,
        disable_mode: DisableMode = "deactivate",
        read_attributes: Iterable[str] = (),
    ) -> None:
        self.name = name
        self.read_attributes = tuple(dict.fromkeys(read_attributes))
        """Other User fields (API names) reported under their names as configured, e.g. a
        custom ``Contract_End__c`` as the contract end ``playbooks.people`` names for this org;
        selected only when User has them (``fields_to_read``)."""
        self._connect = connect
        self._disable_mode = disable_mode
        self._client: Salesforce | None = None
        self._read: dict[str, str] | None = None

    # -- reads -------------------------------------------------------------------------------

    def find_user(
        self,
        *,
        email: str | None = None,
        login: str | None = None,
        employee_id: str | None = None,
    ) -> DirectoryUser | None:
        keys = (("Username", login), ("Email", email), ("EmployeeNumber", employee_id))
        clauses = [
            format_soql(f"{field} = {{}}", value) for field, value in keys if value is not None
        ]
        if not clauses:
            raise RejectedError(
                "find_user needs an email, a login or an employee id", system=self.name
            )
        found = self._records(f"{self._select()} WHERE {' AND '.join(clauses)}")
        if len(found) > 1:
            raise RejectedError(f"{len(found)} accounts match; refusing to guess", system=self.name)
        return self._with_login_state(found[0]) if found else None

    def get_user(self, user_id: str) -> DirectoryUser:
        found = self._records(format_soql(f"{self._select()} WHERE Id = {{}}", user_id))
        if not found:
            raise NotFoundError(f"no user {user_id}", system=self.name)
        return self._with_login_state(found[0])

    def groups_of(self, user_id: str) -> list[str]:
        soql = format_soql(
            "SELECT PermissionSet.Name FROM PermissionSetAssignment "
            "WHERE AssigneeId = {} AND PermissionSet.IsOwnedByProfile = false",
            user_id,
        )
        return sorted(str(r["PermissionSet"]["Name"]) for r in self._records(soql))

    def transitive_groups_of(self, user_id: str) -> list[str]:
        # Permission sets do not nest, but a permission set group grants every permission set
        # it holds: those count as held too.
        via_groups = format_soql(
            "SELECT PermissionSet.Name FROM PermissionSetGroupComponent WHERE PermissionSetGroupId "
            "IN (SELECT PermissionSetGroupId FROM PermissionSetAssignment WHERE AssigneeId = {})",
            user_id,
        )
        held = {str(r["PermissionSet"]["Name"]) for r in self._records(via_groups)}
        return sorted(held | set(self.groups_of(user_id)))

    def groups_containing(self, group: str) -> list[str]:
        soql = format_soql(
            "SELECT PermissionSetGroup.DeveloperName FROM PermissionSetGroupComponent "
            "WHERE PermissionSet.Name = {}",
            group,
        )
        return sorted(str(r["PermissionSetGroup"]["DeveloperName"]) for r in self._records(soql))

    def list_licenses(self) -> list[License]:
        soql = "SELECT Id, DeveloperName, MasterLabel, TotalLicenses, UsedLicenses FROM PermissionSetLicense"
        return [
            License(
                str(r["DeveloperName"]),
                str(r["MasterLabel"]),
                r.get("TotalLicenses"),
                r.get("UsedLicenses"),
            )
            for r in self._records(soql)
        ]

    def licenses_of(self, user_id: str) -> list[str]:
        return sorted(self._licence_assignments(user_id))

    def list_users(self, cursor: str | None = None, page_size: int = 200) -> UserPage:
        batch = {"Sforce-Query-Options": f"batchSize={max(200, min(page_size, 2000))}"}
        if cursor is None:
            soql = f"{self._select()} ORDER BY Id"
            page = self._call(lambda sf: sf.query(soql, headers=batch))
        else:
            page = self._call(
                lambda sf: sf.query_more(cursor, identifier_is_url=True, headers=batch)
            )
        users = tuple(user_of(r, {}, self._read_fields()) for r in page["records"])
        return UserPage(
            users, cursor=None if page.get("done", True) else page.get("nextRecordsUrl")
        )

    # -- changes -----------------------------------------------------------------------------

    def create_user(self, user: NewUser) -> Change:
        raise NotSupportedError(
            "creating Salesforce users (profile, locale, licence) is left to Salesforce's own flows",
            system=self.name,
        )

    def update_user(self, user_id: str, attributes: Mapping[str, str | None]) -> Change:
        unknown = sorted(set(attributes) - set(FIELDS))
        if unknown:
            raise RejectedError(f"cannot update {unknown} on Salesforce", system=self.name)
        current = self.get_user(user_id)
        before = {k: getattr(current, k) for k in attributes}
        wanted = dict(attributes)
        if before != wanted:
            body = {FIELDS[k]: v for k, v in wanted.items() if before[k] != v}
            self._call(lambda sf: _sobject(sf, "User").update(user_id, body))
        return self._change("update_user", user_id, before, wanted, before != wanted)

    def disable_user(self, user_id: str) -> Change:
        user = self.get_user(user_id)
        active, frozen = user.attributes["is_active"] == "true", user.attributes["frozen"] == "true"
        if self._disable_mode == "freeze":
            if not frozen:
                self._set_login(user, IsFrozen=True)
            return self._flag_change("disable_user", user_id, "frozen", frozen, True)
        if active:
            self._call(lambda sf: _sobject(sf, "User").update(user_id, {"IsActive": False}))
        return self._flag_change("disable_user", user_id, "is_active", active, False)

    def enable_user(self, user_id: str) -> Change:
        user = self.get_user(user_id)
        active, frozen = user.attributes["is_active"] == "true", user.attributes["frozen"] == "true"
        if not active:
            self._call(lambda sf: _sobject(sf, "User").update(user_id, {"IsActive": True}))
        if frozen:
            self._set_login(user, IsFrozen=False)
        before = {"is_active": str(active).lower(), "frozen": str(frozen).lower()}
        after = {"is_active": "true", "frozen": "false"}
        return self._change("enable_user", user_id, before, after, before != after)

    def delete_user(self, user_id: str) -> Change:
        raise NotSupportedError(
            "Salesforce users cannot be deleted, only deactivated", system=self.name
        )

    def add_to_group(self, user_id: str, group: str) -> Change:
        permission_set = self._one_id(
            format_soql("SELECT Id FROM PermissionSet WHERE Name = {}", group), group
        )
        if self._assignment_id(user_id, permission_set) is not None:
            return self._membership("add_to_group", user_id, group, True, True)
        body = {"AssigneeId": user_id, "PermissionSetId": permission_set}
        try:
            self._call(lambda sf: _sobject(sf, "PermissionSetAssignment").create(body))
        except RejectedError as exc:
            if "DUPLICATE_VALUE" not in str(exc):
                raise
            return self._membership("add_to_group", user_id, group, True, True)
        return self._membership("add_to_group", user_id, group, False, True)

    def remove_from_group(self, user_id: str, group: str) -> Change:
        permission_set = self._one_id(
            format_soql("SELECT Id FROM PermissionSet WHERE Name = {}", group), group
        )
        assignment = self._assignment_id(user_id, permission_set)
        if assignment is not None:
            gone = assignment
            try:
                self._call(lambda sf: _sobject(sf, "PermissionSetAssignment").delete(gone))
            except NotFoundError:
                assignment = None
        return self._membership("remove_from_group", user_id, group, assignment is not None, False)

    def send_password_reset(self, user_id: str) -> Change:
        # The reply holds a temporary password; it is deliberately not read or kept.
        self._call(lambda sf: sf.restful(f"sobjects/User/{user_id}/password", method="DELETE"))
        return self._change(
            "send_password_reset", user_id, {"reset_link_sent": None}, {"reset_link_sent": "true"}
        )

    def set_one_time_password(self, user_id: str, password: str) -> Change:
        raise NotSupportedError(
            "Salesforce cannot force a change of an admin-set password; use the reset flow",
            system=self.name,
        )

    def unlock(self, user_id: str) -> Change:
        user = self.get_user(user_id)
        if user.locked:
            self._set_login(user, IsPasswordLocked=False)
        return self._flag_change("unlock", user_id, "locked", user.locked, False)

    def reset_mfa(self, user_id: str) -> Change:
        raise NotSupportedError(
            "resetting Salesforce MFA is not supported by deskpilot", system=self.name
        )

    def revoke_sessions(self, user_id: str) -> Change:
        raise NotSupportedError(
            "revoking Salesforce sessions is not supported by deskpilot", system=self.name
        )

    def assign_license(self, user_id: str, license_id: str) -> Change:
        held = self._licence_assignments(user_id)
        if license_id not in held:
            soql = format_soql(
                "SELECT Id FROM PermissionSetLicense WHERE DeveloperName = {}", license_id
            )
            body = {"AssigneeId": user_id, "PermissionSetLicenseId": self._one_id(soql, license_id)}
            try:
                self._call(lambda sf: _sobject(sf, "PermissionSetLicenseAssign").create(body))
            except RejectedError as exc:
                if "DUPLICATE_VALUE" not in str(exc):
                    raise
        return self._flag_change(
            "assign_license", user_id, f"license:{license_id}", license_id in held, True
        )

    def remove_license(self, user_id: str, license_id: str) -> Change:
        assignment = self._licence_assignments(user_id).get(license_id)
        if assignment is not None:
            gone = assignment
            try:
                self._call(lambda sf: _sobject(sf, "PermissionSetLicenseAssign").delete(gone))
            except NotFoundError:
                assignment = None
        return self._flag_change(
            "remove_license", user_id, f"license:{license_id}", assignment is not None, False
        )

    # -- helpers -----------------------------------------------------------------------------

    def _with_login_state(self, record: Mapping[str, Any]) -> DirectoryUser:
        soql = format_soql(
            "SELECT Id, IsFrozen, IsPasswordLocked FROM UserLogin WHERE UserId = {}", record["Id"]
        )
        logins = self._records(soql)
        return user_of(record, logins[0] if logins else {}, self._read_fields())

    def _select(self) -> str:
        return select_users(self._read_fields().values())

    def _read_fields(self) -> dict[str, str]:
        """Configured names → the User fields read for them; User is described once, if needed."""
        if self._read is None:
            wanted = [n for n in self.read_attributes if field_problem(n) is None]
            described = self._call(lambda sf: _sobject(sf, "User").describe()) if wanted else {}
            self._read = fields_to_read(wanted, described)
        return self._read

    def _set_login(self, user: DirectoryUser, **fields: bool) -> None:
        login_id = user.attributes["user_login_id"]
        if not login_id:
            raise NotFoundError(f"no UserLogin record for {user.id}", system=self.name)
        self._call(lambda sf: _sobject(sf, "UserLogin").update(login_id, fields))

    def _assignment_id(self, user_id: str, permission_set: str) -> str | None:
        soql = format_soql(
            "SELECT Id FROM PermissionSetAssignment WHERE AssigneeId = {} AND PermissionSetId = {}",
            user_id,
            permission_set,
        )
        found = self._records(soql)
        return str(found[0]["Id"]) if found else None

    def _licence_assignments(self, user_id: str) -> dict[str, str]:
        soql = format_soql(
            "SELECT Id, PermissionSetLicense.DeveloperName FROM PermissionSetLicenseAssign WHERE AssigneeId = {}",
            user_id,
        )
        return {
            str(r["PermissionSetLicense"]["DeveloperName"]): str(r["Id"])
            for r in self._records(soql)
        }

    def _one_id(self, soql: str, what: str) -> str:
        found = self._records(soql)
        if not found:
            raise NotFoundError(f"no permission set or licence named {what!r}", system=self.name)
        return str(found[0]["Id"])

    def _records(self, soql: str) -> list[dict[str, Any]]:
        return list(self._call(lambda sf: sf.query_all(soql))["records"])

    def _call(self, action: Callable[[Salesforce], Any]) -> Any:
        try:
            return action(self._sf())
        except requests.RequestException as exc:
            raise request_error(exc, system=self.name) from None
        except SalesforceError as exc:  # only a 401 the client's own re-login could not cure
            raise AuthError(
                f"session refused ({type(exc).__name__}); {_AUTH_HINT}", system=self.name
            ) from None

    def _sf(self) -> Salesforce:
        if self._client is None:
            client = self._connect()
            client.session.hooks["response"].append(self._classify)
            self._client = client
        return self._client

    def _classify(self, response: requests.Response, *args: Any, **kwargs: Any) -> None:
        if response.status_code == 401 and getattr(self._client, "_salesforce_login_partial", None):
            return  # simple-salesforce logs in again and retries by itself
        if response.status_code == 403 and "REQUEST_LIMIT_EXCEEDED" in response.text:
            raise RateLimitedError(
                "Salesforce API request limit exceeded",
                retry_after_s=_DAILY_LIMIT_WAIT_S,
                system=self.name,
                status=403,
            )
        try:
            check_response(response, system=self.name)
        except AuthError as exc:
            raise AuthError(
                f"{exc.args[0]}; {_AUTH_HINT}", system=self.name, status=exc.status
            ) from exc


def _sobject(sf: Salesforce, name: str) -> SFType:
    # simple-salesforce resolves sObjects by attribute; its annotations cannot say which.
    sobject: SFType = getattr(sf, name)
    return sobject
