"""
A playbook that passes ``check`` but fails at run time ends its run at once (issue 13.9): the
ticket is escalated with an internal note saying what failed; nothing is retried or changed.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from tests.integration.playbooks.world import world
from worker.db.tables import TicketRow
from worker.wiring.files import builtin_library_dir, load_library

BROKEN = """\
name: account-unlock
title: Unlock an account
description: An admin's copy whose step names an input that does not exist.
intents: [account_unlock]
risk: low
who_may_ask: {target: true}
steps:
  - id: vpn
    kind: add_to_group
    with: {group: "{{ inputs.vpn_group }}"}
"""


def test_a_template_failing_at_run_time_escalates_once(tmp_path: Path) -> None:
    (tmp_path / "books").mkdir()
    (tmp_path / "books" / "account-unlock.yaml").write_text(BROKEN)
    with world(f"sqlite:///{tmp_path / 'deskpilot.sqlite3'}") as w:
        w.rt.library = load_library([builtin_library_dir(), tmp_path / "books"])
        w.ticket("IT-9", "alice", "Locked out", "My account is locked, please unlock it.")
        w.drain()
        with w.rt.db.session() as session:
            row = session.scalars(select(TicketRow).where(TicketRow.key == "IT-9")).one()

        assert (row.outcome, row.stage) == ("escalated", "done")
        assert "a template failed" in w.text("IT-9", public=False)
        assert "vpn_group" in w.text("IT-9", public=False)
        assert dict(w.directory.apply_counts) == {}  # type: ignore[attr-defined]
        assert w.runs("IT-9") == []
