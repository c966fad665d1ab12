"""The configuration file: every problem reported with its location; secrets only by reference."""

from __future__ import annotations

from pathlib import Path

import pytest

from worker.config import ConfigError, SecretRef, load_config, parse_config

GOOD = """
database_url: sqlite:///x.sqlite3
desks:
  - name: jira-it
    type: jira
    base_url: https://acme.atlassian.net
    webhook_secret: {env: JIRA_SECRET}
directories:
  - name: corp
    type: memory
"""


def test_a_good_config_loads() -> None:
    settings = parse_config(GOOD)

    assert [d.name for d in settings.desks] == ["jira-it"]
    assert settings.broker.url == "stub"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("desks:\n  - name: jira-it\n    type: jirra\n", "<config>:3:5: desks[0].type"),
        (
            "desks:\n  - name: Jira IT\n    type: jira\n    unsigned: true\n",
            "<config>:2:5: desks[0].name",
        ),
        ("desks:\n  - name: j\n    type: jira\n", "set `webhook_secret`, or `unsigned: true`"),
        ("broker:\n  url: amqp://x\n", "<config>:2:3: broker.url"),
        ("web:\n  prot: 80\n", "<config>:2:3: web.prot: Extra inputs are not permitted"),
        ("desks: [\n", "not valid YAML"),
        ("- a\n- b\n", "must be a mapping"),
        (
            "desks:\n  - {name: a, type: memory, directory: nowhere}\n",
            "unknown directory 'nowhere'",
        ),
    ],
    ids=[
        "unknown-type",
        "bad-name",
        "unsigned-not-explicit",
        "bad-broker",
        "typo",
        "bad-yaml",
        "not-mapping",
        "unknown-ref",
    ],
)
def test_problems_name_their_location(text: str, expected: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config(text)

    assert any(expected in problem for problem in caught.value.problems), caught.value.problems


def test_every_problem_is_reported_not_just_the_first() -> None:
    text = "broker:\n  url: nope\nweb:\n  port: -1\n"

    with pytest.raises(ConfigError) as caught:
        parse_config(text)

    assert len(caught.value.problems) == 2


def test_secret_comes_from_env_or_file(tmp_path: Path) -> None:
    secret_file = tmp_path / "token"
    secret_file.write_text("s3cr3t\n")

    assert SecretRef(env="X").resolve({"X": "from-env"}) == "from-env"
    assert SecretRef(file=secret_file).resolve({}) == "s3cr3t"
    with pytest.raises(ConfigError, match="X is not set"):
        SecretRef(env="X").resolve({})
    with pytest.raises(ValueError, match="exactly one"):
        SecretRef()


def test_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read"):
        load_config(tmp_path / "missing.yaml")
