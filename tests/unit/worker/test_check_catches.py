"""
``deskpilot check`` reports, with file and line, what used to pass it and fail later (13.8, 13.9).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from worker.cli.check import check_everything, warnings_for

PLAYBOOK = """\
name: account-unlock
title: Unlock an account
description: An admin's copy with mistakes in its notes.
intents: [account_unlock]
risk: low
who_may_ask: {target: true}
steps:
  - id: unlock
    kind: unlock
notes:
  public:
    done: |
      Hello {{ requester.first_nme }}, done by {{ agent_name }}.
    nothing: |
      Your temporary password is {{ inputs.password }}.
  internal: |
    Link for {{ target.login }}: {{ one_time_link }}
"""
CONFIG = """\
database_url: sqlite:///deskpilot.sqlite3
directories: [{{name: corp, type: memory}}]
playbook_dirs: [{dir}]
"""


@pytest.fixture
def problems(tmp_path: Path) -> list[str]:
    (tmp_path / "books").mkdir()
    (tmp_path / "books" / "account-unlock.yaml").write_text(PLAYBOOK)
    config = tmp_path / "deskpilot.yaml"
    config.write_text(CONFIG.format(dir=tmp_path / "books"))
    return check_everything(config)


@pytest.mark.parametrize(
    "pattern",
    [
        r"account-unlock\.yaml:12: .*requester\.first_nme is not defined",
        r"account-unlock\.yaml:12: .*undefined variable 'agent_name'",
        r"account-unlock\.yaml:14: .*'password' looks like a secret",
        r"account-unlock\.yaml:16: .*one-time link is printed in the internal note",
    ],
    ids=["unknown-field", "undefined-name", "password-in-a-note", "link-in-the-internal-note"],
)
def test_playbook_note_problems(problems: list[str], pattern: str) -> None:
    """Each mistake in the notes is reported at the line of its template."""
    assert any(re.search(pattern, p) for p in problems), problems


def _config_problems(tmp_path: Path, text: str, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    monkeypatch.setenv("T_SHORT", "short-token")
    monkeypatch.setenv("T_LONG", "x" * 40)
    config = tmp_path / "deskpilot.yaml"
    config.write_text(text)
    return check_everything(config)


BASE = """\
database_url: sqlite:///deskpilot.sqlite3
directories: [{name: corp, type: memory}]
"""


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            BASE + "desks:\n  - name: jira-it\n    type: jira\n    unsigned: true\n",
            r"deskpilot\.yaml:4:\d+: desks\[0\]: .*base_url: the jira URL is required",
        ),
        (
            BASE + "classifier:\n  thresholds: {low: true}\n",
            r"deskpilot\.yaml:4:\d+: classifier\.thresholds\.low: Input should be a valid number",
        ),
        (
            BASE + 'classifier:\n  thresholds: {medium: "0.8"}\n',
            r"deskpilot\.yaml:4:\d+: classifier\.thresholds\.medium: Input should be a valid number",
        ),
        (
            BASE + 'playbooks:\n  blast_radius: "50"\n',
            r"deskpilot\.yaml:4:\d+: playbooks\.blast_radius: Input should be a valid integer",
        ),
        (
            BASE + "sla:\n  at_risk:\n    - {percent: true}\n",
            r"deskpilot\.yaml:5:\d+: sla\.at_risk\[0\]\.percent: Input should be a valid number",
        ),
        (
            BASE + "web:\n  api_tokens:\n    - {name: lead, token: {env: T_SHORT}}\n",
            r"web\.api_tokens\.lead: the token has 11 characters; use 32 or more",
        ),
        (
            BASE + "web:\n  api_tokens:\n    - {name: lead, role: viewer, token: {env: T_LONG}}\n"
            "    - {name: lead, role: agent, token: {env: T_LONG}}\n",
            r"deskpilot\.yaml:3:\d+: web: .*each name once; used more than once: lead",
        ),
    ],
    ids=["desk-without-base-url", "threshold-boolean", "threshold-string", "count-string",
         "at-risk-boolean", "short-token", "token-name-twice"],
)  # fmt: skip
def test_config_problems(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str, expected: str
) -> None:
    found = _config_problems(tmp_path, text, monkeypatch)

    assert any(re.search(expected, p) for p in found), found


@pytest.mark.parametrize(
    ("extra", "warned"),
    [
        ("", True),
        ("mail: {host: smtp.example.com, sender: deskpilot@example.com}\n", False),
        ("web: {owner_proof: none}\n", False),
    ],
    ids=["no-mail", "mail", "proof-off"],
)
def test_one_time_passwords_without_mail_are_warned(
    tmp_path: Path, extra: str, warned: bool
) -> None:
    """Without mail no owner can prove a link is theirs: ``check`` says resets go to a person."""
    config = tmp_path / "deskpilot.yaml"
    config.write_text("directories: [{name: corp, type: memory}]\n" + extra)

    found = [w for w in warnings_for(config) if "one-time password" in w]

    assert bool(found) is warned


CONTRACT_END = """\
directories:
  - {name: sf, type: salesforce}
  - {name: gws, type: google}
  - {name: app, type: scim, url: "https://app.example.com/scim/v2"}
  - {name: corp, type: ldap, url: "ldaps://dc.example.com"}
