"""
Refused deliveries are kept as received and can be replayed once the cause is fixed; deliveries
that verified but could not be read can be retried. Through the web app and ``deskpilot inbox``.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import secrets
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from typer.testing import CliRunner

from tests.e2e.pipeline_support import demo_runtime
from worker.cli.app import app as cli
from worker.db.records import RejectedDeliveryRow
from worker.db.tables import InboxItem
from worker.demo.deliveries import build_deliveries, load_demo
from worker.demo.settings import DEMO_DESKS
from worker.inbound.ingest import ingest
from worker.inbound.receive import Outcome, ReplayError, receive_webhook, replay_refused
from worker.runtime import Runtime
from worker.web.app import create_app

WRONG = {name: secrets.token_hex(16).encode() for name in DEMO_DESKS}
"""What the desks really sign with, while deskpilot's configuration holds other secrets."""


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'deskpilot.sqlite3'}"


def _config(tmp_path: Path, rt: Runtime) -> Path:
    """The runtime's settings as a config file (JSON is YAML), for the CLI."""
    path = tmp_path / "deskpilot.yaml"
    path.write_text(json.dumps(rt.settings.model_dump(mode="json")))
    return path


def _set_web(rt: Runtime, **values: int) -> None:
    """Change web settings of a running runtime (the settings themselves are frozen)."""
    web = rt.settings.web.model_copy(update=values)
    rt.settings = rt.settings.model_copy(update={"web": web})


def _kept(rt: Runtime) -> list[RejectedDeliveryRow]:
    with rt.db.session() as session:
        return list(session.scalars(select(RejectedDeliveryRow).order_by(RejectedDeliveryRow.id)))


def _fix_secrets(rt: Runtime) -> None:
    """The admin puts the desks' real secrets into the environment the config points at."""
    for desk in rt.settings.desks:
        assert desk.webhook_secret is not None
        assert desk.webhook_secret.env is not None
        os.environ[desk.webhook_secret.env] = WRONG[desk.name].decode()


def test_bad_signatures_are_kept_and_replay_once_the_secret_is_fixed(
    db_url: str, tmp_path: Path
) -> None:
    sent_at = dt.datetime(2026, 11, 26, 9, 0, tzinfo=dt.UTC)
    with demo_runtime(db_url) as demo:
        demo.rt.clock = lambda: sent_at
        wrong = build_deliveries(load_demo(), secrets=WRONG, now=sent_at)
        jira = next(d for d in wrong if d.key == "IT-101")
        zendesk = next(d for d in wrong if d.desk == "zendesk-support")
        client = TestClient(create_app(demo.rt))
        answers = [
            client.post(
                f"/hooks/{d.desk}",
                content=d.body,
                headers={**d.headers, "Authorization": "Basic c2VjcmV0OnNlY3JldA=="},
            )
            for d in (jira, zendesk)
        ]
        kept = _kept(demo.rt)

        assert [a.status_code for a in answers] == [401, 401]
        assert [(k.desk, k.status) for k in kept] == [("jira-it", 401), ("zendesk-support", 401)]
        assert "does not match" in kept[0].reason
        assert kept[0].body == jira.body
        assert kept[0].body_size == len(jira.body)
        assert "x-hub-signature" in kept[0].headers  # a hash of the body, not a credential
        assert not {k.lower() for k in kept[0].headers} & {"authorization", "cookie"}

        # A day later the admin has fixed the secret. Zendesk signs a timestamp that is stale by
        # now: the replay verifies it as of when the delivery came.
        _fix_secrets(demo.rt)
        config = _config(tmp_path, demo.rt)
        replayed = CliRunner().invoke(cli, ["inbox", "replay", str(kept[0].id), "-c", str(config)])
        demo.rt.webhook_secrets = {name: key for name, key in WRONG.items()}
        demo.rt.clock = lambda: sent_at + dt.timedelta(days=1)
        late = replay_refused(demo.rt, kept[1].id)
        again = replay_refused(demo.rt, kept[1].id)
        listed = CliRunner().invoke(cli, ["inbox", "rejected", "-c", str(config)])
        with demo.rt.db.session() as session:
            inbox = session.scalars(select(InboxItem.desk).order_by(InboxItem.id)).all()

    assert replayed.exit_code == 0, replayed.output
    assert "accepted as inbox row" in replayed.output
    assert "sweeper" in replayed.output  # the embedded default: the running service picks it up
    assert late.outcome is Outcome.ACCEPTED
    assert (again.outcome, again.inbox_id) == (Outcome.DUPLICATE, late.inbox_id)
    assert inbox == ["jira-it", "zendesk-support"]
    assert listed.exit_code == 0
    assert listed.output.count("inbox ") == 2  # both rows show what their replay stored
    assert f"inbox {late.inbox_id}" in listed.output


