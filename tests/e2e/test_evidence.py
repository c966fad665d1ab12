"""The evidence pack an auditor asks for, and the audit CLI, after a real run through the worker."""

from __future__ import annotations

import json
from pathlib import Path

from fastapi.testclient import TestClient
from typer.testing import CliRunner

from tests.e2e.pipeline_support import demo_runtime, running, wait_until_handled
from worker.cli.app import app
from worker.reports.evidence import evidence_pack
from worker.web.app import create_app


def test_evidence_pack_and_audit_cli(tmp_path: Path) -> None:
    """Request, classification, plan, changes with before/after, verification, notes, chain."""
    db_url = f"sqlite:///{tmp_path / 'deskpilot.sqlite3'}"
    with demo_runtime(db_url) as demo:
        delivery = next(d for d in demo.deliveries if d.key == "IT-101")
        with running(demo.rt):
            TestClient(create_app(demo.rt)).post(
                f"/hooks/{delivery.desk}", content=delivery.body, headers=delivery.headers
            )
            assert 1 == wait_until_handled(demo.rt, 1)
        with demo.rt.db.session() as session:
            pack = evidence_pack(session, "IT-101")

    assert "resolved" == pack["ticket"]["outcome"]
    assert "account_unlock" == pack["classification"]["intent"]
    [run] = pack["runs"]
    [step] = [s for s in run["steps"] if s["phase"] == "apply"]
    assert ("unlock", True, True) == (step["operation"], step["changed"], step["verified"])
    assert {"locked": "true"} == step["before"]
    assert {"public_reply", "internal_note", "transition"} <= {n["kind"] for n in pack["notes"]}
    assert pack["audit_chain"]["ok"]
    assert {"ticket.decided", "step.applied"} <= {a["action"] for a in pack["audit"]}
    assert set(pack["waiting"]) == {
        "requester_s",
        "approver_s",
        "deskpilot_s",
        "agent_s",
        "third_party_s",
    }

    config = tmp_path / "deskpilot.yaml"
    config.write_text(f"database_url: {db_url}\n")
    runner = CliRunner()
    verified = runner.invoke(app, ["audit", "verify", "-c", str(config)])
    exported = runner.invoke(app, ["audit", "export", "-c", str(config), "--ticket", "IT-101"])
    missing = runner.invoke(app, ["audit", "export", "-c", str(config), "--ticket", "NOPE-1"])

    assert 0 == verified.exit_code, verified.output
    assert "audit chain OK" in verified.output
    assert 0 == exported.exit_code
    assert "IT-101" == json.loads(exported.stdout)["ticket"]["key"]
    assert 1 == missing.exit_code
