"""``attach_file`` and ``list_attachments`` for ``ServiceNowDesk`` (see ``connectors.desks.attach``)."""

from __future__ import annotations

from typing import Protocol

from connectors.desks import MAX_LISTED_FILES, DeskFile, FileListing
from connectors.desks.attach import checked_name
from connectors.desks.servicenow_wire import ServiceNowOptions
from connectors.desks.transport import DeskTransport


class _ServiceNow(Protocol):
    _t: DeskTransport
    options: ServiceNowOptions

    def _sys_id(self, key: str, call: str) -> str: ...


class ServiceNowAttachments:
    """``attach_file`` and ``list_attachments`` for ``ServiceNowDesk`` (the Attachment API)."""

    def list_attachments(
        self: _ServiceNow, key: str, *, record_id: str | None = None, limit: int = MAX_LISTED_FILES
    ) -> FileListing:
        call = "servicenow.list_attachments"
        if limit < 1:
            return FileListing()
        sys_id = self._sys_id(record_id or key, call)
        query = {
            "sysparm_query": (
                f"table_name={self.options.table}^table_sys_id={sys_id}^ORDERBYsys_created_on"
            ),
            "sysparm_fields": "sys_id,file_name,size_bytes,content_type",
            "sysparm_limit": limit,  # the oldest ``limit`` files; more are not read
        }
        found = (self._t.json("GET", "/api/now/attachment", call=call, params=query) or {}).get(
            "result"
        ) or []
        return FileListing(
            tuple(
                DeskFile(
                    id=str(item["sys_id"]),
                    filename=str(item.get("file_name") or ""),
                    size=int(item["size_bytes"])
                    if str(item.get("size_bytes", "")).isdigit()
                    else None,
                    content_type=item.get("content_type") or None,
                )
                for item in found
            )
        )

    def attach_file(
        self: _ServiceNow, key: str, filename: str, content: bytes, media_type: str
    ) -> str:
        call = "servicenow.attach_file"
        checked_name(filename, content, call, self._t.system)
        sys_id = self._sys_id(key, call)
        table = self.options.table
        query = {
            "sysparm_query": f"table_name={table}^table_sys_id={sys_id}^file_name={filename}",
            "sysparm_fields": "sys_id,file_name",
            "sysparm_limit": 1,
        }
        upload = {"table_name": table, "table_sys_id": sys_id, "file_name": filename}

        def once() -> str:
            found = self._t.send("GET", "/api/now/attachment", call=call, params=query).json()
            existing = (found or {}).get("result") or []
            if existing:
                return str(existing[0]["sys_id"])
            answer = self._t.send(
                "POST",
                "/api/now/attachment/file",
                call=call,
                params=upload,
                data=content,
                headers={"Content-Type": media_type, "Accept": "application/json"},
            ).json()
            return str(answer["result"]["sys_id"])

        return self._t.retrying(once)
