"""
The requester's locale orders an ambiguous date (``05/06``), read through each desk's user API.

Maria tells the desk that Alice is leaving, "last day 05/06". Nothing in the text settles
whether that is 6 May or 5 June; the desk's user API does: Jira's and Zendesk's ``locale``,
ServiceNow's per-user ``date_format``. A US requester's leaver date is 6 May, a UK
requester's 5 June, and the offboarding is planned to run on that day (``Plan.not_before``,
the ``apply_at`` timer's date). The real connectors are faked only at their HTTP boundary,
with the vendors' user payloads.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from playbooks.planned import Plan
from tests.e2e.authority_payloads import jira_created, jira_issue, snow_delivery, zendesk_event
from tests.e2e.authority_scenarios import ok
from tests.e2e.authority_support import (
    Desks,
    four_desks,
    jira_headers,
    now_stamp,
    snow_headers,
    zendesk_headers,
)
from worker.db.tables import RunRow, TicketRow

SUBJECT = "Offboarding: Alice Liddell leaving"
LEAVER = (
    "Alice Liddell (alice@example.com) is leaving the company, her last day is 05/06. "
    "Please disable her account."
)


@pytest.fixture
def desks(tmp_path: Path) -> Iterator[Desks]:
    with four_desks(f"sqlite:///{tmp_path / 'deskpilot.sqlite3'}") as built:
        yield built


def _jira(d: Desks) -> tuple[str, str]:
    at = now_stamp()
    issue = jira_issue("IT-51", "maria", at)
    issue["fields"] |= {"summary": SUBJECT, "description": LEAVER}
    issue["fields"]["customfield_10010"]["requestType"]["name"] = "Offboard a leaver"
    raw = jira_created(issue, at)
    ok(d.post("jira-it", jira_headers(d.secrets["jira-it"], raw), raw))
    return "jira-it", "IT-51"


def _zendesk(d: Desks) -> tuple[str, str]:
    doc = json.loads(zendesk_event("created", "4151", "maria", now_stamp()))
    doc["detail"] |= {"subject": SUBJECT, "description": LEAVER}
    raw = json.dumps(doc).encode()
    ok(d.post("zendesk-it", zendesk_headers(d.secrets["zendesk-it"], raw), raw))
    return "zendesk-it", "4151"


def _servicenow(d: Desks) -> tuple[str, str]:
    doc = json.loads(snow_delivery("RITM0010051", "5a1c2b3a1b2c3d4e5f60718293a4b551", "maria", now_stamp(), 0))  # fmt: skip
    for name, text in (("short_description", SUBJECT), ("description", LEAVER)):
        doc["record"][name] = {"value": text, "display_value": text}
    raw = json.dumps(doc).encode()
    ok(d.post("snow-it", snow_headers(d.secrets["snow-it"], raw), raw))
    return "snow-it", "RITM0010051"


def _next(month: int, day: int) -> dt.date:
    """The next such day on or after today (a date written without a year)."""
    today = dt.datetime.now(dt.UTC).date()
    found = dt.date(today.year, month, day)
    return found if found >= today else found.replace(year=today.year + 1)


def _planned_day(d: Desks, desk: str, key: str) -> dt.date | None:
    with d.rt.db.session() as session:
        run = session.scalars(
            select(RunRow)
            .join(TicketRow, TicketRow.id == RunRow.ticket_id)
            .where(TicketRow.desk == desk, TicketRow.key == key)
        ).one()
        plan = Plan.from_json(str(run.plan["json"]))
    assert run.playbook == "offboarding"
    return plan.not_before.date() if plan.not_before else None


File = Callable[[Desks], tuple[str, str]]
CASES: list[tuple[str, File, str, tuple[int, int]]] = [
    ("jira-us", _jira, "en_US", (5, 6)),
    ("jira-uk", _jira, "en_GB", (6, 5)),
    ("zendesk-us", _zendesk, "en_US", (5, 6)),
    ("zendesk-uk", _zendesk, "en_GB", (6, 5)),
    ("servicenow-us", _servicenow, "en_US", (5, 6)),
    ("servicenow-uk", _servicenow, "en_GB", (6, 5)),
]


@pytest.mark.parametrize(
    ("file", "locale", "month_day"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_the_requesters_locale_decides_when_the_offboarding_runs(
    desks: Desks, file: File, locale: str, month_day: tuple[int, int]
) -> None:
    desks.locales["maria"] = locale

    desk, key = file(desks)
    desks.settle()

    assert _next(*month_day) == _planned_day(desks, desk, key)


def test_a_site_order_overrides_the_locale(desks: Desks) -> None:
    """``classifier.date_order: dmy`` reads every requester day first, a US one included."""
    settings = desks.rt.settings
    classifier = settings.classifier.model_copy(update={"date_order": "dmy"})
    desks.rt.settings = settings.model_copy(update={"classifier": classifier})
    desks.locales["maria"] = "en_US"

    desk, key = _jira(desks)
    desks.settle()

    assert _next(6, 5) == _planned_day(desks, desk, key)
