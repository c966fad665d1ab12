"""
A campaign scoped by a ``where`` expression on the embedded directory: the population it lets
through (with the fixed filters, all must hold), a start that stops naming the accounts the
expression fails for, and the expression with its counts in ``review.started`` and the evidence
export (reproduced byte for byte).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from connectors.identity import NewUser
from connectors.identity.memory import MemoryDirectory
from playbooks.reviews.campaign import load_campaign_text
from tests.integration.playbooks.world import World, company, world
from worker.db.records import AuditRow
from worker.db.review_tables import ReviewCampaignRow, ReviewItemRow
from worker.reports.reviews import export_campaign
from worker.runs.review_nudge import close_campaign
from worker.runs.review_population import PopulationError
from worker.runs.review_start import start_campaign
from worker.wiring.campaigns import current_definition

BASE = (
    "name: finance\ntitle: Finance\ndesk: jira-it\nwindow_days: 10\n"
    "reviewers: {rule: manager, fallback: [olivia]}\n"
)
EXTRA = [
    # login, department, manager, enabled, attributes
    ("tina", "Treasury", "maria", True, {"employee_type": "employee"}),
    ("cole", "Finance", "maria", True, {"employee_type": "contractor"}),
    ("fran", "Finance", "olivia", True, {"costCenter": "4100"}),
    ("dina", "Finance", "maria", False, {}),
]
"""Beside ``company()``'s eight enabled people (titled Staff; maria, alice and bob, of Sales, in
``all-staff``): these four, in ``all-staff``. The filters read all twelve accounts; the counts
are of accounts (``evaluated``: passing the fixed filters, ``matched``: the expression too)."""


def _directory() -> MemoryDirectory:
    directory = company()
    for login, department, manager, enabled, attributes in EXTRA:
        boss = directory.find_user(login=manager)
        assert boss is not None
        directory.create_user(NewUser(login, login.title(), "Extra", email=f"{login}@example.com",
                                      department=department, manager_id=boss.id, enabled=enabled,
                                      attributes=attributes))  # fmt: skip
        found = directory.find_user(login=login)
        assert found is not None
        directory.add_to_group(found.id, "all-staff")
    return directory


@pytest.fixture
def w(tmp_path: Path) -> Iterator[World]:
    with world(f"sqlite:///{tmp_path / 'deskpilot.sqlite3'}", _directory()) as built:
        yield built


def _yaml(users: str) -> str:
    return BASE + f"scope:\n  groups: [all-staff]\n  users: {users}\n"


def _subjects(w: World, campaign_id: int) -> set[str]:
    with w.rt.db.session() as session:
        return set(
            session.scalars(
                select(ReviewItemRow.subject_login).where(ReviewItemRow.campaign_id == campaign_id)
            )
        )


@pytest.mark.parametrize(
    ("users", "expected", "counts"),
    [
        ('{where: "user.department in [\'Finance\', \'Treasury\'] and '
         'user.employee_type != \'contractor\' and not user.disabled"}', {"tina", "fran"}, (11, 2)),
        ('{include_disabled: true, where: "user.department == \'Finance\'"}',
         {"cole", "fran", "dina"}, (12, 3)),
        ('{manager: maria, where: "user.department != \'Sales\'"}', {"tina", "cole"}, (5, 2)),
        ('{department: Finance, where: "user.employee_type == \'contractor\'"}', {"cole"}, (2, 1)),
        ('{where: "user.manager == \'maria\' and user.login.startswith(\'a\')"}', {"alice"}, (11, 1)),
        ('{where: "\'costCenter\' in user.attributes"}', {"fran"}, (11, 1)),
        ('{where: "user.attributes.costCenter is defined or user.title == \'Staff\'"}',
         {"maria", "alice", "bob", "fran"}, (11, 9)),
        ('{where: "not user.disabled"}', {"maria", "alice", "bob", "tina", "cole", "fran"}, (11, 11)),
    ],
    ids=[
        "brief-example", "with-disabled", "and-manager", "and-department", "manager-login",
        "attribute-present", "defined-or-title", "redundant-with-default",
    ],
)  # fmt: skip
def test_the_expression_chooses_the_population(
    w: World, users: str, expected: set[str], counts: tuple[int, int]
) -> None:
    campaign = load_campaign_text(_yaml(users), "reviews/finance.yaml")
    campaign_id = start_campaign(w.rt, campaign, started_by="lead@example.com")
    assert _subjects(w, campaign_id) == expected
    with w.rt.db.session() as session:
        row = session.get(ReviewCampaignRow, campaign_id)
        assert row is not None
        where = row.population["where"]
    assert where == {
        "expression": campaign.scope.users.where,
        "evaluated": counts[0],
        "matched": counts[1],
    }


@pytest.mark.parametrize(
    ("where", "failing"),
    [
        ("user.attributes.costCenter == '4100'",
         ["maria (u00001)", "alice (u00002)", "bob (u00003)", "tina (u00009)", "cole (u00010)"]),
        ("user.title.lower() == 'staff'", ["tina (u00009)", "cole (u00010)", "fran (u00011)"]),
        ("user.department", ["maria (u00001)", "alice (u00002)"]),
    ],
    ids=["missing-attribute", "method-on-none", "not-a-boolean"],
)  # fmt: skip
def test_an_account_the_expression_fails_for_stops_the_start(
    w: World, where: str, failing: list[str]
) -> None:
    campaign = load_campaign_text(_yaml(f'{{where: "{where}"}}'), "reviews/finance.yaml")
    with pytest.raises(PopulationError) as caught:
        start_campaign(w.rt, campaign, started_by="lead@example.com")
    message = str(caught.value)
    assert message.startswith("scope.users.where failed for ")
    assert "(none is silently left out or let in)" in message
    for account in failing:
        assert account in message
    with w.rt.db.session() as session:
        assert session.scalar(select(func.count()).select_from(ReviewCampaignRow)) == 0
        assert session.scalar(select(func.count()).select_from(AuditRow).where(
            AuditRow.action == "review.started")) == 0  # fmt: skip


def test_the_evidence_shows_how_the_population_was_chosen(w: World) -> None:
    text = _yaml("{manager: maria, where: \"user.department != 'Sales'\"}")
    campaign = load_campaign_text(text, "reviews/finance.yaml")
    campaign_id = start_campaign(w.rt, campaign, started_by="lead@example.com", text=text)
    with w.rt.db.session() as session:
        first = export_campaign(session, campaign_id)
        assert export_campaign(session, campaign_id) == first
    population = json.loads(first["campaign.json"])["campaign"]["population"]
    assert population["query"] == (
        "corp: list_users(page_size=200, every page); users: manager=maria, enabled only, "
        "where user.department != 'Sales'; groups_of(user) in [all-staff]"
    )
    assert population["where"] == {
        "expression": "user.department != 'Sales'", "evaluated": 5, "matched": 2,
    }  # fmt: skip
    assert population["row_count"] == 2
    definition = json.loads(first["campaign.json"])["campaign"]["definition"]
    assert "where: \"user.department != 'Sales'\"" in definition["content"]
    events = json.loads(first["events.json"])
    started = next(e for e in events if e["action"] == "review.started")
    assert started["data"]["population"]["where"]["matched"] == 2


def test_a_recurring_occurrence_the_expression_fails_for_is_recorded(
    w: World, tmp_path: Path
) -> None:
    """The next occurrence reads the file again; an expression failing for an account stops it,
    and the failure (naming the account) is in the last run's evidence."""
    (tmp_path / "books" / "reviews").mkdir(parents=True)
    w.rt.settings = w.rt.settings.model_copy(update={"playbook_dirs": [tmp_path / "books"]})
    path = tmp_path / "books" / "reviews" / "finance.yaml"
    recurring = _yaml("{where: \"'costCenter' in user.attributes\"}") + (
        "recurrence: {every: 1, unit: months}\n"
    )
    path.write_text(recurring)
    campaign, text = current_definition(w.rt.settings, "finance", None)
    first_id = start_campaign(w.rt, campaign, started_by="lead@example.com", text=text)
    path.write_text(recurring.replace("'costCenter' in user.attributes", "user.title == 'Staff'"
                                      " and user.attributes.costCenter == '4100'"))  # fmt: skip

    close_campaign(w.rt, first_id, by="lead@example.com")
    w.advance(days=32)
    w.fire_timers()

    with w.rt.db.session() as session:
        assert session.scalar(select(func.count()).select_from(ReviewCampaignRow)) == 1
        files = export_campaign(session, first_id)
    (failure,) = json.loads(files["campaign.json"])["failures"]
    assert failure["timer"] == "review_recur"
    assert failure["error"].startswith("scope.users.where failed for 8 of 11 accounts")
    assert (
        "maria (u00001): UndefinedError: 'mappingproxy object' has no attribute 'costCenter'"
        in (failure["error"])
    )
