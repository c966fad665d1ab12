"""
Names the subject line gives beside the text: a product it is filed under ("Fieldbook: …"), the
group a role is asked in ("Editor Access: Field Notes"), and a catalogue name without the words
that only describe it ("Premium Video Meeting Zoom" is Zoom), and a catalogue name written as a
whole with other punctuation or a slip ("Google Cloud (production)").
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence

from rapidfuzz import fuzz, process

from intake.classifier.names import COMMON_WORDS, TOPIC_WORDS
from intake.classifier.products import FUZZY_CUTOFF, NOT_PRODUCTS, is_catalogue_name
from intake.config import AppEntry

_ROLE_ACCESS = re.compile(
    r"(?i:\b(?:admin|administrator|owner|maintainer|editor|manager|lead|pm)[ \t]+access[ \t]*"
    r"[:\-\u2013][ \t]*)\[?([A-Za-z0-9][^\]\n]{0,40}?)\]?[ \t]*$"
)


def group_of_role(subject: str, applications: Sequence[AppEntry] = ()) -> str | None:
    """The group or project a subject asks a role in: "Editor Access: Field Notes", "Add PM Admin
    Access: [Data Desk]" (a catalogue application after the colon is the system, not a group)."""
    match = _ROLE_ACCESS.search(subject)
    if match is None or is_catalogue_name(match.group(1), applications):
        return None
    return match.group(1).strip()


def catalogue_core(written: str, applications: Sequence[AppEntry]) -> str:
    """``written`` without the title-case words that describe a catalogue application before its
    name ("Premium Video Meeting Zoom" is Zoom); one word before it ("Acme Jira") or an
    acronym ("ACME Slack") names whose it is and stays."""
    parts = written.split()
    for at in range(2, len(parts)):
        if is_catalogue_name(" ".join(parts[at:]), applications):
            return written if any(w.isupper() for w in parts[:at]) else " ".join(parts[at:])
    return written


_TAG = re.compile(
    r"^[ \t]*(?:\[([A-Z][\w.-]*(?:[ \t][A-Za-z][\w.-]*){0,2})\]|"
    r"([A-Z][\w.-]*(?:[ \t][A-Z][\w.-]*){0,2})[ \t]*:)[ \t]"
)


def subject_tag(subject: str, body: str) -> str | None:
    """A product the subject is filed under ("Fieldbook: …", "[Field Notes] …") and the ticket
    names again: a tag that is a topic ("[URGENT]", "Question:", "Request:") names none."""
    match = _TAG.match(subject)
    if match is None:
        return None
    tag = match.group(1) or match.group(2)
    if {w.lower() for w in tag.split()} & (TOPIC_WORDS | NOT_PRODUCTS | COMMON_WORDS):
        return None
    again = re.compile(rf"(?<![\w.'\u2019-]){re.escape(tag)}(?![\w'\u2019-])", re.IGNORECASE)
    rest = body.replace(subject, "", 1)  # a reading of the ticket starts with its subject
    return tag if again.search(subject, match.end()) or again.search(rest) else None


_NAME_PUNCTUATION = re.compile(r"[()\[\]{}\"'\u2018\u2019\u201c\u201d:,;/|_\-]+")


def _name_key(name: str) -> str:
    return " ".join(_NAME_PUNCTUATION.sub(" ", name).lower().split())


@functools.lru_cache(maxsize=16)
def _name_keys(applications: tuple[AppEntry, ...]) -> dict[str, str]:
    keys: dict[str, str] = {}
    for app in applications:
        for alias in (app.name, *app.aliases):
            keys.setdefault(_name_key(alias), app.name)
    keys.pop("", None)
    return keys


def catalogue_match(written: str, applications: Sequence[AppEntry]) -> str | None:
    """The catalogue name of an application written as a whole name (a form field's answer, a
    name the subject gives) that no alias matches word for word: punctuation, brackets and case
    aside ("Google Cloud (production)" is the alias "Google Cloud production"), else the closest
    name or alias of several words by rapidfuzz ratio at ``FUZZY_CUTOFF`` ("Tableau Finanace").
    Long texts are no names (None)."""
    key = _name_key(written)
    if not key or len(key.split()) > 5 or not applications:
        return None
    keys = _name_keys(tuple(applications))
    if key in keys:
        return keys[key]
    if len(key) < 5:
        return None
    best = process.extractOne(key, list(keys), scorer=fuzz.ratio, score_cutoff=FUZZY_CUTOFF)
    return keys[best[0]] if best is not None else None
