"""
The words an intent cannot be asked without: a second, independent check before acting alone.

A model can be confident for reasons no person would accept (a repository's template, a word
that happened to co-occur). Before a playbook runs without a person, the text must also say,
in some form, what the playbook would do: an unlock ticket mentions a lock, a licence ticket a
licence or a seat, a leaver ticket leaving, offboarding or deletion. Written from the intent
definitions in the labelling guidelines, in English with the German, French and Spanish glosses.
"""

from __future__ import annotations

import re

_CUES: dict[str, re.Pattern[str]] = {
    intent: re.compile(pattern, re.IGNORECASE)
    for intent, pattern in {
        "password_reset": r"pass ?words?|passwort|mot de passe|contrase|reset|forgot|expir|"
        r"credentials|sign[- ]?in|log ?in",
        "account_unlock": r"lock|gesperrt|bloqu|verrouill",
        "mfa_reset": r"\b(?:2fa|mfa|two[- ]factor|2[- ]step|authenticat|otp|totp|recovery codes?|"
        r"security (?:key|token|device)|yubikey|token)",
        "account_create": r"\b(?:create|creat|new|set ?up|onboard|sign ?up|register|starter|joiner|"
        r"hire|join|account)",
        "access_grant": r"\b(?:access|add|grant|permission|member|invite|join|role|rights|admin|"
        r"maintainer|write|read|group|zugang|zugriff|acc[eè]s|acceso)",
        "access_revoke": r"\b(?:remove|revoke|take .{0,20}off|delete|restrict|disable|block|clean ?up|"
        r"inactive|drop)",
        "account_disable": r"\b(?:offboard|leaver|leaving|left|last (?:working )?day|delet|deactivat|"
        r"disable|terminat|separat|resign|close)",
        "account_update": r"\b(?:change|chang|update|rename|correct|e-?mail|user ?name|surname|name|"
        r"manager|title|transfer|extend)",
        "license_request": r"licen[cs]|lizenz|seat|subscription|\bplan\b|\bpro\b|activat",
        "license_reclaim": r"\b(?:release|remov|reclaim|free|deactivat|unassign|reassign|leaver|"
        r"left|no longer|unused|inactive|transfer|mov|give (?:it )?back|return|demot|delet|clean)",
    }.items()
}


def has_cue(intent: str, text: str) -> bool:
    """True when ``text`` says what ``intent`` does (intents without cue words always pass)."""
    pattern = _CUES.get(intent)
    return pattern is None or bool(pattern.search(text[:4000]))


DIRECTIONS: dict[str, str] = {
    "license_request": "license_reclaim",
    "license_reclaim": "license_request",
    "access_grant": "access_revoke",
    "access_revoke": "access_grant",
}
"""Intents that are the two directions of one ask (give or take back a licence, an access)."""


def settle_direction(ranked: list[str], text: str) -> int:
    """Which of ``ranked`` (intents, best first) the text asks for: the first, unless the first
    two are the two directions of one ask and only the second's cue words are in the text (the
    model saw "licence" and a product name; the verb, "assign" or "release", decides)."""
    if len(ranked) < 2 or DIRECTIONS.get(ranked[0]) != ranked[1]:
        return 0
    return 1 if has_cue(ranked[1], text) and not has_cue(ranked[0], text) else 0
