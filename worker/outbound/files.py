"""
Files deskpilot attaches to a ticket (``OutboxKind.ATTACHMENT``): the full bulk report and the
per-row result, which a comment could only summarise within the desk's limit.
"""

from __future__ import annotations

import json

import structlog

from connectors.desks import FileAttachments

log = structlog.get_logger("deskpilot.writeback")


def attach(desk: object, key: str, body: str) -> str | None:
    """
    Attach the file an outbox row's ``body`` describes (JSON: ``filename``, ``media_type``,
    ``text``); returns the desk's id of it. A desk that cannot attach files gets nothing: the
    content stays in the outbox row and the audit log (``deskpilot audit export``).
    """
    file = json.loads(body)
    if not isinstance(desk, FileAttachments):
        log.warning("writeback.no_attachments", filename=file["filename"])
        return None
    content = str(file["text"]).encode("utf-8")
    return desk.attach_file(key, str(file["filename"]), content, str(file["media_type"]))


__all__ = ["attach"]
