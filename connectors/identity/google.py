"""
Google Workspace as a directory: the Admin SDK Directory API and the Licensing API over an
``AuthorizedSession`` (a service account with domain-wide delegation, acting as an admin).

google-api-python-client brings httplib2 and 146 MB of discovery JSON; these are a dozen REST
calls, so they go through ``requests`` (and ``responses`` can fake them). Groups are named by
their e-mail address; the Directory API reports direct groups only (``members.hasMember`` is its
one nested-aware call), so transitive membership is walked group by group. Licences are ``productId/skuId`` pairs configured up front (the Licensing
API cannot list what a customer owns), e.g. ``Google-Apps/1010020027``. Workspace has no
admin-sent reset link and no lockout to clear: those raise ``NotSupportedError``.

Google answers an exhausted quota with a 403 (``userRateLimitExceeded``, ``rateLimitExceeded``,
``quotaExceeded``) as well as a 429. Those are not authorisation failures: they are retried here
with exponential backoff (Google's advice for these reasons), and when the backoff is spent they
are raised as ``RateLimitedError`` so the worker comes back later. Every other 403 stays an
``AuthError`` that names the delegation to check.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import requests
from google.auth.transport.requests import AuthorizedSession
from google.oauth2 import service_account

from connectors.errors import (
    NotFoundError,
    NotSupportedError,
    RejectedError,
)
from connectors.http import DEFAULT_TIMEOUT_S
from connectors.identity import (
    Capability,
    Change,
    DirectoryUser,
    License,
    NewUser,
    UserPage,
)
from connectors.identity.changes import ChangeRecorder
from connectors.identity.google_http import GoogleTransport
from connectors.identity.google_users import (
    EDITABLE,
    custom_field_mask,
    matches,
    segment,
    sku_path,
    update_body,
    user_of,
)
from connectors.identity.nesting import walk_up

DIRECTORY_URL = "https://admin.googleapis.com/admin/directory/v1"
LICENSING_URL = "https://licensing.googleapis.com/apps/licensing/v1"
SCOPES = (
    "https://www.googleapis.com/auth/admin.directory.user",
    # groups.list (the groups a user is in) needs a group scope, not only the member scope.
    "https://www.googleapis.com/auth/admin.directory.group.readonly",
    "https://www.googleapis.com/auth/admin.directory.group.member",
    "https://www.googleapis.com/auth/admin.directory.user.security",
    "https://www.googleapis.com/auth/apps.licensing",
)


def service_account_session(
    info: Mapping[str, Any], admin_email: str, *, scopes: Sequence[str] = SCOPES
) -> AuthorizedSession:
    """An ``AuthorizedSession`` for a service-account key, impersonating ``admin_email``."""
    # google-auth ships without annotations on these two.
    credentials = service_account.Credentials.from_service_account_info(  # type: ignore[no-untyped-call]
        dict(info), scopes=list(scopes), subject=admin_email
    )
    return AuthorizedSession(credentials)  # type: ignore[no-untyped-call]


class GoogleDirectory(ChangeRecorder):
    """A Google Workspace customer reached through a delegated, authorised session."""

    def __init__(
        self,
        name: str,
        session: requests.Session,
        *,
        customer: str = "my_customer",
        licenses: Iterable[str] = (),
        timeout: tuple[float, float] = DEFAULT_TIMEOUT_S,
        sleep: Callable[[float], None] = time.sleep,
        read_attributes: Iterable[str] = (),
    ) -> None:
        self.name = name
        self.read_attributes = tuple(dict.fromkeys(read_attributes))
        """Custom user fields reported under their names, ``customSchemas.<schema>.<field>``,
        e.g. the contract end ``playbooks.people`` names for this customer; other names are
        not Directory API fields and are not read."""
        mask = custom_field_mask(self.read_attributes)
        self._projection = {"projection": "custom", "customFieldMask": mask} if mask else {}
        self._http = GoogleTransport(name, session, timeout=timeout, sleep=sleep)
        self._customer = customer
        self._skus = tuple(licenses)
        for sku in self._skus:
            if sku.count("/") != 1:
                raise ValueError(f"licence {sku!r} must be 'productId/skuId'")
        missing = {Capability.RESET_PASSWORD_FLOW, Capability.UNLOCK}
        if not self._skus:
            missing.add(Capability.LICENSES)
        self.capabilities = frozenset(Capability) - missing

    # -- reads -------------------------------------------------------------------------------

    def find_user(
        self,
        *,
        email: str | None = None,
        login: str | None = None,
        employee_id: str | None = None,
    ) -> DirectoryUser | None:
        key = login or email
        if key is not None:
            try:
                raw = self._json(
                    "GET", f"{DIRECTORY_URL}/users/{segment(key)}", params=self._projection
                )
            except NotFoundError:
                return None
            found = [raw]
        elif employee_id is not None:
            query = {
                "customer": self._customer,
                "query": f"externalId:'{employee_id}'",
                **self._projection,
            }
            found = self._json("GET", f"{DIRECTORY_URL}/users", params=query).get("users", [])
        else:
            raise RejectedError(
                "find_user needs an email, a login or an employee id", system=self.name
            )
        hits = [u for u in found if matches(u, email=email, login=login, employee_id=employee_id)]
        if len(hits) > 1:
            raise RejectedError(f"{len(hits)} accounts match; refusing to guess", system=self.name)
        return user_of(hits[0], self.read_attributes) if hits else None

    def get_user(self, user_id: str) -> DirectoryUser:
        url = f"{DIRECTORY_URL}/users/{segment(user_id)}"
        return user_of(self._json("GET", url, params=self._projection), self.read_attributes)

    def groups_of(self, user_id: str) -> list[str]:
        params = {"userKey": user_id, "maxResults": "200"}
        return sorted(
            str(g["email"]) for g in self._pages(f"{DIRECTORY_URL}/groups", params, "groups")
        )

    def transitive_groups_of(self, user_id: str) -> list[str]:
        direct = self.groups_of(user_id)
        return sorted(set(direct) | walk_up(direct, self._holders))

    def groups_containing(self, group: str) -> list[str]:
        self._json("GET", f"{DIRECTORY_URL}/groups/{segment(group)}")  # unknown: NotFoundError
        return sorted(walk_up([group], self._holders))

    def _holders(self, key: str) -> list[str]:
        # groups.list?userKey= lists direct groups only; given a group's e-mail it lists the
        # groups holding that group, so the walk climbs one level per call, each group once.
        params = {"userKey": key, "maxResults": "200"}
        return [str(g["email"]) for g in self._pages(f"{DIRECTORY_URL}/groups", params, "groups")]

    def list_licenses(self) -> list[License]:
        self._need_licences()
        return [License(id=sku, name=sku) for sku in self._skus]

    def licenses_of(self, user_id: str) -> list[str]:
        self._need_licences()
        email = self.get_user(user_id).login
        return sorted(sku for sku in self._skus if self._holds(sku, email))

    def list_users(self, cursor: str | None = None, page_size: int = 200) -> UserPage:
        params = {
            "customer": self._customer,
            "maxResults": str(min(page_size, 500)),
            "orderBy": "email",
            **self._projection,
        }
        if cursor is not None:
            params["pageToken"] = cursor
        page = self._json("GET", f"{DIRECTORY_URL}/users", params=params)
        return UserPage(
            tuple(user_of(u, self.read_attributes) for u in page.get("users", [])),
            cursor=page.get("nextPageToken"),
        )

    # -- changes -----------------------------------------------------------------------------

    def create_user(self, user: NewUser) -> Change:
        existing = self.find_user(login=user.login)
        if existing is not None:
            return self._change("create_user", existing.id, {}, {"login": existing.login}, False)
        body: dict[str, Any] = {
            "primaryEmail": user.login,
            "name": {"givenName": user.given_name, "familyName": user.family_name},
            # Google requires a password at creation; this random one is never kept or shown.
            "password": secrets.token_urlsafe(24),
            "changePasswordAtNextLogin": True,
            "suspended": not user.enabled,
        }
        if user.employee_id is not None:
            body["externalIds"] = [{"value": user.employee_id, "type": "organization"}]
        if user.title is not None or user.department is not None:
            body["organizations"] = [
                {"title": user.title, "department": user.department, "primary": True}
            ]
        created = self._json("POST", f"{DIRECTORY_URL}/users", json=body)
        return self._change(
            "create_user",
            str(created["id"]),
            {"exists": "false"},
            {"exists": "true", "login": user.login},
        )

    def update_user(self, user_id: str, attributes: Mapping[str, str | None]) -> Change:
        unknown = sorted(set(attributes) - EDITABLE)
        if unknown:
            raise RejectedError(f"cannot update {unknown} on Google Workspace", system=self.name)
        raw = self._json("GET", f"{DIRECTORY_URL}/users/{segment(user_id)}")
        current = user_of(raw)
        before = {k: getattr(current, k) for k in attributes}
        wanted = dict(attributes)
        if before == wanted:
            return self._change("update_user", user_id, before, wanted, False)
        self._put_user(user_id, update_body(raw, wanted))
        return self._change("update_user", user_id, before, wanted)

    def disable_user(self, user_id: str) -> Change:
        return self._set_suspended(user_id, True, "disable_user")

    def enable_user(self, user_id: str) -> Change:
        return self._set_suspended(user_id, False, "enable_user")

    def delete_user(self, user_id: str) -> Change:
        try:
            self._http.send("DELETE", f"{DIRECTORY_URL}/users/{segment(user_id)}")
        except NotFoundError:
            return self._deleted(user_id, existed=False)
        return self._deleted(user_id)

    def add_to_group(self, user_id: str, group: str) -> Change:
        if self._is_member(user_id, group):
            return self._membership("add_to_group", user_id, group, True, True)
        email = self.get_user(user_id).login
        body = {"email": email, "role": "MEMBER"}
        try:
            self._http.send("POST", f"{DIRECTORY_URL}/groups/{segment(group)}/members", json=body)
        except RejectedError as exc:
            if exc.status != 409:  # 409 "Member already exists": added in between, goal holds
                raise
            return self._membership("add_to_group", user_id, group, True, True)
        return self._membership("add_to_group", user_id, group, False, True)

    def remove_from_group(self, user_id: str, group: str) -> Change:
        if not self._is_member(user_id, group):
            return self._membership("remove_from_group", user_id, group, False, False)
        try:
            self._http.send(
                "DELETE", f"{DIRECTORY_URL}/groups/{segment(group)}/members/{segment(user_id)}"
            )
        except NotFoundError:
            return self._membership("remove_from_group", user_id, group, False, False)
        return self._membership("remove_from_group", user_id, group, True, False)

    def send_password_reset(self, user_id: str) -> Change:
        raise NotSupportedError(
            "Google Workspace has no admin-sent reset link; use a one-time password",
            system=self.name,
        )

    def set_one_time_password(self, user_id: str, password: str) -> Change:
        before = str(self.get_user(user_id).password_must_change).lower()
        self._put_user(user_id, {"password": password, "changePasswordAtNextLogin": True})
        return self._change(
            "set_one_time_password",
            user_id,
            {"password_must_change": before},
            {"password_must_change": "true"},
        )

    def unlock(self, user_id: str) -> Change:
        raise NotSupportedError(
            "Google Workspace has no account lockout an admin can clear", system=self.name
        )

    def reset_mfa(self, user_id: str) -> Change:
        enrolled = bool(
            self._json("GET", f"{DIRECTORY_URL}/users/{segment(user_id)}").get("isEnrolledIn2Sv")
        )
        if enrolled:
            self._http.send(
                "POST", f"{DIRECTORY_URL}/users/{segment(user_id)}/twoStepVerification/turnOff"
            )
        return self._change(
            "reset_mfa",
            user_id,
            {"mfa_factors": "2sv" if enrolled else ""},
            {"mfa_factors": ""},
            enrolled,
        )

    def revoke_sessions(self, user_id: str) -> Change:
        self._http.send("POST", f"{DIRECTORY_URL}/users/{segment(user_id)}/signOut")
        return self._change("revoke_sessions", user_id, {"sessions": None}, {"sessions": "revoked"})

    def assign_license(self, user_id: str, license_id: str) -> Change:
        email = self._licence_holder(user_id, license_id)
        held = self._holds(license_id, email)
        if not held:
            try:
                self._http.send(
                    "POST",
                    f"{LICENSING_URL}/product/{sku_path(license_id)}/user",
                    json={"userId": email},
                )
            except RejectedError as exc:
                if exc.status != 409:  # already assigned in between
                    raise
        return self._license("assign_license", user_id, license_id, held, True)

    def remove_license(self, user_id: str, license_id: str) -> Change:
        email = self._licence_holder(user_id, license_id)
        held = self._holds(license_id, email)
        if held:
            try:
                self._http.send(
                    "DELETE",
                    f"{LICENSING_URL}/product/{sku_path(license_id)}/user/{segment(email)}",
                )
            except NotFoundError:
                held = False
        return self._license("remove_license", user_id, license_id, held, False)

    # -- helpers -----------------------------------------------------------------------------

    def _set_suspended(self, user_id: str, suspended: bool, operation: str) -> Change:
        was = bool(self._json("GET", f"{DIRECTORY_URL}/users/{segment(user_id)}").get("suspended"))
        if was != suspended:
            self._put_user(user_id, {"suspended": suspended})
        before, after = {"suspended": str(was).lower()}, {"suspended": str(suspended).lower()}
        return self._change(operation, user_id, before, after, was != suspended)

    def _put_user(self, user_id: str, body: Mapping[str, Any]) -> None:
        # users.update has patch semantics: only the fields sent change.
        self._http.send("PUT", f"{DIRECTORY_URL}/users/{segment(user_id)}", json=dict(body))

    def _is_member(self, user_id: str, group: str) -> bool:
        try:
            self._http.send(
                "GET", f"{DIRECTORY_URL}/groups/{segment(group)}/members/{segment(user_id)}"
            )
        except NotFoundError:
            return False
        return True

    def _licence_holder(self, user_id: str, license_id: str) -> str:
        self._need_licences()
        if license_id not in self._skus:
            raise NotFoundError(
                f"licence {license_id!r} is not configured (options.licenses)", system=self.name
            )
        return self.get_user(user_id).login

    def _holds(self, sku: str, email: str) -> bool:
        try:
            self._http.send("GET", f"{LICENSING_URL}/product/{sku_path(sku)}/user/{segment(email)}")
        except NotFoundError:
            return False
        return True

    def _need_licences(self) -> None:
        if not self._skus:
            raise NotSupportedError("no licences configured (options.licenses)", system=self.name)

    def _pages(self, url: str, params: Mapping[str, str], key: str) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        query = dict(params)
        while True:
            page = self._json("GET", url, params=query)
            items.extend(page.get(key, []))
            if not page.get("nextPageToken"):
                return items
            query["pageToken"] = page["nextPageToken"]

    def _json(self, method: str, url: str, **kwargs: Any) -> Any:
        return self._http.send(method, url, **kwargs).json()
