"""
The access reviews page with many items, through the whole app on SQLite and PostgreSQL: a page
of 100 items per campaign held within its bounds, filters by campaign and by access, keep-all
over every page, a mistake on page 3 shown again on page 3, and every running campaign found,
however many runs started after it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select

from connectors.identity import NewUser
from playbooks.reviews.campaign import load_campaign_text
from tests.e2e.review_page_support import (
    HR,
    STAFF,
    TOKENS,
    Started,
    signed_in,
    started,
    status_line,
)
from tests.e2e.review_page_support import csrf as csrf_of
from tests.integration.playbooks.world import World, company, settings_for, world_of
from worker.db.review_tables import ReviewItemRow
from worker.runs.review_nudge import close_campaign
from worker.runs.review_start import start_campaign

REPORTS = 230
"""Maria's extra reports: with Alice and Bob, 232 ``all-staff`` items and 78 ``sales`` ones."""
WAITING = 310
SALES = "name: sales-q4\ntitle: Sales Q4\ndesk: jira-it\nscope: {groups: [sales], users: {manager: maria}}\nwindow_days: 14\nreviewers: {rule: manager, fallback: [olivia]}\n"  # fmt: skip


@dataclass
class Many:
    """Maria's two campaigns: ``staff`` (all-staff and sales, 310 items) and ``sales`` (78)."""

    w: World
    staff: int
    sales: int


@contextmanager
def many(database_url: str) -> Iterator[Many]:
    directory = company()
    maria = directory.find_user(login="maria")
    assert maria is not None
    for n in range(REPORTS):
        login = f"user{n:03}"
        directory.create_user(NewUser(login, "User", f"N{n}", email=f"{login}@example.com",
                                      manager_id=maria.id, department="Sales", title="Staff"))  # fmt: skip
        found = directory.find_user(login=login)
        assert found is not None
        directory.add_to_group(found.id, "all-staff")
        if n % 3 == 0:
            directory.add_to_group(found.id, "sales")
    with world_of(settings_for(database_url, tokens=tuple(TOKENS.values())), directory) as w:
        staff = STAFF.replace("groups: [all-staff]", "groups: [all-staff, sales]")
        text = staff + "reviewers: {rule: manager, fallback: [olivia]}\n"
        staff_id = start_campaign(w.rt, load_campaign_text(text, "staff.yaml"), started_by="b")
        w.advance(minutes=1)
        sales_id = start_campaign(w.rt, load_campaign_text(SALES, "sales.yaml"), started_by="b")
        yield Many(w, staff_id, sales_id)


@pytest.fixture
def m(database_url: str) -> Iterator[Many]:
    """On SQLite and on PostgreSQL."""
    with many(database_url) as built:
        yield built


def _shown(page: str, campaign_id: int) -> tuple[int, list[int], str]:
    """The page number a campaign's section shows, the item ids on it, and its range."""
    section = page.split(f'id="campaign-{campaign_id}"')[1].split("</section>")[0]
    number = re.search(r'class="page-number">(\d+)<', section)
    ids = [int(i) for i in re.findall(r'name="decision-(\d+)" value="keep"', section)]
    shown = re.search(r'class="shown-range">([^<]*)<', section)
    return (
        int(number.group(1)) if number else 1,
        ids,
        shown.group(1).replace("\N{EN DASH}", "-") if shown else "",
    )


def _states(m: Many, campaign_id: int) -> dict[str, int]:
    with m.w.rt.db.session() as session:
        rows = session.scalars(
            select(ReviewItemRow.state).where(ReviewItemRow.campaign_id == campaign_id)
        ).all()
    return {state: rows.count(state) for state in set(rows)}


BOUNDS = [
    ("", 1, "1-100", False, True),
    ("1", 1, "1-100", False, True),
    ("2", 2, "101-200", True, True),
    ("4", 4, "301-310", True, False),
    ("5", 4, "301-310", True, False),
    ("999999999", 4, "301-310", True, False),
    ("0", 1, "1-100", False, True),
    ("-3", 1, "1-100", False, True),
    ("abc", 1, "1-100", False, True),
]


