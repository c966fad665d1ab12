"""
A recurring campaign starts each occurrence from its file as it reads then: an edit takes effect
at the next occurrence, an invalid file starts nothing (recorded in the evidence, reported by
``deskpilot check``), and each run's evidence holds the definition it used with its hash.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from tests.integration.playbooks.world import World, company, world
from worker.db.review_tables import ReviewCampaignRow
from worker.reports.reviews import export_campaign
from worker.runs.review_nudge import close_campaign
from worker.runs.review_start import start_campaign
from worker.wiring.campaigns import check_campaigns, current_definition

FIRST = (
    "name: staff\ntitle: All-staff, monthly\ndesk: jira-it\n"
    "scope: {groups: [all-staff], users: {manager: maria}}\nwindow_days: 10\n"
    "recurrence: {every: 1, unit: months}\nreviewers: {rule: manager, fallback: [olivia]}\n"
)


@pytest.fixture
def w(tmp_path: Path) -> Iterator[World]:
    with world(f"sqlite:///{tmp_path / 'deskpilot.sqlite3'}", company()) as built:
        (tmp_path / "books" / "reviews").mkdir(parents=True)
        built.rt.settings = built.rt.settings.model_copy(
            update={"playbook_dirs": [tmp_path / "books"]}
        )
        yield built


def _runs(w: World) -> list[ReviewCampaignRow]:
    with w.rt.db.session() as session:
        found = list(session.scalars(select(ReviewCampaignRow).order_by(ReviewCampaignRow.id)))
        session.expunge_all()
    return found


def _summary(w: World, campaign_id: int) -> dict[str, object]:
    with w.rt.db.session() as session:
        files = export_campaign(session, campaign_id)
    summary: dict[str, object] = json.loads(files["campaign.json"])
    return summary


def _next_occurrence(w: World, campaign_id: int) -> None:
    close_campaign(w.rt, campaign_id, by="lead@example.com")
    w.advance(days=32)
    w.fire_timers()


def test_each_occurrence_uses_the_file_as_it_reads_then(w: World, tmp_path: Path) -> None:
    path = tmp_path / "books" / "reviews" / "staff.yaml"
    path.write_text(FIRST)
    campaign, text = current_definition(w.rt.settings, "staff", None)
    first_id = start_campaign(w.rt, campaign, started_by="lead@example.com", text=text)

    edited = FIRST.replace("window_days: 10", "window_days: 7").replace(", monthly", ", monthly v2")
    path.write_text(edited)
    _next_occurrence(w, first_id)

    first, second = _runs(w)
    assert (first.id, second.title, second.started_by) == (first_id, "All-staff, monthly v2",
                                                           "deskpilot (recurrence)")  # fmt: skip
    assert (second.due_at - second.started_at).days == 7
    for run, used in ((first, FIRST), (second, edited)):
        campaign_info = _summary(w, run.id)["campaign"]
        assert isinstance(campaign_info, dict)
        assert campaign_info["definition"] == {
            "source": str(path),
            "format": "yaml",
            "sha256": hashlib.sha256(used.encode()).hexdigest(),
            "content": used,
        }


def test_an_invalid_file_starts_nothing_and_says_why(w: World, tmp_path: Path) -> None:
    path = tmp_path / "books" / "reviews" / "staff.yaml"
    path.write_text(FIRST)
    campaign, text = current_definition(w.rt.settings, "staff", None)
    first_id = start_campaign(w.rt, campaign, started_by="lead@example.com", text=text)
    path.write_text(FIRST.replace("desk: jira-it", "desk: jira-sm"))

    _next_occurrence(w, first_id)

    assert [r.id for r in _runs(w)] == [first_id]
    problems = check_campaigns(w.rt.settings)
    assert problems == [f"{path}:1: desk: `jira-sm` is not a configured desk"]
    failures = _summary(w, first_id)["failures"]
    assert isinstance(failures, list)
    (failure,) = failures
    assert failure["timer"] == "review_recur"
    assert failure["error"].splitlines() == [
        "campaign `staff` not started again: its definition is invalid "
        "(`deskpilot check` lists the same problems)",
        *problems,
    ]


def test_a_file_that_no_longer_defines_the_campaign_starts_nothing(
    w: World, tmp_path: Path
) -> None:
    path = tmp_path / "books" / "reviews" / "staff.yaml"
    path.write_text(FIRST)
    campaign, text = current_definition(w.rt.settings, "staff", None)
    first_id = start_campaign(w.rt, campaign, started_by="lead@example.com", text=text)
    path.write_text(FIRST.replace("name: staff", "name: everyone"))

    _next_occurrence(w, first_id)

    assert [r.id for r in _runs(w)] == [first_id]
    failures = _summary(w, first_id)["failures"]
    assert isinstance(failures, list)
    assert f"{path}:1: defines campaign `everyone` now, not `staff`" in failures[0]["error"]
