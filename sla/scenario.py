"""
A ticket what-if for ``deskpilot sla simulate``: SLA settings, a ticket and its events.

Events use the normalised vocabulary (``created``, ``status``, ``priority``, ``assignee``,
``comment``) so a team lead can ask "what if the requester had answered on Monday?" by editing
one line. See docs/sla.md for the format.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, JsonValue

from intake.model import Comment, EventKind, Person, Priority, StatusCategory, TicketEvent
from sla.config import SlaSettings
from sla.definition import Routing, compile_sla
from sla.feed import evaluate_ticket, waiting_breakdown
from sla.simulate import result_json


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ScenarioTicket(_Model):
    """The ticket's routing facts (goal selection: desk / intent / priority / routing)."""

    desk: str
    intent: str | None = None
    priority: Priority = Priority.NORMAL
    organisation: str | None = None
    group: str | None = None
    customer: str | None = None
    """The requester's e-mail address or desk id."""

    def routing(self) -> Routing:
        """The organisation, group and customer policies may match on."""
        return Routing.of(
            organisation=self.organisation, group=self.group, customer=[self.customer]
        )


class ScenarioEvent(_Model):
    """One thing that happened to the ticket."""

    at: datetime
    kind: Literal["created", "status", "priority", "assignee", "comment"]
    status: StatusCategory | None = None
    priority: Priority | None = None
    assignee: str | None = None
    """Person id (one of ``automation_ids`` means deskpilot); null = unassigned."""
    author: Literal["agent", "requester", "automation"] | None = None
    public: bool = True
    id: str | None = None
    seq: int = 0


class Scenario(_Model):
    """The whole what-if document (``format: deskpilot-sla-simulate/1``)."""

    format: Literal["deskpilot-sla-simulate/1"] = "deskpilot-sla-simulate/1"
    now: datetime
    sla: SlaSettings
    ticket: ScenarioTicket
    automation_ids: list[str] = Field(default_factory=lambda: ["deskpilot"])
    events: list[ScenarioEvent]


def _person(event: ScenarioEvent, automation: str) -> Person | None:
    if event.author is None:
        return None
    if event.author == "automation":
        return Person(automation, is_agent=True)
    return Person(event.author, is_agent=event.author == "agent")


def ticket_events(scenario: Scenario) -> list[TicketEvent]:
    """
    The scenario's events as normalised ``TicketEvent``s.

    Args:
        scenario: the parsed document.
    """
    bot = scenario.automation_ids[0] if scenario.automation_ids else "deskpilot"
    out = []
    for i, e in enumerate(scenario.events):
        ref = e.id or f"event-{i}"
        priority = e.priority or (scenario.ticket.priority if e.kind == "created" else None)
        comment = Comment(ref, "", e.public, _person(e, bot), e.at) if e.kind == "comment" else None
        assignee = Person(e.assignee) if e.assignee else None
        out.append(
            TicketEvent(
                EventKind(e.kind), e.at, ref, e.seq, None, e.status, priority, assignee, comment
            )
        )
    return out


def _last_priority(scenario: Scenario) -> Priority:
    """The ticket's priority at the end of its events (the policy that sets its goals now)."""
    changed = sorted(
        ((e.at, e.seq, e.priority) for e in scenario.events if e.priority is not None),
        key=lambda c: (c[0], c[1]),
    )
    return changed[-1][2] if changed else scenario.ticket.priority


def run_scenario(scenario: Scenario) -> dict[str, JsonValue]:
    """
    Every metric's clock for the scenario's ticket at ``now``, and the waiting breakdown.

    Args:
        scenario: the parsed document.

    Raises:
        SlaConfigError: the ``sla`` section has problems (all listed).
    """
    defs = compile_sla(scenario.sla)
    events, bots = ticket_events(scenario), frozenset(scenario.automation_ids)
    t = scenario.ticket
    routing = t.routing()
    results = evaluate_ticket(
        defs, t.desk, t.intent, events, scenario.now, automation_ids=bots, routing=routing
    )
    policy = defs.select_policy(t.desk, t.intent, _last_priority(scenario), routing)
    waiting = waiting_breakdown(events, scenario.now, automation_ids=bots)
    return {
        "policy": policy.name if policy else None,
        "clocks": [result_json(name, result) for name, result in results.items()],
        "waiting_seconds": {
            "requester": waiting.requester_seconds,
            "approver": waiting.approver_seconds,
            "deskpilot": waiting.system_seconds,
            "agent": waiting.agent_seconds,
            "third_party": waiting.third_party_seconds,
        },
    }
