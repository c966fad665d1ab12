"""
Entities from a form's fields: "GitHub ID: @jdoe", "### PyPI Username", "> What application
are you using? AMANDA", "Requested By: Trisha S.".

A form says outright whom and what an ask is about; its fields are read before free text.
Keys are matched by what they mean (login, e-mail, name, application, group), never by one
tracker's exact wording, and the requester's own fields ("your name", "requested by") count only
when the form names nobody else.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

_LOGIN_KEY = re.compile(
    r"\b(?:user\s*name|username|user\s*id|login|github(?!\s*(?:org|repo|account|team))"
    r"(?:\s*(?:id|user(?:name)?))?|andrew\s*id|account\s*name|uid|users? to have permission)s?\b",
    re.IGNORECASE,
)
_URL_KEY = re.compile(r"\b(?:url|link|website|address)\b", re.IGNORECASE)
_EMAIL_KEY = re.compile(r"\be-?mail(?:\s*address)?\b", re.IGNORECASE)
_NAME_KEY = re.compile(
    r"^(?:full\s*name|name|employee(?:\s*name)?|user|person|requested\s*for|(?:raise this "
    r"request )?on behalf of|affected\s*user|user\s*affected|for\s*whom|beneficiary|leaver|"
    r"new\s*(?:starter|hire|joiner)|who is locked out)\??$",
    re.IGNORECASE,
)
_REQUESTER_KEY = re.compile(
    r"\b(?:requester|requested by|requesting|pm|manager|advisor|sponsor|approver)\b", re.IGNORECASE
)
_APP_KEY = re.compile(
    r"^(?:what application are you using|(?:system\s*/\s*)?application(?:\s*name)?|app|"
    r"service\(?s?\)?|system|tool|software|licen[cs]e|"
    r"github repositor(?:y|ies)|repositor(?:y|ies)|which url are you trying to login at)$",
    re.IGNORECASE,
)
_GROUP_KEY = re.compile(
    r"^(?:group(?:\s*name)?|team(?:\s*name)?|(?:github\s+)?team to join.*|organization you are "
    r"requesting membership in|github org|organi[sz]ation or repo(?:sitory)?|role|project role|"
    r"(?:[\w.-]+\s+)?organi[sz]ation(?:\s+account)?\s+name)$",
    re.IGNORECASE,
)
_LEVEL_KEY = re.compile(
    r"^(?:permission|access|privilege)\s*(?:level|role)s?(?:\s*requested)?$", re.IGNORECASE
)
"""A repository's or a system's access level ("Permission level: Maintain"): the role asked
for when the form names no group or team."""
_TEAM_KEY = re.compile(r"\bteam\b", re.IGNORECASE)
_EMAIL = re.compile(r"[A-Za-z0-9._%+'-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
_TOKEN = re.compile(r"@?[A-Za-z0-9][\w.@+-]*")
_URL_HOST = re.compile(r"^(?:https?://)?([a-z0-9-]+(?:\.[a-z0-9-]+)+)", re.IGNORECASE)
_PLACEHOLDER = re.compile(r"^(?:e\.?g\.?|example|none|n/?a|other|me)\b", re.IGNORECASE)


def _first_line(value: str) -> str:
    return value.strip().splitlines()[0].strip(" `*_\"'") if value.strip() else ""


def _login(value: str) -> str | None:
    line = re.sub(r"^e\.?g\.?,?\s*", "", _first_line(value), flags=re.IGNORECASE)
    if _PLACEHOLDER.match(line):
        return None
    match = _TOKEN.match(line)
    return match.group(0) if match and len(match.group(0)) > 1 else None


_FIRST_NAME_KEY = re.compile(r"^(?:first|given|fore)\s*name$", re.IGNORECASE)
_LAST_NAME_KEY = re.compile(r"^(?:last|family|sur)\s*name$", re.IGNORECASE)


def _split_name(fields: Sequence[tuple[str, str]]) -> list[tuple[str, str]]:
    """A form that asks for the first and the last name apart: one "name" field joining them."""
    first = next((_first_line(v) for k, v in fields if _FIRST_NAME_KEY.match(k.strip())), "")
    last = next((_first_line(v) for k, v in fields if _LAST_NAME_KEY.match(k.strip())), "")
    return [("name", f"{first} {last}")] if first and last else []


def target_from_fields(
    fields: Sequence[tuple[str, str]], *, include_requester: bool = False
) -> str | None:
    """The target as written: a login field, else a name field (or a first and a last name
    field, joined), else an e-mail field.

    Fields describing the requester ("your name", "name of PM requesting", "requested by") are
    used only with ``include_requester`` (when the text speaks of the requester's own account).
    """
    own = [(k, v) for k, v in fields if not _REQUESTER_KEY.search(k)] + _split_name(fields)
    for pool in (own, [] if not include_requester else list(fields)):
        for key, value in pool:
            if _LOGIN_KEY.search(key) and not _URL_KEY.search(key) and (login := _login(value)):
                return login
        for key, value in pool:
            line = _first_line(value)
            named = _NAME_KEY.match(key) or (pool is not own and _REQUESTER_KEY.search(key))
            if named and 2 <= len(line) <= 60:
                return line
        for key, value in pool:
            if _EMAIL_KEY.search(key) and (email := _EMAIL.search(value)):
                return email.group(0)
    return None


_NOT_APP_VALUE = re.compile(
    r"^(?:accounts?|access|other|general|hello|hi|dear)(?:$|[\s,!:])|\b(?:team|group|org|organi[sz]ation)s?$|"
    r"^(?:https?://)?(?:localhost|127\.0\.0\.1)\b",
    re.IGNORECASE,
)
"""A form's application answer that names no application: a category ("Accounts"), a greeting
opening a sentence, a group ("Hosting team"), the requester's own machine."""
_PRODUCT_LOGIN_KEY = re.compile(
    r"^(?!(?:your|my|the|their|his|her|github|new|old|pre(?:f+e)?r+ed|desired|requested|current|"
    r"previous|former|existing|primary|secondary|alternate|display|full|first|last|lost|"
    r"locked|suspended|deleted|disabled|compromised|hacked)\b)([A-Za-z][\w.-]*(?:\s[A-Z][\w.-]*)?)\s+"
    r"(?:user\s*name|user\s*id|login|account(?:\s*(?:name|e-?mail))?)$",
    re.IGNORECASE,
)


def application_from_fields(fields: Sequence[tuple[str, str]]) -> str | None:
    """The application a form names (its first item; a URL gives its host)."""
    for key, value in fields:
        if not _APP_KEY.match(key.strip()):
            continue
        if re.search(r"\betc\b|not sure", value, re.IGNORECASE):
            continue  # a dropdown's catch-all category, not an application
        line = _first_line(value).split(",")[0].strip()
        if not line or _PLACEHOLDER.match(line) or _NOT_APP_VALUE.search(line):
            continue
        if len(line.split()) > 6:
            continue  # a sentence answering the field, not a name
        if re.search(r"/(?:orgs/[^/\s]+/)?teams/", line):
            continue  # a team's page answers with a group, not an application
        if "url" in key.lower() and (host := _URL_HOST.match(line)):
            return host.group(1)
        return line
    return None


def application_from_login_key(fields: Sequence[tuple[str, str]]) -> str | None:
    """The application a login field's label names: "PyPI Username", "Jenkins account e-mail"."""
    for key, value in fields:
        match = _PRODUCT_LOGIN_KEY.match(key.strip())
        if match and _first_line(value):
            return match.group(1)
    return None


_OTHER_ANSWER = re.compile(r"\s*\((?:if\s+)?other\)$", re.IGNORECASE)


def group_from_fields(fields: Sequence[tuple[str, str]]) -> str | None:
    """The group, team, organisation or role a form names: a team ahead of the org that holds
    it, a template's "e.g. @team" read as the answer given, an application field answered with a
    team ("Release team")."""
    found: list[tuple[bool, str]] = []
    for key, value in fields:
        line = re.sub(r"^e\.?g\.?,?\s*", "", _first_line(value), flags=re.IGNORECASE)
        if not line or _PLACEHOLDER.match(line):
            continue
        key = _OTHER_ANSWER.sub("", key.strip())  # "Group Name (Other)": the "Other" choice, spelt
        if _GROUP_KEY.match(key.strip()):
            found.append((not _TEAM_KEY.search(key), line))
        elif _APP_KEY.match(key.strip()) and re.search(r"\bteams?$", line, re.IGNORECASE):
            found.append((False, line))
    return min(found, key=lambda f: f[0])[1] if found else None


def level_from_fields(fields: Sequence[tuple[str, str]]) -> str | None:
    """The access level a form asks for ("Permission level: Maintain"): the role at issue when
    neither the form nor the text names a group, team or org."""
    for key, value in fields:
        line = _first_line(value)
        if _LEVEL_KEY.match(key.strip()) and 0 < len(line.split()) <= 3:
            return None if _PLACEHOLDER.match(line) else line
    return None
