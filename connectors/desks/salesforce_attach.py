"""``attach_file`` for ``SalesforceDesk`` (see ``connectors.desks.attach``)."""

from __future__ import annotations

import base64

from connectors.desks.attach import checked_name
from connectors.desks.salesforce_options import SalesforceCalls


class SalesforceAttachments:
    """``attach_file`` for ``SalesforceDesk``: a ContentVersion first published on the Case."""

    def attach_file(
        self: SalesforceCalls, key: str, filename: str, content: bytes, media_type: str
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
