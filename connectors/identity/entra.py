"""
Microsoft Entra ID as a directory: ``msal`` for an app-only token, plain ``requests`` for Graph.

msgraph-sdk is async-only and very large; Graph's user surface is small REST. Paging follows
``@odata.nextLink``; a 429's ``Retry-After`` becomes ``RateLimitedError``. Groups are named by
``displayName``; licences are SKUs (``skuId``, or ``skuPartNumber`` such as ``ENTERPRISEPACK``).
Entra has no admin-triggered reset e-mail (self-service reset is the user's own flow) and no
lockout an admin can clear (smart lockout expires by itself): those raise ``NotSupportedError``.
Transitive membership is Graph's own ``transitiveMemberOf`` (nested groups expanded server-side).
"""

from __future__ import annotations

import re
import secrets
import urllib.parse
from collections.abc import Iterable, Mapping
from typing import Any

import requests

from connectors.errors import (
    AuthError,
    NotFoundError,
    NotSupportedError,
    RejectedError,
)
from connectors.http import BoundedSession, check_response, request_error
from connectors.identity import (
    Capability,
    Change,
    DirectoryUser,
    License,
    NewUser,
    UserPage,
)
from connectors.identity.changes import ChangeRecorder
from connectors.identity.entra_graph import (
    AUTH_HINT,
    FIELDS,
    METHOD_PATHS,
    deletion_rank,
    method_path,
    partial_reset,
    quoted,
    segment,
    select_for,
    user_of,
)
from connectors.identity.entra_token import GraphToken

_GUID = re.compile(r"^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")
_ALREADY_MEMBER = "added object references already exist"


