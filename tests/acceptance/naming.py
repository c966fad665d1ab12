"""
The file's naming rules (``directory.naming``, written for people) as deskpilot's ``naming``
templates: the candidate template that reproduces every example the rule gives is chosen, so a
rule deskpilot cannot express fails loudly instead of being guessed.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from playbooks.naming import name_part, render_name

LOCAL_PARTS = (
    "{first}{last[0]}",
    "{first[0]}{last}",
    "{first[0]}.{last}",
    "{first}.{last}",
    "{first}{last}",
    "{first}_{last}",
    "{first}-{last}",
    "{last}{first[0]}",
    "{last}.{first}",
)
EXAMPLE = re.compile(r"([^,(;]+?)\s*->\s*([^\s,);]+)")
DOMAIN = re.compile(r"@([A-Za-z0-9.-]+\.[A-Za-z]{2,})")


def examples(rule: str) -> list[tuple[str, str, str]]:
    """(given, family, expected) from ``Amara Nwosu -> amaran`` examples in a rule."""
    found = []
    for person, expected in EXAMPLE.findall(rule):
        given, _, family = person.strip().partition(" ")
        found.append((given, family, expected))
    return found


def _fits(template: str, cases: list[tuple[str, str, str]]) -> bool:
    return bool(cases) and all(
        render_name(template, first=name_part(g), last=name_part(f), middle="") == want
        for g, f, want in cases
    )


def naming(directory: Mapping[str, Any]) -> dict[str, str]:
    """``playbooks.naming`` for the file's rules (empty when it has none)."""
    rules = directory.get("naming") or {}
    found: dict[str, str] = {}
    if rules.get("login"):
        found["login"] = _choose(rules["login"], LOCAL_PARTS, "login")
    if rules.get("email"):
        domain = DOMAIN.search(rules["email"])
        assert domain is not None, f"naming.email names no domain: {rules['email']!r}"
        emails = tuple(f"{t}@{domain.group(1)}" for t in LOCAL_PARTS)
        found["email"] = _choose(rules["email"], emails, "email")
        contractors = DOMAIN.search(rules.get("contractors") or "")
        if contractors is not None:
            local = found["email"].split("@", 1)[0]
            found["contractor_email"] = f"{local}@{contractors.group(1)}"
    return found


def _choose(rule: str, candidates: tuple[str, ...], what: str) -> str:
    cases = examples(rule)
    for template in candidates:
        if _fits(template, cases):
            return template
    raise AssertionError(f"no naming template reproduces the {what} examples of {rule!r}")
