"""
A campaign's evidence export, built only from its stored audit events, so it is reproduced
byte for byte: ``items.csv`` (one row per item: subject, entitlement, reviewer and why, the
recommendation, every decision with time and author, the removal and its read-back),
``campaign.json`` (the population with its source query and row count, the reviewers and
their eligibility, the reminders and escalations, the close) and ``events.json`` (the events
themselves, with their audit ids and hashes), plus ``manifest.sha256`` in ``sha256sum`` format.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from playbooks.spreadsheet import write_csv

ITEM_HEADER = (
    "item", "subject_id", "subject_login", "entitlement", "application", "reviewer", "rule",
    "eligibility_note", "recommendation", "recommendation_reason", "decision", "decided_by",
    "decided_at", "reason", "first_decision", "first_decided_by", "first_decided_at", "flagged",
    "removal_run", "removed", "verified", "verification", "removed_at",
)  # fmt: skip
FILES = ("campaign.json", "items.csv", "events.json")


@dataclass(frozen=True)
class Event:
    """One stored audit entry of the campaign."""

    id: int
    at: str
    """ISO 8601, UTC, microseconds (as the chain hashes it)."""
    actor: str
    action: str
    data: Mapping[str, Any]
    hash: str


def _dump(value: object) -> bytes:
    return (json.dumps(value, sort_keys=True, indent=2, ensure_ascii=False) + "\n").encode()


def _items(events: Sequence[Event]) -> dict[int, dict[str, Any]]:
    rows: dict[int, dict[str, Any]] = {}
    for event in events:
        data = event.data
        if event.action == "review.item":
            rows[int(data["item"])] = {
                "item": data["item"],
                "subject_id": data["subject_id"],
                "subject_login": data["subject_login"],
                "entitlement": data["entitlement"],
                "application": data.get("application"),
                "reviewer": data.get("reviewer"),
                "rule": data["rule"],
                "eligibility_note": data.get("note"),
                "recommendation": data.get("recommendation"),
                "recommendation_reason": data.get("recommendation_reason"),
            }
        elif event.action == "review.decided" and int(data["item"]) in rows:
            row = rows[int(data["item"])]
            if data.get("final"):
                row.update(decision=data["verdict"], decided_by=event.actor, decided_at=event.at)
                row.update(reason=data.get("reason"), flagged=bool(data.get("flagged")))
            else:
                row.update(first_decision=data["verdict"], first_decided_by=event.actor)
                row.update(first_decided_at=event.at)
        elif event.action == "review.removal" and int(data["item"]) in rows:
            rows[int(data["item"])].update(
                removal_run=data.get("run_id"),
                removed=data.get("changed"),
                verified=data.get("verified"),
                verification=data.get("detail"),
                removed_at=event.at,
            )
    return rows


def _summary(events: Sequence[Event]) -> dict[str, Any]:
    summary: dict[str, Any] = {"reviewers": {}, "nudges": [], "tickets": []}
    for event in events:
        data = event.data
        if event.action == "review.started":
            summary["campaign"] = {k: v for k, v in data.items() if k != "campaign_run"}
            summary["started_at"] = event.at
            summary["started_by"] = event.actor
        elif event.action == "review.item" and data.get("reviewer"):
            who = summary["reviewers"].setdefault(
                data["reviewer"], {"items": 0, "rules": {}, "notes": []}
            )
            who["items"] += 1
            who["rules"][data["rule"]] = who["rules"].get(data["rule"], 0) + 1
            if data.get("note") and data["note"] not in who["notes"]:
                who["notes"].append(data["note"])
        elif event.action == "review.ticket":
            summary["tickets"].append({**data, "at": event.at})
        elif event.action in ("review.reminded", "review.escalated"):
            summary["nudges"].append({"action": event.action, "at": event.at, **data})
        elif event.action == "review.failed":
            summary.setdefault("failures", []).append({"at": event.at, **data})
        elif event.action == "review.closed":
            summary["closed_at"] = event.at
            summary["closed_by"] = event.actor
            summary["close"] = dict(data)
    return summary


def render(events: Sequence[Event]) -> dict[str, bytes]:
    """The export's files (and ``manifest.sha256``) from the campaign's events, in id order."""
    ordered = sorted(events, key=lambda e: e.id)
    rows = _items(ordered)
    cells = [[rows[n].get(column) for column in ITEM_HEADER] for n in sorted(rows)]
    files = {
        "campaign.json": _dump(_summary(ordered)),
        "items.csv": write_csv(ITEM_HEADER, cells).encode(),
        "events.json": _dump(
            [
                {
                    "id": e.id,
                    "at": e.at,
                    "actor": e.actor,
                    "action": e.action,
                    "data": e.data,
                    "hash": e.hash,
                }
                for e in ordered
            ]
        ),
    }
    files["manifest.sha256"] = manifest(files)
    return files


def manifest(files: Mapping[str, bytes]) -> bytes:
    """``sha256sum``-compatible lines for ``files``, by name."""
    lines = [f"{hashlib.sha256(files[n]).hexdigest()}  {n}\n" for n in sorted(files)]
    return "".join(lines).encode()
