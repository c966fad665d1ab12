"""Items: one per (user, entitlement), reviewers by rule with fallback, never the subject."""

from __future__ import annotations

import datetime as dt

import pytest

from playbooks.reviews.campaign import Campaign, load_campaign_text
from playbooks.reviews.items import (
    Entitlement,
    Holding,
    People,
    Person,
    build_items,
    by_reviewer,
    grant_key,
    in_user_scope,
    population_digest,
    recommend,
    unassigned,
)

NOW = dt.datetime(2026, 12, 7, 9, 0, tzinfo=dt.UTC)
FINANCE = Entitlement("group", "finance-share")
PAYROLL = Entitlement("licence", "payroll-pro", application="Payroll", owners=("olga", "pete"))


def campaign(reviewers: str, extra: str = "") -> Campaign:
    return load_campaign_text(
        "name: c\ntitle: C\ndesk: d\nscope: {groups: [finance-share]}\nwindow_days: 10\n"
        f"reviewers: {reviewers}\n{extra}",
        "c.yaml",
    )


BOSS = Person("u-boss", "boss", "boss@corp.example", manager_id="u-ceo")
CEO = Person("u-ceo", "ceo", "ceo@corp.example")
ANN = Person("u-ann", "ann", "ann@corp.example", manager_id="u-boss")
BEN = Person("u-ben", "ben", "ben@corp.example", manager_id=None)
OLGA = Person("u-olga", "olga", "olga@corp.example", manager_id="u-boss")
GONE = Person("u-gone", "gone", manager_id="u-boss", enabled=False)
CAL = Person("u-cal", "cal", manager_id="u-gone")
PEOPLE = People([BOSS, CEO, ANN, BEN, OLGA, GONE, CAL])


@pytest.mark.parametrize(
    ("reviewers", "subject", "entitlement", "reviewer", "rule", "note"),
    [
        ("{rule: manager, fallback: [ceo]}", ANN, FINANCE, "boss", "manager", ""),
        ("{rule: manager, fallback: [ceo]}", BEN, FINANCE, "ceo", "fallback", "no manager"),
        ("{rule: manager, fallback: [ceo]}", CAL, FINANCE, "ceo", "fallback", "gone's account is disabled"),
        ("{rule: manager, fallback: [ceo], provisioners: [boss]}", ANN, FINANCE, "ceo", "fallback", "boss provisions"),
        ("{rule: owner, fallback: [ceo]}", ANN, PAYROLL, "olga", "owner", ""),
        ("{rule: owner, fallback: [ceo]}", OLGA, PAYROLL, "pete", "owner", ""),
        ("{rule: owner, fallback: [ceo]}", ANN, FINANCE, "ceo", "fallback", "has no owner"),
        ("{rule: person, person: ann@corp.example, fallback: [ceo]}", BEN, FINANCE, "ann", "person", ""),
        ("{rule: person, person: ann@corp.example, fallback: [ceo]}", ANN, FINANCE, "ceo", "fallback", "own access"),
        ("{rule: person, person: ann, fallback: [ann, ceo]}", ANN, FINANCE, "ceo", "fallback", "own access"),
        ("{rule: person, person: ann, fallback: [ann]}", ANN, FINANCE, None, "fallback", "no fallback reviewer is eligible"),
    ],
    ids=["manager", "no-manager", "manager-disabled", "manager-provisions", "owner", "owner-is-subject-next-owner",
         "group-without-owner", "named-person-by-email", "named-person-is-subject", "fallback-is-subject",
         "nobody-eligible"],
)  # fmt: skip
def test_reviewer_rules(
    reviewers: str,
    subject: Person,
    entitlement: Entitlement,
    reviewer: str | None,
    rule: str,
    note: str,
) -> None:
    (item,) = build_items(campaign(reviewers), [Holding(subject, entitlement)], PEOPLE, NOW)
    assert (item.assignment.reviewer, item.assignment.rule) == (reviewer, rule)
    assert note in item.assignment.note
    assert bool(unassigned([item])) is (reviewer is None)


def test_five_hundred_users_one_item_per_pair_and_nobody_reviews_themself() -> None:
    managers = [Person(f"m{i}", f"mgr{i}", manager_id=f"m{(i + 1) % 10}") for i in range(10)]
    users = [Person(f"u{i}", f"user{i:03}", manager_id=f"m{i % 10}") for i in range(500)]
    groups = [Entitlement("group", f"g{j}") for j in range(3)]
    population = [Holding(u, g) for n, u in enumerate(users) for g in groups[: 1 + n % 3]]
    # the same pairs seen twice (e.g. through an application and its group) count once
    population += population[:50]
    # managers hold the group too, and one of them is the fallback: never their own reviewer
    population += [Holding(m, groups[0]) for m in managers]
    people = People([*managers, *users])
    items = build_items(
        campaign("{rule: manager, fallback: [mgr3, mgr4]}"), population, people, NOW
    )
    pairs = {(i.subject.id, i.entitlement.key) for i in items}
    assert len(items) == len(pairs) == sum(1 + n % 3 for n in range(500)) + 10
    assert [i.number for i in items] == list(range(1, len(items) + 1))
    assert all(i.assignment.reviewer not in (i.subject.login, None) for i in items)
    assert not unassigned(items)
    assert population_digest(population) == population_digest(list(reversed(population)))