@pytest.mark.parametrize(
    ("raw", "page", "shown", "prev", "next_"),
    BOUNDS,
    ids=["none", "first", "second", "last", "past-the-last", "huge", "zero", "negative", "word"],
)
def test_a_page_holds_100_items_within_its_bounds(
    m: Many, raw: str, page: int, shown: str, prev: bool, next_: bool
) -> None:
    with signed_in(m.w, "maria") as client:
        html = client.get(f"/access-reviews?campaign={m.staff}&page={raw}").text
    number, ids, described = _shown(html, m.staff)
    assert (number, described, len(ids)) == (page, shown, 10 if page == 4 else 100)
    assert f'<strong class="waiting-count">{WAITING}</strong>' in html
    assert '<strong class="waiting-overall">388</strong> items waiting for you in 2' in html
    assert ('rel="prev"' in html, 'rel="next"' in html) == (prev, next_)


def test_the_pages_together_hold_every_item_once(m: Many) -> None:
    seen: list[int] = []
    address = f"/access-reviews?campaign={m.staff}"
    with signed_in(m.w, "maria") as client:
        while True:
            html = client.get(address).text
            seen += _shown(html, m.staff)[1]
            found = re.search(r'rel="next" href="([^"]+)"', html)
            if found is None:
                break
            address = "/access-reviews" + found.group(1).replace("&amp;", "&")
    with m.w.rt.db.session() as session:
        every = session.scalars(
            select(ReviewItemRow.id).where(ReviewItemRow.campaign_id == m.staff)
        ).all()
    assert sorted(seen) == sorted(every)
    assert len(seen) == len(set(seen)) == WAITING


FILTERS = [
    ("", {"staff": 100, "sales": 78}),
    ("campaign={staff}", {"staff": 100}),
    ("campaign={sales}", {"sales": 78}),
    ("access=group:sales", {"staff": 78, "sales": 78}),
    ("access=group:all-staff", {"staff": 100}),
    ("campaign={staff}&access=group:sales", {"staff": 78}),
    ("campaign={sales}&access=group:all-staff", {}),
    ("access=no-such-group", {}),
    ("campaign=999999", {}),
]


@pytest.mark.parametrize(
    ("query", "drawn"),
    FILTERS,
    ids=[
        "none",
        "campaign",
        "other-campaign",
        "access",
        "other-access",
        "both",
        "both-nothing",
        "unknown-access",
        "unknown-campaign",
    ],
)
def test_filters_by_campaign_and_access(m: Many, query: str, drawn: dict[str, int]) -> None:
    ids = {"staff": m.staff, "sales": m.sales}
    with signed_in(m.w, "maria") as client:
        html = client.get("/access-reviews?" + query.format(**ids)).text
    sections = {
        name: len(_shown(html, i)[1]) for name, i in ids.items() if f'id="campaign-{i}"' in html
    }
    assert sections == drawn
    assert ('id="nothing-matches"' in html) == (not drawn)
    assert '<option value="group:sales"' in html  # the choices stay, whatever is chosen
    if "access=group:sales" in query and "staff" in drawn:
        assert '<span class="matching-count">78</span> for group:sales' in html


