"""docs/playbooks.md shows notes rendered from real runs; this test keeps them true.

Regenerate after changing a playbook's notes: ``DESKPILOT_WRITE_DOCS=1 uv run pytest tests/unit/playbooks/test_playbook_docs.py``.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from connectors.identity import Capability
from playbooks.notes import note_status, render_internal_note, render_public_reply
from tests.unit.playbooks.playbook_builders import company, run_scenario, settings, user
from worker.wiring.files import load_library

DOC = Path(__file__).resolve().parents[3] / "docs" / "playbooks.md"
START, END = "<!-- examples:start -->", "<!-- examples:end -->"

EXAMPLES: list[tuple[str, str, str, dict[str, Any], str | None]] = [
    ("Account unlock — Alice is locked out", "account_unlock", "alice", {}, None),
    (
        "Password reset — directory without a reset flow (one-time link)",
        "password_reset",
        "alice",
        {},
        None,
    ),
    (
        "Access grant — waiting for the application owner",
        "access_grant",
        "bob",
        {"application": "sfdc", "duration_s": 14 * 86400},
        None,
    ),
    (
        "Access grant — approved by the owner and applied",
        "access_grant",
        "bob",
        {"application": "sfdc", "duration_s": 14 * 86400},
        "olivia",
    ),
    (
        "Offboarding — approved by HR",
        "account_disable",
        "maria",
        {"target_email": "alice@example.com", "fields": {"leave_date": "2026-11-30"}},
        "olivia",
    ),
]


def render_examples() -> str:
    library, policy = load_library(), settings()
    sections = []
    for title, intent, requester, kw, approver in EXAMPLES:
        directory = company()
        directory.capabilities = frozenset(Capability) - {Capability.RESET_PASSWORD_FLOW}
        directory.lock(user(directory, "alice").id)
        directory.add_to_group(user(directory, "olivia").id, "hr-team")
        playbook, facts = run_scenario(
            library, directory, policy, intent, requester, kw, approver=approver
        )
        status = note_status(facts)
        heading = (
            "**Public reply (the requester sees):**"
            if policy.replies.is_public(status)
            else f"**Public reply (only if `replies.public` lists `{status}`; not sent by default):**"
        )
        sections.append(
            f"### {title}\n\n{heading}\n\n````markdown\n{render_public_reply(playbook, facts)}````\n\n"
            f"**Internal note (agents see):**\n\n````markdown\n{render_internal_note(playbook, facts)}````\n"
        )
    return "\n".join(sections)


def test_docs_show_the_notes_as_rendered() -> None:
    """The examples in docs/playbooks.md are exactly what the playbooks render today."""
    text = DOC.read_text(encoding="utf-8")
    head, rest = text.split(START, 1)
    _, tail = rest.split(END, 1)
    expected = f"{head}{START}\n{render_examples()}{END}{tail}"
    if os.environ.get("DESKPILOT_WRITE_DOCS") == "1":
        DOC.write_text(expected, encoding="utf-8")
    assert text == expected, (
        "docs/playbooks.md is stale: regenerate it (see this module's docstring)"
    )