class EntraDirectory(ChangeRecorder):
    """An Entra ID tenant reached as an app registration with a client secret."""

    capabilities = frozenset(Capability) - {Capability.RESET_PASSWORD_FLOW, Capability.UNLOCK}

    def __init__(
        self,
        name: str,
        tenant_id: str,
        client_id: str,
        client_secret: str,
        *,
        session: requests.Session | None = None,
        authority_host: str = "https://login.microsoftonline.com",
        graph_url: str = "https://graph.microsoft.com/v1.0",
        read_attributes: Iterable[str] = (),
    ) -> None:
        self.name = name
        self.read_attributes = tuple(dict.fromkeys(read_attributes))
        """Other user properties reported under their own names (``entra_graph.select_for``),
        e.g. ``employeeLeaveDateTime`` as the contract end ``people`` names for this tenant."""
        self._select = select_for(self.read_attributes)
        self._session = session or BoundedSession()
        self._graph = graph_url.rstrip("/")
        parts = urllib.parse.urlsplit(self._graph)
        self._tokens = GraphToken(
            client_id,
            client_secret,
            authority=f"{authority_host.rstrip('/')}/{tenant_id}",
            scope=f"{parts.scheme}://{parts.netloc}/.default",
            session=self._session,
            system=name,
        )

    # -- reads -------------------------------------------------------------------------------

    def find_user(
        self,
        *,
        email: str | None = None,
        login: str | None = None,
        employee_id: str | None = None,
    ) -> DirectoryUser | None:
        keys = (("userPrincipalName", login), ("mail", email), ("employeeId", employee_id))
        clauses = [f"{field} eq '{quoted(value)}'" for field, value in keys if value is not None]
        if not clauses:
            raise RejectedError(
                "find_user needs an email, a login or an employee id", system=self.name
            )
        params = {"$filter": " and ".join(clauses), "$select": self._select}
        headers = {}
        if employee_id is not None:  # employeeId is only filterable as an "advanced query"
            params["$count"] = "true"
            headers["ConsistencyLevel"] = "eventual"
        found = self._json("GET", "/users", params=params, headers=headers)["value"]
        if len(found) > 1:
            raise RejectedError(f"{len(found)} accounts match; refusing to guess", system=self.name)
        return user_of(found[0], self.read_attributes) if found else None

    def get_user(self, user_id: str) -> DirectoryUser:
        item = self._json("GET", f"/users/{segment(user_id)}", params={"$select": self._select})
        return user_of(item, self.read_attributes)

    def groups_of(self, user_id: str) -> list[str]:
        path = f"/users/{segment(user_id)}/memberOf/microsoft.graph.group"
        return sorted(str(g["displayName"]) for g in self._all(path, {"$select": "id,displayName"}))

    def transitive_groups_of(self, user_id: str) -> list[str]:
        path = f"/users/{segment(user_id)}/transitiveMemberOf/microsoft.graph.group"
        return sorted(str(g["displayName"]) for g in self._all(path, {"$select": "id,displayName"}))

    def groups_containing(self, group: str) -> list[str]:
        # GET /groups/{id}/transitiveMemberOf (Graph v1.0); without the OData cast (which wants
        # ConsistencyLevel: eventual there) and keeping only groups (not administrative units).
        path = f"/groups/{segment(self._group_id(group))}/transitiveMemberOf"
        found = self._all(path, {"$select": "id,displayName"})
        return sorted(
            str(g["displayName"]) for g in found if g.get("@odata.type") == "#microsoft.graph.group"
        )

    def list_licenses(self) -> list[License]:
        return [
            License(
                id=str(sku["skuId"]),
                name=str(sku["skuPartNumber"]),
                total=int((sku.get("prepaidUnits") or {}).get("enabled", 0)),
                assigned=int(sku.get("consumedUnits", 0)),
            )
            for sku in self._json("GET", "/subscribedSkus")["value"]
        ]

    def licenses_of(self, user_id: str) -> list[str]:
        found = self._json(
            "GET", f"/users/{segment(user_id)}", params={"$select": "id,assignedLicenses"}
        )
        return sorted(str(a["skuId"]) for a in found.get("assignedLicenses", []))

    def list_users(self, cursor: str | None = None, page_size: int = 200) -> UserPage:
        if cursor is not None and not cursor.startswith(self._graph + "/users"):
            raise RejectedError("not a cursor this directory handed out", system=self.name)
        params = None if cursor else {"$top": str(min(page_size, 999)), "$select": self._select}
        page = self._json("GET", cursor or "/users", params=params)
        users = tuple(user_of(u, self.read_attributes) for u in page["value"])
        return UserPage(users, cursor=page.get("@odata.nextLink"))

    # -- changes -----------------------------------------------------------------------------

    def create_user(self, user: NewUser) -> Change:
        existing = self.find_user(login=user.login)
        if existing is not None:
            return self._change("create_user", existing.id, {}, {"login": existing.login}, False)
        body: dict[str, Any] = {
            "accountEnabled": user.enabled,
            "userPrincipalName": user.login,
            "mailNickname": re.sub(r"[^A-Za-z0-9._-]", "", user.login.split("@")[0]) or "user",
            "displayName": user.display_name or f"{user.given_name} {user.family_name}",
            "givenName": user.given_name,
            "surname": user.family_name,
            # Graph requires a password at creation. This random one is never kept or shown:
            # the owner gets access through a one-time password or reset step afterwards.
            "passwordProfile": {
                "forceChangePasswordNextSignIn": True,
                "password": _random_password(),
            },
        }
        extras = {
            "email": user.email,
            "employee_id": user.employee_id,
            "title": user.title,
            "department": user.department,
        }
        body.update({FIELDS[k]: v for k, v in extras.items() if v is not None})
        created = self._json("POST", "/users", json=body)
        return self._change(
            "create_user",
            str(created["id"]),
            {"exists": "false"},
            {"exists": "true", "login": user.login},
        )

    def update_user(self, user_id: str, attributes: Mapping[str, str | None]) -> Change:
        unknown = sorted(set(attributes) - set(FIELDS))
        if unknown:
            raise RejectedError(f"cannot update {unknown} on Entra ID", system=self.name)
        current = self.get_user(user_id)
        before = {k: getattr(current, k) for k in attributes}
        wanted = dict(attributes)
        if before == wanted:
            return self._change("update_user", user_id, before, wanted, False)
        body = {FIELDS[k]: v for k, v in wanted.items() if before[k] != v}
        self._send("PATCH", f"/users/{segment(user_id)}", json=body)
        return self._change("update_user", user_id, before, wanted)

    def disable_user(self, user_id: str) -> Change:
        return self._set_enabled(user_id, False, "disable_user")

    def enable_user(self, user_id: str) -> Change:
        return self._set_enabled(user_id, True, "enable_user")

    def delete_user(self, user_id: str) -> Change:
        try:
            self._send("DELETE", f"/users/{segment(user_id)}")
        except NotFoundError:
            return self._deleted(user_id, existed=False)
        # Entra keeps deleted users restorable for 30 days.
        return self._deleted(user_id)

    def add_to_group(self, user_id: str, group: str) -> Change:
        group_id = self._group_id(group)
        ref = {"@odata.id": f"{self._graph}/directoryObjects/{user_id}"}
        try:
            self._send("POST", f"/groups/{segment(group_id)}/members/$ref", json=ref)
        except RejectedError as exc:
            if _ALREADY_MEMBER not in str(exc):
                raise
            return self._membership("add_to_group", user_id, group, True, True)
        return self._membership("add_to_group", user_id, group, False, True)

    def remove_from_group(self, user_id: str, group: str) -> Change:
        group_id = self._group_id(group)
        try:
            self._send("DELETE", f"/groups/{segment(group_id)}/members/{segment(user_id)}/$ref")
        except NotFoundError:
            return self._membership("remove_from_group", user_id, group, False, False)
        return self._membership("remove_from_group", user_id, group, True, False)

    def send_password_reset(self, user_id: str) -> Change:
        raise NotSupportedError(
            "Entra ID has no admin-sent reset link; use self-service password reset or a one-time password",
            system=self.name,
        )

    def set_one_time_password(self, user_id: str, password: str) -> Change:
        profile = {"forceChangePasswordNextSignIn": True, "password": password}
        self._send("PATCH", f"/users/{segment(user_id)}", json={"passwordProfile": profile})
        return self._change(
            "set_one_time_password",
            user_id,
            {"password_must_change": None},
            {"password_must_change": "true"},
        )

    def unlock(self, user_id: str) -> Change:
        raise NotSupportedError(
            "Entra smart lockout cannot be cleared by an admin; it expires by itself",
            system=self.name,
        )

    def reset_mfa(self, user_id: str) -> Change:
        """
        Delete every MFA method, in the order Graph accepts, and say plainly what is left.

        Graph refuses to delete a user's default method while others remain (400), and a
        ``mobile`` phone while an ``alternateMobile`` one exists. The default is not readable on
        v1.0, so a refused method waits for a second pass, after the others are gone. What still
        stands after that is a partial reset, raised with what was removed and what was not.
        """
        base = f"/users/{segment(user_id)}/authentication"
        methods = sorted(
            (m for m in self._all(f"{base}/methods") if m.get("@odata.type") in METHOD_PATHS),
            key=deletion_rank,
        )
        kinds = ",".join(sorted({METHOD_PATHS[m["@odata.type"]] for m in methods}))
        refused = self._delete_methods(base, methods)
        if refused:  # the default, refused while others stood: try it again alone
            refused = self._delete_methods(base, [m for m in methods if m["id"] in refused])
        if refused:
            raise partial_reset(self.name, methods, refused)
        return self._change(
            "reset_mfa", user_id, {"mfa_factors": kinds}, {"mfa_factors": ""}, bool(methods)
        )

    def _delete_methods(self, base: str, methods: list[dict[str, Any]]) -> dict[str, str]:
        """Delete ``methods`` in order; the ones Graph refused, by id, with its reason."""
        refused: dict[str, str] = {}
        for method in methods:
            try:
                self._send("DELETE", f"{base}/{method_path(method)}")
            except NotFoundError:
                continue  # already gone
            except RejectedError as exc:
                refused[method["id"]] = str(exc)
        return refused

    def revoke_sessions(self, user_id: str) -> Change:
        self._send("POST", f"/users/{segment(user_id)}/revokeSignInSessions")
        return self._change("revoke_sessions", user_id, {"sessions": None}, {"sessions": "revoked"})

    def assign_license(self, user_id: str, license_id: str) -> Change:
        return self._set_license(user_id, license_id, assign=True)

    def remove_license(self, user_id: str, license_id: str) -> Change:
        return self._set_license(user_id, license_id, assign=False)

    # -- helpers -----------------------------------------------------------------------------

    def _set_enabled(self, user_id: str, enabled: bool, operation: str) -> Change:
        was = self.get_user(user_id).enabled
        if was != enabled:
            self._send("PATCH", f"/users/{segment(user_id)}", json={"accountEnabled": enabled})
        before, after = (
            {"account_enabled": str(was).lower()},
            {"account_enabled": str(enabled).lower()},
        )
        return self._change(operation, user_id, before, after, was != enabled)

    def _set_license(self, user_id: str, license_id: str, *, assign: bool) -> Change:
        sku = license_id if _GUID.match(license_id) else self._sku_id(license_id)
        held = sku in self.licenses_of(user_id)
        op = "assign_license" if assign else "remove_license"
        key = f"license:{license_id}"
        if held != assign:
            body = {
                "addLicenses": [{"skuId": sku, "disabledPlans": []}] if assign else [],
                "removeLicenses": [] if assign else [sku],
            }
            self._send("POST", f"/users/{segment(user_id)}/assignLicense", json=body)
        return self._change(
            op, user_id, {key: str(held).lower()}, {key: str(assign).lower()}, held != assign
        )

    def _sku_id(self, part_number: str) -> str:
        for sku in self.list_licenses():
            if sku.name == part_number:
                return sku.id
        raise NotFoundError(f"no subscribed SKU {part_number!r}", system=self.name)

    def _group_id(self, name: str) -> str:
        params = {"$filter": f"displayName eq '{quoted(name)}'", "$select": "id,displayName"}
        found = self._json("GET", "/groups", params=params)["value"]
        if not found:
            raise NotFoundError(f"no group named {name!r}", system=self.name)
        if len(found) > 1:
            raise RejectedError(f"{len(found)} groups are named {name!r}", system=self.name)
        return str(found[0]["id"])

    def _all(self, path: str, params: Mapping[str, str] | None = None) -> list[dict[str, Any]]:
        page = self._json("GET", path, params=params)
        items: list[dict[str, Any]] = list(page["value"])
        while page.get("@odata.nextLink"):
            page = self._json("GET", page["@odata.nextLink"])
            items.extend(page["value"])
        return items

    def _json(self, method: str, path: str, **kwargs: Any) -> Any:
        return self._send(method, path, **kwargs).json()

    def _send(
        self, method: str, path: str, *, headers: Mapping[str, str] | None = None, **kwargs: Any
    ) -> requests.Response:
        url = path if path.startswith("https://") else self._graph + path
        all_headers = {
            "Authorization": f"Bearer {self._tokens.get()}",
            "Accept": "application/json",
            **(headers or {}),
        }
        try:
            response = self._session.request(method, url, headers=all_headers, **kwargs)
        except requests.RequestException as exc:
            raise request_error(exc, system=self.name) from None
        try:
            return check_response(response, system=self.name)
        except AuthError as exc:
            raise AuthError(
                f"{exc.args[0]}; {AUTH_HINT}", system=self.name, status=exc.status
            ) from exc


def _random_password() -> str:
    # Meets Entra's complexity rule (3 of 4 classes) whatever token_urlsafe draws.
    return secrets.token_urlsafe(24) + "aA1!"
