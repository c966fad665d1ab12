"""
``deskpilot check`` names a desk whose notifications can never be confirmed: it takes deliveries
that are only notifications (unsigned, Salesforce Outbound Messages, stale Jira) while deskpilot
has no way to re-read tickets through its API (``connector: memory``, or no credentials, which
is also an error: the connector is not built without them). What ``build_desk`` refuses in a
desk's options or credentials is an error of ``check`` too.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from worker.cli.check import check_everything, warnings_for

BASE = """\
database_url: sqlite:///deskpilot.sqlite3
directories: [{name: corp, type: memory}]
web: {owner_proof: none}
desks:
  - name: d
"""
SECRET = "{env: T_SECRET}"
JIRA_NEEDS = r"jira needs email\+api_token or personal_access_token"
DROPPED = (
    r"so every one will be dropped \(kept in the inbox as failed, never acted on\)\. "
    r"Add desks\.d\.credentials \({needs}\)"
)
CASES = [
    # id, the desk's keys, the warning (a regex), the error (a regex)
    (
        "jira-unsigned-no-credentials",
        "type: jira\nbase_url: https://acme.atlassian.net\nunsigned: true",
        r"desks\.d: every delivery \(unsigned: true\) to /hooks/d is only a notification, and "
        r"deskpilot has no API credentials to re-read the ticket it names, "
        + DROPPED.format(needs=JIRA_NEEDS)
        + "$",
        rf"desks\.d\.credentials: {JIRA_NEEDS}$",
    ),
    (
        "jira-unsigned-memory",
        "type: jira\nunsigned: true\nconnector: memory",
        r"desks\.d: .* has no API \(connector: memory\) to re-read the ticket it names, "
        + DROPPED.format(needs=JIRA_NEEDS)
        + " and set connector: api$",
        None,
    ),
    (
        "jira-signed-memory",
        f"type: jira\nwebhook_secret: {SECRET}\nconnector: memory",
        r"desks\.d: every signed delivery outside its replay window \(a late retry, a replay\) to "
        r"/hooks/d is only a notification, and deskpilot has no API \(connector: memory\)",
        None,
    ),
    (
        "jira-unsigned-with-credentials",
        "type: jira\nbase_url: https://acme.atlassian.net\nunsigned: true\n"
        f"credentials: {{email: {SECRET}, api_token: {SECRET}}}\noptions: {{replay_window_s: 600}}",
        None,
        None,
    ),
    (
        "zendesk-unsigned-memory",
        "type: zendesk\nunsigned: true\nconnector: memory",
        r"desks\.d: every delivery \(unsigned: true\) to /hooks/d is only a notification",
        None,
    ),
    (
        "zendesk-signed-memory",
        f"type: zendesk\nwebhook_secret: {SECRET}\nconnector: memory",
        None,
        None,
    ),
    (
        "servicenow-unsigned-no-credentials",
        "type: servicenow\nbase_url: https://acme.service-now.com\nunsigned: true\n"
        "credentials: {username: {env: T_SECRET}}",
        r"desks\.d: .* has no API credentials to re-read the ticket it names, .*"
        r"\(servicenow needs username\+password or oauth_token\)$",
        r"desks\.d\.credentials: servicenow needs username\+password or oauth_token$",
    ),
    (
        "servicenow-signed-memory",
        f"type: servicenow\nwebhook_secret: {SECRET}\nconnector: memory",
        None,
        None,
    ),
    (
        "salesforce-outbound-memory",
        "type: salesforce\nunsigned: true\nconnector: memory\n"
        "options: {organization_id: 00DHs000000AcMeMAK}",
        r"desks\.d: every Outbound Message \(not signed\) to /hooks/d is only a notification, "
        r"and deskpilot has no API \(connector: memory\) .*\(salesforce needs access_token or ",
        None,
    ),
    (
        "salesforce-hmac-without-secret",
        "type: salesforce\nunsigned: true\nconnector: memory\n"
        "options: {organization_id: 00DHs000000AcMeMAK, hmac: true}",
        r"desks\.d: every Outbound Message \(not signed\)",
        None,
    ),
    (
        "salesforce-outbound-with-credentials",
        "type: salesforce\nbase_url: https://acme.my.salesforce.com\nunsigned: true\n"
        f"credentials: {{access_token: {SECRET}}}\noptions: {{organization_id: 00DHs000000AcMeMAK}}",
        None,
        None,
    ),
    (
        "salesforce-signed-relay-memory",
        f"type: salesforce\nwebhook_secret: {SECRET}\nconnector: memory\n"
        "options: {organization_id: 00DHs000000AcMeMAK, hmac: true}",
        None,
        None,
    ),
    (
        "salesforce-organization-id-typo",
        "type: salesforce\nbase_url: https://acme.my.salesforce.com\nunsigned: true\n"
        f"credentials: {{access_token: {SECRET}}}\noptions: {{organization_id: 00DHs000}}",
        None,
        r"desks\.d\.options\.organization_id: String should match pattern",
    ),
]


@pytest.mark.parametrize(
    ("desk", "warning", "error"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_check_names_desks_whose_notifications_cannot_be_confirmed(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    desk: str,
    warning: str | None,
    error: str | None,
) -> None:
    monkeypatch.setenv("T_SECRET", "x" * 40)
    path = tmp_path / "deskpilot.yaml"
    path.write_text(BASE + "".join(f"    {line}\n" for line in desk.splitlines()))
    prefix = re.escape(f"{path}: ")

    warnings, problems = warnings_for(path), check_everything(path)

    assert _matches(prefix, warning, warnings), warnings
    assert _matches(prefix, error, problems), problems


def _matches(prefix: str, pattern: str | None, lines: list[str]) -> bool:
    """``lines`` is one line matching ``pattern`` (after ``prefix``), or empty when it is None."""
    if pattern is None:
        return lines == []
    return len(lines) == 1 and re.match(prefix + pattern, lines[0]) is not None
