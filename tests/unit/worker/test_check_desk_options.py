"""
``deskpilot check`` on the options the normalizer reads: each accepted where its desk kind reads
it, in either form, and a wrong one reported with the file, desk and key (also for a desk with
``connector: memory``, whose deliveries are read with them all the same).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from worker.cli.check import check_everything

CREDENTIALS = {
    "jira": {"email": {"env": "T_USER"}, "api_token": {"env": "T_TOKEN"}},
    "zendesk": {"oauth_token": {"env": "T_TOKEN"}},
    "servicenow": {"oauth_token": {"env": "T_TOKEN"}},
    "salesforce": {"access_token": {"env": "T_TOKEN"}},
}
KINDS = tuple(CREDENTIALS)


def _problems(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    kind: str,
    options: dict[str, Any],
    **extra: Any,
) -> list[str]:
    monkeypatch.setenv("T_USER", "deskpilot@example.com")
    monkeypatch.setenv("T_TOKEN", "t" * 40)
    desk = {"name": "d", "type": kind, "base_url": f"https://{kind}.example.com",
            "unsigned": True, "credentials": CREDENTIALS[kind], "options": options, **extra}  # fmt: skip
    path = tmp_path / "deskpilot.yaml"
    path.write_text(yaml.safe_dump({"database_url": "sqlite:///d.sqlite3", "desks": [desk]}))
    return [p.removeprefix(f"{path}: ") for p in check_everything(path)]


EVERY_FORM = {
    "inbound_status_map": "Waiting for CAB=pending_approval; Fixed=Resolved",
    "priority_map": {"P1": "urgent", "P2": "High"},
    "status_map": {},
}


@pytest.mark.parametrize("kind", KINDS, ids=KINDS)
def test_the_inbound_overrides_pass_on_every_desk_kind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kind: str
) -> None:
    assert [] == _problems(tmp_path, monkeypatch, kind, EVERY_FORM)


def test_jira_reads_its_fields_from_the_configured_ids(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    options = {"request_type_field": "customfield_10010", "team_field": "labels"}

    assert [] == _problems(tmp_path, monkeypatch, "jira", options)


ENUM_STATUS = (
    "Input should be 'new', 'open', 'in_progress', 'pending_requester', 'pending_approval', "
    "'pending_other', 'resolved', 'closed' or 'cancelled'"
)
RENAME = (
    "Value error, a `desk status=deskpilot status` text is the inbound override: rename this key "
    "to inbound_status_map (status_map is the outbound map, deskpilot category → the desk's "
    "status; see docs/desks.md)"
)


@pytest.mark.parametrize(
    ("kind", "connector", "options", "expected"),
    [
        ("jira", "api", {"inbound_status_map": "Fixed=done"},
         f"desks.d.options.inbound_status_map.Fixed: 'done': {ENUM_STATUS}"),
        ("zendesk", "memory", {"inbound_status_map": {"Fixed": "done"}},
         f"desks.d.options.inbound_status_map.Fixed: 'done': {ENUM_STATUS}"),
        ("servicenow", "api", {"priority_map": "1 - Critical=p1"},
         "desks.d.options.priority_map.1 - Critical: 'p1': "
         "Input should be 'low', 'normal', 'high' or 'urgent'"),
        ("salesforce", "api", {"priority_map": "High"},
         "desks.d.options.priority_map: Value error, 'High' is not desk name=deskpilot value"),
        ("jira", "api", {"status_map": "Fixed=resolved"}, f"desks.d.options.status_map: {RENAME}"),
        ("salesforce", "memory", {"status_map": "Awaiting Vendor=pending_other"},
         f"desks.d.options.status_map: {RENAME}"),
        ("jira", "api", {"request_type_field": "Customer Request Type"},
         "desks.d.options.request_type_field: String should match pattern "
         "'^customfield_[0-9]{1,18}$'"),
        ("jira", "memory", {"team_field": "Team name"},
         "desks.d.options.team_field: String should match pattern "
         "'^(customfield_[0-9]{1,18}|[a-z][A-Za-z0-9_]{0,63})$'"),
        ("zendesk", "api", {"team_field": "customfield_10001"},
         "desks.d.options.team_field: Extra inputs are not permitted "
         "(only a jira desk's tickets are read with it)"),
    ],
    ids=[
        "status-value-text",
        "status-value-mapping-memory-connector",
        "priority-value",
        "pair-without-equals",
        "old-inbound-status_map",
        "old-inbound-status_map-memory-connector",
        "request-type-field-not-an-id",
        "team-field-not-an-id-memory-connector",
        "team-field-on-zendesk",
    ],
)  # fmt: skip
def test_a_wrong_option_is_reported_with_desk_and_key(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    kind: str,
    connector: str,
    options: dict[str, Any],
    expected: str,
) -> None:
    assert [expected] == _problems(tmp_path, monkeypatch, kind, options, connector=connector)


def test_a_memory_connector_desk_is_checked_for_what_it_reads_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Its connector options are never used, so they are not checked (as before)."""
    options = {"poll_api": "nonsense", "priority_map": "P1=urgent"}

    assert [] == _problems(tmp_path, monkeypatch, "zendesk", options, connector="memory")
