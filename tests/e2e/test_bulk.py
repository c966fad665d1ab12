"""Bulk onboarding from a CSV attachment, through the worker: report, approval, batches, result."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from structlog.testing import capture_logs

from connectors.identity.memory import MemoryDirectory
from connectors.render import to_html
from intake.model import (
    EventKind,
    NormalizedDelivery,
    Person,
    StatusCategory,
    Ticket,
    TicketEvent,
)
from tests.integration.playbooks.world import DESK, World, seed, world
from worker.inbound.files import MAX_FILES, with_files

CSV = (
    "First Name;Surname;Mail;Department;Start Date;Groups;Licences\n"
    "Nina;Novak;nina@example.com;Sales;2026-12-01;;\n"
    "Omar;Odell;not-an-address;Sales;2026-12-01;;\n"
    "Pia;Park;pia@example.com;Underwater Basketry;2026-12-01;;\n"
    "Quinn;Quist;quinn@example.com;Engineering;2026-12-02;app-salesforce;m365-e3\n"
    "Rita;Ruiz;rita@example.com;Sales;someday;;\n"
    "Sven;Stone;sven@example.com;Sales;2026-12-03;;\n"
)
"""Rows 2, 5, 7 are good; 3 (e-mail), 4 (department) and 6 (date) are bad. Row 5 carries its
own group and licence, so it gets exactly those and no role template."""


def _attachment(number: int = 31001) -> dict[str, object]:
    return {
        "self": f"https://acme-it.atlassian.net/rest/api/3/attachment/{number}",
        "id": str(number),
        "filename": "starters-december.csv",
        "size": len(CSV.encode("cp1252")),
        "mimeType": "text/csv",
        "content": f"https://acme-it.atlassian.net/rest/api/3/attachment/content/{number}",
    }


def _directory(seats: int) -> MemoryDirectory:
    directory = MemoryDirectory("corp", licenses={"m365-e3": seats, "sf-sales": 5})
    seed(directory)  # alice holds one m365-e3 seat
    return directory


@pytest.fixture
def w(tmp_path: Path) -> Iterator[World]:
    # Two seats left: rows 2 and 5 get theirs, row 7's licence fails, so row 7 is undone.
    with world(
        f"sqlite:///{tmp_path / 'deskpilot.sqlite3'}", _directory(3), bulk_batch_size=4
    ) as built:
        yield built


def _file_ticket(w: World, key: str = "IT-40") -> None:
    w.desk.add_attachment(key, "31001", CSV.encode("cp1252"))
    w.ticket(
        key,
        "maria",
        "New starters in December",
        "Please create accounts for the new starters listed in the attached file.",
        attachments=[_attachment()],
    )
    w.drain()


def test_bad_rows_are_reported_and_only_good_rows_are_applied_after_approval(w: World) -> None:
    """Report first; after /approve the good rows are created batch by batch, one is undone."""
    _file_ticket(w)
    [run] = w.runs("IT-40")
    assert (run.playbook, run.state) == ("bulk-onboarding", "waiting_approval")
    internal = w.text("IT-40", public=False)
    assert "3 row(s) ready, 3 row(s) with problems" in internal
    assert "| 3 | email | “not-an-address” is not an e-mail address |" in internal
    assert "| 4 | department | no role template for department “Underwater Basketry” |" in internal
    assert "| 6 | start_date |" in internal
    assert "```csv\nrow,column,problem\n3,email," in internal
    assert "Add nnovak (Nina Novak) to group sales" in internal  # the preview is the plan
    assert w.directory.find_user(login="nnovak") is None  # nothing before the approval

    w.comment("IT-40", "olivia", "/approve")
    w.drain()
    [run] = w.runs("IT-40")
    assert run.state == "partial"
    nina, quinn = w.user("nnovak"), w.user("qquist")
    assert w.groups("nnovak") == ["all-staff", "sales"]
    assert w.groups("qquist") == ["app-salesforce"]
    assert w.directory.licenses_of(nina.id) == ["m365-e3"]
    assert w.directory.licenses_of(quinn.id) == ["m365-e3"]
    assert w.directory.find_user(login="sstone") is None  # its licence failed: undone
    for login in ("oodell", "ppark", "rruiz"):
        assert w.directory.find_user(login=login) is None

    assert w.notes("IT-40", public=True) == [], "a row failed: escalated, agents follow up"
    internal = w.text("IT-40", public=False)
    assert "**2 created, 1 failed, 3 not planned.**" in internal
    assert "| 2 | created |" in internal
    assert "| 5 | created |" in internal
    assert "| 7 | failed: " in internal
    assert "undone" in internal
    assert "| 3 | not planned: email" in internal
    assert w.ticket_row("IT-40").outcome == "escalated"
    assert "#### Rows" in internal


def test_batches_go_one_message_at_a_time(w: World) -> None:
    """With batches of 4 steps, each person is one batch: the run re-enqueues itself per batch."""
    _file_ticket(w)
    w.comment("IT-40", "olivia", "/approve")
    states = []
    while w.step():
        states.append(w.runs("IT-40")[0].state)
    assert states.count("approved") >= 2  # back in the queue between batches
    assert w.runs("IT-40")[0].state == "partial"


def test_self_approval_of_a_bulk_file_is_refused(w: World) -> None:
    """The bulk plan always waits for a person; the HR requester cannot approve her own file."""
    _file_ticket(w)
    w.comment("IT-40", "maria", "/approve")
    w.drain()
    assert [r.state for r in w.runs("IT-40")] == ["waiting_approval"]
    assert w.directory.find_user(login="nnovak") is None


def test_a_file_without_the_required_columns_is_sent_back_to_the_requester(w: World) -> None:
    """No run is planned; the requester is told which columns are missing."""
    w.desk.add_attachment("IT-41", "31001", b"name,mail\nNina Novak,nina@example.com\n")
    w.ticket(
        "IT-41",
        "maria",
        "New starters in December",
        "Please create accounts for the new starters listed in the attached file.",
        attachments=[_attachment()],
    )
    w.drain()
    assert w.runs("IT-41") == []
    public = w.text("IT-41", public=True)
    assert "required column(s) missing: given_name, family_name, department, start_date" in public


def test_the_full_report_and_every_rows_result_are_attached_as_csv(w: World) -> None:
    """The notes summarise within the desk's comment limit; the files carry every row (13.10)."""
    _file_ticket(w)
    w.comment("IT-40", "olivia", "/approve")
    w.drain()

    files = w.desk.files["IT-40"]
    [run] = w.runs("IT-40")
    problems = files["starters-december-31001-problems.csv"].decode()
    result = files[f"bulk-result-IT-40-run{run.id}.csv"].decode().splitlines()
    assert problems.splitlines()[0] == "row,column,problem"
    assert {line.split(",")[0] for line in problems.splitlines()[1:]} == {"3", "4", "6"}
    assert result[0] == "row,result,detail"
    assert [line.split(",")[:2] for line in result[1:]] == [
        ["2", "created"], ["3", "not planned"], ["4", "not planned"], ["5", "created"],
        ["6", "not planned"], ["7", "failed"],
    ]  # fmt: skip
    assert f"attached as `bulk-result-IT-40-run{run.id}.csv`" in w.text("IT-40", public=False)


