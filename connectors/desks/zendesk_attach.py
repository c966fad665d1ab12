"""``attach_file`` and ``list_attachments`` for ``ZendeskDesk`` (see ``connectors.desks.attach``)."""

from __future__ import annotations

from typing import Any, Protocol

from connectors.desks import MAX_LISTED_FILES, DeskFile, FileListing
from connectors.desks.attach import checked_name
from connectors.desks.transport import DeskTransport
from connectors.desks.zendesk_wire import comment_pages, numeric_id


class _Zendesk(Protocol):
    _t: DeskTransport

    def _comments(self, ticket_id: str, call: str, *, send: bool) -> list[Any]: ...


LISTED_COMMENT_PAGES = 10
"""Comment pages (of ``COMMENTS_PER_PAGE``) ``list_attachments`` reads at most: the listing runs
on every delivery, and a thread's length is up to whoever writes on it. A file on a later comment
(after the 1,000th) is not seen; attaching it again does not help (a new comment is later still),
so a bulk request that long is sent as a new ticket."""
STOPPED_AT = f"{LISTED_COMMENT_PAGES} comment pages"
"""``FileListing.stopped_at`` when the thread goes on past ``LISTED_COMMENT_PAGES`` pages."""


class ZendeskAttachments:
    """``attach_file`` for ``ZendeskDesk``: an upload, then an internal comment carrying it;
    ``list_attachments``: the files of the ticket's comments, oldest comment first, at most
    ``limit``; no comment page is read once that many are found, nor after
    ``LISTED_COMMENT_PAGES`` pages (the listing then says it stopped there)."""

    def list_attachments(
        self: _Zendesk, key: str, *, record_id: str | None = None, limit: int = MAX_LISTED_FILES
    ) -> FileListing:
        if limit < 1:
            return FileListing()
        ticket_id = numeric_id(key)
        pages = comment_pages(self._t, ticket_id, "zendesk.list_attachments", send=False)
        found: list[DeskFile] = []
        for number, (comments, more) in enumerate(pages, start=1):
            found.extend(
                DeskFile(
                    id=str(item["id"]),
                    filename=str(item.get("file_name") or ""),
                    size=item.get("size") if isinstance(item.get("size"), int) else None,
                    content_type=item.get("content_type"),
                )
                for comment in comments
                for item in comment.get("attachments") or []
            )
            if len(found) >= limit or not more:
                break
            if number == LISTED_COMMENT_PAGES:
                return FileListing(tuple(found), stopped_at=STOPPED_AT)
        return FileListing(tuple(found[:limit]))

    def attach_file(
        self: _Zendesk, key: str, filename: str, content: bytes, media_type: str
    ) -> str:
        call = "zendesk.attach_file"
        checked_name(filename, content, call, self._t.system)
        ticket_id = numeric_id(key)

        def once() -> str:
            for comment in self._comments(ticket_id, call, send=True):
                for attachment in comment.get("attachments") or []:
                    if attachment.get("file_name") == filename:
                        return str(attachment["id"])
            upload = self._t.send(
                "POST",
                "/api/v2/uploads.json",
                call=call,
                params={"filename": filename},
                data=content,
                headers={"Content-Type": media_type},
            ).json()["upload"]
            comment = {
                "body": f"Attached: {filename}",
                "public": False,
                "uploads": [upload["token"]],
            }
            self._t.send(
                "PUT",
                f"/api/v2/tickets/{ticket_id}.json",
                call=call,
                json={"ticket": {"comment": comment}},
            )
            return str(upload["attachment"]["id"])

        return self._t.retrying(once)
