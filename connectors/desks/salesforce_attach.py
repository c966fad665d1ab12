"""``attach_file`` for ``SalesforceDesk`` (see ``connectors.desks.attach``)."""

from __future__ import annotations

import base64
from collections.abc import Callable
from typing import Any, Protocol, TypeVar

from connectors.desks.attach import checked_name
from connectors.desks.transport import DeskTransport

T = TypeVar("T")


class _Salesforce(Protocol):
    _t: DeskTransport
    _api: str

    def _authorised(self, fn: Callable[[], T]) -> T: ...

    def _query(self, soql: str, call: str, *, retry: bool = True) -> list[Any]: ...

    def _case_id(self, key: str, call: str, *, retry: bool = True) -> str: ...


class SalesforceAttachments:
    """``attach_file`` for ``SalesforceDesk``: a ContentVersion first published on the Case."""

    def attach_file(
        self: _Salesforce, key: str, filename: str, content: bytes, media_type: str
    ) -> str:
        call = "salesforce.attach_file"
        checked_name(filename, content, call, self._t.system)
        version = {
            "Title": filename.rsplit(".", 1)[0],
            "PathOnClient": filename,
            "VersionData": base64.b64encode(content).decode(),
        }

        def once() -> str:
            case_id = self._case_id(key, call, retry=False)
            soql = (
                "SELECT Id FROM ContentVersion WHERE FirstPublishLocationId = "  # noqa: S608 (an Id and a checked file name)
                f"'{case_id}' AND PathOnClient = '{filename}' AND IsLatest = true"
            )
            found = self._query(soql, call, retry=False)
            if found:
                return str(found[0]["Id"])
            body = {**version, "FirstPublishLocationId": case_id}
            answer = self._t.send(
                "POST", f"{self._api}/sobjects/ContentVersion", call=call, json=body
            ).json()
            return str(answer["id"])

        return self._authorised(lambda: self._t.retrying(once))
