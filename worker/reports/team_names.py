"""
Team names for the dashboard: asked of the desks (``DeskClient.group_name``) and kept a while.

A ticket's ``team`` is what its desk's payload carried, often an id (a Zendesk group id, a
Salesforce queue id, a ServiceNow sys_id). The page shows the desk's name for it: each
(desk, id) is asked once and kept for ``ttl_s`` (an hour); a failed look-up is kept for
``retry_s`` (five minutes) so a desk that is down costs one call per team every few minutes,
and the page shows the id with a marker saying the name could not be read, and why.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

import structlog

from connectors.errors import DeskpilotError
from worker.runtime import Runtime

log = structlog.get_logger("deskpilot.dashboard")

TTL_S = 3600.0
RETRY_S = 300.0


@dataclass(frozen=True)
class TeamName:
    """What the page shows for a team id: the desk's name, or the id and why there is none."""

    team: str
    name: str
    problem: str | None = None

    @property
    def resolved(self) -> bool:
        """True when ``name`` came from the desk (or the value was a name already)."""
        return self.problem is None


class TeamNames:
    """(desk, team id) → ``TeamName``, from the runtime's desk clients, cached with a TTL."""

    def __init__(
        self, rt: Runtime, *, ttl_s: float = TTL_S, retry_s: float = RETRY_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:  # fmt: skip
        self.rt, self.ttl_s, self.retry_s, self.clock = rt, ttl_s, retry_s, clock
        self._lock = threading.Lock()
        self._kept: dict[tuple[str, str], tuple[float, TeamName]] = {}

    def name(self, desk: str, team: str) -> TeamName:
        """The name of ``team`` on ``desk`` (asked of the desk unless kept and fresh)."""
        now = self.clock()
        with self._lock:
            kept = self._kept.get((desk, team))
        if kept is not None and now < kept[0]:
            return kept[1]
        found = self._ask(desk, team)
        with self._lock:
            life = self.ttl_s if found.resolved else self.retry_s
            self._kept[(desk, team)] = (now + life, found)
        return found

    def _ask(self, desk: str, team: str) -> TeamName:
        client = self.rt.desks.get(desk)
        if client is None:
            return TeamName(team, team, f"no desk {desk} is configured")
        try:
            return TeamName(team, client.group_name(team))
        except DeskpilotError as exc:
            log.warning("dashboard.team_name_failed", desk=desk, team=team, error=str(exc))
            return TeamName(team, team, f"{desk} did not give its name: {type(exc).__name__}")

    def names(self, desks_by_team: Mapping[str, Iterable[str]]) -> dict[str, TeamName]:
        """A name per team id, from the first of its desks that knows it."""
        out: dict[str, TeamName] = {}
        for team, desks in desks_by_team.items():
            for desk in sorted(desks):
                answer = self.name(desk, team)
                if answer.resolved or team not in out:
                    out[team] = answer
                if answer.resolved:
                    break
        return out