def test_a_file_only_the_desks_api_lists_is_found(w: World) -> None:
    """A delivery without its files (Zendesk, ServiceNow, Salesforce): the desk is asked."""
    w.desk.add_attachment("IT-42", "31001", CSV.encode("cp1252"), filename="starters.csv")
    w.ticket(
        "IT-42",
        "maria",
        "New starters in December",
        "Please create accounts for the new starters listed in the attached file.",
    )
    w.drain()
    [run] = w.runs("IT-42")
    assert (run.playbook, run.state) == ("bulk-onboarding", "waiting_approval")
    assert "3 row(s) ready, 3 row(s) with problems" in w.text("IT-42", public=False)


@pytest.mark.parametrize(
    ("kinds", "listed"),
    [
        ((EventKind.CREATED,), ("starters.csv",)),
        ((EventKind.STATUS,), ()),
    ],
    ids=["a-new-ticket-is-listed", "a-status-change-is-not"],
)
def test_files_are_listed_only_for_deliveries_that_can_bring_them(
    w: World, kinds: tuple[EventKind, ...], listed: tuple[str, ...]
) -> None:
    w.desk.add_attachment("IT-44", "31001", b"x", filename="starters.csv")
    found = with_files(w.rt, DESK, _delivery("IT-44", kinds))
    assert tuple(a.filename for a in found.ticket.attachments) == listed


@pytest.mark.parametrize(
    ("on_ticket", "truncated"),
    [(MAX_FILES, False), (MAX_FILES + 1, True), (MAX_FILES + 50, True)],
    ids=["exactly-the-bound", "one-more-than-the-bound", "many-more"],
)
def test_a_ticket_with_more_files_than_the_bound_keeps_the_oldest(
    w: World, on_ticket: int, truncated: bool
) -> None:
    """Whoever can attach files decides how many a ticket has: a listing keeps MAX_FILES, and
    says so only when the ticket has more (the desk is asked for one more than that)."""
    for number in range(on_ticket):
        w.desk.add_attachment("IT-46", f"4{number:04}", b"x", filename=f"file-{number}.csv")
    with capture_logs() as logs:
        found = with_files(w.rt, DESK, _delivery("IT-46", (EventKind.CREATED,)))
    names = [a.filename for a in found.ticket.attachments]
    assert names == [f"file-{number}.csv" for number in range(MAX_FILES)]
    events = [e for e in logs if e["event"] == "attachments.truncated"]
    assert events == ([{"event": "attachments.truncated", "log_level": "warning", "desk": DESK,
                        "key": "IT-46", "kept": MAX_FILES}] if truncated else [])  # fmt: skip


def test_a_permanent_listing_failure_keeps_the_delivery(w: World) -> None:
    """A ticket the desk does not show (NotFoundError) is taken as delivered, without files."""
    w.desk.strict = True
    delivery = _delivery("IT-45", (EventKind.CREATED,))
    assert with_files(w.rt, DESK, delivery) is delivery


def _delivery(key: str, kinds: tuple[EventKind, ...]) -> NormalizedDelivery:
    ticket = Ticket(
        desk=DESK, desk_type="jira", key=key, subject="New starters", description="",
        requester=Person(id="u-maria", email="maria@example.com"), status=StatusCategory.NEW,
    )  # fmt: skip
    at = datetime(2026, 12, 7, 9, tzinfo=UTC)
    return NormalizedDelivery(ticket, tuple(TicketEvent(k, at, f"{k}:1") for k in kinds))


def test_a_file_name_cannot_write_a_link_into_deskpilots_note(w: World) -> None:
    """The requester chose the name: it is shown literally, never as a link in the check note."""
    name = "[Confirm your password](https://evil.example/login).csv"
    w.desk.add_attachment("IT-46", "31001", CSV.encode("cp1252"), filename=name)
    w.ticket(
        "IT-46",
        "maria",
        "New starters in December",
        "Please create accounts for the new starters listed in the attached file.",
    )
    w.drain()
    internal = w.text("IT-46", public=False)
    assert f"`{name}`" in internal
    assert "<a " not in to_html(internal)
