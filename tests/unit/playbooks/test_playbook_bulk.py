"""Bulk CSV: bad rows reported by row and column, the plan built from the good rows only."""

from __future__ import annotations

import codecs
import re

import pytest

from connectors.identity.memory import MemoryDirectory
from intake.model import Attachment
from playbooks.bulk import (
    BulkFileError,
    build_bulk_plan,
    chunk_steps,
    parse_csv,
    render_bulk_result,
    validate_rows,
)
from playbooks.config import PolicySettings
from playbooks.load import Library
from playbooks.plan import select_playbook
from playbooks.policy import decide
from tests.unit.playbooks.playbook_builders import NOW, request, settings, ticket, user

FILE = """\
First Name;Last Name;Email;Department;Start Date;Title;Manager;Groups
Nina;Newman;nina@example.com;Sales;2026-12-01;;maria@example.com;
Omar;Ortiz;omar(at)example.com;Sales;2026-12-01;;;
Paula;Park;paula@example.com;Finance;2026-12-01;;;
Quinn;Quest;quinn@example.com;Engineering;01/12/2026;;;
Nora;Newman;nora@example.com;Engineering;2026-12-01;;;
Ravi;Rao;ravi@example.com;Engineering;2026-12-01;;;no-such-group
Sara;Søndergaard;sara@example.com;Engineering;2026-12-01;;nobody@example.com;
Tom;Tan;tom@example.com;Sales;2026-12-03;Sales Engineer;;app-salesforce
"""

EXPECTED_BAD = [
    (3, "email", "“omar(at)example.com” is not an e-mail address"),
    (4, "department", "no role template for department “Finance”"),
    (5, "start_date", "“01/12/2026” is not a date (use YYYY-MM-DD)"),
    (6, "login", "login nnewman is also on row 2"),
    (7, "groups", "unknown group “no-such-group”"),
    (8, "", "input `manager`: no account nobody@example.com in directory `corp`"),
]


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        (FILE.encode("utf-8"), "UTF-8"),
        (FILE.encode("utf-8-sig"), "UTF-8 with BOM"),
        (FILE.encode("utf-16"), "UTF-16"),
        (codecs.BOM_UTF16_BE + FILE.encode("utf-16-be"), "UTF-16"),
    ],
    ids=["utf8", "utf8-bom", "utf16-le-bom", "utf16-be-bom"],
)
def test_unicode_files_are_read_and_the_delimiter_sniffed(data: bytes, encoding: str) -> None:
    """The same file reads the same whichever Unicode form Excel saved it in."""
    table = parse_csv(data)

    assert (table.encoding, table.delimiter) == (encoding, ";")
    assert table.columns[:5] == ("given_name", "family_name", "email", "department", "start_date")
    assert table.rows[6][1]["family_name"] == "Søndergaard"


_SARA = FILE.index("Søndergaard")
_ROW_8 = FILE.encode("utf-8")[: FILE.encode("utf-8").index("Søndergaard".encode()) + 1]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (FILE.encode("cp1252"), f"not UTF-8: row 8, byte {len(FILE[:_SARA].encode()) + 1}"),
        (FILE.encode("latin-1"), f"not UTF-8: row 8, byte {len(FILE[:_SARA].encode()) + 1}"),
        (
            codecs.BOM_UTF8 + FILE[:_SARA].encode() + FILE[_SARA:].encode("cp1252"),
            f"not UTF-8 with BOM: row 8, byte {len(_ROW_8) + 3}",
        ),
        (FILE.encode("utf-16-le"), "looks like UTF-16 without a byte-order mark: row 1, byte 1"),
    ],
    ids=["windows-1252", "latin-1", "utf8-bom-then-windows-1252", "utf16-without-bom"],
)
def test_other_encodings_are_refused_with_row_and_byte(data: bytes, message: str) -> None:
    """No guessing: a mixed or legacy file is refused where it stops being Unicode."""
    with pytest.raises(BulkFileError, match=re.escape(message)):
        parse_csv(data)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty"),
        (b"given_name,email\nA,a@example.com\n", "required column(s) missing: family_name"),
    ],
    ids=["empty", "missing-columns"],
)
def test_unusable_file(data: bytes, message: str) -> None:
    """A file without the required columns is refused as a whole."""
    with pytest.raises(BulkFileError, match=re.escape(message)):
        parse_csv(data)


