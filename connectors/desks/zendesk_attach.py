"""``attach_file`` and ``list_attachments`` for ``ZendeskDesk`` (see ``connectors.desks.attach``)."""

from __future__ import annotations

from typing import Any, Protocol

from connectors.desks import DeskFile
from connectors.desks.attach import checked_name
from connectors.desks.transport import DeskTransport
from connectors.desks.zendesk_wire import numeric_id


class _Zendesk(Protocol):
    _t: DeskTransport

    def _comments(self, ticket_id: str, call: str, *, send: bool) -> list[Any]: ...


class ZendeskAttachments:
    """``attach_file`` for ``ZendeskDesk``: an upload, then an internal comment carrying it;
    ``list_attachments``: the files of the ticket's comments, oldest comment first."""

    def list_attachments(
        self: _Zendesk, key: str, *, record_id: str | None = None
    ) -> tuple[DeskFile, ...]:
        comments = self._comments(numeric_id(key), "zendesk.list_attachments", send=False)
        return tuple(
            DeskFile(
                id=str(item["id"]),
                filename=str(item.get("file_name") or ""),
                size=item.get("size") if isinstance(item.get("size"), int) else None,
                content_type=item.get("content_type"),
            )
            for comment in comments
            for item in comment.get("attachments") or []
        )

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
