"""``attach_file`` and ``list_attachments`` for ``SalesforceDesk`` (see ``connectors.desks.attach``)."""

from __future__ import annotations

import base64

from connectors.desks import MAX_LISTED_FILES, DeskFile, FileListing
from connectors.desks.attach import checked_name
from connectors.desks.salesforce_options import SalesforceCalls


class SalesforceAttachments:
    """``attach_file`` for ``SalesforceDesk``: a ContentVersion first published on the Case;
    ``list_attachments``: the Case's Files (the latest ContentVersion of each document linked
    to it), then its classic Attachments, each oldest first, at most ``limit`` in all: both
    queries carry a ``LIMIT`` (the second one what the first left, and is not sent when the
    Files fill it), and no ``nextRecordsUrl`` page is read past it."""

    def list_attachments(
        self: SalesforceCalls,
        key: str,
        *,
        record_id: str | None = None,
        limit: int = MAX_LISTED_FILES,
    ) -> FileListing:
        call = "salesforce.list_attachments"

        def read() -> FileListing:
            case_id = self._case_id(record_id or key, call)
            files = self._query(
                "SELECT Id, PathOnClient, Title, FileExtension, ContentSize FROM ContentVersion "  # noqa: S608 (a checked Case Id)
                "WHERE IsLatest = true AND ContentDocumentId IN (SELECT ContentDocumentId FROM "
                f"ContentDocumentLink WHERE LinkedEntityId = '{case_id}') ORDER BY CreatedDate "
                f"LIMIT {limit}",
                call,
                limit=limit,
            )
            left = limit - len(files)
            classic = (
                self._query(
                    "SELECT Id, Name, BodyLength, ContentType FROM Attachment "  # noqa: S608 (a checked Case Id)
                    f"WHERE ParentId = '{case_id}' ORDER BY CreatedDate LIMIT {left}",
                    call,
                    limit=left,
                )
                if left > 0
                else []
            )
            return FileListing(
                tuple(
                    DeskFile(str(f["Id"]), _version_name(f), _size(f.get("ContentSize")))
                    for f in files
                )
                + tuple(
                    DeskFile(
                        str(a["Id"]),
                        str(a.get("Name") or ""),
                        _size(a.get("BodyLength")),
                        a.get("ContentType"),
                    )
                    for a in classic
                )
            )

        if limit < 1:
            return FileListing()
        return self._authorised(read)

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


def _version_name(version: dict[str, object]) -> str:
    """A ContentVersion's file name: the name it was uploaded under, else title + extension."""
    path = str(version.get("PathOnClient") or "").replace("\\", "/").rsplit("/", 1)[-1]
    if path:
        return path
    title, extension = str(version.get("Title") or ""), str(version.get("FileExtension") or "")
    return f"{title}.{extension}" if extension and not title.endswith(f".{extension}") else title


def _size(value: object) -> int | None:
    return value if isinstance(value, int) else None
