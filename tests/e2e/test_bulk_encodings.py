"""
A starters file in a legacy or mixed encoding is refused with its row and byte, and nothing is
written to the directory (issue 13.10: a BOM plus Windows-1252 once put mangled names in LDAP).
"""

from __future__ import annotations

import codecs
from pathlib import Path

from tests.integration.playbooks.world import world

GOOD = (
    "First Name;Surname;Mail;Department;Start Date\nNina;Novak;nina@example.com;Sales;2026-12-01\n"
)
BAD = "Søren;Sørensen;soren@example.com;Sales;2026-12-01\n"


def test_a_mixed_encoding_file_is_refused_where_it_breaks(tmp_path: Path) -> None:
    data = codecs.BOM_UTF8 + GOOD.encode() + BAD.encode("cp1252")
    with world(f"sqlite:///{tmp_path / 'deskpilot.sqlite3'}") as w:
        w.desk.add_attachment("IT-41", "31002", data)
        w.ticket(
            "IT-41", "maria", "New starters in December",
            "Please create accounts for the new starters listed in the attached file.",
            attachments=[{
                "self": "https://acme-it.atlassian.net/rest/api/3/attachment/31002",
                "id": "31002", "filename": "starters.csv", "size": len(data),
                "mimeType": "text/csv",
                "content": "https://acme-it.atlassian.net/rest/api/3/attachment/content/31002",
            }],
        )  # fmt: skip
        w.drain()

        byte = 3 + len(GOOD.encode()) + 1
        assert f"not UTF-8 with BOM: row 3, byte {byte}" in w.text("IT-41", public=True)
        assert w.ticket_row("IT-41").outcome == "waiting_requester"
        assert w.directory.find_user(login="nnovak") is None
        assert dict(w.directory.apply_counts) == {}  # type: ignore[attr-defined]
