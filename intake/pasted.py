"""
Passwords people paste into tickets ("my old password was Summer2024!", "PW: hunter2"), masked
wherever deskpilot shows or exports ticket text: the review page, the evidence pack, notes.

Requesters do paste them, and a copy on a page or in an export reaches people the password was
never meant for. Only what follows a password word and a colon, an equals sign or "is"/"was"
is masked, and then only a value that looks like a password rather than a word of the sentence
("my password is expired" stays as written; "password: expired" is masked, a colon announces a
value). English, German, French and Spanish password words are read.
"""

from __future__ import annotations

import re

MASKED = "[password withheld]"

_WORD = (
    r"(?:(?:old|new|current|temporary|temp|previous|initial|default)[ \t]+)?"
    r"(?:pass(?:word|wd|code|phrase)|pwd|pw|pin|passwort|kennwort|mot[ \t]+de[ \t]+passe|mdp|"
    r"contrase(?:ñ|n)a|clave)"
)
_ANNOUNCED = re.compile(rf"(?i:\b{_WORD})[ \t]*(?:[:=]|-[ \t])[ \t]*([^\s<>\"']{{1,128}})")
"""A value a colon or an equals sign announces: "Password: hunter2", "pwd=Xy9!"."""
_SAID = re.compile(
    rf"(?i:\b{_WORD}[ \t]+(?:is|was|ist|war|est|était|es|era)(?:[ \t]+(?:still|now))?)[ \t]+"
    r"([^\s<>\"']{6,128})"
)
"""A value a sentence gives: "my old password was Summer2024!"."""
_LOOKS_SECRET = re.compile(r"\d|[^\w\s]|[a-z][A-Z]|[A-Z]{2}[a-z]")
"""A password has a digit, a symbol or mixed case; a word of a sentence ("expired") has none."""


def mask_pasted_passwords(text: str) -> str:
    """``text`` with every pasted password replaced by ``MASKED``; anything else unchanged."""
    if "pass" not in text.lower() and not re.search(
        r"(?i)\b(?:pwd|pw|pin|kennwort|mdp|contrase|clave|mot de passe)", text
    ):
        return text  # the common case: nothing to look at

    def announced(match: re.Match[str]) -> str:
        return _mask(match, always=True)

    def said(match: re.Match[str]) -> str:
        return _mask(match, always=False)

    return _SAID.sub(said, _ANNOUNCED.sub(announced, text))


def _mask(match: re.Match[str], *, always: bool) -> str:
    value = match.group(1)  # the whole token: a trailing "!" or "." may be the password's own
    judged = value.rstrip(".,;:!?)")  # "expired," is a word of the sentence
    if not judged or value == MASKED or not (always or _LOOKS_SECRET.search(judged)):
        return match.group(0)
    start = match.start(1) - match.start(0)
    whole = match.group(0)
    return whole[:start] + MASKED + whole[start + len(value) :]
