"""
Desk payloads → ``NormalizedDelivery`` (pure: no I/O, no clock), one module per desk.

``normalize_delivery`` accepts what the desk's webhook carried (after
``intake.webhooks.verify_delivery``) and the poll form the desk clients build::

    {"kind": "deskpilot.poll", "record": <one ticket as the vendor REST API returns it>,
     "comments": [<vendor comment objects>]}          # comments optional

Event ids (``TicketEvent.desk_event_id``) are the same whether a change arrived by webhook or
by poll, so storing events keyed on ``(desk, desk_event_id)`` keeps each change once:

===========  ===================================================================================
desk         ids
===========  ===================================================================================
jira         ``created:<issue id>``, ``changelog:<history id>:<field>`` (status, priority,
             assignee), ``changelog:<history id>`` (other fields), ``comment:<id>``,
             ``comment-edit:<id>:<updated>``, ``deleted:<issue id>``,
             ``updated:<issue id>:<updated>`` (webhook without changelog)
zendesk      ``created:<ticket id>``, ``status:<ticket id>:<updated_at>`` (snapshot),
             ``priority:…``/``assignee:…`` (same form), ``comment:<id>``, ``event:<event id>``
servicenow   ``created:<sys_id>``, ``<sys_id>:<sys_mod_count>`` (snapshot), ``journal:<sys_id>``
salesforce   ``created:<case id>``, ``<case id>:<SystemModstamp>`` (snapshot),
             ``comment:<CaseComment id>``
===========  ===================================================================================

A *snapshot* event is a STATUS event carrying the status after one record version; it may
repeat the current status, which consumers treat as a no-op. CREATED carries a status only when
the payload shows the ticket as created (unchanged since). Events are sorted by time and
numbered (``seq``) in that order. Timestamps are aware UTC datetimes.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from intake.model import NormalizedDelivery
from intake.normalize.jira import normalize_jira
from intake.normalize.options import IntakeOptions
from intake.normalize.salesforce import normalize_salesforce, normalize_salesforce_all
from intake.normalize.servicenow import normalize_servicenow
from intake.normalize.zendesk import normalize_zendesk
from intake.webhooks.errors import MalformedPayloadError
from intake.webhooks.node import Node, parse_json

_Normalizer = Callable[[str, Node, "str | None", IntakeOptions], NormalizedDelivery]
_JSON_NORMALIZERS: Mapping[str, _Normalizer] = {
    "jira": normalize_jira,
    "zendesk": normalize_zendesk,
    "servicenow": normalize_servicenow,
}


def normalize_delivery(
    desk_type: str,
    desk_name: str,
    body: bytes,
    *,
    base_url: str | None = None,
    options: IntakeOptions | None = None,
) -> NormalizedDelivery:
    """
    Turn one webhook body or poll form into the ticket it shows and the events it reports.

    Args:
        desk_type: ``jira``, ``zendesk``, ``servicenow`` or ``salesforce``.
        desk_name: the configured desk instance (``jira-it``), copied into ``Ticket.desk``.
        body: the raw body as stored in the inbox.
        base_url: the desk's base URL, for ``Ticket.url``.
        options: what the desk's configuration says about reading its tickets
            (``inbound_status_map``, ``priority_map``, ``request_type_field``, ``team_field``),
            validated by ``worker.wiring.desk_options.intake_options``; default: none.

    Raises:
        MalformedPayloadError: the body lacks something a ticket needs (the message names the
            JSON path or XML element); ``UnsupportedEventError`` for non-ticket events.
        ValueError: ``desk_type`` is unknown.
    """
    opts = options if options is not None else IntakeOptions()
    if desk_type == "salesforce":
        return normalize_salesforce(desk_name, body, base_url, opts)
    normalizer = _JSON_NORMALIZERS.get(desk_type)
    if normalizer is None:
        raise ValueError(f"unknown desk type {desk_type!r}")
    doc = parse_json(body)
    if not doc.is_object():
        raise MalformedPayloadError("expected a JSON object at $")
    return normalizer(desk_name, doc, base_url, opts)


def normalize_deliveries(
    desk_type: str,
    desk_name: str,
    body: bytes,
    *,
    base_url: str | None = None,
    options: IntakeOptions | None = None,
) -> tuple[NormalizedDelivery, ...]:
    """
    Like :func:`normalize_delivery`, but one result per ticket the body shows.

    Salesforce batches up to 100 notifications in one Outbound Message; every other body shows
    exactly one ticket. Arguments and errors are those of :func:`normalize_delivery`.
    """
    if desk_type == "salesforce":
        return normalize_salesforce_all(
            desk_name, body, base_url, options if options is not None else IntakeOptions()
        )
    return (normalize_delivery(desk_type, desk_name, body, base_url=base_url, options=options),)


__all__ = ["IntakeOptions", "normalize_deliveries", "normalize_delivery"]