def test_bad_rows_are_reported_and_only_good_rows_planned(
    library: Library, corp: MemoryDirectory
) -> None:
    """Each bad row is reported with row number, column and reason; the plan has only the good rows."""
    policy = settings(applications=[*settings().applications])
    req = request("account_create", corp, "maria")
    req = req.__class__(
        **{**req.__dict__, "ticket": ticket(attachments=(Attachment("a1", "starters.csv"),))}
    )
    playbook = select_playbook(library, req)
    assert playbook is not None
    assert playbook.name == "bulk-onboarding"

    report = validate_rows(parse_csv(FILE.encode()), policy)
    plan, final = build_bulk_plan(playbook, report, req, corp, now=NOW, settings=policy)

    assert [(p.row, p.column, p.reason) for p in final.bad_rows] == EXPECTED_BAD
    assert [n for n, _ in final.good_rows] == [2, 9]
    assert {s.group_key for s in plan.steps} == {"row 2", "row 9"}
    assert [
        s.params.get("group")
        for s in plan.steps
        if s.group_key == "row 9" and s.kind == "add_to_group"
    ] == ["app-salesforce"], "a row with its own groups gets exactly those, no template on top"
    assert [s.kind for s in plan.steps if s.group_key == "row 9"] == ["create_user", "add_to_group"]
    assert (
        "| 4 | department | no role template for department “Finance” |" in final.render_markdown()
    )
    assert (
        final.render_csv().splitlines()[1]
        == "3,email,“omar(at)example.com” is not an e-mail address"
    )
    assert decide(playbook, plan, req, policy, recent_resets=[]).outcome == "auto"


def test_chunks_never_split_a_person(
    library: Library, corp: MemoryDirectory, policy: PolicySettings
) -> None:
    """Batches hold whole people; a large plan exceeding the blast radius needs security approval."""
    rows = "\n".join(f"P{i};Person{i};p{i}@example.com;Engineering;2026-12-01" for i in range(12))
    data = ("given_name;family_name;email;department;start_date\n" + rows).encode()
    req = request("account_create", corp, "maria")
    playbook = library.get("bulk-onboarding")

    plan, _ = build_bulk_plan(
        playbook, validate_rows(parse_csv(data), policy), req, corp, now=NOW, settings=policy
    )
    batches = chunk_steps(plan, 10)

    assert [len(b) for b in batches] == [10] * 6
    assert all(len({s.group_key for s in b}) == 2 for b in batches)
    decision = decide(playbook, plan, req, policy, recent_resets=[])
    assert decision.outcome == "needs_approval"
    assert "60 changes exceed the blast radius of 50" in decision.reasons


def test_partial_success_report(corp: MemoryDirectory, policy: PolicySettings) -> None:
    """After applying, each row says created, failed with why, or not planned."""
    report = validate_rows(parse_csv(FILE.encode()), policy)

    text = render_bulk_result(report, {9: "no seats left on m365-e3"}, applied=[2])

    assert text.startswith("**1 created, 1 failed, 5 not planned.**")
    assert "| 9 | failed: no seats left on m365-e3 |" in text
    assert "| 3 | not planned: email “omar(at)example.com” is not an e-mail address |" in text
    assert user(corp, "maria").login == "maria"


def test_a_row_with_a_privileged_group_or_a_taken_address_is_a_bad_row(
    library: Library, corp: MemoryDirectory
) -> None:
    """
    A row asking for a privileged group, or an address another account already has, is not
    applied; the other rows still are (the privileged row does not refuse the whole file).
    """
    policy = settings(
        role_templates=[
            {"department": "Sales", "groups": ["all-staff", "sales", "Domain Admins"]},
            *settings().role_templates,
        ]
    )
    data = (
        b"login,first_name,last_name,email,department,start_date,groups\n"
        b"ninan,Nina,Newman,nina@example.com,Sales,2026-12-01,all-staff;sales\n"
        b"peteh,Pete,Hall,pete@example.com,Sales,2026-12-01,all-staff;Domain Admins\n"
        b"alicel,Alice,Lidd,alice@example.com,Sales,2026-12-01,all-staff\n"
    )
    req = request("account_create", corp, "maria")
    playbook = library.get("bulk-onboarding")

    report = validate_rows(parse_csv(data), policy)
    plan, final = build_bulk_plan(playbook, report, req, corp, now=NOW, settings=policy)

    assert [(p.row, p.column) for p in final.bad_rows] == [(3, "groups"), (4, "")]
    assert "Domain Admins" in final.bad_rows[0].reason
    assert "alice@example.com is already used by another account (alice)" in (
        final.bad_rows[1].reason
    )
    assert [n for n, _ in final.good_rows] == [2]
    assert {s.group_key for s in plan.steps} == {"row 2"}
    assert decide(playbook, plan, req, policy, recent_resets=[]).outcome != "refused"
