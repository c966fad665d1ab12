"""
A comment someone else last edited is not its author's word.

Jira lets project administrators edit anyone's comment ("Edit All Comments"). When deskpilot
first reads a comment after such an edit (a poll, or an unsigned notification re-reading the
issue), the text is the editor's, but the comment still names its first author: Bob turning
Olivia's "Looking at it" into ``/approve`` made it her approval of his own request. The API's
``updateAuthor`` says who wrote the text as it stands; when that is not the author, nobody is
proven, and the command is refused with the reason (noted and audited, so a genuine command is
not lost silently: its author writes it again).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from tests.e2e.authority_payloads import jira_comment, jira_created, jira_issue, jira_user
from tests.e2e.authority_support import Desks, four_desks, now_stamp
from worker.db.records import AuditRow

JSON = {"Content-Type": "application/json"}


@pytest.fixture
def desks(tmp_path: Path) -> Iterator[Desks]:
    with four_desks(f"sqlite:///{tmp_path / 'deskpilot.sqlite3'}") as built:
        yield built


def _api_issue(key: str, at: Any) -> dict[str, Any]:
    issue = jira_issue(key, "bob", at)
    issue["changelog"] = {"startAt": 0, "maxResults": 0, "total": 0, "histories": []}
    return issue


def _comment(comment_id: str, editor: str | None, at: Any) -> dict[str, Any]:
    stamp = at.strftime("%Y-%m-%dT%H:%M:%S.000+0000")
    para = {"type": "paragraph", "content": [{"type": "text", "text": "/approve"}]}
    comment: dict[str, Any] = {
        "id": comment_id,
        "author": jira_user("olivia"),
        "body": {"type": "doc", "version": 1, "content": [para]},
        "created": stamp,
        "updated": stamp,
        "jsdPublic": False,
    }
    if editor is not None:
        comment["updateAuthor"] = jira_user(editor)
    return comment


def _refusals(d: Desks) -> list[str]:
    with d.rt.db.session() as session:
        rows = session.scalars(
            select(AuditRow).where(AuditRow.action == "approval.refused").order_by(AuditRow.id)
        ).all()
        return [str(r.data.get("reason")) for r in rows]


@pytest.mark.parametrize(
    ("editor", "approved"),
    [("bob", False), ("carol", False), ("olivia", True), (None, True)],
    ids=["edited-by-the-requester", "edited-by-a-colleague", "edited-by-herself", "never-edited"],
)
def test_an_approval_someone_else_wrote_into_her_comment_is_refused(
    desks: Desks, editor: str | None, approved: bool
) -> None:
    """Olivia's comment as the API shows it: it counts only if she wrote its text."""
    at = now_stamp()
    key = "IT-71"
    desks.jira_issues[key] = _api_issue(key, at)
    desks.post("jira-open", JSON, jira_created(jira_issue(key, "bob", at), at))
    desks.settle()
    comment_id = str(desks.next_id())
    desks.jira_issues[key]["fields"]["comment"] = {
        "comments": [_comment(comment_id, editor, at)],
        "total": 1,
    }

    desks.post("jira-open", JSON, jira_comment(jira_issue(key, "bob", at), 1, {}, "nudge", at))
    desks.settle()

    assert approved == ("app-salesforce" in desks.groups("bob"))
    verdicts = [v for *_, v in desks.approvals("jira-open", key)]
    assert (["approved"] if approved else ["refused"]) == verdicts
    if not approved:
        (reason,) = _refusals(desks)
        assert "last edited by" in reason
