"""
A playbook that passes ``check`` but fails at run time ends its run at once (issue 13.9): the
ticket is escalated with an internal note saying what failed; nothing is retried or changed.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from sqlalchemy import select

from connectors.identity import Capability
from tests.integration.playbooks.world import company, world
from worker.db.records import AuditRow
from worker.db.tables import OutboxRow, TicketRow
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


RESET_WITH_A_BROKEN_REPLY = """\
name: password-reset
title: Reset a password
description: An admin's copy whose reply looks the one-time link up as a key (fails, quoting it).
intents: [password_reset]
target: named_or_requester
who_may_ask: {target: true}
risk: medium
steps:
  - id: one_time_password
    kind: set_one_time_password
notes:
  public:
    done: "Hello {{ inputs[one_time_link] }}"
"""


def test_a_note_template_failing_at_the_end_is_on_the_record(tmp_path: Path) -> None:
    """
    The reset is applied, then the reply's template fails with an error that quotes the link:
    the default wording goes out, the record says so (audit entry, run result, internal note
    naming the error), the ticket is escalated, not resolved, and the token is only in the
    owner's reply.
    """
    (tmp_path / "books").mkdir()
    (tmp_path / "books" / "password-reset.yaml").write_text(RESET_WITH_A_BROKEN_REPLY)
    directory = company()
    directory.capabilities = frozenset(Capability) - {Capability.RESET_PASSWORD_FLOW}
    with world(f"sqlite:///{tmp_path / 'deskpilot.sqlite3'}", directory) as w:
        w.rt.library = load_library([builtin_library_dir(), tmp_path / "books"])
        w.ticket("IT-7", "alice", "Forgot my password", "I forgot my password, please reset it.")
        w.drain()
        [token] = re.findall(r"/secret/([A-Za-z0-9_-]{16,})", w.text("IT-7", public=True))
        with w.rt.db.session() as session:
            audits = session.scalars(select(AuditRow).order_by(AuditRow.id)).all()
            failed = [a.data for a in audits if a.action == "run.note_template_failed"]
            kept = json.dumps([[a.action, a.data] for a in audits], default=str)
            outbox = session.scalars(select(OutboxRow)).all()
        [run] = w.runs("IT-7")
        row = w.ticket_row("IT-7")
        internal = w.text("IT-7", public=False)

    assert (row.outcome, run.state) == ("escalated", "applied")
    assert [f["playbook"] for f in failed] == ["password-reset"]
    assert "password-reset.notes.public.done" in failed[0]["error"]
    assert "(one-time link withheld)" in failed[0]["error"]
    assert run.result is not None
    assert run.result["note_template_error"] == failed[0]["error"]
    assert "note template failed" in internal
    assert "notes.public.done" in internal
    assert not any(o.kind == "transition" and o.body == "resolved" for o in outbox)
    assert token not in internal
    assert token not in kept
    assert w.text("IT-7", public=True).count(token) == 1
