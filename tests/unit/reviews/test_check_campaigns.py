"""``deskpilot check`` reads the campaigns beside the playbooks and names every problem's place."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from worker.cli.app import app
from worker.cli.check import check_everything

CONFIG = """\
database_url: sqlite:///deskpilot.sqlite3
desks: [{{name: it, type: memory}}]
directories: [{{name: corp, type: memory}}]
playbook_dirs: [{dir}]
playbooks:
  applications: [{{name: Payroll, group: payroll-users, owners: [olga]}}]
"""
GOOD = """\
name: payroll-q4
title: Payroll access
desk: it
scope: {applications: [Payroll], users: {department: Finance}}
window_days: 14
reviewers: {rule: owner, fallback: [ceo]}
"""


def _config(tmp_path: Path, **files: str) -> Path:
    folder = tmp_path / "books" / "reviews"
    folder.mkdir(parents=True)
    for name, text in files.items():
        (folder / name).write_text(text)
    config = tmp_path / "deskpilot.yaml"
    config.write_text(CONFIG.format(dir=tmp_path / "books"))
    return config


def test_a_good_campaign_passes_check(tmp_path: Path) -> None:
    config = _config(tmp_path, **{"payroll.yaml": GOOD})
    assert check_everything(config) == []
    result = CliRunner().invoke(app, ["check", str(config)])
    assert result.exit_code == 0, result.output


def test_check_names_file_line_and_field(tmp_path: Path) -> None:
    bad = GOOD.replace("desk: it", "desk: zendesk").replace("[Payroll]", "[Payrol]")
    config = _config(
        tmp_path,
        **{"a.yaml": bad, "b.yaml": GOOD.replace("window_days: 14", "window_days: 120")},
    )
    folder = tmp_path / "books" / "reviews"
    problems = check_everything(config)
    assert problems == [
        f"{folder / 'b.yaml'}:5: window_days: Input should be less than or equal to 90",
        f"{folder / 'a.yaml'}:1: desk: `zendesk` is not a configured desk",
        f"{folder / 'a.yaml'}:1: scope.applications: `Payrol` is not in the catalogue",
    ]
    config = _config(tmp_path / "again", **{"a.yaml": bad})
    folder = tmp_path / "again" / "books" / "reviews"
    assert check_everything(config) == [
        f"{folder / 'a.yaml'}:1: desk: `zendesk` is not a configured desk",
        f"{folder / 'a.yaml'}:1: scope.applications: `Payrol` is not in the catalogue",
    ]
    result = CliRunner().invoke(app, ["check", str(config)])
    assert result.exit_code == 1
    assert "2 problem(s) found." in result.output


WHERE = """\
name: treasury-q4
title: Treasury access
desk: it
scope:
  applications: [Payroll]
  users:
    department: Finance
    where: {where}
window_days: 14
reviewers: {{rule: owner, fallback: [ceo]}}
"""


@pytest.mark.parametrize(
    ("where", "problem"),
    [
        ('"user.department in [\'Finance\'"', "expression syntax error: unexpected end of template, "
         "expected ','."),
        ('"department == \'Finance\'"', "unknown name `department` (the expression sees only `user`)"),
        ('"user.cost_center == \'4100\'"', "`user.cost_center` is not a field (fields: attributes, "
         "department, disabled, display_name, email, employee_id, employee_type, family_name, "
         "given_name, id, locked, login, manager, title; other directory attributes are under "
         "`user.attributes`)"),
        ('"user.__class__ is defined"', "`__class__`: names starting with _ are not available"),
        ('"range(10**9) | length > 0"', "unknown name `range` (the expression sees only `user`)"),
        ('"user.login | center(10) == \'x\'"', "expression syntax error: No filter named 'center'."),
        ("''", "the expression is empty"),
    ],
    ids=["syntax", "unknown-name", "unknown-field", "dunder", "range", "unknown-filter", "empty"],
)  # fmt: skip
def test_check_names_the_where_expression_problem(tmp_path: Path, where: str, problem: str) -> None:
    """``deskpilot check`` names the file, the line of ``where:`` and the field, as for the rest."""
    config = _config(tmp_path, **{"treasury.yaml": WHERE.format(where=where)})
    folder = tmp_path / "books" / "reviews"
    assert check_everything(config) == [
        f"{folder / 'treasury.yaml'}:8: scope.users.where: {problem}"
    ]
    result = CliRunner().invoke(app, ["check", str(config)])
    assert result.exit_code == 1
    assert f"treasury.yaml:8: scope.users.where: {problem}" in result.output


def test_a_good_where_expression_passes_check(tmp_path: Path) -> None:
    where = "\"user.employee_type != 'contractor' and user.attributes.get('costCenter') == '4100'\""
    config = _config(tmp_path, **{"treasury.yaml": WHERE.format(where=where)})
    assert check_everything(config) == []


def test_check_warns_where_an_employee_type_is_compared_in_one_case(tmp_path: Path) -> None:
    """A warning, not an error: the file is valid, and the campaign still starts; the warning
    names the file, the line of ``where:`` and the form that matches every spelling."""
    cased = GOOD.replace(
        "users: {department: Finance}}",
        "users: {department: Finance, where: \"user.employee_type != 'contractor'\"}}",
    )
    lowered = cased.replace(
        "user.employee_type != 'contractor'", "(user.employee_type or '') | lower != 'contractor'"
    ).replace("payroll-q4", "payroll-q1")
    config = _config(tmp_path, **{"cased.yaml": cased, "lowered.yaml": lowered})
    folder = tmp_path / "books" / "reviews"

    result = CliRunner().invoke(app, ["check", str(config)])

    assert check_everything(config) == []
    assert result.exit_code == 0, result.output
    warnings = [line for line in result.output.splitlines() if "scope.users.where" in line]
    assert warnings == [
        f"warning {folder / 'cased.yaml'}:4: scope.users.where: `user.employee_type` is compared "
        "with 'contractor' in that exact case, but directories write it in any case "
        "('Contractor', 'contractor', 'CONTRACTOR'), so accounts spelt otherwise are not "
        "matched; to match every spelling write `(user.employee_type or '') | lower != "
        "'contractor'`"
    ]
