"""
Usage and allow-list files: CSV text to identities, assignments and exemptions (pure).

Usage has one row per activity signal: ``identity, vendor, sku, created, hr_status,
service_account, cost_centre, source, last_activity, usage_pct``. Rows for the same identity,
vendor and SKU add signals to one assignment; a row with an empty ``source`` is an assignment
nobody has seen used. An identity's own columns must agree on every row that names it.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation

from playbooks.licences.contracts import RowError
from playbooks.licences.usage import (
    SIGNAL_LAGS,
    AllowEntry,
    Assignment,
    HrStatus,
    Identity,
    Signal,
)

USAGE_COLUMNS = ("identity", "vendor", "sku", "created", "hr_status", "source", "last_activity")
ALLOW_COLUMNS = ("identity", "vendor", "expires", "reason")
HR_STATUSES: tuple[HrStatus, ...] = ("active", "leave", "leaver")
TRUE = ("true", "yes", "1", "y")
FALSE = ("false", "no", "0", "n", "")


class UsageFileError(RowError):
    """A usage or allow-list row that cannot be read; ``row`` counts the header as 1."""


def _rows(text: str, what: str, required: tuple[str, ...]) -> Iterator[tuple[int, dict[str, str]]]:
    reader = csv.DictReader(io.StringIO(text.removeprefix("\ufeff")))
    names = [n.strip().lower() for n in reader.fieldnames or []]
    for column in required:
        if column not in names:
            raise UsageFileError(what, 1, column, "column is missing from the header")
    reader.fieldnames = names
    for number, raw in enumerate(reader, start=2):
        cells = {k: (v or "").strip() for k, v in raw.items() if k is not None}
        if any(cells.values()):
            yield number, cells


def _need(what: str, row: int, cells: dict[str, str], column: str) -> str:
    if not cells.get(column):
        raise UsageFileError(what, row, column, "is empty")
    return cells[column]


def _date(what: str, row: int, cells: dict[str, str], column: str) -> date:
    text = _need(what, row, cells, column)
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise UsageFileError(what, row, column, f"{text!r} is not a date (YYYY-MM-DD)") from None


def _when(row: int, text: str) -> datetime:
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        raise UsageFileError(
            "usage", row, "last_activity", f"{text!r} is not an ISO 8601 date or time"
        ) from None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def _identity(row: int, cells: dict[str, str]) -> Identity:
    status = cells.get("hr_status", "").lower() or "active"
    if status not in HR_STATUSES:
        raise UsageFileError(
            "usage", row, "hr_status", f"{status!r} is not one of {', '.join(HR_STATUSES)}"
        )
    service = cells.get("service_account", "").lower()
    if service not in TRUE + FALSE:
        raise UsageFileError("usage", row, "service_account", f"{service!r} is not yes or no")
    return Identity(
        id=_need("usage", row, cells, "identity"),
        created=_date("usage", row, cells, "created"),
        hr_status=status,
        service_account=service in TRUE,
        cost_centre=cells.get("cost_centre") or None,
    )


def _usage_pct(row: int, text: str) -> Decimal | None:
    if not text:
        return None
    try:
        pct = Decimal(text)
    except InvalidOperation:
        raise UsageFileError("usage", row, "usage_pct", f"{text!r} is not a number") from None
    if not pct.is_finite() or not 0 <= pct <= 100:
        raise UsageFileError("usage", row, "usage_pct", f"{text!r} is not between 0 and 100")
    return pct


def parse_usage(text: str) -> tuple[dict[str, Identity], list[Assignment]]:
    """
    Identities by id and assignments, in file order.

    Raises:
        UsageFileError: a missing column, a bad cell, an unknown source, or an identity whose
            columns disagree with an earlier row.
    """
    identities: dict[str, Identity] = {}
    first_row: dict[str, int] = {}
    signals: dict[tuple[str, str, str], list[Signal]] = {}
    usage: dict[tuple[str, str, str], Decimal | None] = {}
    groups: dict[tuple[str, str, str], str] = {}
    for row, cells in _rows(text, "usage", USAGE_COLUMNS):
        person = _identity(row, cells)
        known = identities.setdefault(person.id, person)
        first_row.setdefault(person.id, row)
        if known != person:
            raise UsageFileError(
                "usage",
                row,
                "identity",
                f"{person.id} disagrees with row {first_row[person.id]} on its own columns",
            )
        key = (person.id, _need("usage", row, cells, "vendor"), _need("usage", row, cells, "sku"))
        found = signals.setdefault(key, [])
        pct = _usage_pct(row, cells.get("usage_pct", ""))
        if pct is not None:
            usage[key] = pct
        if cells.get("licence_group"):
            groups.setdefault(key, cells["licence_group"])
        source = cells.get("source", "")
        if source:
            if source not in SIGNAL_LAGS:
                raise UsageFileError(
                    "usage", row, "source", f"{source!r} is not one of {', '.join(SIGNAL_LAGS)}"
                )
            stamp = _need("usage", row, cells, "last_activity")
            found.append(Signal(source, _when(row, stamp)))
    assignments = [
        Assignment(i, v, s, tuple(found), usage.get((i, v, s)), groups.get((i, v, s)))
        for (i, v, s), found in signals.items()
    ]
    return identities, assignments


def parse_allow(text: str) -> list[AllowEntry]:
    """Allow-list entries: ``identity, vendor, sku (empty = every SKU), expires, reason``."""
    return [
        AllowEntry(
            identity_id=_need("allow-list", row, cells, "identity"),
            vendor=_need("allow-list", row, cells, "vendor"),
            expires=_date("allow-list", row, cells, "expires"),
            reason=_need("allow-list", row, cells, "reason"),
            sku=cells.get("sku") or None,
        )
        for row, cells in _rows(text, "allow-list", ALLOW_COLUMNS)
    ]
