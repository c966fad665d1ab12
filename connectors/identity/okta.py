"""
Okta as a directory, over the Management API with plain ``requests`` and an SSWS API token.

The official SDK is async-only and heavy, so this speaks the small REST surface it needs:
``/api/v1/users`` (+ ``lifecycle/*``, ``sessions``, ``factors``, ``groups``) and
``/api/v1/groups/{g}/users/{u}``. Paging follows ``Link: <…>; rel="next"``. Okta's rate-limit
budget is read from ``X-Rate-Limit-Remaining``/``X-Rate-Limit-Reset``: once a reply says the
budget is spent, the next call raises ``RateLimitedError`` until the reset time instead of
burning a 429. Groups are named by ``profile.name`` and cannot be nested, so a user's direct
groups are all their groups. Okta has no licences.
"""

from __future__ import annotations

import time
import urllib.parse
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

import requests

from connectors.errors import (
    AuthError,
    NotFoundError,
    NotSupportedError,
    RateLimitedError,
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
from connectors.identity.okta_payloads import (
    PROFILE_KEYS,
    float_or_none,
    new_user_extras,
    quoted,
    segment,
    user_of,
)

DisableMode = Literal["suspend", "deactivate"]

_AUTH_HINT = (
    "check the SSWS API token (credentials.token: expired, revoked, or for another org?) and that "
    "the admin who created it holds the roles listed in docs/directories-saas.md"
)


@dataclass(frozen=True)
class _Group:
    id: str
    name: str


class OktaDirectory(ChangeRecorder):
    """An Okta org (``https://acme.okta.com``) reached with an SSWS API token."""

    capabilities = frozenset(Capability) - {Capability.LICENSES}

    def __init__(
        self,
        name: str,
        org_url: str,
        token: str,
        *,
        session: requests.Session | None = None,
        disable_mode: DisableMode = "suspend",
        clock: Callable[[], float] = time.time,
        read_attributes: Iterable[str] = (),
    ) -> None:
        self.name = name
        self.read_attributes = tuple(dict.fromkeys(read_attributes))
        """Profile properties reported under their own names, e.g. a custom ``contractEndDate``
        as the contract end ``people`` names for this org."""
        self._base = org_url.rstrip("/")
        self._session = session or BoundedSession()
        self._headers = {"Authorization": f"SSWS {token}", "Accept": "application/json"}
        self._disable_mode = disable_mode
        self._clock = clock
        self._budget_reset_at = 0.0

    # -- reads -------------------------------------------------------------------------------

    def find_user(
        self,
        *,
        email: str | None = None,
        login: str | None = None,
        employee_id: str | None = None,
    ) -> DirectoryUser | None:
        clauses = [
            f'profile.{key} eq "{quoted(value)}"'
            for key, value in (("login", login), ("email", email), ("employeeNumber", employee_id))
            if value is not None
        ]
        if not clauses:
            raise RejectedError(
                "find_user needs an email, a login or an employee id", system=self.name
            )
        # `filter` is strongly consistent but only knows login/email; `search` knows every field.
        param = "search" if employee_id is not None else "filter"
        found = self._json("GET", "/api/v1/users", params={param: " and ".join(clauses)})
        users = [user_of(item, self.read_attributes) for item in found]
        if len(users) > 1:
            raise RejectedError(f"{len(users)} accounts match; refusing to guess", system=self.name)
        return users[0] if users else None

    def get_user(self, user_id: str) -> DirectoryUser:
        return user_of(self._json("GET", f"/api/v1/users/{segment(user_id)}"), self.read_attributes)

    def groups_of(self, user_id: str) -> list[str]:
        return sorted(group.name for group in self._groups_of(user_id))

    def transitive_groups_of(self, user_id: str) -> list[str]:
        # Okta groups cannot contain groups (group rules add people directly), so direct
        # membership is already every membership.
        return self.groups_of(user_id)

    def groups_containing(self, group: str) -> list[str]:
        self._group(group)  # an unknown group is NotFoundError, as elsewhere
        return []

    def list_licenses(self) -> list[License]:
        raise self._no_licences()

    def licenses_of(self, user_id: str) -> list[str]:
        raise self._no_licences()

    def list_users(self, cursor: str | None = None, page_size: int = 200) -> UserPage:
        params: dict[str, str | int] = {"limit": page_size}
        if cursor is not None:
            params["after"] = cursor
        response = self._send("GET", "/api/v1/users", params=params)
        items = response.json()
        next_url = response.links.get("next", {}).get("url")
        after = (
            urllib.parse.parse_qs(urllib.parse.urlsplit(next_url).query).get("after")
            if next_url
            else None
        )
        users = tuple(user_of(item, self.read_attributes) for item in items)
        return UserPage(users, cursor=after[0] if after else None)

    # -- changes -----------------------------------------------------------------------------

    def create_user(self, user: NewUser) -> Change:
        existing = self.find_user(login=user.login)
        if existing is not None:
            return self._change("create_user", existing.id, {}, {"login": existing.login}, False)
        profile = {
            "login": user.login,
            "email": user.email or user.login,
            "firstName": user.given_name,
            "lastName": user.family_name,
            "displayName": user.display_name or f"{user.given_name} {user.family_name}",
            **{PROFILE_KEYS[k]: v for k, v in new_user_extras(user).items()},
            **user.attributes,
        }
        created = self._json(
            "POST",
            "/api/v1/users",
            params={"activate": str(user.enabled).lower()},
            json={"profile": profile},
        )
        after = {"exists": "true", "login": user.login, "status": str(created.get("status"))}
        return self._change("create_user", str(created["id"]), {"exists": "false"}, after)

    def update_user(self, user_id: str, attributes: Mapping[str, str | None]) -> Change:
        unknown = sorted(set(attributes) - set(PROFILE_KEYS))
        if unknown:
            raise RejectedError(f"cannot update {unknown} on Okta", system=self.name)
        current = self.get_user(user_id)
        before = {k: getattr(current, k) for k in attributes}
        wanted = dict(attributes)
        if before == wanted:
            return self._change("update_user", user_id, before, wanted, False)
        profile = {PROFILE_KEYS[k]: v for k, v in wanted.items() if before[k] != v}
        # POST is Okta's partial update: only the named profile properties change.
        self._send("POST", f"/api/v1/users/{segment(user_id)}", json={"profile": profile})
        return self._change("update_user", user_id, before, wanted)

    def disable_user(self, user_id: str) -> Change:
        status = self._status(user_id)
        if status in ("SUSPENDED", "DEPROVISIONED"):
            return self._status_change("disable_user", user_id, status, status)
        # Okta can only suspend ACTIVE accounts; anything else is stopped by deactivating it.
        if self._disable_mode == "suspend" and status == "ACTIVE":
            self._lifecycle(user_id, "suspend")
            return self._status_change("disable_user", user_id, status, "SUSPENDED")
        self._lifecycle(user_id, "deactivate", sendEmail="false")
        return self._status_change("disable_user", user_id, status, "DEPROVISIONED")

    def enable_user(self, user_id: str) -> Change:
        status = self._status(user_id)
        if status == "SUSPENDED":
            self._lifecycle(user_id, "unsuspend")
            return self._status_change("enable_user", user_id, status, "ACTIVE")
        if status in ("DEPROVISIONED", "STAGED"):
            # Okta e-mails the activation link to the owner: no token passes through us.
            self._lifecycle(user_id, "activate", sendEmail="true")
            return self._status_change("enable_user", user_id, status, "PROVISIONED")
        return self._status_change("enable_user", user_id, status, status)

    def delete_user(self, user_id: str) -> Change:
        try:
            status = self._status(user_id)
        except NotFoundError:
            return self._deleted(user_id, existed=False)
        path = f"/api/v1/users/{segment(user_id)}"
        if status != "DEPROVISIONED":
            self._send("DELETE", path, params={"sendEmail": "false"})  # first DELETE deactivates
        self._send("DELETE", path, params={"sendEmail": "false"})
        return self._deleted(user_id, status=status)

    def add_to_group(self, user_id: str, group: str) -> Change:
        target = self._group(group)
        present = any(g.id == target.id for g in self._groups_of(user_id))
        if not present:
            self._send("PUT", f"/api/v1/groups/{segment(target.id)}/users/{segment(user_id)}")
        return self._membership("add_to_group", user_id, group, present, True)

    def remove_from_group(self, user_id: str, group: str) -> Change:
        target = self._group(group)
        present = any(g.id == target.id for g in self._groups_of(user_id))
        if present:
            try:
                self._send(
                    "DELETE", f"/api/v1/groups/{segment(target.id)}/users/{segment(user_id)}"
                )
            except NotFoundError:
                present = False  # removed by someone else in between: the goal holds
        return self._membership("remove_from_group", user_id, group, present, False)

    def send_password_reset(self, user_id: str) -> Change:
        status = self._status(user_id)
        # sendEmail=true: Okta mails the reset link to the owner; nothing secret comes back.
        self._lifecycle(user_id, "reset_password", sendEmail="true")
        before = {"status": status, "reset_link_sent": None}
        return self._change(
            "send_password_reset",
            user_id,
            before,
            {"status": "RECOVERY", "reset_link_sent": "true"},
        )

    def set_one_time_password(self, user_id: str, password: str) -> Change:
        status = self._status(user_id)
        body = {"credentials": {"password": {"value": password}}}
        self._send("POST", f"/api/v1/users/{segment(user_id)}", json=body)
        self._lifecycle(user_id, "expire_password")
        return self._change(
            "set_one_time_password",
            user_id,
            {"password_must_change": str(status == "PASSWORD_EXPIRED").lower()},
            {"password_must_change": "true"},
        )

    def unlock(self, user_id: str) -> Change:
        status = self._status(user_id)
        if status != "LOCKED_OUT":
            return self._change("unlock", user_id, {"locked": "false"}, {"locked": "false"}, False)
        self._lifecycle(user_id, "unlock")
        return self._change("unlock", user_id, {"locked": "true"}, {"locked": "false"})

    def reset_mfa(self, user_id: str) -> Change:
        factors = sorted(
            str(f.get("factorType"))
            for f in self._json("GET", f"/api/v1/users/{segment(user_id)}/factors")
        )
        before = {"mfa_factors": ",".join(factors)}
        if not factors:
            return self._change("reset_mfa", user_id, before, {"mfa_factors": ""}, False)
        self._lifecycle(user_id, "reset_factors")
        return self._change("reset_mfa", user_id, before, {"mfa_factors": ""})

    def revoke_sessions(self, user_id: str) -> Change:
        self._send(
            "DELETE", f"/api/v1/users/{segment(user_id)}/sessions", params={"oauthTokens": "true"}
        )
        return self._change("revoke_sessions", user_id, {"sessions": None}, {"sessions": "revoked"})

    def assign_license(self, user_id: str, license_id: str) -> Change:
        raise self._no_licences()

    def remove_license(self, user_id: str, license_id: str) -> Change:
        raise self._no_licences()

    # -- helpers -----------------------------------------------------------------------------

    def _status(self, user_id: str) -> str:
        return str(self._json("GET", f"/api/v1/users/{segment(user_id)}").get("status"))

    def _groups_of(self, user_id: str) -> list[_Group]:
        items = self._all_pages(f"/api/v1/users/{segment(user_id)}/groups")
        return [_Group(str(g["id"]), str(g.get("profile", {}).get("name"))) for g in items]

    def _group(self, name: str) -> _Group:
        found = self._json(
            "GET", "/api/v1/groups", params={"search": f'profile.name eq "{quoted(name)}"'}
        )
        groups = [_Group(str(g["id"]), str(g["profile"]["name"])) for g in found]
        if not groups:
            raise NotFoundError(f"no group named {name!r}", system=self.name)
        if len(groups) > 1:
            raise RejectedError(f"{len(groups)} groups are named {name!r}", system=self.name)
        return groups[0]

    def _lifecycle(self, user_id: str, action: str, **params: str) -> None:
        self._send(
            "POST", f"/api/v1/users/{segment(user_id)}/lifecycle/{action}", params=params or None
        )

    def _all_pages(self, path: str) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        url: str | None = self._base + path
        while url is not None:
            response = self._send("GET", url)
            items.extend(response.json())
            url = response.links.get("next", {}).get("url")
        return items

    def _json(self, method: str, path: str, **kwargs: Any) -> Any:
        return self._send(method, path, **kwargs).json()

    def _send(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        now = self._clock()
        if now < self._budget_reset_at:
            raise RateLimitedError(
                "Okta rate-limit budget spent (X-Rate-Limit-Remaining: 0)",
                retry_after_s=self._budget_reset_at - now,
                system=self.name,
            )
        url = (
            path if path.startswith("https://") or path.startswith("http://") else self._base + path
        )
        try:
            response = self._session.request(method, url, headers=self._headers, **kwargs)
        except requests.RequestException as exc:
            raise request_error(exc, system=self.name) from None
        reset_at = float_or_none(response.headers.get("X-Rate-Limit-Reset"))
        if response.headers.get("X-Rate-Limit-Remaining") == "0" and reset_at is not None:
            self._budget_reset_at = reset_at
        limits = None
        if response.status_code == 429 and reset_at is not None:
            limits = {"Retry-After": str(max(0.0, reset_at - now))}
        try:
            return check_response(response, system=self.name, rate_limit_headers=limits)
        except AuthError as exc:
            raise AuthError(
                f"{exc.args[0]}; {_AUTH_HINT}", system=self.name, status=exc.status
            ) from exc

    def _no_licences(self) -> NotSupportedError:
        return NotSupportedError("Okta has no licences to assign", system=self.name)

    def _status_change(self, op: str, user_id: str, was: str, now: str) -> Change:
        return self._change(op, user_id, {"status": was}, {"status": now}, was != now)