def test_unknown_desks_unreadable_and_oversized_bodies_are_kept(
    db_url: str, tmp_path: Path
) -> None:
    with demo_runtime(db_url) as demo:
        _set_web(demo.rt, max_body_bytes=4096)
        client = TestClient(create_app(demo.rt))
        delivery = next(d for d in demo.deliveries if d.key == "IT-101")
        unknown = client.post("/hooks/jira-typo", content=delivery.body, headers=delivery.headers)
        big = client.post("/hooks/jira-it", content=b"x" * 10_000, headers=delivery.headers)
        key = demo.rt.webhook_secrets["jira-it"]
        assert key is not None
        garbage = b'{"webhookEvent": "jira:issue_created", "issue": '
        from intake.webhooks import sign_jira

        unreadable = client.post(
            "/hooks/jira-it",
            content=garbage,
            headers={"Content-Type": "application/json", **sign_jira(key, garbage)},
        )
        kept = _kept(demo.rt)
        with pytest.raises(ReplayError, match="too large"):
            replay_refused(demo.rt, kept[1].id)
        config = _config(tmp_path, demo.rt)
        runner = CliRunner()
        shown = runner.invoke(cli, ["inbox", "show", str(kept[2].id), "-c", str(config)])
        refused_again = runner.invoke(cli, ["inbox", "replay", str(kept[2].id), "-c", str(config)])
        missing = runner.invoke(cli, ["inbox", "replay", "999", "-c", str(config)])

    assert (unknown.status_code, big.status_code, unreadable.status_code) == (404, 413, 400)
    assert [(k.desk, k.status) for k in kept] == [
        ("jira-typo", 404),
        ("jira-it", 413),
        ("jira-it", 400),
    ]
    assert "no desk named 'jira-typo'" in kept[0].reason
    assert (kept[1].body, kept[1].body_size) == (b"", 10_000)
    assert "not JSON" in kept[2].reason
    assert kept[2].body == garbage
    assert shown.exit_code == 0
    assert "answered 400" in shown.output
    assert "jira:issue_created" in shown.output
    assert refused_again.exit_code == 1
    assert "refused again (400)" in refused_again.output
    assert missing.exit_code == 1
    assert "no refused delivery 999" in missing.output


def test_only_the_newest_refusals_are_kept(db_url: str) -> None:
    with demo_runtime(db_url) as demo:
        _set_web(demo.rt, keep_rejected=3)
        for n in range(5):
            receive_webhook(demo.rt, "jira-it", {}, f'{{"n": {n}}}'.encode())
        newest = [json.loads(k.body)["n"] for k in _kept(demo.rt)]
        _set_web(demo.rt, keep_rejected=0)
        receive_webhook(demo.rt, "jira-it", {}, b'{"n": 5}')
        after_off = [json.loads(k.body)["n"] for k in _kept(demo.rt)]

    assert newest == [2, 3, 4]
    assert after_off == [2, 3, 4]


def test_unreadable_tickets_are_listed_and_retried(db_url: str, tmp_path: Path) -> None:
    with demo_runtime(db_url) as demo:
        key = demo.rt.webhook_secrets["jira-it"]
        assert key is not None
        from intake.webhooks import sign_jira

        body = b'{"webhookEvent": "jira:issue_created", "issue": {"key": "IT-9"}}'
        receipt = receive_webhook(demo.rt, "jira-it", sign_jira(key, body), body)
        assert receipt.inbox_id is not None
        assert ingest(demo.rt, receipt.inbox_id) == []
        config = _config(tmp_path, demo.rt)
        runner = CliRunner()
        listed = runner.invoke(cli, ["inbox", "failed", "-c", str(config)])
        retried = runner.invoke(cli, ["inbox", "retry", str(receipt.inbox_id), "-c", str(config)])
        twice = runner.invoke(cli, ["inbox", "retry", str(receipt.inbox_id), "-c", str(config)])
        with demo.rt.db.session() as session:
            row = session.get(InboxItem, receipt.inbox_id)
            assert row is not None
            state, error = row.state, row.error

    assert receipt.outcome is Outcome.ACCEPTED
    assert listed.exit_code == 0
    assert "jira:issue_created" in listed.output
    assert retried.exit_code == 0
    assert "received again" in retried.output
    assert (state, error) == ("received", None)
    assert twice.exit_code == 1
    assert "not a failed delivery" in twice.output


def test_what_anyone_sent_cannot_drive_the_admins_terminal(db_url: str, tmp_path: Path) -> None:
    with demo_runtime(db_url) as demo:
        hostile = b'{"x": "\x1b]0;owned\x07\x1b[2J"}\n'
        TestClient(create_app(demo.rt)).post("/hooks/jira%1b%5b31m", content=hostile)
        config = _config(tmp_path, demo.rt)
        listed = CliRunner().invoke(cli, ["inbox", "rejected", "-c", str(config)])
        shown = CliRunner().invoke(cli, ["inbox", "show", "1", "-c", str(config)])

    assert listed.exit_code == 0
    assert shown.exit_code == 0
    assert "\x1b" not in listed.output
    assert "\x1b" not in shown.output
    assert "\\x1b[2J" in shown.output  # shown, as an escape
