"""``attach_file`` for ``JiraDesk`` (see ``connectors.desks.attach``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol
from urllib.parse import quote

import requests

from connectors.desks.attach import checked_name
from connectors.desks.transport import DeskTransport


class _Jira(Protocol):
    _api: str
    _t: DeskTransport

    def _send(self, method: str, path: str, call: str, **kwargs: Any) -> requests.Response: ...


class JiraAttachments:
    """``attach_file`` for ``JiraDesk``."""

    def attach_file(self: _Jira, key: str, filename: str, content: bytes, media_type: str) -> str:
        call = "jira.attach_file"
        checked_name(filename, content, call, self._t.system)
        issue = f"/rest/api/{self._api}/issue/{quote(key, safe='')}"

        def once() -> str:
            found = self._send("GET", issue, call, params={"fields": "attachment"}).json()
            for attachment in _attachments(found):
                if attachment.get("filename") == filename:
                    return str(attachment["id"])
            answer = self._send(
                "POST",
                f"{issue}/attachments",
                call,
                files={"file": (filename, content, media_type)},
                # The session sends JSON by default: drop its Content-Type for the multipart body.
                headers={"X-Atlassian-Token": "no-check", "Content-Type": None},
            ).json()
            return str(answer[0]["id"])

        return self._t.retrying(once)


def _attachments(issue: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    return list((issue.get("fields") or {}).get("attachment") or [])
