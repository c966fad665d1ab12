"""The loader: every problem of a broken playbook is reported with FILE:LINE, nothing loads silently."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from playbooks.load import PlaybookLoadError, load_playbook_text
from worker.wiring.files import check_library, load_library

GOOD = """\
name: unlock
title: Unlock
description: Unlock an account.
intents: [account_unlock]
risk: low
steps:
  - kind: unlock
"""

CASES = [
    ("bad-yaml", GOOD.replace("risk: low", "risk: [low"), 6, "invalid YAML"),
    ("unknown-step-kind", GOOD.replace("kind: unlock", "kind: unlok"), 7, "steps.0.kind"),
    (
        "bad-template",
        GOOD + '  - kind: add_to_group\n    with:\n      group: "{{ inputs.group "\n',
        10,
        "steps.1.with.group",
    ),
    ("missing-field", GOOD.replace("title: Unlock\n", ""), 1, "title: Field required"),
    (
        "unknown-intent",
        GOOD.replace("[account_unlock]", "[account_unlock, make_coffee]"),
        4,
        "unknown intent make_coffee",
    ),
    ("missing-step-param", GOOD + "  - kind: add_to_group\n", 8, "needs `with: group`"),
    ("unknown-key", GOOD.replace("risk: low", "risk: low\nrisky: yes"), 6, "risky: Extra inputs"),
    ("bad-when", GOOD + '    when: "target.locked and"\n', 8, "steps.0.when"),
    (
        "bad-input-source",
        GOOD + "inputs:\n  group:\n    from: [ticket.group]\n",
        10,
        "write SOURCE.NAME",
    ),
    (
        "time-bound-without-duration",
        GOOD + "  - kind: add_to_group\n    with: {group: x}\n    time_bound: true\n",
        1,
        "needs the playbook's `duration`",
    ),
    ("bad-duration", GOOD + "duration:\n  default: forever\n", 9, "cannot read duration"),
    (
        "n-of-m-short",
        GOOD + "approval:\n  rule: n_of_m\n  count: 3\n  approvers: [a, b]\n",
        8,
        "at least count=3",
    ),
]


@pytest.mark.parametrize(
    ("text", "line", "message"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_problem_is_reported_with_file_and_line(text: str, line: int, message: str) -> None:
    """A broken playbook raises PlaybookLoadError whose problems say FILE:LINE: what."""
    with pytest.raises(PlaybookLoadError) as caught:
        load_playbook_text(text, "site/unlock.yaml")

    assert any(
        p.startswith(f"site/unlock.yaml:{line}:") and message in p for p in caught.value.problems
    ), caught.value.problems


def test_good_playbook_loads() -> None:
    """The minimal playbook loads with its defaults."""
    playbook = load_playbook_text(GOOD, "x.yaml")

    assert (playbook.name, playbook.risk, playbook.steps[0].compensate) == ("unlock", "low", "auto")


def test_later_directory_overrides_same_name(tmp_path: Path) -> None:
    """A site directory replaces a shipped playbook of the same name and keeps the others."""
    site = tmp_path / "site"
    site.mkdir()
    (site / "unlock.yaml").write_text(
        GOOD.replace("name: unlock", "name: account-unlock").replace("Unlock\n", "Site unlock\n", 1)
    )

    library = load_library([Path("playbooks/library"), site])

    assert library.get("account-unlock").title == "Site unlock"
    assert "password-reset" in library.playbooks


def test_check_library_lists_every_broken_file(tmp_path: Path) -> None:
    """check_library reports problems from all files at once, and the library refuses to load."""
    (tmp_path / "a.yaml").write_text(GOOD.replace("risk: low", "risk: extreme"))
    (tmp_path / "b.yaml").write_text(textwrap.dedent("name: b\n"))
    (tmp_path / "c.yaml").write_text(GOOD.replace("name: unlock", "name: c"))

    problems = check_library([tmp_path])

    assert [p.split(":")[0] for p in problems].count(str(tmp_path / "a.yaml")) == 1
    assert any(p.startswith(f"{tmp_path / 'b.yaml'}:1:") for p in problems)
    with pytest.raises(PlaybookLoadError):
        load_library([tmp_path])


def test_shipped_library_is_clean() -> None:
    """Every shipped playbook loads."""
    assert check_library() == []
