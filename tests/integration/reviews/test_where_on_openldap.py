"""
A ``where`` expression on a real OpenLDAP server: department (``departmentNumber``), title,
the manager (the ``manager`` DN, shown as its login), the employee type (``employeeType``) and a
disabled account (ppolicy) as the connector reports them, combined with the fixed filters, and the evidence it leaves.

The server is shared with other tests, so every expression starts by keeping this test's
accounts (``user.login.startswith(…)``); ``and`` stops there for the others.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import select

from connectors.identity import NewUser
from connectors.identity.openldap import LdapDirectory
from playbooks.reviews.campaign import load_campaign_text
from tests.contract.conftest import openldap_options
from tests.integration.playbooks.world import world
from tests.services import slapd
from tests.services.slapd import EMPTY_GROUP_MEMBER, SlapdServer
from worker.db.review_tables import ReviewItemRow
from worker.reports.reviews import export_campaign
from worker.runs.review_start import start_campaign

pytestmark = [pytest.mark.slapd, pytest.mark.filterwarnings("ignore::ResourceWarning")]
SEED = [
    # suffix, department, title, managed, enabled, employeeType
    ("boss", "Finance", "Controller", False, True, "employee"),
    ("tess", "Treasury", "Analyst", True, True, "employee"),
    ("cora", "Finance", "Contractor", True, True, "contractor"),
    ("sven", "Sales", None, True, True, None),
    ("dina", "Finance", "Analyst", False, False, "contractor"),
    ("ivan", "Finance", "Analyst", True, True, "Contractor"),
]


@dataclass(frozen=True)
class Seeded:
    directory: LdapDirectory
    prefix: str
    group: str


@pytest.fixture(scope="module")
def seeded(slapd_server: SlapdServer) -> Iterator[Seeded]:
    directory = LdapDirectory(
        "corp", openldap_options(slapd_server), empty_group_member=EMPTY_GROUP_MEMBER
    )
    prefix = "wh" + uuid.uuid4().hex[:6]
    group = f"{prefix}-staff"
    slapd.make_group(slapd_server, group)
    boss_id = None
    for suffix, department, title, managed, enabled, kind in SEED:
        login = prefix + suffix
        directory.create_user(NewUser(login, suffix.title(), "Where", email=f"{login}@example.com",
                                      title=title, department=department,
                                      manager_id=boss_id if managed else None,
                                      attributes={"employeeType": kind} if kind else {}))  # fmt: skip
        found = directory.find_user(login=login)
        assert found is not None
        boss_id = boss_id or found.id
        directory.add_to_group(found.id, group)
        if not enabled:
            directory.disable_user(found.id)
    yield Seeded(directory, prefix, group)
    directory.close()


def _yaml(s: Seeded, users: str) -> str:
    return (
        f"name: {s.prefix}\ntitle: Where\ndesk: jira-it\nwindow_days: 10\n"
        f"scope: {{groups: [{s.group}], users: {users}}}\n"
        f"reviewers: {{rule: manager, fallback: [{s.prefix}boss, {s.prefix}tess]}}\n"
    )


@pytest.mark.parametrize(
    ("users", "expected"),
    [
        ("{where: \"user.login.startswith('PFX') and user.department in ['Finance', 'Treasury'] "
         "and not user.disabled\"}", {"boss", "tess", "cora", "ivan"}),
        ("{manager: PFXboss, where: \"user.title != 'Contractor'\"}", {"tess", "sven", "ivan"}),
        ("{include_disabled: true, where: \"user.login.startswith('PFX') and "
         "user.department == 'Finance'\"}", {"boss", "cora", "dina", "ivan"}),
        ("{where: \"user.login.startswith('PFX') and user.manager == 'PFXboss' and user.title is none\"}",
         {"sven"}),
        ("{department: finance, where: \"user.login.startswith('PFX') and user.title == 'Analyst' "
         "and user.disabled\"}", set()),
        ("{where: \"user.login.startswith('PFX') and user.employee_type == 'contractor'\"}",
         {"cora"}),
        ("{include_disabled: true, where: \"user.login.startswith('PFX') and "
         "(user.employee_type or '') | lower == 'contractor'\"}", {"cora", "dina", "ivan"}),
        ("{where: \"user.login.startswith('PFX') and user.employee_type != 'contractor'\"}",
         {"boss", "tess", "sven", "ivan"}),
        ("{where: \"user.login.startswith('PFX') and user.employee_type is none\"}", {"sven"}),
        ("{where: \"user.login.startswith('PFX') and "
         "user.attributes.get('employee_type') == 'employee'\"}", {"boss", "tess"}),
    ],
    ids=["departments-enabled", "and-manager", "with-disabled", "manager-login-no-title",
         "disabled-left-out-first", "contractors", "contractors-any-case-with-disabled",
         "not-contractor", "no-employee-type", "employee-type-attribute"],
)  # fmt: skip
def test_the_expression_chooses_accounts_on_openldap(
    tmp_path: Path, seeded: Seeded, users: str, expected: set[str]
) -> None:
    campaign = load_campaign_text(_yaml(seeded, users.replace("PFX", seeded.prefix)), "r.yaml")
    with world(f"sqlite:///{tmp_path / 'deskpilot.sqlite3'}", seeded.directory) as w:
        if not expected:
            with pytest.raises(ValueError, match="nobody in corp holds anything in scope"):
                start_campaign(w.rt, campaign, started_by="lead@example.com")
            return
        campaign_id = start_campaign(w.rt, campaign, started_by="lead@example.com")
        with w.rt.db.session() as session:
            subjects = set(
                session.scalars(
                    select(ReviewItemRow.subject_login).where(
                        ReviewItemRow.campaign_id == campaign_id
                    )
                )
            )
            first = export_campaign(session, campaign_id)
            assert export_campaign(session, campaign_id) == first
    assert subjects == {seeded.prefix + s for s in expected}
    population = json.loads(first["campaign.json"])["campaign"]["population"]
    where = population["where"]
    assert where["expression"] == campaign.scope.users.where
    assert where["matched"] == len(expected)
    assert where["evaluated"] >= where["matched"]
    assert f"where {campaign.scope.users.where};" in population["query"]
