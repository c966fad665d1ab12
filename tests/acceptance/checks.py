"""
The ``expect`` and ``checkpoint`` vocabulary of an acceptance file, asserted on a ``Harness``.

Every failure names the scenario's field and what was seen, so a failing scenario says what
deskpilot did instead.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from tests.acceptance.harness import Harness

STATES = {
    "resolved": "resolved",
    "waiting_for_approval": "waiting_approval",
    "rejected": "rejected",
    "escalated": "escalated",
    "not_account": "not_account",
    "waiting_for_requester": "waiting_requester",
}
"""The file's final states → deskpilot's ticket outcomes."""
NOT_STARTED = ("closed",)
"""Run states of a run a pre-run gate stopped (the plan was recorded, nothing was started)."""


class Failures:
    """Collects every mismatch of one check, so one run reports them all."""

    def __init__(self, where: str) -> None:
        self.where = where
        self.problems: list[str] = []

    def expect(self, ok: bool, what: str) -> None:
        if not ok:
            self.problems.append(what)

    def raise_if_any(self, h: Harness) -> None:
        if self.problems:
            notes = "\n".join(f"  [{'public' if p else 'internal'}] {b!r}" for p, b in h.notes())
            row = h.ticket_row()
            state = (row.stage, row.outcome) if row else None
            raise AssertionError(
                f"{self.where}:\n- "
                + "\n- ".join(self.problems)
                + f"\nticket (stage, outcome): {state}; runs: {[r.state for r in h.runs()]}"
                + f"\napplied: {dict(h.directory.applied)}\nnotes:\n{notes}"
            )


def check_directory(
    h: Harness, spec: Mapping[str, Any], initial: Mapping[str, Any], f: Failures
) -> None:
    """``directory_after`` / a checkpoint's ``directory``: users and groups."""
    for login, wants in (spec.get("users") or {}).items():
        _check_user(h, login, wants, initial.get(login), f)
    for name, wants in (spec.get("groups") or {}).items():
        members = set(h.directory.members(name))
        if wants.get("unchanged"):
            f.expect(
                members == set(initial["groups"][name]), f"group {name} changed: {sorted(members)}"
            )
        for login in wants.get("members_include", []):
            f.expect(login in members, f"group {name} lacks {login}")
        for login in wants.get("members_exclude", []):
            f.expect(login not in members, f"group {name} still has {login}")


def _check_user(
    h: Harness, login: str, wants: Mapping[str, Any], before: Mapping[str, Any] | None, f: Failures
) -> None:
    view = h.directory.view(login)
    if "exists" in wants:
        f.expect((view is not None) == wants["exists"], f"user {login} exists={view is not None}")
    if view is None:
        f.expect(wants.get("exists") is False, f"user {login} does not exist")
        return
    if wants.get("unchanged"):
        f.expect(view == before, f"user {login} changed: {_diff(before or {}, view)}")
    sets = {"groups": set(view["groups"]), "licences": set(view["licences"])}
    for key, value in wants.items():
        if key in ("exists", "unchanged"):
            continue
        kind, _, how = key.partition("_")
        if kind in sets and how in ("include", "exclude", "exact"):
            have = sets[kind]
            ok = {
                "include": set(value) <= have,
                "exclude": not (set(value) & have),
                "exact": set(value) == have,
            }[how]
            f.expect(ok, f"user {login} {key} {sorted(value)}: has {sorted(have)}")
        else:
            seen = view.get(key, view["attributes"].get(key))
            f.expect(seen == value, f"user {login} {key}: want {value!r}, have {seen!r}")


def _diff(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, Any]:
    return {k: (before.get(k), after.get(k)) for k in after if before.get(k) != after.get(k)}


def check_counts(h: Harness, spec: Mapping[str, Any], f: Failures) -> None:
    """``changes_applied_count`` and ``changes_breakdown``: changes that changed something."""
    applied = {op: n for op, n in h.directory.applied.items() if n}
    if "changes_applied_count" in spec:
        total = sum(applied.values())
        f.expect(
            total == spec["changes_applied_count"],
            f"changes_applied_count: want {spec['changes_applied_count']}, have {total} {applied}",
        )
    if "changes_breakdown" in spec:
        f.expect(
            applied == spec["changes_breakdown"],
            f"changes_breakdown: want {spec['changes_breakdown']}, have {applied}",
        )


