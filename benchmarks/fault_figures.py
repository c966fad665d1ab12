"""
What the fault benchmark measures: the tickets it sends, when each was handled, and from that
the recovery time of a fault (``benchmarks.faults``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

SECRET = b"fault-benchmark-secret"


@dataclass
class Phase:
    """One fault's tickets and what was seen of them."""

    name: str
    prefix: str
    sent: dict[str, float] = field(default_factory=dict)
    """When each ticket was first sent (seconds from the phase's start)."""
    handled: dict[str, float] = field(default_factory=dict)
    """When each ticket was first seen handled."""
    started: float = 0.0
    fault_at: float = 0.0
    cleared_at: float = 0.0


def deliveries(prefix: str, logins: list[str]) -> list[tuple[str, bytes, dict[str, str]]]:
    """One signed ``jira:issue_created`` per login: "Reset my password", asked by its owner."""
    from worker.db.database import utcnow
    from worker.demo.data import DemoDesk, DemoPerson, DemoSet, DemoTicket
    from worker.demo.deliveries import build_deliveries

    desk = DemoDesk("jira-it", "jira", "https://acme-it.atlassian.net", "IT")
    tickets = tuple(
        DemoTicket(
            desk="jira-it",
            key=f"{prefix}{n:04d}",
            requester=DemoPerson(f"{login}@corp.example.com", f"Bench {login}"),
            subject="Forgot my password",
            body="I forgot my password, please reset it.",
            priority="normal",
            created_minutes_ago=1,
            expect_intent="password_reset",
            request_type="Reset my password",
        )
        for n, login in enumerate(logins)
    )
    demo = DemoSet({"jira-it": desk}, tickets, (), ())
    built = build_deliveries(demo, secrets={"jira-it": SECRET}, now=utcnow())
    return [(d.key, d.body, d.headers) for d in built]


def normal_latency(phase: Phase) -> float:
    """The 95th-percentile latency of the tickets handled before the fault (5 s if none)."""
    before = sorted(
        phase.handled[k] - sent
        for k, sent in phase.sent.items()
        if k in phase.handled and phase.handled[k] < phase.fault_at
    )
    return round(before[int(0.95 * (len(before) - 1))], 1) if before else 5.0


def recovery_time(phase: Phase) -> float:
    """
    Seconds from the fault clearing until the last ticket the fault made late was handled. Late:
    handled more than twice the pre-fault 95th-percentile latency plus 2 s after it was sent (the
    margin keeps a loaded machine's ordinary jitter out; a ticket still unhandled at the end
    counts as handled then). 0 when no ticket was late after the fault cleared.
    """
    normal = normal_latency(phase)
    end = max([*phase.handled.values(), phase.cleared_at])
    late = [
        phase.handled.get(k, end)
        for k, sent in phase.sent.items()
        if sent >= phase.fault_at - normal and phase.handled.get(k, end) - sent > 2 * normal + 2
    ]
    return round(max(0.0, max(late, default=phase.cleared_at) - phase.cleared_at), 1)


def latency(phase: Phase, p: int) -> float | None:
    """The ``p``-th percentile of the handled tickets' latency."""
    waits = sorted(phase.handled[k] - s for k, s in phase.sent.items() if k in phase.handled)
    return round(waits[int(p / 100 * (len(waits) - 1))], 1) if waits else None
