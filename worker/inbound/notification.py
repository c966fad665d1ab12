"""
Confirming a notification: the tickets an unsigned or stale delivery names, as the desk's API
shows them to deskpilot's own credentials.

A delivery deskpilot cannot trust as it is (no signature, a Salesforce Outbound Message, a
signed Jira body outside its replay window) is kept in the inbox with source ``notification``
and why (``why_notification``). Ingesting it re-reads each ticket it names; nothing else it
carries is used. It ends one of three ways, each kept on the row and logged:

* confirmed: the API shows the ticket, which is ingested as the API shows it;
* ``ignored``: the API does not show it (a forged key, a ticket deskpilot may not see);
* ``failed``: deskpilot has no API to ask (``connector: memory``, no desk client), a
  configuration problem: once it is fixed, ``deskpilot inbox retry`` asks again.
"""

from __future__ import annotations

from collections.abc import Callable

import structlog

from connectors.errors import PermanentError
from intake.model import NormalizedDelivery
from worker.db.store import compare_and_set
from worker.db.tables import InboxItem
from worker.runtime import Runtime

log = structlog.get_logger("deskpilot.ingest")

UNSIGNED = "not signed: the desk takes unsigned webhooks (unsigned: true)"
OUTBOUND_MESSAGE = (
    "a Salesforce Outbound Message: its organisation id matched, but it is not signed"
)


def why_unsigned(desk_type: str) -> str:
    """Why a delivery to a desk of ``desk_type`` that verified without a signature is only a
    notification (kept with the inbox row)."""
    return OUTBOUND_MESSAGE if desk_type == "salesforce" else UNSIGNED


def reread(
    rt: Runtime,
    inbox_id: int,
    desk_name: str,
    named: list[NormalizedDelivery],
    read: Callable[[bytes], list[NormalizedDelivery] | None],
) -> list[NormalizedDelivery] | None:
    """
    The tickets notification ``inbox_id`` names, as the desk's API shows them (``read`` turns
    what the API answers into deliveries). A ticket the API does not show is dropped; none left
    marks the row ``ignored``, or ``failed`` when there is no API to ask, with the reason. A
    transient desk failure propagates (the message is retried).
    """
    desk = rt.desks.get(desk_name)
    if desk is None:
        _unconfirmable(rt, inbox_id, desk_name, "no desk API client is configured")
        return None
    found: list[NormalizedDelivery] = []
    problems: list[str] = []
    for key in dict.fromkeys(d.ticket.key for d in named):
        try:
            raw = desk.fetch_ticket(key)
        except PermanentError as exc:
            problems.append(f"{key[:64]}: {exc}")
            continue
        got = read(raw.body)
        if got is None:
            return None
        found.extend(got)
    if found:
        keys = sorted({d.ticket.key[:64] for d in found})
        log.info("notification.confirmed", inbox_id=inbox_id, desk=desk_name, keys=keys)
        return found
    if rt.desk_settings(desk_name).connector == "memory":  # its "not found" is not the desk's
        _unconfirmable(rt, inbox_id, desk_name, "it is configured connector: memory")
        return None
    reason = "not confirmed: the desk's API does not show " + "; ".join(problems)
    mark_inbox(rt, inbox_id, "ignored", reason)
    log.warning("notification.unconfirmed", inbox_id=inbox_id, desk=desk_name, reason=reason)
    return None


def _unconfirmable(rt: Runtime, inbox_id: int, desk_name: str, gap: str) -> None:
    """The notification ends ``failed``: there is no API to confirm it with."""
    from worker.wiring.desks import needed_credentials  # the vendor clients: only when needed

    desk_type = rt.desk_settings(desk_name).type
    reason = (
        f"desk {desk_name} has no API credentials to confirm this notification ({gap}); "
        f"nothing in it was acted on. Give desks.{desk_name} connector: api and credentials "
        f"({needed_credentials(desk_type)}), then run deskpilot inbox retry {inbox_id}"
    )
    mark_inbox(rt, inbox_id, "failed", reason)
    log.error(
        "notification.unconfirmable",
        inbox_id=inbox_id,
        desk=desk_name,
        reason=gap,
        setting=f"desks.{desk_name}.credentials",
    )


def mark_inbox(rt: Runtime, inbox_id: int, state: str, error: str) -> None:
    """End inbox row ``inbox_id`` in ``state`` with ``error``, unless it has already ended."""
    with rt.db.connect() as connection:
        compare_and_set(
            connection,
            InboxItem,
            inbox_id,
            InboxItem.state == "received",
            state=state,
            error=error[:2000],
            updated_at=rt.clock(),
        )
