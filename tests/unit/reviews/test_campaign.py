"""Campaign files: what loads, and every problem named with its file, line and field."""

from __future__ import annotations

from pathlib import Path

import pytest

from playbooks.reviews.campaign import (
    CampaignError,
    campaigns_from_texts,
    check_references,
    load_campaign_text,
)

GOOD = """\
name: q4-finance
title: Finance access, Q4
desk: jira-it
scope:
  groups: [finance-share]
  applications: [Payroll]
  users: {manager: carol}
window_days: 14
recurrence: {every: 3, unit: months}
reviewers:
  rule: manager
  fallback: [dora]
  second_level: erin
  provisioners: [it-admin]
"""


def test_a_good_campaign_loads() -> None:
    campaign = load_campaign_text(GOOD, "reviews/q4.yaml")
    assert campaign.name == "q4-finance"
    assert campaign.scope.users.manager == "carol"
    assert campaign.no_response == "keep"
    assert campaign.recurrence is not None
    assert campaign.recurrence.min_days == 84


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (("window_days: 14", "window_days: 91"), "reviews/q4.yaml:8: window_days: Input should be less than or equal to 90"),
        (("window_days: 14", "window_days: 0"), "reviews/q4.yaml:8: window_days: Input should be greater than or equal to 1"),
        (("every: 3, unit: months", "every: 10, unit: days"), "window_days (14) must be shorter than the recurrence interval (10 days)"),
        (("every: 3, unit: months", "every: 30, unit: months"), "recurrence: every: at most 24 months"),
        (("  rule: manager\n", "  rule: person\n"), "reviewers: rule person needs `person`"),
        (("fallback: [dora]", "fallback: [it-admin]"), "reviewers: fallback: it-admin is a provisioner"),
        (("second_level: erin", "second_level: it-admin"), "second_level: it-admin is a provisioner"),
        (("  groups: [finance-share]\n  applications: [Payroll]\n", ""), "scope: scope needs at least one of groups"),
        (("name: q4-finance", "name: Q4 Finance"), "name `Q4 Finance`: lower-case letters"),
        (("desk: jira-it", "desk: jira-it\ncolour: blue"), "reviews/q4.yaml:4: colour: Extra inputs are not permitted"),
        (("fallback: [dora]", "fallback: []"), "reviews/q4.yaml:12: reviewers.fallback: Tuple should have at least 1 item"),
    ],
    ids=["window-over-90", "window-zero", "window-not-shorter-than-interval", "recurrence-too-long",
         "person-rule-without-person", "fallback-is-provisioner", "second-level-is-provisioner",
         "empty-scope", "bad-name", "unknown-key", "no-fallback"],
)  # fmt: skip
def test_problems_name_the_file_and_field(change: tuple[str, str], expected: str) -> None:
    text = GOOD.replace(*change)
    assert text != GOOD
    with pytest.raises(CampaignError) as error:
        load_campaign_text(text, "reviews/q4.yaml")
    assert any(expected in p for p in error.value.problems), error.value.problems
    assert all(p.startswith("reviews/q4.yaml:") for p in error.value.problems)


def test_invalid_yaml_and_duplicates_are_reported_for_every_file() -> None:
    with pytest.raises(CampaignError) as error:
        campaigns_from_texts(
            [("a.yaml", GOOD), ("b.yaml", GOOD), ("c.yaml", "name: [unclosed"), ("d.yaml", "- 1")]
        )
    problems = error.value.problems
    assert "b.yaml:1: campaign `q4-finance` is also defined in a.yaml" in problems
    assert any(p.startswith("c.yaml:1: invalid YAML") for p in problems)
    assert any(p.startswith("d.yaml:1: a campaign is a mapping") for p in problems)


def test_references_to_unknown_desks_directories_and_applications() -> None:
    campaign = load_campaign_text(
        GOOD.replace("  groups:", "  directory: hr-ldap\n  groups:"), "q.yaml"
    )
    problems = check_references(campaign, ["zendesk"], ["corp-ad"], ["Payroll"])
    assert problems == [
        "q.yaml:1: desk: `jira-it` is not a configured desk",
        "q.yaml:1: scope.directory: `hr-ldap` is not a configured directory",
    ]
    assert check_references(campaign, ["jira-it"], ["hr-ldap"], ["payroll"]) == []


def test_the_documented_example_campaign_loads() -> None:
    docs = Path(__file__).resolve().parents[3] / "docs" / "access-reviews.md"
    block = docs.read_text().split("```yaml\n", 1)[1].split("```", 1)[0]
    campaign = load_campaign_text(block, "docs/access-reviews.md")
    assert (campaign.name, campaign.window_days, campaign.reviewers.fallback) == (
        "finance-quarterly", 14, ("dora", "erin"),
    )  # fmt: skip