def test_numbering_is_stable_whatever_order_the_directory_answers_in() -> None:
    population = [Holding(ANN, FINANCE), Holding(BEN, PAYROLL), Holding(BEN, FINANCE)]
    forward = build_items(campaign("{fallback: [ceo]}"), population, PEOPLE, NOW)
    backward = build_items(campaign("{fallback: [ceo]}"), population[::-1], PEOPLE, NOW)
    assert forward == backward


@pytest.mark.parametrize(
    ("person", "action", "reason"),
    [
        (Person("1", "a", last_used=NOW - dt.timedelta(days=31)), "revoke", "not used for 31 days (over 30)"),
        (Person("1", "a", last_used=NOW - dt.timedelta(days=30)), "keep", "used 30 day(s) ago"),
        (Person("1", "a"), None, "the directory reports no last use"),
        (Person("1", "a", enabled=False), "revoke", "the account is disabled"),
    ],
    ids=["inactive-31-days", "inactive-30-days", "no-signal", "disabled"],
)  # fmt: skip
def test_recommendation(person: Person, action: str | None, reason: str) -> None:
    found = recommend(person, NOW, 30)
    assert (found.action, found.reason) == (action, reason)


@pytest.mark.parametrize(
    ("users", "person", "expected"),
    [
        ("{manager: boss}", ANN, True),
        ("{manager: boss@corp.example}", BEN, False),
        ("{manager: nobody}", ANN, False),
        ("{}", GONE, False),
        ("{include_disabled: true}", GONE, True),
        ("{department: Finance}", Person("x", "x", department="finance"), True),
        ("{department: Finance}", ANN, False),
    ],
    ids=["direct-report", "not-a-report", "unknown-manager", "disabled-skipped", "disabled-included",
         "department-any-case", "other-department"],
)  # fmt: skip
def test_user_filter(users: str, person: Person, expected: bool) -> None:
    chosen = load_campaign_text(
        f"name: c\ntitle: C\ndesk: d\nscope: {{groups: [g], users: {users}}}\nwindow_days: 5\n"
        "reviewers: {fallback: [ceo]}\n",
        "c.yaml",
    )
    assert in_user_scope(person, chosen, PEOPLE) is expected


def test_tickets_per_reviewer_or_per_reviewer_and_application() -> None:
    population = [Holding(ANN, FINANCE), Holding(ANN, PAYROLL), Holding(OLGA, FINANCE)]
    items = build_items(campaign("{fallback: [ceo]}"), population, PEOPLE, NOW)
    assert {k: [i.number for i in v] for k, v in by_reviewer(items, False).items()} == {
        ("boss", None): [1, 2, 3]
    }
    assert list(by_reviewer(items, True)) == [("boss", "Payroll"), ("boss", "group:finance-share")]


APPROVED = "approved run 7 (jira-it IT-3), which granted this access"
REQUESTED = "requested run 7 (jira-it IT-3), which granted this access"


@pytest.mark.parametrize(
    ("grants", "reviewer", "rule", "note"),
    [
        ({}, "boss", "manager", ""),
        ({("ann", "group:finance-share"): {"boss@corp.example": APPROVED}}, "olga", "fallback",
         f"boss {APPROVED}"),
        ({("ANN", "group:Finance-Share"): {"boss": REQUESTED}}, "olga", "fallback", f"boss {REQUESTED}"),
        ({("ann", "group:finance-share"): {"boss": APPROVED, "olga@corp.example": REQUESTED}},
         "ceo", "fallback", f"boss {APPROVED}; olga {REQUESTED}"),
        ({("ann", "group:finance-share"): {"boss": APPROVED, "olga": APPROVED, "ceo": REQUESTED}},
         None, "fallback", f"boss {APPROVED}; olga {APPROVED}; ceo {REQUESTED}; no fallback reviewer is eligible"),
        ({("ben", "group:finance-share"): {"boss": APPROVED}}, "boss", "manager", ""),
        ({("ann", "licence:finance-share"): {"boss": APPROVED}}, "boss", "manager", ""),
    ],
    ids=["no-grants", "approver", "requester-any-case", "skipped-fallback-says-why",
         "nobody-left", "another-subject", "another-entitlement"],
)  # fmt: skip
def test_who_granted_an_item_does_not_review_it(
    grants: dict[tuple[str, str], dict[str, str]], reviewer: str | None, rule: str, note: str
) -> None:
    keyed = {grant_key(*k): v for k, v in grants.items()}
    c = campaign("{rule: manager, fallback: [olga, ceo]}")
    (item,) = build_items(c, [Holding(ANN, FINANCE)], PEOPLE, NOW, keyed)
    assert (item.assignment.reviewer, item.assignment.rule, item.assignment.note) == (
        reviewer,
        rule,
        note,
    )
