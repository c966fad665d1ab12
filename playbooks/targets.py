"""
Whose account a ticket is about: the person the desk's form names, the login, e-mail or name
the text gives, "my manager" — and the requester only when the ticket names nobody else.

Pure: reads a ``PeopleIndex``. A reference that names nobody or several people comes back as
``Unclear`` (the requester is asked); the requester is never the fallback for a named person.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from connectors.identity import DirectoryUser
from intake.classifier.text import split_thread
from playbooks.config import field_key
from playbooks.people import EMAIL, Found, Mention, PeopleIndex, Resolution, Unclear

_TARGET_CUE = re.compile(
    r"\b(?:for|on behalf of|behalf of|add|give|grant|unlock|reset|disable|remove|offboard|"
    r"user|leaver|colleague|report)\s+$"
)
_FIRST_NAME_CUE = re.compile(
    r"(?i:\b(?:for|on behalf of|give|grant|add|unlock|reset)\s+)"
    r"([A-ZÀ-Ý][a-zà-ÿ'\u2019-]{1,30})\b(?!\s+[A-ZÀ-Ý])"
)
_NOT_TARGET_BEFORE = re.compile(
    r"\b(?:manager|managers|boss|supervisor|approved by|approve|approver|approval|owner|owners|"
    r"reports to|reporting to|report to|cc|from|to|sent|signed|confirmed by|checked with|"
    r"agreed with|spoke to|spoke with|asked by|thanks|regards|cheers)\b[^.!?\n]{0,24}$"
)
_NOT_TARGET_AFTER = re.compile(
    r"^[\s,]*(?:\(?\s*(?:my|his|her|their|the)\s+manager|has approved|approved|approves|"
    r"will approve|can approve|can confirm|has agreed|agreed|knows|is aware|is ok|is happy|"
    r"asked|has asked|wants|said|told|owns|manages|is the owner|is my manager|is his manager|"
    r"is her manager|is their manager)"
)
_POSSESSIVE_TARGET = re.compile(
    r"^\s*['\u2019]?s\s+(?:\w+\s+)?(?:account|password|login|sign[- ]?in|mfa|authenticator|"
    r"access|mailbox|credentials|user(?:name)?)\b",
    re.IGNORECASE,
)
"""A name followed by "'s account" (or password, login…): the account is that person's, even when
they are also named as someone's manager ("my line manager Hugo Winter's account is locked").
A mention's words are folded (``hugo winter s account``), so the apostrophe is optional."""
_POSSESSIVE = re.compile(r"['\u2019]s$")
_MY_MANAGER_TARGET = re.compile(
    r"\b(?:for|of|to|give|add|grant)\s+(?:my|our)\s+(?:line\s+|direct\s+)?manager\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class TargetClues:
    """What a ticket says about its target, gathered by the worker from the classifier and desk."""

    fields: Mapping[str, str]
    """The ticket's form fields by label (desk fields over fields written in the text)."""
    text: str
    """Subject and description as received."""
    login: str | None = None
    email: str | None = None
    name: str | None = None
    """The login, e-mail and name the classifier read as the target, if any."""


def find_target(
    clues: TargetClues,
    index: PeopleIndex,
    requester: DirectoryUser | None,
    *,
    person_fields: Sequence[str],
) -> Resolution | None:
    """
    The account the ticket is about; None when it names nobody (the requester's own ask).

    In order: the first person field of the form that has a value; an e-mail the requester's
    own message (or the classifier) gives; a login written on its own (``t0-tomasi``); the login
    or name the classifier read (a plain word or an unknown name is noise when the requester
    writes about themself); full names in the requester's own message (not in quoted mails, not
    named as manager or approver, not the requester); "for Yasmin" when exactly one person has
    that given name; "for my manager". The first of these that names someone decides, found or
    not.

    Args:
        clues: the fields, the text and the classifier's reading.
        index: the directory's people.
        requester: the requester's account (excluded from names found in the text).
        person_fields: form-field labels that name the target, in order.
    """
    folded = {field_key(k): v for k, v in clues.fields.items() if v and v.strip()}
    for label in person_fields:
        value = folded.get(field_key(label))
        if value:
            return index.resolve(_first_person(value), requester=requester)
    own = own_message(clues.text)
    mine, everything = own.casefold(), clues.text.casefold()

    def only_quoted(value: str) -> bool:  # read by the classifier in a forwarded mail
        return value.casefold() in everything and value.casefold() not in mine

    emails = [clues.email] if clues.email and not only_quoted(clues.email) else []
    emails += [m.group(0) for m in EMAIL.finditer(own)]
    email = next((e for e in emails if e.casefold() != _email_of(requester)), None)
    if email:
        user = index.by_email(email)
        return Found(user, "email") if user else Unclear(email)
    skip = (requester,) if requester is not None else ()
    logins = index.logins_in(own, skip=skip)
    if logins:
        return _one(logins, logins[0].login)
    named = _classifier_reading(clues, index, requester, own, only_quoted)
    if named is not None:
        return named
    return _from_text(own, index, requester, skip)


def _classifier_reading(
    clues: TargetClues,
    index: PeopleIndex,
    requester: DirectoryUser | None,
    own: str,
    only_quoted: Callable[[str], bool],
) -> Resolution | None:
    """
    The login or name the classifier read, found; or a question when it names nobody.

    The classifier reads candidates from cue words ("login page", "for the Ostara visit"), so a
    plain word or a name that matches nobody is taken for noise when the requester plainly
    writes about themself ("my account is locked", "could I have"); otherwise it is asked about.
    A login that looks like one (digits, dots, hyphens) is always asked about.
    """
    if clues.login and not only_quoted(clues.login):
        user = index.by_login(clues.login)
        if user is not None:
            return Found(user, "login")
        if not (clues.login.isalpha() and speaks_of_self(own)):
            return Unclear(clues.login)
    if clues.name and not only_quoted(clues.name):
        named = index.by_name(clues.name)
        if isinstance(named, Found):
            mine = requester is not None and named.user.id == requester.id
            return None if mine else named
        if named.candidates or not speaks_of_self(own):
            return named
    return None


_SELF = re.compile(
    r"\b(?:i|we)\s+(?:need|needs|can't|cannot|can not|am|have|forgot|would|want|require|"
    r"must|got|changed|lost|keep|don't|do not)\b|\bi'(?:m|d|ve)\b|\b(?:could|can|may)\s+i\b|"
    r"\bmy\s+(?:own\s+)?(?:account|password|login|access|mfa|authenticator|phone|laptop|"
    r"licen[cs]e|name|surname|contract|sign[- ]?in|credentials|e-?mail)\b|\bfor\s+me\b|"
    r"\b(?:give|add|grant|unlock|reset|help)\s+me\b|\bme\s+to\b",
    re.IGNORECASE,
)


def speaks_of_self(text: str) -> bool:
    """
    True when the writer asks for themself ("my account is locked", "could I have it").

    Args:
        text: the requester's own words.
    """
    return bool(_SELF.search(text))


def _email_of(user: DirectoryUser | None) -> str:
    return (user.email or "").casefold() if user is not None else ""


def _from_text(
    own: str, index: PeopleIndex, requester: DirectoryUser | None, skip: Sequence[DirectoryUser]
) -> Resolution | None:
    mentions = [m for m in index.full_names_in(own, skip=skip) if _is_target(m)]
    if mentions:
        return _one([m.user for m in mentions], mentions[0].user.display_name or "")
    for match in _FIRST_NAME_CUE.finditer(own):
        name = match.group(1)
        if _POSSESSIVE.search(name):  # "unlock Hugo's account", not "waiting for Hugo's report"
            if not _POSSESSIVE_TARGET.match(own[match.end(1) - 2 :]):
                continue
            name = _POSSESSIVE.sub("", name)
        resolved = index.by_name(name)
        if isinstance(resolved, Found) and (requester is None or resolved.user.id != requester.id):
            return resolved
    if _MY_MANAGER_TARGET.search(own):
        return index.manager_of(requester)
    return None


def _is_target(mention: Mention) -> bool:
    return (
        not (_NOT_TARGET_BEFORE.search(mention.before) or _NOT_TARGET_AFTER.match(mention.after))
        or bool(_TARGET_CUE.search(mention.before))
        or bool(_POSSESSIVE_TARGET.match(mention.after))
    )


def _one(users: Sequence[DirectoryUser], written: str) -> Resolution:
    unique = list({u.id: u for u in users}.values())
    if len(unique) == 1:
        return Found(unique[0], "text")
    return Unclear(written, tuple(unique))


def _first_person(value: str) -> str:
    """A person field may list several people (a multi-user picker): the first is the target."""
    return re.split(r"[;\n]|,(?=\s*\S+@)", value)[0].strip()


def own_message(text: str) -> str:
    """The subject line and the newest message of an e-mail thread, without quoted mails."""
    head, _, body = text.partition("\n")
    messages = split_thread(body)
    return f"{head}\n{messages[0] if messages else ''}"


_FORM_LINE = re.compile(
    r"^[ \t]*(?:(?:[-*•·]|\d+[.)])[ \t]*)?([A-Za-zÀ-ÿ][\w /&'()?-]{1,40}?)[ \t]*[:=][ \t]*(\S[^\n]{0,200})$",
    re.MULTILINE,
)


def text_fields(text: str) -> dict[str, str]:
    """
    ``Label: value`` lines of an e-mailed form ("- Department: Research"), first one wins.

    Args:
        text: the ticket's description (only the requester's own message is read).
    """
    found: dict[str, str] = {}
    for match in _FORM_LINE.finditer(own_message(text)):
        label, value = match.group(1).strip(), match.group(2).strip()
        if label.casefold() in ("http", "https", "re", "fw", "fwd") or "//" in value[:3]:
            continue
        found.setdefault(label, value)
    return found