playbooks:
  people:
"""
ACME = "urn:example:params:scim:schemas:extension:acme:2.0:User"


@pytest.mark.parametrize(
    ("people", "errors", "warnings"),
    [
        ('    contract_end_attributes: {sf: "Contract_End__c FROM User --"}\n',
         [r"deskpilot\.yaml:8:\d+: playbooks\.people\.contract_end_attributes\.sf: directories\.sf "
          r"\(salesforce\) cannot read it: .* is not a Salesforce field API name"], []),
        ("    contract_end_attributes: {gws: Employment.contractEnd}\n",
         [r"deskpilot\.yaml:8:\d+: playbooks\.people\.contract_end_attributes\.gws: directories\."
          r"gws \(google\) cannot read it: .* write customSchemas\.<SchemaName>\.<fieldName>"], []),
        (f'    contract_end_attributes: {{app: "{ACME}:contract end"}}\n',
         [r"deskpilot\.yaml:8:\d+: playbooks\.people\.contract_end_attributes\.app: directories\."
          r"app \(scim\) cannot read it: .* is not SCIM attribute notation \(RFC 7644 §3\.10\)"], []),
        ("    contract_end_attribute: extensionAttribute7\n", [],
         [r"deskpilot\.yaml:8:\d+: playbooks\.people\.contract_end_attribute: directories\.gws "
          r"\(google\) cannot read it: .*; name its own in contract_end_attributes\.gws"]),
        ("    contract_end_attribute: extensionAttribute7\n    contract_end_attributes:\n"
         f'      {{sf: Contract_End__c, gws: customSchemas.Employment.contractEnd, app: "{ACME}:'
         'contractEnd", corp: description}\n', [], []),
        ("", [], []),
    ],
    ids=["salesforce-not-an-identifier", "google-not-a-custom-field", "scim-not-notation",
         "shared-name-google-cannot-read", "each-in-its-notation", "not-configured"],
)  # fmt: skip
def test_contract_end_attribute_each_directory_can_read(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    people: str,
    errors: list[str],
    warnings: list[str],
) -> None:
    """
    A directory's own contract-end attribute that its kind cannot express is an error at its
    key; the shared one is a warning (that directory may keep no contract end at all).
    """
    text = CONTRACT_END + (people or "    name_margin: 4.0\n")
    found = _config_problems(tmp_path, text, monkeypatch)
    warned = warnings_for(tmp_path / "deskpilot.yaml")

    about = [p for p in found if "playbooks.people.contract_end" in p]
    warned_about = [w for w in warned if "playbooks.people.contract_end" in w]
    assert len(about) == len(errors), found
    assert all(any(re.search(e, p) for p in about) for e in errors), about
    assert len(warned_about) == len(warnings), warned
    assert all(any(re.search(w, p) for p in warned_about) for w in warnings), warned_about
