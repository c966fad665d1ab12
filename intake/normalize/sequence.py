"""Ordering of the events of one delivery."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from intake.model import TicketEvent


def numbered(events: Iterable[TicketEvent]) -> tuple[TicketEvent, ...]:
    """Sort by time (stable) and number ``seq`` in that order, so replays are exact."""
    ordered = sorted(enumerate(events), key=lambda pair: (pair[1].at, pair[0]))
    return tuple(replace(event, seq=seq) for seq, (_, event) in enumerate(ordered))
