"""
Attaching a file to a ticket exactly once, on each desk (``FileAttachments.attach_file``).

The file's name is the idempotency key: before uploading, the connector reads the ticket's
attachments and returns the one with that name if it is there (a retry after a timeout, or a
second writeback, uploads nothing). Every upload is one request the transport meters and
classifies; a failure is retried by ``DeskTransport.retrying``, which re-reads first.

* Jira: ``GET /rest/api/{3|2}/issue/{key}?fields=attachment``, then
  ``POST /rest/api/{3|2}/issue/{key}/attachments`` (multipart ``file``, ``X-Atlassian-Token:
  no-check``).
* Zendesk: the ticket's comments' ``attachments``, then ``POST /api/v2/uploads.json?filename=``
  (the bytes) and an internal comment carrying the upload token.
* ServiceNow: ``GET /api/now/attachment?sysparm_query=table_sys_id=…^file_name=…``, then
  ``POST /api/now/attachment/file?table_name=&table_sys_id=&file_name=`` (the bytes).
* Salesforce: a ``ContentVersion`` with ``FirstPublishLocationId`` = the Case (SOQL first), then
  ``POST /sobjects/ContentVersion`` (``VersionData`` in base64): the file shows under the Case.
"""

from __future__ import annotations

import re

from connectors.errors import RejectedError

FILENAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,150}\.[A-Za-z0-9]{1,8}$")
"""Letters, digits, ``.``, ``_`` and ``-``: nothing to escape in JQL, SOQL or a sysparm_query."""
MAX_BYTES = 10 * 1024 * 1024
"""The smallest default limit of the four (Jira Cloud's is far larger; Zendesk's is 50 MB)."""


def checked_name(filename: str, content: bytes, call: str, system: str) -> str:
    """``filename`` if it is a plain file name and ``content`` fits every desk; else refused."""
    if not FILENAME.fullmatch(filename):
        raise RejectedError(f"{call}: file name {filename[:60]!r}", system=system)
    if len(content) > MAX_BYTES:
        raise RejectedError(
            f"{call}: {filename} has {len(content)} bytes, more than {MAX_BYTES}", system=system
        )
    return filename


__all__ = ["FILENAME", "MAX_BYTES", "checked_name"]
