"""
The ten-line keyword baseline the classifier is measured against.

Written from the intent names and the labelling guidelines (``shared/tickets/README.md``), not
from any ticket: the first rule whose pattern occurs in the subject or body names the intent,
else ``not_account``. If the trained model does not beat this, it is not earning its keep.
"""

from __future__ import annotations

import re

RULES: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (intent, re.compile(pattern, re.IGNORECASE))
    for intent, pattern in (
        ("mfa_reset", r"\b(2fa|mfa|two[- ]factor|authenticator|recovery codes?|security key)"),
        ("account_unlock", r"\b(locked|lockout|lock out|unlock)"),
        ("password_reset", r"\b(password|passwort|forgot|reset)"),
        ("account_disable", r"\b(offboard|leaver|deactivate|delete (my )?account|disable)"),
        ("license_reclaim", r"\blicen[cs]e.{0,40}\b(release|remove|reclaim|deactivate|free)"),
        ("license_request", r"\blicen[cs]e"),
        ("access_revoke", r"\b(remove|revoke)\b.{0,40}\b(access|from|member)"),
        ("account_create", r"\b(new user|create (an |my )?account|onboard|new starter|sign ?up)"),
        ("account_update", r"\bchange\b.{0,30}\b(e-?mail|user ?name|name)"),
        ("access_grant", r"\b(access|permission|membership|add me|invite)"),
    )
)


def keyword_intent(subject: str, body: str) -> str:
    """The intent of the first matching rule, else ``not_account``."""
    text = f"{subject}\n{body}"
    return next((intent for intent, rule in RULES if rule.search(text)), "not_account")
