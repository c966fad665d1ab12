"""
SCIM 2.0 (RFC 7643/7644) apps: Users and Groups over HTTP with a bearer token.

- lookups use filters (``userName eq``, ``emails.value eq``, the enterprise ``employeeNumber``);
- PATCH answers may be 200 with the resource or 204 without a body: both are read back;
- a 409 on create means the userName exists: the existing account is adopted (changed=False);
- member removal is tried in the forms servers accept, in order: ``members[value eq "id"]``
  (RFC), ``members`` with a value list (what Entra and Okta send), then a replace of the whole
  member list guarded by the group's ETag;
- disable is ``active: false``. SCIM has no lockout, one-time password or reset flow of its own;
- other User attributes to report (the contract end) are named in attribute notation (RFC 7644
  §3.10, ``urn:…:User:contractEnd`` for an extension's) and read from the resource as returned.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import requests

from connectors.errors import NotFoundError, NotSupportedError, RejectedError
from connectors.http import BoundedSession, check_response, request_error
from connectors.identity import (
    Capability,
    Change,
    DirectoryUser,
    License,
    NewUser,
    UserPage,
    UserStatus,
)
from connectors.identity.changes import ChangeRecorder
from connectors.identity.nesting import walk_up
from connectors.identity.scim_payloads import (
    ENTERPRISE,
    PATCH_SCHEMA,
    PATHS,
    USER_SCHEMA,
    ScimGroup,
    operation,
    parse_group,
    parse_user,
    quote,
)


class ScimDirectory(ChangeRecorder):
    """A SCIM 2.0 service provider."""

    capabilities = frozenset(
        {
            Capability.CREATE_USER,
            Capability.UPDATE_USER,
            Capability.DISABLE_USER,
            Capability.DELETE_USER,
            Capability.GROUPS,
        }
    )

    def __init__(
        self,
        name: str,
        base_url: str,
        token: str,
        *,
        session: requests.Session | None = None,
        read_attributes: Iterable[str] = (),
    ) -> None:
        """
        Args:
            name: the configured instance name.
            base_url: the SCIM base, e.g. ``https://app.example.com/scim/v2``.
            token: the bearer token (never logged).
            session: a session to reuse (default: a ``BoundedSession`` with timeouts).
            read_attributes: other User attributes reported under their names as written, in
                attribute notation (RFC 7644 §3.10), e.g. the contract end ``playbooks.people``
                names for this app. Servers return them by default, so none is asked for.
        """
        self.name = name
        self.read_attributes = tuple(dict.fromkeys(read_attributes))
        self.base_url = base_url.rstrip("/")
        self.session = session or BoundedSession()
        self.session.headers["Authorization"] = f"Bearer {token}"
        self.session.headers["Accept"] = "application/scim+json, application/json"

    # -- HTTP ---------------------------------------------------------------------------------

    def _send(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        if "json" in kwargs:
            kwargs.setdefault("headers", {})["Content-Type"] = "application/scim+json"
        try:
            response = self.session.request(method, f"{self.base_url}{path}", **kwargs)
        except requests.RequestException as exc:
            raise request_error(exc, system=self.name) from exc
        return check_response(response, system=self.name)

    def _patch(self, path: str, operations: list[dict[str, Any]], etag: str | None = None) -> None:
        headers = {"If-Match": etag} if etag else {}
        body = {"schemas": [PATCH_SCHEMA], "Operations": operations}
        self._send("PATCH", path, json=body, headers=headers)

    def _search(self, resource: str, scim_filter: str, count: int = 2) -> list[dict[str, Any]]:
        params: dict[str, str | int] = {"filter": scim_filter, "count": count}
        found: list[dict[str, Any]] = (
            self._send("GET", f"/{resource}", params=params).json().get("Resources") or []
        )
        return found

    # -- reads --------------------------------------------------------------------------------

    def find_user(
        self,
        *,
        email: str | None = None,
        login: str | None = None,
        employee_id: str | None = None,
    ) -> DirectoryUser | None:
        """Return the one account matching every given key, None if none does."""
        terms = []
        if login is not None:
            terms.append(f"userName eq {quote(login)}")
        if email is not None:
            terms.append(f"emails.value eq {quote(email)}")
        if employee_id is not None:
            terms.append(f"{ENTERPRISE}:employeeNumber eq {quote(employee_id)}")
        if not terms:
            raise RejectedError(
                "find_user needs an email, a login or an employee id", system=self.name
            )
        found = self._search("Users", " and ".join(terms))
        if len(found) > 1:
            raise RejectedError(
                "more than one account matches; refusing to guess", system=self.name
            )
        return parse_user(found[0], self.read_attributes) if found else None

    def get_user(self, user_id: str) -> DirectoryUser:
        """Read an account with its status; NotFoundError if it does not exist."""
        return parse_user(self._send("GET", f"/Users/{user_id}").json(), self.read_attributes)

    def groups_of(self, user_id: str) -> list[str]:
        """The names of the groups the account is a direct member of, sorted."""
        self.get_user(user_id)
        groups = self._search("Groups", f"members.value eq {quote(user_id)}", count=1000)
        return sorted(str(g.get("displayName", "")) for g in groups)

    def transitive_groups_of(self, user_id: str) -> list[str]:
        """Every group holding the account, directly or through groups nested as members."""
        self.get_user(user_id)
        return self._names_above(user_id)

    def groups_containing(self, group: str) -> list[str]:
        """Every group ``group`` is nested in (a Group resource listed as a member), sorted."""
        return self._names_above(self._group(group).id)

    def _names_above(self, member_id: str) -> list[str]:
        # RFC 7643 lets a server report indirect groups in User.groups, but few do (scim2-server
        # does not), so climb through ``members.value`` searches, each group once.
        names: dict[str, str] = {}

        def holders(key: str) -> list[str]:
            found = self._search("Groups", f"members.value eq {quote(key)}", count=1000)
            names.update({str(g["id"]): str(g.get("displayName", "")) for g in found})
            return [str(g["id"]) for g in found]

        return sorted({names[key] for key in walk_up([member_id], holders)})

    def list_users(self, cursor: str | None = None, page_size: int = 200) -> UserPage:
        """One page of all accounts (index paging: ``startIndex`` and ``count``)."""
        start = int(cursor or 1)
        data = self._send("GET", "/Users", params={"startIndex": start, "count": page_size}).json()
        users = tuple(parse_user(r, self.read_attributes) for r in data.get("Resources") or ())
        following = start + len(users)
        more = users and following <= int(data.get("totalResults", 0))
        return UserPage(users, str(following) if more else None)

    # -- changes ------------------------------------------------------------------------------

    def create_user(self, user: NewUser) -> Change:
        """Create an account; a 409 (userName taken) adopts the existing one (changed=False)."""
        try:
            data = self._send("POST", "/Users", json=self._user_body(user)).json()
        except RejectedError as exc:
            existing = self.find_user(login=user.login) if exc.status == 409 else None
            if existing is None:
                raise
            return self._change(
                "create_user", existing.id, {"exists": "true"},
                {"exists": "true", "login": existing.login}, False,
            )  # fmt: skip
        return self._change(
            "create_user",
            str(data["id"]),
            {"exists": "false"},
            {"exists": "true", "login": user.login},
        )

    def _user_body(self, user: NewUser) -> dict[str, Any]:
        enterprise = {
            k: v
            for k, v in {
                "employeeNumber": user.employee_id,
                "department": user.department,
                "manager": {"value": user.manager_id} if user.manager_id else None,
            }.items()
            if v is not None
        }
        body: dict[str, Any] = {
            "schemas": [USER_SCHEMA, ENTERPRISE] if enterprise else [USER_SCHEMA],
            "userName": user.login,
            "name": {"givenName": user.given_name, "familyName": user.family_name},
            "displayName": user.display_name or f"{user.given_name} {user.family_name}",
            "active": user.enabled,
            **user.attributes,
        }
        if user.email:
            body["emails"] = [{"value": user.email, "type": "work", "primary": True}]
        if user.title:
            body["title"] = user.title
        if enterprise:
            body[ENTERPRISE] = enterprise
        return body

    def update_user(self, user_id: str, attributes: Mapping[str, str | None]) -> Change:
        """Set the given attributes with one PATCH (None removes one); unchanged ones are skipped."""
        unknown = sorted(set(attributes) - set(PATHS))
        if unknown:
            raise RejectedError(f"cannot update {unknown}", system=self.name)
        current = self.get_user(user_id)
        before = {key: getattr(current, key) for key in attributes}
        wanted = dict(attributes)
        operations = [
            operation(key, value) for key, value in wanted.items() if before[key] != value
        ]
        if operations:
            self._patch(f"/Users/{user_id}", operations)
        return self._change("update_user", user_id, before, wanted, bool(operations))

    def disable_user(self, user_id: str) -> Change:
        """PATCH ``active: false``; already disabled is success."""
        return self._set_active(user_id, False, "disable_user")

    def enable_user(self, user_id: str) -> Change:
        """PATCH ``active: true``; already enabled is success."""
        return self._set_active(user_id, True, "enable_user")

    def _set_active(self, user_id: str, active: bool, operation: str) -> Change:
        before = self.get_user(user_id).status
        after = UserStatus.ACTIVE if active else UserStatus.DISABLED
        if before != after:
            self._patch(f"/Users/{user_id}", [{"op": "replace", "path": "active", "value": active}])
        return self._change(
            operation, user_id, {"status": before.value}, {"status": after.value}, before != after
        )

    def delete_user(self, user_id: str) -> Change:
        """DELETE the account; already gone (404) is success."""
        try:
            self._send("DELETE", f"/Users/{user_id}")
        except NotFoundError:
            return self._deleted(user_id, existed=False)
        return self._deleted(user_id)

    def add_to_group(self, user_id: str, group: str) -> Change:
        """PATCH ``add members``; already a member is success."""
        self.get_user(user_id)
        found = self._group(group)
        if user_id not in found.members:
            operation = {"op": "add", "path": "members", "value": [{"value": user_id}]}
            self._patch(f"/Groups/{found.id}", [operation])
        return self._membership("add_to_group", user_id, group, user_id in found.members, True)

    def remove_from_group(self, user_id: str, group: str) -> Change:
        """Remove the member in the first form the server accepts; not a member is success."""
        self.get_user(user_id)
        found = self._group(group)
        if user_id in found.members:
            self._remove_member(found, user_id)
        return self._membership(
            "remove_from_group", user_id, group, user_id in found.members, False
        )

    def _remove_member(self, group: ScimGroup, user_id: str) -> None:
        path = f"/Groups/{group.id}"
        attempts: list[list[dict[str, Any]]] = [
            [{"op": "remove", "path": f"members[value eq {quote(user_id)}]"}],
            [{"op": "remove", "path": "members", "value": [{"value": user_id}]}],
        ]
        for operations in attempts:
            try:
                self._patch(path, operations)
                return
            except RejectedError as exc:
                if exc.status not in (400, 501):
                    raise
        remaining = [{"value": m} for m in group.members if m != user_id]
        self._patch(path, [{"op": "replace", "path": "members", "value": remaining}], group.etag)

    def _group(self, name: str) -> ScimGroup:
        found = self._search("Groups", f"displayName eq {quote(name)}")
        if len(found) != 1:
            raise NotFoundError(f"no single group named {name!r}", system=self.name)
        response = self._send("GET", f"/Groups/{found[0]['id']}")
        return parse_group(response.json(), response.headers.get("ETag"))

    # -- what SCIM has no notion of -------------------------------------------------------------

    def send_password_reset(self, user_id: str) -> Change:
        """Not supported: SCIM has no reset flow."""
        raise self._unsupported("send_password_reset")

    def set_one_time_password(self, user_id: str, password: str) -> Change:
        """Not supported: SCIM can set a password but cannot force a change at next login."""
        raise self._unsupported("set_one_time_password")

    def unlock(self, user_id: str) -> Change:
        """Not supported: SCIM has no lockout state."""
        raise self._unsupported("unlock")

    def reset_mfa(self, user_id: str) -> Change:
        """Not supported: SCIM has no MFA resource."""
        raise self._unsupported("reset_mfa")

    def revoke_sessions(self, user_id: str) -> Change:
        """Not supported: SCIM has no session resource."""
        raise self._unsupported("revoke_sessions")

    def list_licenses(self) -> list[License]:
        """Not supported: SCIM has no licence resource."""
        raise self._unsupported("list_licenses")

    def licenses_of(self, user_id: str) -> list[str]:
        """Not supported: SCIM has no licence resource."""
        raise self._unsupported("licenses_of")

    def assign_license(self, user_id: str, license_id: str) -> Change:
        """Not supported: SCIM has no licence resource."""
        raise self._unsupported("assign_license")

    def remove_license(self, user_id: str, license_id: str) -> Change:
        """Not supported: SCIM has no licence resource."""
        raise self._unsupported("remove_license")

    # -- helpers ------------------------------------------------------------------------------

    def _unsupported(self, operation: str) -> NotSupportedError:
        return NotSupportedError(f"{operation} is not supported over SCIM", system=self.name)