def test_keep_all_keeps_every_page_and_every_access_and_comes_back(m: Many) -> None:
    with signed_in(m.w, "maria") as client:
        html = client.get(f"/access-reviews?campaign={m.staff}&access=group%3Asales&page=2").text
        button = re.search(rf'id="keep-all-button-{m.staff}">([^<]*)<', html)
        assert button is not None
        assert button.group(1) == (
            f"Keep all {WAITING} remaining in this campaign "
            "(every page and every access, not only those shown)"
        )
        form = re.search(rf'id="keep-all-{m.staff}".*?</form>', html, re.S)
        assert form is not None
        data = dict(re.findall(r'name="(\w+)" value="([^"]*)"', form.group(0)))
        answer = client.post(
            f"/access-reviews/{m.staff}/keep-all", data=data, follow_redirects=False
        )
        assert answer.status_code == 303
        back = parse_qs(urlsplit(answer.headers["location"]).query)
        assert (back["campaign"], back["access"], back["page"]) == (
            [str(m.staff)],
            ["group:sales"],
            ["2"],
        )
        after = client.get(answer.headers["location"]).text
    assert status_line(after).startswith("Recorded: keep #1; keep #2;")
    assert status_line(after).endswith(f"; and {WAITING - 20} more.")
    assert _states(m, m.staff) == {"kept": WAITING}
    assert _states(m, m.sales) == {"pending": 78}  # another campaign: untouched
    assert f'id="decide-{m.staff}"' not in after
    assert "Decided by you" in after


def test_a_mistake_on_page_3_comes_back_on_page_3_as_typed(m: Many) -> None:
    with signed_in(m.w, "maria") as client:
        html = client.get(f"/access-reviews?campaign={m.staff}&page=3").text
        ids = _shown(html, m.staff)[1]
        token = csrf_of(html)
        hidden = {"campaign": str(m.staff), "page": "3", "done": "1"}
        form = hidden | {"csrf": token, f"decision-{ids[0]}": "keep", f"decision-{ids[5]}": "revoke",
                         f"reason-{ids[7]}": "typed but undecided", "confirm": "yes"}  # fmt: skip
        wrong = client.post(f"/access-reviews/{m.staff}/decide", data=form)
        assert wrong.status_code == 422
        assert _shown(wrong.text, m.staff)[:1] == (3,)
        assert _shown(wrong.text, m.staff)[1] == ids
        assert f'name="decision-{ids[0]}" value="keep" checked' in wrong.text
        assert f'id="error-{ids[5]}"' in wrong.text
        assert 'value="typed but undecided"' in wrong.text
        assert _states(m, m.staff) == {"pending": WAITING}

        form[f"reason-{ids[5]}"] = "left the company"
        right = client.post(f"/access-reviews/{m.staff}/decide", data=form, follow_redirects=False)
        assert right.status_code == 303
        assert parse_qs(urlsplit(right.headers["location"]).query)["page"] == ["3"]
        again = client.get(right.headers["location"]).text
    assert _shown(again, m.staff)[0] == 3
    assert _states(m, m.staff) == {"pending": WAITING - 2, "kept": 1, "revoked": 1}


def _olds(s: Started, runs: int) -> None:
    for n in range(runs):
        s.w.advance(minutes=1)
        text = HR.replace("name: hr-q4", f"name: hr-{n}")
        start_campaign(s.w.rt, load_campaign_text(text, "hr.yaml"), started_by="lead")


def test_an_old_running_campaign_shows_after_many_later_runs(database_url: str) -> None:
    """Staff-q4 runs while 60 later campaign runs start: it is found by state, not by recency;
    closed, it stays read-only for 90 days and then leaves the page."""
    with started(database_url) as s:
        _olds(s, 60)
        with signed_in(s.w, "maria") as client:
            page = client.get("/access-reviews").text
            assert '<strong class="waiting-count">2</strong>' in page
            assert f'id="decide-{s.staff}"' in page
            close_campaign(s.w.rt, s.staff, by="lead@example.com")
            s.w.advance(days=89)
            closed = client.get("/access-reviews").text
            s.w.advance(days=2)
            gone = client.get("/access-reviews").text
        section = closed.split(f'id="campaign-{s.staff}"')[1].split("</section>")[0]
        assert "read-only" in section
        assert "<form" not in section
        assert f'id="campaign-{s.staff}"' not in gone
        with signed_in(s.w, "sam") as client:
            sams = client.get("/access-reviews").text
        assert sams.count('class="campaign"') == 61  # hr-q4 and every later run
