"""Markdown renderings of plans for agents (internal notes, the review page, ``deskpilot plan``)."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping
from datetime import datetime

from intake.markdown import code_span, literal
from playbooks.planned import Plan, PlannedStep

__all__ = ["code_span", "describe_until", "format_state", "literal", "render_plan"]


def render_plan(plan: Plan) -> str:
    """
    Render a plan as Markdown: who, what, where, until when, and every change with before → after.
    Names, labels and values are data (a requester may have written them): shown literally.

    Args:
        plan: the plan to show.
    """
    lines = [f"### Plan: {plan.title} (`{plan.playbook}`)", "", *_header(plan), ""]
    if plan.kind == "ask":
        lines.append(f"**Waiting for the requester.** Asked: {plan.question}")
    elif plan.kind == "escalate":
        lines.append(f"**Needs a person:** {plan.reason}")
    elif plan.kind == "note_only":
        lines.append(f"**Nothing to change:** {plan.message}")
    if plan.steps:
        lines.extend(["", *_steps_table(plan.steps)])
    if plan.notes:
        lines.extend(["", "Notes:", *(f"- {note}" for note in plan.notes)])
    if plan.warnings:
        lines.extend(["", "Warnings:", *(f"- ⚠ {warning}" for warning in plan.warnings)])
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip() + "\n"


def describe_until(until: datetime | None) -> str:
    """
    ``until 2026-12-31 17:00 UTC`` or ``permanent``.

    Args:
        until: when access ends, if it does.
    """
    return (
        "permanent"
        if until is None
        else f"until {until:%Y-%m-%d %H:%M} {until.tzname() or ''}".strip()
    )


def format_state(state: Mapping[str, str | None]) -> str:
    """
    ``key: value`` pairs for a table cell (``—`` when empty).

    Args:
        state: before or after values.
    """
    if not state:
        return "—"
    return ", ".join(f"{key}: {'—' if value is None else value}" for key, value in state.items())


def _header(plan: Plan) -> list[str]:
    rows = [f"- Ticket: {plan.ticket} · intent `{plan.intent}` · risk **{plan.risk}**"]
    if plan.target is not None:
        rows.append(f"- For: **{literal(plan.target.label)}** on `{plan.target.directory}`")
    if plan.requester is not None:
        rows.append(f"- Requested by: {literal(plan.requester.label)}")
    if len(plan.items) > 1:
        rows.append(f"- Items: {', '.join(literal(item) for item in plan.items)}")
    elif plan.application:
        rows.append(f"- Application: {literal(plan.application)}")
    if plan.steps:
        rows.append(f"- Access: {describe_until(plan.until)}")
        changes = len(plan.changes)
        rows.append(
            f"- Changes: {changes} of {len(plan.steps)} steps ({len(plan.steps) - changes} no change)"
        )
    return rows


MAX_TABLE_STEPS = 100
"""A longer plan (a bulk file) shows its first steps and a count of the rest by kind."""


def _steps_table(steps: tuple[PlannedStep, ...]) -> list[str]:
    rows = ["| # | Step | System | Before | After | |", "|---|---|---|---|---|---|"]
    for step in steps[:MAX_TABLE_STEPS]:
        status = "manual task" if step.manual else ("" if step.changed else "no change")
        if step.until is not None:
            status = f"{status} {describe_until(step.until)}".strip()
        rows.append(
            f"| {step.index} | {_cell(step.description)} | `{step.directory}` | "
            f"{_cell(format_state(step.before))} | {_cell(format_state(step.after))} | {status} |"
        )
    rest = steps[MAX_TABLE_STEPS:]
    if rest:
        kinds = Counter(s.kind for s in rest)
        counts = ", ".join(f"{n} {kind}" for kind, n in sorted(kinds.items()))
        rows += [
            "",
            f"… and {len(rest)} more steps ({counts}); every step is in the evidence export.",
        ]
    return rows


def _cell(text: str) -> str:
    return literal(text)  # one line, and "|" escaped with the rest
