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
import urllib.parse
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import google.auth.exceptions
import requests
from google.auth.transport.requests import AuthorizedSession
from google.oauth2 import service_account
from tenacity import Retrying, retry_if_exception_type, stop_after_attempt
from tenacity.wait import wait_exponential_jitter

from connectors.errors import (
    AuthError,
    NotFoundError,
    NotSupportedError,
    RateLimitedError,
    RejectedError,
    UnavailableError,
)
from connectors.http import DEFAULT_TIMEOUT_S, check_response, request_error
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
_NAME_KEYS = {"given_name": "givenName", "family_name": "familyName"}
_ORG_KEYS = {"title": "title", "department": "department"}
_EDITABLE = frozenset({*_NAME_KEYS, *_ORG_KEYS, "employee_id"})
QUOTA_REASONS = frozenset({"userRateLimitExceeded", "rateLimitExceeded", "quotaExceeded"})
"""403 reasons that mean "slow down", not "not allowed"."""
QUOTA_ATTEMPTS = 4
QUOTA_BACKOFF_MAX_S = 16.0
_AUTH_HINT = (
    "check the service-account key (credentials.service_account_json), that its client id has "
    "domain-wide delegation for the scopes in docs/directories-saas.md, and that "
    "options.admin_email is an admin allowed to manage these users"
)


