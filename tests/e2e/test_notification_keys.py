"""
An unsigned delivery cannot take the place of a later genuine one.

Deliveries are stored once per desk and dedupe key, and an unsigned body chooses its own key
(a Salesforce notification id, a ServiceNow ``sys_id:sys_mod_count``, Jira's identifier header,
a Zendesk event id). Salesforce notification ids are sequential and an organisation id is
printed in every web-to-case form, so anyone could post a forged message under the id of the
next genuine one: it was re-read and ignored, and the genuine message was then answered as a
duplicate (with the SOAP ack, so Salesforce never sent it again) and never read.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from tests.e2e.authority_payloads import salesforce_page
from tests.e2e.authority_support import ORG_ID, PAYLOADS, Desks, four_desks, now_stamp
from worker.db.tables import InboxItem, TicketRow
from worker.inbound.receive import Outcome

XML = {"Content-Type": "text/xml"}


@pytest.fixture
def desks(tmp_path: Path) -> Iterator[Desks]:
    with four_desks(f"sqlite:///{tmp_path / 'deskpilot.sqlite3'}") as built:
        yield built


def _message(case_number: str, case_id: str) -> bytes:
    """An Outbound Message about one Case, with the sample's notification ids."""
    xml = (PAYLOADS / "salesforce" / "outbound_message_case.xml").read_text()
    xml = xml.replace("00DHs000000AcMeMAK", ORG_ID)
    return xml.replace("00001042", case_number).replace("500Hs00001XyZaBIAV", case_id).encode()


def _stored(d: Desks) -> list[str]:
    with d.rt.db.session() as session:
        return list(session.scalars(select(TicketRow.key).where(TicketRow.desk == "sf-it")))


def _inbox(d: Desks) -> list[tuple[str, str]]:
    with d.rt.db.session() as session:
        rows = session.execute(
            select(InboxItem.source, InboxItem.state)
            .where(InboxItem.desk == "sf-it")
            .order_by(InboxItem.id)
        )
        return [(source, state) for source, state in rows]


@pytest.mark.parametrize(
    ("forged_case", "forged_id"),
    [("00009999", "500Hs00001NoSuchAAA"), ("00001042", "500Hs00001XyZaBIAV")],
    ids=["unknown-case", "same-case-earlier"],
)
def test_a_forged_message_under_the_next_id_does_not_swallow_the_genuine_one(
    desks: Desks, forged_case: str, forged_id: str
) -> None:
    """The forged message is re-read (and ignored or read early); the genuine one is read too."""
    at = now_stamp()
    forged = _message(forged_case, forged_id)
    if forged_case == "00001042":
        forged = forged.replace(b"Cannot log in to the portal", b"Cannot log in (forged)")
    assert Outcome.ACCEPTED is desks.post("sf-it", XML, forged)
    desks.settle()
    case = salesforce_page("500Hs00001XyZaBIAV", "00001042", "carol", at)["records"][0]
    desks.cases["00001042"] = copy.deepcopy(case)  # the case is filed after the forgery

    outcome = desks.post("sf-it", XML, _message("00001042", "500Hs00001XyZaBIAV"))
    desks.settle()

    assert Outcome.ACCEPTED is outcome
    assert ["00001042"] == _stored(desks)
    assert ("notification", "ingested") == _inbox(desks)[-1]


def test_the_desk_sending_a_message_again_is_still_a_duplicate(desks: Desks) -> None:
    """Salesforce retrying the same message (same body) is answered as received, once."""
    at = now_stamp()
    desks.cases["00001042"] = salesforce_page("500Hs00001XyZaBIAV", "00001042", "carol", at)[
        "records"
    ][0]
    body = _message("00001042", "500Hs00001XyZaBIAV")

    outcomes = [desks.post("sf-it", XML, body) for _ in range(2)]
    desks.settle()

    assert [Outcome.ACCEPTED, Outcome.DUPLICATE] == outcomes
    assert [("notification", "ingested")] == _inbox(desks)
