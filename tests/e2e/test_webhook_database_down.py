"""
While the database cannot answer, a webhook is refused for later — 503, ``Retry-After``, the
connection closed — counted in ``/metrics`` and logged in one line, never with a traceback.
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from structlog.testing import capture_logs

from intake.webhooks import sign_jira
from tests.integration.playbooks.world import DESK, World, world
from worker.db.database import Database
from worker.web.app import create_app

DOWN = "postgresql+psycopg://deskpilot@127.0.0.1:1/deskpilot"


def _signed(w: World, key: str) -> tuple[bytes, dict[str, str]]:
    """A ticket's ``jira:issue_created`` delivery, signed as Jira signs it."""
    sent: list[dict[str, Any]] = []
    w.deliver = sent.append  # type: ignore[method-assign,assignment]
    w.ticket(key, "alice", "Forgot my password", "I forgot my password, please reset it.")
    body = json.dumps(sent[0]).encode()
    headers = {
        "Content-Type": "application/json",
        "X-Atlassian-Webhook-Identifier": str(uuid.uuid4()),
        **sign_jira(w.secret, body),
    }
    return body, headers


def _refused(metrics: str) -> float:
    for line in metrics.splitlines():
        labels = (f'desk="{DESK}"', 'status="503"')
        if line.startswith("deskpilot_webhooks_total{") and all(x in line for x in labels):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


def test_an_unavailable_database_answers_503_and_logs_one_line(tmp_path: Path) -> None:
    with world(f"sqlite:///{tmp_path / 'db.sqlite3'}") as w:
        body, headers = _signed(w, "IT-2")
        client = TestClient(create_app(w.rt), raise_server_exceptions=False)
        before = _refused(client.get("/metrics").text)
        working = w.rt.db
        w.rt.db = Database(DOWN)
        try:
            with capture_logs() as logs:
                answers = [client.post(f"/hooks/{DESK}", content=body, headers=headers)]
                answers.append(client.post(f"/hooks/{DESK}", content=body, headers=headers))
        finally:
            w.rt.db.dispose()
            w.rt.db = working

        assert [a.status_code for a in answers] == [503, 503]
        assert all(a.headers["retry-after"].isdigit() for a in answers)
        assert all(a.headers["connection"] == "close" for a in answers)
        assert _refused(client.get("/metrics").text) == before + 2
        refusals = [e for e in logs if e["event"] == "webhook.database_unavailable"]
        assert len(refusals) == 2
        assert not [e for e in logs if "exc_info" in e or e["log_level"] == "critical"]
        summaries = [e for e in logs if e["event"] == "webhook.database_unavailable_summary"]
        assert len(summaries) == 1  # rate-limited: one for the burst

        with capture_logs() as later:
            again = client.post(f"/hooks/{DESK}", content=body, headers=headers)
        assert again.status_code == 202
        assert [
            e["refused_in_outage"] for e in later if e["event"] == "webhook.database_recovered"
        ] == [2]
