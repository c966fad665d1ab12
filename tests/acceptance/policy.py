"""
The file's ``policy_assumptions`` as the deployment's playbook ``overrides``, read by rule.

Each assumption is a sentence in the format's own vocabulary: the intents it is about (by their
names), then either ``approver = <who>`` or ``run without approval when the requester … (owner)
or the target's manager …``. Who approves is read from the words: a group named through
``policy_groups.<role>``, "manager" and/or "owner", and "approval_rule" (each catalogue item by its
own rule). Each intent's playbooks come from deskpilot's own library. An assumption that says
neither is a principle the product holds by itself (nobody approves their own request, privileged
accounts are escalated, duplicates are one run…) and configures nothing.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from playbooks.load import Library
from playbooks.model import INTENTS

_CLAUSE = r"((?:[^;.]|\.(?=\S))*)"
"""Up to the end of the clause: a ``;`` or a full stop (not the dot of ``policy_groups.hr``)."""
_APPROVER = re.compile(rf"\bapprover\s*=\s*{_CLAUSE}", re.IGNORECASE)
_WITHOUT_APPROVAL = re.compile(rf"\bwithout approval when\b{_CLAUSE}", re.IGNORECASE)
_POLICY_GROUP = re.compile(r"\bpolicy_groups\.([a-z_]+)")
_SECTION = re.compile(r"^P\d+\s+")


def _intents(sentence: str) -> list[str]:
    """The intents a sentence names before its rule, in the order written."""
    head = re.split(r"\bapprover\s*=|\brun without approval\b", sentence, maxsplit=1)[0]
    found = [(m.start(), i) for i in INTENTS for m in re.finditer(rf"\b{i}\b", head)]
    return [intent for _, intent in sorted(found)]


def _approval(clause: str, sentence: str, groups: Mapping[str, str]) -> dict[str, Any] | None:
    role = _POLICY_GROUP.search(clause)
    if role is not None:
        if role.group(1) not in groups:
            raise ValueError(
                f"policy_assumptions: {role.group(0)} is not in directory.policy_groups"
            )
        return {"rule": "group", "group": groups[role.group(1)]}
    low = clause.casefold()
    manager, owner = "manager" in low, "owner" in low
    if not (manager or owner):
        return None
    rule = "manager_or_owner" if manager and owner else "manager" if manager else "owner_only"
    if "approval_rule" in sentence:
        return {"rule": "catalogue", "fallback": rule}
    return {"rule": rule}


def _rule(sentence: str, groups: Mapping[str, str]) -> dict[str, Any] | None:
    """The override one assumption asks for (approval, or who may ask without one), or None."""
    approver = _APPROVER.search(sentence)
    if approver is not None:
        approval = _approval(approver.group(1), sentence, groups)
        return {"approval": approval} if approval is not None else None
    unattended = _WITHOUT_APPROVAL.search(sentence)
    if unattended is not None:
        low = unattended.group(1).casefold()
        return {
            "approval": {"rule": "none"},
            "who_may_ask": {
                "target": "owner" in low or "target" in low,
                "manager": "manager" in low,
            },
        }
    return None


def overrides(
    assumptions: Sequence[str], groups: Mapping[str, str], library: Library
) -> dict[str, Any]:
    """
    ``playbooks.overrides``: for each assumption that sets a rule, every playbook answering one
    of its intents gets it. A playbook answering several intents takes each part of its rule
    (approval, who may ask) from the assumption about its first intent that sets that part.

    Args:
        assumptions: the file's ``policy_assumptions``.
        groups: ``directory.policy_groups`` (role → group name).
        library: deskpilot's playbooks (which answer which intent).
    """
    ranked: dict[str, dict[str, tuple[int, Any]]] = {}
    for assumption in assumptions:
        sentence = _SECTION.sub("", assumption)
        rule = _rule(sentence, groups)
        if rule is None:
            continue
        for intent in _intents(sentence):
            for playbook in library.for_intent(intent):
                rank = playbook.intents.index(intent)
                parts = ranked.setdefault(playbook.name, {})
                for part, value in rule.items():
                    if part not in parts or rank < parts[part][0]:
                        parts[part] = (rank, value)
    return {name: {part: v for part, (_, v) in parts.items()} for name, parts in ranked.items()}