def service_account_session(info: Mapping[str, Any], admin_email: str) -> AuthorizedSession:
    """An ``AuthorizedSession`` for a service-account key, impersonating ``admin_email``."""
    # google-auth ships without annotations on these two.
    credentials = service_account.Credentials.from_service_account_info(  # type: ignore[no-untyped-call]
        dict(info), scopes=list(SCOPES), subject=admin_email
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
    ) -> None:
        self.name = name
        self._session = session
        self._sleep = sleep
        self._customer = customer
        self._skus = tuple(licenses)
        for sku in self._skus:
            if sku.count("/") != 1:
                raise ValueError(f"licence {sku!r} must be 'productId/skuId'")
        self._timeout = timeout
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
                raw = self._json("GET", f"{DIRECTORY_URL}/users/{_seg(key)}")
            except NotFoundError:
                return None
            found = [raw]
        elif employee_id is not None:
            query = {"customer": self._customer, "query": f"externalId:'{employee_id}'"}
            found = self._json("GET", f"{DIRECTORY_URL}/users", params=query).get("users", [])
        else:
            raise RejectedError(
                "find_user needs an email, a login or an employee id", system=self.name
            )
        hits = [u for u in found if _matches(u, email=email, login=login, employee_id=employee_id)]
        if len(hits) > 1:
            raise RejectedError(f"{len(hits)} accounts match; refusing to guess", system=self.name)
        return _user(hits[0]) if hits else None

    def get_user(self, user_id: str) -> DirectoryUser:
        return _user(self._json("GET", f"{DIRECTORY_URL}/users/{_seg(user_id)}"))

    def groups_of(self, user_id: str) -> list[str]:
        params = {"userKey": user_id, "maxResults": "200"}
        return sorted(
            str(g["email"]) for g in self._pages(f"{DIRECTORY_URL}/groups", params, "groups")
        )

    def transitive_groups_of(self, user_id: str) -> list[str]:
        direct = self.groups_of(user_id)
        return sorted(set(direct) | walk_up(direct, self._holders))

    def groups_containing(self, group: str) -> list[str]:
        self._json("GET", f"{DIRECTORY_URL}/groups/{_seg(group)}")  # unknown: NotFoundError
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
        }
        if cursor is not None:
            params["pageToken"] = cursor
        page = self._json("GET", f"{DIRECTORY_URL}/users", params=params)
        return UserPage(
            tuple(_user(u) for u in page.get("users", [])), cursor=page.get("nextPageToken")
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
        unknown = sorted(set(attributes) - _EDITABLE)
        if unknown:
            raise RejectedError(f"cannot update {unknown} on Google Workspace", system=self.name)
        raw = self._json("GET", f"{DIRECTORY_URL}/users/{_seg(user_id)}")
        current = _user(raw)
        before = {k: getattr(current, k) for k in attributes}
        wanted = dict(attributes)
        if before == wanted:
            return self._change("update_user", user_id, before, wanted, False)
        self._put_user(user_id, _update_body(raw, wanted))
        return self._change("update_user", user_id, before, wanted)

    def disable_user(self, user_id: str) -> Change:
        return self._set_suspended(user_id, True, "disable_user")

    def enable_user(self, user_id: str) -> Change:
        return self._set_suspended(user_id, False, "enable_user")

    def delete_user(self, user_id: str) -> Change:
        try:
            self._send("DELETE", f"{DIRECTORY_URL}/users/{_seg(user_id)}")
        except NotFoundError:
            return self._deleted(user_id, existed=False)
        return self._deleted(user_id)

    def add_to_group(self, user_id: str, group: str) -> Change:
        if self._is_member(user_id, group):
            return self._membership("add_to_group", user_id, group, True, True)
        email = self.get_user(user_id).login
        body = {"email": email, "role": "MEMBER"}
        try:
            self._send("POST", f"{DIRECTORY_URL}/groups/{_seg(group)}/members", json=body)
        except RejectedError as exc:
            if exc.status != 409:  # 409 "Member already exists": added in between, goal holds
                raise
            return self._membership("add_to_group", user_id, group, True, True)
        return self._membership("add_to_group", user_id, group, False, True)

    def remove_from_group(self, user_id: str, group: str) -> Change:
        if not self._is_member(user_id, group):
            return self._membership("remove_from_group", user_id, group, False, False)
        try:
            self._send("DELETE", f"{DIRECTORY_URL}/groups/{_seg(group)}/members/{_seg(user_id)}")
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
            self._json("GET", f"{DIRECTORY_URL}/users/{_seg(user_id)}").get("isEnrolledIn2Sv")
        )
        if enrolled:
            self._send("POST", f"{DIRECTORY_URL}/users/{_seg(user_id)}/twoStepVerification/turnOff")
        return self._change(
            "reset_mfa",
            user_id,
            {"mfa_factors": "2sv" if enrolled else ""},
            {"mfa_factors": ""},
            enrolled,
        )

    def revoke_sessions(self, user_id: str) -> Change:
        self._send("POST", f"{DIRECTORY_URL}/users/{_seg(user_id)}/signOut")
        return self._change("revoke_sessions", user_id, {"sessions": None}, {"sessions": "revoked"})

    def assign_license(self, user_id: str, license_id: str) -> Change:
        email = self._licence_holder(user_id, license_id)
        held = self._holds(license_id, email)
        if not held:
            try:
                self._send(
                    "POST",
                    f"{LICENSING_URL}/product/{_sku_path(license_id)}/user",
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
                self._send(
                    "DELETE", f"{LICENSING_URL}/product/{_sku_path(license_id)}/user/{_seg(email)}"
                )
            except NotFoundError:
                held = False
        return self._license("remove_license", user_id, license_id, held, False)

    # -- helpers -----------------------------------------------------------------------------

    def _set_suspended(self, user_id: str, suspended: bool, operation: str) -> Change:
        was = bool(self._json("GET", f"{DIRECTORY_URL}/users/{_seg(user_id)}").get("suspended"))
        if was != suspended:
            self._put_user(user_id, {"suspended": suspended})
        before, after = {"suspended": str(was).lower()}, {"suspended": str(suspended).lower()}
        return self._change(operation, user_id, before, after, was != suspended)

    def _put_user(self, user_id: str, body: Mapping[str, Any]) -> None:
        # users.update has patch semantics: only the fields sent change.
        self._send("PUT", f"{DIRECTORY_URL}/users/{_seg(user_id)}", json=dict(body))

    def _is_member(self, user_id: str, group: str) -> bool:
        try:
            self._send("GET", f"{DIRECTORY_URL}/groups/{_seg(group)}/members/{_seg(user_id)}")
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
            self._send("GET", f"{LICENSING_URL}/product/{_sku_path(sku)}/user/{_seg(email)}")
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
        return self._send(method, url, **kwargs).json()

    def _send(self, method: str, url: str, **kwargs: Any) -> requests.Response:
        # A quota 403 means Google did not act on the request, so resending a write is safe.
        retrying = Retrying(
            retry=retry_if_exception_type(_QuotaExceededError),
            wait=wait_exponential_jitter(initial=1.0, max=QUOTA_BACKOFF_MAX_S),
            stop=stop_after_attempt(QUOTA_ATTEMPTS),
            sleep=self._sleep,
            reraise=True,
        )
        try:
            return retrying(self._send_once, method, url, **kwargs)
        except _QuotaExceededError as exc:
            raise RateLimitedError(
                f"quota still exceeded after {QUOTA_ATTEMPTS} attempts: {exc.args[0]}",
                retry_after_s=QUOTA_BACKOFF_MAX_S * 4,
                system=self.name,
                status=exc.status,
            ) from None

    def _send_once(self, method: str, url: str, **kwargs: Any) -> requests.Response:
        try:
            response = self._session.request(method, url, timeout=self._timeout, **kwargs)
        except google.auth.exceptions.RefreshError as exc:
            if getattr(exc, "retryable", False):
                raise UnavailableError("token endpoint unavailable", system=self.name) from None
            raise AuthError(
                f"token refused: {exc.args[0] if exc.args else exc}; {_AUTH_HINT}", system=self.name
            ) from None
        except requests.RequestException as exc:
            raise request_error(exc, system=self.name) from None
        except google.auth.exceptions.TransportError as exc:
            raise UnavailableError(
                f"token endpoint unreachable: {type(exc).__name__}", system=self.name
            ) from None
        reason = _quota_reason(response) if response.status_code == 403 else None
        if reason is not None:
            path = urllib.parse.urlsplit(url).path
            raise _QuotaExceededError(
                f"{method} {path} → quota exceeded ({reason})", system=self.name, status=403
            )
        try:
            return check_response(response, system=self.name)
        except AuthError as exc:
            raise AuthError(
                f"{exc.args[0]}; {_AUTH_HINT}", system=self.name, status=exc.status
            ) from exc


class _QuotaExceededError(UnavailableError):
    """A 403 whose reason is a quota or rate limit: retried here, never an ``AuthError``."""


def _quota_reason(response: requests.Response) -> str | None:
    try:
        error = response.json().get("error") or {}
    except (ValueError, AttributeError):
        return None
    if not isinstance(error, dict):
        return None
    reasons = [str(e.get("reason", "")) for e in error.get("errors") or [] if isinstance(e, dict)]
    found = next((r for r in reasons if r in QUOTA_REASONS), None)
    if found is None and error.get("status") == "RESOURCE_EXHAUSTED":
        found = "RESOURCE_EXHAUSTED"
    return found


def _user(item: Mapping[str, Any]) -> DirectoryUser:
    name: Mapping[str, Any] = item.get("name") or {}
    org = _primary_org(item)
    disabled = bool(item.get("suspended")) or bool(item.get("archived"))
    return DirectoryUser(
        id=str(item["id"]),
        login=str(item.get("primaryEmail", "")),
        email=item.get("primaryEmail"),
        display_name=name.get("fullName"),
        given_name=name.get("givenName"),
        family_name=name.get("familyName"),
        employee_id=_employee_id(item),
        title=org.get("title"),
        department=org.get("department"),
        manager_id=next(
            (r.get("value") for r in item.get("relations", []) if r.get("type") == "manager"), None
        ),
        status=UserStatus.DISABLED if disabled else UserStatus.ACTIVE,
        password_must_change=bool(item.get("changePasswordAtNextLogin")),
        mfa_factors=("2sv",) if item.get("isEnrolledIn2Sv") else (),
    )


def _update_body(raw: Mapping[str, Any], wanted: Mapping[str, str | None]) -> dict[str, Any]:
    body: dict[str, Any] = {}
    names = {_NAME_KEYS[k]: v for k, v in wanted.items() if k in _NAME_KEYS}
    if names:
        body["name"] = {
            **{k: v for k, v in (raw.get("name") or {}).items() if k != "fullName"},
            **names,
        }
    if "employee_id" in wanted:
        others = [e for e in raw.get("externalIds", []) if e.get("type") != "organization"]
        mine = (
            [{"value": wanted["employee_id"], "type": "organization"}]
            if wanted["employee_id"]
            else []
        )
        body["externalIds"] = others + mine
    orgs = {_ORG_KEYS[k]: v for k, v in wanted.items() if k in _ORG_KEYS}
    if orgs:
        current = list(raw.get("organizations", []))
        primary = next((o for o in current if o.get("primary")), None)
        rest = [o for o in current if o is not primary]
        body["organizations"] = [{**(primary or {"primary": True}), **orgs}, *rest]
    return body


def _matches(
    item: Mapping[str, Any], *, email: str | None, login: str | None, employee_id: str | None
) -> bool:
    primary = str(item.get("primaryEmail", "")).lower()
    addresses = {primary} | {str(e.get("address", "")).lower() for e in item.get("emails", [])}
    if login is not None and login.lower() != primary:
        return False
    if email is not None and email.lower() not in addresses:
        return False
    return employee_id is None or employee_id == _employee_id(item)


def _employee_id(item: Mapping[str, Any]) -> str | None:
    return next(
        (e.get("value") for e in item.get("externalIds", []) if e.get("type") == "organization"),
        None,
    )


def _primary_org(item: Mapping[str, Any]) -> Mapping[str, Any]:
    orgs = item.get("organizations", [])
    return next((o for o in orgs if o.get("primary")), orgs[0] if orgs else {})


def _sku_path(license_id: str) -> str:
    product, sku = license_id.split("/", 1)
    return f"{_seg(product)}/sku/{_seg(sku)}"


def _seg(value: str) -> str:
    return urllib.parse.quote(value, safe="@")
