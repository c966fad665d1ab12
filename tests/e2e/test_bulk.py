"""Bulk onboarding from a CSV attachment, through the worker: report, approval, batches, result."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import responses
from responses import matchers
from sqlalchemy import select
from structlog.testing import capture_logs

from connectors.desks import DeskClient
from connectors.desks.zendesk_attach import LISTED_COMMENT_PAGES, STOPPED_AT
from connectors.identity.memory import MemoryDirectory
from connectors.ratelimit import LocalRateLimiter
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
from tests.unit.desks.conftest import FakeClock
from tests.unit.desks.test_set_priority import (
    CASE_ID,
    SF_API,
    SNOW,
    SYS_ID,
    ZENDESK,
    salesforce,
    snow,
    zendesk,
)
from worker.db.records import AuditRow
from worker.db.tables import TicketRow
from worker.inbound.files import FILES_BOUND, FILES_UNREAD_ACTION, MAX_FILES, with_files

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
                        "key": "IT-46", "bound": FILES_BOUND, "kept": MAX_FILES}]
                      if truncated else [])  # fmt: skip
    assert found.ticket.files_unread == (FILES_BOUND if truncated else None)


def test_a_permanent_listing_failure_keeps_the_delivery(w: World) -> None:
    """A ticket the desk does not show (NotFoundError) is taken as delivered, without files."""
    w.desk.strict = True
    delivery = _delivery("IT-45", (EventKind.CREATED,))
    assert with_files(w.rt, DESK, delivery) is delivery


def _delivery(
    key: str, kinds: tuple[EventKind, ...], desk_id: str | None = None
) -> NormalizedDelivery:
    ticket = Ticket(
        desk=DESK, desk_type="jira", key=key, subject="New starters", description="",
        requester=Person(id="u-maria", email="maria@example.com"), status=StatusCategory.NEW,
        desk_id=desk_id,
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


def _zendesk_thread(http: responses.RequestsMock) -> None:
    """A Zendesk thread longer than the listing reads: one file per comment page, and a next
    page after the last one read (not registered: asking for it would fail)."""
    comments = f"{ZENDESK}/api/v2/tickets/7/comments.json"
    for page in range(LISTED_COMMENT_PAGES):
        file = {
            "id": 900 + page,
            "file_name": f"p{page}.csv",
            "content_type": "text/csv",
            "size": 12,
            "content_url": f"{ZENDESK}/attachments/token/t{page}/?name=p{page}.csv",
        }
        http.get(
            comments,
            json={"comments": [{"id": page + 1, "body": "", "public": True, "attachments": [file]}],
                  "meta": {"has_more": True, "after_cursor": f"c{page + 1}"},
                  "links": {"next": f"{comments}?page%5Bafter%5D=c{page + 1}&page%5Bsize%5D=100"}},
            match=[matchers.query_param_matcher(
                {"page[size]": "100"} | ({"page[after]": f"c{page}"} if page else {}))],
        )  # fmt: skip


def _servicenow_listing(http: responses.RequestsMock) -> None:
    """A record with more files than the bound: the Attachment API is asked for one more."""
    result = [{"sys_id": f"{n:032x}", "file_name": f"f{n}.csv", "size_bytes": "12",
               "content_type": "text/csv"} for n in range(MAX_FILES + 1)]  # fmt: skip
    query = {
        "sysparm_query": f"table_name=incident^table_sys_id={SYS_ID}^ORDERBYsys_created_on",
        "sysparm_fields": "sys_id,file_name,size_bytes,content_type",
        "sysparm_limit": str(MAX_FILES + 1),
    }
    http.get(
        f"{SNOW}/api/now/attachment",
        json={"result": result},
        match=[matchers.query_param_matcher(query)],
    )


def _salesforce_listing(http: responses.RequestsMock) -> None:
    """A Case with more Files than the bound: the LIMIT is one more, no classic query follows."""
    records = [{"attributes": {"type": "ContentVersion"}, "Id": f"068RO00000{n:04d}AYAC",
                "PathOnClient": f"v{n}.csv", "Title": f"v{n}", "FileExtension": "csv",
                "ContentSize": 12} for n in range(MAX_FILES + 1)]  # fmt: skip
    soql = (
        "SELECT Id, PathOnClient, Title, FileExtension, ContentSize FROM ContentVersion "  # noqa: S608 (the expected query)
        "WHERE IsLatest = true AND ContentDocumentId IN (SELECT ContentDocumentId FROM "
        f"ContentDocumentLink WHERE LinkedEntityId = '{CASE_ID}') ORDER BY CreatedDate "
        f"LIMIT {MAX_FILES + 1}"
    )
    http.get(
        f"{SF_API}/query",
        json={"totalSize": len(records), "done": True, "records": records},
        match=[matchers.query_param_matcher({"q": soql})],
    )


@pytest.mark.parametrize(
    ("make", "answer", "key", "desk_id", "bound", "kept"),
    [
        (zendesk, _zendesk_thread, "7", None, STOPPED_AT, LISTED_COMMENT_PAGES),
        (snow, _servicenow_listing, "INC0010001", SYS_ID, FILES_BOUND, MAX_FILES),
        (salesforce, _salesforce_listing, "00001026", CASE_ID, FILES_BOUND, MAX_FILES),
    ],
    ids=["zendesk-comment-pages", "servicenow-files", "salesforce-files"],
)
def test_every_bounded_desk_says_its_listing_stopped_at_the_bound(
    w: World,
    make: Callable[[LocalRateLimiter, FakeClock], DeskClient],
    answer: Callable[[responses.RequestsMock], None],
    key: str,
    desk_id: str | None,
    bound: str,
    kept: int,
) -> None:
    """Each real desk client, faked only at HTTP: the ticket carries the bound, and a structured
    warning names the ticket, the desk and the bound (files beyond it are not seen)."""
    clock = FakeClock()
    w.rt.desks[DESK] = make(LocalRateLimiter(clock=clock.monotonic), clock)
    with responses.RequestsMock(assert_all_requests_are_fired=True) as http:
        answer(http)
        with capture_logs() as logs:
            found = with_files(w.rt, DESK, _delivery(key, (EventKind.CREATED,), desk_id))

    assert (found.ticket.files_unread, len(found.ticket.attachments)) == (bound, kept)
    events = [e for e in logs if e["event"] == "attachments.truncated"]
    assert events == [{"event": "attachments.truncated", "log_level": "warning", "desk": DESK,
                       "key": key, "bound": bound, "kept": kept}]  # fmt: skip


def _files_audit(w: World, key: str) -> list[dict[str, object]]:
    with w.rt.db.session() as session:
        rows = session.scalars(
            select(AuditRow.data)
            .join(TicketRow, TicketRow.id == AuditRow.ticket_id)
            .where(TicketRow.key == key, AuditRow.action == FILES_UNREAD_ACTION)
        ).all()
    return [dict(data) for data in rows]


def test_a_ticket_with_files_beyond_the_bound_is_audited_once_and_the_bulk_note_says_so(
    w: World,
) -> None:
    """The CSV is among the files read; the agents' check note still says that files beyond the
    bound were not read, and the audit keeps one entry however many deliveries list it."""
    w.desk.add_attachment("IT-47", "50000", CSV.encode("cp1252"), filename="starters.csv")
    for number in range(MAX_FILES):
        w.desk.add_attachment("IT-47", f"5{number + 1:04}", b"x", filename=f"scan-{number}.pdf")
    subject, text = "New starters in December", "Please create accounts for the attached file."
    w.ticket("IT-47", "maria", subject, text)
    w.drain()
    w.advance(minutes=5)
    w.ticket("IT-47", "maria", subject, text)  # a second full delivery lists the files again
    w.comment("IT-47", "maria", "Any news?")  # a comment (an abbreviated delivery) does too
    w.drain()

    assert _files_audit(w, "IT-47") == [
        {"desk": DESK, "key": "IT-47", "bound": FILES_BOUND, "read": MAX_FILES}
    ]
    internal = w.text("IT-47", public=False)
    assert "3 row(s) ready, 3 row(s) with problems" in internal
    assert f"files beyond the first {FILES_BOUND} were not read" in internal


def test_no_csv_among_the_files_read_says_files_beyond_the_bound_were_not_read(w: World) -> None:
    """ "No CSV file" would be wrong when the CSV may lie beyond the bound: the note says so."""
    for number in range(MAX_FILES + 1):
        w.desk.add_attachment("IT-48", f"6{number:04}", b"x", filename=f"scan-{number}.pdf")
    w.ticket("IT-48", "maria", "New starters in December",
             "Please create accounts for the new starters listed in the attached file.")  # fmt: skip
    w.drain()

    for text in (w.text("IT-48", public=False), w.text("IT-48", public=True)):
        assert "no CSV file is attached to the ticket" in text
        assert f"files beyond the first {FILES_BOUND} were not read" in text


def test_a_ticket_whose_files_were_all_read_records_nothing(w: World) -> None:
    _file_ticket(w, "IT-49")
    assert _files_audit(w, "IT-49") == []
    assert "were not read" not in w.text("IT-49", public=False)