def check_notes(h: Harness, spec: Mapping[str, Any], f: Failures) -> None:
    """``notes``: exact public count, minimum internal count, forbidden and required text."""
    notes = h.notes()
    public = [body for is_public, body in notes if is_public]
    internal = [body for is_public, body in notes if not is_public]
    if "public_count" in spec:
        f.expect(
            len(public) == spec["public_count"],
            f"public_count: want {spec['public_count']}, have {len(public)}",
        )
    if "internal_min" in spec:
        f.expect(
            len(internal) >= spec["internal_min"],
            f"internal_min: want {spec['internal_min']}, have {len(internal)}",
        )
    for forbidden in spec.get("must_not_contain", []):
        for _, body in notes:
            found = (
                re.search(forbidden[3:], body) is not None
                if forbidden.startswith("re:")
                else forbidden in body
            )
            f.expect(not found, f"a note contains forbidden {forbidden!r}")
    for text, bodies, kind in (
        *((t, public, "public") for t in spec.get("public_must_mention", [])),
        *((t, internal, "internal") for t in spec.get("internal_must_mention", [])),
    ):
        f.expect(
            any(text.casefold() in body.casefold() for body in bodies),
            f"no {kind} note mentions {text!r}",
        )


def check_outcome(h: Harness, expect: Mapping[str, Any], f: Failures) -> None:
    """``intent``, ``low_confidence``, ``auto_run``, ``playbook_runs``, ``final_state``, audit."""
    classification = h.classification()
    intent = None
    if classification is not None:
        intent = classification.corrected_intent or classification.intent
    if expect.get("intent") is not None:
        f.expect(intent == expect["intent"], f"intent: want {expect['intent']}, have {intent}")
    if "low_confidence" in expect and classification is not None:
        settings = h.rt.settings.classifier
        threshold = settings.threshold_of(settings.tier_of(classification.intent))
        low = classification.confidence < threshold
        f.expect(
            low == expect["low_confidence"],
            f"low_confidence: want {expect['low_confidence']}, confidence "
            f"{classification.confidence:.2f} for {classification.intent} (threshold {threshold})",
        )
    runs = h.runs()
    if "auto_run" in expect:
        started = any(r.state not in NOT_STARTED for r in runs)
        f.expect(
            started == expect["auto_run"],
            f"auto_run: want {expect['auto_run']}, runs {[r.state for r in runs]}",
        )
    if "playbook_runs" in expect:
        f.expect(len(runs) == expect["playbook_runs"], f"playbook_runs: have {len(runs)}")
    if "final_state" in expect:
        row = h.ticket_row()
        outcome = row.outcome if row else None
        want = STATES[expect["final_state"]]
        f.expect(outcome == want, f"final_state: want {want}, have {outcome}")
    if "audit_events_min" in expect:
        count = h.audit_count()
        f.expect(
            count >= expect["audit_events_min"],
            f"audit_events_min: want {expect['audit_events_min']}, have {count}",
        )


def check_expect(h: Harness, expect: Mapping[str, Any], initial: Mapping[str, Any]) -> None:
    """The scenario's final ``expect``."""
    f = Failures("expect")
    check_outcome(h, expect, f)
    check_directory(h, expect.get("directory_after") or {}, initial, f)
    check_counts(h, expect, f)
    check_notes(h, expect.get("notes") or {}, f)
    f.raise_if_any(h)


def check_point(
    h: Harness, spec: Mapping[str, Any], initial: Mapping[str, Any], number: int
) -> None:
    """A ``checkpoint`` in the middle of the timeline (counts and notes so far)."""
    f = Failures(f"checkpoint {number}")
    check_directory(h, spec.get("directory") or {}, initial, f)
    check_counts(h, spec, f)
    check_notes(h, spec.get("notes") or {}, f)
    check_outcome(h, spec, f)
    f.raise_if_any(h)


def initial_state(h: Harness) -> dict[str, Any]:
    """Every user and group as seeded, for ``unchanged`` checks."""
    users = {u["login"]: h.directory.view(u["login"]) for u in h.doc["directory"]["users"]}
    groups = {
        g["name"]: h.directory.members(g["name"]) for g in h.doc["directory"].get("groups", [])
    }
    return {**users, "groups": groups}
