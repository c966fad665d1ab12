"""``attach_file`` for ``ServiceNowDesk`` (see ``connectors.desks.attach``)."""

from __future__ import annotations

from typing import Protocol

from connectors.desks.attach import checked_name
from connectors.desks.servicenow_wire import ServiceNowOptions
from connectors.desks.transport import DeskTransport


class _ServiceNow(Protocol):
    _t: DeskTransport
    options: ServiceNowOptions

    def _sys_id(self, key: str, call: str) -> str: ...


class ServiceNowAttachments:
    """``attach_file`` for ``ServiceNowDesk``."""

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
