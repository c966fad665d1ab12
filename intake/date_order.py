"""
Day or month first for a requester, from their locale (pure).

``intake.classifier.dates`` settles an ambiguous ``05/06`` by a part above 12, a weekday written
with it and the ticket's other plain dates; when none says, the requester's locale is the next
cue, then day first. The desks give the locale in their own shapes: Zendesk ``en-US``, Jira and
Salesforce ``en_US``, ServiceNow a language (``en``, which says nothing about the order) and,
per user, a date format (``MM-dd-yyyy``) that does.
"""

from __future__ import annotations

import re
from typing import Literal

from intake.classifier.dates import DateOrder, text_order

__all__ = ["MONTH_FIRST_REGIONS", "date_order_for", "locale_order", "needs_order"]

MONTH_FIRST_REGIONS = frozenset({"US", "PH", "FM", "MH", "PW", "AS", "GU", "MP", "PR", "UM", "VI"})
"""Regions whose short dates put the month first (the United States and its territories, the
Philippines, the Pacific states in free association with the US); the rest put the day first
(or the year, which leaves an ambiguous ``05/06`` to the default)."""
_NUMERIC = re.compile(r"\b(\d{1,2})[./](\d{1,2})(?:[./]\d{2,4})?\b")
_LOCALE = re.compile(r"^([a-z]{2,3})(?:[-_][a-z]{4})?(?:[-_]([a-z]{2}|\d{3}))?(?:[-_@.].*)?$", re.I)


def locale_order(locale: str | None, date_format: str | None = None) -> DateOrder | None:
    """
    The order a person's locale or own date format shows; None when it does not say.

    Args:
        locale: ``en_US``, ``en-gb``, ``fr``, ``mdy``… (a language alone says nothing).
        date_format: a user's date pattern (``dd/MM/yyyy``, ``MM-dd-yyyy``), which wins.
    """
    if date_format:
        day, month = date_format.find("d"), date_format.find("M")
        if day >= 0 and month >= 0 and date_format.find("y") not in range(0, min(day, month)):
            return "dmy" if day < month else "mdy"
    written = (locale or "").strip()
    if written.casefold() in ("dmy", "mdy"):
        return "dmy" if written.casefold() == "dmy" else "mdy"
    match = _LOCALE.match(written)
    if match is None or match.group(2) is None:
        return None
    return "mdy" if match.group(2).upper() in MONTH_FIRST_REGIONS else "dmy"


def date_order_for(
    setting: Literal["auto", "dmy", "mdy"], locale: str | None, date_format: str | None = None
) -> DateOrder | None:
    """
    The order for a requester: the site's ``classifier.date_order`` when it fixes one, else
    (``auto``) their locale's; None leaves it to the text's own dates, then day first.
    """
    if setting != "auto":
        return setting
    return locale_order(locale, date_format)


def needs_order(text: str) -> bool:
    """
    True when ``text`` holds a numeric date that reads two ways (``05/06``, not ``06/06`` nor
    ``25/06``) and no plain date in it settles the order: only then is the locale asked for.
    """
    if text_order(text, "dmy") != text_order(text, "mdy"):
        ambiguous = (m for m in _NUMERIC.finditer(text) if m.group(1) != m.group(2))
        return any(0 < int(m.group(1)) <= 12 and 0 < int(m.group(2)) <= 12 for m in ambiguous)
    return False
